// SPDX-License-Identifier: GPL-2.0-only
/*
 * The software-step state rules.  See ss_rules.h and
 * Documentation/kvm-ss-fix.rst; Arm ARM references are to DDI 0487.
 * Pure code: the host-side model (model/) builds this file unchanged.
 */
#include <linux/bits.h>

#include "ss_rules.h"

#define SS_GUESTDBG_ENABLE	0x00000001	/* KVM_GUESTDBG_ENABLE */

/*
 * A guest exit while single-stepping.
 *
 * PSTATE.SS == 0 with MDSCR_EL1.SS == 1 is the active-pending state
 * (D2.12.4): the instruction was stepped, or completed by raising its own
 * exception (HVC, SVC: D2.12.6), and the step exception is owed.  Taking
 * the Software Step exception itself is what leaves active-pending, so a
 * software-step exit clears the flag: it is now reported to userspace.
 */
void ss_rules_on_exit(struct ss_vcpu_state *st, const struct ss_exit *exit)
{
	st->exit_seq = exit->seq;
	st->ss_at_exit = exit->pstate_ss;
	if (!exit->pstate_ss)
		st->active_pending = true;
	if (exit->softstep)
		st->active_pending = false;
}

/*
 * The PSTATE.SS a single-stepping vCPU must enter the guest with.
 *
 * Entering with PSTATE.SS == 1 steps one more instruction; with 0 the
 * Software Step exception is taken before any instruction executes, with
 * ESR.ISV == 0 (D2.12.7).  Two things must enter with 0:
 *  - a vCPU that is active-pending (see ss_rules_on_exit);
 *  - a vCPU whose trapped instruction KVM completed itself since the last
 *    exit (system register, WFx, MMIO, ...).  Completing it advances the
 *    step state machine just as executing it would: KVM's skip of the
 *    instruction clears PSTATE.SS, so SS was 1 at the exit and is 0 now,
 *    with no exit (no guest execution) in between.
 * @pstate_ss is the guest's PSTATE.SS before KVM re-arms it.
 */
bool ss_rules_entry_ss(struct ss_vcpu_state *st, u64 seq, bool pstate_ss)
{
	bool completed_by_kvm = st->exit_seq && st->exit_seq == seq &&
				st->ss_at_exit && !pstate_ss;

	if (completed_by_kvm)
		st->active_pending = true;
	return !st->active_pending;
}

/*
 * KVM_SET_GUEST_DEBUG.  Turning guest debug off forgets a pending step,
 * exactly as Linux 6.1+ does; a debugger that turns it back on starts a
 * fresh step.  Invalid control words are refused by KVM before they take
 * effect, so they never reach here.
 */
void ss_rules_on_set_guest_debug(struct ss_vcpu_state *st, u32 control)
{
	if (!(control & SS_GUESTDBG_ENABLE))
		st->active_pending = false;
}

/* ISS of the MOPS exception (EC 0x27): ESR_ELx in the Arm ARM, D24.2 */
#define MOPS_ISS_FROM_EPILOGUE	BIT(18)	/* raised by the epilogue */

/*
 * A MOPS exception is only ever raised by a main or an epilogue
 * instruction, and means the sequence must restart from its prologue,
 * which sits one instruction before the main and two before the epilogue
 * (the registers are reset from the syndrome as well; that part is the
 * kernel's own arm64_mops_reset_regs() on 6.7+).  The restarted prologue
 * is the instruction being stepped, so the step must finish on it: the
 * debugger's next stop is the prologue, as with Linux 6.7+'s hyp handler.
 */
struct ss_mops_restart ss_rules_mops_restart(u32 esr_iss, u64 pc,
					     bool single_step)
{
	struct ss_mops_restart r = {
		.pc = pc - ((esr_iss & MOPS_ISS_FROM_EPILOGUE) ? 8 : 4),
		.clear_ss = single_step,
	};

	return r;
}
