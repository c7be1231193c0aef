// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdarg.h>
#include <time.h>

#include "core/log.h"

static FILE *log_fp;
static int log_max_level = VMBD_LOG_INFO;

void log_init(FILE *f, int max_level)
{
	log_fp = f;
	log_max_level = max_level;
}

FILE *log_file(void)
{
	return log_fp ? log_fp : stderr;
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[VMBD_LOG_ERR] = "error: ",
		[VMBD_LOG_WARN] = "warning: ",
		[VMBD_LOG_INFO] = "",
		[VMBD_LOG_DEBUG] = "debug: ",
	};
	FILE *f = log_file();
	va_list ap;

	if (level > log_max_level || level < VMBD_LOG_ERR)
		return;
	fprintf(f, "vmbusd: %s", prefix[level]);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned int *suppressed)
{
	uint64_t now = now_ms();

	*suppressed = 0;
	if (rl->window_start_ms == 0 ||
	    now - rl->window_start_ms >= VMBD_LOG_RATELIMIT_WINDOW_MS) {
		rl->window_start_ms = now ? now : 1;
		rl->printed = 0;
	}
	if (rl->printed >= VMBD_LOG_RATELIMIT_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->printed++;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
