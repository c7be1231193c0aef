// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The test device class (include/vmb_test.h): a channel with nothing
 * behind it.  Whatever the guest sends is counted (st.ignored) and dropped.
 */
#include "core/backend.h"
#include "vmb_test.h"

VMBD_BACKEND(test) = {
	.name = "test",
	.guid = VMB_CLASS_TEST_BYTES,
	.help = "a channel with nothing behind it: packets are counted and dropped",
};
