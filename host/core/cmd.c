// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmd.h"
#include "vmb_protocol.h"

static void reply_vappend(struct cmd_reply *r, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (r->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if (r->len + (size_t)n + 2 > r->cap) {
		size_t cap = r->cap ? r->cap : 256;
		char *p;

		while (r->len + (size_t)n + 2 > cap)
			cap *= 2;
		p = realloc(r->buf, cap);
		if (!p) {
			r->oom = true;
			return;
		}
		r->buf = p;
		r->cap = cap;
	}
	vsnprintf(r->buf + r->len, (size_t)n + 1, fmt, ap);
	r->len += (size_t)n;
	r->buf[r->len++] = '\n';
}

void cmd_reply_line(struct cmd_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_vappend(r, fmt, ap);
	va_end(ap);
}

void cmd_reply_error(struct cmd_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	if (!r->err[0])
		strcpy(r->err, "error");
}

int cmd_parse_relid(const char *s, uint32_t *relid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v == 0 ||
	    v >= VMB_MAX_RELID)
		return -1;
	*relid = (uint32_t)v;
	return 0;
}
