#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench.sh ROUNDS SECONDS: ss-bench with and without kvm_ss_fix, in
# alternating order in this one boot; prints "ROUND MODE without|with RATE".
# Exits are measured with the module's hooks disarmed, as a VM nobody
# steps meets them; steps with them armed, as a debugger keeps them while
# it steps (the arming, once per stepping session, is not a step's cost).
# Mode blockirq compares, with the module loaded, stepping a VM with a
# vGICv3 without (without) and with KVM_GUESTDBG_BLOCKIRQ (with).
rounds=${1:-3}
secs=${2:-2}
stats=/sys/kernel/debug/kvm_ss_fix/stats

# a fresh module arms its hot probes briefly to find stepping vCPUs;
# measure the steady state, as a long-loaded module would be
wait_disarmed() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q '^hot_probes_armed 0' $stats && return 0
		sleep 0.2
	done
	echo "bench: hot probes still armed after 2 s" >&2
	return 1
}

# Warm up first, untimed: the first run after boot and the first load of
# the module pay once for what no later sample pays (page cache, module
# loading, TCG translating the code for the first time).
for mode in exits steps steps-vgic; do
	./ss-bench $mode 1 >/dev/null || exit 1
done
insmod ./kvm_ss_fix.ko && ./ss-bench steps 1 >/dev/null && rmmod kvm_ss_fix ||
	exit 1

r=0
while [ $r -lt "$rounds" ]; do
	for mode in exits steps blockirq; do
		# alternate which configuration runs first, against drift
		if [ $((r % 2)) = 0 ]; then order="without with"; else order="with without"; fi
		for cfg in $order; do
			if [ $mode = blockirq ]; then
				insmod ./kvm_ss_fix.ko || exit 1
				if [ $cfg = with ]; then run=steps-blockirq; else run=steps-vgic; fi
			else
				run=$mode
				if [ $cfg = with ]; then
					insmod ./kvm_ss_fix.ko || exit 1
					# stepping arms them again below
					if [ $mode = exits ]; then
						wait_disarmed || exit 1
					fi
				fi
			fi
			# Stepping: the steady state.  A module arms its hooks when
			# a vCPU starts stepping after they were idle for
			# disarm_delay_ms, once: a second of stepping first, untimed,
			# in both configurations.
			if [ $mode != exits ]; then
				./ss-bench $run 1 >/dev/null || exit 1
			fi
			echo "$r $mode $cfg $(./ss-bench $run "$secs")"
			if [ $cfg = with ] || [ $mode = blockirq ]; then
				rmmod kvm_ss_fix || exit 1
			fi
		done
	done
	r=$((r + 1))
done
