// SPDX-License-Identifier: GPL-2.0
/*
 * ss_conformance: KVM_GUESTDBG_SINGLESTEP on arm64 must stop at every
 * instruction boundary of the guest, whoever completes the instruction.
 *
 * Each case runs a labelled sequence of ss_guest.S with single-step on,
 * records every KVM_EXIT_DEBUG (PC from KVM_GET_ONE_REG and the syndrome
 * in run->debug.arch.hsr) and compares the complete list with a table of
 * the stops the architecture requires.
 *
 * The rules (Arm ARM D2.12, the software step state machine), with the
 * debugger being KVM at EL2 and MDSCR_EL1.SS=1:
 *  - PSTATE.SS=1 is active-not-pending: the PE executes one instruction,
 *    then takes the step exception (ESR ISV=1; EX=1 if the instruction
 *    was a load-exclusive).
 *  - PSTATE.SS=0 is active-pending: the step exception is taken before any
 *    instruction runs (ISV=0).  Taking an exception clears PSTATE.SS.
 *  - HVC and SVC complete before their exception is taken: the stop is
 *    the instruction after the HVC, or the vector after the SVC.
 *  - A trapped system register access or a data abort is taken before
 *    the instruction completes.  KVM completes it by emulation and
 *    advances the PC, which must leave the step active-pending, so that
 *    the very next entry takes the step exception (ISV=0) at the next
 *    instruction instead of running it.  Kernels that re-arm PSTATE.SS on
 *    entry instead lose that stop: the guest runs one more instruction.
 */
#define _GNU_SOURCE /* sched_getcpu(), CPU_SET() */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "vgic.h"
#include "ss_guest.h"
#include "ss_lib.h"

/* The harness's ASSERT_EQ, not the framework's. */
#undef ASSERT_EQ
#include "kselftest_harness.h"

/* Stops recorded beyond the expected ones, to show what went wrong. */
#define SS_SLACK		8
/* A KVM_SET_GUEST_DEBUG control bit that no kernel accepts on arm64. */
#define SS_STEP_ON		(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)
#define SS_BAD_DEBUG_FLAG	BIT(24)

#define SYS_ID_AA64ISAR2	sys_reg(3, 0, 0, 6, 2)
#define SS_NO_MOPS_REASON \
	"vCPU has no FEAT_MOPS (ID_AA64ISAR2_EL1.MOPS=0; KVM exposes it from 6.7)"
#define ID_AA64ISAR2_MOPS(v)	(((v) >> 16) & 0xf)

#define SS_VECTOR(vbar, off, k) \
	{ (vbar) + (off), "vbar+" #off, (k) }

/*
 * Step from the vCPU's PC until @end (or the table's length + SS_SLACK
 * stops) and compare with @exp.
 */
static bool ss_run_and_check(struct kvm_vcpu *vcpu, u64 end,
			     const struct ss_stop *exp, size_t n,
			     ss_hook_t hook, void *priv, struct ss_run *out)
{
	struct ss_run r;
	bool ok;

	ss_run_init(&r, vcpu, end, n + SS_SLACK);
	r.hook = hook;
	r.priv = priv;
	ss_set_single_step(vcpu, true);
	ss_step(&r);
	ok = ss_check(&r, exp, n);
	if (out)
		*out = r;
	else
		ss_run_free(&r);
	return ok;
}

/*
 * Case 1: plain instructions, a load and a store to normal memory, taken
 * and not-taken branches.  Nothing traps: every instruction is stepped by
 * the PE, one stop per instruction, each with ISV=1.  A taken branch
 * stops at its target, a not-taken one at the next instruction.
 */
TEST(alu_ldst_branches)
{
	const struct ss_stop exp[] = {
		STEP(ss_alu_1), STEP(ss_alu_2), STEP(ss_alu_3),
		STEP(ss_alu_4), STEP(ss_alu_5), STEP(ss_alu_6),
		STEP(ss_alu_taken), STEP(ss_alu_8), STEP(ss_alu_9),
		STEP(ss_alu_10), STEP(ss_alu_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_alu);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_alu_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	EXPECT_EQ(3, ss_get_xreg(vcpu, 0));
	EXPECT_EQ(48, ss_get_xreg(vcpu, 2));
	kvm_vm_free(vm);
}

/*
 * Case 2: PSCI_VERSION and SMCCC_VERSION through HVC, answered by KVM.
 * The HVC completes before its exception is taken to EL2, so the step is
 * active-pending when KVM returns to the guest: the next stop is the
 * instruction after the HVC, with ISV=0.
 */
TEST(hvc_in_kernel)
{
	const struct ss_stop exp[] = {
		STEP(ss_hvc_1), PEND(ss_hvc_2), STEP(ss_hvc_3),
		STEP(ss_hvc_4), PEND(ss_hvc_5), STEP(ss_hvc_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_hvc);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_hvc_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	/* PSCI 1.0 or later, SMCCC 1.1 or later: not an error code. */
	EXPECT_LE(0x10000, ss_get_xreg(vcpu, 10) & 0xffffffff);
	EXPECT_GT(0x80000000, ss_get_xreg(vcpu, 10) & 0xffffffff);
	EXPECT_LE(0x10001, ss_get_xreg(vcpu, 11) & 0xffffffff);
	EXPECT_GT(0x80000000, ss_get_xreg(vcpu, 11) & 0xffffffff);
	kvm_vm_free(vm);
}

/*
 * Case 3: a load and a store to an address with no memslot.  The data
 * abort is taken before the instruction completes; KVM exits with
 * KVM_EXIT_MMIO, the test supplies/consumes the data and KVM completes
 * the instruction at the next KVM_RUN.  The step must then be pending:
 * the next stop is the next instruction (ISV=0), not the one after it.
 */
TEST(mmio_userspace)
{
	const struct ss_stop exp[] = {
		STEP(ss_mmio_1), PEND(ss_mmio_2), STEP(ss_mmio_3),
		PEND(ss_mmio_4), STEP(ss_mmio_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_mmio);
	struct ss_run r;

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_mmio_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, &r));
	EXPECT_EQ(2, r.nr_mmio);
	EXPECT_EQ(SS_MMIO_READ_VALUE + 1, r.last_mmio_write);
	ss_run_free(&r);
	kvm_vm_free(vm);
}

/*
 * Case 4: loads from the vGICv3 distributor, which KVM emulates without
 * leaving the kernel.  Same rule as case 3: the stop after each load is
 * the next instruction, with ISV=0.
 */
TEST(mmio_in_kernel)
{
	const struct ss_stop exp[] = {
		STEP(ss_kmmio_1), PEND(ss_kmmio_2), PEND(ss_kmmio_3),
		STEP(ss_kmmio_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_kmmio);
	struct ss_run r;
	int gic_fd;

	gic_fd = vgic_v3_setup(vm, 1, 64, SS_GICD_GPA, SS_GICR_GPA);
	if (gic_fd < 0) {
		kvm_vm_free(vm);
		SKIP(return, "no vGICv3: %d", gic_fd);
	}
	virt_map(vm, SS_GICD_GPA, SS_GICD_GPA, 1);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_kmmio_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, &r));
	EXPECT_EQ(0, r.nr_mmio);
	/* GICD_IIDR.Implementer: Arm (0x43b). */
	EXPECT_EQ(0x43b, ss_get_xreg(vcpu, 1) & 0xfff);
	ss_run_free(&r);
	close(gic_fd);
	kvm_vm_free(vm);
}

/*
 * Case 5: ID register reads trapped by HCR_EL2.TID3 and debug register
 * accesses trapped by MDCR_EL2.TDA (set while KVM debugs the guest).  The
 * trap is taken before the access completes; KVM emulates it and advances
 * the PC: each following stop is the next instruction, with ISV=0.
 */
TEST(sysreg_trapped)
{
	const struct ss_stop exp[] = {
		STEP(ss_sysreg_1), PEND(ss_sysreg_2), PEND(ss_sysreg_3),
		PEND(ss_sysreg_4), PEND(ss_sysreg_5), STEP(ss_sysreg_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_sysreg);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_sysreg_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	EXPECT_EQ(0x40, ss_get_xreg(vcpu, 5));
	kvm_vm_free(vm);
}

static void ss_set_cpu_irq(struct kvm_vm *vm, struct kvm_vcpu *vcpu, int level)
{
	u32 irq = (KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (vcpu->id << KVM_ARM_IRQ_VCPU_SHIFT) | KVM_ARM_IRQ_CPU_IRQ;

	kvm_irq_line(vm, irq, level);
}

#define SS_WFI_WAKE_NS	(50 * 1000 * 1000)

/*
 * KVM's count of the WFI traps it handled for this VM alone: its debugfs
 * directory is named "<pid>-<VM fd>" on 5.10, 6.1, 6.12 and newer, so
 * WFIs of other VMs, or VMs destroyed meanwhile, cannot move it.
 */
#define SS_WFI_EXIT_STAT	"/sys/kernel/debug/kvm/%d-%d/wfi_exit_stat"
#define SS_WFI_NOT_TRAPPED \
	"not exercised on this bed: the stepped WFI never trapped to KVM (wfi_exit_stat unchanged; QEMU TCG runs a stepped WFI as a NOP)"

struct ss_wfi_ctx {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	bool armed;		/* READ_ONCE/WRITE_ONCE: shared with the waker */
	bool stop;
};

static u64 ss_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Raise the vCPU's IRQ line some time after the step onto the WFI, while
 * the vCPU waits in it.  The thread shares the vCPU thread's CPU and never
 * sleeps: with another runnable task on its CPU, KVM traps WFI
 * (HCR_EL2.TWI) on every kernel here, rather than let the guest wait.
 */
static void *ss_wfi_waker(void *arg)
{
	struct ss_wfi_ctx *ctx = arg;
	u64 deadline;

	while (!READ_ONCE(ctx->armed) && !READ_ONCE(ctx->stop))
		sched_yield();
	deadline = ss_now_ns() + SS_WFI_WAKE_NS;
	while (ss_now_ns() < deadline && !READ_ONCE(ctx->stop))
		sched_yield();
	ss_set_cpu_irq(ctx->vm, ctx->vcpu, 1);
	while (!READ_ONCE(ctx->stop))
		sched_yield();
	return NULL;
}

static pthread_t ss_start_waker(struct ss_wfi_ctx *ctx)
{
	pthread_attr_t attr;
	pthread_t thread;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(cpus), &cpus),
		    "sched_setaffinity: %d", errno);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	TEST_ASSERT(!pthread_create(&thread, &attr, ss_wfi_waker, ctx),
		    "pthread_create failed");
	pthread_attr_destroy(&attr);
	return thread;
}

/* Read @vm's wfi_exit_stat into @val; 0, or -errno when it cannot be. */
static int ss_read_wfi_exits(struct kvm_vm *vm, u64 *val)
{
	char path[96];
	unsigned long long v;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), SS_WFI_EXIT_STAT, getpid(), vm->fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*val = v;
	return 0;
}

