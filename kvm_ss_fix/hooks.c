// SPDX-License-Identifier: GPL-2.0-only
/*
 * Glue between KVM/arm64 (Linux 5.0 - 5.10) and the step rules.
 *
 * KVM is built into the kernel on arm64, so the module hooks it from the
 * outside.  KVM's own tracepoints sit exactly where the rules need to
 * look, and a tracepoint probe costs a function call where a kprobe on
 * arm64 costs two debug exceptions; every probe returns at once unless
 * the vCPU is being single-stepped, so other VMs pay nothing measurable
 * (see Documentation/kvm-ss-fix.rst, "Cost").  KVM_RUN's inner loop:
 *
 *   kvm_handle_mmio_return()       completes an MMIO access, PC += 4
 *   loop:
 *     kvm_arm_setup_debug()        tp kvm_arm_setup_debug: decide SS
 *                                  ... then KVM sets PSTATE.SS = 1
 *     trace_kvm_entry()            tp kvm_entry: apply the decision
 *     __kvm_vcpu_run()             the guest runs
 *     kvm_arm_clear_debug()
 *     trace_kvm_exit()             tp kvm_exit: record the exit
 *     handle_exit()                may complete the instruction, PC += 4
 *
 * kvm_arm_setup_debug() to trace_kvm_exit() run on one CPU with
 * preemption disabled, so the decision is handed from one probe to the
 * next through a per-CPU slot, and a synchronize_rcu() after unregistering
 * the first probe guarantees every slot has been consumed.
 */
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/tracepoint.h>
#include <asm/debug-monitors.h>
#include <asm/esr.h>
#include <asm/kvm_asm.h>
#include <asm/kvm_emulate.h>

#include "kvm_ss_fix.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* arch/arm64/kvm/guest.c refuses any other bit with -EINVAL */
#define KSF_GUESTDBG_VALID	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW)

/* the vCPU between kvm_arm_setup_debug and its exit on this CPU */
struct ksf_in_guest {
	struct kvm_vcpu *vcpu;
	struct ksf_vcpu *rec;
	bool clear_ss;
};

static DEFINE_PER_CPU(struct ksf_in_guest, ksf_in_guest);

static bool ksf_pstate_ss(const struct kvm_vcpu *vcpu)
{
	return *vcpu_cpsr(vcpu) & DBG_SPSR_SS;
}

static bool ksf_single_stepping(u32 guest_debug)
{
	return (guest_debug & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)) ==
	       (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
}

static void ksf_count_pending_change(bool before, bool after)
{
	if (!before && after)
		ksf_count(KSF_PENDING_SET);
	else if (before && !after)
		ksf_count(KSF_PENDING_CLEARED);
}

/* tp kvm_set_guest_debug: KVM_SET_GUEST_DEBUG, before KVM checks it */
static void ksf_probe_set_guest_debug(void *data, struct kvm_vcpu *vcpu,
				      u32 control)
{
	struct ksf_vcpu *rec;
	bool before;

	if (control & ~KSF_GUESTDBG_VALID)
		return;		/* KVM refuses it; nothing changes */

	rec = ksf_single_stepping(control) ? ksf_vcpu_get(vcpu) :
					     ksf_vcpu_find(vcpu);
	if (!rec)
		return;
	before = rec->ss.active_pending;
	ss_rules_on_set_guest_debug(&rec->ss, control);
	ksf_count_pending_change(before, rec->ss.active_pending);
	trace_kvm_ss_fix_set_guest_debug(vcpu->vcpu_id, control,
					 rec->ss.active_pending);
}

/* tp kvm_arm_setup_debug: before KVM arms PSTATE.SS for the entry */
static void ksf_probe_setup_debug(void *data, struct kvm_vcpu *vcpu,
				  u32 guest_debug)
{
	struct ksf_in_guest *slot;
	struct ksf_vcpu *rec;
	bool before;

	if (likely(!ksf_single_stepping(guest_debug)) || !READ_ONCE(ksf_enable))
		return;
	rec = ksf_vcpu_get(vcpu);
	if (!rec)
		return;

	slot = this_cpu_ptr(&ksf_in_guest);
	slot->vcpu = vcpu;
	slot->rec = rec;
	before = rec->ss.active_pending;
	slot->clear_ss = !ss_rules_entry_ss(&rec->ss, vcpu->stat.exits,
					    ksf_pstate_ss(vcpu));
	ksf_count_pending_change(before, rec->ss.active_pending);
}

