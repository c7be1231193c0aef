// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The event loop on epoll.  Timers are a list sorted by expiry, which sets
 * epoll_wait()'s timeout: a host has a few dozen timers at most, so an
 * insertion walk beats a heap's bookkeeping.  fds are a table indexed by fd
 * number; a removed fd's entry is only marked dead while a pass is
 * dispatching (epoll may have reported it already, and its fd number may
 * even be reused by then) and freed at the end of the pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/evloop.h"

#define EVL_MAX_EVENTS	32

struct evl_fd {
	int fd;
	evl_fd_fn *fn;
	void *arg;
	bool dead;
	struct evl_fd *next_dead;
};

struct evl {
	int epfd;
	struct evl_fd **fds;		/* indexed by fd number */
	unsigned int fds_cap;
	struct evl_fd *dead;		/* removed during this pass */
	bool dispatching;
	bool stop;
	uint64_t pass;			/* counts evl_run_once() calls */
	struct evl_timer_list timers;	/* armed, by expiry */
};

uint64_t evl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct evl *evl_create(void)
{
	struct evl *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	TAILQ_INIT(&loop->timers);
	return loop;
}

static void free_dead(struct evl *loop)
{
	struct evl_fd *e;

	while ((e = loop->dead)) {
		loop->dead = e->next_dead;
		free(e);
	}
}

void evl_destroy(struct evl *loop)
{
	struct evl_timer *t;
	unsigned int i;

	if (!loop)
		return;
	while ((t = TAILQ_FIRST(&loop->timers)))
		evl_timer_cancel(t);
	for (i = 0; i < loop->fds_cap; i++)
		free(loop->fds[i]);
	free(loop->fds);
	free_dead(loop);
	close(loop->epfd);
	free(loop);
}

static struct evl_fd *lookup(const struct evl *loop, int fd)
{
	if (fd < 0 || (unsigned int)fd >= loop->fds_cap)
		return NULL;
	return loop->fds[fd];
}

/* Make room in the table for fd.  Returns 0 or -ENOMEM. */
static int grow(struct evl *loop, int fd)
{
	unsigned int cap = loop->fds_cap ? loop->fds_cap : 64;
	struct evl_fd **n;

	if ((unsigned int)fd < loop->fds_cap)
		return 0;
	while (cap <= (unsigned int)fd)
		cap *= 2;
	n = realloc(loop->fds, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n + loop->fds_cap, 0, (cap - loop->fds_cap) * sizeof(*n));
	loop->fds = n;
	loop->fds_cap = cap;
	return 0;
}

int evl_add_fd(struct evl *loop, int fd, uint32_t events, evl_fd_fn *fn,
	       void *arg)
{
	struct epoll_event ev = { .events = events };
	struct evl_fd *e;
	int err;

	if (fd < 0 || !fn)
		return -EINVAL;
	if (lookup(loop, fd))
		return -EEXIST;
	err = grow(loop, fd);
	if (err)
		return err;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = fd;
	e->fn = fn;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		free(e);
		return err;
	}
	loop->fds[fd] = e;
	return 0;
}

