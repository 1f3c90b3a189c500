// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hot hooks for KVM/arm64 5.10: where KVM does what the step rules
 * care about, and the hook at each of those places.  KVM_RUN on 5.10:
 *
 *   kvm_handle_mmio_return()    kprobe: completes an MMIO access   R3
 *   loop:
 *     kvm_arm_setup_debug()     ... sets PSTATE.SS = 1
 *     trace_kvm_entry()         tp: enter active-pending or not    R4
 *     __kvm_vcpu_run()          the guest runs
 *     handle_exit()             kretprobe, entry: PSTATE.SS        R1
 *       handlers                kvm_skip_instr() (inline)          R3
 *                               kvm_inject_*(): kprobes            R3
 *                               kvm_handle_guest_debug()
 *                               kretprobe, return: step reported   R2
 *
 * and from other ioctls: KVM_SET_GUEST_DEBUG (tp kvm_set_guest_debug,
 * hooks.c, R5), KVM_SET_VCPU_EVENTS (kvm_inject_dabt(), R3).  Nothing
 * else changes the step state (ss_rules.c), so nothing else is hooked.
 *
 * kvm_skip_instr() is __always_inline in every handler that completes a
 * trapped instruction, so it has no place of its own to hook.  Its host
 * callers are kvm_handle_mmio_return() (kprobed) and the exit handlers
 * under handle_exit(), which the kretprobe brackets: inside handle_exit()
 * the only way the PC moves forward by exactly the trapped instruction's
 * length (ESR_ELx.IL) is kvm_skip_instr(), so that is where R3 is known.
 * (The one other PC change there, the rewind of an HVC or SMC when an
 * SError is pending, goes backwards.)  The hyp's own __kvm_skip_instr()
 * (vGIC CPU interface and TX2 traps handled at EL2) needs no hook: it
 * writes SPSR.SS = 0 and returns straight to the guest, so the hardware
 * takes the step exception, which R1 and R2 see.
 *
 * The step state lives in the module's per-vCPU records (vcpu_state.c).
 * No state is handed from one hook to another through per-CPU variables:
 * each hook finds the vCPU from its arguments or from
 * kvm_get_running_vcpu(), and its record.
 */
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

/*
 * tp kvm_entry: kvm_arm_setup_debug() has set PSTATE.SS; the guest runs
 * next, on this CPU, with interrupts off.  R4.
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

/* What handle_exit() was asked to handle, kept until it returns. */
struct ksf_exit_frame {
	struct kvm_vcpu *vcpu;
	struct ksf_vcpu *rec;
	u64 pc;			/* PC at the exit */
	u32 insn_len;		/* length of the trapped instruction */
	bool trap;		/* a synchronous trap, no SError pending */
};

/* kretprobe handle_exit(vcpu, exception_index), entry: the exit.  R1. */
static int ksf_exit_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ksf_exit_frame *f = (struct ksf_exit_frame *)ri->data;
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	int exception_index = regs->regs[1];
	struct ksf_vcpu *rec = ksf_stepping_rec(vcpu);

	if (likely(!rec))
		return 1;	/* not stepped: no return hook */
	if (!ksf_pstate_ss(vcpu))
		ksf_apply(vcpu, rec, ksf_rule_exit_ss0, "exit-ss0");
	f->vcpu = vcpu;
	f->rec = rec;
	f->pc = *vcpu_pc(vcpu);
	f->insn_len = kvm_vcpu_trap_il_is32bit(vcpu) ? 4 : 2;
	f->trap = !ARM_SERROR_PENDING(exception_index) &&
		  ARM_EXCEPTION_CODE(exception_index) == ARM_EXCEPTION_TRAP;
	return 0;
}

/*
 * kretprobe handle_exit(), return: what KVM did with the exit.  R3 when
 * it skipped the trapped instruction (see the comment at the top), R2
 * when it reported a Software Step exception to userspace.  The record
 * cannot have gone: the vCPU's own thread is in KVM_RUN, and records die
 * with their vCPU.
 */
static int ksf_exit_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ksf_exit_frame *f = (struct ksf_exit_frame *)ri->data;
	struct kvm_vcpu *vcpu = f->vcpu;

	if (!f->trap || !READ_ONCE(ksf_enable))
		return 0;
	/*
	 * EC 0x32 is handled by kvm_handle_guest_debug() alone, which
	 * reports it to userspace and returns 0.
	 */
	if (*vcpu_pc(vcpu) == f->pc + f->insn_len)
		ksf_apply(vcpu, f->rec, ss_rules_on_completed_by_kvm,
			  "completed-by-kvm");
	else if (regs_return_value(regs) == 0 &&
		 ESR_ELx_EC(kvm_vcpu_get_esr(vcpu)) == ESR_ELx_EC_SOFTSTP_LOW)
		ksf_apply(vcpu, f->rec, ss_rules_on_step_reported,
			  "step-reported");
	return 0;
}

