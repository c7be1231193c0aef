// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The event loop: fd callbacks, removal from callbacks, timers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/evloop.h"

#define MAX_LOG 16

struct fx {
	struct evl *loop;
	int p[2][2];			/* two pipes: [i][0] read, [i][1] write */
	unsigned int calls[2];		/* fd callbacks per pipe */
	uint32_t events;
	int victim;			/* fd a callback removes (-1: none) */
	bool kill_other;		/* a callback removes the other pipe */
	struct evl_timer t[4];
	char log[MAX_LOG];		/* timer names, in firing order */
	unsigned int nlog;
	unsigned int fires;
	unsigned int stop_after;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->loop = evl_create();
	assert_non_null(f->loop);
	assert_int_equal(pipe(f->p[0]), 0);
	assert_int_equal(pipe(f->p[1]), 0);
	f->victim = -1;
	*state = f;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	evl_destroy(f->loop);
	for (i = 0; i < 2; i++) {
		close_fd(&f->p[i][0]);
		close_fd(&f->p[i][1]);
	}
	free(f);
	return 0;
}

static void poke(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static int which(struct fx *f, int fd)
{
	return fd == f->p[0][0] ? 0 : 1;
}

/* Reads the byte; removes f->victim or the other pipe if asked to. */
static void on_read(struct evl *loop, int fd, uint32_t events, void *arg)
{
	struct fx *f = arg;
	char c;

	f->calls[which(f, fd)]++;
	if (f->kill_other) {
		f->kill_other = false;
		assert_int_equal(evl_del_fd(loop, f->p[!which(f, fd)][0]), 0);
	}
	f->events = events;
	if (events & EPOLLIN)
		assert_int_equal(read(fd, &c, 1), 1);
	if (f->victim >= 0) {
		assert_int_equal(evl_del_fd(loop, f->victim), 0);
		f->victim = -1;
	}
}

static void test_fd_callbacks(void **state)
{
	struct fx *f = *state;

	assert_int_equal(evl_add_fd(f->loop, f->p[0][0], EPOLLIN, on_read, f), 0);
	assert_int_equal(evl_add_fd(f->loop, f->p[0][0], EPOLLIN, on_read, f),
			 -EEXIST);
	assert_int_equal(evl_add_fd(f->loop, -1, EPOLLIN, on_read, f), -EINVAL);
	assert_int_equal(evl_mod_fd(f->loop, f->p[1][0], EPOLLIN), -ENOENT);
	assert_int_equal(evl_del_fd(f->loop, f->p[1][0]), -ENOENT);
	/* nothing ready: the wait times out */
	assert_int_equal(evl_run_once(f->loop, 0), 0);
	poke(f->p[0][1]);
	assert_int_equal(evl_run_once(f->loop, 1000), 1);
	assert_int_equal(f->calls[0], 1);
	assert_true(f->events & EPOLLIN);
	/* EPOLLOUT on the write end, by modification */
	assert_int_equal(evl_add_fd(f->loop, f->p[0][1], 0, on_read, f), 0);
	assert_int_equal(evl_run_once(f->loop, 0), 0);
	assert_int_equal(evl_mod_fd(f->loop, f->p[0][1], EPOLLOUT), 0);
	assert_int_equal(evl_run_once(f->loop, 1000), 1);
	assert_true(f->events & EPOLLOUT);
	assert_int_equal(evl_del_fd(f->loop, f->p[0][1]), 0);
	/* removed: no more callbacks */
	assert_int_equal(evl_del_fd(f->loop, f->p[0][0]), 0);
	poke(f->p[0][1]);
	assert_int_equal(evl_run_once(f->loop, 0), 0);
	assert_int_equal(f->calls[0], 1);
}

static void test_del_from_callback(void **state)
{
	struct fx *f = *state;
	int first, other;

	/*
	 * Both ready in one pass (epoll reports both at once): whichever
	 * runs first removes the other, which must not run, although epoll
	 * has reported it already.
	 */
	assert_int_equal(evl_add_fd(f->loop, f->p[0][0], EPOLLIN, on_read, f), 0);
	assert_int_equal(evl_add_fd(f->loop, f->p[1][0], EPOLLIN, on_read, f), 0);
	poke(f->p[0][1]);
	poke(f->p[1][1]);
	f->kill_other = true;
	assert_int_equal(evl_run_once(f->loop, 1000), 1);
	first = f->calls[0] ? 0 : 1;
	other = !first;
	assert_int_equal(f->calls[first], 1);
	assert_int_equal(f->calls[other], 0);
	assert_int_equal(evl_run_once(f->loop, 0), 0);
	assert_int_equal(f->calls[other], 0);
	/* the removed fd number can be watched again at once */
	assert_int_equal(evl_add_fd(f->loop, f->p[other][0], EPOLLIN, on_read, f), 0);
	assert_int_equal(evl_run_once(f->loop, 1000), 1);
	assert_int_equal(f->calls[other], 1);
	/* a callback removing its own fd */
	f->victim = f->p[first][0];
	poke(f->p[first][1]);
	assert_int_equal(evl_run_once(f->loop, 1000), 1);
	poke(f->p[first][1]);
	assert_int_equal(evl_run_once(f->loop, 0), 0);
	assert_int_equal(f->calls[first], 2);
}

static void on_timer(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct fx *f = arg;

	(void)loop;
	assert_true(f->nlog < MAX_LOG);
	f->log[f->nlog++] = (char)('a' + (t - f->t));
}

static void run_until(struct fx *f, unsigned int nlog)
{
	uint64_t t0 = evl_now_ms();

	while (f->nlog < nlog) {
		assert_true(evl_now_ms() - t0 < 5000);
		assert_true(evl_run_once(f->loop, 1000) >= 0);
	}
}

static void test_timers_in_order(void **state)
{
	struct fx *f = *state;

	evl_timer_oneshot(f->loop, &f->t[0], 30, on_timer, f);
	evl_timer_oneshot(f->loop, &f->t[1], 10, on_timer, f);
	evl_timer_oneshot(f->loop, &f->t[2], 20, on_timer, f);
	evl_timer_oneshot(f->loop, &f->t[3], 10, on_timer, f);
	assert_true(evl_timer_pending(&f->t[0]));
	run_until(f, 4);
	/* by expiry; the two 10 ms timers in the order they were armed */
	assert_memory_equal(f->log, "bdca", 4);
	assert_false(evl_timer_pending(&f->t[0]));
	assert_false(evl_timer_pending(&f->t[3]));
	/* all due at once (the loop was late): still in expiry order */
	f->nlog = 0;
	evl_timer_oneshot(f->loop, &f->t[2], 3, on_timer, f);
	evl_timer_oneshot(f->loop, &f->t[0], 1, on_timer, f);
	evl_timer_oneshot(f->loop, &f->t[1], 2, on_timer, f);
	usleep(20 * 1000);
	assert_int_equal(evl_run_once(f->loop, 0), 3);
	assert_memory_equal(f->log, "abc", 3);
}

/* Timer a: re-arms b for 0 ms; b must wait for the next pass. */
static void on_rearm(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct fx *f = arg;

	on_timer(loop, t, arg);
	evl_timer_oneshot(loop, &f->t[1], 0, on_timer, f);
}

/* Timer a: cancels b, which is due in the same pass. */
static void on_cancel_other(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct fx *f = arg;

	on_timer(loop, t, arg);
	evl_timer_cancel(&f->t[1]);
}

static void test_cancel_and_rearm(void **state)
{
	struct fx *f = *state;

	/* cancelled before it fires; cancelling twice is harmless */
	evl_timer_oneshot(f->loop, &f->t[0], 1, on_timer, f);
	evl_timer_cancel(&f->t[0]);
	evl_timer_cancel(&f->t[0]);
	evl_timer_cancel(&f->t[2]);	/* never armed */
	usleep(5 * 1000);
	assert_int_equal(evl_run_once(f->loop, 0), 0);
	assert_int_equal(f->nlog, 0);
	/* re-arming moves a timer: it fires once, at the new time */
	evl_timer_oneshot(f->loop, &f->t[0], 100000, on_timer, f);
	evl_timer_oneshot(f->loop, &f->t[0], 1, on_timer, f);
	run_until(f, 1);
	assert_int_equal(evl_run_once(f->loop, 5), 0);
	assert_int_equal(f->nlog, 1);
	/* a callback cancels another due timer: it does not run */
	f->nlog = 0;
	evl_timer_oneshot(f->loop, &f->t[0], 1, on_cancel_other, f);
	evl_timer_oneshot(f->loop, &f->t[1], 1, on_timer, f);
	usleep(5 * 1000);
	assert_int_equal(evl_run_once(f->loop, 0), 1);
	assert_memory_equal(f->log, "a", 1);
	assert_false(evl_timer_pending(&f->t[1]));
	/* a 0 ms timer armed by a callback fires on the next pass */
	f->nlog = 0;
	evl_timer_oneshot(f->loop, &f->t[0], 0, on_rearm, f);
	assert_int_equal(evl_run_once(f->loop, 0), 1);
	assert_int_equal(f->nlog, 1);
	assert_true(evl_timer_pending(&f->t[1]));
	assert_int_equal(evl_run_once(f->loop, 1000), 1);
	assert_memory_equal(f->log, "ab", 2);
}

/* Periodic: counts, and cancels itself at the third run. */
static void on_tick(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct fx *f = arg;

	(void)loop;
	f->fires++;
	assert_true(evl_timer_pending(t));	/* re-armed before we run */
	if (f->fires == 3)
		evl_timer_cancel(t);
	if (f->stop_after && f->fires == f->stop_after)
		evl_stop(loop);
}

static void test_periodic(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = evl_now_ms();

	evl_timer_periodic(f->loop, &f->t[0], 5, on_tick, f);
	while (f->fires < 3) {
		assert_true(evl_now_ms() - t0 < 5000);
		assert_true(evl_run_once(f->loop, 1000) >= 0);
	}
	assert_true(evl_now_ms() - t0 >= 15);
	assert_false(evl_timer_pending(&f->t[0]));
	assert_int_equal(evl_run_once(f->loop, 20), 0);
	assert_int_equal(f->fires, 3);
	/* a late loop skips missed periods instead of bursting */
	f->fires = 0;
	evl_timer_periodic(f->loop, &f->t[0], 2, on_tick, f);
	usleep(30 * 1000);
	assert_int_equal(evl_run_once(f->loop, 0), 1);
	assert_int_equal(f->fires, 1);
	evl_timer_cancel(&f->t[0]);
}

static void test_run_until_stopped(void **state)
{
	struct fx *f = *state;

	f->stop_after = 2;
	evl_timer_periodic(f->loop, &f->t[0], 1, on_tick, f);
	assert_int_equal(evl_run(f->loop), 0);
	assert_int_equal(f->fires, 2);
	/* still armed: evl_destroy() disarms it */
	assert_true(evl_timer_pending(&f->t[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fd_callbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_from_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_rearm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_until_stopped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
