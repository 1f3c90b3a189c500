/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code of the single-step conformance tests: constants shared by
 * ss_guest.S and the C side, and the labels of ss_guest.S.  Every
 * instruction a test steps over has its own label, so that the expected
 * stops can be written as tables of labels.
 */
#ifndef SS_GUEST_H
#define SS_GUEST_H

/* Guest physical (and, identity mapped, virtual) address of test MMIO. */
#define SS_MMIO_GPA		0x40000000
/* Value the test returns for every userspace MMIO load. */
#define SS_MMIO_READ_VALUE	0x1234

/* vGICv3 frames used by the in-kernel MMIO test. */
#define SS_GICD_GPA		0x08000000
#define SS_GICR_GPA		0x080a0000
#define SS_GICD_TYPER		0x0004
#define SS_GICD_IIDR		0x0008

/*
 * Case 17 (KVM_GUESTDBG_BLOCKIRQ): vCPU 0's SGI/PPI frame of the
 * redistributor, the registers the guest programs there, and the PPI the
 * test raises with KVM_IRQ_LINE (no device of KVM's uses it).
 */
#define SS_GICR_SGI_GPA		(SS_GICR_GPA + 0x10000)
#define SS_GICR_IGROUPR0	0x0080
#define SS_GICR_ISENABLER0	0x0100
#define SS_GICR_IPRIORITYR	0x0400
#define SS_GICD_CTLR_GRP1_ARE	0x12	/* EnableGrp1NS | ARE_NS */
#define SS_BI_PPI		20

#ifndef __ASSEMBLY__

extern char ss_alu[], ss_alu_1[], ss_alu_2[], ss_alu_3[], ss_alu_4[],
	ss_alu_5[], ss_alu_6[], ss_alu_skipped[], ss_alu_taken[], ss_alu_8[],
	ss_alu_9[], ss_alu_10[], ss_alu_end[];
extern char ss_hvc[], ss_hvc_1[], ss_hvc_2[], ss_hvc_3[], ss_hvc_4[],
	ss_hvc_5[], ss_hvc_end[];
extern char ss_mmio[], ss_mmio_1[], ss_mmio_2[], ss_mmio_3[], ss_mmio_4[],
	ss_mmio_end[];
extern char ss_kmmio[], ss_kmmio_1[], ss_kmmio_2[], ss_kmmio_3[],
	ss_kmmio_end[];
extern char ss_sysreg[], ss_sysreg_1[], ss_sysreg_2[], ss_sysreg_3[],
	ss_sysreg_4[], ss_sysreg_5[], ss_sysreg_end[];
extern char ss_wfi[], ss_wfi_1[], ss_wfi_2[], ss_wfi_end[];
extern char ss_svc[], ss_svc_1[];
extern char ss_udf[], ss_udf_1[];
extern char ss_mops[], ss_mops_br[], ss_mops_pro[], ss_mops_main[],
	ss_mops_epi[], ss_mops_after[], ss_mops_end[];
extern char ss_excl[], ss_excl_1[], ss_excl_ld[], ss_excl_add[], ss_excl_st[],
	ss_excl_br[], ss_excl_end[], ss_excl_data[];
extern char ss_irq[], ss_irq_1[], ss_irq_2[], ss_irq_3[], ss_irq_end[];
extern char ss_setpc[], ss_setpc_1[], ss_setpc_2[], ss_setpc_3[],
	ss_setpc_target[], ss_setpc_next[], ss_setpc_end[];
extern char ss_tog[], ss_tog_1[], ss_tog_2[], ss_tog_3[], ss_tog_4[],
	ss_tog_5[], ss_tog_6[], ss_tog_7[], ss_tog_end[];
extern char ss_sig[], ss_sig_1[], ss_sig_2[], ss_sig_3[];
extern char ss_mix[], ss_mix_1[], ss_mix_2[], ss_mix_3[], ss_mix_4[],
	ss_mix_5[], ss_mix_6[], ss_mix_end[];
extern char ss_long[], ss_long_loop[], ss_long_hvc[], ss_long_ld[],
	ss_long_sub[], ss_long_br[], ss_long_end[];
extern char ss_nisv[], ss_nisv_1[], ss_nisv_ld[], ss_nisv_2[], ss_nisv_3[],
	ss_nisv_4[], ss_nisv_end[];
extern char ss_rst[], ss_rst_1[], ss_rst_hvc[], ss_rst_2[], ss_rst_3[],
	ss_rst_4[], ss_rst_end[];
extern char ss_bi[], ss_bi_go[], ss_bi_1[], ss_bi_2[], ss_bi_3[], ss_bi_4[],
	ss_bi_5[], ss_bi_6[], ss_bi_7[], ss_bi_end[];
void ss_bi_irq_handler(void *regs);

#endif /* __ASSEMBLY__ */
#endif /* SS_GUEST_H */
