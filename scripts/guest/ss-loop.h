/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest loop shared by ss-stress and ss-bench: every kind of exit the
 * step rules care about, once per iteration.
 */
#ifndef SS_LOOP_H
#define SS_LOOP_H

#include "rawkvm.h"

static const u32 ss_loop_code[] = {
	0xd503201f,	/* 0x00 nop */
	0xd2b08000,	/* 0x04 movz x0, #0x8400, lsl #16: PSCI_VERSION */
	0xd4000002,	/* 0x08 hvc #0: completed in KVM */
	0xd2a02002,	/* 0x0c movz x2, #0x100, lsl #16: GUEST_MMIO */
	0xf9400041,	/* 0x10 ldr x1, [x2]: userspace MMIO */
	0xd5380403,	/* 0x14 mrs x3, id_aa64pfr0_el1: trapped */
	0x91000484,	/* 0x18 add x4, x4, #1 */
	0x17fffff9,	/* 0x1c b 0x00 */
	0x910004a5,	/* 0x20 add x5, x5, #1: plain loop, for ss-bench */
	0x17ffffff,	/* 0x24 b 0x20 */
};

#define SS_LOOP_LAST	0x1c
#define SS_PLAIN_LOOP	0x20

/* the instruction boundary after the one at @off */
static inline u64 ss_loop_next(u64 off)
{
	return off == SS_LOOP_LAST ? 0 : off + 4;
}

/* Run to the next KVM_EXIT_DEBUG, completing MMIO; returns the PC offset. */
static inline u64 ss_loop_step(struct rawvcpu *v)
{
	for (;;) {
		rawkvm_run(v);
		if (v->run->exit_reason == KVM_EXIT_DEBUG)
			return rawkvm_get_reg(v, CORE_REG(regs.pc)) - GUEST_BASE;
		if (v->run->exit_reason != KVM_EXIT_MMIO) {
			printf("not ok 1 unexpected exit reason %u\n",
			       v->run->exit_reason);
			exit(1);
		}
		memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
	}
}

#endif /* SS_LOOP_H */
