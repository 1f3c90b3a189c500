#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# debug-run.sh MODE OPS SECONDS THREADS SEED: the module's tests on the
# debug kernel, for scripts/check-debug, bracketed by kmemleak scans.
#
#   module  kvm_ss_fix loaded: the whole selftest suite, OPS random
#           operations against the rules model, SECONDS of arming and
#           disarming the per-exit hooks while THREADS vCPUs sit in the
#           guest (ss-armcycle), SECONDS of load cycles
#           under THREADS stepping vCPUs (stress-load.sh), then bad input
#           to KVM and to the module (stress-bad-input.sh)
#   stock   the same vCPU work without the module, so that reports of the
#           kernel itself can be told from the module's
#
# Runs inside vm-run with ss_conformance, ss-random, ss-bad-input, the
# scripts named above and (mode module) kvm_ss_fix.ko beside it.  Each part's output sits between the lines
# "# debug-run: begin NAME" and "# debug-run: end NAME rc=N"; the
# checkers' state comes last (sections lockdep and kmemleak).
mode=$1
ops=$2
secs=$3
threads=$4
seed=$5
kmemleak=/sys/kernel/debug/kmemleak

section() {
	name=$1
	shift
	echo "# debug-run: begin $name"
	"$@"
	echo "# debug-run: end $name rc=$?"
}

# The stress form of ss-random without the module: the generation file
# says "loaded" (odd) throughout, and results are checked against stock.
stock_load() {
	echo 1 >/tmp/ss-gen
	./ss-random --model stock-5.10 --threads "$threads" --gen /tmp/ss-gen \
		--round 100 --seed "$seed" &
	pid=$!
	sleep "$secs"
	echo stop >/tmp/ss-gen
	# a stuck vCPU thread must not use up the whole run's time
	n=0
	while kill -0 $pid 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -0 $pid 2>/dev/null && echo "not ok: ss-random did not stop within 30 s" &&
		kill -9 $pid
	wait $pid
}

# Scan twice (kmemleak's advice against false positives), then list.
kmemleak_report() {
	echo scan >$kmemleak && echo scan >$kmemleak ||
		{ echo "not ok: kmemleak cannot scan (switched off?)"; return 1; }
	cat $kmemleak
}

lockdep_state() {
	grep -E 'debug_locks|lock-classes|direct dependencies' /proc/lockdep_stats
}

[ -w $kmemleak ] || { echo "not ok: no $kmemleak: kmemleak is off"; exit 1; }
[ -r /proc/lockdep_stats ] || { echo "not ok: no /proc/lockdep_stats: lockdep is off"; exit 1; }
# What boot left unreferenced is not ours: kmemleak only reports objects
# older than 5 s, so let boot's age, scan, and grey whatever it found.
sleep 5
echo scan >$kmemleak
echo clear >$kmemleak

case "$mode" in
module)
	insmod ./kvm_ss_fix.ko || { echo "not ok: insmod failed"; exit 1; }
	section selftests ./ss_conformance
	section random ./ss-random --model rules-5.10 --ops "$ops" --seed "$seed"
	section armcycle sh -c 'echo 1 >/sys/module/kvm_ss_fix/parameters/disarm_delay_ms &&
		./ss-armcycle "$1" "$2"' armcycle "$secs" "$threads"
	rmmod kvm_ss_fix || { echo "not ok: rmmod failed"; exit 1; }
	section load ./stress-load.sh "$secs" "$threads" "$seed"
	section bad-input ./stress-bad-input.sh rules-5.10
	;;
stock)
	section selftests ./ss_conformance
	section random ./ss-random --model stock-5.10 --ops "$ops" --seed "$seed"
	section load stock_load
	section bad-input ./stress-bad-input.sh stock-5.10
	;;
*)
	echo "not ok: unknown mode '$mode' (module or stock)"
	exit 1
	;;
esac

section lockdep lockdep_state
# leaks must be older than kmemleak's minimum age to be reported
sleep 6
section kmemleak kmemleak_report
