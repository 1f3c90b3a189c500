// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the module's kernel detection (kvm_ss_fix/detect.h): the
 * verdict and the reason given for real and made-up kernels, from the
 * facts detect.c gathers at load time.  TAP output (kselftest harness).
 */
#include <string.h>

#include "kselftest_harness.h"
#include "../kvm_ss_fix/detect.h"

/* Debian 11's 5.10: the run loop the hooks are written and tested for */
static const struct ksf_kernel_facts k510 = {
	.kvm = true, .setup_debug = true, .mmio_return = true,
	.handle_exit = true, .vcpu_destroy = true, .inject_undef = true,
	.running_vcpu = true, .major = 5, .minor = 10,
};

/* 5.11, and 5.12.y before the __kvm_adjust_pc() backport */
static struct ksf_kernel_facts k511(unsigned int minor)
{
	struct ksf_kernel_facts k = k510;

	k.inject_exception = true;
	k.minor = minor;
	return k;
}

/* 5.12.y with the backport, 5.13 and later: __kvm_adjust_pc() */
static struct ksf_kernel_facts k_adjust_pc(unsigned int major,
					   unsigned int minor)
{
	struct ksf_kernel_facts k = k510;

	k.adjust_pc = true;
	k.major = major;
	k.minor = minor;
	return k;
}

/* 6.1 - 6.13: the run loop hooks_61.c is written for */
static struct ksf_kernel_facts k61(unsigned int minor)
{
	struct ksf_kernel_facts k = k_adjust_pc(6, minor);

	k.vcpu_load = true;
	k.sigset_deactivate = true;
	k.pending_flag = true;
	return k;
}

static void expect(struct __test_metadata *_metadata,
		   const struct ksf_kernel_facts *k, enum ksf_kernel verdict,
		   const char *why_start)
{
	const char *why = "(unset)";
	enum ksf_kernel got = ksf_decide(k, &why);

	TH_LOG("%u.%u: %s", k->major, k->minor, why);
	ASSERT_EQ(verdict, got);
	ASSERT_NE(NULL, why);
	ASSERT_EQ(0, strncmp(why, why_start, strlen(why_start)));
}

TEST(v5_10_needs_fix)
{
	struct ksf_kernel_facts k = k510;

	expect(_metadata, &k, KSF_KERNEL_NEEDS_FIX_510,
	       "KVM re-arms PSTATE.SS on every entry (5.10)");
}

/* each symbol the hooks rely on is required */
TEST(v5_10_missing_symbol_refused)
{
	static const char *const why[] = {
		"no kvm_handle_mmio_return:", "no handle_exit:",
		"no kvm_arch_vcpu_destroy:", "no kvm_inject_undefined:",
		"no kvm_get_running_vcpu:",
	};
	struct ksf_kernel_facts k;
	int i;

	for (i = 0; i < 5; i++) {
		k = k510;
		k.mmio_return = i != 0;
		k.handle_exit = i != 1;
		k.vcpu_destroy = i != 2;
		k.inject_undef = i != 3;
		k.running_vcpu = i != 4;
		expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, why[i]);
	}
}

/*
 * the 5.10 symbols, but a release it was never tested on: 5.7 and 5.8
 * have them all, with handle_exit(vcpu, run, exception_index)
 */
TEST(release_other_than_5_10_refused)
{
	static const unsigned int rel[][2] = {
		{ 0, 0 }, { 4, 19 }, { 5, 4 }, { 5, 7 }, { 5, 8 }, { 5, 9 },
		{ 5, 11 }, { 6, 1 },
	};
	struct ksf_kernel_facts k;
	int i;

	for (i = 0; i < 8; i++) {
		k = k510;
		k.major = rel[i][0];
		k.minor = rel[i][1];
		expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED,
		       "a release other than 5.10: the hooks are written and tested for 5.10");
	}
}

TEST(v5_11_and_early_5_12_refused)
{
	struct ksf_kernel_facts k = k511(11);

	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "kvm_inject_exception:");
	k = k511(12);
	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "kvm_inject_exception:");
	/* the mark of the run loop decides, not the version number */
	k.minor = 10;
	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "kvm_inject_exception:");
}

