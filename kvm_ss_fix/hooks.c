// SPDX-License-Identifier: GPL-2.0-only
/*
 * Glue between KVM/arm64 (Linux 5.0 - 5.10) and the step rules.
 *
 * KVM is built into the kernel on arm64, so the module hooks it from the
 * outside.  KVM's own tracepoints sit exactly where the rules need to
 * look, and a tracepoint probe costs a function call where a kprobe on
 * arm64 costs two debug exceptions.  KVM_RUN's inner loop:
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
 *
 * Those three "hot" probes are only registered while some vCPU has host
 * single-step on: every guest exit of every VM passes them, and even a
 * probe that returns at once costs measurably there.  KVM_SET_GUEST_DEBUG
 * (tp kvm_set_guest_debug, always hooked) arms them before the ioctl
 * returns to userspace, from a task_work of the calling thread, so the
 * vCPU's first stepping entry is already seen; they are disarmed a few
 * seconds after the last vCPU stops stepping.  A new module finds vCPUs
 * that were single-stepping before it loaded (scan.c).
 */
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>
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

static void ksf_request_arm(void);
static void ksf_request_disarm(void);

static DEFINE_SPINLOCK(ksf_stepping_lock);	/* rec->stepping changes */

/*
 * Count @rec in or out of the vCPUs that have host single-step on.  The
 * vCPU's own ioctls, its destruction and the load-time scan can race
 * here, hence the lock; the unlocked test keeps the stepping entry path
 * (called on every entry) cheap.
 */
static void ksf_set_stepping(struct ksf_vcpu *rec, bool stepping)
{
	unsigned long flags;
	bool changed;

	if (READ_ONCE(rec->stepping) == stepping)
		return;
	spin_lock_irqsave(&ksf_stepping_lock, flags);
	changed = rec->stepping != stepping;
	WRITE_ONCE(rec->stepping, stepping);
	spin_unlock_irqrestore(&ksf_stepping_lock, flags);
	if (!changed)
		return;
	if (stepping) {
		/* full barrier against ksf_disarm_if_idle(), see there */
		atomic_inc_return(&ksf_stepping_vcpus);
		ksf_request_arm();
	} else if (atomic_dec_and_test(&ksf_stepping_vcpus)) {
		ksf_request_disarm();
	}
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
	ksf_set_stepping(rec, ksf_single_stepping(control));
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
	/* stepping since before the module loaded: keep the probes armed */
	ksf_set_stepping(rec, true);

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
	const struct kvm_vcpu *vcpu = (const struct kvm_vcpu *)regs->regs[0];
	struct ksf_vcpu *rec = ksf_vcpu_find(vcpu);

	if (KSF_BREAK_UAF) {
		/* the bug: the record is freed at once, then still used */
		ksf_vcpu_forget(vcpu);
		if (rec)
			ksf_set_stepping(rec, false);
		return 0;
	}
	if (rec)
		ksf_set_stepping(rec, false);
	ksf_vcpu_forget(vcpu);
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

/* the hot probes: registered in this order, unregistered in reverse */
static struct ksf_tp ksf_hot_tps[] = {
	{ "kvm_exit", ksf_probe_exit },
	{ "kvm_entry", ksf_probe_entry },
	{ "kvm_arm_setup_debug", ksf_probe_setup_debug },
};

/* always registered while the module is active */
static struct ksf_tp ksf_debug_tp = {
	"kvm_set_guest_debug", ksf_probe_set_guest_debug
};

static void ksf_match_tp(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ksf_hot_tps); i++)
		if (!strcmp(tp->name, ksf_hot_tps[i].name))
			ksf_hot_tps[i].tp = tp;
	if (!strcmp(tp->name, ksf_debug_tp.name))
		ksf_debug_tp.tp = tp;
}

static int ksf_check_found(const struct ksf_tp *t)
{
	if (t->tp)
		return 0;
	pr_err(KSF_NAME ": KVM tracepoint %s not found: kernel not supported\n",
	       t->name);
	return -ENOENT;
}

