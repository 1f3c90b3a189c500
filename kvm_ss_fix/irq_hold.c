// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt hold-back while debugging (KVM_GUESTDBG_BLOCKIRQ), on every
 * kernel the module loads on; the rules are in irq_rules.h.
 *
 * Where it holds interrupts back: at the vGIC's virtual CPU interface.
 * KVM lists a vCPU's pending interrupts in the GICv3 list registers and
 * loads ICH_HCR_EL2 for the entry; with ICH_HCR_EL2.En clear the virtual
 * CPU interface signals no virtual interrupt and no maintenance interrupt
 * (GIC architecture specification, IHI 0069, ICH_HCR_EL2.En), while the
 * list registers keep their state, so KVM folds the interrupts back as
 * still pending when the vCPU exits.  The guest's own PSTATE.DAIF is not
 * touched: what it reads and writes stays its own, and an exception taken
 * meanwhile saves its true PSTATE in SPSR_EL1.
 *
 * When: on a VHE host, kvm_vgic_flush_hwstate() has loaded ICH_HCR_EL2
 * by the time KVM's kvm_entry tracepoint fires, interrupts off, right
 * before the world switch (which does not touch the vGIC there); the
 * probe clears En in the register for this one entry.  The save path on
 * exit writes ICH_HCR_EL2 from KVM's own copy (vgic_hcr) and never reads
 * En back, so nothing of the hold outlives the entry.  A non-VHE host
 * loads ICH_HCR_EL2 at EL2 after the last place a module can run, and
 * GICv2 and GICv4 direct injection deliver by other paths: there the
 * flag is refused (irq_rules.h, H4), and the kernel patch does the rest.
 * What the host has is read from the CPU (kallsyms has no data symbols
 * on Debian's kernels, so KVM's kvm_vgic_global_state is out of reach).
 *
 * Hooks: a kretprobe on kvm_arch_vcpu_ioctl_set_guest_debug (H1: takes the
 * flag out of what KVM checks and puts it back into vcpu->guest_debug,
 * where KVM keeps it until the next KVM_SET_GUEST_DEBUG rewrites it), a
 * kretprobe on kvm_vm_ioctl_check_extension (KVM_CAP_SET_GUEST_DEBUG2
 * reports the flag, 5.13+), both for the module's lifetime and cold; and
 * the kvm_entry probe (H3), a hot hook armed only while some vCPU holds
 * or single-steps (arm.c).
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/virt.h>
#ifdef KSF_KVM_HAS_NV
#include <asm/kvm_emulate.h>	/* which has kvm_nested.h in its order */
#endif

#include "kvm_ss_fix.h"
#include "irq_rules.h"

/* Fields whose names differ between the kernels (7.x generates them) */
#define KSF_ICH_HCR_EN		BIT(0)
#define KSF_ICC_SRE_SRE		BIT(0)
#define KSF_PFR0_GIC		GENMASK_ULL(27, 24)

static struct kvm_vcpu *(*ksf_irq_running_vcpu)(void);
static bool ksf_irq_host_ok;

/*
 * The host's GIC CPU interface is GICv3's system registers (Arm ARM,
 * ID_AA64PFR0_EL1.GIC), and the host uses them at EL2 (ICC_SRE_EL2.SRE):
 * then KVM's vGIC goes through ICH_HCR_EL2, with a GICv2 or a GICv3
 * guest alike.  Only at EL2 (VHE) may the module read ICC_SRE_EL2.
 */
static bool ksf_host_gicv3_cpuif(void)
{
	if (!(read_sysreg_s(SYS_ID_AA64PFR0_EL1) & KSF_PFR0_GIC))
		return false;
	return read_sysreg_s(SYS_ICC_SRE_EL2) & KSF_ICC_SRE_SRE;
}

/*
 * At load: can this host hold its vGIC's interrupts back?  VHE and the
 * GICv3 CPU interface; GICv4 direct injection is judged per VM (H4).
 */
bool ksf_irq_hold_prepare(const char **why)
{
	ksf_irq_running_vcpu = (void *)ksf_symbol("kvm_get_running_vcpu");
	if (IRQ_HOLD_IN_KERNEL)
		*why = "KVM has it itself";
	else if (!is_kernel_in_hyp_mode())
		*why = "KVM runs in nVHE mode (ICH_HCR_EL2 is loaded at EL2)";
	else if (!ksf_irq_running_vcpu)
		*why = "kvm_get_running_vcpu not found";
	else if (!ksf_host_gicv3_cpuif())
		*why = "the host GIC has no GICv3 CPU interface in use";
	else
		*why = NULL;
	ksf_irq_host_ok = !*why;
	return ksf_irq_host_ok;
}

bool ksf_irq_hold_available(void)
{
	return ksf_irq_host_ok;
}