static void ss_arm_waker_hook(struct ss_run *r, enum ss_event ev)
{
	struct ss_wfi_ctx *ctx = r->priv;

	if (ev == SS_EV_STOP && r->stops[r->nr_stops - 1].pc == (u64)ss_wfi_1)
		WRITE_ONCE(ctx->armed, true);
}

/*
 * Case 6: WFI, woken by an interrupt that becomes pending while the vCPU
 * waits (userspace irqchip: the vCPU's IRQ line; PSTATE.I=1, so the IRQ
 * is not taken).  KVM traps the WFI, blocks the vCPU until the IRQ is
 * pending and completes the WFI by advancing the PC: the step must be
 * pending and the next stop is the instruction after the WFI.  (A WFI
 * that finds an interrupt already pending completes in the guest without
 * trapping, so the IRQ is raised only once the vCPU waits.)  Were the WFI
 * not trapped, it would complete in the guest (ISV=1): the syndrome of
 * that stop may be either, the PC is not negotiable.
 *
 * Test bed note: QEMU's TCG does not halt on a WFI it single-steps (it
 * runs it as a NOP and raises the step exception), so under QEMU the WFI
 * never reaches KVM and this case cannot show a lost step; on hardware it
 * does.  A pass must mean that KVM completed the WFI: KVM's wfi_exit_stat
 * is read around the stepped WFI, and when it did not move the case ends
 * in a skip that says so.  The stops are checked first, whatever the
 * count: a wrong PC is a failure either way.
 */
TEST(wfi_irq_pending)
{
	const struct ss_stop exp[] = {
		STEP(ss_wfi_1), ANY(ss_wfi_2), STEP(ss_wfi_end),
	};
	struct ss_wfi_ctx ctx = { 0 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_wfi);
	u64 exits_before = 0, exits_after = 0;
	int err_before, err_after;
	pthread_t waker;
	bool ok;

	ctx.vm = vm;
	ctx.vcpu = vcpu;
	err_before = ss_read_wfi_exits(vm, &exits_before);
	waker = ss_start_waker(&ctx);
	ok = ss_run_and_check(vcpu, (u64)ss_wfi_end, exp, ARRAY_SIZE(exp),
			      ss_arm_waker_hook, &ctx, NULL);
	err_after = ss_read_wfi_exits(vm, &exits_after);
	WRITE_ONCE(ctx.stop, true);
	pthread_join(waker, NULL);
	ASSERT_TRUE(ok);
	ss_set_cpu_irq(vm, vcpu, 0);
	kvm_vm_free(vm);

	if (err_before || err_after)
		SKIP(return,
		     "cannot tell whether the stepped WFI reached KVM: this VM's wfi_exit_stat: %s",
		     strerror(-(err_before ?: err_after)));
	TH_LOG("this VM's wfi_exit_stat: %llu before the stepped WFI, %llu after",
	       (unsigned long long)exits_before,
	       (unsigned long long)exits_after);
	if (exits_after == exits_before)
		SKIP(return, "%s", SS_WFI_NOT_TRAPPED);
}

/*
 * Case 7: an SVC, and an undefined instruction, at EL1.  Both exceptions
 * are taken to EL1 (not the debug target), which clears PSTATE.SS: the
 * next stop is the first instruction of the synchronous vector, taken
 * from active-pending (ISV=0).  The vector page is fetched for the first
 * time then, a stage-2 fault that KVM handles while the step is pending:
 * KVM must keep it pending across that exit.
 */
