// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-smoke: the smallest proof that KVM works in a test-bed kernel.
 * Creates a VM with one vCPU, runs four instructions at EL1 and expects
 * the guest's store to an unbacked address as a KVM_EXIT_MMIO.
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

#define GUEST_BASE	0x10000UL
#define MMIO_ADDR	0x1000000UL
#define MAGIC		42

static const uint32_t guest_code[] = {
	0xd2800540,	/* movz x0, #42 */
	0xd2a02001,	/* movz x1, #0x100, lsl #16 */
	0xf9000020,	/* str x0, [x1] */
	0x14000000,	/* b . */
};

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     (offsetof(struct kvm_regs, x) / sizeof(uint32_t)))

static void fail(const char *what)
{
	printf("not ok 1 kvm-smoke: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(void)
{
	struct kvm_userspace_memory_region region = {
		.guest_phys_addr = GUEST_BASE, .memory_size = 0x10000,
	};
	struct kvm_vcpu_init init;
	struct kvm_one_reg reg;
	struct kvm_run *run;
	uint64_t pc = GUEST_BASE, data;
	int kvm, vm, vcpu, size;
	void *mem;

	printf("TAP version 13\n1..1\n");
	kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0)
		fail("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");
	mem = mmap(NULL, region.memory_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap");
	memcpy(mem, guest_code, sizeof(guest_code));
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init))
		fail("KVM_ARM_PREFERRED_TARGET");
	if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init))
		fail("KVM_ARM_VCPU_INIT");
	reg.id = CORE_REG(regs.pc);
	reg.addr = (uintptr_t)&pc;
	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg))
		fail("KVM_SET_ONE_REG(pc)");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_RUN, 0))
		fail("KVM_RUN");
	memcpy(&data, run->mmio.data, sizeof(data));
	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
	    run->mmio.phys_addr != MMIO_ADDR || data != MAGIC) {
		printf("not ok 1 kvm-smoke: exit %u addr 0x%llx data %llu, expected MMIO write of %d to 0x%lx\n",
		       run->exit_reason, (unsigned long long)run->mmio.phys_addr,
		       (unsigned long long)data, MAGIC, MMIO_ADDR);
		return 1;
	}
	printf("ok 1 kvm-smoke: guest wrote %llu to 0x%llx through KVM_EXIT_MMIO\n",
	       (unsigned long long)data, (unsigned long long)run->mmio.phys_addr);
	return 0;
}
