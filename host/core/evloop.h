/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The event loop: file descriptors with a callback each, and one-shot and
 * periodic timers, on epoll.  The daemon owns the one loop; back ends reach
 * it through their channel's environment (chan_env.loop) to watch their own
 * fds (a disk image's io_uring, a TAP device) and to arm timers.
 *
 * Everything runs on the loop's thread, one callback at a time.  Any
 * callback may add or remove any fd and arm or cancel any timer, its own
 * included:
 *   - an fd removed with evl_del_fd() gets no further callback, even for
 *     events epoll already reported in the same pass;
 *   - timers fire in the order of their expiry, timers that expire at the
 *     same millisecond in the order they were armed; a timer armed by a
 *     callback fires on a later pass, never in the one that armed it, so
 *     a timer that re-arms itself with 0 ms cannot starve the fds.
 *
 * Timers are caller-owned (struct evl_timer, usually inside the back end's
 * own state): arming one allocates nothing, cancelling one that is not
 * armed (already fired, never armed) is a no-op, and there are no handles
 * that can go stale.  Time is CLOCK_MONOTONIC in milliseconds.
 */
#ifndef VMBUSD_EVLOOP_H
#define VMBUSD_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

struct evl;
struct evl_timer;

/* events: EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR as epoll reported them. */
typedef void evl_fd_fn(struct evl *loop, int fd, uint32_t events, void *arg);
typedef void evl_timer_fn(struct evl *loop, struct evl_timer *t, void *arg);

TAILQ_HEAD(evl_timer_list, evl_timer);

/* Zero-initialise (or leave to the evl_timer_* calls); fields are private. */
struct evl_timer {
	TAILQ_ENTRY(evl_timer) link;
	struct evl_timer_list *on;	/* the list it is on; NULL: not armed */
	uint64_t expires;		/* ms, CLOCK_MONOTONIC */
	uint64_t pass;			/* the loop pass that armed it */
	unsigned int period;		/* ms; 0: one-shot */
	evl_timer_fn *fn;
	void *arg;
};

/* Returns the loop, or NULL with errno set. */
struct evl *evl_create(void);
/*
 * Frees the loop; its fds are not closed (they are their owners'), armed
 * timers are simply disarmed.
 */
void evl_destroy(struct evl *loop);

/*
 * Watch fd for events (EPOLLIN, EPOLLOUT, ...): fn runs each time epoll
 * reports one.  Returns 0, -EEXIST if fd is watched already, or -errno.
 */
int evl_add_fd(struct evl *loop, int fd, uint32_t events, evl_fd_fn *fn,
	       void *arg);
/* Change the events of a watched fd.  Returns 0, -ENOENT or -errno. */
int evl_mod_fd(struct evl *loop, int fd, uint32_t events);
/*
 * Stop watching fd (call it before closing fd: an fd another process also
 * holds, such as an eventfd shared with QEMU, stays in the epoll set after
 * close()).  Returns 0 or -ENOENT.
 */
int evl_del_fd(struct evl *loop, int fd);

/* Run fn once, ms from now.  Re-arming an armed timer moves it. */
void evl_timer_oneshot(struct evl *loop, struct evl_timer *t, unsigned int ms,
		       evl_timer_fn *fn, void *arg);
/*
 * Run fn every ms (>= 1; 0 is taken as 1) from now on, until cancelled.
 * A loop that falls behind skips the missed periods rather than bursting.
 */
void evl_timer_periodic(struct evl *loop, struct evl_timer *t,
			unsigned int ms, evl_timer_fn *fn, void *arg);
/* Disarm t; a no-op if it is not armed. */
void evl_timer_cancel(struct evl_timer *t);
static inline bool evl_timer_pending(const struct evl_timer *t)
{
	return t->on != NULL;
}

/*
 * One pass: wait for fd events or the next timer (at most timeout_ms; -1:
 * no limit), run the callbacks of what is ready, then those of the timers
 * that are due.  Returns the number of callbacks run (0: the wait timed out
 * or was interrupted by a signal), or -errno if epoll failed.
 */
int evl_run_once(struct evl *loop, int timeout_ms);
/* Pass after pass until evl_stop().  Returns 0, or -errno from epoll. */
int evl_run(struct evl *loop);
/* Make evl_run() return after the current callback's pass. */
void evl_stop(struct evl *loop);
/* The loop's clock: CLOCK_MONOTONIC in ms. */
uint64_t evl_now_ms(void);

#endif
