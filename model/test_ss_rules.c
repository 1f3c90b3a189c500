// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the step rules through the host-side model: for each kind
 * of instruction, the exact stops (PC and ESR.ISV) a debugger must see,
 * and the stops stock 5.10 gives instead.  TAP output (kselftest harness).
 */
#include "kselftest_harness.h"
#include "ss_model.h"

#define ENABLE_STEP	0x3	/* KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP */
#define ISV		true
#define NO_ISV		false

/* the test bed's ss-smoke guest, as instruction kinds */
static const enum model_insn smoke[] = {
	INSN_PLAIN, INSN_PLAIN, INSN_HVC, INSN_PLAIN, INSN_PLAIN,
	INSN_MMIO, INSN_PLAIN, INSN_TRAP, INSN_PLAIN, INSN_PLAIN,
	INSN_PLAIN,
};

/* Step @v @n times, completing MMIO like a VMM; collect the stops. */
static int step_n(struct model_vcpu *v, struct model_stop *stops, int n)
{
	int got = 0, guard = 0;

	while (got < n && guard++ < 4 * n)
		if (model_run(v, &stops[got]))
			got++;
	return got;
}

static void expect_stops(struct __test_metadata *_metadata,
			 const struct model_stop *got,
			 const struct model_stop *want, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (got[i].pc == want[i].pc && got[i].isv == want[i].isv)
			continue;
		TH_LOG("stop %d: pc 0x%llx isv %d, expected pc 0x%llx isv %d",
		       i, (unsigned long long)got[i].pc, got[i].isv,
		       (unsigned long long)want[i].pc, want[i].isv);
		ASSERT_TRUE(false);
	}
}

/* The fixed behaviour: every boundary, ISV=0 after KVM-completed ones. */
TEST(smoke_with_rules)
{
	static const struct model_stop want[] = {
		{ 0x04, ISV }, { 0x08, ISV }, { 0x0c, NO_ISV }, { 0x10, ISV },
		{ 0x14, ISV }, { 0x18, NO_ISV }, { 0x1c, ISV },
		{ 0x20, NO_ISV }, { 0x24, ISV }, { 0x28, ISV },
	};
	struct model_stop got[10];
	struct model_vcpu v;

	model_init(&v, smoke, ARRAY_SIZE(smoke), true);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_EQ(10, step_n(&v, got, 10));
	expect_stops(_metadata, got, want, 10);
}

/* Stock 5.10: the boundary after each KVM-completed instruction is lost. */
TEST(smoke_stock_loses_steps)
{
	static const struct model_stop want[] = {
		{ 0x04, ISV }, { 0x08, ISV }, { 0x10, ISV }, { 0x14, ISV },
		{ 0x1c, ISV }, { 0x24, ISV }, { 0x28, ISV },
	};
	struct model_stop got[7];
	struct model_vcpu v;

	model_init(&v, smoke, ARRAY_SIZE(smoke), false);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_EQ(7, step_n(&v, got, 7));
	expect_stops(_metadata, got, want, 7);
}

/* MMIO then a trapped MRS: stock loses two boundaries in a row. */
TEST(mmio_then_trap)
{
	static const enum model_insn prog[] = {
		INSN_MMIO, INSN_TRAP, INSN_PLAIN, INSN_PLAIN,
	};
	static const struct model_stop fixed[] = {
		{ 0x04, NO_ISV }, { 0x08, NO_ISV }, { 0x0c, ISV },
	};
	struct model_stop got[3];
	struct model_vcpu v;

	model_init(&v, prog, ARRAY_SIZE(prog), true);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_EQ(3, step_n(&v, got, 3));
	expect_stops(_metadata, got, fixed, 3);

	model_init(&v, prog, ARRAY_SIZE(prog), false);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_EQ(1, step_n(&v, got, 1));
	ASSERT_EQ(0x0c, got[0].pc);
}

/* SVC lands in the guest's vector: the next stop is the vector (ISV=1). */
TEST(svc_stops_at_vector)
{
	static const enum model_insn prog[] = { INSN_SVC };
	struct model_stop got;
	struct model_vcpu v;

	model_init(&v, prog, ARRAY_SIZE(prog), true);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_TRUE(model_run(&v, &got));
	ASSERT_EQ(v.vector, got.pc);
}

