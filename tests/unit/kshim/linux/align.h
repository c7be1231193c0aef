/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_ALIGN_H
#define KSHIM_LINUX_ALIGN_H
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ALIGN(x, a)		(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#endif