static int ksf_find_tracepoints(void)
{
	int i, ret;

	for_each_kernel_tracepoint(ksf_match_tp, NULL);
	ret = ksf_check_found(&ksf_debug_tp);
	for (i = 0; i < ARRAY_SIZE(ksf_hot_tps) && !ret; i++)
		ret = ksf_check_found(&ksf_hot_tps[i]);
	return ret;
}

static int ksf_tp_register(struct ksf_tp *t)
{
	int ret = tracepoint_probe_register(t->tp, t->probe, NULL);

	if (ret)
		pr_err(KSF_NAME ": cannot hook tracepoint %s: %d\n", t->name, ret);
	t->registered = !ret;
	return ret;
}

static void ksf_tp_unregister(struct ksf_tp *t)
{
	if (!t->registered)
		return;
	tracepoint_probe_unregister(t->tp, t->probe, NULL);
	t->registered = false;
	/* in-flight probes done, per-CPU slots consumed */
	tracepoint_synchronize_unregister();
}

static DEFINE_MUTEX(ksf_arm_lock);	/* ksf_armed and the hot probes */
static bool ksf_armed;
static bool ksf_disarming;		/* a disarm may be under way */
static bool ksf_arming_allowed;		/* false once the module is leaving */

static void ksf_disarm_locked(void)
{
	int i;

	lockdep_assert_held(&ksf_arm_lock);
	for (i = ARRAY_SIZE(ksf_hot_tps) - 1; i >= 0; i--)
		ksf_tp_unregister(&ksf_hot_tps[i]);
	WRITE_ONCE(ksf_armed, false);
}

static void ksf_arm(void)
{
	int i, ret = 0;

	mutex_lock(&ksf_arm_lock);
	if (!ksf_armed && ksf_arming_allowed) {
		for (i = 0; i < ARRAY_SIZE(ksf_hot_tps) && !ret; i++)
			ret = ksf_tp_register(&ksf_hot_tps[i]);
		WRITE_ONCE(ksf_armed, true);
		if (ret) {
			ksf_count(KSF_ARM_FAILED);
			ksf_disarm_locked();
		} else {
			ksf_count(KSF_ARMED);
		}
	}
	mutex_unlock(&ksf_arm_lock);
}

/*
 * A vCPU may start stepping while the probes are being removed.  Either
 * this sees its count, or it sees ksf_disarming and asks to arm, which
 * waits for ksf_arm_lock and so re-arms once the removal is done, still
 * before its ioctl returns: the barriers pair with atomic_inc_return() in
 * ksf_set_stepping().
 */
static void ksf_disarm_if_idle(struct work_struct *work)
{
	mutex_lock(&ksf_arm_lock);
	WRITE_ONCE(ksf_disarming, true);
	smp_mb();	/* flag before count; pairs with atomic_inc_return() */
	if (ksf_armed && !atomic_read(&ksf_stepping_vcpus)) {
		ksf_disarm_locked();
		ksf_count(KSF_DISARMED);
	}
	WRITE_ONCE(ksf_disarming, false);
	mutex_unlock(&ksf_arm_lock);
}

static void ksf_arm_work_fn(struct work_struct *work)
{
	ksf_arm();
}

static DECLARE_WORK(ksf_arm_work, ksf_arm_work_fn);
static DECLARE_DELAYED_WORK(ksf_disarm_work, ksf_disarm_if_idle);

/* hot probes stay this long after the last vCPU stops stepping */
#define KSF_DISARM_DELAY	(5 * HZ)
/* without KVM's debugfs, how long a new module looks for stepping vCPUs */
#define KSF_INITIAL_LOOK	(HZ / 2)

struct ksf_arm_request {
	struct callback_head twork;
};

/* task_work: runs in the ioctl's thread before it returns to userspace */
static void ksf_arm_task_work(struct callback_head *twork)
{
	kfree(container_of(twork, struct ksf_arm_request, twork));
	ksf_arm();
	/*
	 * Nothing of this module runs after this but the return: the kernel
	 * is not preemptible here on Debian (PREEMPT_VOLUNTARY), and module
	 * exit waits for an RCU-tasks grace period for preemptible ones.
	 */
	module_put(THIS_MODULE);
}

