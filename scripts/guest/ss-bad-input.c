// SPDX-License-Identifier: GPL-2.0
/*
 * ss-bad-input: KVM_SET_GUEST_DEBUG and KVM_RUN misuse around host
 * single-step.  Each case must give a clear error (or none where none is
 * due) and leave the stepping exact: every stop is checked against the
 * reference model, built in as in ss-random.
 *
 *   ss-bad-input --model stock-5.10|rules-5.10|upstream-6.1|upstream-6.7|rules-6.1|rules-6.7
 *   ss-bad-input --model M --idle-load FILE
 *
 * The second form steps twice, prints "ready", waits until FILE exists
 * (a script loads the module meanwhile) and steps on: a debugger that
 * turned single-step on before the module was loaded and comes back
 * later must get exact stops too.
 *
 * Prints TAP lines and "ss-bad-input: cases N checked N mismatches N";
 * exits non-zero on a failed case.  A script checks the module's records
 * afterwards (stress-bad-input.sh).
 */
#include <getopt.h>
#include <pthread.h>

#include "ss-loop.h"
#include "../../model/ss_model.c"
#include "../../kvm_ss_fix/ss_rules.c"

#define DBG_STEP	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)
#define ESR_ISV		BIT(24)
#define STEPS		12

/* ss_loop_code, as the model sees it */
static const enum model_insn loop_kinds[] = {
	INSN_PLAIN, INSN_PLAIN, INSN_HVC, INSN_PLAIN, INSN_MMIO, INSN_TRAP,
	INSN_PLAIN, INSN_BRANCH, INSN_PLAIN, INSN_BRANCH,
};

static const u64 loop_targets[] = { 0, 0, 0, 0, 0, 0, 0, 0x00, 0, 0x20 };

static enum model_kernel kernel;
static int cases, failed;
static unsigned long checked, mismatches;

struct stepper {
	int vm;
	struct rawvcpu vcpu;
	struct model_vcpu model;
};

static void result(bool ok, const char *name, const char *detail)
{
	cases++;
	if (!ok)
		failed++;
	if (detail[0])
		printf("%sok %d %s: %s\n", ok ? "" : "not ", cases, name, detail);
	else
		printf("%sok %d %s\n", ok ? "" : "not ", cases, name);
}

static void stepper_model_init(struct stepper *s)
{
	model_init_kernel(&s->model, loop_kinds, ARRAY_SIZE(loop_kinds),
			  kernel);
	s->model.target = loop_targets;
}

static void stepper_create(struct stepper *s)
{
	s->vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
	s->vcpu = rawkvm_create_vcpu(s->vm, 0, 0);
	stepper_model_init(s);
}

/* the vCPU and VM go; KVM destroys them once no fd is left */
static void stepper_destroy(struct stepper *s)
{
	close(s->vcpu.fd);
	close(s->vm);
}

static void set_debug_both(struct stepper *s, u32 control)
{
	rawkvm_set_debug(&s->vcpu, control);
	model_set_guest_debug(&s->model, control);
}

static int raw_set_debug(int fd, u32 control)
{
	struct kvm_guest_debug dbg = { .control = control };

	return ioctl(fd, KVM_SET_GUEST_DEBUG, &dbg) ? -errno : 0;
}

/*
 * Step @n stops, completing MMIO; each stop must be the model's.
 * Returns true when all were; @why says the first difference.
 */
static bool step_exact(struct stepper *s, int n, char *why, size_t len)
{
	struct kvm_run *run = s->vcpu.run;
	struct model_stop want;
	u64 pc;
	bool isv;
	int i;

	for (i = 0; i < n; i++) {
		while (model_kvm_run(&s->model, false, &want) == MODEL_EXIT_MMIO)
			;
		pc = ss_loop_step(&s->vcpu);
		isv = run->debug.arch.hsr & ESR_ISV;
		checked++;
		if (pc == want.pc && isv == want.isv)
			continue;
		mismatches++;
		snprintf(why, len, "stop %d: expected +0x%02llx isv %d, got +0x%02llx isv %d",
			 i, (unsigned long long)want.pc, want.isv,
			 (unsigned long long)pc, isv);
		return false;
	}
	return true;
}

