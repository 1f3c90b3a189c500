/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A host-side model of one vCPU under host single-step on KVM/arm64 5.10:
 * the guest's software-step state machine (Arm ARM D2.12), KVM's run loop
 * and its emulation of the instructions it completes itself.  With the
 * step rules (kvm_ss_fix/ss_rules.c, compiled unchanged) it predicts what
 * a fixed kernel reports; without them, what stock 5.10 reports.
 */
#ifndef SS_MODEL_H
#define SS_MODEL_H

#include <linux/types.h>

#include "../kvm_ss_fix/ss_rules.h"

enum model_insn {
	INSN_PLAIN,	/* completes in the guest */
	INSN_HVC,	/* completes, then exits to KVM, which answers it */
	INSN_TRAP,	/* exits before completing; KVM emulates and skips it */
	INSN_MMIO,	/* like TRAP, but completed on the next KVM_RUN */
	INSN_SVC,	/* completes into the guest's own EL1 vector */
};

struct model_stop {
	u64 pc;
	bool isv;	/* ESR.ISV: an instruction was stepped */
};

struct model_vcpu {
	const enum model_insn *prog;	/* one instruction per 4 bytes */
	unsigned int len;
	u64 pc;
	u64 vector;			/* where INSN_SVC lands */
	bool pstate_ss;
	bool mmio_pending;
	bool rules;			/* apply ss_rules (module / series) */
	u32 guest_debug;
	u64 exits;
	struct ss_vcpu_state st;
};

void model_init(struct model_vcpu *v, const enum model_insn *prog,
		unsigned int len, bool rules);
void model_set_guest_debug(struct model_vcpu *v, u32 control);
void model_set_pc(struct model_vcpu *v, u64 pc);
bool model_run(struct model_vcpu *v, struct model_stop *stop);

#endif /* SS_MODEL_H */
