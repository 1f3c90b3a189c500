/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which kernels the module fixes, leaves alone or refuses: a pure
 * function of a few facts about the kernel.  detect.c gathers the facts
 * (kallsyms, the release, the kernel's config); the host-side tests in
 * model/ feed the same function made-up kernels.
 *
 * Two generations of run loop are fixed, each by its own hot hooks
 * (hooks.c), and a kernel is taken for one only when it has every symbol
 * those hooks use and the release they are tested on:
 *
 * 5.10 (hooks_510.c): kvm_handle_mmio_return() and handle_exit() complete
 * instructions with kvm_skip_instr() at once, kvm_arm_setup_debug()
 * re-arms PSTATE.SS on every entry, kvm_arch_vcpu_destroy() ends a vCPU,
 * kvm_inject_undefined() (with its dabt and pabt siblings) injects
 * exceptions at once, and kvm_get_running_vcpu() names the vCPU at
 * kvm_entry.  Accepted with all of them, none of the marks of the later
 * run loops, and a 5.10 release (the run loop whose bracket around
 * handle_exit() hooks_510.c is written for).  The marks:
 *
 *  - __kvm_adjust_pc(): PC updates and exception injection happen at EL2
 *    entry, from vcpu flags (KVM_ARM64_INCREMENT_PC,
 *    KVM_ARM64_PENDING_EXCEPTION).  Upstream since f5e30680616a ("KVM:
 *    arm64: Move __adjust_pc out of line", 5.13), backported to 5.12.y.
 *    5.12.y - 6.0 lose steps, but differently: refuse, and point at the
 *    in-tree fix.
 *  - kvm_inject_exception(): the same EL2 run loop before that commit,
 *    5.11 and 5.12.y before the backport, where __adjust_pc() was still
 *    inline and kvm_inject_exception() a global function of
 *    arch/arm64/kvm/hyp/exception.c (that commit made it static).  Read
 *    in the commit's 5.12-stable posting; no 5.11 tree was at hand.
 *    5.10 has neither (its enter_exception64() is EL1 code of
 *    inject_fault.c, so that name marks nothing).
 *
 * 6.1 - 6.13 (hooks_61.c): __kvm_adjust_pc() and kvm_arm_setup_debug(),
 * and KVM keeps DBG_SS_ACTIVE_PENDING itself (370531d1e95b), except when
 * KVM_RUN returns before entering the guest.  The hooks need
 * vcpu_load(), kvm_sigset_deactivate() and kvm_arch_vcpu_destroy(), and
 * the module must have been built with the kernel's flag.
 *
 * Left alone or refused:
 *  - no kvm_arch_vcpu_ioctl_set_guest_debug(), which every arm64 KVM has:
 *    no KVM at all (Debian's 5.10 and 6.1 PREEMPT_RT arm64 flavours
 *    are built so).  Nothing to fix: refuse, rather than call it right.
 *  - no kvm_arm_setup_debug(): the 6.14+ debug rework, where KVM keeps
 *    the step state in kvm_vcpu_load_debug()/kvm_vcpu_put_debug().
 *    Right.
 *  - kvm_arm_ss_completed(): a 5.10 with the project's 5.10.y stable
 *    series (patches/5.10.y), which keeps the step state itself and
 *    gives the guest back its own PSTATE.SS before handle_exit() runs
 *    (34fbdee086cf), so the hooks would read the wrong PSTATE.SS there.
 *    Right: leave it alone.
 *
 * On a PREEMPT_RT kernel the hooks cannot run at all: the tracepoint
 * probes run with preemption off and take spinlock_t locks and
 * GFP_ATOMIC allocations, which sleep there.  A kernel that needs no fix
 * is still left alone, as nothing is hooked then.
 */
#ifndef KVM_SS_FIX_DETECT_H
#define KVM_SS_FIX_DETECT_H

#include <linux/types.h>

enum ksf_kernel {
	KSF_KERNEL_NEEDS_FIX_510,	/* hooks_510.c */
	KSF_KERNEL_NEEDS_FIX_61,	/* hooks_61.c */
	KSF_KERNEL_FIXED,
	KSF_KERNEL_UNSUPPORTED,
};

/* What the module looks at; a symbol is true when kallsyms has it. */
struct ksf_kernel_facts {
	bool kvm;		/* kvm_arch_vcpu_ioctl_set_guest_debug */
	bool setup_debug;	/* kvm_arm_setup_debug */
	bool mmio_return;	/* kvm_handle_mmio_return */
	bool handle_exit;	/* handle_exit */
	bool vcpu_destroy;	/* kvm_arch_vcpu_destroy */
	bool inject_undef;	/* kvm_inject_undefined */
	bool running_vcpu;	/* kvm_get_running_vcpu */
	bool adjust_pc;		/* __kvm_adjust_pc */
	bool inject_exception;	/* kvm_inject_exception */
	bool vcpu_load;		/* vcpu_load */
	bool sigset_deactivate;	/* kvm_sigset_deactivate */
	bool pending_flag;	/* built with DBG_SS_ACTIVE_PENDING (6.0+) */
	bool ss_completed;	/* kvm_arm_ss_completed */
	unsigned int major;	/* release, 0.0 when unreadable */
	unsigned int minor;
	bool preempt_rt;	/* CONFIG_PREEMPT_RT */
};

#define KSF_RELEASE(major, minor)	((major) * 1000 + (minor))
#define KSF_NOT_510	": not the 5.10 run loop the hooks are written for"
#define KSF_NOT_61	": not the 6.1 - 6.13 run loop the hooks are written for"
#define KSF_RT_WHY	\
	": the step probes run with preemption off and would take sleeping locks; not supported"

/* A kernel with the 6.1+ run loop that still has kvm_arm_setup_debug() */
static inline enum ksf_kernel ksf_decide_61(const struct ksf_kernel_facts *k,
					    const char **why)
{
	*why = NULL;
	if (KSF_RELEASE(k->major, k->minor) >= KSF_RELEASE(6, 14))
		*why = "kvm_arm_setup_debug on a 6.14+ release" KSF_NOT_61;
	else if (!k->pending_flag)
		*why = "module built without DBG_SS_ACTIVE_PENDING: rebuild it for this kernel";
	else if (!k->vcpu_load)
		*why = "no vcpu_load" KSF_NOT_61;
	else if (!k->sigset_deactivate)
		*why = "no kvm_sigset_deactivate" KSF_NOT_61;
	else if (!k->vcpu_destroy)
		*why = "no kvm_arch_vcpu_destroy" KSF_NOT_61;
	else if (k->preempt_rt)
		*why = "PREEMPT_RT kernel" KSF_RT_WHY;
	if (*why)
		return KSF_KERNEL_UNSUPPORTED;

	*why = "KVM_RUN loses the step owed when it returns before guest entry (6.1 - 6.13)";
	return KSF_KERNEL_NEEDS_FIX_61;
}

/*
 * The verdict on kernel @k; *@why says what the kernel has that decided
 * it, in words for the one load line.
 */
static inline enum ksf_kernel ksf_decide(const struct ksf_kernel_facts *k,
					 const char **why)
{
	unsigned int release = KSF_RELEASE(k->major, k->minor);

	if (!k->kvm) {
		*why = "no KVM (no kvm_arch_vcpu_ioctl_set_guest_debug): nothing to fix";
		return KSF_KERNEL_UNSUPPORTED;
	}
	if (!k->setup_debug) {
		*why = "KVM keeps the step state itself (6.14+ debug rework)";
		return KSF_KERNEL_FIXED;
	}
	if (k->ss_completed) {
		*why = "kvm_arm_ss_completed: the 5.10.y stable series keeps the step state";
		return KSF_KERNEL_FIXED;
	}
	if (k->adjust_pc && release >= KSF_RELEASE(6, 1))
		return ksf_decide_61(k, why);
	*why = NULL;
	if (k->adjust_pc)
		*why = "__kvm_adjust_pc: PC updates at EL2 entry (5.12.y, 5.13 - 6.0)"
		       KSF_NOT_510 "; use the in-tree fix";
	else if (k->inject_exception)
		*why = "kvm_inject_exception: exceptions and PC updates at EL2 entry (5.11, 5.12.y)"
		       KSF_NOT_510 "; use the in-tree fix";
	else if (!k->mmio_return)
		*why = "no kvm_handle_mmio_return" KSF_NOT_510;
	else if (!k->handle_exit)
		*why = "no handle_exit" KSF_NOT_510;
	else if (!k->vcpu_destroy)
		*why = "no kvm_arch_vcpu_destroy" KSF_NOT_510;
	else if (!k->inject_undef)
		*why = "no kvm_inject_undefined" KSF_NOT_510;
	else if (!k->running_vcpu)
		*why = "no kvm_get_running_vcpu" KSF_NOT_510;
	else if (release != KSF_RELEASE(5, 10))
		*why = "a release other than 5.10: the hooks are written and tested for 5.10";
	else if (k->preempt_rt)
		*why = "PREEMPT_RT kernel" KSF_RT_WHY;
	if (*why)
		return KSF_KERNEL_UNSUPPORTED;

	*why = "KVM re-arms PSTATE.SS on every entry (5.10)";
	return KSF_KERNEL_NEEDS_FIX_510;
}

#endif /* KVM_SS_FIX_DETECT_H */
