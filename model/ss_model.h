/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A host-side model of one vCPU under host single-step on KVM/arm64: the
 * guest's software-step state machine (Arm ARM D2.12), KVM's run loop and
 * its emulation of the instructions it completes itself, for these kinds
 * of kernel:
 *  - stock 5.10: PSTATE.SS re-armed on every entry;
 *  - 5.10 with the step rules (kvm_ss_fix/ss_rules.c, compiled unchanged):
 *    every rule is applied at the event the model carries out;
 *  - 6.1 to 6.13: R1, R2, R4 and R5 (DBG_SS_ACTIVE_PENDING), with the PC
 *    update deferred to EL2 entry instead of R3, so a completion done by a
 *    KVM_RUN that returns without entering the guest loses the step.
 * It is built for the build machine (test_ss_rules) and for arm64, inside
 * ss-random, which checks a real kernel against it.
 */
#ifndef SS_MODEL_H
#define SS_MODEL_H

#include <linux/types.h>

#include "../kvm_ss_fix/ss_rules.h"

enum model_insn {
	INSN_PLAIN,	/* completes in the guest (ALU, not-taken branch) */
	INSN_HVC,	/* completes, then exits to KVM, which answers it */
	INSN_TRAP,	/* exits before completing; KVM emulates and skips it */
	INSN_MMIO,	/* like TRAP, but completed on the next KVM_RUN */
	INSN_NISV,	/* MMIO abort without syndrome: KVM_EXIT_ARM_NISV */
	INSN_UNDEF,	/* traps; KVM injects an UNDEF (unhandled sysreg) */
	INSN_SVC,	/* completes into the guest's own EL1 vector */
	INSN_BRANCH,	/* a taken branch, to model_vcpu.target[pc / 4] */
	INSN_MOPS_PRO,	/* CPYP: sets up the copy (FEAT_MOPS option A) */
	INSN_MOPS_MAIN,	/* CPYM: MOPS exception unless after its prologue */
	INSN_MOPS_EPI,	/* CPYE: likewise */
};

enum model_kernel {
	MODEL_STOCK_510,	/* 5.10, no rules */
	MODEL_RULES_510,	/* 5.10 with kvm_ss_fix or the series */
	MODEL_UPSTREAM_61,	/* 6.1 - 6.6: no FEAT_MOPS for guests */
	MODEL_UPSTREAM_67,	/* 6.7 - 6.13: MOPS restarted at EL2 */
	MODEL_PATCHED_61,	/* 6.1 - 6.6 with patches/6.1.y */
	MODEL_PATCHED_67,	/* 6.7 - 6.13 with patches/6.12.y */
};

/* What one KVM_RUN returned. */
enum model_exit {
	MODEL_EXIT_DEBUG,	/* KVM_EXIT_DEBUG: a stop */
	MODEL_EXIT_MMIO,	/* KVM_EXIT_MMIO at stop.pc */
	MODEL_EXIT_NISV,	/* KVM_EXIT_ARM_NISV at stop.pc */
	MODEL_EXIT_EINTR,	/* -EINTR */
	MODEL_EXIT_OFF,		/* not single-stepping: not modelled */
};

struct model_stop {
	u64 pc;
	bool isv;	/* ESR.ISV: an instruction was stepped */
};

struct model_vcpu {
	const enum model_insn *prog;	/* one instruction per 4 bytes */
	const u64 *target;		/* INSN_BRANCH targets, by index */
	unsigned int len;
	enum model_kernel kernel;
	u64 pc;
	u64 vector;			/* where INSN_SVC and UNDEF land */
	bool pstate_ss;
	bool mmio_pending;		/* completed at the next KVM_RUN */
	bool incr_pc;			/* 6.1+: PC update deferred to entry */
	bool undef_pending;		/* 6.1+: injected UNDEF, ditto */
	bool mops_ready;		/* a CPYP ran: CPYM/CPYE may run */
	bool serror_pending;		/* the next exit has an SError pending */
	bool rules;			/* apply ss_rules (module / series) */
	u32 guest_debug;
	struct ss_vcpu_state st;
};

void model_init(struct model_vcpu *v, const enum model_insn *prog,
		unsigned int len, bool rules);
void model_init_kernel(struct model_vcpu *v, const enum model_insn *prog,
		       unsigned int len, enum model_kernel kernel);
void model_set_guest_debug(struct model_vcpu *v, u32 control);
void model_set_pc(struct model_vcpu *v, u64 pc);
void model_set_pstate_ss(struct model_vcpu *v, bool ss);
void model_reset(struct model_vcpu *v, u64 pc);
void model_serror_at_next_exit(struct model_vcpu *v);
bool model_run(struct model_vcpu *v, struct model_stop *stop);
enum model_exit model_kvm_run(struct model_vcpu *v, bool immediate_exit,
			      struct model_stop *stop);
enum model_exit model_kvm_run_kicked(struct model_vcpu *v);
void model_resync_at_stop(struct model_vcpu *v, u64 pc);
void model_resync_at_mmio(struct model_vcpu *v, u64 pc);
const char *model_kernel_name(enum model_kernel kernel);

#endif /* SS_MODEL_H */
