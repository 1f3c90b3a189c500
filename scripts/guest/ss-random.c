// SPDX-License-Identifier: GPL-2.0
/*
 * ss-random: random guest programs, single-stepped in KVM with random
 * userspace actions between runs.  Every KVM_RUN result (stop PC and
 * ESR.ISV, MMIO exit PC, -EINTR) is checked against the reference model,
 * model/ss_model.c with kvm_ss_fix/ss_rules.c, both built in unchanged.
 *
 *   ss-random --model KERNEL [--seed N] [--ops N] [--round N] [-v]
 *
 * KERNEL is the model variant: stock-5.10, rules-5.10 (5.10 with
 * kvm_ss_fix), upstream-6.1 (6.1 - 6.6), upstream-6.7 (6.7 - 6.13), or
 * rules-6.1 and rules-6.7 (those with kvm_ss_fix or the 6.1.y/6.12.y fix).
 * Each round is a new VM (vGICv3, one vCPU) with a new program; the same
 * seed replays the same programs and actions.  --storm adds a thread
 * that signals the walker at random (SIGUSR1, which only KVM_RUN lets
 * in), so KVM_RUN also returns early at random points of the run loop
 * (not replayable).
 *
 *   ss-random --model rules-5.10 --threads N --gen FILE [--seed N]
 *
 * is the stress form: N threads, each with its own VMs, until FILE says
 * "stop", while a script loads and unloads the module.  FILE holds a
 * number, odd while the module is loaded (see module-cycle.sh); a result
 * is checked only when every KVM_RUN since the last stop began and ended
 * under the same odd number, otherwise the model is resynchronised at the
 * next stop.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "genfile.h"
#include "rawkvm.h"
#include "../../model/ss_model.c"
#include "../../kvm_ss_fix/ss_rules.c"

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

#define PROG_MAX	128
#define PROG_MIN	16
#define MAX_THREADS	8
#define MAX_REPORTS	10
#define LOG_LEN		12
#define HANG_SECONDS	10
#define DBG_STEP	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)
#define BAD_DEBUG_BIT	BIT(24)		/* no KVM_GUESTDBG_* flag on any arch */
#define GICD_BASE	0x8000000UL
#define GICR_BASE	0x80a0000UL
#define VECTORS		0x800	/* VBAR_EL1, offset from GUEST_BASE */
#define VECTORS_SIZE	0x800
#define ESR_EC_SOFTSTP	0x32
#define ESR_ISV		BIT(24)

#define INSN_NOP	0xd503201f
#define INSN_WFI	0xd503207f
#define INSN_HVC0	0xd4000002
#define INSN_MOVZ_PSCI	0xd2b08000	/* movz x0, #0x8400, lsl #16 */
#define INSN_LDR_MMIO	0xf9400041	/* ldr x1, [x2] */
#define INSN_STR_MMIO	0xf9000443	/* str x3, [x2, #8] */
#define INSN_LDR_GICD	0xb94000c5	/* ldr w5, [x6]: GICD_CTLR */
#define INSN_LDR_TYPER	0xb94004c5	/* ldr w5, [x6, #4]: GICD_TYPER */
#define INSN_MRS_PFR0	0xd5380407	/* mrs x7, id_aa64pfr0_el1 */
#define INSN_MRS_ISAR0	0xd5380607	/* mrs x7, id_aa64isar0_el1 */
#define INSN_ADD_X4	0x91000484	/* add x4, x4, #imm12 (<< 10) */
#define INSN_EOR_X8	0xca040108	/* eor x8, x8, x4 */
#define INSN_CBZ_XZR	0xb400001f	/* cbz xzr, imm19 (<< 5) */
#define INSN_CBNZ_XZR	0xb500001f	/* cbnz xzr, imm19 (<< 5) */
#define INSN_B		0x14000000	/* b imm26 */

enum insn_class {
	CLASS_ALU, CLASS_BR_TAKEN, CLASS_BR_NOT, CLASS_HVC, CLASS_MMIO_LOAD,
	CLASS_MMIO_STORE, CLASS_GICD, CLASS_SYSREG, CLASS_WFI, NR_CLASSES,
};

