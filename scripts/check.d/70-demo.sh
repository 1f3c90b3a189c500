# SPDX-License-Identifier: GPL-2.0
# make demo as a test: gdb through QEMU's gdbstub on KVM, inside the test
# kernels, must stop at every instruction boundary of the demo guest on
# 5.10 with the module, 6.1 and 6.12, and must lose stops on stock 5.10
# (a pass there would mean the demo cannot see the bug).  In the
# interrupt part (guest-irq.S) gdb's stepi must walk into the IRQ handler
# on stock 6.12 and 7.3 (else the demo cannot see the problem) and never
# with kvm_ss_fix's block_irq_when_stepping=1, where the interrupts must
# still be taken after continue.  Sourced by scripts/check.

d_out=$KSF_BUILD/demo-gdb
d_log=$KSF_BUILD/check/demo.log
# every Debian kernel with KVM (scripts/kernels), and 5.10 with the
# module, where the demo's stops are lost without it
d_configs=()
for d_id in $KSF_DEBIAN_IDS; do
	d_configs+=("$d_id")
	[ "$d_id" != 5.10 ] || d_configs+=("$d_id+kvm_ss_fix")
done
# the interrupt part: stock kernels share the first part's boot
d_iconfigs=()
for d_id in 6.12 7.3; do
	d_iconfigs+=(-i "$d_id" -i "$d_id+block_irq")
done
rm -f "$d_out"/*.seen "$d_out"/*.irq
"$KSF_TOP/scripts/demo/run" "${d_configs[@]}" "${d_iconfigs[@]}" >"$d_log" 2>&1 ||
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
for d_c in "${d_iconfigs[@]}"; do
	[ "$d_c" != -i ] || continue
	d_handler='' d_n='' d_loop='' d_at_loop='' d_stepped='' d_done=''
	[ -f "$d_out/$d_c.irq" ] &&
		read -r d_handler d_n d_loop d_at_loop d_stepped d_done <"$d_out/$d_c.irq"
	d_detail="$d_handler of $d_n stops in the handler, $d_loop in loop; handler runs $d_at_loop at loop, $d_stepped after the stepi, $d_done at done"
	case "$d_c" in
	*+block_irq)
		d_name="demo: gdb stepi on ${d_c%+block_irq} with block_irq_when_stepping=1 stays out of the IRQ handler"
		if [ -z "$d_handler" ]; then
			record fail "$d_name" "no gdb session (see $d_log)"
		elif [ "$d_handler" = 0 ] && [ "$d_loop" = "$d_n" ] &&
			[ "$d_stepped" = "$d_at_loop" ] && [ "$d_done" -gt "$d_stepped" ]; then
			record pass "$d_name" "$d_detail"
		else
			record fail "$d_name" "$d_detail (see $d_log)"
		fi ;;
	*)
		d_name="demo: gdb stepi on stock $d_c walks into the IRQ handler (expected failure)"
		if [ -z "$d_handler" ]; then
			record fail "$d_name" "no gdb session (see $d_log)"
		elif [ "$d_handler" -gt 0 ]; then
			record pass "$d_name" "$d_detail"
		else
			record fail "$d_name" "$d_detail: the demo cannot see the problem (see $d_log)"
		fi ;;
	esac
done
