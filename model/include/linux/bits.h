/* SPDX-License-Identifier: GPL-2.0 */
/* Host-side stand-in for <linux/bits.h>. */
#ifndef MODEL_LINUX_BITS_H
#define MODEL_LINUX_BITS_H
#define BIT(n) (1UL << (n))
#endif