static void ss_check_sync_vector(struct __test_metadata *_metadata,
				 void *entry, void *insn)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, entry);
	u64 vbar = ss_vbar(vcpu);
	const struct ss_stop exp[] = {
		{ (u64)insn, "exception insn", SS_STEP },
		SS_VECTOR(vbar, 0x200, SS_PENDING),
	};

	ASSERT_TRUE(ss_run_and_check(vcpu, vbar + SS_VECTOR_SYNC, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	kvm_vm_free(vm);
}

TEST(svc_to_vector)
{
	ss_check_sync_vector(_metadata, ss_svc, ss_svc_1);
}

TEST(undef_to_vector)
{
	ss_check_sync_vector(_metadata, ss_udf, ss_udf_1);
}

static bool ss_vcpu_has_mops(struct kvm_vcpu *vcpu)
{
	u64 isar2;

	if (__vcpu_get_reg(vcpu, KVM_ARM64_SYS_REG(SYS_ID_AA64ISAR2), &isar2))
		return false;
	return ID_AA64ISAR2_MOPS(isar2) != 0;
}

/*
 * Case 8: branch to the CPYM of a CPYP/CPYM/CPYE sequence with PSTATE.C=1.
 * The implementation uses option A (C=0 after the prologue), so CPYM
 * takes a MOPS exception (EC 0x27) to EL2 before doing anything; KVM
 * (6.7+) rewinds the PC to the prologue and resets the registers.  No
 * instruction completed, the step is pending: the next stop is the CPYP
 * with ISV=0, then the sequence runs normally and copies the data.
 */
TEST(mops_restart)
{
	const int size = 16;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_mops);
	const struct ss_stop exp[] = {
		STEP(ss_mops_br), STEP(ss_mops_main), PEND(ss_mops_pro),
		STEP(ss_mops_main), STEP(ss_mops_epi), STEP(ss_mops_after),
		STEP(ss_mops_end),
	};
	vm_vaddr_t buf;
	u8 *hva;
	int i;

	if (!ss_vcpu_has_mops(vcpu)) {
		kvm_vm_free(vm);
		SKIP(return, "%s", SS_NO_MOPS_REASON);
	}
	buf = vm_vaddr_alloc(vm, vm->page_size, 0x10000000);
	hva = addr_gva2hva(vm, buf);
	for (i = 0; i < size; i++)
		hva[i] = i + 1;
	memset(hva + size, 0, size);
	ss_set_xreg(vcpu, 0, buf + size);
	ss_set_xreg(vcpu, 1, buf);
	ss_set_xreg(vcpu, 2, size);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_mops_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	EXPECT_EQ(0, memcmp(hva, hva + size, size));
	kvm_vm_free(vm);
}

/*
 * Case 9: an LDXR/STXR increment loop.  The stop after LDXR reports EX=1
 * (a load-exclusive was stepped).  Taking the step exception and
 * returning to the guest clears the local exclusive monitor (exception
 * return may clear it, and does here), so the STXR fails every time and
 * a naive stepper never leaves the loop: assert three failed retries and
 * the memory untouched, instead of hanging.  Debuggers step over such a
 * sequence as a whole.
 */
#define SS_EXCL_ROUNDS	3

TEST(exclusive_loop)
{
	struct ss_stop exp[2 + 4 * SS_EXCL_ROUNDS] = {
		STEP(ss_excl_1), STEP(ss_excl_ld),
	};
	const struct ss_stop round[] = {
		EXCL(ss_excl_add), STEP(ss_excl_st), STEP(ss_excl_br),
		STEP(ss_excl_ld),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_excl);
	u64 *data = addr_gva2hva(vm, (u64)ss_excl_data);
	struct ss_run r;
	int i;

	for (i = 0; i < SS_EXCL_ROUNDS; i++)
		memcpy(&exp[2 + 4 * i], round, sizeof(round));
	ss_run_init(&r, vcpu, (u64)ss_excl_end, ARRAY_SIZE(exp));
	ss_set_single_step(vcpu, true);
	ss_step(&r);
	ASSERT_TRUE(ss_check(&r, exp, ARRAY_SIZE(exp)));
	EXPECT_EQ(1, ss_get_xreg(vcpu, 6) & 0xffffffff);
	EXPECT_EQ(0x5000, *data);
	ss_run_free(&r);
	kvm_vm_free(vm);
}

struct ss_irq_ctx {
	struct kvm_vm *vm;
	u64 raise_at;
};

static void ss_raise_irq_hook(struct ss_run *r, enum ss_event ev)
{
	struct ss_irq_ctx *ctx = r->priv;

	if (ev == SS_EV_STOP && r->stops[r->nr_stops - 1].pc == ctx->raise_at)
		ss_set_cpu_irq(ctx->vm, r->vcpu, 1);
}

/*
 * Case 10: an IRQ becomes pending while the guest is stepped with IRQs
 * unmasked.  At the next entry the PE is active-not-pending, but the IRQ
 * is taken before the instruction executes; exception entry to EL1 clears
 * PSTATE.SS, so the step exception is taken at the first instruction of
 * the IRQ vector (ISV=0): the debugger sees the interrupt arrive there.
 * The instruction at the interrupted PC has not run.  As in case 7, the
 * first fetch from the vector page exits to KVM while the step is pending.
 */
TEST(irq_while_stepping)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_irq);
	u64 vbar = ss_vbar(vcpu);
	const struct ss_stop exp[] = {
		STEP(ss_irq_1), STEP(ss_irq_2),
		SS_VECTOR(vbar, 0x280, SS_PENDING),
	};
	struct ss_irq_ctx ctx = { vm, (u64)ss_irq_2 };
	u64 elr;

	ASSERT_TRUE(ss_run_and_check(vcpu, vbar + SS_VECTOR_IRQ, exp,
				     ARRAY_SIZE(exp), ss_raise_irq_hook, &ctx,
				     NULL));
	vcpu_get_reg(vcpu, ARM64_CORE_REG(elr_el1), &elr);
	EXPECT_EQ((u64)ss_irq_2, elr);
	ss_set_cpu_irq(vm, vcpu, 0);
	kvm_vm_free(vm);
}

static void ss_set_pc_hook(struct ss_run *r, enum ss_event ev)
{
	if (ev == SS_EV_STOP && r->stops[r->nr_stops - 1].pc == (u64)ss_setpc_2)
		ss_set_pc(r->vcpu, (u64)ss_setpc_target);
}

/*
 * Case 11: at a stop, userspace moves the PC (KVM_SET_ONE_REG).  The next
 * KVM_RUN starts a new step at the new PC: the instruction there runs
 * exactly once (x5 counts it) and the next stop is its successor; the
 * instructions skipped over never run.
 */
TEST(set_pc_at_stop)
{
	const struct ss_stop exp[] = {
		STEP(ss_setpc_1), STEP(ss_setpc_2), STEP(ss_setpc_next),
		STEP(ss_setpc_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_setpc);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_setpc_end, exp,
				     ARRAY_SIZE(exp), ss_set_pc_hook, NULL,
				     NULL));
	EXPECT_EQ(1, ss_get_xreg(vcpu, 5));
	kvm_vm_free(vm);
}

struct ss_toggle_ctx {
	int einval_on;
	int einval_off;
	int toggles;
};

static void ss_toggle(struct ss_run *r, struct ss_toggle_ctx *ctx)
{
	ss_set_single_step(r->vcpu, false);
	ss_set_single_step(r->vcpu, true);
	ctx->toggles++;
}

static void ss_toggle_hook(struct ss_run *r, enum ss_event ev)
{
	struct ss_toggle_ctx *ctx = r->priv;
	u64 pc = r->stops[r->nr_stops - 1].pc;

	if (ev == SS_EV_MMIO) {
		ss_toggle(r, ctx);
	} else if (pc == (u64)ss_tog_2) {
		ss_toggle(r, ctx);
	} else if (pc == (u64)ss_tog_3) {
		ctx->einval_on = ss_set_guest_debug(r->vcpu, SS_STEP_ON |
						    SS_BAD_DEBUG_FLAG);
	} else if (pc == (u64)ss_tog_4) {
		ctx->einval_off = ss_set_guest_debug(r->vcpu, SS_BAD_DEBUG_FLAG);
	}
}

