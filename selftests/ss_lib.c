// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the single-step conformance tests: the stepping loop and
 * the comparison of the recorded stops with the expected table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest.h"
#include "kvm_util.h"
#include "processor.h"
#include "ss_guest.h"
#include "ss_lib.h"

/* How far ahead a missed or extra PC is looked for in the other list. */
#define SS_LOOKAHEAD	4
/* Lists up to this long are printed whole; longer ones around the diff. */
#define SS_PRINT_ALL	64
#define SS_PRINT_BEFORE	4
#define SS_PRINT_AFTER	8

/*
 * The harness runs each case in a child that ends with _exit() or
 * abort(): with stdout a file or a pipe, what a failing case printed
 * (the expected and actual stops) would die in the child's buffer.
 */
static void __attribute__((constructor)) ss_stdout_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void ss_run_init(struct ss_run *r, struct kvm_vcpu *vcpu, u64 end_pc,
		 size_t max_stops)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu;
	r->end_pc = end_pc;
	r->max_stops = max_stops;
	r->stops = calloc(max_stops, sizeof(*r->stops));
	TEST_ASSERT(r->stops, "out of memory for %zu stops", max_stops);
}

void ss_run_free(struct ss_run *r)
{
	free(r->stops);
	r->stops = NULL;
}

int ss_set_guest_debug(struct kvm_vcpu *vcpu, u32 control)
{
	struct kvm_guest_debug dbg = { .control = control };

	if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg))
		return -errno;
	return 0;
}

void ss_set_single_step(struct kvm_vcpu *vcpu, bool on)
{
	u32 control = on ? KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP : 0;
	int ret = ss_set_guest_debug(vcpu, control);

	TEST_ASSERT(!ret, "KVM_SET_GUEST_DEBUG(0x%x) failed: %d", control, ret);
}

u64 ss_get_pc(struct kvm_vcpu *vcpu)
{
	u64 pc;

	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.pc), &pc);
	return pc;
}

void ss_set_pc(struct kvm_vcpu *vcpu, u64 pc)
{
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.pc), pc);
}

u64 ss_get_xreg(struct kvm_vcpu *vcpu, int n)
{
	u64 val;

	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[n]), &val);
	return val;
}

void ss_set_xreg(struct kvm_vcpu *vcpu, int n, u64 val)
{
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[n]), val);
}

u64 ss_vbar(struct kvm_vcpu *vcpu)
{
	u64 vbar;

	vcpu_get_reg(vcpu, KVM_ARM64_SYS_REG(SYS_VBAR_EL1), &vbar);
	return vbar;
}

void ss_map_mmio(struct kvm_vm *vm, u64 gpa)
{
	virt_pg_map(vm, gpa, gpa);
}

/* One vCPU at @entry, with the framework's EL1 vectors and the test MMIO page. */
/* KVM_ARM_VCPU_INIT of every vCPU here: PSCI 0.2+, the rest default. */
void ss_vcpu_init_struct(struct kvm_vcpu_init *init)
{
	memset(init, 0, sizeof(*init));
	init->target = -1;
	init->features[0] = 1 << KVM_ARM_VCPU_PSCI_0_2;
}

struct kvm_vm *ss_vm_create(struct kvm_vcpu **vcpu, void *entry)
{
	struct kvm_vcpu_init init;
	struct kvm_vm *vm = vm_create(1);

	ss_vcpu_init_struct(&init);
	*vcpu = aarch64_vcpu_add(vm, 0, &init, entry);
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(*vcpu);
	ss_map_mmio(vm, SS_MMIO_GPA);
	return vm;
}

/* Record a KVM_EXIT_DEBUG; true when stepping should stop. */
static bool ss_record_stop(struct ss_run *r)
{
	struct ss_record *rec = &r->stops[r->nr_stops++];

	rec->pc = ss_get_pc(r->vcpu);
	rec->esr = r->vcpu->run->debug.arch.hsr;
	return rec->pc == r->end_pc || r->nr_stops == r->max_stops;
}