static const unsigned int class_weight[NR_CLASSES] = {
	[CLASS_ALU] = 30, [CLASS_BR_TAKEN] = 8, [CLASS_BR_NOT] = 6,
	[CLASS_HVC] = 8, [CLASS_MMIO_LOAD] = 8, [CLASS_MMIO_STORE] = 6,
	[CLASS_GICD] = 8, [CLASS_SYSREG] = 10, [CLASS_WFI] = 6,
};

enum action {
	ACT_RUN, ACT_IMMEDIATE_EXIT, ACT_SIGNAL, ACT_TOGGLE, ACT_SET_PC,
	ACT_BAD_DEBUG, NR_ACTIONS,
};

static const unsigned int action_weight[NR_ACTIONS] = {
	[ACT_RUN] = 70, [ACT_IMMEDIATE_EXIT] = 8, [ACT_SIGNAL] = 8,
	[ACT_TOGGLE] = 6, [ACT_SET_PC] = 5, [ACT_BAD_DEBUG] = 3,
};

struct program {
	u32 code[PROG_MAX];
	enum model_insn kind[PROG_MAX];
	u64 target[PROG_MAX];
	unsigned int len;
};

struct test_vm {
	int vm, gic;
	void *mem;
	long run_size;
	struct rawvcpu vcpu;
};

struct result {
	enum model_exit kind;
	struct model_stop stop;
	char what[80];		/* set for anything else KVM_RUN returned */
};

struct walker {
	pthread_t thread;
	int id;
	u64 rng;
	struct program prog;
	struct model_vcpu model;
	struct test_vm tvm;
	bool window_open, window_ok;
	long window_gen;
	unsigned long ops, runs, stops, mmio, eintr, checked, unchecked;
	unsigned long mismatches, vms, round, reports;
	unsigned long storm_left;	/* --storm: KVM_RUNs a signal ended */
	unsigned long storm_after_exit;	/* ... after KVM handled an exit */
	u64 max_run_ns;
	/* shared with the watchdog in main(): LOAD() and STORE() only */
	u64 run_started;		/* now_ns() while in KVM_RUN, else 0 */
	bool kicked;			/* the watchdog signalled KVM_RUN */
	bool done;
	char log[LOG_LEN][48];
	unsigned int log_pos;
};

struct options {
	enum model_kernel kernel;
	u64 seed;
	unsigned long ops;
	unsigned long round_ops;
	int threads;
	const char *gen_path;
	bool verbose;
	bool storm;		/* a second thread signals the walker */
};

static struct options opt = {
	.ops = 10000, .round_ops = 250, .threads = 1,
};

