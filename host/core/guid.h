/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * GUIDs in the kernel's guid_t byte layout (the wire layout of
 * vmb_protocol.h): the first three fields little-endian, the last eight
 * bytes in the order written.  Text form: 8-4-4-4-12 hex digits.
 */
#ifndef VMBUSD_GUID_H
#define VMBUSD_GUID_H

#include <stdbool.h>
#include <stdint.h>

#include "vmb_protocol.h"

#define GUID_STR_LEN	36	/* without the terminating NUL */

/* Returns 0, or -1 if s is not exactly one GUID (either hex case). */
int guid_parse(const char *s, uint8_t g[VMB_GUID_LEN]);
/* buf must hold GUID_STR_LEN + 1 bytes; lower-case hex.  Returns buf. */
char *guid_format(const uint8_t g[VMB_GUID_LEN], char *buf);
/* A random (version 4, RFC 4122 variant) GUID.  Returns 0 or -1. */
int guid_random(uint8_t g[VMB_GUID_LEN]);
bool guid_is_nil(const uint8_t g[VMB_GUID_LEN]);
bool guid_equal(const uint8_t a[VMB_GUID_LEN], const uint8_t b[VMB_GUID_LEN]);

#endif
