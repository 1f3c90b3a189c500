// SPDX-License-Identifier: GPL-2.0
/*
 * ss-smoke: the test bed's baseline of host single-step.  Steps a guest
 * through a plain instruction, an HVC (PSCI_VERSION, completed in KVM), a
 * userspace MMIO load and a trapped ID register read, and compares every
 * KVM_EXIT_DEBUG PC with what the architecture requires.  The selftests
 * in selftests/ are the real judge; this is the quick look.
 */
#include "rawkvm.h"

static const u32 guest_code[] = {
	0xd503201f,	/* 0x00 nop */
	0xd2b08000,	/* 0x04 movz x0, #0x8400, lsl #16: PSCI_VERSION */
	0xd4000002,	/* 0x08 hvc #0 */
	0xd503201f,	/* 0x0c nop */
	0xd2a02002,	/* 0x10 movz x2, #0x100, lsl #16: GUEST_MMIO */
	0xf9400041,	/* 0x14 ldr x1, [x2]: userspace MMIO */
	0xd503201f,	/* 0x18 nop */
	0xd5380403,	/* 0x1c mrs x3, id_aa64pfr0_el1: trapped */
	0xd503201f,	/* 0x20 nop */
	0xd503201f,	/* 0x24 nop */
	0x14000000,	/* 0x28 b . */
};

/* every instruction boundary, in order, once */
static const u64 expected[] = {
	0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x28, 0x28,
};

#define N_STOPS ARRAY_SIZE(expected)

int main(void)
{
	int vm = rawkvm_create_vm(guest_code, sizeof(guest_code));
	struct rawvcpu v = rawkvm_create_vcpu(vm, 0, 0);
	u64 got[N_STOPS];
	u32 hsr[N_STOPS];
	int n = 0, i, bad = 0;

	rawkvm_set_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	while (n < (int)N_STOPS) {
		rawkvm_run(&v);
		if (v.run->exit_reason == KVM_EXIT_MMIO) {
			memset(v.run->mmio.data, 0x5a, sizeof(v.run->mmio.data));
			continue;
		}
		if (v.run->exit_reason != KVM_EXIT_DEBUG) {
			printf("not ok 1 ss-smoke: unexpected exit %u\n",
			       v.run->exit_reason);
			return 1;
		}
		got[n] = rawkvm_get_reg(&v, CORE_REG(regs.pc)) - GUEST_BASE;
		hsr[n++] = v.run->debug.arch.hsr;
	}
	for (i = 0; i < n; i++) {
		bad |= got[i] != expected[i];
		printf("# stop %2d: pc +0x%02llx hsr 0x%08x", i,
		       (unsigned long long)got[i], hsr[i]);
		if (got[i] != expected[i])
			printf("  <-- expected +0x%02llx",
			       (unsigned long long)expected[i]);
		printf("\n");
	}
	printf("%s 1 ss-smoke: %d stops\n", bad ? "not ok" : "ok", n);
	return bad;
}
