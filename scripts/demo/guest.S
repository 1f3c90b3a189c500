// SPDX-License-Identifier: GPL-2.0
//
// The bare-metal guest of the gdb demo.  QEMU -accel kvm loads this ELF
// with -kernel and starts it at _start, at EL1 with the MMU off.  gdb
// single-steps every instruction; each comment says what exit, if any,
// the instruction causes.  The instruction after each one that KVM
// completes itself (HVC, MMIO load, trapped MRS) is the stop that stock
// 5.10 loses.
//
// No WFI: QEMU's TCG runs a WFI it single-steps as a NOP (it never
// traps to the emulated EL2), so on this test bed a stepped WFI never
// reaches KVM and could show nothing.

	.text
	.globl	_start
_start:
	nop					// plain: no exit
	movz	x0, #0x8400, lsl #16		// plain: x0 = PSCI_VERSION (0x84000000)
	hvc	#0				// HVC exit: PSCI, answered inside KVM
	nop					// plain: no exit
	movz	x2, #0x0900, lsl #16		// plain: x2 = PL011 UART base (0x09000000)
	ldr	w1, [x2, #0x18]			// MMIO exit to QEMU: UARTFR, a KVM_EXIT_MMIO
	nop					// plain: no exit
	mrs	x3, id_aa64pfr0_el1		// sysreg trap: TID3, emulated inside KVM
	nop					// plain: no exit
	nop					// plain: no exit
	b	.				// plain: branch to self, the end
