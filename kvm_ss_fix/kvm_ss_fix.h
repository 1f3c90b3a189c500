/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm_ss_fix internals shared between its files.
 */
#ifndef KVM_SS_FIX_H
#define KVM_SS_FIX_H

#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/rculist.h>

#include "detect.h"
#include "ss_rules.h"

#define KSF_NAME "kvm_ss_fix"

/* arch/arm64/kvm/guest.c refuses any other bit with -EINVAL */
#define KSF_GUESTDBG_VALID	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW)

/*
 * Deliberate bugs, for scripts/check-debug alone: each one is something
 * only the debug kernel's checkers see, and building with it on shows
 * that they do (KSF_MODULE_FLAGS=-DKSF_BREAK_SLEEP=1 and so on).  All
 * are off in every normal build.
 */
#ifndef KSF_BREAK_SLEEP
#define KSF_BREAK_SLEEP 0	/* a mutex's checks in a tracepoint probe */
#endif
#ifndef KSF_BREAK_UAF
#define KSF_BREAK_UAF 0		/* a record used after an immediate kfree */
#endif
#ifndef KSF_BREAK_LEAK
#define KSF_BREAK_LEAK 0	/* a record never freed at vCPU teardown */
#endif
#define KSF_BROKEN (KSF_BREAK_SLEEP || KSF_BREAK_UAF || KSF_BREAK_LEAK)

/* counters shown in debugfs (kvm_ss_fix/stats) */
enum ksf_counter {
	KSF_PENDING_SET,	/* a stepping exit left the vCPU active-pending */
	KSF_PENDING_CLEARED,	/* a step exception was reported, or debug off */
	KSF_SS_FORCED,		/* entered with PSTATE.SS cleared by us */
	KSF_SS_ALREADY_CLEAR,	/* ... which the kernel had done itself */
	KSF_RECORDS_CREATED,
	KSF_RECORDS_FREED,
	KSF_RECORD_ALLOC_FAILED,
	KSF_RECORD_LIMIT_HIT,
	KSF_ARMED,		/* hot hooks registered for a stepping vCPU */
	KSF_DISARMED,		/* ... and removed when none stepped any more */
	KSF_ARM_LATE,		/* armed from a worker, not before the ioctl returned */
	KSF_ARM_FAILED,
	KSF_SCAN_UNAVAILABLE,	/* no KVM debugfs: looked at entries instead */
	KSF_IRQ_HELD,		/* entries with the virtual CPU interface off */
	KSF_IRQ_HOLD_REFUSED,	/* KVM_GUESTDBG_BLOCKIRQ refused (EINVAL) */
	KSF_IRQ_HOLD_NO_VGIC,	/* block_irq_when_stepping met a VM without vGIC */
	KSF_NR_COUNTERS,
};

extern atomic_long_t ksf_counters[KSF_NR_COUNTERS];
extern const char *const ksf_counter_names[KSF_NR_COUNTERS];

static inline void ksf_count(enum ksf_counter c)
{
	atomic_long_inc(&ksf_counters[c]);
}

/* module parameters (main.c) */
extern bool ksf_enable;
extern unsigned int ksf_max_vcpus;
extern unsigned int ksf_disarm_delay_ms;
extern bool ksf_block_irq_when_stepping;
/* bumped each time `enable` goes from 0 to 1: older step state is stale */
extern atomic_t ksf_enable_epoch;

/*
 * hooks_510.c: the exit KVM handles, from trace_kvm_exit() until its
 * handler is seen done (the vCPU enters, resets or leaves KVM_RUN)
 */
struct ksf_exit_seen {
	u64 pc;			/* PC at the exit */
	u32 insn_len;		/* length of the trapped instruction */
	u32 esr_ec;		/* its exception class */
	unsigned int epoch;	/* ksf_enable_epoch at the exit */
	unsigned int arming;	/* the arming of the hooks that saw it */
	bool trap;		/* a synchronous trap, no SError pending */
	bool pending;		/* not yet seen done */
};

