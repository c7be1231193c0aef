/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The registry's list: every device class vmbusd serves, one line each, in
 * the order vmbusd --help and vmbusctl classes show them.  A new class is a
 * file backends/NAME.c that defines VMBD_BACKEND(NAME) (core/backend.h) and
 * a line here; nothing else changes.
 */
VMBD_CLASS(test)
VMBD_CLASS(echo)
VMBD_CLASS(storage)
VMBD_CLASS(net)
VMBD_CLASS(heartbeat)
