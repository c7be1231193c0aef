/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_UIO_H
#define KSHIM_LINUX_UIO_H
#include <stddef.h>
struct kvec {
	void *iov_base;
	size_t iov_len;
};
#endif
