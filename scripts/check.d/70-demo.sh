# SPDX-License-Identifier: GPL-2.0
# make demo as a test: gdb through QEMU's gdbstub on KVM, inside the test
# kernels, must stop at every instruction boundary of the demo guest on
# 5.10 with the module, 6.1 and 6.12, and must lose stops on stock 5.10
# (a pass there would mean the demo cannot see the bug).  Sourced by
# scripts/check.

d_out=$KSF_BUILD/demo-gdb
d_log=$KSF_BUILD/check/demo.log
# every Debian kernel with KVM (scripts/kernels), and 5.10 with the
# module, where the demo's stops are lost without it
d_configs=()
for d_id in $KSF_DEBIAN_IDS; do
	d_configs+=("$d_id")
	[ "$d_id" != 5.10 ] || d_configs+=("$d_id+kvm_ss_fix")
done
rm -f "$d_out"/*.seen
"$KSF_TOP/scripts/demo/run" "${d_configs[@]}" >"$d_log" 2>&1 ||
	tail -n 5 "$d_log" >&2
for d_c in "${d_configs[@]}"; do
	d_seen= d_total=
	[ -f "$d_out/$d_c.seen" ] && read -r d_seen d_total <"$d_out/$d_c.seen"
	d_name="demo: gdb stepi on $d_c sees every boundary"
	[ "$d_c" = 5.10 ] && d_name="demo: gdb stepi on stock 5.10 loses stops (expected failure)"
	if [ -z "$d_seen" ]; then
		record fail "$d_name" "no gdb session (see $d_log)"
	elif [ "$d_c" = 5.10 ] && [ "$d_seen" -lt "$d_total" ]; then
		record pass "$d_name" "saw $d_seen of $d_total"
	elif [ "$d_c" != 5.10 ] && [ "$d_seen" = "$d_total" ]; then
		record pass "$d_name" "saw $d_seen of $d_total"
	else
		record fail "$d_name" "saw $d_seen of $d_total (see $d_log)"
	fi
done