/* xorshift64*: small, and the same sequence on every machine */
static u64 rng_next(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static unsigned int rng_below(u64 *s, unsigned int n)
{
	return (unsigned int)(rng_next(s) >> 32) % n;
}

static unsigned int rng_weighted(u64 *s, const unsigned int *w, int n)
{
	unsigned int total = 0, pick;
	int i;

	for (i = 0; i < n; i++)
		total += w[i];
	pick = rng_below(s, total);
	for (i = 0; pick >= w[i]; i++)
		pick -= w[i];
	return i;
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- program generator ---- */

static void emit(struct program *p, unsigned int i, u32 code,
		 enum model_insn kind)
{
	p->code[i] = code;
	p->kind[i] = kind;
	p->target[i] = 0;
}

/* cbz/cbnz xzr from slot @i to a later slot; cbz is always taken */
static void emit_branch(struct program *p, u64 *rng, unsigned int i,
			bool taken)
{
	unsigned int to = i + 1 + rng_below(rng, p->len - 1 - i);
	u32 imm19 = (to - i) & 0x7ffff;

	if (taken) {
		emit(p, i, INSN_CBZ_XZR | imm19 << 5, INSN_BRANCH);
		p->target[i] = to * 4;
	} else {
		emit(p, i, INSN_CBNZ_XZR | imm19 << 5, INSN_PLAIN);
	}
}

/* Fill slot @i (and i + 1 for an HVC); returns the slots used. */
static unsigned int emit_class(struct program *p, u64 *rng, unsigned int i,
			       enum insn_class c)
{
	bool alt = rng_below(rng, 2);

	switch (c) {
	case CLASS_ALU:
		emit(p, i, alt ? INSN_EOR_X8 :
		     INSN_ADD_X4 | (1 + rng_below(rng, 4095)) << 10, INSN_PLAIN);
		return 1;
	case CLASS_BR_TAKEN:
	case CLASS_BR_NOT:
		emit_branch(p, rng, i, c == CLASS_BR_TAKEN);
		return 1;
	case CLASS_HVC:
		if (i + 1 >= p->len - 2)
			break;
		emit(p, i, INSN_MOVZ_PSCI, INSN_PLAIN);
		emit(p, i + 1, INSN_HVC0, INSN_HVC);
		return 2;
	case CLASS_MMIO_LOAD:
		emit(p, i, INSN_LDR_MMIO, INSN_MMIO);
		return 1;
	case CLASS_MMIO_STORE:
		emit(p, i, INSN_STR_MMIO, INSN_MMIO);
		return 1;
	case CLASS_GICD:
		emit(p, i, alt ? INSN_LDR_TYPER : INSN_LDR_GICD, INSN_TRAP);
		return 1;
	case CLASS_SYSREG:
		emit(p, i, alt ? INSN_MRS_ISAR0 : INSN_MRS_PFR0, INSN_TRAP);
		return 1;
	case CLASS_WFI:		/* TCG runs a stepped WFI as a NOP */
		emit(p, i, INSN_WFI, INSN_PLAIN);
		return 1;
	default:
		break;
	}
	emit(p, i, INSN_NOP, INSN_PLAIN);
	return 1;
}

static void emit_branch_to_start(struct program *p, unsigned int i)
{
	emit(p, i, INSN_B | (-i & 0x3ffffff), INSN_BRANCH);
	p->target[i] = 0;
}

/*
 * A forward-only program that ends with a branch back to its start, and
 * a guard slot after it, the same branch: a PC write to the last branch
 * while an MMIO access is pending makes KVM's completion skip it.  PC
 * writes (see do_action) never target the guard.
 */
static void generate_program(struct program *p, u64 *rng)
{
	unsigned int i = 0;

	p->len = PROG_MIN + rng_below(rng, PROG_MAX - PROG_MIN + 1);
	while (i < p->len - 2)
		i += emit_class(p, rng, i,
				rng_weighted(rng, class_weight, NR_CLASSES));
	emit_branch_to_start(p, p->len - 2);
	emit_branch_to_start(p, p->len - 1);
}

/* ---- the VM: guest memory, one vCPU, a vGICv3 ---- */

static void set_device_addr(int gic, u64 type, u64 addr)
{
	struct kvm_device_attr attr = {
		.group = KVM_DEV_ARM_VGIC_GRP_ADDR, .attr = type,
		.addr = (uintptr_t)&addr,
	};

	rawkvm_ioctl(gic, KVM_SET_DEVICE_ATTR, &attr, "vGIC address");
}

static int create_vgic(int vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	struct kvm_device_attr init = {
		.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
		.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};

	rawkvm_ioctl(vm, KVM_CREATE_DEVICE, &dev, "KVM_CREATE_DEVICE vGICv3");
	set_device_addr(dev.fd, KVM_VGIC_V3_ADDR_TYPE_DIST, GICD_BASE);
	set_device_addr(dev.fd, KVM_VGIC_V3_ADDR_TYPE_REDIST, GICR_BASE);
	rawkvm_ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &init, "vGIC init");
	return dev.fd;
}

/* Signals stay blocked except inside KVM_RUN, where SIGUSR1 is let in. */
static void set_run_sigmask(struct rawvcpu *v)
{
	struct {
		struct kvm_signal_mask hdr;
		u64 set;
	} mask = { .hdr.len = 8, .set = ~(1ULL << (SIGUSR1 - 1)) };

	rawkvm_ioctl(v->fd, KVM_SET_SIGNAL_MASK, &mask, "KVM_SET_SIGNAL_MASK");
}

#define XREG(n)	CORE_REG(regs.regs[n])
#define SYSREG(op0, op1, crn, crm, op2) \
	ARM64_SYS_REG(op0, op1, crn, crm, op2)

/*
 * Guest exception vectors of "b ." only: nothing the programs do should
 * raise an exception, and if something does, the stops land here (a
 * mismatch that shows ESR_EL1) instead of looping on a vector fetch.
 */
static void fill_vectors(void *mem)
{
	u32 *insn = (u32 *)((char *)mem + VECTORS);
	unsigned int i;

	for (i = 0; i < VECTORS_SIZE / 4; i++)
		insn[i] = INSN_B;
}

static void create_test_vm(struct test_vm *t, const struct program *p)
{
	struct kvm_userspace_memory_region region = {
		.guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE,
	};
	int kvm = open("/dev/kvm", O_RDWR);

	t->vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (t->vm < 0)
		rawkvm_die("KVM_CREATE_VM");
	t->run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	close(kvm);
	t->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->mem == MAP_FAILED)
		rawkvm_die("mmap guest memory");
	memcpy(t->mem, p->code, p->len * sizeof(u32));
	fill_vectors(t->mem);
	region.userspace_addr = (uintptr_t)t->mem;
	rawkvm_ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &region,
		     "KVM_SET_USER_MEMORY_REGION");
	t->vcpu = rawkvm_create_vcpu(t->vm, 0, 0);
	t->gic = create_vgic(t->vm);
	rawkvm_set_reg(&t->vcpu, XREG(0), 0x84000000);	/* PSCI_VERSION */
	rawkvm_set_reg(&t->vcpu, XREG(2), GUEST_MMIO);
	rawkvm_set_reg(&t->vcpu, XREG(6), GICD_BASE);
	rawkvm_set_reg(&t->vcpu, SYSREG(3, 0, 12, 0, 0), GUEST_BASE + VECTORS);
	set_run_sigmask(&t->vcpu);
}

