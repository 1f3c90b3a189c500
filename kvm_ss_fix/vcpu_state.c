// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-vCPU step records.
 *
 * KVM's own vcpu->arch.flags are not ours to borrow, so the step state of
 * each single-stepped vCPU lives in a record hashed by the vcpu pointer.
 * Lookups come from tracepoint probes, kprobes and ftrace callbacks, all
 * with preemption off (an RCU read side); records are
 * created the first time a vCPU single-steps and freed when KVM destroys
 * the vCPU (kprobe on kvm_arch_vcpu_destroy) or when the module goes away.
 * A record's step state is only touched from the vCPU's own ioctls, which
 * KVM serialises with vcpu->mutex, so it needs no lock of its own.
 */
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "kvm_ss_fix.h"

static DEFINE_HASHTABLE(ksf_vcpus, 8);
static DEFINE_SPINLOCK(ksf_vcpus_lock);	/* writers of ksf_vcpus */
static atomic_long_t ksf_vcpus_live = ATOMIC_LONG_INIT(0);

static unsigned long ksf_vcpu_key(const struct kvm_vcpu *vcpu)
{
	return (unsigned long)vcpu;
}

struct ksf_vcpu *ksf_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct ksf_vcpu *rec;

	hash_for_each_possible_rcu_notrace(ksf_vcpus, rec, node,
					   ksf_vcpu_key(vcpu))
		if (rec->vcpu == vcpu)
			return rec;
	return NULL;
}

static struct ksf_vcpu *ksf_vcpu_create(const struct kvm_vcpu *vcpu)
{
	struct ksf_vcpu *rec, *old;
	unsigned long flags;

	if (atomic_long_read(&ksf_vcpus_live) >= ksf_max_vcpus) {
		ksf_count(KSF_RECORD_LIMIT_HIT);
		return NULL;
	}
	/* called from probes, with preemption or interrupts disabled */
	rec = kzalloc(sizeof(*rec), GFP_ATOMIC);
	if (!rec) {
		ksf_count(KSF_RECORD_ALLOC_FAILED);
		return NULL;
	}
	rec->vcpu = vcpu;

	spin_lock_irqsave(&ksf_vcpus_lock, flags);
	old = ksf_vcpu_find(vcpu);
	if (!old) {
		hash_add_rcu(ksf_vcpus, &rec->node, ksf_vcpu_key(vcpu));
		atomic_long_inc(&ksf_vcpus_live);
		ksf_count(KSF_RECORDS_CREATED);
	}
	spin_unlock_irqrestore(&ksf_vcpus_lock, flags);

	if (old) {
		kfree(rec);
		return old;
	}
	return rec;
}

/* The vCPU's record, created on first use; NULL if none can be had. */
struct ksf_vcpu *ksf_vcpu_get(const struct kvm_vcpu *vcpu)
{
	return ksf_vcpu_find(vcpu) ?: ksf_vcpu_create(vcpu);
}

static void ksf_vcpu_unhash(struct ksf_vcpu *rec)
{
	hash_del_rcu(&rec->node);
	atomic_long_dec(&ksf_vcpus_live);
	ksf_count(KSF_RECORDS_FREED);
}

/* KVM is destroying @vcpu: drop its record once no probe can see it. */
void ksf_vcpu_forget(const struct kvm_vcpu *vcpu)
{
	struct ksf_vcpu *rec;
	unsigned long flags;

	spin_lock_irqsave(&ksf_vcpus_lock, flags);
	rec = ksf_vcpu_find(vcpu);
	if (rec)
		ksf_vcpu_unhash(rec);
	spin_unlock_irqrestore(&ksf_vcpus_lock, flags);

	if (!rec || KSF_BREAK_LEAK)
		return;
	if (KSF_BREAK_UAF)
		kfree(rec);	/* the bug: no grace period for readers */
	else
		kfree_rcu(rec, rcu);
}

/* Module exit, after every probe is unregistered and synchronised. */
void ksf_vcpu_forget_all(void)
{
	struct ksf_vcpu *rec;
	struct hlist_node *tmp;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&ksf_vcpus_lock, flags);
	hash_for_each_safe(ksf_vcpus, bkt, tmp, rec, node) {
		ksf_vcpu_unhash(rec);
		kfree_rcu(rec, rcu);
	}
	spin_unlock_irqrestore(&ksf_vcpus_lock, flags);
}

long ksf_vcpu_live(void)
{
	return atomic_long_read(&ksf_vcpus_live);
}
