// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the interrupt hold-back rules (kvm_ss_fix/irq_rules.h):
 * when the hold is on (H2) and when the flag must be refused (H4).  TAP
 * output (kselftest harness).
 */
#include <linux/bits.h>

#include "kselftest_harness.h"
#include "../kvm_ss_fix/irq_rules.h"

#define ENABLE		KVM_GUESTDBG_ENABLE
#define STEP		KVM_GUESTDBG_SINGLESTEP
#define BLOCKIRQ	KVM_GUESTDBG_BLOCKIRQ
/* arm64's KVM_GUESTDBG_USE_HW; this host's headers are not arm64's */
#define USE_HW		BIT(17)

/* H1: x86's value, free among arm64's per-architecture bits */
TEST(flag_value)
{
	ASSERT_EQ(0x00100000, KVM_GUESTDBG_BLOCKIRQ);
}

/* H2: the flag holds with ENABLE, stepping or not */
TEST(hold_with_flag)
{
	EXPECT_TRUE(irq_hold_on(ENABLE | BLOCKIRQ, false));
	EXPECT_TRUE(irq_hold_on(ENABLE | STEP | BLOCKIRQ, false));
	EXPECT_TRUE(irq_hold_on(ENABLE | USE_HW | BLOCKIRQ,
				false));
}

/* H2: never without ENABLE (KVM clears guest_debug then) */
TEST(no_hold_without_enable)
{
	EXPECT_FALSE(irq_hold_on(BLOCKIRQ, false));
	EXPECT_FALSE(irq_hold_on(BLOCKIRQ | STEP, true));
	EXPECT_FALSE(irq_hold_on(0, true));
}

/* H2: the parameter holds for host single-step only */
TEST(parameter_holds_when_stepping)
{
	EXPECT_TRUE(irq_hold_on(ENABLE | STEP, true));
	EXPECT_FALSE(irq_hold_on(ENABLE | STEP, false));
	EXPECT_FALSE(irq_hold_on(ENABLE | KVM_GUESTDBG_USE_SW_BP, true));
}

/* H4: refused where the hold cannot be exact, with the reason */
TEST(refusal)
{
	struct irq_hold_env ok = { .host_ok = true, .vgic_in_kernel = true };
	struct irq_hold_env no_host = { .host_ok = false, .vgic_in_kernel = true };
	struct irq_hold_env no_vgic = { .host_ok = true, .vgic_in_kernel = false };
	struct irq_hold_env direct = {
		.host_ok = true, .vgic_in_kernel = true, .vgic_direct = true,
	};
	struct irq_hold_env v5 = {
		.host_ok = true, .vgic_in_kernel = true, .vgic_other = true,
	};
	struct irq_hold_env nested = {
		.host_ok = true, .vgic_in_kernel = true, .nested = true,
	};

	EXPECT_EQ(NULL, irq_hold_refusal(&ok));
	EXPECT_STREQ("the host cannot hold interrupts back",
		     irq_hold_refusal(&no_host));
	EXPECT_STREQ("the VM has no in-kernel vGIC", irq_hold_refusal(&no_vgic));
	EXPECT_STREQ("the VM's vGIC injects directly (GICv4)",
		     irq_hold_refusal(&direct));
	EXPECT_STREQ("the VM's vGIC is neither v2 nor v3",
		     irq_hold_refusal(&v5));
	EXPECT_STREQ("the vCPU has EL2 (nested virtualisation)",
		     irq_hold_refusal(&nested));
}

TEST_HARNESS_MAIN