/* R5: turning debug off forgets a pending step; back on steps afresh. */
TEST(debug_off_forgets_pending)
{
	static const enum model_insn prog[] = {
		INSN_HVC, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	};
	struct model_stop got;
	struct model_vcpu v;

	model_init(&v, prog, ARRAY_SIZE(prog), true);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_TRUE(model_run(&v, &got));	/* stop after the HVC */
	ASSERT_EQ(0x04, got.pc);
	model_set_guest_debug(&v, 0);
	ASSERT_FALSE(v.st.active_pending);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_TRUE(model_run(&v, &got));
	ASSERT_EQ(0x08, got.pc);
	ASSERT_TRUE(got.isv);
}

/* A userspace PC write after a stop: the new instruction runs once. */
TEST(pc_write_after_stop)
{
	static const enum model_insn prog[] = {
		INSN_PLAIN, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	};
	struct model_stop got;
	struct model_vcpu v;

	model_init(&v, prog, ARRAY_SIZE(prog), true);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_TRUE(model_run(&v, &got));
	model_set_pc(&v, 0x08);
	ASSERT_TRUE(model_run(&v, &got));
	ASSERT_EQ(0x0c, got.pc);
	ASSERT_TRUE(got.isv);
}

/* R1 + R2: a reported step leaves nothing pending. */
TEST(softstep_clears_pending)
{
	struct ss_vcpu_state st = { 0 };
	struct ss_exit hvc = { .seq = 1, .pstate_ss = false };
	struct ss_exit step = { .seq = 2, .pstate_ss = false, .softstep = true };

	ss_rules_on_exit(&st, &hvc);
	ASSERT_TRUE(st.active_pending);
	ASSERT_FALSE(ss_rules_entry_ss(&st, 1, true));
	ss_rules_on_exit(&st, &step);
	ASSERT_FALSE(st.active_pending);
	ASSERT_TRUE(ss_rules_entry_ss(&st, 2, false));
}

/* R3 only holds with no exit in between (stale exits do not count). */
TEST(completed_by_kvm_needs_same_exit)
{
	struct ss_vcpu_state st = { 0 };
	struct ss_exit trap = { .seq = 7, .pstate_ss = true };

	ss_rules_on_exit(&st, &trap);
	ASSERT_TRUE(ss_rules_entry_ss(&st, 9, false));
	ASSERT_FALSE(ss_rules_entry_ss(&st, 7, false));
}

/* MOPS: the next stop is the prologue, 4 or 8 bytes back. */
TEST(mops_restart_targets_prologue)
{
	struct ss_mops_restart r;

	r = ss_rules_mops_restart(0, 0x104, true);
	ASSERT_EQ(0x100, r.pc);
	ASSERT_TRUE(r.clear_ss);
	r = ss_rules_mops_restart(1 << 18, 0x108, false);
	ASSERT_EQ(0x100, r.pc);
	ASSERT_FALSE(r.clear_ss);
}

/* Step @v @n times with model_kvm_run(), one KVM_RUN per call. */
static void run_expect(struct __test_metadata *_metadata,
		       struct model_vcpu *v, const struct model_stop *want,
		       int n)
{
	struct model_stop got[16];
	int i;

	for (i = 0; i < n; i++)
		while (model_kvm_run(v, false, &got[i]) != MODEL_EXIT_DEBUG)
			;
	expect_stops(_metadata, got, want, n);
}

/* 6.1+: the same stops as the rules, from deferred PC updates. */
TEST(smoke_upstream_61)
{
	static const struct model_stop want[] = {
		{ 0x04, ISV }, { 0x08, ISV }, { 0x0c, NO_ISV }, { 0x10, ISV },
		{ 0x14, ISV }, { 0x18, NO_ISV }, { 0x1c, ISV },
		{ 0x20, NO_ISV }, { 0x24, ISV }, { 0x28, ISV },
	};
	struct model_vcpu v;

	model_init_kernel(&v, smoke, ARRAY_SIZE(smoke), MODEL_UPSTREAM_61);
	model_set_guest_debug(&v, ENABLE_STEP);
	run_expect(_metadata, &v, want, ARRAY_SIZE(want));
}

/*
 * MMIO completed by a KVM_RUN that returns -EINTR without entering
 * (immediate_exit or a pending signal): the rules (R3) still stop at the
 * next boundary; stock 5.10 and 6.1+ run it unreported.
 */
