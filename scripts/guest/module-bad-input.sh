#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# module-bad-input.sh: kvm_ss_fix refuses bad parameters and a second
# load with a clear error, and leaves nothing registered behind.
# Runs inside a vm-run guest, with kvm_ss_fix.ko beside it (vm-run -f).
fails=0

not_loaded() {
	! grep -q '^kvm_ss_fix ' /proc/modules &&
		[ ! -e /sys/kernel/debug/tracing/events/kvm_ss_fix ]
}

expect_refused() { # what, insmod args...
	what=$1
	shift
	if insmod ./kvm_ss_fix.ko "$@" 2>/tmp/err; then
		echo "not ok - $what: insmod succeeded"
		fails=$((fails + 1))
		rmmod kvm_ss_fix
	elif ! not_loaded; then
		echo "not ok - $what: refused but left the module behind"
		fails=$((fails + 1))
	else
		echo "ok - $what: $(cat /tmp/err) / $(dmesg | grep kvm_ss_fix | tail -n1 | cut -c16-)"
	fi
}

expect_refused "max_vcpus=0" max_vcpus=0
expect_refused "max_vcpus=65537" max_vcpus=65537
expect_refused "max_vcpus=abc" max_vcpus=abc
expect_refused "block_irq_when_stepping=2" block_irq_when_stepping=2
insmod ./kvm_ss_fix.ko || { echo "not ok - plain insmod"; exit 1; }
if insmod ./kvm_ss_fix.ko 2>/tmp/err; then
	echo "not ok - second insmod succeeded"
	fails=$((fails + 1))
else
	echo "ok - second insmod refused: $(cat /tmp/err)"
fi
rmmod kvm_ss_fix
if not_loaded; then
	echo "ok - rmmod leaves nothing registered"
else
	echo "not ok - rmmod left state behind"
	fails=$((fails + 1))
fi
exit $fails
