#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-bad-input.sh MODEL: ss-bad-input's KVM misuse cases, checked
# against MODEL; with kvm_ss_fix.ko beside it (vm-run -f), first a load
# under an idle stepping vCPU, then the cases with the module loaded,
# which must then hold no record and unload cleanly, and
# module-bad-input.sh (bad parameters, double load) runs after.
model=$1
stats=/sys/kernel/debug/kvm_ss_fix/stats
rc=0

# A debugger turned single-step on before the module was loaded and steps
# again two seconds after it (a person at a gdb prompt): exact stops.
idle_load() {
	rm -f /tmp/go /tmp/idle.out
	./ss-bad-input --model "$model" --idle-load /tmp/go >/tmp/idle.out &
	pid=$!
	n=0
	while ! grep -q '^# ready' /tmp/idle.out && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	insmod ./kvm_ss_fix.ko || { echo "not ok - insmod"; exit 1; }
	sleep 2
	touch /tmp/go
	wait $pid || rc=1
	grep -v '^TAP\|^1\.\.\|^# ready' /tmp/idle.out
	rmmod kvm_ss_fix || { echo "not ok - rmmod after the idle load"; exit 1; }
}

if [ -f ./kvm_ss_fix.ko ]; then
	idle_load
	insmod ./kvm_ss_fix.ko || { echo "not ok - insmod"; exit 1; }
fi
./ss-bad-input --model "$model" >/tmp/cases.out || rc=1
cat /tmp/cases.out
# one summary line for both runs of ss-bad-input
cat /tmp/idle.out /tmp/cases.out 2>/dev/null | awk '/^ss-bad-input:/ {
	for (i = 2; i < NF; i += 2) n[$i] += $(i + 1) }
	END { printf "bad-input: cases %d failed %d checked %d mismatches %d\n",
		n["cases"], n["failed"], n["checked"], n["mismatches"] }'
[ -f ./kvm_ss_fix.ko ] || exit $rc

live=$(sed -n 's/^records_live //p' $stats)
created=$(sed -n 's/^records_created //p' $stats)
rmmod kvm_ss_fix || { echo "not ok - rmmod after the bad input"; exit 1; }
if [ "$live" = 0 ] && [ "$created" -gt 0 ]; then
	echo "ok - records_created $created, records_live $live after the VMs are gone"
else
	echo "not ok - records_created $created, records_live $live after the VMs are gone"
	rc=1
fi
./module-bad-input.sh || rc=1
exit $rc