/* GICv4 direct injection: vLPIs (and 4.1's vSGIs) bypass the LRs */
static bool ksf_vgic_direct(const struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->arch.vgic_cpu.vgic_v3.its_vpe.its_vm);
}

static bool ksf_vgic_other(const struct kvm_vcpu *vcpu)
{
	u32 model = READ_ONCE(vcpu->kvm->arch.vgic.vgic_model);

	return model != KVM_DEV_TYPE_ARM_VGIC_V3 &&
	       model != KVM_DEV_TYPE_ARM_VGIC_V2;
}

static bool ksf_vcpu_nested(const struct kvm_vcpu *vcpu)
{
#ifdef KSF_KVM_HAS_NV
	return vcpu_has_nv(vcpu);
#else
	return false;	/* no nested virtualisation before 6.8 */
#endif
}

static const char *ksf_irq_refusal(const struct kvm_vcpu *vcpu)
{
	struct irq_hold_env env = {
		.host_ok = ksf_irq_host_ok,
		.vgic_in_kernel = irqchip_in_kernel(vcpu->kvm),
		.vgic_direct = ksf_vgic_direct(vcpu),
		.vgic_other = ksf_vgic_other(vcpu),
		.nested = ksf_vcpu_nested(vcpu),
	};

	return irq_hold_refusal(&env);
}

/*
 * H3 for one entry: the virtual CPU interface stays off until the exit.
 * A WFI must still complete while an interrupt is held (it is pending,
 * which is what KVM's WFI emulation waits for), but with the interface
 * off nothing would wake a WFI the guest ran natively: make KVM trap it
 * (HCR_EL2.TWI, set by KVM itself unless its wfi_trap_policy or GICv4
 * says otherwise; vcpu_load() chooses again).  KVM_IRQ_LINE changes other
 * bits of the same word from other threads, hence the atomic bit op.
 */
static void ksf_irq_hold_this_entry(struct kvm_vcpu *vcpu)
{
	u64 hcr = read_sysreg_s(SYS_ICH_HCR_EL2);

	if (!(READ_ONCE(vcpu->arch.hcr_el2) & HCR_TWI))
		set_bit(__ffs(HCR_TWI), (unsigned long *)&vcpu->arch.hcr_el2);
	/* the ERET to the guest synchronises the write */
	if (hcr & KSF_ICH_HCR_EN)
		write_sysreg_s(hcr & ~KSF_ICH_HCR_EN, SYS_ICH_HCR_EL2);
	ksf_count(KSF_IRQ_HELD);
}

/* tp kvm_entry: interrupts off, the vGIC state already in the GIC (VHE) */
static void ksf_irq_probe_entry(void *data, unsigned long pc)
{
	struct kvm_vcpu *vcpu = ksf_irq_running_vcpu();

	if (!vcpu || !irq_hold_on(READ_ONCE(vcpu->guest_debug),
				  READ_ONCE(ksf_block_irq_when_stepping)))
		return;
	if (ksf_irq_refusal(vcpu)) {
		/* the parameter met a vCPU it cannot hold for (H4) */
		ksf_count(KSF_IRQ_HOLD_NO_VGIC);
		return;
	}
	ksf_irq_hold_this_entry(vcpu);
}

static struct ksf_tp ksf_irq_entry_tp = { "kvm_entry", ksf_irq_probe_entry };

/* KVM_SET_GUEST_DEBUG in flight, between the kretprobe's two handlers */
struct ksf_sgd_call {
	struct kvm_vcpu *vcpu;
	struct ksf_vcpu *rec;	/* set when the flag was taken (H1) */
};

/*
 * Entry of kvm_arch_vcpu_ioctl_set_guest_debug(vcpu, dbg), before KVM
 * checks dbg->control (its own copy of the ioctl's argument): take the
 * flag out, or leave it for KVM to refuse.
 */
static int ksf_sgd_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ksf_sgd_call *call = (struct ksf_sgd_call *)ri->data;
	struct kvm_guest_debug *dbg = (struct kvm_guest_debug *)regs->regs[1];
	const char *why;

	call->vcpu = (struct kvm_vcpu *)regs->regs[0];
	call->rec = NULL;
	if (!(dbg->control & KVM_GUESTDBG_BLOCKIRQ) ||
	    (dbg->control & ~(KSF_GUESTDBG_VALID | KVM_GUESTDBG_BLOCKIRQ)))
		return 0;	/* nothing to take, or KVM refuses anyway */
	why = ksf_irq_refusal(call->vcpu);
	/*
	 * The hold is served from a record, and keeps the module loaded
	 * until it ends: no record or no reference, no hold (H4).
	 */
	if (!why && !try_module_get(THIS_MODULE))
		why = "kvm_ss_fix is being removed";
	if (!why) {
		call->rec = ksf_vcpu_get(call->vcpu);
		if (!call->rec) {
			module_put(THIS_MODULE);
			why = "no step record to be had (max_vcpus)";
		}
	}
	if (why) {
		ksf_count(KSF_IRQ_HOLD_REFUSED);
		pr_info_ratelimited(KSF_NAME ": KVM_GUESTDBG_BLOCKIRQ refused (EINVAL): %s\n",
				    why);
		return 0;
	}
	dbg->control &= ~KVM_GUESTDBG_BLOCKIRQ;
	return 0;
}

