#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-load.sh SECONDS THREADS [SEED]: for SECONDS, load and unload
# kvm_ss_fix in a loop while THREADS vCPUs (ss-random --threads, one VM
# each, recreated every 100 operations) single-step random programs and
# kvm-smoke creates and destroys a VM after another, so that VMs die while
# insmod's scan walks KVM's debugfs directory.
# Results taken with the module loaded throughout must match the model;
# at the end no step record may be left.  Runs inside a vm-run guest with
# ss-random and kvm_ss_fix.ko beside it (vm-run -f).
secs=${1:-60}
threads=${2:-4}
seed=${3:+--seed $3}
gen=/tmp/ss-gen
stats=/sys/kernel/debug/kvm_ss_fix/stats

# rmmod, retried: a vCPU's arming task_work holds a module reference for
# a moment after KVM_SET_GUEST_DEBUG, and rmmod says EBUSY meanwhile.
ksf_rmmod() { for t in 1 2 3 4; do rmmod kvm_ss_fix 2>/dev/null && return; sleep 0.1; done; rmmod kvm_ss_fix; }

stat() { sed -n "s/^$1 //p" $stats; }

# Wait up to 30 s for ss-random to end; if it does not, show where each
# of its threads is stuck in the kernel and kill it.
wait_or_dump() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "not ok: ss-random did not stop within 30 s"
		for t in /proc/"$1"/task/*; do
			echo "# task ${t##*/}: $(grep State "$t"/status) syscall: $(cat "$t"/syscall)"
			sed 's/^/#   /' "$t"/stack
		done
		kill -9 "$1"
	fi
	wait "$1"
}

echo 0 >$gen
# shellcheck disable=SC2086
./ss-random --model rules-5.10 --threads "$threads" --gen $gen --round 100 \
	$seed >/tmp/ss-random.out &
pid=$!
( while [ ! -e /tmp/ss-churn-stop ]; do ./kvm-smoke >/dev/null || exit 1; done ) &
churn=$!
end=$(($(date +%s) + secs))
i=0
while [ "$(date +%s)" -lt "$end" ]; do
	insmod ./kvm_ss_fix.ko || { echo "not ok: insmod $i failed"; exit 1; }
	[ -n "$KSF_VERBOSE" ] && echo "# cycle $i $(date +%s)"
	echo $((2 * i + 1)) >$gen
	# loaded for 0.1 to 0.8 s, unloaded for a moment
	sleep "0.$((i % 8 + 1))"
	echo $((2 * i + 2)) >$gen
	ksf_rmmod || { echo "not ok: rmmod $i failed"; exit 1; }
	i=$((i + 1))
done
# last round: stop the vCPUs with the module loaded, then count records
insmod ./kvm_ss_fix.ko || { echo "not ok: last insmod failed"; exit 1; }
echo $((2 * i + 1)) >$gen
sleep 0.5
echo stop >$gen
wait_or_dump $pid
rc=$?
touch /tmp/ss-churn-stop
wait $churn || { echo "not ok: kvm-smoke failed in the VM churn"; rc=1; }
grep -v '^# replay' /tmp/ss-random.out
live=$(stat records_live)
created=$(stat records_created)
missed=$(stat kprobe_missed)
allocfail=$(stat record_alloc_failed)
ksf_rmmod || { echo "not ok: final rmmod failed"; exit 1; }
echo "stress-load: seconds $secs threads $threads load_cycles $((i + 1))" \
	"records_created $created records_live_after_vm_exit $live" \
	"kprobe_missed $missed alloc_failed $allocfail"
[ "$rc" = 0 ] && [ "$live" = 0 ] && [ "$created" -gt 0 ] &&
	[ "$missed" = 0 ] && [ "$allocfail" = 0 ]
