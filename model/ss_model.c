// SPDX-License-Identifier: GPL-2.0
/*
 * The model behind ss_model.h.  One call of model_kvm_run() is one
 * KVM_RUN: it returns what userspace sees (a stop, an MMIO exit, -EINTR).
 */
#include <linux/bits.h>

#include "ss_model.h"

#define GUESTDBG_ENABLE		0x1
#define GUESTDBG_SINGLESTEP	0x2
#define STEPPING		(GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP)
#define MOPS_ISS_EPILOGUE	BIT(18)

/* What executing one guest instruction led to. */
enum guest_result {
	GUEST_COMPLETED,	/* the instruction completed in the guest */
	GUEST_TO_HOST,		/* exit, handled by KVM, run loop goes on */
	GUEST_TO_USER,		/* exit to userspace (MMIO) */
	GUEST_TO_HYP,		/* handled at EL2, re-entered directly */
};

void model_init_kernel(struct model_vcpu *v, const enum model_insn *prog,
		       unsigned int len, enum model_kernel kernel)
{
	*v = (struct model_vcpu){ .prog = prog, .len = len, .kernel = kernel,
				  .rules = kernel != MODEL_STOCK_510,
				  .vector = 0x1000 };
}

void model_init(struct model_vcpu *v, const enum model_insn *prog,
		unsigned int len, bool rules)
{
	model_init_kernel(v, prog, len,
			  rules ? MODEL_RULES_510 : MODEL_STOCK_510);
}

const char *model_kernel_name(enum model_kernel kernel)
{
	switch (kernel) {
	case MODEL_STOCK_510:
		return "stock-5.10";
	case MODEL_RULES_510:
		return "rules-5.10";
	case MODEL_UPSTREAM_61:
		return "upstream-6.1";
	case MODEL_UPSTREAM_67:
		return "upstream-6.7";
	}
	return "?";
}

static bool model_stepping(const struct model_vcpu *v)
{
	return (v->guest_debug & STEPPING) == STEPPING;
}

static bool model_upstream(const struct model_vcpu *v)
{
	return v->kernel == MODEL_UPSTREAM_61 || v->kernel == MODEL_UPSTREAM_67;
}

/* R5 on 5.10 with the rules; the same code is 6.1+'s own. */
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

/* Forget what cannot be known after a run the model did not follow. */
void model_resync_at_stop(struct model_vcpu *v, u64 pc)
{
	v->pc = pc;
	v->pstate_ss = false;
	v->mmio_pending = false;
	v->incr_pc = false;
	v->st = (struct ss_vcpu_state){ 0 };
}

void model_resync_at_mmio(struct model_vcpu *v, u64 pc)
{
	model_resync_at_stop(v, pc);
	v->pstate_ss = true;
	v->mmio_pending = true;
}

/* kvm_skip_instr(): PC += 4 and "advance the step state machine" */
static void kvm_skip(struct model_vcpu *v)
{
	v->pc += 4;
	v->pstate_ss = false;
}

/* KVM finished an instruction: 5.10 skips now, 6.1+ at the next entry */
static void kvm_complete(struct model_vcpu *v)
{
	if (model_upstream(v))
		v->incr_pc = true;
	else
		kvm_skip(v);
}

/* 6.1+: __kvm_adjust_pc(), at EL2 entry or on an early KVM_RUN return */
static void kvm_adjust_pc(struct model_vcpu *v)
{
	if (!v->incr_pc)
		return;
	v->incr_pc = false;
	kvm_skip(v);
}

/*
 * kvm_arm_setup_debug(), then the EL2 entry.  5.10 re-arms PSTATE.SS; the
 * rules correct it (R3, R4); 6.1+ keeps it clear while active-pending (R4
 * on DBG_SS_ACTIVE_PENDING) and only then applies a deferred PC update.
 */
static void kvm_entry(struct model_vcpu *v)
{
	bool stepping = model_stepping(v);

	if (v->kernel == MODEL_STOCK_510 && stepping)
		v->pstate_ss = true;
	if (v->kernel == MODEL_RULES_510 && stepping)
		v->pstate_ss = ss_rules_entry_ss(&v->st, v->exits,
						 v->pstate_ss);
	if (model_upstream(v) && stepping)
		v->pstate_ss = !v->st.active_pending;
	kvm_adjust_pc(v);
}

