/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The echo device class (docs/protocol.md, "The echo device class"): the
 * host answers each INBAND packet with the same trans_id and payload, as a
 * COMPLETION if one was requested, else as an INBAND packet; and each
 * GPA_RANGE packet with a COMPLETION carrying struct vmb_echo_gpa_result
 * over every byte its ranges describe, in order.  Supports sub-channels.
 */
#ifndef VMB_ECHO_H
#define VMB_ECHO_H

#include "vmb_protocol.h"

/* 2fd630d0-e4f4-46c1-bb60-bbddd55fc556 */
#define VMB_CLASS_ECHO_GUID(m) \
	m(2fd630d0, e4f4, 46c1, bb, 60, bb, dd, d5, 5f, c5, 56)
VMB_CLASS_ECHO_GUID(VMB_GUID_CHECK);

#define VMB_CLASS_ECHO_STR	VMB_CLASS_ECHO_GUID(VMB_GUID_STR)
#define VMB_CLASS_ECHO_BYTES	VMB_CLASS_ECHO_GUID(VMB_GUID_BYTES)
#ifdef __KERNEL__
#define VMB_CLASS_ECHO		VMB_CLASS_ECHO_GUID(VMB_GUID_INIT)
#endif

/* The checksum: FNV-1a, 64 bits, over the bytes in range order. */
#define VMB_ECHO_FNV1A64_BASIS	0xcbf29ce484222325ULL
#define VMB_ECHO_FNV1A64_PRIME	0x100000001b3ULL

/* The payload of the COMPLETION answering a GPA_RANGE packet. */
struct vmb_echo_gpa_result {
	__le64 fnv1a64;		/* of every byte the ranges describe */
	__le64 bytes;		/* how many that was */
};

VMB_ASSERT_SIZE(struct vmb_echo_gpa_result, 16);
VMB_ASSERT_OFFSET(struct vmb_echo_gpa_result, fnv1a64, 0);
VMB_ASSERT_OFFSET(struct vmb_echo_gpa_result, bytes, 8);

#endif /* VMB_ECHO_H */