static void destroy_test_vm(struct test_vm *t)
{
	munmap(t->vcpu.run, t->run_size);
	close(t->vcpu.fd);
	close(t->gic);
	close(t->vm);
	munmap(t->mem, GUEST_SIZE);
}

/* ---- the generation file of the stress form ---- */

static long read_gen(void)
{
	return opt.gen_path ? genfile_read(opt.gen_path) : 1;
}

/*
 * Track whether the module was loaded throughout every KVM_RUN since the
 * last stop (gen @g0 before this run, @g1 after); true if checkable.
 */
static bool window_update(struct walker *w, long g0, long g1)
{
	if (!w->window_open) {
		w->window_open = true;
		w->window_gen = g0;
		w->window_ok = g0 > 0 && (g0 & 1);
	}
	w->window_ok &= g0 == w->window_gen && g1 == w->window_gen;
	return w->window_ok;
}

/* ---- running and checking ---- */

static void log_op(struct walker *w, const char *fmt, unsigned long long a)
{
	snprintf(w->log[w->log_pos++ % LOG_LEN], sizeof(w->log[0]), fmt, a);
}

static void describe(const struct result *r, char *buf, size_t len)
{
	switch (r->kind) {
	case MODEL_EXIT_DEBUG:
		snprintf(buf, len, "stop +0x%03llx isv %d",
			 (unsigned long long)r->stop.pc, r->stop.isv);
		break;
	case MODEL_EXIT_MMIO:
		snprintf(buf, len, "mmio exit +0x%03llx",
			 (unsigned long long)r->stop.pc);
		break;
	case MODEL_EXIT_EINTR:
		snprintf(buf, len, "-EINTR");
		break;
	default:
		snprintf(buf, len, "%s", r->what);
		break;
	}
}

static bool same_result(const struct result *a, const struct result *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == MODEL_EXIT_DEBUG)
		return a->stop.pc == b->stop.pc && a->stop.isv == b->stop.isv;
	if (a->kind == MODEL_EXIT_MMIO)
		return a->stop.pc == b->stop.pc;
	return a->kind == MODEL_EXIT_EINTR;
}

static int count_differences(struct walker *w)
{
	const u32 *mem = w->tvm.mem;
	unsigned int i;
	int n = 0;

	for (i = 0; i < w->prog.len; i++)
		n += mem[i] != w->prog.code[i];
	return n;
}

/* The vCPU's PC and EL1 exception state, for an unexpected exception. */
static void dump_vcpu(struct walker *w)
{
	struct rawvcpu *v = &w->tvm.vcpu;
	u64 elr;

	printf("# vcpu state: pc +0x%llx pstate 0x%llx elr_el1 0x%llx",
	       rawkvm_get_reg(v, CORE_REG(regs.pc)) - GUEST_BASE,
	       rawkvm_get_reg(v, CORE_REG(regs.pstate)),
	       rawkvm_get_reg(v, CORE_REG(elr_el1)));
	printf(" esr_el1 0x%llx far_el1 0x%llx\n",
	       rawkvm_get_reg(v, SYSREG(3, 0, 5, 2, 0)),
	       rawkvm_get_reg(v, SYSREG(3, 0, 6, 0, 0)));
	elr = rawkvm_get_reg(v, CORE_REG(elr_el1)) - GUEST_BASE;
	if (elr < PROG_MAX * 4)
		printf("# insn at elr_el1: 0x%08x (program: 0x%08x, %u long, %d differ)\n",
		       ((u32 *)w->tvm.mem)[elr / 4], w->prog.code[elr / 4],
		       w->prog.len, count_differences(w));
	STORE(w->kicked, false);
	w->window_open = false;
}