/* Complete a userspace MMIO access to the test page. */
void ss_complete_mmio(struct ss_run *r)
{
	struct kvm_run *run = r->vcpu->run;
	u64 val = SS_MMIO_READ_VALUE;

	TEST_ASSERT(run->mmio.phys_addr >= SS_MMIO_GPA &&
		    run->mmio.phys_addr < SS_MMIO_GPA + 0x1000 &&
		    run->mmio.len <= sizeof(val),
		    "unexpected MMIO at 0x%llx (len %u, PC 0x%lx)",
		    run->mmio.phys_addr, run->mmio.len, ss_get_pc(r->vcpu));
	if (run->mmio.is_write) {
		val = 0;
		memcpy(&val, run->mmio.data, run->mmio.len);
		r->last_mmio_write = val;
	} else {
		memcpy(run->mmio.data, &val, run->mmio.len);
	}
	r->nr_mmio++;
}

void ss_step(struct ss_run *r)
{
	struct kvm_run *run = r->vcpu->run;

	for (;;) {
		vcpu_run(r->vcpu);
		switch (run->exit_reason) {
		case KVM_EXIT_DEBUG:
			if (ss_record_stop(r))
				return;
			if (r->hook)
				r->hook(r, SS_EV_STOP);
			break;
		case KVM_EXIT_MMIO:
			ss_complete_mmio(r);
			if (r->hook)
				r->hook(r, SS_EV_MMIO);
			break;
		default:
			r->exit_handled = false;
			if (r->hook)
				r->hook(r, SS_EV_EXIT);
			TEST_ASSERT(r->exit_handled,
				    "unexpected exit %s at PC 0x%lx",
				    exit_reason_str(run->exit_reason),
				    ss_get_pc(r->vcpu));
		}
	}
}

static const char *ss_kind_str(enum ss_kind kind)
{
	switch (kind) {
	case SS_STEP:
		return "step ISV=1";
	case SS_PENDING:
		return "pending ISV=0";
	case SS_EXCL:
		return "ldx ISV=1 EX=1";
	default:
		return "step, any ISV";
	}
}

static bool ss_esr_ok(u64 esr, enum ss_kind kind)
{
	if (SS_ESR_EC(esr) != SS_ESR_EC_SOFTSTP_LOW ||
	    SS_ESR_IFSC(esr) != SS_ESR_IFSC_DEBUG)
		return false;
	switch (kind) {
	case SS_STEP:
		return (esr & (SS_ESR_ISV | SS_ESR_EX)) == SS_ESR_ISV;
	case SS_PENDING:
		return !(esr & (SS_ESR_ISV | SS_ESR_EX));
	case SS_EXCL:
		return (esr & (SS_ESR_ISV | SS_ESR_EX)) ==
		       (SS_ESR_ISV | SS_ESR_EX);
	default:
		return true;
	}
}

static const char *ss_name_of(const struct ss_stop *exp, size_t n, u64 pc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (exp[i].pc == pc)
			return exp[i].name;
	return "?";
}

static void ss_print_line(const struct ss_run *r, const struct ss_stop *exp,
			  size_t n, size_t i, size_t diff)
{
	char left[80] = "-", right[80] = "-";

	if (i < n)
		snprintf(left, sizeof(left), "0x%lx %s (%s)", exp[i].pc,
			 exp[i].name, ss_kind_str(exp[i].kind));
	if (i < r->nr_stops)
		snprintf(right, sizeof(right), "0x%lx %s esr 0x%lx",
			 r->stops[i].pc, ss_name_of(exp, n, r->stops[i].pc),
			 r->stops[i].esr);
	ksft_print_msg("%c%5zu  %-44s | %s\n", i == diff ? '>' : ' ', i,
		       left, right);
}