TEST(v5_12_y_with_adjust_pc_refused)
{
	struct ksf_kernel_facts k = k_adjust_pc(5, 12);

	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "__kvm_adjust_pc:");
	/* the backport left kvm_inject_exception() static, maybe listed */
	k.inject_exception = true;
	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "__kvm_adjust_pc:");
	k = k_adjust_pc(6, 0);
	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "__kvm_adjust_pc:");
}

TEST(v6_1_to_6_13_early_return_fixed)
{
	static const unsigned int minor[] = { 1, 6, 12, 13 };
	struct ksf_kernel_facts k;
	int i;

	for (i = 0; i < 4; i++) {
		k = k61(minor[i]);
		expect(_metadata, &k, KSF_KERNEL_NEEDS_FIX_61,
		       "KVM_RUN loses the step owed when it returns before guest entry (6.1 - 6.13)");
	}
}

/* each symbol the 6.1 hooks rely on is required, and the kernel's flag */
TEST(v6_1_missing_symbol_refused)
{
	static const char *const why[] = {
		"no vcpu_load:", "no kvm_sigset_deactivate:",
		"no kvm_arch_vcpu_destroy:",
		"module built without DBG_SS_ACTIVE_PENDING",
	};
	struct ksf_kernel_facts k;
	int i;

	for (i = 0; i < 4; i++) {
		k = k61(12);
		k.vcpu_load = i != 0;
		k.sigset_deactivate = i != 1;
		k.vcpu_destroy = i != 2;
		k.pending_flag = i != 3;
		expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, why[i]);
	}
}

/* kvm_arm_setup_debug() on a release that should have dropped it */
TEST(v6_14_with_setup_debug_refused)
{
	struct ksf_kernel_facts k = k61(14);

	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED,
	       "kvm_arm_setup_debug on a 6.14+ release:");
}

/* 5.10 with patches/5.10.y: its own helper names it */
TEST(v5_10_with_stable_series_already_right)
{
	struct ksf_kernel_facts k = k510;

	k.ss_completed = true;
	expect(_metadata, &k, KSF_KERNEL_FIXED,
	       "kvm_arm_ss_completed: the 5.10.y stable series keeps the step state");
	k.preempt_rt = true;
	expect(_metadata, &k, KSF_KERNEL_FIXED,
	       "kvm_arm_ss_completed: the 5.10.y stable series keeps the step state");
}

TEST(v6_14_and_later_already_right)
{
	struct ksf_kernel_facts k = k_adjust_pc(6, 14);

	k.setup_debug = false;
	expect(_metadata, &k, KSF_KERNEL_FIXED,
	       "KVM keeps the step state itself (6.14+ debug rework)");
	k.major = 7;
	k.minor = 3;
	expect(_metadata, &k, KSF_KERNEL_FIXED,
	       "KVM keeps the step state itself (6.14+ debug rework)");
}

/* the hooks would sleep in atomic context: refused where they would run */
TEST(preempt_rt_refused)
{
	struct ksf_kernel_facts k = k510;

	k.preempt_rt = true;
	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED,
	       "PREEMPT_RT kernel: the step probes run with preemption off and would take sleeping locks; not supported");
}

/* ... and a kernel that needs nothing is left alone, RT or not */
TEST(preempt_rt_already_right)
{
	struct ksf_kernel_facts k = k61(12);

	k.setup_debug = false;
	k.preempt_rt = true;
	expect(_metadata, &k, KSF_KERNEL_FIXED, "KVM keeps the step state");
}

/* 6.1 - 6.13 PREEMPT_RT (Debian's 6.12+deb12 RT has KVM): refused */
TEST(preempt_rt_6_12_refused)
{
	struct ksf_kernel_facts k = k61(12);

	k.preempt_rt = true;
	expect(_metadata, &k, KSF_KERNEL_UNSUPPORTED, "PREEMPT_RT kernel:");
}

TEST_HARNESS_MAIN