/*
 * Case 12: single-step turned off and on again (a) at a stop, and (b) at
 * the userspace MMIO exit of a load, i.e. while the step of that load is
 * in flight: KVM completes the load at the next KVM_RUN, which leaves the
 * step pending.  Neither may cost or add a stop.  KVM_SET_GUEST_DEBUG
 * with an unknown flag is refused with EINVAL and changes nothing, with
 * or without SINGLESTEP in the refused request: stepping goes on.
 */
TEST(toggle_and_einval)
{
	const struct ss_stop exp[] = {
		STEP(ss_tog_1), STEP(ss_tog_2), STEP(ss_tog_3),
		STEP(ss_tog_4), STEP(ss_tog_5), PEND(ss_tog_6),
		STEP(ss_tog_7), STEP(ss_tog_end),
	};
	struct ss_toggle_ctx ctx = { 0 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_tog);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_tog_end, exp,
				     ARRAY_SIZE(exp), ss_toggle_hook, &ctx,
				     NULL));
	EXPECT_EQ(-EINVAL, ctx.einval_on);
	EXPECT_EQ(-EINVAL, ctx.einval_off);
	EXPECT_EQ(2, ctx.toggles);
	kvm_vm_free(vm);
}

/*
 * How a case makes KVM_RUN return before entering the guest.
 * SS_EARLY_IMMEDIATE: run->immediate_exit = 1;
 * SS_EARLY_SIGNAL: a signal pending that KVM_SET_SIGNAL_MASK unblocks
 * only inside KVM_RUN, so KVM sees it on its first check and leaves.
 */
enum ss_early { SS_EARLY_IMMEDIATE, SS_EARLY_SIGNAL };

#define SS_EARLY_SIG	SIGUSR1

static void ss_ignore_signal(int sig)
{
}

/*
 * Block SS_EARLY_SIG in this thread, but not inside KVM_RUN: a pending
 * one then makes every KVM_RUN return -EINTR before the guest runs.
 */
static void ss_early_signal_setup(struct kvm_vcpu *vcpu)
{
	struct sigaction sa = { .sa_handler = ss_ignore_signal };
	struct kvm_signal_mask *kmask;
	sigset_t set;

	TEST_ASSERT(!sigaction(SS_EARLY_SIG, &sa, NULL), "sigaction");
	sigemptyset(&set);
	sigaddset(&set, SS_EARLY_SIG);
	TEST_ASSERT(!pthread_sigmask(SIG_BLOCK, &set, NULL), "sigmask");

	/* the kernel's sigset for arm64 is 64 bits */
	kmask = calloc(1, sizeof(*kmask) + sizeof(u64));
	TEST_ASSERT(kmask, "calloc");
	kmask->len = sizeof(u64);
	vcpu_ioctl(vcpu, KVM_SET_SIGNAL_MASK, kmask);
	free(kmask);
}

/* One KVM_RUN that must return -EINTR without running the guest. */
static void ss_run_early(struct kvm_vcpu *vcpu, enum ss_early how)
{
	struct timespec zero = { 0 };
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SS_EARLY_SIG);
	if (how == SS_EARLY_IMMEDIATE)
		vcpu->run->immediate_exit = 1;
	else
		TEST_ASSERT(!pthread_kill(pthread_self(), SS_EARLY_SIG), "kill");
	ret = __vcpu_run(vcpu);
	vcpu->run->immediate_exit = 0;
	TEST_ASSERT(ret == -1 && errno == EINTR,
		    "KVM_RUN returned %d (errno %d), not -EINTR", ret, errno);
	if (how == SS_EARLY_SIGNAL)	/* still pending: take it */
		TEST_ASSERT(sigtimedwait(&set, NULL, &zero) == SS_EARLY_SIG,
			    "signal not pending after KVM_RUN");
}

struct ss_early_ctx {
	enum ss_early how[3];	/* the early returns, in order */
	int nr_early;
	bool reissue;		/* KVM_SET_GUEST_DEBUG again after each */
	int done;
};

/*
 * At the userspace MMIO exit of the load: the data is in place; leave
 * KVM_RUN early the ways @ctx lists, which completes the load on the
 * first, and re-issue KVM_SET_GUEST_DEBUG after each if asked (QEMU does
 * on every resume).
 */
static void ss_early_hook(struct ss_run *r, enum ss_event ev)
{
	struct ss_early_ctx *ctx = r->priv;
	int i;

	if (ev != SS_EV_MMIO)
		return;
	for (i = 0; i < ctx->nr_early; i++) {
		ss_run_early(r->vcpu, ctx->how[i]);
		if (ctx->reissue)
			ss_set_single_step(r->vcpu, true);
	}
	ctx->done++;
}

/*
 * The stops of ss_tog when KVM completes its load on an early return:
 * the step is owed at ss_tog_6 (ISV=0), which no KVM_RUN may skip.
 */
static void ss_check_mmio_early(struct __test_metadata *_metadata,
				struct ss_early_ctx *ctx)
{
	const struct ss_stop exp[] = {
		STEP(ss_tog_1), STEP(ss_tog_2), STEP(ss_tog_3),
		STEP(ss_tog_4), STEP(ss_tog_5), PEND(ss_tog_6),
		STEP(ss_tog_7), STEP(ss_tog_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_tog);

	ss_early_signal_setup(vcpu);
	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_tog_end, exp,
				     ARRAY_SIZE(exp), ss_early_hook, ctx,
				     NULL));
	EXPECT_EQ(1, ctx->done);
	EXPECT_EQ(SS_MMIO_READ_VALUE, ss_get_xreg(vcpu, 1));
	kvm_vm_free(vm);
}

/*
 * Case 12b: at the userspace MMIO exit of a load, the test completes the
 * access with KVM_RUN and immediate_exit=1 (what a VMM does before saving
 * or migrating the vCPU, and what this framework's ucalls do): KVM
 * completes the load and returns -EINTR without entering the guest.  The
 * load has completed, so the step is pending, and the next KVM_RUN must
 * stop at the instruction after the load (ISV=0) without running it.
 *
 * Found by this test: 6.1 and 6.12 lose this stop too.  Their pending
 * flag (DBG_SS_ACTIVE_PENDING) is only set from PSTATE.SS after a guest
 * run; here the PC is advanced (and PSTATE.SS cleared) on the early
 * return, and the next entry re-arms PSTATE.SS.
 */
TEST(mmio_completed_early)
{
	struct ss_early_ctx ctx = {
		.how = { SS_EARLY_IMMEDIATE }, .nr_early = 1,
	};

	ss_check_mmio_early(_metadata, &ctx);
}

/*
 * Case 12c: as 12b, with a pending signal instead of immediate_exit:
 * KVM completes the load at the top of KVM_RUN, sees the signal before
 * entering the guest and returns -EINTR (a VMM kicking its vCPU thread).
 */
TEST(mmio_completed_by_signal)
{
	struct ss_early_ctx ctx = { .how = { SS_EARLY_SIGNAL }, .nr_early = 1 };

	ss_check_mmio_early(_metadata, &ctx);
}

/*
 * Case 12d: two early returns in a row, the second with nothing left to
 * complete: the step stays owed across both.
 */
