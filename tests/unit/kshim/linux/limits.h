/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_LIMITS_H
#define KSHIM_LINUX_LIMITS_H
#include_next <linux/limits.h>
#include <stdint.h>
#define U64_MAX	UINT64_MAX
#endif
