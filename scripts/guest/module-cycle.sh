#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# module-cycle.sh N VCPUS: load and unload kvm_ss_fix N times while VCPUS
# vCPUs single-step (ss-stress), then check that no step record is left.
# Runs inside a vm-run guest, with kvm_ss_fix.ko beside it (vm-run -f);
# KSF_INSMOD_ARGS are passed to insmod.
n=${1:-100}
vcpus=${2:-2}
gen=/tmp/ss-gen
stats=/sys/kernel/debug/kvm_ss_fix/stats

# rmmod, retried: a vCPU's arming task_work holds a module reference for
# a moment after KVM_SET_GUEST_DEBUG, and rmmod says EBUSY meanwhile.
ksf_rmmod() { for t in 1 2 3 4; do rmmod kvm_ss_fix 2>/dev/null && return; sleep 0.1; done; rmmod kvm_ss_fix; }

echo 0 >$gen
./ss-stress "$vcpus" $gen &
pid=$!
i=0
while [ $i -lt "$n" ]; do
	insmod ./kvm_ss_fix.ko $KSF_INSMOD_ARGS || { echo "not ok: insmod $i failed"; exit 1; }
	echo $((2 * i + 1)) >$gen
	sleep 0.05
	echo $((2 * i + 2)) >$gen
	ksf_rmmod || { echo "not ok: rmmod $i failed"; exit 1; }
	i=$((i + 1))
done
# last round: stop the vCPUs with the module loaded, then count records
insmod ./kvm_ss_fix.ko $KSF_INSMOD_ARGS
echo $((2 * n + 1)) >$gen
sleep 0.2
echo stop >$gen
wait $pid
rc=$?
live=$(sed -n 's/^records_live //p' $stats)
created=$(sed -n 's/^records_created //p' $stats)
missed=$(sed -n 's/^kprobe_missed //p' $stats)
allocfail=$(sed -n 's/^record_alloc_failed //p' $stats)
rmmod kvm_ss_fix
echo "module-cycle: load cycles $((n + 1)) records_created $created" \
	"records_live_after_vm_exit $live kprobe_missed $missed alloc_failed $allocfail"
[ "$rc" = 0 ] && [ "$live" = 0 ] && [ "$created" -gt 0 ] &&
	[ "$missed" = 0 ] && [ "$allocfail" = 0 ]
