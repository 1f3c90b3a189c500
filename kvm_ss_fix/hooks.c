// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hooks every kernel generation shares, and the choice of its hot
 * hooks.
 *
 * KVM is built into the kernel on arm64, so the module hooks it from the
 * outside: KVM's own tracepoints where one sits at the event, a kprobe on
 * the KVM function that carries the event out otherwise.  Two hooks stay
 * for the module's lifetime on every kernel it fixes:
 *
 *   tp kvm_set_guest_debug      KVM_SET_GUEST_DEBUG: which vCPUs step
 *   kprobe kvm_arch_vcpu_destroy  a vCPU's record dies with it
 *
 * Everything else is "hot": it runs on every exit or every KVM_RUN of
 * every VM, or is only of use while a vCPU steps, so it is registered
 * only then (arm.c).  Which hot hooks a kernel needs is one struct
 * ksf_hook_set, chosen once at load from detect.h's verdict:
 *
 *   hooks_510.c   5.10: KVM re-arms PSTATE.SS on every entry (R1 - R5)
 *   hooks_61.c    6.1 - 6.13: KVM keeps the state, but loses it when
 *                 KVM_RUN returns before entering the guest (R3)
 *   ksf_hooks_none  6.14 and later: no step rule to apply
 *
 * KVM_GUESTDBG_BLOCKIRQ (irq_hold.c) adds two lasting, cold kretprobes and
 * one hot probe to whichever set is chosen, where the host can hold
 * interrupts back; on a kernel with no step rule to apply the module then
 * loads for it alone.
 */
#include <linux/kprobes.h>
#include <linux/tracepoint.h>

#include "kvm_ss_fix.h"

/* the module's tracepoints, used by every hook set */
#define CREATE_TRACE_POINTS
#include "trace.h"

static const struct ksf_hook_set *ksf_set;

bool ksf_single_stepping(u32 guest_debug)
{
	return (guest_debug & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)) ==
	       (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
}

/*
 * A hot hook met @vcpu stepping: it has been since before the module
 * loaded, or since before the hooks were last disarmed.  Count it, which
 * keeps the hot hooks armed.
 */
struct ksf_vcpu *ksf_note_stepping(const struct kvm_vcpu *vcpu)
{
	struct ksf_vcpu *rec = ksf_vcpu_get(vcpu);

	if (rec)
		ksf_set_stepping(rec, true);
	return rec;
}

/* tp kvm_set_guest_debug: KVM_SET_GUEST_DEBUG, before KVM checks it */
static void ksf_probe_set_guest_debug(void *data, struct kvm_vcpu *vcpu,
				      u32 control)
{
	struct ksf_vcpu *rec;

	if (control & ~KSF_GUESTDBG_VALID)
		return;		/* KVM refuses it; nothing changes */

	rec = ksf_single_stepping(control) ? ksf_vcpu_get(vcpu) :
					     ksf_vcpu_find(vcpu);
	if (!rec)
		return;
	if (ksf_set->set_guest_debug)
		ksf_set->set_guest_debug(vcpu, rec, control);
	ksf_set_stepping(rec, ksf_single_stepping(control));
}

/* kprobe kvm_arch_vcpu_destroy: the record dies with its vCPU */
static int ksf_pre_vcpu_destroy(struct kprobe *p, struct pt_regs *regs)
{
	const struct kvm_vcpu *vcpu = (const struct kvm_vcpu *)regs->regs[0];
	struct ksf_vcpu *rec = ksf_vcpu_find(vcpu);

	if (KSF_BREAK_UAF) {
		/* the bug: the record is freed at once, then still used */
		ksf_vcpu_forget(vcpu);
		if (rec)
			ksf_set_stepping(rec, false);
		return 0;
	}
	if (rec) {
		ksf_set_stepping(rec, false);
		ksf_set_holding(rec, false);
	}
	ksf_vcpu_forget(vcpu);
	return 0;
}

static struct kprobe ksf_vcpu_destroy_kp = {
	.symbol_name = "kvm_arch_vcpu_destroy",
	.pre_handler = ksf_pre_vcpu_destroy,
};

static struct ksf_tp ksf_debug_tp = {
	"kvm_set_guest_debug", ksf_probe_set_guest_debug
};

struct ksf_tp_lookup {
	struct ksf_tp **tps;
	unsigned int n;
};

static void ksf_match_tp(struct tracepoint *tp, void *priv)
{
	struct ksf_tp_lookup *l = priv;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(tp->name, l->tps[i]->name))
			l->tps[i]->tp = tp;
}

/* Find the kernel's tracepoints named in @tps; -ENOENT if one is missing. */
int ksf_find_tracepoints(struct ksf_tp **tps, unsigned int n)
{
	struct ksf_tp_lookup l = { tps, n };
	unsigned int i;

	for_each_kernel_tracepoint(ksf_match_tp, &l);
	for (i = 0; i < n; i++) {
		if (tps[i]->tp)
			continue;
		pr_err(KSF_NAME ": KVM tracepoint %s not found: kernel not supported\n",
		       tps[i]->name);
		return -ENOENT;
	}
	return 0;
}