int evl_mod_fd(struct evl *loop, int fd, uint32_t events)
{
	struct evl_fd *e = lookup(loop, fd);
	struct epoll_event ev = { .events = events };

	if (!e)
		return -ENOENT;
	ev.data.ptr = e;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int evl_del_fd(struct evl *loop, int fd)
{
	struct evl_fd *e = lookup(loop, fd);

	if (!e)
		return -ENOENT;
	/* fails only if fd was closed already, which removed it anyway */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->fds[fd] = NULL;
	if (!loop->dispatching) {
		free(e);
		return 0;
	}
	e->dead = true;
	e->next_dead = loop->dead;
	loop->dead = e;
	return 0;
}

/* Insert after every timer that expires no later: same-ms timers stay FIFO. */
static void timer_insert(struct evl_timer_list *list, struct evl_timer *t)
{
	struct evl_timer *p;

	TAILQ_FOREACH_REVERSE(p, list, evl_timer_list, link) {
		if (p->expires <= t->expires) {
			TAILQ_INSERT_AFTER(list, p, t, link);
			t->on = list;
			return;
		}
	}
	TAILQ_INSERT_HEAD(list, t, link);
	t->on = list;
}

void evl_timer_cancel(struct evl_timer *t)
{
	if (!t->on)
		return;
	TAILQ_REMOVE(t->on, t, link);
	t->on = NULL;
}

static void timer_arm(struct evl *loop, struct evl_timer *t, unsigned int ms,
		      unsigned int period, evl_timer_fn *fn, void *arg)
{
	evl_timer_cancel(t);
	t->expires = evl_now_ms() + ms;
	t->period = period;
	t->pass = loop->pass;
	t->fn = fn;
	t->arg = arg;
	timer_insert(&loop->timers, t);
}

void evl_timer_oneshot(struct evl *loop, struct evl_timer *t, unsigned int ms,
		       evl_timer_fn *fn, void *arg)
{
	timer_arm(loop, t, ms, 0, fn, arg);
}

void evl_timer_periodic(struct evl *loop, struct evl_timer *t,
			unsigned int ms, evl_timer_fn *fn, void *arg)
{
	if (!ms)
		ms = 1;
	timer_arm(loop, t, ms, ms, fn, arg);
}

/* epoll_wait()'s timeout: the caller's, or sooner if a timer is due. */
static int wait_ms(const struct evl *loop, int timeout_ms)
{
	const struct evl_timer *t = TAILQ_FIRST(&loop->timers);
	uint64_t now, left;

	if (!t)
		return timeout_ms;
	now = evl_now_ms();
	left = t->expires > now ? t->expires - now : 0;
	if (timeout_ms >= 0 && (uint64_t)timeout_ms < left)
		return timeout_ms;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

/*
 * Fire the timers due now that were armed before this pass: take them off
 * the list first, so that whatever their callbacks arm waits for a later
 * pass, and a callback may cancel one of them that has not run yet.
 */
static int fire_timers(struct evl *loop)
{
	struct evl_timer_list due = TAILQ_HEAD_INITIALIZER(due);
	struct evl_timer *t, *next;
	uint64_t now = evl_now_ms();
	int n = 0;

	for (t = TAILQ_FIRST(&loop->timers); t && t->expires <= now; t = next) {
		next = TAILQ_NEXT(t, link);
		if (t->pass == loop->pass)
			continue;
		TAILQ_REMOVE(&loop->timers, t, link);
		TAILQ_INSERT_TAIL(&due, t, link);
		t->on = &due;
	}
	while ((t = TAILQ_FIRST(&due))) {
		TAILQ_REMOVE(&due, t, link);
		t->on = NULL;
		if (t->period) {
			t->expires += t->period;
			if (t->expires <= now)
				t->expires = now + t->period;
			t->pass = loop->pass;
			timer_insert(&loop->timers, t);
		}
		t->fn(loop, t, t->arg);
		n++;
	}
	return n;
}

int evl_run_once(struct evl *loop, int timeout_ms)
{
	struct epoll_event ev[EVL_MAX_EVENTS];
	int i, n, ran = 0;

	loop->pass++;
	n = epoll_wait(loop->epfd, ev, EVL_MAX_EVENTS, wait_ms(loop, timeout_ms));
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	loop->dispatching = true;
	for (i = 0; i < n; i++) {
		struct evl_fd *e = ev[i].data.ptr;

		if (e->dead)
			continue;
		e->fn(loop, e->fd, ev[i].events, e->arg);
		ran++;
	}
	loop->dispatching = false;
	free_dead(loop);
	return ran + fire_timers(loop);
}

int evl_run(struct evl *loop)
{
	int r;

	loop->stop = false;
	while (!loop->stop) {
		r = evl_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void evl_stop(struct evl *loop)
{
	loop->stop = true;
}
