// SPDX-License-Identifier: GPL-2.0
//
// The bare-metal guest of the demo's interrupt part.  QEMU -accel kvm
// loads this ELF with -kernel and starts it at _start, at EL1h with the
// MMU off.  It routes the virtual timer (PPI 27) through the GICv3 of
// QEMU's virt board to its IRQ vector, arms the timer to fire every
// 100 us, unmasks IRQs and spins in `loop` until the handler has run
// IRQ_TARGET times, then parks at `done`.
//
// gdb lets the setup run, breaks at `loop` and stepi's: every step takes
// far longer than 100 us here, so at nearly every step a timer interrupt
// is pending.  Without a hold-back the step stops at the IRQ vector and
// walks through the handler; with KVM_GUESTDBG_BLOCKIRQ (or kvm_ss_fix's
// block_irq_when_stepping) every stop is the next instruction of `loop`,
// and after `continue` the interrupts are taken as before.
//
// Registers: x19 counts the handler's runs, x20 holds the timer period in
// counter ticks; besides x19 the handler writes x0 only, which `loop` leaves
// alone (ERET restores NZCV from SPSR_EL1).

	.equ	GICD, 0x08000000		// distributor
	.equ	GICR, 0x080a0000		// redistributor of CPU 0: RD frame
	.equ	GICR_SGI, GICR + 0x10000	// its SGI/PPI frame
	.equ	GICD_CTLR, 0x0000
	.equ	GICR_WAKER, 0x0014
	.equ	GICR_IGROUPR0, 0x0080
	.equ	GICR_ISENABLER0, 0x0100
	.equ	GICR_IPRIORITYR, 0x0400
	.equ	VTIMER_PPI, 27
	.equ	IRQ_TARGET, 50			// handler runs before `done`
	.equ	PERIOD_DIV, 10000		// period: CNTFRQ / 10000 = 100 us

	.text
	.globl	_start
_start:
	adr	x0, vectors
	msr	vbar_el1, x0
	isb

	// distributor: affinity routing, group 1 on (single security state)
	mov	x1, #GICD
	mov	w0, #((1 << 4) | (1 << 1))	// ARE | EnableGrp1(NS)
	str	w0, [x1, #GICD_CTLR]
1:	ldr	w0, [x1, #GICD_CTLR]		// wait for RWP to clear
	tbnz	w0, #31, 1b

	// redistributor: awake, PPI 27 in group 1, priority 0x80, enabled
	mov	x1, #GICR
	ldr	w0, [x1, #GICR_WAKER]
	bic	w0, w0, #(1 << 1)		// ProcessorSleep = 0
	str	w0, [x1, #GICR_WAKER]
1:	ldr	w0, [x1, #GICR_WAKER]		// wait for ChildrenAsleep = 0
	tbnz	w0, #2, 1b
	mov	x1, #GICR_SGI
	ldr	w0, [x1, #GICR_IGROUPR0]
	orr	w0, w0, #(1 << VTIMER_PPI)
	str	w0, [x1, #GICR_IGROUPR0]
	mov	w0, #0x80
	strb	w0, [x1, #(GICR_IPRIORITYR + VTIMER_PPI)]
	mov	w0, #(1 << VTIMER_PPI)
	str	w0, [x1, #GICR_ISENABLER0]

	// CPU interface: system registers, every priority, group 1 on
	mrs	x0, icc_sre_el1
	orr	x0, x0, #1			// SRE
	msr	icc_sre_el1, x0
	isb
	mov	x0, #0xff
	msr	icc_pmr_el1, x0
	mov	x0, #1
	msr	icc_igrpen1_el1, x0
	isb

	// virtual timer: fire in one period, unmasked
	mrs	x20, cntfrq_el0
	mov	x0, #PERIOD_DIV
	udiv	x20, x20, x0
	mov	x19, #0
	msr	cntv_tval_el0, x20
	mov	x0, #1				// ENABLE, IMASK clear
	msr	cntv_ctl_el0, x0
	isb
	msr	daifclr, #2			// unmask IRQs

	.globl	loop
loop:
	.rept	20
	nop
	.endr
	cmp	x19, #IRQ_TARGET
	b.lo	loop

	.globl	done
done:
	nop
	b	done

	// VBAR_EL1: 16 vectors of 0x80 bytes; only the IRQ vector of the
	// current EL with SP_ELx (+0x280) is used, the others spin
	.balign	2048
	.globl	vectors
vectors:
	.rept	5
	b	.
	.balign	0x80
	.endr
	b	irq_handler			// +0x280: IRQ, current EL, SP_ELx
	.balign	0x80
	.rept	10
	b	.
	.balign	0x80
	.endr

	.globl	irq_handler
irq_handler:
	mrs	x0, icc_iar1_el1		// acknowledge: x0 = INTID
	msr	cntv_tval_el0, x20		// re-arm: next one in a period
	msr	icc_eoir1_el1, x0		// end of interrupt
	add	x19, x19, #1			// count
	isb
	eret
	.globl	irq_end
irq_end:
