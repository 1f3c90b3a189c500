// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hot hooks for KVM/arm64 5.10: where KVM does what the step rules
 * care about, and the hook at each of those places.  KVM_RUN on 5.10:
 *
 *   kvm_handle_mmio_return()    kprobe: completes an MMIO access   R3
 *   loop:
 *     check_vcpu_requests()     kvm_reset_vcpu(): kprobe           (*)
 *     kvm_arm_setup_debug()     ... sets PSTATE.SS = 1
 *     trace_kvm_entry()         tp: (*), then enter active-pending
 *                               or not                             R4
 *     __kvm_vcpu_run()          the guest runs
 *     trace_kvm_exit()          tp: PSTATE.SS at the exit          R1
 *     handle_exit()             handlers: kvm_skip_instr() (inline)
 *                               kvm_inject_*(): kprobes            R3
 *                               kvm_handle_guest_debug()
 *   kvm_sigset_deactivate()     ftrace: (*), the run ends
 *
 * (*) what handle_exit() did with the exit, seen at the first of the
 * three places the vCPU reaches after it: R3 when it skipped the
 * trapped instruction, R2 when the run ends reporting a Software Step
 * exception.  From other ioctls: KVM_SET_GUEST_DEBUG (tp
 * kvm_set_guest_debug, hooks.c, R5), KVM_SET_VCPU_EVENTS
 * (kvm_inject_dabt(), R3).  Nothing else changes the step state
 * (ss_rules.c), so nothing else is hooked but the reset, which only
 * marks where an exit is done.
 *
 * kvm_skip_instr() is __always_inline in every handler that completes a
 * trapped instruction, so it has no place of its own to hook.  Its host
 * callers are kvm_handle_mmio_return() (kprobed) and the exit handlers
 * under handle_exit(), which KVM brackets with trace_kvm_exit() and the
 * three places above: between those, the only way the PC moves forward
 * by exactly the trapped instruction's length (ESR_ELx.IL) is
 * kvm_skip_instr(), so that is where R3 is known.  The one other PC
 * change in handle_exit(), the rewind of an HVC or SMC when an SError is
 * pending, goes backwards; after it, before the next entry or the end of
 * the run, only a vCPU reset requested by PSCI CPU_ON writes the PC, and
 * kvm_reset_vcpu() settles the exit before it does.  The hyp's own
 * __kvm_skip_instr() (vGIC CPU interface and TX2 traps handled at EL2)
 * needs no hook: it writes SPSR.SS = 0 and returns straight to the
 * guest, so the hardware takes the step exception, which R1 and R2 see.
 *
 * Why not a kretprobe on handle_exit(), which sees the same from inside
 * it: on 5.10 a kprobe single-steps the probed instruction out of line
 * with two debug exceptions, and every step exit would pay that and the
 * kretprobe's bookkeeping.  Tracepoints and an ftrace callback take no
 * exception (a module's ftrace_ops goes through ftrace's list function:
 * a hash test and a recursion guard).
 *
 * The step state lives in the module's per-vCPU records (vcpu_state.c),
 * the exit being handled among them (struct ksf_exit_seen).  No state is
 * handed from one hook to another through per-CPU variables: each hook
 * finds the vCPU from its arguments or from kvm_get_running_vcpu(), and
 * its record.  Only the vCPU's own thread, holding vcpu->mutex (KVM_RUN,
 * KVM_SET_GUEST_DEBUG, and KVM_ARM_VCPU_INIT or KVM_{GET,SET}_ONE_REG
 * when they carry out a pending reset), reads or writes the exit.
 */
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/tracepoint.h>
#include <asm/debug-monitors.h>
#include <asm/esr.h>
#include <asm/kvm_asm.h>
#include <asm/kvm_emulate.h>

#include "kvm_ss_fix.h"

#include "trace.h"

/*
 * kvm_get_running_vcpu(), found at load: exported to any GPL module on
 * 5.10, but only to KVM's own on newer kernels, where a link-time
 * dependency would keep the module from even loading to say it is not
 * needed.
 */
static struct kvm_vcpu *(*ksf_running_vcpu)(void);

/*
 * Bumped at each arming of the hot hooks: an exit remembered before the
 * last disarm was never seen done, and is void.
 */
static unsigned int ksf_arming;

static bool ksf_pstate_ss(const struct kvm_vcpu *vcpu)
{
	return *vcpu_cpsr(vcpu) & DBG_SPSR_SS;
}

/*
 * The step state of @rec, as of the current `enable` epoch: a state kept
 * from before the module was switched off is stale (nothing was followed
 * meanwhile) and starts afresh.
 */
static struct ss_vcpu_state *ksf_state(struct ksf_vcpu *rec)
{
	unsigned int epoch;

	smp_rmb();	/* `enable` seen on, then its epoch: see ksf_set_enable() */
	epoch = atomic_read(&ksf_enable_epoch);

	if (unlikely(rec->epoch != epoch)) {
		rec->ss = (struct ss_vcpu_state){ 0 };
		rec->epoch = epoch;
	}
	return &rec->ss;
}

/* The record of @vcpu if it has host single-step on and the rules apply. */
static struct ksf_vcpu *ksf_stepping_rec(const struct kvm_vcpu *vcpu)
{
	if (likely(!ksf_single_stepping(READ_ONCE(vcpu->guest_debug))) ||
	    !READ_ONCE(ksf_enable))
		return NULL;
	return ksf_vcpu_find(vcpu);
}

static void ksf_count_pending_change(bool before, bool after)
{
	if (!before && after)
		ksf_count(KSF_PENDING_SET);
	else if (before && !after)
		ksf_count(KSF_PENDING_CLEARED);
}

typedef void (*ksf_rule_fn)(struct ss_vcpu_state *st);

/* Apply one rule to @rec, count and trace what it changed. */
static void ksf_apply(const struct kvm_vcpu *vcpu, struct ksf_vcpu *rec,
		      ksf_rule_fn rule, const char *name)
{
	struct ss_vcpu_state *st = ksf_state(rec);
	bool before = st->active_pending;

	rule(st);
	ksf_count_pending_change(before, st->active_pending);
	trace_kvm_ss_fix_rule(vcpu->vcpu_id, *vcpu_pc(vcpu), name,
			      st->active_pending);
}

static void ksf_rule_exit_ss0(struct ss_vcpu_state *st)
{
	ss_rules_on_exit(st, false);
}

/* Remember the exit handle_exit() is about to handle, until it is seen done. */
static void ksf_exit_begin(const struct kvm_vcpu *vcpu, struct ksf_vcpu *rec,
			   int exception_index, unsigned int esr_ec)
{
	rec->exit = (struct ksf_exit_seen){
		.pc = *vcpu_pc(vcpu),
		.insn_len = kvm_vcpu_trap_il_is32bit(vcpu) ? 4 : 2,
		.esr_ec = esr_ec,
		.trap = !ARM_SERROR_PENDING(exception_index) &&
			ARM_EXCEPTION_CODE(exception_index) == ARM_EXCEPTION_TRAP,
		.epoch = atomic_read(&ksf_enable_epoch),
		.arming = READ_ONCE(ksf_arming),
		.pending = true,
	};
}

/*
 * handle_exit() is done with the exit @rec remembers: the vCPU is about
 * to enter again, to be reset, or to leave KVM_RUN (@run_ends).  R3 when
 * the handler skipped the trapped instruction (see the comment at the
 * top), R2 when the run reports the Software Step exception to
 * userspace: EC 0x32 is handled by kvm_handle_guest_debug() alone, which
 * fills in KVM_EXIT_DEBUG and ends the run.  struct kvm_run is mapped by
 * the VMM, which could rewrite exit_reason meanwhile from another thread:
 * that only misleads the step state of its own vCPU.
 */
static void ksf_exit_done(const struct kvm_vcpu *vcpu, struct ksf_vcpu *rec,
			  bool run_ends)
{
	struct ksf_exit_seen *e = &rec->exit;

	if (!e->pending)
		return;
	e->pending = false;
	if (!e->trap || !READ_ONCE(ksf_enable) ||
	    e->epoch != atomic_read(&ksf_enable_epoch) ||
	    e->arming != READ_ONCE(ksf_arming))
		return;

	if (*vcpu_pc(vcpu) == e->pc + e->insn_len)
		ksf_apply(vcpu, rec, ss_rules_on_completed_by_kvm,
			  "completed-by-kvm");
	else if (run_ends && e->esr_ec == ESR_ELx_EC_SOFTSTP_LOW &&
		 READ_ONCE(vcpu->run->exit_reason) == KVM_EXIT_DEBUG)
		ksf_apply(vcpu, rec, ss_rules_on_step_reported,
			  "step-reported");
}

/*
 * tp kvm_entry: kvm_arm_setup_debug() has set PSTATE.SS; the guest runs
 * next, on this CPU, with interrupts off.  The last exit is done; R4.
 */
static void ksf_probe_entry(void *data, unsigned long pc)
{
	struct kvm_vcpu *vcpu = ksf_running_vcpu();
	struct ksf_vcpu *rec;
	bool clear;

	if (likely(!vcpu || !ksf_single_stepping(READ_ONCE(vcpu->guest_debug))) ||
	    !READ_ONCE(ksf_enable))
		return;
	rec = ksf_note_stepping(vcpu);
	if (!rec)
		return;
	ksf_exit_done(vcpu, rec, false);

	clear = ss_rules_entry_clear_ss(ksf_state(rec));
	if (clear) {
		/*
		 * Enter active-pending (Arm ARM D2.12.4): the owed Software
		 * Step exception is taken before any guest instruction.
		 */
		if (!ksf_pstate_ss(vcpu))
			ksf_count(KSF_SS_ALREADY_CLEAR);
		*vcpu_cpsr(vcpu) &= ~DBG_SPSR_SS;
		ksf_count(KSF_SS_FORCED);
	}
	trace_kvm_ss_fix_entry(vcpu->vcpu_id, pc, clear);
}

/*
 * tp kvm_exit(exception_index, esr_ec, pc): the guest has left, on this
 * CPU with preemption off.  handle_exit() follows, after
 * handle_exit_early() (SError handling, which leaves the PC alone) and a
 * check that may turn the index into ARM_EXCEPTION_IL (an AArch32 EL0
 * the host cannot run: handle_exit() then fails the run, PC unchanged,
 * which is neither R2 nor R3).  R1, and the exit is remembered.
 */
static void ksf_probe_exit(void *data, int exception_index,
			   unsigned int esr_ec, unsigned long pc)
{
	struct kvm_vcpu *vcpu = ksf_running_vcpu();
	struct ksf_vcpu *rec;

	if (likely(!vcpu))
		return;
	rec = ksf_stepping_rec(vcpu);
	if (likely(!rec))
		return;
	if (!ksf_pstate_ss(vcpu))
		ksf_apply(vcpu, rec, ksf_rule_exit_ss0, "exit-ss0");
	ksf_exit_begin(vcpu, rec, exception_index, esr_ec);
}

/* The exit @vcpu's handler left, if it is stepped and one is remembered. */
static void ksf_exit_done_by(const struct kvm_vcpu *vcpu, bool run_ends)
{
	struct ksf_vcpu *rec = ksf_stepping_rec(vcpu);

	if (rec)
		ksf_exit_done(vcpu, rec, run_ends);
}

/*
 * kprobe kvm_reset_vcpu(vcpu): a reset requested by PSCI CPU_ON, from
 * the run loop (or from KVM_ARM_VCPU_INIT, KVM_GET_ONE_REG or
 * KVM_SET_ONE_REG, with no exit left): the exit is done, and the PC
 * still the one its handler left.
 */
static int ksf_pre_reset(struct kprobe *p, struct pt_regs *regs)
{
	ksf_exit_done_by((const struct kvm_vcpu *)regs->regs[0], false);
	return 0;
}

/*
 * kprobe kvm_handle_mmio_return(vcpu): with vcpu->mmio_needed set it
 * completes the MMIO access (loads the register, kvm_skip_instr()):
 * from the top of KVM_RUN after a userspace MMIO exit, and from
 * io_mem_abort() for an in-kernel device.  R3.
 */
static int ksf_pre_mmio_return(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	struct ksf_vcpu *rec;

	if (!READ_ONCE(vcpu->mmio_needed))
		return 0;
	rec = ksf_stepping_rec(vcpu);
	if (rec)
		ksf_apply(vcpu, rec, ss_rules_on_completed_by_kvm,
			  "mmio-completed");
	return 0;
}

/*
 * kprobes kvm_inject_undefined/dabt/pabt(vcpu, ...): KVM makes the
 * current instruction end in a synchronous exception to the guest's EL1
 * (an unhandled system register, an abort KVM cannot resolve, or one
 * userspace asked for with KVM_SET_VCPU_EVENTS).  R3: the step is owed
 * at the vector, as for an SVC.
 */
static int ksf_pre_inject(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	struct ksf_vcpu *rec = ksf_stepping_rec(vcpu);

	if (rec)
		ksf_apply(vcpu, rec, ss_rules_on_completed_by_kvm,
			  "exception-injected");
	return 0;
}

/* where handle_exit()'s work is seen done, besides kvm_entry */
static struct kprobe ksf_done_kps[] = {
	{ .symbol_name = "kvm_reset_vcpu", .pre_handler = ksf_pre_reset },
};

/* where KVM completes an instruction outside handle_exit()'s skip */
static struct kprobe ksf_hot_kps[] = {
	{ .symbol_name = "kvm_handle_mmio_return",
	  .pre_handler = ksf_pre_mmio_return },
	{ .symbol_name = "kvm_inject_undefined", .pre_handler = ksf_pre_inject },
	{ .symbol_name = "kvm_inject_dabt", .pre_handler = ksf_pre_inject },
	{ .symbol_name = "kvm_inject_pabt", .pre_handler = ksf_pre_inject },
};

static struct kprobe *ksf_done_kp_list[ARRAY_SIZE(ksf_done_kps)];
static struct kprobe *ksf_hot_kp_list[ARRAY_SIZE(ksf_hot_kps)];
static unsigned long ksf_hot_missed;	/* kprobe misses of past armings */
static bool ksf_hot_registered;

static struct ksf_tp ksf_entry_tp = { "kvm_entry", ksf_probe_entry };
static struct ksf_tp ksf_exit_tp = { "kvm_exit", ksf_probe_exit };

#ifdef CONFIG_DYNAMIC_FTRACE
/* 5.11 changed the callback's last argument, and who guards recursion */
#ifdef KSF_FTRACE_REGS
#define ksf_ftrace_regs		ftrace_regs
#define KSF_FTRACE_RECURSION	FTRACE_OPS_FL_RECURSION
#else
#define ksf_ftrace_regs		pt_regs
#define KSF_FTRACE_RECURSION	0	/* ftrace guards it unless told not to */
#endif

/*
 * ftrace kvm_sigset_deactivate(vcpu): KVM_RUN's loop has ended (an exit
 * to userspace, a signal, a request), the vCPU still loaded; the exit is
 * done.  An ftrace callback runs with preemption off.
 */
static void ksf_ftrace_run_end(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, struct ksf_ftrace_regs *regs)
{
	struct kvm_vcpu *vcpu = ksf_running_vcpu();

	if (vcpu)
		ksf_exit_done_by(vcpu, true);
}

/*
 * PERMANENT: with ftrace switched off (sysctl kernel.ftrace_enabled=0)
 * the callback would silently never run, and the step owed after a step
 * exit would be reported again and again; registration fails instead,
 * and so does the arming.
 */
static struct ftrace_ops ksf_run_end_ops = {
	.func = ksf_ftrace_run_end,
	.flags = FTRACE_OPS_FL_PERMANENT | KSF_FTRACE_RECURSION,
};

/* Point ksf_run_end_ops at kvm_sigset_deactivate(), or (@on false) at nothing. */
static int ksf_run_end_filter(bool on)
{
	/* a copy: ftrace_set_filter() may write into the buffer */
	unsigned char name[] = "kvm_sigset_deactivate";

	/* an empty filter frees the old one (and would trace everything) */
	return ftrace_set_filter(&ksf_run_end_ops, on ? name : NULL,
				 on ? sizeof(name) - 1 : 0, 1);
}

static int ksf_register_run_end(void)
{
	int ret = ksf_run_end_filter(true) ?:
		  register_ftrace_function(&ksf_run_end_ops);

	if (ret) {
		pr_err(KSF_NAME ": cannot ftrace kvm_sigset_deactivate: %d\n",
		       ret);
		ksf_run_end_filter(false);
	}
	return ret;
}

static void ksf_unregister_run_end(void)
{
	unregister_ftrace_function(&ksf_run_end_ops);
	ksf_run_end_filter(false);
}

#else
static int ksf_run_end_filter(bool on)
{
	return -EOPNOTSUPP;
}

static int ksf_register_run_end(void)
{
	return -EOPNOTSUPP;
}

static void ksf_unregister_run_end(void)
{
}
#endif /* CONFIG_DYNAMIC_FTRACE */

/*
 * The hot hooks, all or none, in this order: the places an exit is seen
 * done (kvm_entry, which is also R4, then the end of the run and the
 * reset), the exit (R1, and the exit remembered), then the kprobes (the
 * other R3 places).  A stepping vCPU keeps running while they are
 * registered, and every state they set must be cleared by a hook that is
 * already there: were the exit tracepoint first, a step exit it left
 * owed (R1) would end a run that nothing sees report it (R2), and the
 * step would be taken again, with nothing run, once the entry hook came.
 * Unregistration runs in the reverse order.
 */
