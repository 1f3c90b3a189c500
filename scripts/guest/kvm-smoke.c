// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-smoke: the smallest proof that KVM works in a test-bed kernel.
 * Creates a VM with one vCPU, runs four instructions at EL1 and expects
 * the guest's store to an unbacked address as a KVM_EXIT_MMIO.
 */
#include "rawkvm.h"

#define MAGIC 42

static const u32 guest_code[] = {
	0xd2800540,	/* movz x0, #42 */
	0xd2a02001,	/* movz x1, #0x100, lsl #16: GUEST_MMIO */
	0xf9000020,	/* str x0, [x1] */
	0x14000000,	/* b . */
};

int main(void)
{
	int vm = rawkvm_create_vm(guest_code, sizeof(guest_code));
	struct rawvcpu v = rawkvm_create_vcpu(vm, 0, 0);
	u64 data;

	printf("TAP version 13\n1..1\n");
	rawkvm_run(&v);
	memcpy(&data, v.run->mmio.data, sizeof(data));
	if (v.run->exit_reason != KVM_EXIT_MMIO || !v.run->mmio.is_write ||
	    v.run->mmio.phys_addr != GUEST_MMIO || data != MAGIC) {
		printf("not ok 1 kvm-smoke: exit %u addr 0x%llx data %llu, ",
		       v.run->exit_reason,
		       (unsigned long long)v.run->mmio.phys_addr,
		       (unsigned long long)data);
		printf("expected MMIO write of %d to 0x%lx\n", MAGIC, GUEST_MMIO);
		return 1;
	}
	printf("ok 1 kvm-smoke: guest wrote %llu to 0x%llx through KVM_EXIT_MMIO\n",
	       (unsigned long long)data,
	       (unsigned long long)v.run->mmio.phys_addr);
	return 0;
}
