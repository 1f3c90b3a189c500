// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software-step state rules.  See ss_rules.h and
 * Documentation/kvm-ss-fix.rst; Arm ARM references are to DDI 0487.
 * Pure code: the host-side model (model/) builds this file unchanged.
 *
 * The callers apply these only to a vCPU with host single-step on
 * (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP) at the time of the
 * event, except ss_rules_on_set_guest_debug(), which applies whatever
 * the debug state.
 *
 * Nothing else changes the step state.  In particular a vCPU reset
 * (KVM_ARM_VCPU_INIT, PSCI CPU_ON) and KVM_SET_ONE_REG of PC or PSTATE
 * complete no instruction: they leave the state as it was, exactly as
 * 6.1 - 6.13 leave DBG_SS_ACTIVE_PENDING.
 */
#include "ss_rules.h"

#define SS_GUESTDBG_ENABLE	0x00000001	/* KVM_GUESTDBG_ENABLE */

/*
 * R1: the guest exited to KVM.
 *
 * PSTATE.SS == 0 with MDSCR_EL1.SS == 1 is the active-pending state
 * (D2.12.4): the stepped instruction completed, or completed by raising
 * its own exception (HVC, SVC: D2.12.6), and the step exception is owed.
 * This is what 6.1's kvm_arm_clear_debug() records from the same bit.
 * An exit with PSTATE.SS == 1 (a trap taken before the instruction
 * completed, an interrupt) says nothing new and changes nothing.
 */
void ss_rules_on_exit(struct ss_vcpu_state *st, bool pstate_ss)
{
	if (!pstate_ss)
		st->active_pending = true;
}

/*
 * R2: KVM reported the Software Step exception to userspace
 * (KVM_EXIT_DEBUG).  Taking the exception is what leaves active-pending,
 * but it only counts once the debugger has the stop: a step exit that
 * KVM drops and re-enters from (an SError pending at the exit) still owes
 * it, as on 6.1, where kvm_handle_guest_debug() clears the flag.
 */
void ss_rules_on_step_reported(struct ss_vcpu_state *st)
{
	st->active_pending = false;
}

/*
 * R3: KVM completed the guest's current instruction itself: it emulated
 * a trapped one and skipped it (system register, WFx, SMC, MMIO), or
 * made it end in an exception it injected (UNDEF, abort).  Completing an
 * instruction advances the step state machine exactly as executing it
 * would (D2.12.4): the vCPU is active-pending and the next entry must
 * take the step exception before anything runs.  The caller sees the
 * completion where KVM does it, not afterwards.
 */
void ss_rules_on_completed_by_kvm(struct ss_vcpu_state *st)
{
	st->active_pending = true;
}

/*
 * R4: the vCPU enters the guest.  Entering with PSTATE.SS == 1 steps one
 * more instruction; with 0 the Software Step exception is taken before
 * any instruction executes, with ESR.ISV == 0 (D2.12.7).  True when
 * PSTATE.SS must be cleared for this entry.
 */
bool ss_rules_entry_clear_ss(const struct ss_vcpu_state *st)
{
	return st->active_pending;
}

/*
 * R5: KVM_SET_GUEST_DEBUG.  Turning guest debug off forgets a pending
 * step, exactly as Linux 6.1+ does; a debugger that turns it back on
 * starts a fresh step.  Re-issuing it with stepping on (what QEMU does on
 * every resume) keeps the pending step.  Invalid control words are
 * refused by KVM before they take effect, so they never reach here.
 */
void ss_rules_on_set_guest_debug(struct ss_vcpu_state *st, u32 control)
{
	if (!(control & SS_GUESTDBG_ENABLE))
		st->active_pending = false;
}
