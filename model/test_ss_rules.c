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

TEST_HARNESS_MAIN
