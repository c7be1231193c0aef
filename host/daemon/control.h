/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The control socket: a UNIX stream socket speaking a line protocol.  A
 * client sends one command per line; the server answers zero or more body
 * lines and then a final "OK" or "ERR <message>".  Lines are capped at
 * CONTROL_LINE_MAX bytes including the newline; a longer line, or one with
 * control characters, gets ERR (the former also closes the connection).
 *
 * The module watches its sockets on the caller's event loop.
 */
#ifndef VMBUSD_CONTROL_H
#define VMBUSD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cmd.h"
#include "core/evloop.h"

#define CONTROL_LINE_MAX	1024
#define CONTROL_MAX_CLIENTS	32
#define CONTROL_OUT_MAX		(4u << 20)	/* unread output before we give up */

/* Runs one command; line has no newline and only printable characters. */
typedef void control_handler_fn(void *ctx, char *line, struct cmd_reply *r);

struct control;

struct control_client {
	struct control *ctl;
	int fd;			/* -1: slot free */
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool close_after_flush;
	bool want_out;		/* EPOLLOUT registered */
};

struct control {
	int listen_fd;
	char *path;
	struct evl *loop;
	control_handler_fn *handler;
	void *ctx;
	struct control_client cl[CONTROL_MAX_CLIENTS];
};

int control_init(struct control *c, const char *path, struct evl *loop,
		 control_handler_fn *handler, void *ctx);
/* Close all clients and the listen socket; unlink the socket. */
void control_fini(struct control *c);

#endif