/*
 * A vCPU turned host single-step on: make sure the hot probes are there
 * before its next KVM_RUN.  Called from a tracepoint probe (atomic).
 */
static void ksf_request_arm(void)
{
	struct ksf_arm_request *req;

	if (KSF_BREAK_SLEEP) {
		/* the bug: arming wants ksf_arm_lock, a mutex, right here */
		mutex_lock(&ksf_arm_lock);
		mutex_unlock(&ksf_arm_lock);
	}
	if ((READ_ONCE(ksf_armed) && !READ_ONCE(ksf_disarming)) ||
	    !try_module_get(THIS_MODULE))
		return;
	req = kmalloc(sizeof(*req), GFP_ATOMIC);
	if (req) {
		init_task_work(&req->twork, ksf_arm_task_work);
		if (!task_work_add(current, &req->twork, TWA_RESUME))
			return;
		kfree(req);
	}
	module_put(THIS_MODULE);
	/* exiting thread or no memory: arm as soon as a worker can */
	ksf_count(KSF_ARM_LATE);
	schedule_work(&ksf_arm_work);
}

/* process context: arm now if any vCPU is stepping */
static void ksf_arm_if_stepping(void)
{
	if (atomic_read(&ksf_stepping_vcpus))
		ksf_arm();
}

static void ksf_request_disarm(void)
{
	mod_delayed_work(system_wq, &ksf_disarm_work, KSF_DISARM_DELAY);
}

/* scan.c found @vcpu: count it if it is single-stepping */
void ksf_found_vcpu(struct kvm_vcpu *vcpu)
{
	struct ksf_vcpu *rec;

	if (!ksf_single_stepping(READ_ONCE(vcpu->guest_debug)))
		return;
	rec = ksf_vcpu_get(vcpu);
	if (rec)
		ksf_set_stepping(rec, true);
}

/*
 * vCPUs may have turned single-step on before the module loaded, and a
 * program that set it once will not repeat KVM_SET_GUEST_DEBUG: find them
 * (scan.c) and count them, which arms the probes.  KVM_SET_GUEST_DEBUG is
 * already hooked, so none can turn it on unseen in between.
 */
static void ksf_find_stepping_vcpus(void)
{
	if (ksf_scan_existing_vcpus()) {
		/* no VM list to read: watch every entry for a moment instead */
		ksf_count(KSF_SCAN_UNAVAILABLE);
		ksf_arm();
		mod_delayed_work(system_wq, &ksf_disarm_work, KSF_INITIAL_LOOK);
		return;
	}
	/* counting asked this thread's task_work to arm; do not wait for it */
	ksf_arm_if_stepping();
}

bool ksf_hooks_armed(void)
{
	return READ_ONCE(ksf_armed);
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

	ksf_arming_allowed = true;
	ret = ksf_tp_register(&ksf_debug_tp);
	if (ret) {
		unregister_kprobe(&ksf_vcpu_destroy_kp);
		return ret;
	}
	ksf_find_stepping_vcpus();
	return 0;
}

/*
 * Every probe can queue arming or disarming work (a vCPU stepping, or one
 * destroyed while stepping), so the probes go first and the works are
 * cancelled last, when nothing can queue them again.
 */
void ksf_hooks_unregister(void)
{
	/* no new arming: KVM_SET_GUEST_DEBUG is no longer seen */
	ksf_tp_unregister(&ksf_debug_tp);
	mutex_lock(&ksf_arm_lock);
	ksf_arming_allowed = false;
	ksf_disarm_locked();
	mutex_unlock(&ksf_arm_lock);
	unregister_kprobe(&ksf_vcpu_destroy_kp);

	cancel_work_sync(&ksf_arm_work);
	cancel_delayed_work_sync(&ksf_disarm_work);
	/* a task_work caller may still be returning from module_put() */
	synchronize_rcu_tasks();
}

unsigned long ksf_hooks_missed(void)
{
	return ksf_vcpu_destroy_kp.nmissed;
}
