/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The "test" device class: a channel with nothing behind it.  The host
 * offers it and ignores (counts) whatever the guest sends on it; the tests
 * use it for enumeration, modalias autoload, hot add and hot remove
 * (tests/kmod/vmb_testdrv.c binds to it).
 */
#ifndef VMB_TEST_H
#define VMB_TEST_H

#include "vmb_protocol.h"

/* f9eaf8b6-089b-4cdb-a72c-2776d8c17983 */
#define VMB_CLASS_TEST_GUID(m) \
	m(f9eaf8b6, 089b, 4cdb, a7, 2c, 27, 76, d8, c1, 79, 83)
VMB_CLASS_TEST_GUID(VMB_GUID_CHECK);

#define VMB_CLASS_TEST_STR	VMB_CLASS_TEST_GUID(VMB_GUID_STR)
#define VMB_CLASS_TEST_BYTES	VMB_CLASS_TEST_GUID(VMB_GUID_BYTES)
#ifdef __KERNEL__
#define VMB_CLASS_TEST		VMB_CLASS_TEST_GUID(VMB_GUID_INIT)
#endif

#endif /* VMB_TEST_H */