static int ksf_510_register_hot(void)
{
	int ret;

	WRITE_ONCE(ksf_arming, ksf_arming + 1);
	ksf_kprobes_afresh(ksf_done_kps, ksf_done_kp_list,
			   ARRAY_SIZE(ksf_done_kps));
	ksf_kprobes_afresh(ksf_hot_kps, ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kps));

	ret = ksf_tp_register(&ksf_entry_tp);
	if (ret)
		return ret;
	ret = ksf_register_run_end();
	if (ret)
		goto out_entry;
	ret = register_kprobes(ksf_done_kp_list, ARRAY_SIZE(ksf_done_kp_list));
	if (ret) {
		pr_err(KSF_NAME ": cannot kprobe kvm_reset_vcpu: %d\n", ret);
		goto out_run_end;
	}
	ret = ksf_tp_register(&ksf_exit_tp);
	if (ret)
		goto out_done_kps;
	ret = register_kprobes(ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kp_list));
	if (ret) {
		pr_err(KSF_NAME ": cannot kprobe KVM's completion points: %d\n",
		       ret);
		goto out_exit;
	}
	ksf_hot_registered = true;
	return 0;

out_exit:
	ksf_tp_unregister(&ksf_exit_tp);
out_done_kps:
	unregister_kprobes(ksf_done_kp_list, ARRAY_SIZE(ksf_done_kp_list));
out_run_end:
	ksf_unregister_run_end();
out_entry:
	ksf_tp_unregister(&ksf_entry_tp);
	return ret;
}

/*
 * The reverse of ksf_510_register_hot().  Each unregistration waits for
 * its handlers in flight.  An exit still remembered when the hooks go is
 * void from the next arming on (ksf_arming).
 */
static void ksf_510_unregister_hot(void)
{
	unregister_kprobes(ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kp_list));
	ksf_tp_unregister(&ksf_exit_tp);
	ksf_hot_missed += ksf_kprobes_missed(ksf_hot_kp_list,
					     ARRAY_SIZE(ksf_hot_kp_list)) +
			  ksf_kprobes_missed(ksf_done_kp_list,
					     ARRAY_SIZE(ksf_done_kp_list));
	unregister_kprobes(ksf_done_kp_list, ARRAY_SIZE(ksf_done_kp_list));
	ksf_unregister_run_end();
	ksf_tp_unregister(&ksf_entry_tp);
	ksf_hot_registered = false;
}

static unsigned long ksf_510_hot_missed(void)
{
	if (!ksf_hot_registered)
		return ksf_hot_missed;
	return ksf_hot_missed +
	       ksf_kprobes_missed(ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kp_list)) +
	       ksf_kprobes_missed(ksf_done_kp_list, ARRAY_SIZE(ksf_done_kp_list));
}

/* KVM_SET_GUEST_DEBUG, valid @control: R5 on the record's state */
static void ksf_510_set_guest_debug(const struct kvm_vcpu *vcpu,
				    struct ksf_vcpu *rec, u32 control)
{
	bool before = ksf_state(rec)->active_pending;

	rec->exit.pending = false;	/* left by hooks gone meanwhile */
	ss_rules_on_set_guest_debug(&rec->ss, control);
	ksf_count_pending_change(before, rec->ss.active_pending);
	trace_kvm_ss_fix_set_guest_debug(vcpu->vcpu_id, control,
					 rec->ss.active_pending);
}

/* At load: what the hot hooks need to find in the kernel. */
static int ksf_510_prepare(void)
{
	struct ksf_tp *tps[] = { &ksf_entry_tp, &ksf_exit_tp };
	int ret;

	ksf_running_vcpu = (void *)ksf_symbol("kvm_get_running_vcpu");
	if (!ksf_running_vcpu) {
		pr_err(KSF_NAME ": kvm_get_running_vcpu not found\n");
		return -ENOENT;
	}
	if (!ksf_symbol("kvm_reset_vcpu")) {
		pr_err(KSF_NAME ": kvm_reset_vcpu not found\n");
		return -ENOENT;
	}
	if (!IS_ENABLED(CONFIG_DYNAMIC_FTRACE)) {
		pr_err(KSF_NAME ": built without CONFIG_DYNAMIC_FTRACE: cannot hook kvm_sigset_deactivate\n");
		return -EOPNOTSUPP;
	}
	ret = ksf_run_end_filter(true);
	ksf_run_end_filter(false);
	if (ret) {
		pr_err(KSF_NAME ": cannot ftrace kvm_sigset_deactivate: %d\n",
		       ret);
		return ret;
	}
	return ksf_find_tracepoints(tps, ARRAY_SIZE(tps));
}

const struct ksf_hook_set ksf_hooks_510 = {
	.what = "applies rules R1 - R5 (Documentation/kvm-ss-fix.rst)",
	.prepare = ksf_510_prepare,
	.register_hot = ksf_510_register_hot,
	.unregister_hot = ksf_510_unregister_hot,
	.hot_missed = ksf_510_hot_missed,
	.set_guest_debug = ksf_510_set_guest_debug,
};

