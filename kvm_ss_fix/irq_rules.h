/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt hold-back rules of kvm_ss_fix (KVM_GUESTDBG_BLOCKIRQ), as
 * pure functions beside ss_rules.h: the module and the host-side model
 * include the same file, and patches/mainline implements the same rules
 * in KVM itself.  Documentation/kvm-ss-fix.rst, "Interrupt hold-back",
 * explains them once.
 *
 * H1  KVM_SET_GUEST_DEBUG accepts KVM_GUESTDBG_BLOCKIRQ next to the bits
 *     arm64 KVM knows; any other unknown bit is still refused (-EINVAL).
 * H2  The hold is on while the vCPU's guest_debug has both
 *     KVM_GUESTDBG_ENABLE and KVM_GUESTDBG_BLOCKIRQ (without ENABLE, KVM
 *     clears guest_debug, the flag with it), or, with the module's
 *     block_irq_when_stepping parameter, while it single-steps.
 * H3  While the hold is on, no virtual IRQ or FIQ is signalled to the
 *     vCPU on its entries; what becomes pending stays pending and is
 *     taken at the first entry after the hold ends.  The guest's
 *     PSTATE.DAIF is never written.
 * H4  Where the hold cannot be made exact, the flag is refused with
 *     -EINVAL when it is set, never accepted and ignored.
 */
#ifndef KVM_SS_FIX_IRQ_RULES_H
#define KVM_SS_FIX_IRQ_RULES_H

#include <linux/types.h>
#include <linux/kvm.h>

/*
 * x86's value (61e5f69ef083); bits 16 - 23 are per architecture, 20 free.
 * An arm64 kernel whose headers define it has it (patches/mainline).
 */
#ifdef KVM_GUESTDBG_BLOCKIRQ
#define IRQ_HOLD_IN_KERNEL	1
#else
#define KVM_GUESTDBG_BLOCKIRQ	0x00100000
#define IRQ_HOLD_IN_KERNEL	0
#endif

/* What KVM_SET_GUEST_DEBUG's caller and the host can give the hold (H4) */
struct irq_hold_env {
	bool host_ok;		/* the host can hold its vGIC's interrupts back */
	bool vgic_in_kernel;	/* the VM's interrupts come from KVM's vGIC */
	bool vgic_direct;	/* ... and some directly (GICv4 vLPIs, vSGIs) */
	bool vgic_other;	/* ... from a vGIC other than v2 or v3 (v5) */
	bool nested;		/* the vCPU has EL2 (NV): KVM injects its IRQs */
};

/*
 * H4: NULL when KVM_GUESTDBG_BLOCKIRQ can be accepted for a vCPU of this
 * VM, or why not.  A VM whose interrupt controller is in userspace gets
 * its interrupts through HCR_EL2.VI/VF, which KVM_IRQ_LINE changes from
 * any thread and the world switch loads after the last place a module
 * can run: the module has no exact hold for it (the kernel patch has).
 * GICv4 direct injection signals vLPIs without a list register, a vGICv5
 * has no ICH_HCR_EL2, and for a vCPU with EL2 (nested virtualisation)
 * KVM itself injects the IRQ exceptions its guest hypervisor is owed.
 */
static inline const char *irq_hold_refusal(const struct irq_hold_env *env)
{
	if (!env->host_ok)
		return "the host cannot hold interrupts back";
	if (!env->vgic_in_kernel)
		return "the VM has no in-kernel vGIC";
	if (env->vgic_other)
		return "the VM's vGIC is neither v2 nor v3";
	if (env->vgic_direct)
		return "the VM's vGIC injects directly (GICv4)";
	if (env->nested)
		return "the vCPU has EL2 (nested virtualisation)";
	return NULL;
}

/* H2: is the hold on for a vCPU whose guest_debug is @guest_debug? */
static inline bool irq_hold_on(u32 guest_debug, bool when_stepping)
{
	u32 step = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;

	if (!(guest_debug & KVM_GUESTDBG_ENABLE))
		return false;
	return (guest_debug & KVM_GUESTDBG_BLOCKIRQ) ||
	       (when_stepping && (guest_debug & step) == step);
}

#endif /* KVM_SS_FIX_IRQ_RULES_H */
