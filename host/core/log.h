/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * vmbusd logging: one destination (stderr or a file), a level, and a simple
 * rate limiter for messages a hostile guest could trigger at will.
 *
 * Everything here is prefixed VMBD_LOG_ / log_, never LOG_: <syslog.h> owns
 * LOG_ERR, LOG_INFO, LOG_DEBUG, ..., and a back end may well include it
 * (tests/unit/test_log.c includes both).
 */
#ifndef VMBUSD_LOG_H
#define VMBUSD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum log_level {
	VMBD_LOG_QUIET = -1,	/* log_init() only: print nothing */
	VMBD_LOG_ERR = 0,
	VMBD_LOG_WARN,
	VMBD_LOG_INFO,
	VMBD_LOG_DEBUG,
};

/* f == NULL means stderr.  Messages above max_level are discarded. */
void log_init(FILE *f, int max_level);
FILE *log_file(void);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(VMBD_LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(VMBD_LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(VMBD_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(VMBD_LOG_DEBUG, __VA_ARGS__)

/*
 * At most VMBD_LOG_RATELIMIT_BURST messages per VMBD_LOG_RATELIMIT_WINDOW_MS;
 * the number suppressed is reported with the next message that gets through.
 */
#define VMBD_LOG_RATELIMIT_BURST	10
#define VMBD_LOG_RATELIMIT_WINDOW_MS	5000

struct log_ratelimit {
	uint64_t window_start_ms;
	unsigned int printed;
	unsigned int suppressed;
};

/* Returns true if the caller may print; *suppressed gets the count skipped. */
bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned int *suppressed);

#endif