TEST(mmio_completed_early_twice)
{
	struct ss_early_ctx ctx = {
		.how = { SS_EARLY_IMMEDIATE, SS_EARLY_SIGNAL }, .nr_early = 2,
	};

	ss_check_mmio_early(_metadata, &ctx);
}

/*
 * Case 12e: as 12d, with KVM_SET_GUEST_DEBUG (single-step on again)
 * after each early return, as QEMU's gdbstub does on every resume.
 * Re-issuing the same control must not lose or repeat the owed step.
 */
TEST(mmio_early_with_debug_reissued)
{
	struct ss_early_ctx ctx = {
		.how = { SS_EARLY_IMMEDIATE, SS_EARLY_SIGNAL, SS_EARLY_IMMEDIATE },
		.nr_early = 3,
		.reissue = true,
	};

	ss_check_mmio_early(_metadata, &ctx);
}

#define SS_STORM_STOPS		320	/* at least, and then ... */
#define SS_STORM_ENOUGH_HITS	8	/* ... until this many landings */
#define SS_STORM_MAX_STOPS	2000	/* ... or this many stops */
#define SS_STORM_MIN_HITS	2
#define SS_STORM_MAX_US		200

struct ss_storm {
	pthread_t target;
	bool stop;
	unsigned int seed;
	long sent;
};

/* Signals at random short intervals to the vCPU thread until told. */
static void *ss_storm_thread(void *arg)
{
	struct ss_storm *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		pthread_kill(s->target, SS_EARLY_SIG);
		s->sent++;
		usleep(rand_r(&s->seed) % SS_STORM_MAX_US);
	}
	return NULL;
}

/* KVM completed one of the loop's two trapped reads: @from to the next. */
static bool ss_read_completed(u64 from, u64 to)
{
	return (from == (u64)ss_sig || from == (u64)ss_sig_1) && to == from + 4;
}

/*
 * Case 12f: trapped system register reads stepped under a storm of
 * signals.  A signal that lands while KVM emulates a read makes KVM_RUN
 * return -EINTR after KVM completed the read and before the guest runs
 * again; the next KVM_RUN must still stop at the next instruction,
 * ISV=0.  Every stop is checked against the loop's fixed sequence; the
 * case steps until it has seen that landing SS_STORM_ENOUGH_HITS times
 * (an -EINTR return with the PC moved from a trapped read to the next
 * instruction), and fails as not exercised under SS_STORM_MIN_HITS.
 */
TEST(sysreg_then_signal_storm)
{
	const struct ss_stop cycle[] = {
		PEND(ss_sig_1), PEND(ss_sig_2), STEP(ss_sig_3), STEP(ss_sig),
	};
	struct ss_stop exp[SS_STORM_MAX_STOPS];
	struct ss_storm storm = { .target = pthread_self(), .seed = 1 };
	struct sigaction sa = { .sa_handler = ss_ignore_signal };
	long eintr = 0, hits = 0;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_sig);
	pthread_t thread;
	struct ss_run r;
	u64 pc = (u64)ss_sig;
	size_t i;

	for (i = 0; i < SS_STORM_MAX_STOPS; i++)
		exp[i] = cycle[i % ARRAY_SIZE(cycle)];
	ASSERT_EQ(0, sigaction(SS_EARLY_SIG, &sa, NULL));
	ss_run_init(&r, vcpu, 0, SS_STORM_MAX_STOPS);
	ss_set_single_step(vcpu, true);
	ASSERT_EQ(0, pthread_create(&thread, NULL, ss_storm_thread, &storm));
	while (r.nr_stops < SS_STORM_MAX_STOPS &&
	       (r.nr_stops < SS_STORM_STOPS || hits < SS_STORM_ENOUGH_HITS)) {
		if (__vcpu_run(vcpu)) {
			ASSERT_EQ(EINTR, errno);
			eintr++;
			hits += ss_read_completed(pc, ss_get_pc(vcpu));
			pc = ss_get_pc(vcpu);
			continue;
		}
		ASSERT_EQ(KVM_EXIT_DEBUG, vcpu->run->exit_reason);
		pc = ss_get_pc(vcpu);
		r.stops[r.nr_stops].pc = pc;
		r.stops[r.nr_stops++].esr = vcpu->run->debug.arch.hsr;
	}
	__atomic_store_n(&storm.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	TH_LOG("%ld signals, %ld -EINTR returns, %ld after a completed read",
	       storm.sent, eintr, hits);
	EXPECT_TRUE(ss_check(&r, exp, r.nr_stops));
	EXPECT_LE(SS_STORM_MIN_HITS, hits);
	ss_run_free(&r);
	kvm_vm_free(vm);
}

#define SS_NR_VCPUS	4
#define SS_MIX_ROUNDS	25

struct ss_vcpu_job {
	struct kvm_vcpu *vcpu;
	int failed_round;	/* -1: every round matched */
};

static void *ss_mix_thread(void *arg)
{
	const struct ss_stop exp[] = {
		STEP(ss_mix_1), STEP(ss_mix_2), PEND(ss_mix_3),
		PEND(ss_mix_4), PEND(ss_mix_5), STEP(ss_mix_6),
		STEP(ss_mix_end),
	};
	struct ss_vcpu_job *job = arg;
	int i;

	job->failed_round = -1;
	for (i = 0; i < SS_MIX_ROUNDS; i++) {
		ss_set_pc(job->vcpu, (u64)ss_mix);
		if (!ss_run_and_check(job->vcpu, (u64)ss_mix_end, exp,
				      ARRAY_SIZE(exp), NULL, NULL, NULL)) {
			ksft_print_msg("vCPU %u: round %d differs\n",
				       job->vcpu->id, i);
			job->failed_round = i;
			break;
		}
	}
	return NULL;
}

/*
 * Case 13: several vCPUs of one VM stepped at the same time, each from its
 * own thread, over HVC, userspace MMIO and a trapped ID register read.
 * Single-step state is per vCPU: every vCPU's sequence must be exact.
 */
TEST(multi_vcpu)
{
	struct kvm_vcpu *vcpus[SS_NR_VCPUS];
	struct ss_vcpu_job jobs[SS_NR_VCPUS];
	pthread_t threads[SS_NR_VCPUS];
	struct kvm_vm *vm;
	int i;

	vm = vm_create_with_vcpus(SS_NR_VCPUS, ss_mix, vcpus);
	vm_init_descriptor_tables(vm);
	ss_map_mmio(vm, SS_MMIO_GPA);
	for (i = 0; i < SS_NR_VCPUS; i++) {
		vcpu_init_descriptor_tables(vcpus[i]);
		jobs[i].vcpu = vcpus[i];
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, ss_mix_thread,
					    &jobs[i]));
	}
	for (i = 0; i < SS_NR_VCPUS; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < SS_NR_VCPUS; i++)
		EXPECT_EQ(-1, jobs[i].failed_round);
	kvm_vm_free(vm);
}

/*
 * Case 14: a long run, 2000 rounds of a loop with an HVC and a userspace
 * MMIO load (10,001 stops): no stop may be lost or duplicated, ever.
 */
#define SS_LONG_ROUNDS	2000

static size_t ss_long_expected(struct ss_stop *exp)
{
	const struct ss_stop round[] = {
		STEP(ss_long_hvc), PEND(ss_long_ld), PEND(ss_long_sub),
		STEP(ss_long_br), STEP(ss_long_loop),
	};
	const struct ss_stop first = STEP(ss_long_loop);
	const struct ss_stop last = STEP(ss_long_end);
	size_t n = 0;
	int i;

	exp[n++] = first;
	for (i = 0; i < SS_LONG_ROUNDS; i++) {
		memcpy(&exp[n], round, sizeof(round));
		n += ARRAY_SIZE(round);
	}
	exp[n - 1] = last;
	return n;
}

