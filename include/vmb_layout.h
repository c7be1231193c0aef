/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Compile-time checks of wire layouts, spelled the same in the kernel
 * (linux/build_bug.h) and in userspace C11 (assert.h).  Every header that
 * defines a wire struct states its size and each field's offset right after
 * it, so the guest and the host both check the same numbers and neither can
 * drift from docs/protocol.md without failing to build.
 */
#ifndef VMB_LAYOUT_H
#define VMB_LAYOUT_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#else
#include <assert.h>
#include <stddef.h>
#endif

#define VMB_ASSERT_SIZE(type, size) \
	static_assert(sizeof(type) == (size), #type " is " #size " bytes")

#define VMB_ASSERT_OFFSET(type, field, off) \
	static_assert(offsetof(type, field) == (off), \
		      #type "." #field " is at " #off)

#endif /* VMB_LAYOUT_H */