/* tp kvm_entry: KVM has armed PSTATE.SS; the guest runs next */
static void ksf_probe_entry(void *data, unsigned long pc)
{
	struct ksf_in_guest *slot = this_cpu_ptr(&ksf_in_guest);
	struct kvm_vcpu *vcpu = slot->vcpu;

	if (likely(!vcpu))
		return;
	if (slot->clear_ss) {
		/*
		 * Enter active-pending (Arm ARM D2.12.4): the owed Software
		 * Step exception is taken before any guest instruction.
		 */
		if (!ksf_pstate_ss(vcpu))
			ksf_count(KSF_SS_ALREADY_CLEAR);
		*vcpu_cpsr(vcpu) &= ~DBG_SPSR_SS;
		ksf_count(KSF_SS_FORCED);
	}
	trace_kvm_ss_fix_entry(vcpu->vcpu_id, pc, slot->clear_ss);
}

/* tp kvm_exit: back from the guest, before handle_exit() */
static void ksf_probe_exit(void *data, int ret, unsigned int esr_ec,
			   unsigned long pc)
{
	struct ksf_in_guest *slot = this_cpu_ptr(&ksf_in_guest);
	struct kvm_vcpu *vcpu = slot->vcpu;
	struct ss_exit exit;
	bool before;

	if (likely(!vcpu))
		return;
	slot->vcpu = NULL;

	exit.seq = vcpu->stat.exits;
	exit.pstate_ss = ksf_pstate_ss(vcpu);
	exit.softstep = ARM_EXCEPTION_IS_TRAP(ret) &&
			esr_ec == ESR_ELx_EC_SOFTSTP_LOW;
	before = slot->rec->ss.active_pending;
	ss_rules_on_exit(&slot->rec->ss, &exit);
	ksf_count_pending_change(before, slot->rec->ss.active_pending);
	trace_kvm_ss_fix_exit(vcpu->vcpu_id, pc, exit.pstate_ss, exit.softstep,
			      slot->rec->ss.active_pending);
}

/* kprobe kvm_arch_vcpu_destroy: the record dies with its vCPU */
static int ksf_pre_vcpu_destroy(struct kprobe *p, struct pt_regs *regs)
{
	ksf_vcpu_forget((const struct kvm_vcpu *)regs->regs[0]);
	return 0;
}

static struct kprobe ksf_vcpu_destroy_kp = {
	.symbol_name = "kvm_arch_vcpu_destroy",
	.pre_handler = ksf_pre_vcpu_destroy,
};

struct ksf_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

/* registered in this order, unregistered in reverse (see the top) */
static struct ksf_tp ksf_tps[] = {
	{ "kvm_exit", ksf_probe_exit },
	{ "kvm_entry", ksf_probe_entry },
	{ "kvm_arm_setup_debug", ksf_probe_setup_debug },
	{ "kvm_set_guest_debug", ksf_probe_set_guest_debug },
};

static void ksf_match_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ksf_tps); i++)
		if (!strcmp(tp->name, ksf_tps[i].name))
			ksf_tps[i].tp = tp;
}

static int ksf_find_tracepoints(void)
{
	int i;

	for_each_kernel_tracepoint(ksf_match_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(ksf_tps); i++) {
		if (!ksf_tps[i].tp) {
			pr_err(KSF_NAME ": KVM tracepoint %s not found: kernel not supported\n",
			       ksf_tps[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

static void ksf_unregister_tracepoints(void)
{
	int i;

	for (i = ARRAY_SIZE(ksf_tps) - 1; i >= 0; i--) {
		if (!ksf_tps[i].registered)
			continue;
		tracepoint_probe_unregister(ksf_tps[i].tp, ksf_tps[i].probe, NULL);
		ksf_tps[i].registered = false;
		/* in-flight probes done, per-CPU slots consumed */
		tracepoint_synchronize_unregister();
	}
}

static int ksf_register_tracepoints(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(ksf_tps); i++) {
		ret = tracepoint_probe_register(ksf_tps[i].tp, ksf_tps[i].probe,
						NULL);
		if (ret) {
			pr_err(KSF_NAME ": cannot hook tracepoint %s: %d\n",
			       ksf_tps[i].name, ret);
			ksf_unregister_tracepoints();
			return ret;
		}
		ksf_tps[i].registered = true;
	}
	return 0;
}

int ksf_hooks_register(void)
{
	int ret;

	ret = ksf_find_tracepoints();
	if (ret)
		return ret;

	/* before any record can exist, so none outlives its vCPU */
	ret = register_kprobe(&ksf_vcpu_destroy_kp);
	if (ret) {
		pr_err(KSF_NAME ": cannot kprobe %s: %d\n",
		       ksf_vcpu_destroy_kp.symbol_name, ret);
		return ret;
	}

	ret = ksf_register_tracepoints();
	if (ret)
		unregister_kprobe(&ksf_vcpu_destroy_kp);
	return ret;
}

void ksf_hooks_unregister(void)
{
	ksf_unregister_tracepoints();
	unregister_kprobe(&ksf_vcpu_destroy_kp);
}

unsigned long ksf_hooks_missed(void)
{
	return ksf_vcpu_destroy_kp.nmissed;
}
