// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hot hooks for KVM/arm64 6.1 - 6.13: KVM keeps the step state
 * itself, and loses it on one path.
 *
 * These kernels keep the active-pending state in DBG_SS_ACTIVE_PENDING
 * (370531d1e95b): kvm_arm_clear_debug() sets it after a guest run that
 * left PSTATE.SS clear, the Software Step exit clears it, and
 * kvm_arm_setup_debug() does not re-arm PSTATE.SS while it is set.  PC
 * updates are deferred: KVM completes an instruction with kvm_incr_pc()
 * (INCREMENT_PC) or ends it in an exception (PENDING_EXCEPTION), and
 * __kvm_adjust_pc() carries that out, clearing PSTATE.SS, at the next
 * guest entry.  Then the entry takes the step exception at once.
 *
 * Not so when KVM_RUN leaves before entering the guest (immediate_exit,
 * a signal, a vCPU request that exits): its out: label commits the
 * update, and no guest run follows to set the flag, so the next entry
 * re-arms PSTATE.SS and the guest runs one instruction unreported:
 *
 *   kvm_handle_mmio_return()    INCREMENT_PC (userspace MMIO done)
 *   vcpu_load()                 kprobe, if immediate_exit          R3
 *   immediate_exit: goto out
 *   loop:
 *     ... handle_exit()         INCREMENT_PC, PENDING_EXCEPTION
 *     a signal, an exit request: leave the loop
 *   kvm_sigset_deactivate()     kprobe                             R3
 *   out: __kvm_adjust_pc()      PSTATE.SS = 0, the flag not set
 *
 * Mainline closed the path in 6.14, where the step state is saved at
 * vcpu_put() (2ca3f03bf524, "KVM: arm64: Manage software step state at
 * load/put").  Here R3 is applied to the kernel's own flag at the last
 * two calls KVM_RUN makes before out: on its two ways there: when a PC
 * update or an exception is pending and the vCPU single-steps, the
 * instruction has completed and the step is owed (Arm ARM D2.12.4).
 *
 * Each hook acts only when out: comes next, so a run that enters the
 * guest is exactly the kernel's own, and so is every other ioctl.
 */
#include <linux/kprobes.h>
#include <asm/kvm_emulate.h>

#include "kvm_ss_fix.h"
#include "trace.h"

#ifdef DBG_SS_ACTIVE_PENDING

const bool ksf_built_with_pending_flag = true;

/* A PC update or an exception is waiting for __kvm_adjust_pc(). */
static bool ksf_update_pending(const struct kvm_vcpu *vcpu)
{
	return vcpu_get_flag(vcpu, PENDING_EXCEPTION) ||
	       vcpu_get_flag(vcpu, INCREMENT_PC);
}

/* R3, on the kernel's own active-pending flag */
static void ksf_61_completed_by_kvm(struct kvm_vcpu *vcpu, const char *where)
{
	struct ss_vcpu_state st = {
		.active_pending = vcpu_get_flag(vcpu, DBG_SS_ACTIVE_PENDING),
	};
	bool before = st.active_pending;

	ss_rules_on_completed_by_kvm(&st);
	if (st.active_pending && !before) {
		vcpu_set_flag(vcpu, DBG_SS_ACTIVE_PENDING);
		ksf_count(KSF_PENDING_SET);
	}
	trace_kvm_ss_fix_rule(vcpu->vcpu_id, *vcpu_pc(vcpu), where,
			      st.active_pending);
}

/*
 * KVM_RUN is about to leave without entering the guest: the test
 * kvm_arch_vcpu_ioctl_run() makes right after vcpu_load().  Kernels
 * with vcpu->wants_to_run (6.12; Kbuild looks) take it from
 * immediate_exit before calling in; older ones read immediate_exit.
 */
static bool ksf_run_leaves_at_once(const struct kvm_vcpu *vcpu)
{
#ifdef KSF_KVM_WANTS_TO_RUN
	return !READ_ONCE(vcpu->wants_to_run);
#else
	return READ_ONCE(vcpu->run->immediate_exit);
#endif
}

/*
 * @vcpu is on its way to out: with a PC update or an exception
 * pending: R3, if it single-steps.  Runs in the vCPU's own thread,
 * which holds vcpu->mutex, with interrupts off (a kprobe): no other
 * writer of the vCPU's flags runs meanwhile.
 */
static void ksf_61_leaving(struct kvm_vcpu *vcpu, const char *where)
{
	if (likely(!ksf_single_stepping(READ_ONCE(vcpu->guest_debug))) ||
	    !READ_ONCE(ksf_enable))
		return;
	ksf_note_stepping(vcpu);
	if (ksf_update_pending(vcpu))
		ksf_61_completed_by_kvm(vcpu, where);
}

/*
 * kprobe vcpu_load(vcpu): on arm64 only KVM_RUN calls it, after the
 * MMIO completion at its top; out: follows at once when immediate_exit
 * is set.  A run that goes on to enter the guest is left to KVM: the
 * entry commits the update itself, and nothing may differ there (an
 * injected exception saves PSTATE.SS as it is before the entry).
 */
static int ksf_pre_vcpu_load(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];

	if (ksf_run_leaves_at_once(vcpu))
		ksf_61_leaving(vcpu, "immediate-exit");
	return 0;
}

