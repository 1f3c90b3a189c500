// SPDX-License-Identifier: GPL-2.0
/*
 * The model behind ss_model.h.  One call of model_kvm_run() is one
 * KVM_RUN: it returns what userspace sees (a stop, an MMIO exit, -EINTR).
 */
#include <stddef.h>
#include <linux/bits.h>

#include "ss_model.h"

#define GUESTDBG_ENABLE		0x1
#define GUESTDBG_SINGLESTEP	0x2
#define STEPPING		(GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP)

/* What executing one guest instruction led to. */
enum guest_result {
	GUEST_STEPPED,		/* it completed in the guest */
	GUEST_EXCEPTION,	/* it completed into an exception to EL1 */
	GUEST_TO_HOST,		/* exit, handled by KVM, run loop goes on */
	GUEST_TO_USER,		/* exit to userspace (MMIO, NISV) */
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
	case MODEL_PATCHED_61:
		return "patched-6.1";
	case MODEL_PATCHED_67:
		return "patched-6.7";
	}
	return "?";
}

/* 6.1 - 6.13 with the stable series of patches/6.1.y or 6.12.y */
static bool model_patched(const struct model_vcpu *v)
{
	return v->kernel == MODEL_PATCHED_61 || v->kernel == MODEL_PATCHED_67;
}

static bool model_stepping(const struct model_vcpu *v)
{
	return (v->guest_debug & STEPPING) == STEPPING;
}

static bool model_upstream(const struct model_vcpu *v)
{
	return v->kernel == MODEL_UPSTREAM_61 || v->kernel == MODEL_UPSTREAM_67 ||
	       model_patched(v);
}

/* 6.7+: FEAT_MOPS for guests, sequences restarted at EL2 */
static bool model_mops(const struct model_vcpu *v)
{
	return v->kernel == MODEL_UPSTREAM_67 || v->kernel == MODEL_PATCHED_67;
}

/* Where a rule is applied: the module or series, and 6.1+ (all but R3). */
static struct ss_vcpu_state *model_rules(struct model_vcpu *v)
{
	return v->rules && model_stepping(v) ? &v->st : NULL;
}

/* R5 on 5.10 with the rules; the same code is 6.1+'s own. */
void model_set_guest_debug(struct model_vcpu *v, u32 control)
{
	if (v->rules)
		ss_rules_on_set_guest_debug(&v->st, control);
	v->guest_debug = control;
}

/* KVM_SET_ONE_REG of the PC: no rule. */
void model_set_pc(struct model_vcpu *v, u64 pc)
{
	v->pc = pc;
}

/* KVM_SET_ONE_REG of PSTATE, as far as its SS bit goes: no rule. */
void model_set_pstate_ss(struct model_vcpu *v, bool ss)
{
	v->pstate_ss = ss;
}

/*
 * KVM_ARM_VCPU_INIT, then the VMM sets the PC (PSCI CPU_ON does the same
 * inside the run loop): reset PSTATE has SS clear.  No rule: a pending
 * step survives, as DBG_SS_ACTIVE_PENDING does on 6.1.
 */
void model_reset(struct model_vcpu *v, u64 pc)
{
	v->pc = pc;
	v->pstate_ss = false;
	v->mops_ready = false;
}

/*
 * The next exit from the guest has a physical SError pending:
 * handle_exit() returns to the guest at once (rewinding an HVC so that it
 * is issued again), without handling the exit.  The model leaves out the
 * SError's own effect on the guest: the virtual SError that
 * handle_exit_early() may inject is assumed to come after the owed step
 * exception.  QEMU cannot raise a physical SError at an exit, so this
 * order is not checked on the test bed.
 */
void model_serror_at_next_exit(struct model_vcpu *v)
{
	v->serror_pending = true;
}

/* Forget what cannot be known after a run the model did not follow. */
void model_resync_at_stop(struct model_vcpu *v, u64 pc)
{
	v->pc = pc;
	v->pstate_ss = false;
	v->mmio_pending = false;
	v->incr_pc = false;
	v->undef_pending = false;
	v->serror_pending = false;
	v->st = (struct ss_vcpu_state){ 0 };
}

/* An MMIO exit taken without the model, e.g. while not stepping. */
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