/* Invalid control words are refused with EINVAL and change nothing. */
static void bad_flags_while_stepping(void)
{
	static const u32 bad[] = { DBG_STEP | BIT(24), BIT(31), BIT(2) };
	struct stepper s;
	char why[160] = "";
	bool ok;
	int i, ret;

	stepper_create(&s);
	set_debug_both(&s, DBG_STEP);
	ok = step_exact(&s, 3, why, sizeof(why));
	for (i = 0; ok && i < ARRAY_SIZE(bad); i++) {
		ret = raw_set_debug(s.vcpu.fd, bad[i]);
		checked++;
		if (ret != -EINVAL) {
			snprintf(why, sizeof(why), "control 0x%x: expected -EINVAL, got %d",
				 bad[i], ret);
			mismatches++;
			ok = false;
		}
	}
	ok = ok && step_exact(&s, STEPS, why, sizeof(why));
	result(ok, "invalid KVM_SET_GUEST_DEBUG flags while stepping: EINVAL, steps exact",
	       why);
	stepper_destroy(&s);
}

/* ... and with debugging off they do not turn stepping on. */
static void bad_flags_debug_off(void)
{
	struct stepper s;
	char why[160] = "";
	int ret;
	u64 pc;

	stepper_create(&s);
	ret = raw_set_debug(s.vcpu.fd, DBG_STEP | BIT(24));
	rawkvm_run(&s.vcpu);
	pc = rawkvm_get_reg(&s.vcpu, CORE_REG(regs.pc)) - GUEST_BASE;
	checked += 2;
	if (ret != -EINVAL || s.vcpu.run->exit_reason != KVM_EXIT_MMIO ||
	    pc != 0x10) {
		mismatches++;
		snprintf(why, sizeof(why),
			 "expected -EINVAL then an MMIO exit at +0x10, got %d then exit %u at +0x%llx",
			 ret, s.vcpu.run->exit_reason, (unsigned long long)pc);
	}
	result(!why[0], "invalid flags with debug off: EINVAL, guest runs unstepped",
	       why);
	stepper_destroy(&s);
}

/* Single-step switched on before the vCPU ever ran. */
static void step_never_run(void)
{
	struct stepper s;
	char why[160] = "";
	bool ok;

	stepper_create(&s);
	set_debug_both(&s, DBG_STEP);
	ok = step_exact(&s, STEPS, why, sizeof(why));
	result(ok, "single-step on a vCPU that never ran: first stop exact", why);
	stepper_destroy(&s);
}

static struct kvm_run *map_run(int vcpu_fd)
{
	int kvm = open("/dev/kvm", O_RDWR);
	long size = kvm < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run;

	close(kvm);
	run = size < 0 ? MAP_FAILED :
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		rawkvm_die("mmap kvm_run");
	return run;
}

/*
 * Single-step before KVM_ARM_VCPU_INIT: KVM_RUN must refuse the vCPU
 * (ENOEXEC); once initialised, the stepping it was given is exact.
 */
static void step_before_init(void)
{
	struct kvm_vcpu_init init;
	struct stepper s;
	char why[160] = "", tail[96];
	int ret, run_err;

	s.vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
	s.vcpu.fd = ioctl(s.vm, KVM_CREATE_VCPU, 0);
	if (s.vcpu.fd < 0)
		rawkvm_die("KVM_CREATE_VCPU");
	s.vcpu.run = map_run(s.vcpu.fd);
	stepper_model_init(&s);
	ret = raw_set_debug(s.vcpu.fd, DBG_STEP);
	run_err = ioctl(s.vcpu.fd, KVM_RUN, NULL) ? errno : 0;
	rawkvm_ioctl(s.vm, KVM_ARM_PREFERRED_TARGET, &init, "PREFERRED_TARGET");
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	rawkvm_ioctl(s.vcpu.fd, KVM_ARM_VCPU_INIT, &init, "KVM_ARM_VCPU_INIT");
	rawkvm_set_reg(&s.vcpu, CORE_REG(regs.pc), GUEST_BASE);
	checked++;
	if (run_err != ENOEXEC) {
		mismatches++;
		snprintf(why, sizeof(why), "KVM_RUN before init: expected ENOEXEC, got %s",
			 run_err ? strerror(run_err) : "success");
	}
	if (!ret)
		model_set_guest_debug(&s.model, DBG_STEP);
	else
		set_debug_both(&s, DBG_STEP);
	if (!why[0])
		step_exact(&s, STEPS, why, sizeof(why));
	snprintf(tail, sizeof(tail), "%s%sSET_GUEST_DEBUG before init %s",
		 why, why[0] ? "; " : "", ret ? strerror(-ret) : "accepted");
	result(!why[0], "single-step set before KVM_ARM_VCPU_INIT: ENOEXEC, then exact",
	       tail);
	stepper_destroy(&s);
}

