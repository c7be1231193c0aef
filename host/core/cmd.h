/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * What a control command (vmbusctl COMMAND ...) builds its answer in: body
 * lines, then either success or one error message.  The daemon's commands
 * and the back ends' own (struct vmbd_class_cmd) use it alike; the daemon's
 * control socket turns it into the lines and the final "OK" or "ERR ...".
 */
#ifndef VMBUSD_CMD_H
#define VMBUSD_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmd_reply {
	char *buf;		/* body lines */
	size_t len, cap;
	bool oom;
	char err[256];		/* non-empty: the reply is ERR err */
};

/* Append one body line (no newline in fmt). */
void cmd_reply_line(struct cmd_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Make the reply an error (the last call wins). */
void cmd_reply_error(struct cmd_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A relid argument: decimal, 1 .. VMB_MAX_RELID - 1.  Returns 0 or -1. */
int cmd_parse_relid(const char *s, uint32_t *relid);

#endif