/* kvm_exit: R1, R2 (6.1+'s kvm_arm_clear_debug() and debug handler) */
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

/* An exception taken to the guest's EL1: PSTATE.SS is cleared on entry. */
static enum guest_result guest_exception(struct model_vcpu *v)
{
	v->pc = v->vector;
	v->pstate_ss = false;
	return GUEST_COMPLETED;
}

/*
 * CPYM or CPYE.  Before 6.7 KVM hides FEAT_MOPS, so they are UNDEFINED in
 * the guest.  On 6.7+ a wrong-option one raises the MOPS exception (EC
 * 0x27) before it executes; EL2 rewinds to the prologue and, when
 * stepping, finishes the step there (ss_rules_mops_restart()).
 */
static enum guest_result guest_mops(struct model_vcpu *v, bool epilogue)
{
	struct ss_mops_restart r;

	if (v->kernel != MODEL_UPSTREAM_67)
		return guest_exception(v);
	if (v->mops_ready) {
		v->mops_ready = !epilogue;
		v->pc += 4;
		v->pstate_ss = false;
		return GUEST_COMPLETED;
	}
	r = ss_rules_mops_restart(epilogue ? MOPS_ISS_EPILOGUE : 0, v->pc,
				  model_stepping(v));
	v->pc = r.pc;
	if (r.clear_ss)
		v->pstate_ss = false;
	return GUEST_TO_HYP;
}

/* Execute one guest instruction. */
static enum guest_result guest_execute(struct model_vcpu *v)
{
	switch (model_insn_at(v)) {
	case INSN_PLAIN:
		v->pc += 4;
		break;
	case INSN_BRANCH:
		v->pc = v->target[v->pc / 4];
		break;
	case INSN_SVC:
		return guest_exception(v);
	case INSN_MOPS_PRO:
		if (v->kernel != MODEL_UPSTREAM_67)
			return guest_exception(v);
		v->mops_ready = true;
		v->pc += 4;
		break;
	case INSN_MOPS_MAIN:
		return guest_mops(v, false);
	case INSN_MOPS_EPI:
		return guest_mops(v, true);
	case INSN_HVC:		/* completes, then the exception is taken */
		v->pc += 4;
		v->pstate_ss = false;
		kvm_exit(v, false);
		return GUEST_TO_HOST;
	case INSN_TRAP:		/* taken before completion; KVM emulates */
		kvm_exit(v, false);
		kvm_complete(v);
		return GUEST_TO_HOST;
	case INSN_MMIO:
		kvm_exit(v, false);
		v->mmio_pending = true;
		return GUEST_TO_USER;
	}
	v->pstate_ss = false;	/* the instruction completed: D2.12.4 */
	return GUEST_COMPLETED;
}

/*
 * One KVM_RUN of a single-stepping vCPU.  An MMIO access is completed
 * first (kvm_handle_mmio_return()); immediate_exit, like a pending signal,
 * then returns -EINTR before any entry.
 */
enum model_exit model_kvm_run(struct model_vcpu *v, bool immediate_exit,
			      struct model_stop *stop)
{
	enum guest_result r = GUEST_TO_HOST;

	if (!model_stepping(v))
		return MODEL_EXIT_OFF;
	if (v->mmio_pending) {
		v->mmio_pending = false;
		kvm_complete(v);
	}
	if (immediate_exit) {
		kvm_adjust_pc(v);
		return MODEL_EXIT_EINTR;
	}
	for (;;) {
		if (r == GUEST_TO_HOST)
			kvm_entry(v);
		stop->isv = v->pstate_ss;
		stop->pc = v->pc;
		/* active-not-pending: one instruction runs (D2.12.4) */
		if (v->pstate_ss) {
			r = guest_execute(v);
			if (r == GUEST_TO_USER)
				return MODEL_EXIT_MMIO;
			if (r != GUEST_COMPLETED)
				continue;
		}
		/* active-pending: the Software Step exception (EC 0x32) */
		kvm_exit(v, true);
		stop->pc = v->pc;
		return MODEL_EXIT_DEBUG;
	}
}

/* A KVM_RUN that enters: true with a stop, false for an MMIO exit. */
bool model_run(struct model_vcpu *v, struct model_stop *stop)
{
	return model_kvm_run(v, false, stop) == MODEL_EXIT_DEBUG;
}