TEST(long_run)
{
	struct ss_stop *exp = calloc(1 + 5 * SS_LONG_ROUNDS, sizeof(*exp));
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_long);
	struct ss_run r;
	size_t n;

	ASSERT_NE(NULL, exp);
	n = ss_long_expected(exp);
	ss_set_xreg(vcpu, 9, SS_LONG_ROUNDS);
	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_long_end, exp, n,
				     NULL, NULL, &r));
	EXPECT_EQ(SS_LONG_ROUNDS, r.nr_mmio);
	ss_run_free(&r);
	free(exp);
	kvm_vm_free(vm);
}

/*
 * Case 15: stepping turned on while an MMIO completion is pending.  The
 * guest runs freely into a userspace MMIO load; at that exit the debugger
 * attaches and turns single-step on.  The KVM_RUN that completes the load
 * advances the step state machine, as executing it would: the first stop
 * is the instruction after the load, with ISV=0 (what 6.1 reports).
 */
TEST(step_on_at_mmio_exit)
{
	const struct ss_stop exp[] = {
		PEND(ss_mmio_2), STEP(ss_mmio_3), PEND(ss_mmio_4),
		STEP(ss_mmio_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_mmio);
	struct ss_run r;

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_MMIO, vcpu->run->exit_reason);
	ASSERT_EQ((u64)ss_mmio_1, ss_get_pc(vcpu));
	ss_run_init(&r, vcpu, 0, 1);
	ss_complete_mmio(&r);
	ss_run_free(&r);

	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_mmio_end, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	EXPECT_EQ(SS_MMIO_READ_VALUE + 1, ss_get_xreg(vcpu, 1));
	kvm_vm_free(vm);
}

#define SS_DEBUGFS_EXITS	"/sys/kernel/debug/kvm/exits"

static void ss_clear_exit_stats_hook(struct ss_run *r, enum ss_event ev)
{
	int *cleared = r->priv;
	FILE *f;

	if (ev != SS_EV_MMIO)
		return;
	f = fopen(SS_DEBUGFS_EXITS, "w");
	TEST_ASSERT(f, "cannot open %s: %d", SS_DEBUGFS_EXITS, errno);
	TEST_ASSERT(fputs("0\n", f) >= 0 && !fclose(f),
		    "cannot clear %s: %d", SS_DEBUGFS_EXITS, errno);
	(*cleared)++;
}

/*
 * Case 16: at each userspace MMIO exit, something clears KVM's exit
 * statistics (writing 0 to the debugfs file, as kvm_stat users do).  A
 * statistic is not step state: the stops are those of case 3.
 */
TEST(mmio_with_stats_cleared)
{
	const struct ss_stop exp[] = {
		STEP(ss_mmio_1), PEND(ss_mmio_2), STEP(ss_mmio_3),
		PEND(ss_mmio_4), STEP(ss_mmio_end),
	};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int cleared = 0;

	if (access(SS_DEBUGFS_EXITS, W_OK))
		SKIP(return, "no writable %s: %d", SS_DEBUGFS_EXITS, errno);
	vm = ss_vm_create(&vcpu, ss_mmio);
	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_mmio_end, exp,
				     ARRAY_SIZE(exp), ss_clear_exit_stats_hook,
				     &cleared, NULL));
	EXPECT_EQ(2, cleared);
	kvm_vm_free(vm);
}

/* Reset the vCPU as a VMM does: KVM_ARM_VCPU_INIT, then its registers. */
static void ss_reset_vcpu(struct kvm_vcpu *vcpu, u64 pc)
{
	struct kvm_vcpu_init init;

	ss_vcpu_init_struct(&init);
	aarch64_vcpu_setup(vcpu, &init);
	vcpu_init_descriptor_tables(vcpu);
	ss_set_pc(vcpu, pc);
}

enum ss_after_exit { SS_RESET, SS_EMULATE, SS_INJECT_ABORT };

struct ss_nisv_ctx {
	enum ss_after_exit what;
	int exits;
	u64 spsr;	/* SS_INJECT_ABORT: SPSR_EL1 at the first stop after */
	bool spsr_read;
};

/*
 * At the KVM_EXIT_ARM_NISV of ss_nisv_ld, either reset the vCPU and
 * restart it at ss_nisv_2, or emulate the load the way a VMM that
 * decodes it would: write the result and PC, and write back a PSTATE
 * (here with SS clear, as one saved at a stop has it).
 */
static void ss_nisv_hook(struct ss_run *r, enum ss_event ev)
{
	struct ss_nisv_ctx *ctx = r->priv;
	u64 pstate;

	if (ev == SS_EV_STOP && ctx->exits && !ctx->spsr_read) {
		vcpu_get_reg(r->vcpu, ARM64_CORE_REG(spsr[KVM_SPSR_EL1]),
			     &ctx->spsr);
		ctx->spsr_read = true;
	}
	if (ev != SS_EV_EXIT || r->vcpu->run->exit_reason != KVM_EXIT_ARM_NISV)
		return;
	TEST_ASSERT(ss_get_pc(r->vcpu) == (u64)ss_nisv_ld,
		    "NISV exit at PC 0x%lx", ss_get_pc(r->vcpu));
	ctx->exits++;
	r->exit_handled = true;
	if (ctx->what == SS_INJECT_ABORT) {
		struct kvm_vcpu_events events = {
			.exception.ext_dabt_pending = 1,
		};

		vcpu_ioctl(r->vcpu, KVM_SET_VCPU_EVENTS, &events);
		return;
	}
	if (ctx->what == SS_RESET) {
		ss_reset_vcpu(r->vcpu, (u64)ss_nisv_2);
		return;
	}
	ss_set_xreg(r->vcpu, 1, SS_MMIO_READ_VALUE);
	ss_set_pc(r->vcpu, (u64)ss_nisv_2);
	vcpu_get_reg(r->vcpu, ARM64_CORE_REG(regs.pstate), &pstate);
	pstate &= ~(u64)SS_PSTATE_SS;
	vcpu_set_reg(r->vcpu, ARM64_CORE_REG(regs.pstate), pstate);
}

/*
 * Cases 17 and 18: an exit to userspace taken with PSTATE.SS set (a load
 * without syndrome, KVM_EXIT_ARM_NISV: nothing for KVM to complete),
 * then a reset of the vCPU, or a PSTATE written with SS clear.  Neither
 * completes an instruction, so no step is owed: the instruction at the
 * new PC is stepped (ISV=1), as on 6.1.  A rule that took "PSTATE.SS was
 * 1 at the exit and is 0 now" for a completion stops at the new PC with
 * ISV=0 instead, having run nothing.
 */
static void ss_check_nisv_then(struct __test_metadata *_metadata,
			       enum ss_after_exit what)
{
	const struct ss_stop exp[] = {
		STEP(ss_nisv_1), STEP(ss_nisv_ld), STEP(ss_nisv_3),
		STEP(ss_nisv_4), STEP(ss_nisv_end),
	};
	struct ss_nisv_ctx ctx = { .what = what };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_nisv);

	if (!kvm_check_cap(KVM_CAP_ARM_NISV_TO_USER)) {
		kvm_vm_free(vm);
		SKIP(return, "no KVM_CAP_ARM_NISV_TO_USER");
	}
	vm_enable_cap(vm, KVM_CAP_ARM_NISV_TO_USER, 0);
	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_nisv_end, exp,
				     ARRAY_SIZE(exp), ss_nisv_hook, &ctx,
				     NULL));
	EXPECT_EQ(1, ctx.exits);
	kvm_vm_free(vm);
}

