/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software-step state rules of kvm_ss_fix, as pure functions.
 *
 * This file is the single source of truth for when a vCPU under host
 * single-step (KVM_GUESTDBG_SINGLESTEP) must enter the guest with
 * PSTATE.SS clear.  It makes no kernel calls, so the host-side reference
 * model (model/) compiles the very same ss_rules.c.  The rules and the
 * event sequences they fix are explained in Documentation/kvm-ss-fix.rst.
 */
#ifndef KVM_SS_FIX_SS_RULES_H
#define KVM_SS_FIX_SS_RULES_H

#include <linux/types.h>

/*
 * Per-vCPU step state, only meaningful while host single-step is on.
 *
 * @active_pending: the vCPU's software-step state machine is
 *	active-pending (Arm ARM D2.12.4): an instruction was stepped but the
 *	Software Step exception has not been reported to userspace yet.
 *	The same meaning as DBG_SS_ACTIVE_PENDING on Linux 6.1 and later.
 * @exit_seq: value of vcpu->stat.exits at the last exit taken while
 *	single-stepping, 0 when there is none.
 * @ss_at_exit: PSTATE.SS at that exit.
 */
struct ss_vcpu_state {
	bool active_pending;
	bool ss_at_exit;
	u64 exit_seq;
};

/* What an exit to the host was, as far as the step rules care. */
struct ss_exit {
	u64 seq;		/* vcpu->stat.exits, counted for this exit */
	bool pstate_ss;		/* guest PSTATE.SS saved at the exit */
	bool softstep;		/* a Software Step exception (EC 0x32) */
};

void ss_rules_on_exit(struct ss_vcpu_state *st, const struct ss_exit *exit);
bool ss_rules_entry_ss(struct ss_vcpu_state *st, u64 seq, bool pstate_ss);
void ss_rules_on_set_guest_debug(struct ss_vcpu_state *st, u32 control);

/*
 * FEAT_MOPS: where a CPY* or SET* main or epilogue instruction must be
 * restarted from its prologue (Arm ARM C6.2, "Memory Copy and Memory Set
 * instructions", and the MOPS exception, EC 0x27).
 */
struct ss_mops_restart {
	u64 pc;			/* the prologue's address */
	bool clear_ss;		/* finish the current step on the prologue */
};

struct ss_mops_restart ss_rules_mops_restart(u32 esr_iss, u64 pc,
					     bool single_step);

#endif /* KVM_SS_FIX_SS_RULES_H */