static struct kretprobe ksf_exit_krp = {
	.kp.symbol_name = "handle_exit",
	.entry_handler = ksf_exit_entry,
	.handler = ksf_exit_return,
	.data_size = sizeof(struct ksf_exit_frame),
};

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

static struct kprobe ksf_hot_kps[] = {
	{ .symbol_name = "kvm_handle_mmio_return",
	  .pre_handler = ksf_pre_mmio_return },
	{ .symbol_name = "kvm_inject_undefined", .pre_handler = ksf_pre_inject },
	{ .symbol_name = "kvm_inject_dabt", .pre_handler = ksf_pre_inject },
	{ .symbol_name = "kvm_inject_pabt", .pre_handler = ksf_pre_inject },
};

static struct kprobe *ksf_hot_kp_list[ARRAY_SIZE(ksf_hot_kps)];
static unsigned long ksf_hot_missed;	/* kretprobe misses of past armings */
static bool ksf_hot_registered;

static struct ksf_tp ksf_entry_tp = { "kvm_entry", ksf_probe_entry };

/*
 * The hot hooks, all or none, in this order: the entry hook (R4), the
 * handle_exit() kretprobe (R1, R2 and R3 of exit handlers), then the
 * kprobes (the other R3 places).  A stepping vCPU keeps running while
 * they are registered, and every state they set must be cleared by a
 * hook that is already there: were the MMIO kprobe first, a load it
 * completed (R3) would be followed by a step exit that no kretprobe
 * reports (R2), and the step left owed would be taken again, with
 * nothing run, once the entry hook came.  Unregistration runs in the
 * reverse order.
 *
 * kretprobe instances are taken only for stepping vCPUs (the entry
 * handler declines the others), and a stepping vCPU holds one while it
 * waits in handle_exit() (WFI): one per possible record, plus one per
 * CPU, so none is ever missed.
 */
static int ksf_510_register_hot(void)
{
	int ret;

	ksf_kprobes_afresh(ksf_hot_kps, ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kps));
	ksf_exit_krp = (struct kretprobe){
		.kp.symbol_name = "handle_exit",
		.entry_handler = ksf_exit_entry,
		.handler = ksf_exit_return,
		.data_size = sizeof(struct ksf_exit_frame),
		.maxactive = ksf_max_vcpus + num_possible_cpus(),
	};

	ret = ksf_tp_register(&ksf_entry_tp);
	if (ret)
		return ret;
	ret = register_kretprobe(&ksf_exit_krp);
	if (ret) {
		pr_err(KSF_NAME ": cannot kretprobe handle_exit: %d\n", ret);
		goto out_entry;
	}
	ret = register_kprobes(ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kp_list));
	if (ret) {
		pr_err(KSF_NAME ": cannot kprobe KVM's completion points: %d\n",
		       ret);
		goto out_kretprobe;
	}
	ksf_hot_registered = true;
	return 0;

out_kretprobe:
	unregister_kretprobe(&ksf_exit_krp);
out_entry:
	ksf_tp_unregister(&ksf_entry_tp);
	return ret;
}

/*
 * The reverse of ksf_510_register_hot().  unregister_k*probes() wait
 * for their handlers in flight; a handle_exit() still running when its
 * kretprobe goes returns through the kprobes trampoline without calling
 * the handler.
 */
static void ksf_510_unregister_hot(void)
{
	unregister_kprobes(ksf_hot_kp_list, ARRAY_SIZE(ksf_hot_kp_list));
	ksf_hot_missed += ksf_exit_krp.nmissed;
	unregister_kretprobe(&ksf_exit_krp);
	ksf_tp_unregister(&ksf_entry_tp);
	ksf_hot_registered = false;
}

static unsigned long ksf_510_hot_missed(void)
{
	return ksf_hot_missed +
	       (ksf_hot_registered ? ksf_exit_krp.nmissed : 0);
}

/* KVM_SET_GUEST_DEBUG, valid @control: R5 on the record's state */
static void ksf_510_set_guest_debug(const struct kvm_vcpu *vcpu,
				    struct ksf_vcpu *rec, u32 control)
{
	bool before = ksf_state(rec)->active_pending;

	ss_rules_on_set_guest_debug(&rec->ss, control);
	ksf_count_pending_change(before, rec->ss.active_pending);
	trace_kvm_ss_fix_set_guest_debug(vcpu->vcpu_id, control,
					 rec->ss.active_pending);
}

/* At load: what the hot hooks need to find in the kernel. */
static int ksf_510_prepare(void)
{
	struct ksf_tp *tps[] = { &ksf_entry_tp };

	ksf_running_vcpu = (void *)ksf_symbol("kvm_get_running_vcpu");
	if (!ksf_running_vcpu) {
		pr_err(KSF_NAME ": kvm_get_running_vcpu not found\n");
		return -ENOENT;
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

