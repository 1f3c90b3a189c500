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

	ss_rules_on_exit(&st, false);		/* the HVC */
	ASSERT_TRUE(ss_rules_entry_clear_ss(&st));
	ss_rules_on_exit(&st, false);		/* the step exception */
	ASSERT_TRUE(st.active_pending);
	ss_rules_on_step_reported(&st);
	ASSERT_FALSE(ss_rules_entry_clear_ss(&st));
}

/* R1: an exit with PSTATE.SS set (a trap, an interrupt) changes nothing. */
TEST(exit_with_ss_set_is_neutral)
{
	struct ss_vcpu_state st = { 0 };

	ss_rules_on_exit(&st, true);
	ASSERT_FALSE(ss_rules_entry_clear_ss(&st));
	st.active_pending = true;
	ss_rules_on_exit(&st, true);
	ASSERT_TRUE(ss_rules_entry_clear_ss(&st));
}

/* R5: only turning debug off forgets; re-issuing it with stepping keeps. */
TEST(set_guest_debug_on_keeps_pending)
{
	struct ss_vcpu_state st = { .active_pending = true };

	ss_rules_on_set_guest_debug(&st, ENABLE_STEP);
	ASSERT_TRUE(st.active_pending);
	ss_rules_on_set_guest_debug(&st, 0x1);	/* ENABLE alone */
	ASSERT_TRUE(st.active_pending);
	ss_rules_on_set_guest_debug(&st, 0);
	ASSERT_FALSE(st.active_pending);
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
 * next boundary; stock 5.10 and 6.1+ run it unreported; 6.1+ with the
 * stable series stops there too.
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
	/* the stable series for 6.1.y and 6.12.y apply R3 on the way out */
	ASSERT_EQ(0x04, stop_after_early_completion(MODEL_PATCHED_61, &isv));
	ASSERT_FALSE(isv);
	ASSERT_EQ(0x04, stop_after_early_completion(MODEL_PATCHED_67, &isv));
	ASSERT_FALSE(isv);
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
	struct model_stop want[] = { { 0x08, ISV }, { 0, NO_ISV } };
	struct model_vcpu v;

	model_init_kernel(&v, mops_prog, ARRAY_SIZE(mops_prog),
			  MODEL_UPSTREAM_61);
	v.target = mops_target;
	want[1].pc = v.vector;
	model_set_guest_debug(&v, ENABLE_STEP);
	run_expect(_metadata, &v, want, ARRAY_SIZE(want));
}

/* Every kernel column, in the order of the expected tables below. */
static const enum model_kernel kernels[] = {
	MODEL_STOCK_510, MODEL_RULES_510, MODEL_UPSTREAM_61, MODEL_UPSTREAM_67,
};

/* What a test does to a vCPU between turning stepping on and KVM_RUN. */
typedef void (*model_setup_fn)(struct __test_metadata *_metadata,
			       struct model_vcpu *v);

/*
 * For every kernel column: a vCPU running @prog, stepping on, @setup,
 * then one KVM_RUN, which must be a stop at @want[column].
 */
static void expect_first_stop(struct __test_metadata *_metadata,
			      const enum model_insn *prog, unsigned int len,
			      model_setup_fn setup,
			      const struct model_stop *want)
{
	struct model_stop got;
	enum model_exit kind;
	struct model_vcpu v;
	int i;

	for (i = 0; i < ARRAY_SIZE(kernels); i++) {
		model_init_kernel(&v, prog, len, kernels[i]);
		model_set_guest_debug(&v, ENABLE_STEP);
		if (setup)
			setup(_metadata, &v);
		kind = model_kvm_run(&v, false, &got);
		if (kind == MODEL_EXIT_DEBUG && got.pc == want[i].pc &&
		    got.isv == want[i].isv)
			continue;
		TH_LOG("%s: exit %d pc 0x%llx isv %d, expected a stop at 0x%llx isv %d",
		       model_kernel_name(kernels[i]), kind,
		       (unsigned long long)got.pc, got.isv,
		       (unsigned long long)want[i].pc, want[i].isv);
		ASSERT_TRUE(false);
	}
}

static const enum model_insn mmio_prog[] = {
	INSN_MMIO, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
};

/* the VMM stopped the free-running guest at its MMIO exit */
static void mmio_exit_unstepped(struct __test_metadata *_metadata,
				struct model_vcpu *v)
{
	model_resync_at_mmio(v, 0);
}

/*
 * Review item 1: stepping is turned on while an MMIO completion is
 * pending.  The KVM_RUN that completes the load advances the step state
 * machine: the first stop is the next instruction, ISV=0, as on 6.1.
 */
TEST(step_on_with_mmio_completion_pending)
{
	static const struct model_stop want[] = {
		{ 0x08, ISV }, { 0x04, NO_ISV }, { 0x04, NO_ISV },
		{ 0x04, NO_ISV },
	};

	expect_first_stop(_metadata, mmio_prog, ARRAY_SIZE(mmio_prog),
			  mmio_exit_unstepped, want);
}

static const enum model_insn nisv_prog[] = {
	INSN_PLAIN, INSN_NISV, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	INSN_PLAIN,
};

/* Step onto the NISV load and take its exit to userspace (PSTATE.SS=1). */
static void run_to_nisv_exit(struct __test_metadata *_metadata,
			     struct model_vcpu *v)
{
	struct model_stop got;

	ASSERT_EQ(MODEL_EXIT_DEBUG, model_kvm_run(v, false, &got));
	ASSERT_EQ(0x04, got.pc);
	ASSERT_EQ(MODEL_EXIT_NISV, model_kvm_run(v, false, &got));
	ASSERT_EQ(0x04, got.pc);
}