/* ... and its return: KVM has written vcpu->guest_debug, or refused. */
static int ksf_sgd_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ksf_sgd_call *call = (struct ksf_sgd_call *)ri->data;
	struct kvm_vcpu *vcpu = call->vcpu;
	struct ksf_vcpu *rec = call->rec;
	u32 debug;

	if ((int)regs_return_value(regs))
		goto out;	/* refused: nothing changed */
	/* vcpu->mutex is still held: no KVM_RUN can read it half-written */
	debug = vcpu->guest_debug;
	if (rec && (debug & KVM_GUESTDBG_ENABLE))
		WRITE_ONCE(vcpu->guest_debug, debug | KVM_GUESTDBG_BLOCKIRQ);
	else
		rec = ksf_vcpu_find(vcpu);
	if (rec)
		ksf_set_holding(rec, READ_ONCE(vcpu->guest_debug) &
				     KVM_GUESTDBG_BLOCKIRQ);
out:
	if (call->rec)
		module_put(THIS_MODULE);	/* the hold took its own */
	return 0;
}

static struct kretprobe ksf_sgd_krp = {
	.kp.symbol_name = "kvm_arch_vcpu_ioctl_set_guest_debug",
	.entry_handler = ksf_sgd_entry,
	.handler = ksf_sgd_return,
	.data_size = sizeof(struct ksf_sgd_call),
};

#ifdef KVM_CAP_SET_GUEST_DEBUG2
/* KVM_CHECK_EXTENSION(KVM_CAP_SET_GUEST_DEBUG2): the flags KVM accepts */
static int ksf_cap_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(long *)ri->data = regs->regs[1];
	return 0;
}

static int ksf_cap_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (*(long *)ri->data == KVM_CAP_SET_GUEST_DEBUG2 && regs->regs[0])
		regs->regs[0] |= KVM_GUESTDBG_BLOCKIRQ;
	return 0;
}

static struct kretprobe ksf_cap_krp = {
	.kp.symbol_name = "kvm_vm_ioctl_check_extension",
	.entry_handler = ksf_cap_entry,
	.handler = ksf_cap_return,
	.data_size = sizeof(long),
};

static struct kretprobe *ksf_irq_krps[] = { &ksf_sgd_krp, &ksf_cap_krp };
#else
/* 5.10: no KVM_CAP_SET_GUEST_DEBUG2 to report the flag in */
static struct kretprobe *ksf_irq_krps[] = { &ksf_sgd_krp };
#endif

/* The lasting hooks (hooks.c registers them with its own, if available). */
int ksf_irq_hold_register(void)
{
	struct ksf_tp *tps[] = { &ksf_irq_entry_tp };
	int ret;

	if (!ksf_irq_host_ok)
		return 0;
	ret = ksf_find_tracepoints(tps, ARRAY_SIZE(tps));
	if (ret)
		return ret;
	ret = register_kretprobes(ksf_irq_krps, ARRAY_SIZE(ksf_irq_krps));
	if (ret)
		pr_err(KSF_NAME ": cannot kretprobe %s or %s: %d\n",
		       ksf_irq_krps[0]->kp.symbol_name,
		       ksf_irq_krps[ARRAY_SIZE(ksf_irq_krps) - 1]->kp.symbol_name,
		       ret);
	return ret;
}

/* From here KVM refuses the flag again; vCPUs keep the bit KVM ignores. */
void ksf_irq_hold_unregister(void)
{
	if (ksf_irq_host_ok)
		unregister_kretprobes(ksf_irq_krps, ARRAY_SIZE(ksf_irq_krps));
}

/* arm.c, through hooks.c: the per-entry probe */
int ksf_irq_hold_register_hot(void)
{
	return ksf_irq_host_ok ? ksf_tp_register(&ksf_irq_entry_tp) : 0;
}

void ksf_irq_hold_unregister_hot(void)
{
	ksf_tp_unregister(&ksf_irq_entry_tp);
}

unsigned long ksf_irq_hold_missed(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; ksf_irq_host_ok && i < ARRAY_SIZE(ksf_irq_krps); i++)
		n += ksf_irq_krps[i]->nmissed;
	return n;
}