TEST(nisv_exit_then_reset)
{
	ss_check_nisv_then(_metadata, SS_RESET);
}

/*
 * Case 19: at the NISV exit the VMM injects an external data abort
 * (KVM_SET_VCPU_EVENTS, what a VMM does with an access it cannot
 * emulate).  The abort ends the stepped load: the next stop is the sync
 * vector, ISV=0, with nothing run there.
 *
 * The SPSR_EL1.SS the guest then sees differs between kernels: 6.1 and
 * 6.12 commit the abort at the next entry, after kvm_arm_setup_debug()
 * set PSTATE.SS for the host's step (1); 5.10 with the stable series
 * and 7.3 commit it at once from the guest's own PSTATE.SS (0).  The
 * case does not judge that, it prints it at the first stop after the
 * abort ("guest-visible"), and make
 * check asserts that kvm_ss_fix changes none of it: a fix that marked
 * the step pending before this entry made 6.1 enter with PSTATE.SS
 * clear, and the guest saw 0 where the kernel alone gives 1.
 */
TEST(nisv_exit_then_abort_injected)
{
	struct ss_nisv_ctx ctx = { .what = SS_INJECT_ABORT };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = ss_vm_create(&vcpu, ss_nisv);
	u64 vbar = ss_vbar(vcpu);
	const struct ss_stop exp[] = {
		STEP(ss_nisv_1), STEP(ss_nisv_ld),
		SS_VECTOR(vbar, 0x200, SS_PENDING),
	};

	if (!kvm_check_cap(KVM_CAP_ARM_NISV_TO_USER) ||
	    !kvm_check_cap(KVM_CAP_ARM_INJECT_EXT_DABT)) {
		kvm_vm_free(vm);
		SKIP(return, "no KVM_CAP_ARM_NISV_TO_USER or _INJECT_EXT_DABT");
	}
	vm_enable_cap(vm, KVM_CAP_ARM_NISV_TO_USER, 0);
	EXPECT_TRUE(ss_run_and_check(vcpu, vbar + SS_VECTOR_SYNC, exp,
				     ARRAY_SIZE(exp), ss_nisv_hook, &ctx,
				     NULL));
	EXPECT_EQ(1, ctx.exits);
	if (!ctx.spsr_read)	/* the first stop after the abort ended the run */
		vcpu_get_reg(vcpu, ARM64_CORE_REG(spsr[KVM_SPSR_EL1]),
			     &ctx.spsr);
	TH_LOG("guest-visible: SPSR_EL1 0x%lx", ctx.spsr);
	kvm_vm_free(vm);
}

TEST(nisv_exit_then_pstate_write)
{
	ss_check_nisv_then(_metadata, SS_EMULATE);
}

#define SS_ENABLE_PARAM	"/sys/module/kvm_ss_fix/parameters/enable"
#define SS_MODULE_STATS	"/sys/kernel/debug/kvm_ss_fix/stats"

static void ss_module_enable(bool on)
{
	FILE *f = fopen(SS_ENABLE_PARAM, "w");

	TEST_ASSERT(f, "cannot open %s: %d", SS_ENABLE_PARAM, errno);
	TEST_ASSERT(fputs(on ? "1\n" : "0\n", f) >= 0 && !fclose(f),
		    "cannot write %s: %d", SS_ENABLE_PARAM, errno);
}

/* One counter of the module's stats file; the test fails without it. */
static long ss_module_stat(const char *name)
{
	FILE *f = fopen(SS_MODULE_STATS, "r");
	char key[64];
	long val;

	TEST_ASSERT(f, "cannot open %s: %d", SS_MODULE_STATS, errno);
	while (fscanf(f, "%63s %ld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	TEST_FAIL("no %s in %s", name, SS_MODULE_STATS);
	return -1;
}

/* Run once under single-step; return the stop's PC and syndrome. */
static u64 ss_step_once(struct kvm_vcpu *vcpu, u64 *esr)
{
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_DEBUG,
		    "expected a stop, got %s at PC 0x%lx",
		    exit_reason_str(vcpu->run->exit_reason), ss_get_pc(vcpu));
	*esr = vcpu->run->debug.arch.hsr;
	return ss_get_pc(vcpu);
}

/*
 * Case 19 (kvm_ss_fix only): the module's `enable` switched off and on
 * while a step is owed.  PSCI SYSTEM_RESET is an HVC that KVM hands to
 * userspace: the exit is taken active-pending, and the VMM resets the
 * vCPU to ss_rst_2.  One KVM_RUN with enable=0 (the kernel's own
 * behaviour, whatever that is: the module's counters must not move),
 * then enable=1: the module followed nothing meanwhile, so the next stop
 * must be exactly one instruction further, stepped (ISV=1), not a stop
 * owed from before.
 */
TEST(module_enable_toggle)
{
	const struct ss_stop exp[] = { STEP(ss_rst_1), STEP(ss_rst_hvc) };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 pc0, pc1, esr;
	long forced, set;

	if (access(SS_ENABLE_PARAM, W_OK))
		SKIP(return, "kvm_ss_fix is not loaded");
	vm = ss_vm_create(&vcpu, ss_rst);
	ASSERT_TRUE(ss_run_and_check(vcpu, (u64)ss_rst_hvc, exp,
				     ARRAY_SIZE(exp), NULL, NULL, NULL));
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
		    vcpu->run->system_event.type == KVM_SYSTEM_EVENT_RESET,
		    "expected the SYSTEM_RESET exit, got %s at PC 0x%lx, x0 0x%lx",
		    exit_reason_str(vcpu->run->exit_reason), ss_get_pc(vcpu),
		    ss_get_xreg(vcpu, 0));
	ss_reset_vcpu(vcpu, (u64)ss_rst_2);

	ss_module_enable(false);
	forced = ss_module_stat("ss_forced");
	set = ss_module_stat("pending_set");
	pc0 = ss_step_once(vcpu, &esr);
	/* enable=0: the module changed nothing in that run */
	EXPECT_EQ(forced, ss_module_stat("ss_forced"));
	EXPECT_EQ(set, ss_module_stat("pending_set"));
	ss_module_enable(true);
	pc1 = ss_step_once(vcpu, &esr);
	ksft_print_msg("stops 0x%lx then 0x%lx esr 0x%lx\n", pc0, pc1, esr);
	EXPECT_EQ(pc0 + 4, pc1);
	EXPECT_TRUE(esr & SS_ESR_ISV);
	kvm_vm_free(vm);
}

/*
 * Case 17: KVM_GUESTDBG_BLOCKIRQ (Documentation/kvm-ss-fix.rst, "Interrupt
 * hold-back").  A PPI is pending from the first stepped instruction on,
 * and the guest unmasks IRQs itself.  With the flag, no interrupt is
 * delivered while stepping: every stop is the next instruction (none at
 * the IRQ vector), the WFI completes (the interrupt is pending) without
 * hanging, and what the guest reads of its own DAIF is exactly what it
 * wrote (D and A stay masked from reset).  Once the flag is cleared, the
 * interrupt is taken, exactly once: the handler reports the INTID it
 * acknowledged, then its end.  A kernel without the flag refuses it with
 * EINVAL, which fails the case as such.  With SS_BI_PLAIN_STEP=1 in the
 * environment the case steps without the flag, for kvm_ss_fix's
 * block_irq_when_stepping parameter (scripts/guest/module-blockirq.sh):
 * it passes only where that holds the interrupt back.
 */