/* A stepping vCPU destroyed without ever running leaves nothing behind. */
static void destroy_stepping_unrun(void)
{
	struct stepper s;
	int i;

	for (i = 0; i < 8; i++) {
		stepper_create(&s);
		set_debug_both(&s, DBG_STEP);
		stepper_destroy(&s);
	}
	result(true, "8 stepping vCPUs destroyed unrun (records: see script)", "");
}

static void *close_fd(void *arg)
{
	close(*(int *)arg);
	return NULL;
}

static void close_from_thread(int *fd)
{
	pthread_t t;

	pthread_create(&t, NULL, close_fd, fd);
	pthread_join(t, NULL);
}

/*
 * Another thread closes the VM fd: the vCPU fd keeps the VM alive and the
 * steps stay exact.  Then it closes the vCPU fd: KVM_RUN gets EBADF, and
 * the VM is destroyed with its last file.
 */
static void vm_fd_closed_by_other_thread(void)
{
	struct stepper s;
	char why[160] = "";
	bool ok;
	int err;

	stepper_create(&s);
	set_debug_both(&s, DBG_STEP);
	ok = step_exact(&s, 3, why, sizeof(why));
	close_from_thread(&s.vm);
	ok = ok && step_exact(&s, STEPS, why, sizeof(why));
	close_from_thread(&s.vcpu.fd);
	err = ioctl(s.vcpu.fd, KVM_RUN, NULL) ? errno : 0;
	checked++;
	if (ok && err != EBADF) {
		mismatches++;
		snprintf(why, sizeof(why), "KVM_RUN on the closed vCPU fd: expected EBADF, got %s",
			 err ? strerror(err) : "success");
		ok = false;
	}
	result(ok, "VM fd closed by another thread: steps exact, then EBADF", why);
}

/* Step, wait for @go to appear, step on: every stop exact. */
static void idle_then_load(const char *go)
{
	struct stepper s;
	char why[160] = "";
	bool ok;

	stepper_create(&s);
	set_debug_both(&s, DBG_STEP);
	ok = step_exact(&s, 2, why, sizeof(why));
	printf("# ready\n");
	while (access(go, F_OK))
		usleep(10000);
	ok = ok && step_exact(&s, STEPS, why, sizeof(why));
	result(ok, "single-step on before the module loaded, next step after: exact",
	       why);
	stepper_destroy(&s);
}

static int parse_kernel(int argc, char **argv)
{
	if ((argc != 3 && argc != 5) || strcmp(argv[1], "--model") ||
	    (argc == 5 && strcmp(argv[3], "--idle-load")))
		return -1;
	return model_kernel_by_name(argv[2]);
}

int main(int argc, char **argv)
{
	int k = parse_kernel(argc, argv);

	if (k < 0) {
		fprintf(stderr, "usage: ss-bad-input --model %s [--idle-load FILE]\n",
			MODEL_KERNEL_NAMES);
		return 2;
	}
	kernel = k;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5) {
		printf("TAP version 13\n1..1\n");
		idle_then_load(argv[4]);
	} else {
		printf("TAP version 13\n1..6\n");
		bad_flags_while_stepping();
		bad_flags_debug_off();
		step_never_run();
		step_before_init();
		destroy_stepping_unrun();
		vm_fd_closed_by_other_thread();
	}
	printf("ss-bad-input: model %s cases %d failed %d checked %lu mismatches %lu\n",
	       model_kernel_name(kernel), cases, failed, checked, mismatches);
	return failed ? 1 : 0;
}
