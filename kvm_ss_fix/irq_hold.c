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
#include <linux/ratelimit.h>
#include <asm/sysreg.h>
#include <asm/virt.h>
#include <kvm/arm_vgic.h>

#include "kvm_ss_fix.h"
#include "irq_rules.h"

/* Encodings as the GIC architecture gives them (7.x generates its own) */
#define KSF_SYS_ICH_HCR_EL2	sys_reg(3, 4, 12, 11, 0)
#define KSF_ICH_HCR_EN		BIT(0)

static struct kvm_vcpu *(*ksf_irq_running_vcpu)(void);
static bool ksf_irq_host_ok;
static const char *ksf_irq_host_why = "not looked at yet";

/*
 * At load: can this host hold its vGIC's interrupts back?  VHE, the vGIC
 * behind the GICv3 CPU interface, and no GICv4 direct injection (which
 * would reach the vCPU without a list register).
 */
bool ksf_irq_hold_prepare(const char **why)
{
	const struct vgic_global *gic;

	ksf_irq_running_vcpu = (void *)ksf_symbol("kvm_get_running_vcpu");
	gic = (const struct vgic_global *)ksf_symbol("kvm_vgic_global_state");
	if (!is_kernel_in_hyp_mode())
		ksf_irq_host_why = "KVM runs in nVHE mode (ICH_HCR_EL2 is loaded at EL2)";
	else if (!gic || !ksf_irq_running_vcpu)
		ksf_irq_host_why = "kvm_vgic_global_state or kvm_get_running_vcpu not found";
	else if (!static_key_enabled(&gic->gicv3_cpuif.key))
		ksf_irq_host_why = "the host GIC has no GICv3 CPU interface";
	else if (gic->has_gicv4)
		ksf_irq_host_why = "GICv4 direct injection is on (kvm-arm.vgic_v4_enable)";
	else
		ksf_irq_host_why = NULL;
	ksf_irq_host_ok = !ksf_irq_host_why;
	*why = ksf_irq_host_why;
	return ksf_irq_host_ok;
}

bool ksf_irq_hold_available(void)
{
	return ksf_irq_host_ok;
}

/* H3 for one entry: the virtual CPU interface stays off until the exit. */
static void ksf_irq_hold_this_entry(void)
{
	u64 hcr = read_sysreg_s(KSF_SYS_ICH_HCR_EL2);

	/* the ERET to the guest synchronises the write */
	if (hcr & KSF_ICH_HCR_EN)
		write_sysreg_s(hcr & ~KSF_ICH_HCR_EN, KSF_SYS_ICH_HCR_EL2);
	ksf_count(KSF_IRQ_HELD);
}

/* tp kvm_entry: interrupts off, the vGIC state already in the GIC (VHE) */
static void ksf_irq_probe_entry(void *data, unsigned long pc)
{
	struct kvm_vcpu *vcpu = ksf_irq_running_vcpu();

	if (!vcpu || !irq_hold_on(READ_ONCE(vcpu->guest_debug),
				  READ_ONCE(ksf_block_irq_when_stepping)))
		return;
	if (!irqchip_in_kernel(vcpu->kvm)) {
		/* the parameter met a VM it cannot hold for (H4) */
		ksf_count(KSF_IRQ_HOLD_NO_VGIC);
		return;
	}
	ksf_irq_hold_this_entry();
}

static struct ksf_tp ksf_irq_entry_tp = { "kvm_entry", ksf_irq_probe_entry };

/* KVM_SET_GUEST_DEBUG in flight, between the kretprobe's two handlers */
struct ksf_sgd_call {
	struct kvm_vcpu *vcpu;
	struct ksf_vcpu *rec;	/* set when the flag was taken (H1) */
};

static const char *ksf_irq_refusal(const struct kvm_vcpu *vcpu)
{
	struct irq_hold_env env = {
		.host_ok = ksf_irq_host_ok,
		.vgic_in_kernel = irqchip_in_kernel(vcpu->kvm),
	};

	return irq_hold_refusal(&env);
}

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
	if (!(dbg->control & KVM_GUESTDBG_BLOCKIRQ))
		return 0;
	why = ksf_irq_refusal(call->vcpu);
	/* the hold is served from a record: no record, no hold (H4) */
	if (!why) {
		call->rec = ksf_vcpu_get(call->vcpu);
		if (!call->rec)
			why = "no step record to be had (max_vcpus)";
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
		return 0;	/* refused: nothing changed */
	/* vcpu->mutex is still held: no KVM_RUN can read it half-written */
	debug = vcpu->guest_debug;
	if (rec && (debug & KVM_GUESTDBG_ENABLE))
		WRITE_ONCE(vcpu->guest_debug, debug | KVM_GUESTDBG_BLOCKIRQ);
	else
		rec = ksf_vcpu_find(vcpu);
	if (rec)
		ksf_set_holding(rec, READ_ONCE(vcpu->guest_debug) &
				     KVM_GUESTDBG_BLOCKIRQ);
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
