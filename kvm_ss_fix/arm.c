// SPDX-License-Identifier: GPL-2.0-only
/*
 * Arming: the per-exit ("hot") hooks exist only while some vCPU has host
 * single-step on, or holds its interrupts back (irq_hold.c).
 *
 * Every guest entry and exit of every VM passes the hot hooks, and even a
 * probe that returns at once costs measurably there, so a VM that nobody
 * steps must not pay for them.  KVM_SET_GUEST_DEBUG (always hooked, and
 * rare) counts the vCPUs that step and arms the hot hooks before the
 * ioctl returns to userspace, from a task_work of the calling thread, so
 * the vCPU's first stepping KVM_RUN is already seen; they are disarmed a
 * few seconds after the last vCPU stops stepping.  hooks.c says which
 * hooks these are; this file only decides when they exist.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/workqueue.h>

#include "kvm_ss_fix.h"

/* without KVM's debugfs, how long a new module looks for stepping vCPUs */
#define KSF_INITIAL_LOOK	(HZ / 2)

atomic_t ksf_served_vcpus = ATOMIC_INIT(0);

static DEFINE_RAW_SPINLOCK(ksf_stepping_lock);	/* rec->stepping, ->holding */
static DEFINE_MUTEX(ksf_arm_lock);	/* ksf_armed and the hot hooks */
static bool ksf_armed;
static bool ksf_disarming;		/* a disarm may be under way */
static bool ksf_arming_allowed;		/* false once the module is leaving */

static void ksf_request_arm(void);
static void ksf_request_disarm(void);

static bool ksf_served(const struct ksf_vcpu *rec)
{
	return rec->stepping || rec->holding;
}

/*
 * Set @rec's @field (its stepping or holding) to @on, and count @rec in
 * or out of the vCPUs the hot hooks serve.  The vCPU's own ioctls, its
 * destruction and the load-time scan can race here, hence the lock; the
 * unlocked test keeps the entry path cheap.
 */
static void ksf_set_served(struct ksf_vcpu *rec, bool *field, bool on)
{
	unsigned long flags;
	bool before, after;

	if (READ_ONCE(*field) == on)
		return;
	raw_spin_lock_irqsave(&ksf_stepping_lock, flags);
	before = ksf_served(rec);
	WRITE_ONCE(*field, on);
	after = ksf_served(rec);
	raw_spin_unlock_irqrestore(&ksf_stepping_lock, flags);
	if (before == after)
		return;
	if (after) {
		/* full barrier against ksf_disarm_if_idle(), see there */
		atomic_inc_return(&ksf_served_vcpus);
		ksf_request_arm();
	} else if (atomic_dec_and_test(&ksf_served_vcpus)) {
		ksf_request_disarm();
	}
}

void ksf_set_stepping(struct ksf_vcpu *rec, bool stepping)
{
	ksf_set_served(rec, &rec->stepping, stepping);
}

/*
 * A vCPU that holds its interrupts back (KVM_GUESTDBG_BLOCKIRQ) keeps the
 * module loaded: rmmod fails with EBUSY rather than end a hold the VMM
 * asked for.  @rec's holding changes only in its vCPU's own ioctl or in
 * its teardown, never both at once; the caller holds a reference of its
 * own while turning the hold on.
 */
void ksf_set_holding(struct ksf_vcpu *rec, bool holding)
{
	if (READ_ONCE(rec->holding) == holding)
		return;
	if (holding)
		__module_get(THIS_MODULE);
	ksf_set_served(rec, &rec->holding, holding);
	if (!holding)
		module_put(THIS_MODULE);
}

static void ksf_disarm_locked(void)
{
	lockdep_assert_held(&ksf_arm_lock);
	if (!ksf_armed)
		return;
	ksf_hot_hooks_unregister();
	WRITE_ONCE(ksf_armed, false);
}

static void ksf_arm(void)
{
	int ret;

	mutex_lock(&ksf_arm_lock);
	if (!ksf_armed && ksf_arming_allowed) {
		ret = ksf_hot_hooks_register();
		if (ret) {
			ksf_count(KSF_ARM_FAILED);
		} else {
			WRITE_ONCE(ksf_armed, true);
			ksf_count(KSF_ARMED);
		}
	}
	mutex_unlock(&ksf_arm_lock);
}

/*
 * A vCPU may start stepping while the hooks are being removed.  Either
 * this sees its count, or it sees ksf_disarming and asks to arm, which
 * waits for ksf_arm_lock and so re-arms once the removal is done, still
 * before its ioctl returns: the barriers pair with atomic_inc_return() in
 * ksf_set_served().
 */
static void ksf_disarm_if_idle(struct work_struct *work)
{
	mutex_lock(&ksf_arm_lock);
	WRITE_ONCE(ksf_disarming, true);
	smp_mb();	/* flag before count; pairs with atomic_inc_return() */
	if (ksf_armed && !atomic_read(&ksf_served_vcpus)) {
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
 * A vCPU turned host single-step on: make sure the hot hooks are there
 * before its next KVM_RUN.  Called from a tracepoint probe (atomic).
 */
static void ksf_request_arm(void)
{
	struct ksf_arm_request *req;

	if (KSF_BREAK_SLEEP) {
		/*
		 * The bug: arming wants ksf_arm_lock, a mutex, right here.
		 * Only the checks of mutex_lock() are made: really sleeping
		 * here, while an arming holds the mutex, wrecks the kernel
		 * (oopses, then OOM) long before the run can report it.
		 */
		might_sleep();
		might_lock(&ksf_arm_lock);
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

static void ksf_request_disarm(void)
{
	/* the hot hooks stay this long after the last vCPU stops stepping */
	mod_delayed_work(system_wq, &ksf_disarm_work,
			 msecs_to_jiffies(READ_ONCE(ksf_disarm_delay_ms)));
}

/* process context: arm now if any vCPU is stepping */
static void ksf_arm_if_stepping(void)
{
	if (atomic_read(&ksf_served_vcpus))
		ksf_arm();
}

/*
 * vCPUs may have turned single-step on before the module loaded, and a
 * program that set it once will not repeat KVM_SET_GUEST_DEBUG: find them
 * (scan.c) and count them, which arms the hooks.  KVM_SET_GUEST_DEBUG is
 * already hooked, so none can turn it on unseen in between.
 */
void ksf_arming_start(void)
{
	mutex_lock(&ksf_arm_lock);
	ksf_arming_allowed = true;
	mutex_unlock(&ksf_arm_lock);

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

/* No new arming, and the hot hooks gone. */
void ksf_arming_stop(void)
{
	mutex_lock(&ksf_arm_lock);
	ksf_arming_allowed = false;
	ksf_disarm_locked();
	mutex_unlock(&ksf_arm_lock);
}

/*
 * No work left queued, and no task_work caller still in the module.  The
 * caller has already removed every hook that could queue them again.
 */
void ksf_arming_flush(void)
{
	cancel_work_sync(&ksf_arm_work);
	cancel_delayed_work_sync(&ksf_disarm_work);
	/* a task_work caller may still be returning from module_put() */
	synchronize_rcu_tasks();
}

bool ksf_hooks_armed(void)
{
	return READ_ONCE(ksf_armed);
}
