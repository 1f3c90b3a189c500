// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_ss_fix: keep KVM/arm64 host single-step exact on kernels that lose
 * the active-pending step state, and let a debugger step with the guest's
 * interrupts held back (KVM_GUESTDBG_BLOCKIRQ) on every kernel.  See
 * Documentation/kvm-ss-fix.rst.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>

#include "kvm_ss_fix.h"

#define KSF_VERSION "0.1"
#define KSF_MAX_VCPUS_LIMIT 65536
#define KSF_DISARM_DELAY_LIMIT_MS 60000

bool ksf_enable = true;
atomic_t ksf_enable_epoch = ATOMIC_INIT(0);

/*
 * While `enable` is 0 the hooks follow nothing, so the step state kept
 * from before is stale when it goes back to 1: start a new epoch, in
 * which every record starts afresh (hooks.c, ksf_state()).
 */
static int ksf_set_enable(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	if (on && !READ_ONCE(ksf_enable)) {
		atomic_inc(&ksf_enable_epoch);
		/* the epoch before `enable`: pairs with smp_rmb() in ksf_state() */
		smp_wmb();
	}
	WRITE_ONCE(ksf_enable, on);
	return 0;
}

static const struct kernel_param_ops ksf_enable_ops = {
	.set = ksf_set_enable,
	.get = param_get_bool,
};

module_param_cb(enable, &ksf_enable_ops, &ksf_enable, 0644);
__MODULE_PARM_TYPE(enable, "bool");
MODULE_PARM_DESC(enable, "Apply the step rules (default 1); 0 behaves like the stock kernel while loaded");

/* Set an unsigned parameter, refusing values outside [@min, @max]. */
static int ksf_set_uint_in(const char *val, const struct kernel_param *kp,
			   unsigned int min, unsigned int max)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (n < min || n > max) {
		pr_err(KSF_NAME ": %s=%u out of range %u..%u\n", kp->name, n,
		       min, max);
		return -ERANGE;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, n);
	return 0;
}

unsigned int ksf_max_vcpus = 4096;

static int ksf_set_max_vcpus(const char *val, const struct kernel_param *kp)
{
	return ksf_set_uint_in(val, kp, 1, KSF_MAX_VCPUS_LIMIT);
}

static const struct kernel_param_ops ksf_max_vcpus_ops = {
	.set = ksf_set_max_vcpus,
	.get = param_get_uint,
};

module_param_cb(max_vcpus, &ksf_max_vcpus_ops, &ksf_max_vcpus, 0444);
__MODULE_PARM_TYPE(max_vcpus, "uint");
MODULE_PARM_DESC(max_vcpus, "Most vCPUs single-stepped at once (1..65536, default 4096)");

unsigned int ksf_disarm_delay_ms = 5000;

static int ksf_set_disarm_delay(const char *val, const struct kernel_param *kp)
{
	return ksf_set_uint_in(val, kp, 1, KSF_DISARM_DELAY_LIMIT_MS);
}

static const struct kernel_param_ops ksf_disarm_delay_ops = {
	.set = ksf_set_disarm_delay,
	.get = param_get_uint,
};

module_param_cb(disarm_delay_ms, &ksf_disarm_delay_ops, &ksf_disarm_delay_ms,
		0644);
__MODULE_PARM_TYPE(disarm_delay_ms, "uint");
MODULE_PARM_DESC(disarm_delay_ms, "How long the per-exit hooks stay after the last vCPU stops stepping (1..60000 ms, default 5000)");

/* the hold is known to be available or not once the module has loaded */
static bool ksf_irq_hold_checked;
bool ksf_block_irq_when_stepping;

static int ksf_set_block_irq(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	if (on && ksf_irq_hold_checked && !ksf_irq_hold_available()) {
		pr_err(KSF_NAME ": block_irq_when_stepping: interrupts cannot be held back on this host (see the load line)\n");
		return -EOPNOTSUPP;
	}
	WRITE_ONCE(ksf_block_irq_when_stepping, on);
	return 0;
}

static const struct kernel_param_ops ksf_block_irq_ops = {
	.set = ksf_set_block_irq,
	.get = param_get_bool,
};

module_param_cb(block_irq_when_stepping, &ksf_block_irq_ops,
		&ksf_block_irq_when_stepping, 0644);
__MODULE_PARM_TYPE(block_irq_when_stepping, "bool");
MODULE_PARM_DESC(block_irq_when_stepping, "Hold interrupts back for every host single-step, as if the VMM set KVM_GUESTDBG_BLOCKIRQ (default 0)");

atomic_long_t ksf_counters[KSF_NR_COUNTERS];

const char *const ksf_counter_names[KSF_NR_COUNTERS] = {
	[KSF_PENDING_SET] = "pending_set",
	[KSF_PENDING_CLEARED] = "pending_cleared",
	[KSF_SS_FORCED] = "ss_forced",
	[KSF_SS_ALREADY_CLEAR] = "ss_already_clear",
	[KSF_RECORDS_CREATED] = "records_created",
	[KSF_RECORDS_FREED] = "records_freed",
	[KSF_RECORD_ALLOC_FAILED] = "record_alloc_failed",
	[KSF_RECORD_LIMIT_HIT] = "record_limit_hit",
	[KSF_ARMED] = "armed",
	[KSF_DISARMED] = "disarmed",
	[KSF_ARM_LATE] = "arm_late",
	[KSF_ARM_FAILED] = "arm_failed",
	[KSF_SCAN_UNAVAILABLE] = "scan_unavailable",
	[KSF_IRQ_HELD] = "irq_held_entries",
	[KSF_IRQ_HOLD_REFUSED] = "irq_hold_refused",
	[KSF_IRQ_HOLD_NO_VGIC] = "irq_hold_no_vgic",
};

