// SPDX-License-Identifier: GPL-2.0
/*
 * ss-smoke: the test bed's baseline of host single-step.  Steps a guest
 * through a plain instruction, an HVC (PSCI_VERSION, completed in KVM), a
 * userspace MMIO load and a trapped ID register read, and compares every
 * KVM_EXIT_DEBUG PC with what the architecture requires.  The selftests
 * in selftests/ are the real judge; this is the quick look.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define BASE		0x10000UL

static const uint32_t guest_code[] = {
	0xd503201f,	/* 0x00 nop */
	0xd2b08000,	/* 0x04 movz x0, #0x8400, lsl #16: PSCI_VERSION */
	0xd4000002,	/* 0x08 hvc #0 */
	0xd503201f,	/* 0x0c nop */
	0xd2a02002,	/* 0x10 movz x2, #0x100, lsl #16 */
	0xf9400041,	/* 0x14 ldr x1, [x2]: userspace MMIO */
	0xd503201f,	/* 0x18 nop */
	0xd5380403,	/* 0x1c mrs x3, id_aa64pfr0_el1: trapped */
	0xd503201f,	/* 0x20 nop */
	0xd503201f,	/* 0x24 nop */
	0x14000000,	/* 0x28 b . */
};

/* every instruction boundary, in order, once */
static const uint64_t expected[] = {
	0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x28, 0x28,
};

#define N_STOPS (sizeof(expected) / sizeof(expected[0]))
#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     (offsetof(struct kvm_regs, x) / sizeof(uint32_t)))

static void fail(const char *what)
{
	printf("not ok 1 ss-smoke: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reg(int vcpu, unsigned long req, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	if (ioctl(vcpu, req, &r))
		fail("ONE_REG");
}

int main(void)
{
	struct kvm_userspace_memory_region region = {
		.guest_phys_addr = BASE, .memory_size = 0x10000,
	};
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	uint64_t pc = BASE, got[N_STOPS];
	uint32_t hsr[N_STOPS];
	struct kvm_vcpu_init init;
	struct kvm_run *run;
	int kvm, vm, vcpu, n = 0, i, bad = 0;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, region.memory_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kvm < 0 || vm < 0 || mem == MAP_FAILED)
		fail("create VM");
	memcpy(mem, guest_code, sizeof(guest_code));
	region.userspace_addr = (uintptr_t)mem;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) || vcpu < 0 ||
	    ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init))
		fail("create vCPU");
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init))
		fail("KVM_ARM_VCPU_INIT");
	reg(vcpu, KVM_SET_ONE_REG, CORE_REG(regs.pc), &pc);
	if (ioctl(vcpu, KVM_SET_GUEST_DEBUG, &dbg))
		fail("KVM_SET_GUEST_DEBUG");
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");

	while (n < (int)N_STOPS) {
		if (ioctl(vcpu, KVM_RUN, 0))
			fail("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_MMIO) {
			memset(run->mmio.data, 0x5a, sizeof(run->mmio.data));
			continue;
		}
		if (run->exit_reason != KVM_EXIT_DEBUG) {
			printf("not ok 1 ss-smoke: unexpected exit %u\n",
			       run->exit_reason);
			return 1;
		}
		reg(vcpu, KVM_GET_ONE_REG, CORE_REG(regs.pc), &pc);
		got[n] = pc - BASE;
		hsr[n++] = run->debug.arch.hsr;
	}
	for (i = 0; i < n; i++) {
		bad |= got[i] != expected[i];
		printf("# stop %2d: pc +0x%02llx hsr 0x%08x%s\n", i,
		       (unsigned long long)got[i], hsr[i],
		       got[i] != expected[i] ? "  <-- expected +0x" : "");
		if (got[i] != expected[i])
			printf("#          expected +0x%02llx\n",
			       (unsigned long long)expected[i]);
	}
	printf("%s 1 ss-smoke: %d stops\n", bad ? "not ok" : "ok", n);
	return bad;
}
