// SPDX-License-Identifier: GPL-2.0-only
/*
 * The facts about the running kernel that ksf_decide() (detect.h) judges:
 * which KVM symbols kallsyms has, the release, and whether the kernel the
 * module is built for is PREEMPT_RT.
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/utsname.h>

#include "kvm_ss_fix.h"

typedef unsigned long (*ksf_lookup_fn)(const char *name);

/* kallsyms_lookup_name() is not exported since 5.7; find it once */
unsigned long ksf_symbol(const char *name)
{
	static ksf_lookup_fn lookup;
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp))
			return 0;
		lookup = (ksf_lookup_fn)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup(name);
}

/* @name at EL1 or VHE EL2, or its nVHE EL2 copy (prefixed by the linker) */
static bool ksf_has_symbol(const char *name)
{
	char nvhe[KSYM_NAME_LEN];

	if (ksf_symbol(name))
		return true;
	snprintf(nvhe, sizeof(nvhe), "__kvm_nvhe_%s", name);
	return ksf_symbol(nvhe);
}

enum ksf_kernel ksf_detect_kernel(const char **why)
{
	struct ksf_kernel_facts k = {
		.kvm = ksf_has_symbol("kvm_arch_vcpu_ioctl_set_guest_debug"),
		.setup_debug = ksf_has_symbol("kvm_arm_setup_debug"),
		.mmio_return = ksf_has_symbol("kvm_handle_mmio_return"),
		.handle_exit = ksf_has_symbol("handle_exit"),
		.vcpu_destroy = ksf_has_symbol("kvm_arch_vcpu_destroy"),
		.inject_undef = ksf_has_symbol("kvm_inject_undefined"),
		.running_vcpu = ksf_has_symbol("kvm_get_running_vcpu"),
		.adjust_pc = ksf_has_symbol("__kvm_adjust_pc"),
		.inject_exception = ksf_has_symbol("kvm_inject_exception"),
		.vcpu_load = ksf_has_symbol("vcpu_load"),
		.sigset_deactivate = ksf_has_symbol("kvm_sigset_deactivate"),
		.pending_flag = ksf_built_with_pending_flag,
		.ss_completed = ksf_has_symbol("kvm_arm_ss_completed"),
		.preempt_rt = IS_ENABLED(CONFIG_PREEMPT_RT),
	};

	if (sscanf(init_utsname()->release, "%u.%u", &k.major, &k.minor) != 2) {
		k.major = 0;
		k.minor = 0;
	}
	return ksf_decide(&k, why);
}