static void nisv_exit_then_reset(struct __test_metadata *_metadata,
				 struct model_vcpu *v)
{
	run_to_nisv_exit(_metadata, v);
	model_reset(v, 0x0c);
}

/* the VMM emulated the load itself and moved on */
static void nisv_exit_then_pstate_write(struct __test_metadata *_metadata,
					struct model_vcpu *v)
{
	run_to_nisv_exit(_metadata, v);
	model_set_pc(v, 0x08);
	model_set_pstate_ss(v, false);
}

static void kick_then_reset(struct __test_metadata *_metadata,
			    struct model_vcpu *v)
{
	ASSERT_EQ(MODEL_EXIT_EINTR, model_kvm_run_kicked(v));
	model_reset(v, 0x0c);
}

/*
 * Review item 2: after an exit taken with PSTATE.SS set (here
 * KVM_EXIT_ARM_NISV, or a kick out of the guest), a reset
 * (KVM_ARM_VCPU_INIT, or PSCI CPU_ON inside the run loop) and a
 * KVM_SET_ONE_REG of PSTATE clear PSTATE.SS without completing anything:
 * the first instruction after them is stepped (ISV=1), on every column.
 */
TEST(reset_after_exit_with_ss_set)
{
	static const struct model_stop want[] = {
		{ 0x10, ISV }, { 0x10, ISV }, { 0x10, ISV }, { 0x10, ISV },
	};

	expect_first_stop(_metadata, nisv_prog, ARRAY_SIZE(nisv_prog),
			  nisv_exit_then_reset, want);
}

TEST(pstate_write_after_exit_with_ss_set)
{
	static const struct model_stop want[] = {
		{ 0x0c, ISV }, { 0x0c, ISV }, { 0x0c, ISV }, { 0x0c, ISV },
	};

	expect_first_stop(_metadata, nisv_prog, ARRAY_SIZE(nisv_prog),
			  nisv_exit_then_pstate_write, want);
}

TEST(reset_after_kick)
{
	static const struct model_stop want[] = {
		{ 0x10, ISV }, { 0x10, ISV }, { 0x10, ISV }, { 0x10, ISV },
	};

	expect_first_stop(_metadata, nisv_prog, ARRAY_SIZE(nisv_prog),
			  kick_then_reset, want);
}

static void mmio_completed_early_then_reset(struct __test_metadata *_metadata,
					    struct model_vcpu *v)
{
	struct model_stop got;

	ASSERT_EQ(MODEL_EXIT_MMIO, model_kvm_run(v, false, &got));
	ASSERT_EQ(MODEL_EXIT_EINTR, model_kvm_run(v, true, &got));
	model_reset(v, 0x0c);
}

/*
 * A step owed when the vCPU is reset is still reported, at the reset PC
 * with nothing run (6.1 keeps DBG_SS_ACTIVE_PENDING across a reset).
 * Here it is owed for an MMIO load completed by an immediate_exit
 * KVM_RUN, which only the rules see (the early-return gap of 6.1+).
 */
TEST(reset_keeps_pending_step)
{
	static const struct model_stop want[] = {
		{ 0x10, ISV }, { 0x0c, NO_ISV }, { 0x10, ISV }, { 0x10, ISV },
	};

	expect_first_stop(_metadata, mmio_prog, ARRAY_SIZE(mmio_prog),
			  mmio_completed_early_then_reset, want);
}

static void serror_at_next_exit(struct __test_metadata *_metadata,
				struct model_vcpu *v)
{
	model_serror_at_next_exit(v);
}

/*
 * Review item 5: the step exception exit comes with an SError pending, so
 * handle_exit() drops it and re-enters.  The step is still owed: the next
 * entry takes it again (ISV=0) and it is reported then.  Stock 5.10
 * re-arms the step and runs the next instruction instead.
 */
TEST(step_exit_dropped_for_serror)
{
	static const enum model_insn prog[] = {
		INSN_PLAIN, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	};
	static const struct model_stop want[] = {
		{ 0x08, ISV }, { 0x04, NO_ISV }, { 0x04, NO_ISV },
		{ 0x04, NO_ISV },
	};

	expect_first_stop(_metadata, prog, ARRAY_SIZE(prog),
			  serror_at_next_exit, want);
}

/*
 * An HVC exit with an SError pending is rewound, but the HVC had
 * completed: the step is owed at the HVC itself (ISV=0), which then runs
 * again.  Stock 5.10 runs the HVC twice and the next instruction unseen.
 */
TEST(hvc_rewound_for_serror)
{
	static const enum model_insn prog[] = {
		INSN_HVC, INSN_PLAIN, INSN_PLAIN, INSN_PLAIN,
	};
	static const struct model_stop want[] = {
		{ 0x08, ISV }, { 0x00, NO_ISV }, { 0x00, NO_ISV },
		{ 0x00, NO_ISV },
	};

	expect_first_stop(_metadata, prog, ARRAY_SIZE(prog),
			  serror_at_next_exit, want);
}

/*
 * KVM injects an UNDEF for a trapped access it cannot emulate: the step
 * is owed at the vector (ISV=0), as after an SVC.  Stock 5.10 re-arms
 * and runs the vector's first instruction.  (The model's vector is at
 * 0x1000.)
 */
TEST(injected_undef_stops_at_vector)
{
	static const enum model_insn prog[] = { INSN_UNDEF, INSN_PLAIN };
	static const struct model_stop want[] = {
		{ 0x1004, ISV }, { 0x1000, NO_ISV }, { 0x1000, NO_ISV },
		{ 0x1000, NO_ISV },
	};

	expect_first_stop(_metadata, prog, ARRAY_SIZE(prog), NULL, want);
}

TEST_HARNESS_MAIN