static void report_mismatch(struct walker *w, const struct result *want,
			    const struct result *got)
{
	char exp[96], act[96];
	unsigned int i;

	if (w->reports++ >= MAX_REPORTS)
		return;
	describe(want, exp, sizeof(exp));
	describe(got, act, sizeof(act));
	if (got->stop.pc >= VECTORS && got->stop.pc < VECTORS + VECTORS_SIZE)
		dump_vcpu(w);
	printf("# MISMATCH seed %llu thread %d round %lu op %lu: expected %s, got %s\n",
	       (unsigned long long)opt.seed, w->id, w->round, w->ops, exp, act);
	for (i = w->log_pos > LOG_LEN ? w->log_pos - LOG_LEN : 0;
	     i < w->log_pos; i++)
		printf("#   op %s\n", w->log[i % LOG_LEN]);
}

static void consume_sigusr1(void)
{
	struct timespec zero = { 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigtimedwait(&set, NULL, &zero);
}

static void classify_exit(struct walker *w, struct result *r)
{
	struct kvm_run *run = w->tvm.vcpu.run;
	u32 hsr = run->debug.arch.hsr;

	r->stop.pc = rawkvm_get_reg(&w->tvm.vcpu, CORE_REG(regs.pc)) - GUEST_BASE;
	r->stop.isv = hsr & ESR_ISV;
	if (run->exit_reason == KVM_EXIT_DEBUG && hsr >> 26 == ESR_EC_SOFTSTP) {
		r->kind = MODEL_EXIT_DEBUG;
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		r->kind = MODEL_EXIT_MMIO;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
	} else {
		r->kind = MODEL_EXIT_OFF;
		snprintf(r->what, sizeof(r->what), "exit %u hsr 0x%x pc +0x%llx",
			 run->exit_reason, hsr, (unsigned long long)r->stop.pc);
	}
}

/* One real KVM_RUN; @how is ACT_RUN, ACT_IMMEDIATE_EXIT or ACT_SIGNAL. */
static void real_kvm_run(struct walker *w, enum action how, struct result *r)
{
	struct kvm_run *run = w->tvm.vcpu.run;
	u64 t0, dt;
	int ret, err;

	run->immediate_exit = how == ACT_IMMEDIATE_EXIT;
	if (how == ACT_SIGNAL)
		pthread_kill(pthread_self(), SIGUSR1);
	t0 = now_ns();
	STORE(w->run_started, t0);
	ret = ioctl(w->tvm.vcpu.fd, KVM_RUN, NULL);
	err = errno;
	STORE(w->run_started, 0);
	dt = now_ns() - t0;
	run->immediate_exit = 0;
	if (how == ACT_SIGNAL || opt.storm)
		consume_sigusr1();
	if (dt > w->max_run_ns)
		w->max_run_ns = dt;
	w->runs++;
	memset(r, 0, sizeof(*r));
	if (LOAD(w->kicked)) {
		r->kind = MODEL_EXIT_OFF;
		snprintf(r->what, sizeof(r->what),
			 "KVM_RUN still running after %d s", HANG_SECONDS);
		consume_sigusr1();
	} else if (ret < 0 && err == EINTR) {
		r->kind = MODEL_EXIT_EINTR;
		r->stop.pc = rawkvm_get_reg(&w->tvm.vcpu, CORE_REG(regs.pc)) -
			     GUEST_BASE;
		w->eintr++;
	} else if (ret < 0) {
		r->kind = MODEL_EXIT_OFF;
		snprintf(r->what, sizeof(r->what), "KVM_RUN: %s", strerror(err));
	} else {
		classify_exit(w, r);
	}
}

/* Resynchronise the model with what the kernel did. */
static void follow_real(struct walker *w, const struct result *got)
{
	if (got->kind == MODEL_EXIT_DEBUG)
		model_resync_at_stop(&w->model, got->stop.pc);
	else if (got->kind == MODEL_EXIT_MMIO)
		model_resync_at_mmio(&w->model, got->stop.pc);
}

/*
 * --storm: a signal ended a KVM_RUN that was meant to enter.  Where it
 * landed decides what KVM did first, and the PC tells which:
 *  - before the first entry, or while the guest ran (an interrupt exit
 *    before the stepped instruction): at most the pending MMIO access
 *    completed, as for immediate_exit;
 *  - after KVM handled the exit of the one instruction the guest ran (a
 *    trap it completed, an HVC): that instruction is done, and KVM_RUN
 *    left before entering again.
 * On a fixed kernel the first two leave the same step state.  Stock
 * 6.1 - 6.13 does not: an update committed by the entry (with an
 * interrupt exit after it) keeps the step, one committed on the way out
 * loses it, and both leave the same PC, so the result is not checked
 * until the next stop there.
 */
static enum model_exit model_storm_eintr(struct walker *w,
					 const struct result *got,
					 bool *checkable)
{
	struct model_vcpu before = w->model;
	struct model_stop stop;
	enum model_exit kind;

	w->storm_left++;
	kind = model_kvm_run(&w->model, true, &stop);
	if (w->model.pc == got->stop.pc) {
		if ((opt.kernel == MODEL_UPSTREAM_61 ||
		     opt.kernel == MODEL_UPSTREAM_67) && before.mmio_pending)
			*checkable = w->window_ok = false;
		return kind;
	}
	w->model = before;
	w->storm_after_exit++;
	kind = model_kvm_run_left_after_exit(&w->model);
	if (w->model.pc != got->stop.pc)
		return MODEL_EXIT_OFF;	/* neither: report it */
	if (opt.kernel == MODEL_UPSTREAM_61 || opt.kernel == MODEL_UPSTREAM_67)
		*checkable = w->window_ok = false;
	return kind;
}

static void run_and_check(struct walker *w, enum action how)
{
	struct result want = { 0 }, got;
	long g0, g1;
	bool checkable;

	g0 = read_gen();
	real_kvm_run(w, how, &got);
	g1 = read_gen();
	checkable = window_update(w, g0, g1) && !LOAD(w->kicked);
	if (opt.storm && how == ACT_RUN && got.kind == MODEL_EXIT_EINTR)
		want.kind = model_storm_eintr(w, &got, &checkable);
	else
		want.kind = model_kvm_run(&w->model, how != ACT_RUN, &want.stop);
	if (got.kind == MODEL_EXIT_DEBUG) {
		w->stops++;
		w->window_open = false;
	}
	w->mmio += got.kind == MODEL_EXIT_MMIO;
	if (LOAD(w->kicked)) {
		w->mismatches++;
		report_mismatch(w, &want, &got);
		dump_vcpu(w);
		model_resync_at_stop(&w->model, 0);
		rawkvm_set_reg(&w->tvm.vcpu, CORE_REG(regs.pc), GUEST_BASE);
		return;
	}
	if (!checkable) {
		w->unchecked++;
		follow_real(w, &got);
		return;
	}
	w->checked++;
	if (same_result(&want, &got))
		return;
	w->mismatches++;
	report_mismatch(w, &want, &got);
	follow_real(w, &got);
}

static void set_debug_both(struct walker *w, u32 control)
{
	rawkvm_set_debug(&w->tvm.vcpu, control);
	model_set_guest_debug(&w->model, control);
}

/* An invalid control word: KVM refuses it and nothing changes (R5). */
static void bad_debug(struct walker *w)
{
	struct kvm_guest_debug dbg = { .control = DBG_STEP | BAD_DEBUG_BIT };
	int ret = ioctl(w->tvm.vcpu.fd, KVM_SET_GUEST_DEBUG, &dbg);

	w->checked++;
	if (ret < 0 && errno == EINVAL)
		return;
	w->mismatches++;
	if (w->reports++ >= MAX_REPORTS)
		return;
	printf("# MISMATCH seed %llu thread %d op %lu: KVM_SET_GUEST_DEBUG",
	       (unsigned long long)opt.seed, w->id, w->ops);
	printf(" 0x%x: expected EINVAL, got %d (%s)\n", dbg.control, ret,
	       ret ? strerror(errno) : "accepted");
}

static void do_action(struct walker *w, enum action a)
{
	u32 off = rng_below(&w->rng, 2) ? 0 : KVM_GUESTDBG_ENABLE;
	u64 pc = 4 * rng_below(&w->rng, w->prog.len - 1);

	switch (a) {
	case ACT_RUN:
	case ACT_IMMEDIATE_EXIT:
	case ACT_SIGNAL:
		log_op(w, a == ACT_RUN ? "run (pc +0x%03llx)" :
		       a == ACT_SIGNAL ? "signal+run (pc +0x%03llx)" :
		       "immediate_exit run (pc +0x%03llx)", w->model.pc);
		run_and_check(w, a);
		break;
	case ACT_TOGGLE:
		log_op(w, "debug 0x%llx then on", off);
		set_debug_both(w, off);
		set_debug_both(w, DBG_STEP);
		break;
	case ACT_SET_PC:
		log_op(w, "set pc +0x%03llx", pc);
		rawkvm_set_reg(&w->tvm.vcpu, CORE_REG(regs.pc), GUEST_BASE + pc);
		model_set_pc(&w->model, pc);
		break;
	default:
		log_op(w, "bad debug flags%.0llu", 0);
		bad_debug(w);
		break;
	}
}

static void start_round(struct walker *w)
{
	generate_program(&w->prog, &w->rng);
	create_test_vm(&w->tvm, &w->prog);
	model_init_kernel(&w->model, w->prog.kind, w->prog.len, opt.kernel);
	w->model.target = w->prog.target;
	set_debug_both(w, DBG_STEP);
	w->window_open = false;
	w->round++;
	w->vms++;
	if (opt.verbose)
		printf("# thread %d round %lu: %u instructions\n", w->id,
		       w->round, w->prog.len);
}

static bool walker_done(struct walker *w)
{
	if (opt.gen_path)
		return read_gen() == GEN_STOP;
	return w->ops >= opt.ops;
}

static void *walker_main(void *arg)
{
	struct walker *w = arg;
	unsigned long in_round;

	while (!walker_done(w)) {
		start_round(w);
		for (in_round = 0; in_round < opt.round_ops && !walker_done(w);
		     in_round++, w->ops++)
			do_action(w, rng_weighted(&w->rng, action_weight,
						  NR_ACTIONS));
		destroy_test_vm(&w->tvm);
	}
	STORE(w->done, true);
	return NULL;
}

/* ---- main ---- */

static void print_usage(void)
{
	fprintf(stderr,
		"usage: ss-random --model " MODEL_KERNEL_NAMES "\n"
		"                 [--seed N] [--ops N] [--round N] [--storm] [--verbose]\n"
		"       ss-random --model M --threads N --gen FILE [--seed N] [--round N]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "round", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "gen", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "storm", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int c, kernel = -1;

	opt.seed = (u64)time(NULL) ^ ((u64)getpid() << 16);
	while ((c = getopt_long(argc, argv, "m:s:n:r:t:g:vS", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			kernel = model_kernel_by_name(optarg);
			break;
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opt.ops = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			opt.round_ops = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt.threads = atoi(optarg);
			break;
		case 'g':
			opt.gen_path = optarg;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'S':
			opt.storm = true;
			break;
		default:
			print_usage();
		}
	}
	if (kernel < 0 || optind != argc || opt.threads < 1 ||
	    opt.threads > MAX_THREADS || !opt.round_ops ||
	    (opt.threads > 1 && !opt.gen_path) || (opt.storm && opt.threads > 1))
		print_usage();
	opt.kernel = kernel;
}

static void sigusr1_handler(int sig)
{
	(void)sig;	/* blocked outside KVM_RUN: never delivered */
}

/* SIGUSR1 is blocked in every thread; KVM_RUN lets it in (see above). */
static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = sigusr1_handler };
	sigset_t set;

	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

struct storm {
	pthread_t thread_id;
	pthread_t target;
	u64 rng;
	bool stop;
	unsigned long sent;
};

/*
 * --storm: SIGUSR1 to the walker at random intervals of up to 500 us.
 * Blocked outside KVM_RUN (setup_signals()), it only ever ends a KVM_RUN:
 * the one under way, or the next, before it enters.
 */
static void *storm_main(void *arg)
{
	struct storm *st = arg;

	while (!LOAD(st->stop)) {
		pthread_kill(st->target, SIGUSR1);
		st->sent++;
		usleep(rng_below(&st->rng, 500));
	}
	return NULL;
}

static void start_storm(struct storm *st, pthread_t target)
{
	st->target = target;
	st->rng = opt.seed | 1;
	pthread_create(&st->thread_id, NULL, storm_main, st);
}

static void sum_walkers(struct walker *w, int n, struct walker *total)
{
	int i;

	memset(total, 0, sizeof(*total));
	for (i = 0; i < n; i++) {
		total->ops += w[i].ops;
		total->runs += w[i].runs;
		total->stops += w[i].stops;
		total->mmio += w[i].mmio;
		total->eintr += w[i].eintr;
		total->checked += w[i].checked;
		total->unchecked += w[i].unchecked;
		total->mismatches += w[i].mismatches;
		total->vms += w[i].vms;
		total->storm_left += w[i].storm_left;
		total->storm_after_exit += w[i].storm_after_exit;
		if (w[i].max_run_ns > total->max_run_ns)
			total->max_run_ns = w[i].max_run_ns;
	}
}

static void dump_walker(struct walker *w)
{
	unsigned int i;

	printf("# thread %d stuck: round %lu op %lu model pc +0x%03llx, last ops:\n",
	       w->id, w->round, w->ops, (unsigned long long)w->model.pc);
	for (i = w->log_pos > LOG_LEN ? w->log_pos - LOG_LEN : 0;
	     i < w->log_pos; i++)
		printf("#   op %s\n", w->log[i % LOG_LEN]);
}

/* A KVM_RUN that has not returned for HANG_SECONDS: make it return. */
static void kick_if_hung(struct walker *w)
{
	u64 started = LOAD(w->run_started);

	if (!started || LOAD(w->kicked) ||
	    now_ns() - started < HANG_SECONDS * 1000000000ULL)
		return;
	STORE(w->kicked, true);
	pthread_kill(w->thread, SIGUSR1);
}

/* Join the walkers; one still busy 20 s after "stop" is a failure. */
static void wait_walkers(struct walker *w, int n)
{
	int i, busy, stopped_for = 0;

	do {
		for (i = busy = 0; i < n; i++) {
			busy += !LOAD(w[i].done);
			kick_if_hung(&w[i]);
		}
		if (opt.gen_path && read_gen() == GEN_STOP)
			stopped_for++;
		if (busy)
			usleep(100000);
	} while (busy && stopped_for < 200);
	for (i = 0; i < n; i++) {
		if (LOAD(w[i].done)) {
			pthread_join(w[i].thread, NULL);
			continue;
		}
		dump_walker(&w[i]);
		w[i].mismatches++;
	}
}

int main(int argc, char **argv)
{
	static struct walker w[MAX_THREADS];
	struct storm storm = { 0 };
	struct walker t;
	int i;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_signals();
	printf("# replay: ss-random --model %s --seed %llu --ops %lu --round %lu\n",
	       model_kernel_name(opt.kernel), (unsigned long long)opt.seed,
	       opt.ops, opt.round_ops);
	for (i = 0; i < opt.threads; i++) {
		w[i].id = i;
		w[i].rng = opt.seed * 0x9e3779b97f4a7c15ULL + i + 1;
		if (!w[i].rng)
			w[i].rng = 1;
		pthread_create(&w[i].thread, NULL, walker_main, &w[i]);
	}
	if (opt.storm)
		start_storm(&storm, w[0].thread);
	wait_walkers(w, opt.threads);
	if (opt.storm) {
		STORE(storm.stop, true);
		pthread_join(storm.thread_id, NULL);
	}
	sum_walkers(w, opt.threads, &t);
	printf("ss-random: seed %llu model %s threads %d ops %lu runs %lu",
	       (unsigned long long)opt.seed, model_kernel_name(opt.kernel),
	       opt.threads, t.ops, t.runs);
	printf(" stops %lu mmio %lu eintr %lu checked %lu unchecked %lu",
	       t.stops, t.mmio, t.eintr, t.checked, t.unchecked);
	printf(" mismatches %lu vms %lu max_run_us %llu", t.mismatches,
	       t.vms, (unsigned long long)t.max_run_ns / 1000);
	if (opt.storm)
		printf(" signals %lu storm_eintr %lu after_exit %lu", storm.sent,
		       t.storm_left, t.storm_after_exit);
	printf("\n");
	return t.mismatches || !t.checked ? 1 : 0;
}
