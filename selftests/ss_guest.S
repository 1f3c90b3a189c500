/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code stepped by ss_conformance.  The vCPU starts at the first
 * label of a sequence with PSTATE = EL1h, DAIF masked; the test stops
 * stepping when the PC reaches the sequence's *_end label (a branch to
 * itself) or, for the exception cases, the guest's vector.
 *
 * Every instruction has a label: the tests' expected stop lists are
 * tables of these labels.
 */
#include "ss_guest.h"

#define L(name)	.global name; name:

/* PSCI_VERSION and SMCCC_VERSION function ids (SMC32 fast calls). */
#define PSCI_VERSION_HI		0x8400
#define SMCCC_VERSION_HI	0x8000
#define PSCI_SYSTEM_RESET_LO	0x0009

	.text
	.align	12

/* Case 1: ALU, load/store, taken and not-taken branches. */
L(ss_alu)	mov	x0, #1
L(ss_alu_1)	add	x0, x0, #2
L(ss_alu_2)	lsl	x1, x0, #4
L(ss_alu_3)	str	x1, [sp, #-16]!
L(ss_alu_4)	ldr	x2, [sp], #16
L(ss_alu_5)	cmp	x2, #48
L(ss_alu_6)	b.eq	ss_alu_taken
L(ss_alu_skipped) mov	x0, #0xbad
L(ss_alu_taken)	cmp	x0, #0
L(ss_alu_8)	b.eq	ss_alu_skipped
L(ss_alu_9)	cbz	x0, ss_alu_skipped
L(ss_alu_10)	cbnz	x0, ss_alu_end
		mov	x0, #0xbad
L(ss_alu_end)	b	.

/* Case 2: HVCs handled by KVM itself. */
L(ss_hvc)	movz	x0, #PSCI_VERSION_HI, lsl #16
L(ss_hvc_1)	hvc	#0
L(ss_hvc_2)	mov	x10, x0
L(ss_hvc_3)	movz	x0, #SMCCC_VERSION_HI, lsl #16
L(ss_hvc_4)	hvc	#0
L(ss_hvc_5)	mov	x11, x0
L(ss_hvc_end)	b	.

/* Case 3: a load and a store completed by userspace (KVM_EXIT_MMIO). */
L(ss_mmio)	movz	x2, #(SS_MMIO_GPA >> 16), lsl #16
L(ss_mmio_1)	ldr	x1, [x2]
L(ss_mmio_2)	add	x1, x1, #1
L(ss_mmio_3)	str	x1, [x2, #8]
L(ss_mmio_4)	nop
L(ss_mmio_end)	b	.

/* Case 4: loads from the vGICv3 distributor, emulated in the kernel. */
L(ss_kmmio)	movz	x2, #(SS_GICD_GPA >> 16), lsl #16
L(ss_kmmio_1)	ldr	w1, [x2, #SS_GICD_IIDR]
L(ss_kmmio_2)	ldr	w3, [x2, #SS_GICD_TYPER]
L(ss_kmmio_3)	nop
L(ss_kmmio_end)	b	.

/* Case 5: trapped ID register reads (HCR_EL2.TID3), debug register write. */
L(ss_sysreg)	mov	x0, #0x40
L(ss_sysreg_1)	mrs	x3, id_aa64pfr0_el1
L(ss_sysreg_2)	mrs	x4, id_aa64isar0_el1
L(ss_sysreg_3)	msr	dbgbvr0_el1, x0
L(ss_sysreg_4)	mrs	x5, dbgbvr0_el1
L(ss_sysreg_5)	nop
L(ss_sysreg_end) b	.

/* Case 6: WFI while an interrupt is pending (masked by PSTATE.I). */
L(ss_wfi)	nop
L(ss_wfi_1)	wfi
L(ss_wfi_2)	nop
L(ss_wfi_end)	b	.

/* Case 7: SVC and an undefined instruction, both taken to EL1. */
L(ss_svc)	nop
L(ss_svc_1)	svc	#0
		b	.
L(ss_udf)	nop
L(ss_udf_1)	udf	#0
		b	.

/*
 * Case 8: branch into the middle of a CPYP/CPYM/CPYE sequence with
 * PSTATE.C=1 (set by the cmp).  x0 = dst, x1 = src, x2 = size.
 */
L(ss_mops)	cmp	xzr, xzr
L(ss_mops_br)	b	ss_mops_main
L(ss_mops_pro)	cpyp	[x0]!, [x1]!, x2!
L(ss_mops_main)	cpym	[x0]!, [x1]!, x2!
L(ss_mops_epi)	cpye	[x0]!, [x1]!, x2!
L(ss_mops_after) nop
L(ss_mops_end)	b	.

/* Case 9: a load/store-exclusive increment loop. */
L(ss_excl)	adrp	x4, ss_excl_data
L(ss_excl_1)	add	x4, x4, :lo12:ss_excl_data
L(ss_excl_ld)	ldxr	x3, [x4]
L(ss_excl_add)	add	x3, x3, #1
L(ss_excl_st)	stxr	w6, x3, [x4]
L(ss_excl_br)	cbnz	w6, ss_excl_ld
L(ss_excl_end)	b	.

/* Case 10: IRQs unmasked; the test raises the IRQ line while stepping. */
L(ss_irq)	msr	daifclr, #2
L(ss_irq_1)	nop
L(ss_irq_2)	nop
L(ss_irq_3)	nop
L(ss_irq_end)	b	.

/* Case 11: the test moves the PC from ss_setpc_2 to ss_setpc_target. */
L(ss_setpc)	mov	x5, #0
L(ss_setpc_1)	nop
L(ss_setpc_2)	add	x5, x5, #0x10
L(ss_setpc_3)	add	x5, x5, #0x100
L(ss_setpc_target) add	x5, x5, #1
L(ss_setpc_next) nop
L(ss_setpc_end)	b	.

/* Case 12: single-step toggled at a stop and across a userspace MMIO. */
L(ss_tog)	nop
L(ss_tog_1)	nop
L(ss_tog_2)	nop
L(ss_tog_3)	nop
L(ss_tog_4)	movz	x2, #(SS_MMIO_GPA >> 16), lsl #16
L(ss_tog_5)	ldr	x1, [x2]
L(ss_tog_6)	nop
L(ss_tog_7)	nop
L(ss_tog_end)	b	.

/*
 * Case 12c: two trapped ID register reads in a loop, stepped while a
 * second thread sends the vCPU thread signals.
 */
L(ss_sig)	mrs	x3, id_aa64pfr0_el1
L(ss_sig_1)	mrs	x4, id_aa64isar0_el1
L(ss_sig_2)	nop
L(ss_sig_3)	b	ss_sig

/*
 * Case 13: one of everything KVM completes, run on several vCPUs.
 * SMCCC calls may clobber x0-x3: the MMIO address lives in x12.
 */
L(ss_mix)	movz	x12, #(SS_MMIO_GPA >> 16), lsl #16
L(ss_mix_1)	movz	x0, #PSCI_VERSION_HI, lsl #16
L(ss_mix_2)	hvc	#0
L(ss_mix_3)	ldr	x1, [x12]
L(ss_mix_4)	mrs	x3, id_aa64pfr0_el1
L(ss_mix_5)	add	x3, x3, #1
L(ss_mix_6)	nop
L(ss_mix_end)	b	.

/* Case 14: x9 iterations of a loop with an HVC and an MMIO load. */
L(ss_long)	movz	x12, #(SS_MMIO_GPA >> 16), lsl #16
L(ss_long_loop)	movz	x0, #PSCI_VERSION_HI, lsl #16
L(ss_long_hvc)	hvc	#0
L(ss_long_ld)	ldr	x1, [x12]
L(ss_long_sub)	subs	x9, x9, #1
L(ss_long_br)	b.ne	ss_long_loop
L(ss_long_end)	b	.

/*
 * Case 15: a load from the test MMIO page with writeback: the data abort
 * has no instruction syndrome (ISV=0), so KVM hands it to userspace as
 * KVM_EXIT_ARM_NISV with nothing to complete.
 */
L(ss_nisv)	movz	x2, #(SS_MMIO_GPA >> 16), lsl #16
L(ss_nisv_1)	nop
L(ss_nisv_ld)	ldr	x1, [x2], #8
L(ss_nisv_2)	nop
L(ss_nisv_3)	nop
L(ss_nisv_4)	nop
L(ss_nisv_end)	b	.

/* Case 16: PSCI SYSTEM_RESET, an HVC that KVM hands to userspace. */
L(ss_rst)	movz	x0, #PSCI_VERSION_HI, lsl #16
L(ss_rst_1)	movk	x0, #PSCI_SYSTEM_RESET_LO
L(ss_rst_hvc)	hvc	#0
L(ss_rst_2)	nop
L(ss_rst_3)	nop
L(ss_rst_4)	nop
L(ss_rst_end)	b	.

/*
 * Case 17: KVM_GUESTDBG_BLOCKIRQ.  ss_bi runs unstepped: it makes PPI
 * SS_BI_PPI an enabled Group 1 interrupt that the CPU interface signals
 * (ICC_PMR_EL1 lets every priority through), then tells the test with a
 * store to the MMIO page.  The test raises the PPI and steps from
 * ss_bi_go, where the guest unmasks IRQ and FIQ itself and reads and
 * changes its own DAIF; the WFI finds the interrupt pending.
 */
L(ss_bi)	movz	x2, #(SS_GICR_SGI_GPA >> 16), lsl #16
	mov	w1, #(1 << SS_BI_PPI)
	str	w1, [x2, #SS_GICR_IGROUPR0]
	str	w1, [x2, #SS_GICR_ISENABLER0]
	mov	w1, #0xa0
	strb	w1, [x2, #(SS_GICR_IPRIORITYR + SS_BI_PPI)]
	movz	x2, #(SS_GICD_GPA >> 16), lsl #16
	mov	w1, #SS_GICD_CTLR_GRP1_ARE
	str	w1, [x2]
	mov	x1, #0xff
	msr	S3_0_C4_C6_0, x1		/* ICC_PMR_EL1 */
	mov	x1, #1
	msr	S3_0_C12_C12_7, x1		/* ICC_IGRPEN1_EL1 */
	isb
	movz	x2, #(SS_MMIO_GPA >> 16), lsl #16
	str	xzr, [x2]
L(ss_bi_go)	msr	daifclr, #3
L(ss_bi_1)	mrs	x3, daif
L(ss_bi_2)	msr	daifset, #2
L(ss_bi_3)	mrs	x4, daif
L(ss_bi_4)	msr	daifclr, #2
L(ss_bi_5)	mrs	x5, daif
L(ss_bi_6)	wfi
L(ss_bi_7)	nop
L(ss_bi_end)	b	.

/*
 * Case 17's IRQ handler, called by the selftest library's vector code:
 * acknowledge, report the INTID (the test lowers the line there), end the
 * interrupt, report it again.
 */
L(ss_bi_irq_handler)
	mrs	x0, S3_0_C12_C12_0		/* ICC_IAR1_EL1 */
	movz	x1, #(SS_MMIO_GPA >> 16), lsl #16
	str	x0, [x1]
	msr	S3_0_C12_C12_1, x0		/* ICC_EOIR1_EL1 */
	isb
	str	x0, [x1, #8]
	ret

	.data
	.align	6
L(ss_excl_data)	.quad	0x5000