int ksf_tp_register(struct ksf_tp *t)
{
	int ret = tracepoint_probe_register(t->tp, t->probe, NULL);

	if (ret)
		pr_err(KSF_NAME ": cannot hook tracepoint %s: %d\n", t->name, ret);
	t->registered = !ret;
	return ret;
}

void ksf_tp_unregister(struct ksf_tp *t)
{
	if (!t->registered)
		return;
	tracepoint_probe_unregister(t->tp, t->probe, NULL);
	t->registered = false;
	/* probes in flight are done */
	tracepoint_synchronize_unregister();
}

/*
 * Ready @n kprobes (by symbol and pre-handler) for registration as a set
 * listed in @list: a kprobe cannot be registered twice, so each arming
 * starts from a fresh one.
 */
void ksf_kprobes_afresh(struct kprobe *kps, struct kprobe **list,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		kps[i] = (struct kprobe){
			.symbol_name = kps[i].symbol_name,
			.pre_handler = kps[i].pre_handler,
		};
		list[i] = &kps[i];
	}
}

/* How often the @n kprobes of @list were hit but not run (recursion) */
unsigned long ksf_kprobes_missed(struct kprobe **list, unsigned int n)
{
	unsigned long missed = 0;

	while (n--)
		missed += list[n]->nmissed;
	return missed;
}

/* arm.c: the chosen kernel generation's hot hooks and the hold's, or none */
int ksf_hot_hooks_register(void)
{
	int ret = ksf_set->register_hot();

	if (ret)
		return ret;
	ret = ksf_irq_hold_register_hot();
	if (ret)
		ksf_set->unregister_hot();
	return ret;
}

void ksf_hot_hooks_unregister(void)
{
	ksf_irq_hold_unregister_hot();
	ksf_set->unregister_hot();
}

static int ksf_none_register_hot(void)
{
	return 0;
}

static void ksf_none_unregister_hot(void)
{
}

static unsigned long ksf_none_hot_missed(void)
{
	return 0;
}

/* 6.14+: KVM keeps the step state itself; only the hold needs hooks */
const struct ksf_hook_set ksf_hooks_none = {
	.what = "no step rule to apply",
	.register_hot = ksf_none_register_hot,
	.unregister_hot = ksf_none_unregister_hot,
	.hot_missed = ksf_none_hot_missed,
};

/* scan.c found @vcpu: count it if it is single-stepping */
void ksf_found_vcpu(struct kvm_vcpu *vcpu)
{
	if (ksf_single_stepping(READ_ONCE(vcpu->guest_debug)))
		ksf_note_stepping(vcpu);
}

/* Hook a kernel of generation @set: the lasting hooks, then arming. */
int ksf_hooks_register(const struct ksf_hook_set *set)
{
	struct ksf_tp *tps[] = { &ksf_debug_tp };
	int ret;

	ksf_set = set;
	ret = (set->prepare ? set->prepare() : 0) ?:
	      ksf_find_tracepoints(tps, ARRAY_SIZE(tps));
	if (ret)
		return ret;

	/* before any record can exist, so none outlives its vCPU */
	ret = register_kprobe(&ksf_vcpu_destroy_kp);
	if (ret) {
		pr_err(KSF_NAME ": cannot kprobe %s: %d\n",
		       ksf_vcpu_destroy_kp.symbol_name, ret);
		return ret;
	}
	ret = ksf_tp_register(&ksf_debug_tp);
	if (ret)
		goto out_destroy;
	ret = ksf_irq_hold_register();
	if (ret)
		goto out_debug;
	ksf_arming_start();
	return 0;

out_debug:
	ksf_tp_unregister(&ksf_debug_tp);
out_destroy:
	unregister_kprobe(&ksf_vcpu_destroy_kp);
	return ret;
}

/*
 * Module exit, in this order: KVM_SET_GUEST_DEBUG stops being seen (the
 * hold's flag is refused again, no new arming), arming stops and the hot
 * hooks go, then the teardown kprobe
 * (until then a vCPU destroyed meanwhile still takes its record along),
 * and last the work items, which any of those hooks could have queued.
 */
void ksf_hooks_unregister(void)
{
	ksf_irq_hold_unregister();
	ksf_tp_unregister(&ksf_debug_tp);
	ksf_arming_stop();
	unregister_kprobe(&ksf_vcpu_destroy_kp);
	ksf_arming_flush();
}

unsigned long ksf_hooks_missed(void)
{
	return ksf_vcpu_destroy_kp.nmissed + ksf_set->hot_missed() +
	       ksf_irq_hold_missed();
}