static bool ksf_active;
static struct dentry *ksf_debugfs;

static int ksf_stats_show(struct seq_file *m, void *v)
{
	int i;

	seq_printf(m, "active %d\n", ksf_active);
	seq_printf(m, "hot_probes_armed %d\n", ksf_active && ksf_hooks_armed());
	seq_printf(m, "irq_hold_available %d\n",
		   ksf_active && ksf_irq_hold_available());
	seq_printf(m, "served_vcpus %d\n", atomic_read(&ksf_served_vcpus));
	seq_printf(m, "records_live %ld\n", ksf_vcpu_live());
	for (i = 0; i < KSF_NR_COUNTERS; i++)
		seq_printf(m, "%s %ld\n", ksf_counter_names[i],
			   atomic_long_read(&ksf_counters[i]));
	seq_printf(m, "kprobe_missed %lu\n", ksf_active ? ksf_hooks_missed() : 0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ksf_stats);

static void ksf_debugfs_init(void)
{
	ksf_debugfs = debugfs_create_dir(KSF_NAME, NULL);
	debugfs_create_file("stats", 0444, ksf_debugfs, NULL, &ksf_stats_fops);
}

/*
 * Hook a kernel of generation @set (the step rules it needs, if any, and
 * the hold); say so, or why not.
 */
static int __init ksf_activate(const struct ksf_hook_set *set,
			       const char *why)
{
	int ret = ksf_hooks_register(set);

	if (ret) {
		pr_err(KSF_NAME ": not loaded, nothing hooked (%d)\n", ret);
		return ret;
	}
	ksf_active = true;
	if (set == &ksf_hooks_none)
		pr_info(KSF_NAME ": step rules inactive: kernel already right: %s\n",
			why);
	else
		pr_info(KSF_NAME ": active: %s; %s\n", why, set->what);
	return 0;
}

/* The second load line: what becomes of KVM_GUESTDBG_BLOCKIRQ here. */
static void __init ksf_report_irq_hold(const char *why)
{
	if (!ksf_active)
		return;
	if (why)
		pr_info(KSF_NAME ": KVM_GUESTDBG_BLOCKIRQ not provided: %s\n",
			why);
	else
		pr_info(KSF_NAME ": KVM_GUESTDBG_BLOCKIRQ provided: interrupts held back at the vGICv3 CPU interface (ICH_HCR_EL2.En)%s\n",
			ksf_block_irq_when_stepping ?
			", for every host single-step (block_irq_when_stepping)" :
			"");
}

static int __init kvm_ss_fix_init(void)
{
	const char *why, *hold_why;
	bool hold;
	int ret;

	if (KSF_BROKEN)
		pr_warn(KSF_NAME ": built with a deliberate bug (KSF_BREAK_*) for scripts/check-debug: never use this build\n");
	hold = ksf_irq_hold_prepare(&hold_why);
	ksf_irq_hold_checked = true;
	if (ksf_block_irq_when_stepping && !hold) {
		pr_err(KSF_NAME ": refusing to load: block_irq_when_stepping=1, but interrupts cannot be held back here: %s\n",
		       hold_why);
		return -EOPNOTSUPP;
	}
	switch (ksf_detect_kernel(&why)) {
	case KSF_KERNEL_FIXED:
		if (!hold) {
			pr_info(KSF_NAME ": inactive, nothing hooked: kernel already right: %s; KVM_GUESTDBG_BLOCKIRQ not provided: %s\n",
				why, hold_why);
			break;
		}
		ret = ksf_activate(&ksf_hooks_none, why);
		if (ret)
			return ret;
		break;
	case KSF_KERNEL_UNSUPPORTED:
		pr_err(KSF_NAME ": refusing to load: %s\n", why);
		return -EOPNOTSUPP;
	case KSF_KERNEL_NEEDS_FIX_510:
		ret = ksf_activate(&ksf_hooks_510, why);
		if (ret)
			return ret;
		break;
	case KSF_KERNEL_NEEDS_FIX_61:
		ret = ksf_activate(&ksf_hooks_61, why);
		if (ret)
			return ret;
		break;
	}
	ksf_report_irq_hold(hold_why);
	ksf_debugfs_init();
	return 0;
}

static void __exit kvm_ss_fix_exit(void)
{
	debugfs_remove_recursive(ksf_debugfs);
	if (ksf_active) {
		/*
		 * The hooks go one after the other; a vCPU stepping meanwhile
		 * must not meet the entry hook without the exit hooks that
		 * report its steps (a stop at the same PC on every KVM_RUN):
		 * from here every hook does nothing, as on the stock kernel.
		 */
		WRITE_ONCE(ksf_enable, false);
		ksf_hooks_unregister();
		ksf_vcpu_forget_all();
		rcu_barrier();
	}
	pr_info(KSF_NAME ": unloaded, %ld step records left\n", ksf_vcpu_live());
}

module_init(kvm_ss_fix_init);
module_exit(kvm_ss_fix_exit);

MODULE_DESCRIPTION("Exact KVM/arm64 host single-step on long-term kernels");
MODULE_VERSION(KSF_VERSION);
MODULE_AUTHOR("kvm-ss-fix developers");
MODULE_LICENSE("GPL");
