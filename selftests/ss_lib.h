/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the single-step conformance tests: run a vCPU with
 * KVM_GUESTDBG_SINGLESTEP, record every KVM_EXIT_DEBUG (PC and syndrome)
 * and compare the complete list with a table of expected stops.
 */
#ifndef SS_LIB_H
#define SS_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bits.h>
#include <linux/types.h>

#include "kvm_util.h"

/* ESR_EL2 of a software step exception (EC 0x32, from a lower EL). */
#define SS_ESR_EC_SOFTSTP_LOW	0x32
#define SS_ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define SS_ESR_ISV		BIT(24)
#define SS_ESR_EX		BIT(6)
#define SS_ESR_IFSC(esr)	((esr) & 0x3f)
#define SS_ESR_IFSC_DEBUG	0x22

/*
 * KVM_SET_GUEST_DEBUG's interrupt hold-back: x86's value, provided on
 * arm64 by kvm_ss_fix and patches/mainline; arm64 headers lack it.
 */
#ifndef KVM_GUESTDBG_BLOCKIRQ
#define KVM_GUESTDBG_BLOCKIRQ	BIT(20)
#endif

/* PSTATE.SS in the SPSR layout of KVM's core register regs.pstate */
#define SS_PSTATE_SS		BIT(21)

/* Offsets in the EL1 vector table (current EL with SP_ELx). */
#define SS_VECTOR_SYNC		0x200
#define SS_VECTOR_IRQ		0x280

/*
 * What the syndrome of a stop must say, per Arm ARM D2.12:
 * SS_STEP	an instruction was stepped (ISV=1, EX=0);
 * SS_PENDING	the step exception was taken from active-pending, before
 *		any instruction ran (ISV=0): after an instruction that KVM
 *		completed, or at a vector after an exception entry;
 * SS_EXCL	a load-exclusive was stepped (ISV=1, EX=1);
 * SS_ANY	either ISV=1 or ISV=0: what happened depends on whether the
 *		hypervisor trapped the instruction, which the test does not
 *		control.
 */
enum ss_kind { SS_STEP, SS_PENDING, SS_EXCL, SS_ANY };

struct ss_stop {
	u64 pc;
	const char *name;
	enum ss_kind kind;
};

#define SS_AT(label, k)		{ (u64)(label), #label, (k) }
#define STEP(label)		SS_AT(label, SS_STEP)
#define PEND(label)		SS_AT(label, SS_PENDING)
#define EXCL(label)		SS_AT(label, SS_EXCL)
#define ANY(label)		SS_AT(label, SS_ANY)

struct ss_record {
	u64 pc;
	u64 esr;
};

/*
 * SS_EV_EXIT: any other exit to userspace.  The hook must then set
 * exit_handled, or the run fails.
 */
enum ss_event { SS_EV_STOP, SS_EV_MMIO, SS_EV_EXIT };

struct ss_run;

/* Called at every stop and every userspace MMIO exit, before KVM_RUN. */
typedef void (*ss_hook_t)(struct ss_run *r, enum ss_event ev);

struct ss_run {
	struct kvm_vcpu *vcpu;
	u64 end_pc;	/* stop stepping once a stop lands here */
	size_t max_stops;	/* ... or after this many stops */
	ss_hook_t hook;
	void *priv;

	bool exit_handled;	/* set by the hook for SS_EV_EXIT */

	struct ss_record *stops;
	size_t nr_stops;
	size_t nr_mmio;
	u64 last_mmio_write;
};

void ss_run_init(struct ss_run *r, struct kvm_vcpu *vcpu, u64 end_pc,
		 size_t max_stops);
void ss_run_free(struct ss_run *r);
void ss_set_single_step(struct kvm_vcpu *vcpu, bool on);
int ss_set_guest_debug(struct kvm_vcpu *vcpu, u32 control);
u64 ss_get_pc(struct kvm_vcpu *vcpu);
void ss_set_pc(struct kvm_vcpu *vcpu, u64 pc);
u64 ss_get_xreg(struct kvm_vcpu *vcpu, int n);
void ss_set_xreg(struct kvm_vcpu *vcpu, int n, u64 val);
u64 ss_vbar(struct kvm_vcpu *vcpu);

/*
 * Step until end_pc or max_stops; asserts on any exit but DEBUG and MMIO
 * that the hook does not take.
 */
void ss_step(struct ss_run *r);
/* Supply or consume the data of the userspace MMIO exit in vcpu->run. */
void ss_complete_mmio(struct ss_run *r);

/*
 * Compare the recorded stops with the expected ones, PC by PC and then
 * syndrome by syndrome.  On a mismatch print both lists and name the
 * first missed or extra PC; return false.
 */
bool ss_check(const struct ss_run *r, const struct ss_stop *exp, size_t n);

void ss_vcpu_init_struct(struct kvm_vcpu_init *init);
struct kvm_vm *ss_vm_create(struct kvm_vcpu **vcpu, void *entry);
void ss_map_mmio(struct kvm_vm *vm, u64 gpa);

#endif /* SS_LIB_H */
