// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cmd.h"
#include "core/log.h"
#include "daemon/control.h"

static void control_accept(struct evl *loop, int fd, uint32_t events,
			   void *arg);

int control_init(struct control *c, const char *path, struct evl *loop,
		 control_handler_fn *handler, void *ctx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int i, err;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c->cl[i].fd = -1;
		c->cl[i].ctl = c;
	}
	c->listen_fd = -1;
	c->loop = loop;
	c->handler = handler;
	c->ctx = ctx;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	strcpy(sa.sun_path, path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0)
		return -errno;
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(c->listen_fd, 16) < 0) {
		err = -errno;
		close(c->listen_fd);
		c->listen_fd = -1;
		return err;
	}
	err = evl_add_fd(loop, c->listen_fd, EPOLLIN, control_accept, c);
	if (err) {
		close(c->listen_fd);
		c->listen_fd = -1;
		return err;
	}
	c->path = strdup(path);
	if (!c->path) {
		control_fini(c);
		return -ENOMEM;
	}
	return 0;
}

static void client_close(struct control *c, struct control_client *cl)
{
	evl_del_fd(c->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
	cl->ctl = c;
}

void control_fini(struct control *c)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0)
			client_close(c, &c->cl[i]);
	if (c->listen_fd >= 0) {
		evl_del_fd(c->loop, c->listen_fd);
		close(c->listen_fd);
	}
	c->listen_fd = -1;
	if (c->path)
		unlink(c->path);
	free(c->path);
	c->path = NULL;
}

static void set_want_out(struct control *c, struct control_client *cl, bool on)
{
	if (cl->want_out == on)
		return;
	if (evl_mod_fd(c->loop, cl->fd, on ? EPOLLOUT : EPOLLIN) == 0)
		cl->want_out = on;
}

/* Returns -1 if the client was closed. */
static int client_flush(struct control *c, struct control_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off,
				 cl->out_len - cl->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Stop reading until the client takes its output. */
			set_want_out(c, cl, true);
			return 0;
		}
		if (n <= 0) {
			client_close(c, cl);
			return -1;
		}
		cl->out_off += (size_t)n;
	}
	cl->out_off = cl->out_len = 0;
	if (cl->close_after_flush) {
		client_close(c, cl);
		return -1;
	}
	set_want_out(c, cl, false);
	return 0;
}

/* Append bytes to the client's output; returns -1 if it is over the cap. */
static int client_queue(struct control_client *cl, const char *p, size_t len)
{
	char *n;

	if (cl->out_len + len > CONTROL_OUT_MAX)
		return -1;
	n = realloc(cl->out, cl->out_len + len + 1);
	if (!n)
		return -1;
	cl->out = n;
	memcpy(cl->out + cl->out_len, p, len);
	cl->out_len += len;
	return 0;
}

static int client_reply(struct control_client *cl, struct cmd_reply *r)
{
	char final[sizeof(r->err) + 8];
	int n;

	if (r->oom)
		cmd_reply_error(r, "out of memory");
	if (r->err[0])
		n = snprintf(final, sizeof(final), "ERR %s\n", r->err);
	else
		n = snprintf(final, sizeof(final), "OK\n");
	if (!r->oom && r->len && client_queue(cl, r->buf, r->len) < 0)
		return -1;
	return client_queue(cl, final, (size_t)n);
}

static bool line_is_clean(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
	}
	return true;
}

static int client_run_line(struct control *c, struct control_client *cl,
			   char *line, size_t len)
{
	struct cmd_reply r;
	int ret;

	memset(&r, 0, sizeof(r));
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (!line_is_clean(line, len))
		cmd_reply_error(&r, "invalid characters in command");
	else
		c->handler(c->ctx, line, &r);
	ret = client_reply(cl, &r);
	free(r.buf);
	return ret;
}

/* Returns -1 if the client was closed. */
static int client_input(struct control *c, struct control_client *cl)
{
	for (;;) {
		char *nl;
		ssize_t n;

		if (cl->close_after_flush || cl->want_out)
			return 0;
		n = recv(cl->fd, cl->in + cl->in_len,
			 sizeof(cl->in) - cl->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			/* EOF: an unfinished line is dropped; flush replies. */
			cl->in_len = 0;
			cl->close_after_flush = true;
			return client_flush(c, cl);
		}
		cl->in_len += (size_t)n;
		while ((nl = memchr(cl->in, '\n', cl->in_len))) {
			size_t len = (size_t)(nl - cl->in);

			*nl = '\0';
			if (client_run_line(c, cl, cl->in, len) < 0) {
				log_warn("control: client output over limit, closing it");
				client_close(c, cl);
				return -1;
			}
			cl->in_len -= len + 1;
			memmove(cl->in, nl + 1, cl->in_len);
		}
		if (cl->in_len == sizeof(cl->in)) {
			static const char msg[] = "ERR line too long\n";

			cl->in_len = 0;
			cl->close_after_flush = true;
			if (client_queue(cl, msg, sizeof(msg) - 1) < 0) {
				client_close(c, cl);
				return -1;
			}
		}
		if (cl->out_len && client_flush(c, cl) < 0)
			return -1;
	}
}

static void client_event(struct evl *loop, int fd, uint32_t events,
			 void *arg);

static void control_accept(struct evl *loop, int lfd, uint32_t events,
			   void *arg)
{
	struct control *c = arg;
	int fd, i;

	(void)lfd;
	(void)events;

	for (;;) {
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("control: accept: %s", strerror(errno));
			return;
		}
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (c->cl[i].fd < 0)
				break;
		if (i == CONTROL_MAX_CLIENTS) {
			static const char msg[] = "ERR too many clients\n";

			if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("control: refusing client: %s", strerror(errno));
			close(fd);
			continue;
		}
		if (evl_add_fd(loop, fd, EPOLLIN, client_event, &c->cl[i]) < 0) {
			close(fd);
			continue;
		}
		memset(&c->cl[i], 0, sizeof(c->cl[i]));
		c->cl[i].ctl = c;
		c->cl[i].fd = fd;
	}
}

static void client_event(struct evl *loop, int fd, uint32_t events,
			 void *arg)
{
	struct control_client *cl = arg;
	struct control *c = cl->ctl;

	(void)loop;
	(void)fd;
	if (cl->fd < 0)
		return;
	if (events & EPOLLOUT) {
		if (client_flush(c, cl) < 0)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (cl->want_out && (events & (EPOLLHUP | EPOLLERR))) {
			client_close(c, cl);
			return;
		}
		client_input(c, cl);
	}
}