/* An exception taken to the guest's EL1: PSTATE.SS is cleared on entry. */
static void take_exception(struct model_vcpu *v)
{
	v->pc = v->vector;
	v->pstate_ss = false;
}

/* R3: only the rules know that KVM completed an instruction itself. */
static void kvm_completed(struct model_vcpu *v)
{
	struct ss_vcpu_state *st = model_rules(v);

	if (st && v->kernel == MODEL_RULES_510)
		ss_rules_on_completed_by_kvm(st);
}

/* KVM finished an instruction: 5.10 skips now, 6.1+ at the next entry */
static void kvm_complete(struct model_vcpu *v)
{
	if (model_upstream(v)) {
		v->incr_pc = true;
		return;
	}
	kvm_skip(v);
	kvm_completed(v);
}

/* KVM injects an UNDEF: 5.10 at once, 6.1+ at the next entry */
static void kvm_inject_undef(struct model_vcpu *v)
{
	if (model_upstream(v)) {
		v->undef_pending = true;
		return;
	}
	take_exception(v);
	kvm_completed(v);
}

/* 6.1+: __kvm_adjust_pc(), at EL2 entry or on an early KVM_RUN return */
static void kvm_adjust_pc(struct model_vcpu *v)
{
	if (v->undef_pending)
		take_exception(v);
	else if (v->incr_pc)
		kvm_skip(v);
	v->undef_pending = false;
	v->incr_pc = false;
}

/*
 * KVM_RUN returning without a guest entry commits a deferred PC update
 * or exception on its way out.  Stock 6.1 - 6.13 stop there (the step
 * is re-armed at the next entry: the early-return gap); with the stable
 * series the commit is KVM completing the instruction, R3.
 */
static void kvm_early_return(struct model_vcpu *v)
{
	struct ss_vcpu_state *st = model_rules(v);
	bool committed = v->incr_pc || v->undef_pending;

	kvm_adjust_pc(v);
	if (committed && st && model_patched(v))
		ss_rules_on_completed_by_kvm(st);
}

/*
 * kvm_arm_setup_debug(), then the EL2 entry.  5.10 re-arms PSTATE.SS; the
 * rules clear it again while active-pending (R4); 6.1+ keeps it clear
 * while active-pending (R4 on DBG_SS_ACTIVE_PENDING) and only then
 * applies a deferred PC update.
 */
static void kvm_entry(struct model_vcpu *v)
{
	struct ss_vcpu_state *st = model_rules(v);

	if (model_stepping(v))
		v->pstate_ss = true;
	if (st && ss_rules_entry_clear_ss(st))
		v->pstate_ss = false;
	kvm_adjust_pc(v);
}

/* The guest exits to KVM: R1 (6.1+'s kvm_arm_clear_debug()). */
static void kvm_exit(struct model_vcpu *v)
{
	struct ss_vcpu_state *st = model_rules(v);

	if (st)
		ss_rules_on_exit(st, v->pstate_ss);
}

/*
 * handle_exit() with an SError pending returns to the guest before
 * handling anything: true when it did.
 */
static bool kvm_serror_early_return(struct model_vcpu *v, bool hvc)
{
	if (!v->serror_pending)
		return false;
	v->serror_pending = false;
	if (hvc)
		v->pc -= 4;
	return true;
}

static enum model_insn model_insn_at(const struct model_vcpu *v)
{
	u64 i = v->pc / 4;

	return i < v->len ? v->prog[i] : INSN_PLAIN;
}

/*
 * FEAT_MOPS on 6.7+: a MOPS exception (EC 0x27) is only ever raised by a
 * main or an epilogue instruction, and means the sequence must restart
 * from its prologue, one instruction before the main and two before the
 * epilogue (Arm ARM C6.2, "Memory Copy and Memory Set instructions").
 * KVM's EL2 handler rewinds the PC there and, while single-stepping,
 * clears PSTATE.SS so that the step finishes on the prologue.
 */
static enum guest_result guest_mops(struct model_vcpu *v, bool epilogue)
{
	if (!model_mops(v)) {
		take_exception(v);	/* UNDEFINED before 6.7 */
		return GUEST_EXCEPTION;
	}
	if (v->mops_ready) {
		v->mops_ready = !epilogue;
		v->pc += 4;
		return GUEST_STEPPED;
	}
	v->pc -= epilogue ? 8 : 4;
	if (model_stepping(v))
		v->pstate_ss = false;
	return GUEST_TO_HYP;
}

