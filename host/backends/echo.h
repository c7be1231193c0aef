/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The echo device backend (class VMB_CLASS_ECHO_STR, include/vmb_echo.h):
 *   INBAND          -> INBAND with the same trans_id and payload, or a
 *                      COMPLETION if VMB_PKT_F_COMPLETION_REQUESTED is set
 *   GPA_RANGE       -> COMPLETION, payload struct vmb_echo_gpa_result over
 *                      every byte the ranges describe, in order
 *   COMPLETION      -> ignored (counted in st.ignored)
 * Payloads are echoed as the descriptor describes them: (len8 - offset8) * 8
 * bytes, i.e. including the sender's padding to 8 bytes.
 *
 * Control commands: echo-pause RELID stops consuming the channel's
 * guest-to-host ring (the flow-control tests fill it), echo-resume RELID
 * consumes it again.
 */
#ifndef VMBUSD_ECHO_H
#define VMBUSD_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "core/channel.h"
#include "vmb_echo.h"

extern VMBD_BACKEND(echo);

uint64_t fnv1a64(uint64_t h, const void *p, size_t len);

#endif