static void ss_print_lists(const struct ss_run *r, const struct ss_stop *exp,
			   size_t n, size_t diff)
{
	size_t len = n > r->nr_stops ? n : r->nr_stops;
	size_t from = 0, to = len, i;

	if (len > SS_PRINT_ALL) {
		from = diff > SS_PRINT_BEFORE ? diff - SS_PRINT_BEFORE : 0;
		to = diff + SS_PRINT_AFTER < len ? diff + SS_PRINT_AFTER : len;
	}
	ksft_print_msg("   stop  expected (%zu stops)%*s| actual (%zu stops)\n",
		       n, 24, "", r->nr_stops);
	if (from)
		ksft_print_msg("   ... %zu stops equal\n", from);
	for (i = from; i < to; i++)
		ss_print_line(r, exp, n, i, diff);
	if (to < len)
		ksft_print_msg("   ... %zu more\n", len - to);
}

/* Offset (1..SS_LOOKAHEAD) at which @pc appears after @i, or 0. */
static size_t ss_exp_ahead(const struct ss_stop *exp, size_t n, size_t i,
			   u64 pc)
{
	size_t k;

	for (k = 1; k <= SS_LOOKAHEAD && i + k < n; k++)
		if (exp[i + k].pc == pc)
			return k;
	return 0;
}

static size_t ss_act_ahead(const struct ss_run *r, size_t i, u64 pc)
{
	size_t k;

	for (k = 1; k <= SS_LOOKAHEAD && i + k < r->nr_stops; k++)
		if (r->stops[i + k].pc == pc)
			return k;
	return 0;
}

static void ss_explain_diff(const struct ss_run *r, const struct ss_stop *exp,
			    size_t n, size_t i)
{
	size_t missed, extra;

	if (i >= r->nr_stops) {
		ksft_print_msg("first missed PC 0x%lx (%s) at stop %zu: the trace ended\n",
			       exp[i].pc, exp[i].name, i);
		return;
	}
	if (i >= n) {
		ksft_print_msg("first extra PC 0x%lx (%s) at stop %zu: expected the trace to end\n",
			       r->stops[i].pc, ss_name_of(exp, n, r->stops[i].pc), i);
		return;
	}
	missed = ss_exp_ahead(exp, n, i, r->stops[i].pc);
	extra = ss_act_ahead(r, i, exp[i].pc);
	if (missed && (!extra || missed <= extra))
		ksft_print_msg("first missed PC 0x%lx (%s) at stop %zu: %s 0x%lx (%s)\n",
			       exp[i].pc, exp[i].name, i,
			       "the guest ran on without a stop to",
			       r->stops[i].pc, exp[i + missed].name);
	else if (extra)
		ksft_print_msg("first extra PC 0x%lx (%s) at stop %zu, before 0x%lx (%s)\n",
			       r->stops[i].pc, ss_name_of(exp, n, r->stops[i].pc),
			       i, exp[i].pc, exp[i].name);
	else
		ksft_print_msg("first missed PC 0x%lx (%s) at stop %zu: %s 0x%lx (%s)\n",
			       exp[i].pc, exp[i].name, i,
			       "the guest stopped instead at",
			       r->stops[i].pc, ss_name_of(exp, n, r->stops[i].pc));
}

static bool ss_check_pcs(const struct ss_run *r, const struct ss_stop *exp,
			 size_t n)
{
	size_t i;

	for (i = 0; i < n && i < r->nr_stops; i++)
		if (r->stops[i].pc != exp[i].pc)
			break;
	if (i == n && i == r->nr_stops)
		return true;
	ss_explain_diff(r, exp, n, i);
	ss_print_lists(r, exp, n, i);
	return false;
}

static bool ss_check_esrs(const struct ss_run *r, const struct ss_stop *exp,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ss_esr_ok(r->stops[i].esr, exp[i].kind))
			continue;
		ksft_print_msg("stop %zu at 0x%lx (%s): syndrome 0x%lx, %s 0x%x IFSC 0x%x %s\n",
			       i, exp[i].pc, exp[i].name, r->stops[i].esr,
			       "expected EC", SS_ESR_EC_SOFTSTP_LOW, SS_ESR_IFSC_DEBUG,
			       ss_kind_str(exp[i].kind));
		ss_print_lists(r, exp, n, i);
		return false;
	}
	return true;
}

bool ss_check(const struct ss_run *r, const struct ss_stop *exp, size_t n)
{
	return ss_check_pcs(r, exp, n) && ss_check_esrs(r, exp, n);
}
