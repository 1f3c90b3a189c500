#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# module-blockirq.sh: kvm_ss_fix's block_irq_when_stepping parameter holds
# interrupts back for a plain host single-step (no KVM_GUESTDBG_BLOCKIRQ),
# and only while set: ss_conformance's blockirq_held_while_stepping with
# SS_BI_PLAIN_STEP=1 must fail without it (the stop at the IRQ vector)
# and pass with it, set at load or at run time.  The probe it needs is
# armed only while a vCPU steps.  A vCPU holding its interrupts back
# keeps the module: rmmod fails until the hold ends.  Runs inside a vm-run
# guest, with kvm_ss_fix.ko, ss_conformance and ss-bench beside it.
stats=/sys/kernel/debug/kvm_ss_fix/stats
param=/sys/module/kvm_ss_fix/parameters/block_irq_when_stepping
stat() { sed -n "s/^$1 //p" $stats; }
fail() { echo "not ok - $*"; cat $stats 2>/dev/null; exit 1; }
# the harness runs every case; only blockirq_held_while_stepping's verdict counts
plain_step() {
	SS_BI_PLAIN_STEP=1 ./ss_conformance >/tmp/all.log 2>&1
	sed -n '/RUN  *global.blockirq_held_while_stepping/,/ok [0-9]* global.blockirq_held_while_stepping/p' \
		/tmp/all.log >/tmp/bi.log
	grep -q '^ok [0-9]* global.blockirq_held_while_stepping' /tmp/bi.log
}

insmod ./kvm_ss_fix.ko || fail "insmod"
dmesg | grep -q 'kvm_ss_fix: KVM_GUESTDBG_BLOCKIRQ provided' || fail "no 'provided' load line"
if plain_step; then
	cat /tmp/bi.log
	fail "plain stepping was not interrupted without the parameter: the check cannot see the hold"
fi
grep -qE 'first (missed|extra) PC' /tmp/bi.log ||
	{ cat /tmp/bi.log; fail "plain stepping failed, but not at a stop"; }
echo "ok - without the parameter the stepped guest takes the interrupt: $(grep -m1 -E 'first (missed|extra) PC' /tmp/bi.log | sed 's/^# *//')"
echo 1 >$param || fail "setting the parameter at run time"
plain_step || { cat /tmp/bi.log; fail "block_irq_when_stepping=1 (run time) did not hold the interrupt back"; }
held=$(stat irq_held_entries)
[ "${held:-0}" -gt 0 ] || fail "no entry counted as held"
echo "ok - block_irq_when_stepping=1 set at run time: stops exact, $held entries held"
rmmod kvm_ss_fix || fail "rmmod"

insmod ./kvm_ss_fix.ko block_irq_when_stepping=1 || fail "insmod block_irq_when_stepping=1"
dmesg | grep -q 'for every host single-step (block_irq_when_stepping)' || fail "load line does not name the parameter"
plain_step || { cat /tmp/bi.log; fail "block_irq_when_stepping=1 (load time) did not hold the interrupt back"; }
echo "ok - block_irq_when_stepping=1 set at load: stops exact"
rmmod kvm_ss_fix || fail "rmmod"

insmod ./kvm_ss_fix.ko || fail "insmod"
./ss-bench steps-blockirq 3 >/tmp/bench.log 2>&1 &
bench=$!
sleep 1
if rmmod kvm_ss_fix 2>/tmp/rmmod.err; then
	fail "rmmod succeeded while a vCPU held its interrupts back"
fi
echo "ok - rmmod refused while a vCPU holds: $(cat /tmp/rmmod.err)"
wait $bench || { cat /tmp/bench.log; fail "ss-bench steps-blockirq"; }
rmmod kvm_ss_fix || fail "rmmod after the hold ended"
echo "ok - rmmod once the holding vCPU is gone"
