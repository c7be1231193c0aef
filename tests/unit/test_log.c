// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The host's log: levels, prefixes, the rate limiter.  <syslog.h> comes
 * first on purpose: this file compiling is the check that log.h defines
 * nothing syslog.h owns (LOG_ERR, LOG_INFO, ... as macros would break the
 * enum in log.h, or be redefined by it).
 */
#include <syslog.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"

/* Everything written to f since it was opened. */
static const char *contents(FILE *f, char *buf, size_t len)
{
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	return buf;
}

static void test_levels_and_prefixes(void **state)
{
	FILE *f = tmpfile();
	char buf[512];

	(void)state;
	assert_non_null(f);
	/* syslog's own names are untouched */
	assert_int_equal(LOG_ERR, 3);
	assert_int_equal(LOG_INFO, 6);
	assert_int_equal(LOG_DEBUG, 7);
	assert_true(VMBD_LOG_ERR < VMBD_LOG_WARN &&
		    VMBD_LOG_WARN < VMBD_LOG_INFO &&
		    VMBD_LOG_INFO < VMBD_LOG_DEBUG);

	log_init(f, VMBD_LOG_INFO);
	assert_ptr_equal(log_file(), f);
	log_err("e%d", 1);
	log_warn("w");
	log_info("i");
	log_debug("not shown");
	assert_string_equal(contents(f, buf, sizeof(buf)),
			    "vmbusd: error: e1\n"
			    "vmbusd: warning: w\n"
			    "vmbusd: i\n");
	log_init(f, VMBD_LOG_DEBUG);
	log_debug("d");
	log_msg(VMBD_LOG_DEBUG + 1, "beyond the last level");
	log_msg(VMBD_LOG_QUIET, "not a level");
	assert_non_null(strstr(contents(f, buf, sizeof(buf)),
			       "vmbusd: debug: d\n"));
	assert_null(strstr(buf, "level"));
	log_init(f, VMBD_LOG_QUIET);
	log_err("quiet");
	assert_null(strstr(contents(f, buf, sizeof(buf)), "quiet"));
	log_init(NULL, VMBD_LOG_QUIET);
	assert_ptr_equal(log_file(), stderr);
	fclose(f);
}

static void test_ratelimit(void **state)
{
	struct log_ratelimit rl = { 0 };
	unsigned int sup, i;

	(void)state;
	for (i = 0; i < VMBD_LOG_RATELIMIT_BURST; i++) {
		assert_true(log_ratelimit_ok(&rl, &sup));
		assert_int_equal(sup, 0);
	}
	for (i = 0; i < 5; i++)
		assert_false(log_ratelimit_ok(&rl, &sup));
	/* a new window: the first message reports what was suppressed */
	rl.window_start_ms = 1;
	assert_true(log_ratelimit_ok(&rl, &sup));
	assert_int_equal(sup, 5);
	assert_true(log_ratelimit_ok(&rl, &sup));
	assert_int_equal(sup, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_prefixes),
		cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
