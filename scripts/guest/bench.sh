#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench.sh ROUNDS SECONDS: ss-bench with and without kvm_ss_fix, in
# alternating order in this one boot; prints "MODE without|with RATE".
rounds=${1:-3}
secs=${2:-2}
r=0
while [ $r -lt "$rounds" ]; do
	for mode in exits steps; do
		# alternate which configuration runs first, against drift
		if [ $((r % 2)) = 0 ]; then order="without with"; else order="with without"; fi
		for cfg in $order; do
			if [ $cfg = with ]; then
				insmod ./kvm_ss_fix.ko || exit 1
			fi
			echo "$mode $cfg $(./ss-bench $mode "$secs")"
			if [ $cfg = with ]; then
				rmmod kvm_ss_fix || exit 1
			fi
		done
	done
	r=$((r + 1))
done
