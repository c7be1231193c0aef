// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The registry of device classes, and device options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backends/registry.h"
#include "core/guid.h"

/* Is name one of be's top-level options? */
static bool is_cmdline_opt(const struct vmbd_backend *be, const char *name)
{
	const struct vmbd_class_opt *o;

	for (o = be->cmdline_opts; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return true;
	return false;
}

/*
 * Names, GUIDs, top-level option and command names are unique; commands
 * are CLASS-..., CLASS itself, named after one of the class's top-level
 * options, or marked verb.
 */
static void test_registry_consistent(void **state)
{
	const struct vmbd_backend *const *a, *const *b;
	const struct vmbd_class_opt *o, *p;
	const struct vmbd_class_cmd *c;
	unsigned int n = 0;

	(void)state;
	for (a = vmbd_registry; *a; a++, n++) {
		assert_non_null((*a)->name);
		assert_true((*a)->name[0]);
		assert_non_null((*a)->help);
		assert_false(guid_is_nil((*a)->guid));
		assert_ptr_equal(registry_find((*a)->name), *a);
		assert_ptr_equal(registry_find_guid((*a)->guid), *a);
		for (b = vmbd_registry; b != a; b++) {
			assert_string_not_equal((*a)->name, (*b)->name);
			assert_false(guid_equal((*a)->guid, (*b)->guid));
		}
		for (o = (*a)->cmdline_opts; o && o->name; o++) {
			assert_true(o->name[0]);
			assert_non_null(o->arg);
			assert_non_null(o->help);
			assert_non_null(o->parse);
			for (b = vmbd_registry; *b; b++)
				for (p = (*b)->cmdline_opts; p && p->name; p++)
					if (p != o)
						assert_string_not_equal(p->name, o->name);
		}
		for (c = (*a)->commands; c && c->name; c++) {
			size_t len = strlen((*a)->name);

			if (!is_cmdline_opt(*a, c->name) && !c->verb &&
			    strcmp(c->name, (*a)->name) != 0) {
				assert_int_equal(strncmp(c->name, (*a)->name, len), 0);
				assert_int_equal(c->name[len], '-');
			}
			assert_non_null(c->usage);
			assert_non_null(c->fn);
			assert_ptr_equal(registry_find_cmd(c->name), c);
		}
	}
	assert_true(n >= 2);
	assert_ptr_equal(registry_find("test"), &vmbd_backend_test);
	assert_ptr_equal(registry_find("echo"), &vmbd_backend_echo);
	assert_null(registry_find("nosuchclass"));
	assert_null(registry_find(""));
	assert_non_null(registry_find_cmd("echo-pause"));
	assert_non_null(registry_find_cmd("echo-resume"));
	assert_null(registry_find_cmd("status"));
}

static unsigned int frees;

struct opts {
	unsigned int depth;
	bool ro;
};

static int parse(void **conf, const char *key, const char *value,
		 const char **err)
{
	struct opts *o = *conf;
	char *end;

	if (!o) {
		o = calloc(1, sizeof(*o));
		assert_non_null(o);
		*conf = o;
	}
	if (strcmp(key, "ro") == 0 && !value) {
		o->ro = true;
		return 0;
	}
	if (strcmp(key, "depth") == 0 && value) {
		o->depth = (unsigned int)strtoul(value, &end, 10);
		if (*end || !*value) {
			*err = "depth: not a number";
			return -1;
		}
		return 0;
	}
	*err = "unknown option";
	return -1;
}

static void free_opts(void *conf)
{
	frees++;
	free(conf);
}

static const struct vmbd_backend with_opts = {
	.name = "opts",
	.parse_opt = parse,
	.free_conf = free_opts,
};

static void test_conf_parse(void **state)
{
	char a[] = "depth=12", b[] = "ro", bad[] = "depth=x", unk[] = "size=1";
	char noname[] = "=1", *good[] = { a, b }, *one_bad[] = { a, bad },
	     *unknown[] = { b, unk }, *empty[] = { noname };
	char big[400], *toolong[] = { big };
	struct vmbd_conf *c;
	struct opts *o;
	const char *err;

	(void)state;
	frees = 0;
	/* no options: no conf, for any class */
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_echo, NULL, 0, &c, &err), 0);
	assert_null(c);
	assert_int_equal(vmbd_conf_parse(NULL, NULL, 0, &c, &err), 0);
	assert_null(c);
	/* options for a class that takes none, or no class */
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_echo, good, 1, &c, &err), -1);
	assert_null(c);
	assert_string_equal(err, "this class takes no options");
	assert_int_equal(vmbd_conf_parse(NULL, good, 1, &c, &err), -1);

	assert_int_equal(vmbd_conf_parse(&with_opts, good, 2, &c, &err), 0);
	assert_non_null(c);
	o = c->conf;
	assert_int_equal(o->depth, 12);
	assert_true(o->ro);
	assert_ptr_equal(vmbd_conf_get(c), c);
	assert_int_equal(c->refs, 2);
	vmbd_conf_put(c);
	assert_int_equal(frees, 0);
	vmbd_conf_put(c);
	assert_int_equal(frees, 1);
	assert_null(vmbd_conf_get(NULL));
	vmbd_conf_put(NULL);

	/* a bad option frees what the good ones built */
	assert_int_equal(vmbd_conf_parse(&with_opts, one_bad, 2, &c, &err), -1);
	assert_string_equal(err, "depth: not a number");
	assert_null(c);
	assert_int_equal(frees, 2);
	assert_int_equal(vmbd_conf_parse(&with_opts, unknown, 2, &c, &err), -1);
	assert_string_equal(err, "unknown option");
	assert_int_equal(frees, 3);
	assert_int_equal(vmbd_conf_parse(&with_opts, empty, 1, &c, &err), -1);
	assert_string_equal(err, "empty option name");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(vmbd_conf_parse(&with_opts, toolong, 1, &c, &err), -1);
	assert_string_equal(err, "option too long");
}

