/* SPDX-License-Identifier: GPL-2.0 */
/* Host-side stand-in for <linux/types.h>, enough for ss_rules.c. */
#ifndef MODEL_LINUX_TYPES_H
#define MODEL_LINUX_TYPES_H
#include <stdbool.h>
typedef unsigned long long u64;
typedef unsigned int u32;
#endif
