#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# module-arming.sh: kvm_ss_fix's per-exit probes exist only while a vCPU
# single-steps.  With none stepping they are gone within a second of the
# load; KVM_SET_GUEST_DEBUG arms them before the ioctl returns (from the
# task_work, not late); they go again a few seconds after the last step.
# Runs inside a vm-run guest, with kvm_ss_fix.ko and ss-smoke beside it.
stats=/sys/kernel/debug/kvm_ss_fix/stats
stat() { sed -n "s/^$1 //p" $stats; }
fail() { echo "not ok - $*"; cat $stats; exit 1; }

insmod ./kvm_ss_fix.ko || fail "insmod"
sleep 1
[ "$(stat hot_probes_armed)" = 0 ] || fail "probes still armed 1 s after load with no stepping vCPU"
echo "ok - probes disarmed after the load-time look"
./ss-smoke >/tmp/smoke.log || { cat /tmp/smoke.log; fail "ss-smoke with probes armed on demand"; }
[ "$(stat arm_late)" = 0 ] || fail "probes armed late (after the ioctl returned)"
echo "ok - KVM_SET_GUEST_DEBUG armed the probes in time: $(tail -n1 /tmp/smoke.log)"
sleep 7
[ "$(stat hot_probes_armed)" = 0 ] || fail "probes still armed 7 s after the last stepping vCPU"
echo "ok - probes disarmed after the last stepping vCPU (armed $(stat armed) disarmed $(stat disarmed) times)"
rmmod kvm_ss_fix
