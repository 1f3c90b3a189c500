// SPDX-License-Identifier: GPL-2.0
/*
 * ss-stress: N vCPUs single-step the ss-loop guest on their own threads
 * until told to stop, while a script loads and unloads kvm_ss_fix.
 *
 * usage: ss-stress NVCPUS GENFILE
 *
 * GENFILE holds a number the script changes: odd once insmod has
 * returned, even before rmmod starts, "stop" to end.  A stop whose KVM_RUN
 * began and ended under the same odd number ran with the module loaded
 * throughout and must be the exact successor.  Any other stop may be the
 * stock kernel's, which loses the boundary after every KVM-completed
 * instruction (several in a row after MMIO, then a trapped MRS): it only
 * has to be an instruction of the loop.
 */
#include <pthread.h>
#include <time.h>

#include "genfile.h"
#include "ss-loop.h"

#define MAX_VCPUS 8
#define MAX_REPORTS 20

struct worker {
	pthread_t thread;
	struct rawvcpu vcpu;
	int id;
	unsigned long stops, checked, mismatches;
	u64 max_step_ns;
};

static const char *gen_path;

static long read_gen(void)
{
	return genfile_read(gen_path);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void check_stop(struct worker *w, u64 prev, u64 pc,
		       bool module_throughout)
{
	u64 next = ss_loop_next(prev);

	w->stops++;
	if (module_throughout)
		w->checked++;
	if (pc == next || (!module_throughout && pc <= SS_LOOP_LAST && !(pc & 3)))
		return;
	if (w->mismatches++ >= MAX_REPORTS)
		return;
	printf("# vcpu %d: stop at +0x%02llx after +0x%02llx, expected +0x%02llx%s\n",
	       w->id, (unsigned long long)pc, (unsigned long long)prev,
	       (unsigned long long)next,
	       module_throughout ? " (module loaded throughout)" : "");
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	u64 prev = 0, pc, t0, dt;
	long g0, g1;

	rawkvm_set_debug(&w->vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	for (;;) {
		g0 = read_gen();
		if (g0 == GEN_STOP)
			break;
		t0 = now_ns();
		pc = ss_loop_step(&w->vcpu);
		dt = now_ns() - t0;
		g1 = read_gen();
		if (dt > w->max_step_ns)
			w->max_step_ns = dt;
		check_stop(w, prev, pc, g0 == g1 && (g0 & 1));
		prev = pc;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[MAX_VCPUS] = {};
	unsigned long stops = 0, checked = 0, bad = 0;
	u64 max_ns = 0;
	int n, i, vm;

	n = argc == 3 ? atoi(argv[1]) : 0;
	if (n < 1 || n > MAX_VCPUS) {
		fprintf(stderr, "usage: ss-stress NVCPUS(1-%d) GENFILE\n", MAX_VCPUS);
		return 2;
	}
	gen_path = argv[2];
	vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
	for (i = 0; i < n; i++) {
		w[i].id = i;
		w[i].vcpu = rawkvm_create_vcpu(vm, i, 0);
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		stops += w[i].stops;
		checked += w[i].checked;
		bad += w[i].mismatches;
		if (w[i].max_step_ns > max_ns)
			max_ns = w[i].max_step_ns;
	}
	printf("ss-stress: vcpus %d stops %lu exact-checked %lu mismatches %lu max_step_us %llu\n",
	       n, stops, checked, bad, (unsigned long long)max_ns / 1000);
	return bad ? 1 : 0;
}
