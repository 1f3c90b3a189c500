/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software-step state rules of kvm_ss_fix, as pure functions.
 *
 * This file is the single source of truth for when a vCPU under host
 * single-step (KVM_GUESTDBG_SINGLESTEP) must enter the guest with
 * PSTATE.SS clear.  It makes no kernel calls, so the host-side reference
 * model (model/) compiles the very same ss_rules.c.  The rules and the
 * event sequences they fix are explained in Documentation/kvm-ss-fix.rst.
 *
 * Every rule is an event that the caller saw happen, at the place where
 * the kernel makes it happen: nothing here is inferred from a side effect
 * (such as PSTATE.SS having changed between two hooks).
 */
#ifndef KVM_SS_FIX_SS_RULES_H
#define KVM_SS_FIX_SS_RULES_H

#include <linux/types.h>

/*
 * Per-vCPU step state, only meaningful while host single-step is on.
 *
 * @active_pending: the vCPU's software-step state machine is
 *	active-pending (Arm ARM D2.12.4): an instruction completed but the
 *	Software Step exception has not been reported to userspace yet.
 *	The same meaning as DBG_SS_ACTIVE_PENDING on Linux 6.1 - 6.13.
 */
struct ss_vcpu_state {
	bool active_pending;
};

void ss_rules_on_exit(struct ss_vcpu_state *st, bool pstate_ss);
void ss_rules_on_step_reported(struct ss_vcpu_state *st);
void ss_rules_on_completed_by_kvm(struct ss_vcpu_state *st);
bool ss_rules_entry_clear_ss(const struct ss_vcpu_state *st);
void ss_rules_on_set_guest_debug(struct ss_vcpu_state *st, u32 control);

#endif /* KVM_SS_FIX_SS_RULES_H */
