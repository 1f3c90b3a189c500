// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which kernels need the fix, and which the hooks understand, judged from
 * what the running kernel has:
 *  - no kvm_arm_setup_debug(): the 6.14+ debug rework, where KVM keeps the
 *    step state in kvm_vcpu_load_debug()/kvm_vcpu_put_debug().  Right.
 *  - __kvm_adjust_pc(): PC updates happen at EL2 entry (5.11+).  From 6.1
 *    KVM keeps DBG_SS_ACTIVE_PENDING itself (370531d1e95b) and from 6.7
 *    restarts MOPS sequences at EL2: right.  5.11 - 6.0 lose steps, but
 *    out of the hooks' reach: refuse, and point at the in-tree fix.
 *  - neither: 5.0 - 5.10, where kvm_skip_instr() clears PSTATE.SS and the
 *    next kvm_arm_setup_debug() sets it again.  The hooks are written for
 *    exactly this run loop.
 * A distribution kernel that backported the fix still gets the hooks; it
 * then shows in the ss_already_clear counter, and the hooks change nothing
 * there (they only clear a bit the kernel has already cleared).
 */
#include <linux/kprobes.h>
#include <linux/utsname.h>

#include "kvm_ss_fix.h"

typedef unsigned long (*ksf_lookup_fn)(const char *name);

/* kallsyms_lookup_name() is not exported since 5.7; find it once */
static unsigned long ksf_symbol(const char *name)
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

static bool ksf_release_at_least(unsigned int major, unsigned int minor)
{
	unsigned int maj = 0, min = 0;

	if (sscanf(init_utsname()->release, "%u.%u", &maj, &min) != 2)
		return false;
	return maj > major || (maj == major && min >= minor);
}

enum ksf_kernel ksf_detect_kernel(const char **why)
{
	if (!ksf_symbol("kvm_arm_setup_debug")) {
		*why = "KVM keeps the step state itself (6.14+ debug rework)";
		return KSF_KERNEL_FIXED;
	}
	if (ksf_symbol("__kvm_adjust_pc")) {
		if (ksf_release_at_least(6, 1)) {
			*why = "KVM keeps DBG_SS_ACTIVE_PENDING itself (6.1+)";
			return KSF_KERNEL_FIXED;
		}
		*why = "PC updates at EL2 entry (5.11 - 6.0): use the in-tree fix";
		return KSF_KERNEL_UNSUPPORTED;
	}
	if (!ksf_release_at_least(5, 0)) {
		*why = "kernels before 5.0 report emulated steps differently";
		return KSF_KERNEL_UNSUPPORTED;
	}
	*why = "KVM re-arms PSTATE.SS on every entry (5.0 - 5.10)";
	return KSF_KERNEL_NEEDS_FIX;
}
