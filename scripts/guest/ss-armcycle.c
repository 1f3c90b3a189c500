// SPDX-License-Identifier: GPL-2.0
/*
 * ss-armcycle: arm and disarm kvm_ss_fix's per-exit hooks over and over
 * while other vCPUs sit in the guest.
 *
 *   ss-armcycle SECONDS SITTERS
 *
 * SITTERS threads each run a vCPU of their own VM in a plain guest loop:
 * they stay in the guest but for interrupt exits, so arming and disarming
 * happen while they are between entry and exit.  The main thread steps
 * the ss-loop guest for a few stops (every stop must be the exact
 * successor), turns stepping off, waits until the hooks are disarmed
 * (the module is loaded with a short disarm_delay_ms), and again.  At the
 * end the sitters' loop counters must have moved and the module's
 * arm/disarm counters must show every cycle.
 */
#define _GNU_SOURCE	/* pthread_tryjoin_np() */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "ss-loop.h"

#define MAX_SITTERS	8
#define STEPS_PER_CYCLE	24
#define STATS		"/sys/kernel/debug/kvm_ss_fix/stats"
#define DBG_STEP	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)
#define DISARM_WAIT_MS	10000

struct sitter {
	pthread_t thread;
	struct rawvcpu vcpu;
	unsigned long runs;
};

static bool stopping;	/* atomic: the sitters poll it */

static void on_sigusr1(int sig)
{
}

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* One value of the module's stats file, or -1. */
static long stat_value(const char *name)
{
	char key[64];
	long val;
	FILE *f = fopen(STATS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return -1;
}

/* Run the plain loop until told to stop; a signal ends each KVM_RUN. */
static void *sit(void *arg)
{
	struct sitter *s = arg;

	while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		if (ioctl(s->vcpu.fd, KVM_RUN, NULL) && errno != EINTR)
			rawkvm_die("sitter KVM_RUN");
		s->runs++;
	}
	return NULL;
}

static bool step_cycle(struct rawvcpu *v, u64 *pc)
{
	u64 got;
	int i;

	rawkvm_set_debug(v, DBG_STEP);
	for (i = 0; i < STEPS_PER_CYCLE; i++) {
		got = ss_loop_step(v);
		if (got != ss_loop_next(*pc)) {
			printf("not ok 1 stop at +0x%llx, expected +0x%llx\n",
			       got, ss_loop_next(*pc));
			return false;
		}
		*pc = got;
	}
	rawkvm_set_debug(v, 0);
	return true;
}

static bool wait_disarmed(void)
{
	u64 end = now_ms() + DISARM_WAIT_MS;

	while (now_ms() < end) {
		if (stat_value("hot_probes_armed") == 0)
			return true;
		usleep(500);
	}
	printf("not ok 1 hooks still armed %d ms after stepping stopped\n",
	       DISARM_WAIT_MS);
	return false;
}

int main(int argc, char **argv)
{
	struct sitter sitters[MAX_SITTERS];
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	long armed0, disarmed0, armed, disarmed;
	int secs, n, i, vm;
	unsigned long cycles = 0;
	struct rawvcpu v;
	bool ok = true;
	u64 end, pc;

	secs = argc == 3 ? atoi(argv[1]) : 0;
	n = argc == 3 ? atoi(argv[2]) : 0;
	if (secs <= 0 || n < 1 || n > MAX_SITTERS) {
		fprintf(stderr, "usage: ss-armcycle SECONDS SITTERS(1..%d)\n",
			MAX_SITTERS);
		return 2;
	}
	sigaction(SIGUSR1, &sa, NULL);
	/* hooks left armed by an earlier test: every cycle starts disarmed */
	if (stat_value("hot_probes_armed") > 0 && !wait_disarmed())
		return 1;
	armed0 = stat_value("armed");
	disarmed0 = stat_value("disarmed");
	if (armed0 < 0 || disarmed0 < 0) {
		printf("not ok 1 no %s: kvm_ss_fix not loaded\n", STATS);
		return 1;
	}
	for (i = 0; i < n; i++) {
		vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
		sitters[i].vcpu = rawkvm_create_vcpu(vm, 0, SS_PLAIN_LOOP);
		sitters[i].runs = 0;
		pthread_create(&sitters[i].thread, NULL, sit, &sitters[i]);
	}
	vm = rawkvm_create_vm(ss_loop_code, sizeof(ss_loop_code));
	v = rawkvm_create_vcpu(vm, 0, 0);
	pc = 0;		/* the vCPU starts there: the first stop is +0x04 */
	end = now_ms() + secs * 1000ULL;
	while (ok && now_ms() < end) {
		ok = step_cycle(&v, &pc) && wait_disarmed();
		cycles += ok;
		/* kick the sitters out and back in now and then */
		for (i = 0; i < n && !(cycles % 16); i++)
			pthread_kill(sitters[i].thread, SIGUSR1);
	}
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		/* a signal just before KVM_RUN is lost: repeat until it ends */
		do {
			pthread_kill(sitters[i].thread, SIGUSR1);
			usleep(10000);
		} while (pthread_tryjoin_np(sitters[i].thread, NULL) == EBUSY);
		if (!sitters[i].runs) {
			printf("not ok 1 sitter %d never came back from KVM_RUN\n", i);
			ok = false;
		}
	}
	armed = stat_value("armed") - armed0;
	disarmed = stat_value("disarmed") - disarmed0;
	printf("ss-armcycle: seconds %d sitters %d cycles %lu armed %ld disarmed %ld\n",
	       secs, n, cycles, armed, disarmed);
	if (ok && (armed < (long)cycles || disarmed < (long)cycles)) {
		printf("not ok 1 fewer arm/disarm than cycles\n");
		ok = false;
	}
	printf("%s 1 ss-armcycle\n", ok ? "ok" : "not ok");
	return ok ? 0 : 1;
}
