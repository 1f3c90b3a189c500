// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernels from 6.14 on: the module hooks nothing there (detect.c), so
 * there are no vCPUs to look for.
 */
#include "kvm_ss_fix.h"

int ksf_scan_existing_vcpus(void)
{
	return -ENOENT;
}
