/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rawkvm.h: the few KVM ioctls the test-bed programs need, with no
 * framework, so a failure here is a test-bed failure and nothing else.
 * Guest code runs at EL1 with the MMU off from GUEST_BASE.
 */
#ifndef RAWKVM_H
#define RAWKVM_H

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

typedef unsigned long long u64;
typedef unsigned int u32;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define GUEST_BASE	0x10000UL
#define GUEST_SIZE	0x10000UL
#define GUEST_MMIO	0x1000000UL	/* unbacked: userspace MMIO */

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     (offsetof(struct kvm_regs, x) / sizeof(u32)))

struct rawvcpu {
	int fd;
	struct kvm_run *run;
};

static inline void rawkvm_die(const char *what)
{
	printf("not ok 1 %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline void rawkvm_ioctl(int fd, unsigned long req, void *arg,
				const char *what)
{
	if (ioctl(fd, req, arg))
		rawkvm_die(what);
}

/* A VM whose guest memory holds @code at GUEST_BASE; returns the VM fd. */
static inline int rawkvm_create_vm(const void *code, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE,
	};
	int kvm = open("/dev/kvm", O_RDWR);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	void *mem;

	if (vm < 0)
		rawkvm_die("KVM_CREATE_VM");
	close(kvm);
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		rawkvm_die("mmap guest memory");
	memcpy(mem, code, size);
	region.userspace_addr = (uintptr_t)mem;
	rawkvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region,
		     "KVM_SET_USER_MEMORY_REGION");
	return vm;
}

static inline u64 rawkvm_get_reg(struct rawvcpu *v, u64 id)
{
	u64 val;
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	rawkvm_ioctl(v->fd, KVM_GET_ONE_REG, &r, "KVM_GET_ONE_REG");
	return val;
}

static inline void rawkvm_set_reg(struct rawvcpu *v, u64 id,
				  u64 val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	rawkvm_ioctl(v->fd, KVM_SET_ONE_REG, &r, "KVM_SET_ONE_REG");
}

static inline void rawkvm_set_debug(struct rawvcpu *v, u32 control)
{
	struct kvm_guest_debug dbg = { .control = control };

	rawkvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg, "KVM_SET_GUEST_DEBUG");
}

/* vCPU @id with PSCI 0.2, starting at GUEST_BASE + @offset */
static inline struct rawvcpu rawkvm_create_vcpu(int vm, int id,
						u64 offset)
{
	struct kvm_vcpu_init init;
	struct rawvcpu v;
	int kvm = open("/dev/kvm", O_RDWR);
	long size = kvm < 0 ? -1 : ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	v.fd = ioctl(vm, KVM_CREATE_VCPU, id);
	if (v.fd < 0 || size < 0)
		rawkvm_die("KVM_CREATE_VCPU");
	close(kvm);
	rawkvm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init,
		     "KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	rawkvm_ioctl(v.fd, KVM_ARM_VCPU_INIT, &init, "KVM_ARM_VCPU_INIT");
	rawkvm_set_reg(&v, CORE_REG(regs.pc), GUEST_BASE + offset);
	v.run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v.fd, 0);
	if (v.run == MAP_FAILED)
		rawkvm_die("mmap kvm_run");
	return v;
}

/*
 * An in-kernel vGICv3 for @vm, once its vCPUs exist (the frames where
 * QEMU's virt board has them, outside the guest's memory).
 */
static inline void rawkvm_add_vgic_v3(int vm)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	u64 dist = 0x08000000, redist = 0x080a0000;
	struct kvm_device_attr attr = { .group = KVM_DEV_ARM_VGIC_GRP_ADDR };

	rawkvm_ioctl(vm, KVM_CREATE_DEVICE, &dev, "KVM_CREATE_DEVICE(vGICv3)");
	attr.attr = KVM_VGIC_V3_ADDR_TYPE_DIST;
	attr.addr = (uintptr_t)&dist;
	rawkvm_ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &attr, "vGICv3 GICD address");
	attr.attr = KVM_VGIC_V3_ADDR_TYPE_REDIST;
	attr.addr = (uintptr_t)&redist;
	rawkvm_ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &attr, "vGICv3 GICR address");
	attr = (struct kvm_device_attr){
		.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
		.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};
	rawkvm_ioctl(dev.fd, KVM_SET_DEVICE_ATTR, &attr, "vGICv3 init");
}

static inline void rawkvm_run(struct rawvcpu *v)
{
	rawkvm_ioctl(v->fd, KVM_RUN, NULL, "KVM_RUN");
}

#endif /* RAWKVM_H */
