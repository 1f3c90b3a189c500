// SPDX-License-Identifier: GPL-2.0
/*
 * The model behind ss_model.h.  One call of model_run() is one KVM_RUN:
 * it returns true with the stop a debugger sees (KVM_EXIT_DEBUG), or false
 * when the vCPU exited to userspace for MMIO instead.
 */
#include "ss_model.h"

#define GUESTDBG_ENABLE		0x1
#define GUESTDBG_SINGLESTEP	0x2
#define STEPPING		(GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP)

void model_init(struct model_vcpu *v, const enum model_insn *prog,
		unsigned int len, bool rules)
{
	*v = (struct model_vcpu){ .prog = prog, .len = len, .rules = rules,
				  .vector = 0x1000 };
}

static bool model_stepping(const struct model_vcpu *v)
{
	return (v->guest_debug & STEPPING) == STEPPING;
}

void model_set_guest_debug(struct model_vcpu *v, u32 control)
{
	if (v->rules)
		ss_rules_on_set_guest_debug(&v->st, control);
	v->guest_debug = control;
}

void model_set_pc(struct model_vcpu *v, u64 pc)
{
	v->pc = pc;
}

/* kvm_skip_instr(): PC += 4 and "advance the step state machine" */
static void kvm_skip(struct model_vcpu *v)
{
	v->pc += 4;
	v->pstate_ss = false;
}

/* kvm_arm_setup_debug() on 5.10, then the rules' correction (R3, R4) */
static void kvm_entry(struct model_vcpu *v)
{
	bool ss = true;

	if (!model_stepping(v))
		return;
	if (v->rules)
		ss = ss_rules_entry_ss(&v->st, v->exits, v->pstate_ss);
	v->pstate_ss = ss;
}

/* kvm_exit: R1, R2 */
static void kvm_exit(struct model_vcpu *v, bool softstep)
{
	struct ss_exit exit = { .seq = ++v->exits, .pstate_ss = v->pstate_ss,
				.softstep = softstep };

	if (v->rules && model_stepping(v))
		ss_rules_on_exit(&v->st, &exit);
}

static enum model_insn model_insn_at(const struct model_vcpu *v)
{
	u64 i = v->pc / 4;

	return i < v->len ? v->prog[i] : INSN_PLAIN;
}

/* Execute one guest instruction; true when it exits to KVM. */
static bool guest_execute(struct model_vcpu *v, bool *to_user)
{
	switch (model_insn_at(v)) {
	case INSN_PLAIN:
		v->pc += 4;
		break;
	case INSN_SVC:		/* exception entry clears PSTATE.SS */
		v->pc = v->vector;
		break;
	case INSN_HVC:		/* completes, then the exception is taken */
		v->pc += 4;
		v->pstate_ss = false;
		kvm_exit(v, false);
		return true;
	case INSN_TRAP:		/* taken before completion; KVM emulates */
		kvm_exit(v, false);
		kvm_skip(v);
		return true;
	case INSN_MMIO:
		kvm_exit(v, false);
		v->mmio_pending = true;
		*to_user = true;
		return true;
	}
	v->pstate_ss = false;	/* the instruction completed: D2.12.4 */
	return false;
}

/* Only a single-stepping vCPU is modelled: anything else is not a stop. */
bool model_run(struct model_vcpu *v, struct model_stop *stop)
{
	bool to_user = false;

	if (!model_stepping(v))
		return false;
	if (v->mmio_pending) {	/* kvm_handle_mmio_return() */
		v->mmio_pending = false;
		kvm_skip(v);
	}
	for (;;) {
		kvm_entry(v);
		stop->isv = v->pstate_ss;
		/* active-not-pending: one instruction runs (D2.12.4) */
		if (v->pstate_ss && guest_execute(v, &to_user)) {
			if (to_user)
				return false;
			continue;
		}
		/* active-pending: the Software Step exception (EC 0x32) */
		kvm_exit(v, true);
		stop->pc = v->pc;
		return true;
	}
}