/* kprobe kvm_sigset_deactivate(vcpu): the run loop is over; out: next */
static int ksf_pre_sigset_deactivate(struct kprobe *p, struct pt_regs *regs)
{
	ksf_61_leaving((struct kvm_vcpu *)regs->regs[0], "run-loop-left");
	return 0;
}

static struct kprobe ksf_61_kps[] = {
	{ .symbol_name = "vcpu_load", .pre_handler = ksf_pre_vcpu_load },
	{ .symbol_name = "kvm_sigset_deactivate",
	  .pre_handler = ksf_pre_sigset_deactivate },
};

static struct kprobe *ksf_61_kp_list[ARRAY_SIZE(ksf_61_kps)];
static unsigned long ksf_61_missed;	/* of past armings */

/*
 * Either hook alone is right for the path it sees, so their order does
 * not matter; all or none.
 */
static int ksf_61_register_hot(void)
{
	int ret;

	ksf_kprobes_afresh(ksf_61_kps, ksf_61_kp_list, ARRAY_SIZE(ksf_61_kps));
	ret = register_kprobes(ksf_61_kp_list, ARRAY_SIZE(ksf_61_kp_list));
	if (ret)
		pr_err(KSF_NAME ": cannot kprobe KVM_RUN's way out: %d\n", ret);
	return ret;
}

static void ksf_61_unregister_hot(void)
{
	unregister_kprobes(ksf_61_kp_list, ARRAY_SIZE(ksf_61_kp_list));
	ksf_61_missed += ksf_kprobes_missed(ksf_61_kp_list,
					    ARRAY_SIZE(ksf_61_kp_list));
}

static unsigned long ksf_61_hot_missed(void)
{
	return ksf_61_missed;
}

/* At load: the kprobes can be placed, or the module says it cannot. */
static int ksf_61_prepare(void)
{
	int ret = ksf_61_register_hot();

	if (!ret)
		ksf_61_unregister_hot();
	return ret;
}

const struct ksf_hook_set ksf_hooks_61 = {
	.what = "applies rule R3 to DBG_SS_ACTIVE_PENDING (Documentation/kvm-ss-fix.rst)",
	.prepare = ksf_61_prepare,
	.register_hot = ksf_61_register_hot,
	.unregister_hot = ksf_61_unregister_hot,
	.hot_missed = ksf_61_hot_missed,
};

#else /* headers before 6.0: no such flag, never chosen (detect.h) */

const bool ksf_built_with_pending_flag;
const struct ksf_hook_set ksf_hooks_61;

#endif