static u64 stop_after_early_completion(enum model_kernel kernel,
				       bool *isv)
{
	static const enum model_insn prog[] = {
		INSN_MMIO, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	};
	struct model_stop stop;
	struct model_vcpu v;

	model_init_kernel(&v, prog, ARRAY_SIZE(prog), kernel);
	model_set_guest_debug(&v, ENABLE_STEP);
	if (model_kvm_run(&v, false, &stop) != MODEL_EXIT_MMIO || stop.pc)
		return ~0ULL;
	if (model_kvm_run(&v, true, &stop) != MODEL_EXIT_EINTR)
		return ~0ULL;
	if (model_kvm_run(&v, false, &stop) != MODEL_EXIT_DEBUG)
		return ~0ULL;
	*isv = stop.isv;
	return stop.pc;
}

TEST(early_completion_per_kernel)
{
	bool isv;

	ASSERT_EQ(0x04, stop_after_early_completion(MODEL_RULES_510, &isv));
	ASSERT_FALSE(isv);
	ASSERT_EQ(0x08, stop_after_early_completion(MODEL_STOCK_510, &isv));
	ASSERT_TRUE(isv);
	ASSERT_EQ(0x08, stop_after_early_completion(MODEL_UPSTREAM_61, &isv));
	ASSERT_TRUE(isv);
	ASSERT_EQ(0x08, stop_after_early_completion(MODEL_UPSTREAM_67, &isv));
	ASSERT_TRUE(isv);
}

/* -EINTR with nothing to complete changes nothing. */
TEST(eintr_without_mmio_is_neutral)
{
	static const enum model_insn prog[] = {
		INSN_HVC, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	};
	static const struct model_stop want[] = {
		{ 0x04, NO_ISV }, { 0x08, ISV },
	};
	struct model_stop got;
	struct model_vcpu v;

	model_init_kernel(&v, prog, ARRAY_SIZE(prog), MODEL_UPSTREAM_61);
	model_set_guest_debug(&v, ENABLE_STEP);
	ASSERT_EQ(MODEL_EXIT_EINTR, model_kvm_run(&v, true, &got));
	run_expect(_metadata, &v, want, 1);
	ASSERT_EQ(MODEL_EXIT_EINTR, model_kvm_run(&v, true, &got));
	run_expect(_metadata, &v, want + 1, 1);
}

/* A taken branch stops at its target. */
TEST(branch_stops_at_target)
{
	static const enum model_insn prog[] = {
		INSN_BRANCH, INSN_PLAIN, INSN_PLAIN, INSN_TRAP, INSN_PLAIN,
	};
	static const u64 target[] = { 0x0c, 0, 0, 0, 0 };
	static const struct model_stop want[] = {
		{ 0x0c, ISV }, { 0x10, NO_ISV }, { 0x14, ISV },
	};
	struct model_vcpu v;

	model_init_kernel(&v, prog, ARRAY_SIZE(prog), MODEL_RULES_510);
	v.target = target;
	model_set_guest_debug(&v, ENABLE_STEP);
	run_expect(_metadata, &v, want, ARRAY_SIZE(want));
}

/*
 * MOPS on 6.7+: a branch straight to CPYM stops there; stepping it raises
 * the MOPS exception, EL2 rewinds to CPYP and the next stop is CPYP with
 * ISV=0; then CPYP, CPYM and CPYE step normally.  Before 6.7 CPYM is
 * UNDEFINED in the guest: the next stop is the guest's vector.
 */
static const enum model_insn mops_prog[] = {
	INSN_BRANCH, INSN_MOPS_PRO, INSN_MOPS_MAIN, INSN_MOPS_EPI, INSN_PLAIN,
};

static const u64 mops_target[] = { 0x08, 0, 0, 0, 0 };

TEST(mops_restart_upstream_67)
{
	static const struct model_stop want[] = {
		{ 0x08, ISV }, { 0x04, NO_ISV }, { 0x08, ISV }, { 0x0c, ISV },
		{ 0x10, ISV },
	};
	struct model_vcpu v;

	model_init_kernel(&v, mops_prog, ARRAY_SIZE(mops_prog),
			  MODEL_UPSTREAM_67);
	v.target = mops_target;
	model_set_guest_debug(&v, ENABLE_STEP);
	run_expect(_metadata, &v, want, ARRAY_SIZE(want));
}

TEST(mops_undefined_before_67)
{
	struct model_stop want[] = { { 0x08, ISV }, { 0, ISV } };
	struct model_vcpu v;

	model_init_kernel(&v, mops_prog, ARRAY_SIZE(mops_prog),
			  MODEL_UPSTREAM_61);
	v.target = mops_target;
	want[1].pc = v.vector;
	model_set_guest_debug(&v, ENABLE_STEP);
	run_expect(_metadata, &v, want, ARRAY_SIZE(want));
}

TEST_HARNESS_MAIN