/* vcpu_state.c: one record per vCPU that has been single-stepped */
struct ksf_vcpu {
	struct hlist_node node;
	struct rcu_head rcu;
	const struct kvm_vcpu *vcpu;
	bool stepping;		/* host single-step on, counted below */
	bool holding;		/* KVM_GUESTDBG_BLOCKIRQ on, counted below */
	unsigned int epoch;	/* ksf_enable_epoch that @ss belongs to */
	struct ss_vcpu_state ss;
	struct ksf_exit_seen exit;	/* 5.10 only */
};

/*
 * vCPUs the hot probes serve, stepping or holding interrupts back: they
 * are armed while > 0
 */
extern atomic_t ksf_served_vcpus;

struct ksf_vcpu *ksf_vcpu_find(const struct kvm_vcpu *vcpu);
struct ksf_vcpu *ksf_vcpu_get(const struct kvm_vcpu *vcpu);
void ksf_vcpu_forget(const struct kvm_vcpu *vcpu);
void ksf_vcpu_forget_all(void);
long ksf_vcpu_live(void);

/* detect.c: what the running kernel needs (the verdict: detect.h) */
enum ksf_kernel ksf_detect_kernel(const char **why);
unsigned long ksf_symbol(const char *name);

/* scan.c: vCPUs that existed before the module loaded */
int ksf_scan_existing_vcpus(void);

/*
 * The hot hooks of one kernel generation (hooks.c says which exist):
 * @what is the load line's account of what they do; @prepare, if any,
 * finds what they need at load; @set_guest_debug, if any, applies R5
 * where the module keeps the step state itself.
 */
struct ksf_hook_set {
	const char *what;
	int (*prepare)(void);
	int (*register_hot)(void);
	void (*unregister_hot)(void);
	unsigned long (*hot_missed)(void);
	void (*set_guest_debug)(const struct kvm_vcpu *vcpu,
				struct ksf_vcpu *rec, u32 control);
};

extern const struct ksf_hook_set ksf_hooks_510;	/* hooks_510.c */
extern const struct ksf_hook_set ksf_hooks_61;	/* hooks_61.c */
extern const struct ksf_hook_set ksf_hooks_none;	/* hooks.c */
extern const bool ksf_built_with_pending_flag;	/* hooks_61.c */

/* hooks.c: the hooks all generations share */
struct ksf_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
};

int ksf_find_tracepoints(struct ksf_tp **tps, unsigned int n);
int ksf_tp_register(struct ksf_tp *t);
void ksf_kprobes_afresh(struct kprobe *kps, struct kprobe **list,
			unsigned int n);
unsigned long ksf_kprobes_missed(struct kprobe **list, unsigned int n);
void ksf_tp_unregister(struct ksf_tp *t);
bool ksf_single_stepping(u32 guest_debug);
struct ksf_vcpu *ksf_note_stepping(const struct kvm_vcpu *vcpu);
void ksf_found_vcpu(struct kvm_vcpu *vcpu);
int ksf_hooks_register(const struct ksf_hook_set *set);
void ksf_hooks_unregister(void);
int ksf_hot_hooks_register(void);
void ksf_hot_hooks_unregister(void);
unsigned long ksf_hooks_missed(void);

/* irq_hold.c: KVM_GUESTDBG_BLOCKIRQ (irq_rules.h) */
bool ksf_irq_hold_prepare(const char **why);
bool ksf_irq_hold_available(void);
int ksf_irq_hold_register(void);
void ksf_irq_hold_unregister(void);
int ksf_irq_hold_register_hot(void);
void ksf_irq_hold_unregister_hot(void);
unsigned long ksf_irq_hold_missed(void);

/* arm.c: when the hot hooks exist */
void ksf_set_stepping(struct ksf_vcpu *rec, bool stepping);
void ksf_set_holding(struct ksf_vcpu *rec, bool holding);
void ksf_arming_start(void);
void ksf_arming_stop(void);
void ksf_arming_flush(void);
bool ksf_hooks_armed(void);

#endif /* KVM_SS_FIX_H */
