/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_MINMAX_H
#define KSHIM_LINUX_MINMAX_H
#define min(a, b)	((a) < (b) ? (a) : (b))
#endif
