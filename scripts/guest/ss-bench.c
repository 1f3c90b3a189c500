// SPDX-License-Identifier: GPL-2.0
/*
 * ss-bench: rate of guest exits with debugging off (over the ss-loop
 * guest) and of single steps (over a loop of plain instructions, which
 * every kernel steps alike, so the rates compare like with like).
 * Prints one number per run; scripts/bench runs it with and without
 * kvm_ss_fix in one boot and reports the ratios.
 *
 * usage: ss-bench exits|steps SECONDS
 */
#include <time.h>

#include "ss-loop.h"

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

static unsigned long run_steps(struct rawvcpu *v, double end)
{
	unsigned long steps = 0;

	rawkvm_set_debug(v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	while (now() < end) {
		ss_loop_step(v);
		steps++;
	}
	return steps;
}

int main(int argc, char **argv)
{
	bool steps = argc == 3 && !strcmp(argv[1], "steps");
	int secs = argc == 3 ? atoi(argv[2]) : 0;
	struct rawvcpu v;
	double t0, end;
	unsigned long n;
	int vm;

	if (secs < 1 || (!steps && strcmp(argv[1], "exits"))) {
		fprintf(stderr, "usage: ss-bench exits|steps SECONDS\n");
		return 2;
	}
	vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
	v = rawkvm_create_vcpu(vm, 0, steps ? SS_PLAIN_LOOP : 0);
	t0 = now();
	end = t0 + secs;
	n = steps ? run_steps(&v, end) : run_exits(&v, end);
	printf("%.0f\n", n / (now() - t0));
	return 0;
}
