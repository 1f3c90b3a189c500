#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# stress-bad-input.sh MODEL: ss-bad-input's KVM misuse cases, checked
# against MODEL; with kvm_ss_fix.ko beside it (vm-run -f), they run with
# the module loaded, which must then hold no record and unload cleanly,
# and module-bad-input.sh (bad parameters, double load) runs after.
model=$1
stats=/sys/kernel/debug/kvm_ss_fix/stats
rc=0

if [ -f ./kvm_ss_fix.ko ]; then
	insmod ./kvm_ss_fix.ko || { echo "not ok - insmod"; exit 1; }
fi
./ss-bad-input --model "$model" || rc=1
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
