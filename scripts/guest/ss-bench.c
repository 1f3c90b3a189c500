// SPDX-License-Identifier: GPL-2.0
/*
 * ss-bench: rate of guest exits with debugging off (over the ss-loop
 * guest) and of single steps (over a loop of plain instructions, which
 * every kernel steps alike, so the rates compare like with like).
 * Prints one number per run; scripts/bench runs it with and without
 * kvm_ss_fix in one boot and reports the ratios.  steps-vgic and
 * steps-blockirq step the same loop in a VM with an in-kernel vGICv3,
 * without and with KVM_GUESTDBG_BLOCKIRQ (which needs the module).
 *
 * usage: ss-bench exits|steps|steps-vgic|steps-blockirq SECONDS
 */
#include <time.h>

#include "ss-loop.h"

#ifndef KVM_GUESTDBG_BLOCKIRQ
#define KVM_GUESTDBG_BLOCKIRQ	0x00100000
#endif

enum bench_mode { B_EXITS, B_STEPS, B_STEPS_VGIC, B_STEPS_BLOCKIRQ, B_NR };

static const char *const bench_modes[B_NR] = {
	"exits", "steps", "steps-vgic", "steps-blockirq",
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * Debugging off: each loop iteration exits three times (HVC and trapped
 * MRS inside KVM, the MMIO load to userspace); count iterations by MMIO.
 */
static unsigned long run_exits(struct rawvcpu *v, double end)
{
	unsigned long iterations = 0;

	while (now() < end) {
		rawkvm_run(v);
		if (v->run->exit_reason != KVM_EXIT_MMIO)
			rawkvm_die("unexpected exit");
		memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
		iterations++;
	}
	return iterations * 3;
}

static unsigned long run_steps(struct rawvcpu *v, double end, u32 extra)
{
	unsigned long steps = 0;

	rawkvm_set_debug(v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
			    extra);
	while (now() < end) {
		ss_loop_step(v);
		steps++;
	}
	return steps;
}

int main(int argc, char **argv)
{
	int secs = argc == 3 ? atoi(argv[2]) : 0;
	enum bench_mode mode = B_NR;
	struct rawvcpu v;
	double t0, end;
	unsigned long n;
	int vm, i;

	for (i = 0; argc == 3 && i < B_NR; i++)
		if (!strcmp(argv[1], bench_modes[i]))
			mode = i;
	if (secs < 1 || mode == B_NR) {
		fprintf(stderr, "usage: ss-bench exits|steps|steps-vgic|steps-blockirq SECONDS\n");
		return 2;
	}
	vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
	v = rawkvm_create_vcpu(vm, 0, mode == B_EXITS ? 0 : SS_PLAIN_LOOP);
	if (mode == B_STEPS_VGIC || mode == B_STEPS_BLOCKIRQ)
		rawkvm_add_vgic_v3(vm);
	t0 = now();
	end = t0 + secs;
	if (mode == B_EXITS)
		n = run_exits(&v, end);
	else
		n = run_steps(&v, end, mode == B_STEPS_BLOCKIRQ ?
				       KVM_GUESTDBG_BLOCKIRQ : 0);
	printf("%.0f\n", n / (now() - t0));
	return 0;
}