#define SS_BI_DEBUG	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
			 KVM_GUESTDBG_BLOCKIRQ)
#define SS_DAIF_DA	0x300
#define SS_DAIF_DAI	0x380

static void ss_bi_set_ppi(struct kvm_vm *vm, struct kvm_vcpu *vcpu, int level)
{
	u32 irq = (KVM_ARM_IRQ_TYPE_PPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		  (vcpu->id << KVM_ARM_IRQ_VCPU_SHIFT) | SS_BI_PPI;

	kvm_irq_line(vm, irq, level);
}

/* Run unstepped to the guest's next store to SS_MMIO_GPA + @off. */
static u64 ss_bi_run_to_store(struct kvm_vcpu *vcpu, u64 off)
{
	struct kvm_run *run = vcpu->run;
	u64 data = 0;

	vcpu_run(vcpu);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
		    run->mmio.phys_addr == SS_MMIO_GPA + off,
		    "expected the guest's store to 0x%llx, got exit %u (MMIO at 0x%llx) at pc 0x%llx",
		    (unsigned long long)(SS_MMIO_GPA + off), run->exit_reason,
		    (unsigned long long)run->mmio.phys_addr,
		    (unsigned long long)ss_get_pc(vcpu));
	memcpy(&data, run->mmio.data, run->mmio.len);
	return data;
}

/* A vCPU at ss_bi_go with its GIC set up, or NULL without a vGICv3. */
static struct kvm_vm *ss_bi_vm_create(struct kvm_vcpu **vcpu, int *gic_fd)
{
	struct kvm_vm *vm = ss_vm_create(vcpu, ss_bi);

	*gic_fd = vgic_v3_setup(vm, 1, 64, SS_GICD_GPA, SS_GICR_GPA);
	if (*gic_fd < 0) {
		kvm_vm_free(vm);
		return NULL;
	}
	virt_map(vm, SS_GICD_GPA, SS_GICD_GPA, 1);
	virt_map(vm, SS_GICR_SGI_GPA, SS_GICR_SGI_GPA, 1);
	vm_install_exception_handler(vm, VECTOR_IRQ_CURRENT,
				     (handler_fn)ss_bi_irq_handler);
	ss_bi_run_to_store(*vcpu, 0);
	/* complete the store without entering the guest */
	(*vcpu)->run->immediate_exit = 1;
	TEST_ASSERT(__vcpu_run(*vcpu) == -1 && errno == EINTR,
		    "KVM_RUN with immediate_exit did not return EINTR");
	(*vcpu)->run->immediate_exit = 0;
	TEST_ASSERT(ss_get_pc(*vcpu) == (u64)ss_bi_go, "not at ss_bi_go");
	return vm;
}

TEST(blockirq_held_while_stepping)
{
	const struct ss_stop exp[] = {
		STEP(ss_bi_1), STEP(ss_bi_2), STEP(ss_bi_3), STEP(ss_bi_4),
		STEP(ss_bi_5), STEP(ss_bi_6), ANY(ss_bi_7), STEP(ss_bi_end),
	};
	u32 control = SS_BI_DEBUG;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ss_run r;
	int gic_fd, ret;
	bool ok;

	vm = ss_bi_vm_create(&vcpu, &gic_fd);
	if (!vm)
		SKIP(return, "no vGICv3: %d", gic_fd);
	ss_bi_set_ppi(vm, vcpu, 1);
	if (getenv("SS_BI_PLAIN_STEP"))
		control &= ~KVM_GUESTDBG_BLOCKIRQ;
	TH_LOG("stepping with KVM_SET_GUEST_DEBUG(0x%x)", control);
	ret = ss_set_guest_debug(vcpu, control);
	if (ret == -EINVAL) {
		TH_LOG("KVM_GUESTDBG_BLOCKIRQ refused with EINVAL by KVM_SET_GUEST_DEBUG");
		ASSERT_EQ(0, ret);
	}
	ASSERT_EQ(0, ret);

	ss_run_init(&r, vcpu, (u64)ss_bi_end, ARRAY_SIZE(exp) + SS_SLACK);
	ss_step(&r);
	ok = ss_check(&r, exp, ARRAY_SIZE(exp));
	ss_run_free(&r);
	ASSERT_TRUE(ok);
	/* the guest's own DAIF, read back by the guest while stepped */
	EXPECT_EQ(SS_DAIF_DA, ss_get_xreg(vcpu, 3));
	EXPECT_EQ(SS_DAIF_DAI, ss_get_xreg(vcpu, 4));
	EXPECT_EQ(SS_DAIF_DA, ss_get_xreg(vcpu, 5));

	/* the hold ends with the flag: the PPI is taken, once */
	ss_set_single_step(vcpu, false);
	EXPECT_EQ(SS_BI_PPI, ss_bi_run_to_store(vcpu, 0));
	ss_bi_set_ppi(vm, vcpu, 0);
	EXPECT_EQ(SS_BI_PPI, ss_bi_run_to_store(vcpu, 8));
	close(gic_fd);
	kvm_vm_free(vm);
}

/*
 * Case 17b: the flag's ABI.  KVM_CAP_SET_GUEST_DEBUG2 (5.13+) reports it
 * among the flags KVM_SET_GUEST_DEBUG takes; KVM_SET_GUEST_DEBUG takes it
 * with and without KVM_GUESTDBG_ENABLE (without, it is cleared with the
 * rest, as on x86), and still refuses an unknown bit next to it.
 */
TEST(blockirq_flag_abi)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int gic_fd, caps;

	vm = ss_bi_vm_create(&vcpu, &gic_fd);
	if (!vm)
		SKIP(return, "no vGICv3: %d", gic_fd);
	caps = vm_check_cap(vm, KVM_CAP_SET_GUEST_DEBUG2);
	TH_LOG("KVM_CAP_SET_GUEST_DEBUG2: 0x%x (0: the kernel predates it)",
	       caps);
	if (caps && !(caps & KVM_GUESTDBG_BLOCKIRQ))
		TH_LOG("KVM_GUESTDBG_BLOCKIRQ refused with EINVAL: not in the cap");
	ASSERT_TRUE(!caps || (caps & KVM_GUESTDBG_BLOCKIRQ));

	EXPECT_EQ(-EINVAL, ss_set_guest_debug(vcpu, KVM_GUESTDBG_ENABLE |
						    KVM_GUESTDBG_BLOCKIRQ |
						    BIT(21)));
	if (ss_set_guest_debug(vcpu, KVM_GUESTDBG_ENABLE |
				     KVM_GUESTDBG_BLOCKIRQ) == -EINVAL)
		TH_LOG("KVM_GUESTDBG_BLOCKIRQ refused with EINVAL by KVM_SET_GUEST_DEBUG");
	ASSERT_EQ(0, ss_set_guest_debug(vcpu, KVM_GUESTDBG_ENABLE |
					      KVM_GUESTDBG_BLOCKIRQ));
	ASSERT_EQ(0, ss_set_guest_debug(vcpu, KVM_GUESTDBG_BLOCKIRQ));
	ASSERT_EQ(0, ss_set_guest_debug(vcpu, 0));
	close(gic_fd);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