/* A trap to KVM, which handles it in the kernel. */
static enum guest_result guest_trap(struct model_vcpu *v, bool undef)
{
	kvm_exit(v);
	if (kvm_serror_early_return(v, false))
		return GUEST_TO_HOST;
	if (undef)
		kvm_inject_undef(v);
	else
		kvm_complete(v);
	return GUEST_TO_HOST;
}

/* Execute one guest instruction. */
static enum guest_result guest_execute(struct model_vcpu *v)
{
	switch (model_insn_at(v)) {
	case INSN_PLAIN:
		v->pc += 4;
		return GUEST_STEPPED;
	case INSN_BRANCH:
		v->pc = v->target[v->pc / 4];
		return GUEST_STEPPED;
	case INSN_SVC:
		take_exception(v);
		return GUEST_EXCEPTION;
	case INSN_MOPS_PRO:
		if (!model_mops(v)) {
			take_exception(v);
			return GUEST_EXCEPTION;
		}
		v->mops_ready = true;
		v->pc += 4;
		return GUEST_STEPPED;
	case INSN_MOPS_MAIN:
		return guest_mops(v, false);
	case INSN_MOPS_EPI:
		return guest_mops(v, true);
	case INSN_HVC:		/* completes, then the exception is taken */
		v->pc += 4;
		v->pstate_ss = false;
		kvm_exit(v);
		kvm_serror_early_return(v, true);
		return GUEST_TO_HOST;
	case INSN_TRAP:		/* taken before completion; KVM emulates */
		return guest_trap(v, false);
	case INSN_UNDEF:
		return guest_trap(v, true);
	case INSN_MMIO:
		kvm_exit(v);
		v->mmio_pending = true;
		return GUEST_TO_USER;
	case INSN_NISV:
		kvm_exit(v);
		return GUEST_TO_USER;
	}
	return GUEST_STEPPED;
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
	struct ss_vcpu_state *st;

	if (!model_stepping(v))
		return MODEL_EXIT_OFF;
	if (v->mmio_pending) {
		v->mmio_pending = false;
		kvm_complete(v);
	}
	if (immediate_exit) {
		kvm_early_return(v);
		return MODEL_EXIT_EINTR;
	}
	for (;;) {
		if (r == GUEST_TO_HOST)
			kvm_entry(v);
		stop->pc = v->pc;
		stop->isv = false;
		/* active-not-pending: one instruction runs (D2.12.4) */
		if (v->pstate_ss) {
			r = guest_execute(v);
			if (r == GUEST_TO_USER)
				return v->mmio_pending ? MODEL_EXIT_MMIO :
							 MODEL_EXIT_NISV;
			if (r == GUEST_TO_HOST || r == GUEST_TO_HYP)
				continue;
			/* an exception entry leaves the step pending: ISV=0 */
			stop->isv = r == GUEST_STEPPED;
			v->pstate_ss = false;
		}
		/* active-pending: the Software Step exception (EC 0x32) */
		kvm_exit(v);
		if (kvm_serror_early_return(v, false)) {
			r = GUEST_TO_HOST;
			continue;
		}
		st = model_rules(v);
		if (st)
			ss_rules_on_step_reported(st);
		stop->pc = v->pc;
		return MODEL_EXIT_DEBUG;
	}
}

/*
 * A KVM_RUN whose guest entry is cut short by a signal (a VMM kicking its
 * vCPU thread): the interrupt exit comes before any instruction runs, and
 * KVM_RUN returns -EINTR.  The exit is taken with PSTATE.SS as entered.
 */
enum model_exit model_kvm_run_kicked(struct model_vcpu *v)
{
	if (!model_stepping(v))
		return MODEL_EXIT_OFF;
	if (v->mmio_pending) {
		v->mmio_pending = false;
		kvm_complete(v);
	}
	kvm_entry(v);
	kvm_exit(v);
	return MODEL_EXIT_EINTR;
}

/* A KVM_RUN that enters: true with a stop, false for an MMIO exit. */
bool model_run(struct model_vcpu *v, struct model_stop *stop)
{
	return model_kvm_run(v, false, stop) == MODEL_EXIT_DEBUG;
}