/* conf_done: a depth is required; it sees every option first. */
static int need_depth(void *conf, const char **err)
{
	struct opts *o = conf;

	if (!o->depth) {
		*err = "no depth";
		return -1;
	}
	return 0;
}

static const struct vmbd_backend with_done = {
	.name = "done",
	.parse_opt = parse,
	.conf_done = need_depth,
	.free_conf = free_opts,
};

static void test_conf_done(void **state)
{
	char a[] = "depth=3", b[] = "ro", *both[] = { b, a }, *ro[] = { b };
	struct vmbd_conf *c;
	const char *err;

	(void)state;
	frees = 0;
	/* done runs after the last option, not after each */
	assert_int_equal(vmbd_conf_parse(&with_done, both, 2, &c, &err), 0);
	assert_int_equal(((struct opts *)c->conf)->depth, 3);
	vmbd_conf_put(c);
	assert_int_equal(frees, 1);
	/* and may refuse the device: nothing is left */
	assert_int_equal(vmbd_conf_parse(&with_done, ro, 1, &c, &err), -1);
	assert_string_equal(err, "no depth");
	assert_null(c);
	assert_int_equal(frees, 2);
	/* no options, no conf: done does not run */
	assert_int_equal(vmbd_conf_parse(&with_done, NULL, 0, &c, &err), 0);
	assert_null(c);

	/* step by step: the caller knows which option failed */
	c = vmbd_conf_new(&with_done);
	assert_non_null(c);
	assert_int_equal(vmbd_conf_add(c, "ro", &err), 0);
	assert_int_equal(vmbd_conf_add(c, "depth=x", &err), -1);
	assert_string_equal(err, "depth: not a number");
	assert_int_equal(vmbd_conf_add(c, "depth=5", &err), 0);
	assert_int_equal(vmbd_conf_done(c, &err), 0);
	vmbd_conf_put(c);
	assert_int_equal(frees, 3);
	c = vmbd_conf_new(&vmbd_backend_echo);
	assert_int_equal(vmbd_conf_add(c, "ro", &err), -1);
	assert_string_equal(err, "this class takes no options");
	assert_int_equal(vmbd_conf_done(c, &err), 0);
	vmbd_conf_put(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_consistent),
		cmocka_unit_test(test_conf_parse),
		cmocka_unit_test(test_conf_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
