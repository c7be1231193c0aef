// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * How a storage controller is configured: vmbusd --disk, --offer
 * storage,disk=... and vmbusctl disk add|remove|list, each mistake
 * refused in one line that names it, with nothing left behind (ASan
 * checks the last part).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "backends/storage.h"
#include "core/guid.h"
#include "core/log.h"
#include "daemon/options.h"
#include "daemon/vmbusd.h"

#define IMG_SIZE	(1 << 20)

struct fx {
	char img[2][64];
	char spec[4][160];
	struct options o;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	unsigned int i;
	int fd;

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	for (i = 0; i < 2; i++) {
		strcpy(f->img[i], "/tmp/vmbusd_test_cfg.XXXXXX");
		fd = mkstemp(f->img[i]);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, IMG_SIZE), 0);
		close(fd);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->img[0]);
	unlink(f->img[1]);
	free(f);
	return 0;
}

/*
 * vmbusd BASE --disk ARG...: the options must parse; returns what the
 * storage device's conf said (0, or -1 with msg).
 */
static int disks(struct fx *f, char *msg, size_t len, unsigned int n, ...)
{
	char *argv[7 + 2 * 4] = { "vmbusd", "--ivshmem-socket", "s",
				  "--guest-ram", "r", "--control", "c" };
	struct vmbd_conf *conf;
	unsigned int i;
	va_list ap;
	int ret;

	assert_true(n <= 4);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		argv[7 + 2 * i] = "--disk";
		argv[8 + 2 * i] = va_arg(ap, char *);
	}
	va_end(ap);
	assert_int_equal(vmbusd_parse_options((int)(7 + 2 * n), argv, &f->o), 0);
	assert_int_equal(f->o.nr_offers, 1);
	assert_null(f->o.offers[0].spec);
	assert_ptr_equal(f->o.offers[0].be, &vmbd_backend_storage);
	assert_int_equal(f->o.nr_cmdline, n);
	msg[0] = '\0';
	ret = vmbusd_cmdline_conf(&f->o, 0, &conf, msg, len);
	if (ret == 0) {
		assert_non_null(conf);
		assert_ptr_equal(conf->be, &vmbd_backend_storage);
		vmbd_conf_put(conf);
	} else {
		assert_null(conf);
		assert_non_null(strchr(msg, ':'));
		assert_null(strchr(msg, '\n'));
	}
	return ret;
}

static void test_disk_option(void **state)
{
	struct fx *f = *state;
	char msg[512];

	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,ro,lun=5,serial=S1",
		 f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 2, f->spec[0], f->img[1]), 0);
	/* options in any order; direct where the file system has it */
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,serial=S2,lun=63,direct",
		 f->img[0]);
	if (disks(f, msg, sizeof(msg), 1, f->spec[0]) < 0)
		assert_non_null(strstr(msg, "O_DIRECT"));
}

static void test_disk_errors(void **state)
{
	struct fx *f = *state;
	char msg[512], want[512];

	/* a missing file: named, with the reason */
	assert_int_equal(disks(f, msg, sizeof(msg), 2, f->img[0],
			       "/nonexistent/disk.img"), -1);
	assert_string_equal(msg, "--disk /nonexistent/disk.img: cannot open '/nonexistent/disk.img': No such file or directory");

	/* a bad option, a bare option that takes a value and the reverse */
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,bogus", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	snprintf(want, sizeof(want), "--disk %s: unknown disk option 'bogus' (ro, lun=N, serial=S, direct)",
		 f->spec[0]);
	assert_string_equal(msg, want);
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,ro=1", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	assert_non_null(strstr(msg, ": 'ro' takes no value"));
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,lun", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	assert_non_null(strstr(msg, ": lun=: not a LUN 0..63"));
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,,ro", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	assert_non_null(strstr(msg, ": an empty option after"));
	assert_int_equal(disks(f, msg, sizeof(msg), 1, ",ro"), -1);
	assert_string_equal(msg, "--disk ,ro: no file (FILE[,ro][,lun=N][,serial=S][,direct])");
	assert_int_equal(disks(f, msg, sizeof(msg), 1, "/dev/null"), -1);
	assert_string_equal(msg, "--disk /dev/null: '/dev/null': not a regular file or a block device");

	/* LUNs out of range, given twice, or taken */
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,lun=64", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	snprintf(want, sizeof(want), "--disk %s: lun=64: not a LUN 0..63",
		 f->spec[0]);
	assert_string_equal(msg, want);
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,lun=-1", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,lun=1,lun=2", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	assert_non_null(strstr(msg, ": lun= given twice"));
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,lun=3", f->img[0]);
	snprintf(f->spec[1], sizeof(f->spec[1]), "%s,lun=3", f->img[1]);
	assert_int_equal(disks(f, msg, sizeof(msg), 2, f->spec[0], f->spec[1]), -1);
	snprintf(want, sizeof(want), "--disk %s: lun 3 is already in use by '%s'",
		 f->spec[1], f->img[0]);
	assert_string_equal(msg, want);
	/* a disk without lun= took LUN 0 before the one that asks for it */
	snprintf(f->spec[1], sizeof(f->spec[1]), "%s,lun=0", f->img[1]);
	assert_int_equal(disks(f, msg, sizeof(msg), 2, f->img[0], f->spec[1]), -1);
	assert_non_null(strstr(msg, ": lun 0 is already in use by"));

	/* serials: printable, no spaces, at most 20 */
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,serial=123456789012345678901",
		 f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
	assert_non_null(strstr(msg, "1..20 printable characters"));
	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,serial=", f->img[0]);
	assert_int_equal(disks(f, msg, sizeof(msg), 1, f->spec[0]), -1);
}

/* --offer storage,disk=...: the same rules, the same words */
static void test_offer_options(void **state)
{
	struct fx *f = *state;
	char d0[96], d1[96], lun1[] = "lun=1", ro[] = "ro", bogus[] = "bogus",
	     nofile[] = "disk=/nonexistent/x.img";
	char *good[] = { d0, ro, lun1, d1 }, *dup[] = { d0, lun1, d1, lun1 },
	     *unknown[] = { d0, bogus }, *before[] = { ro, d0 },
	     *missing[] = { d0, nofile };
	struct vmbd_conf *c;
	const char *err;

	snprintf(d0, sizeof(d0), "disk=%s", f->img[0]);
	snprintf(d1, sizeof(d1), "disk=%s", f->img[1]);
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, good, 4, &c,
					 &err), 0);
	vmbd_conf_put(c);
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, dup, 4, &c,
					 &err), -1);
	assert_null(c);
	assert_non_null(strstr(err, "lun 1 is already in use by"));
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, unknown, 2, &c,
					 &err), -1);
	assert_string_equal(err, "unknown disk option 'bogus' (ro, lun=N, serial=S, direct)");
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, before, 2, &c,
					 &err), -1);
	assert_string_equal(err, "'ro' before any disk=FILE");
	/* the last disk is opened after the last option */
	assert_int_equal(vmbd_conf_parse(&vmbd_backend_storage, missing, 2, &c,
					 &err), -1);
	assert_string_equal(err, "cannot open '/nonexistent/x.img': No such file or directory");
}

/* --disk and --offer mix, in command-line order */
static void test_order(void **state)
{
	struct fx *f = *state;
	char *argv[] = { "vmbusd", "--ivshmem-socket", "s", "--guest-ram", "r",
			 "--control", "c", "--offer", "echo", "--disk",
			 f->img[0], "--offer", "test", "--disk", f->img[1] };

	assert_int_equal(vmbusd_parse_options(15, argv, &f->o), 0);
	assert_int_equal(f->o.nr_offers, 3);
	assert_string_equal(f->o.offers[0].spec, "echo");
	assert_null(f->o.offers[1].spec);
	assert_ptr_equal(f->o.offers[1].be, &vmbd_backend_storage);
	assert_string_equal(f->o.offers[2].spec, "test");
	assert_int_equal(f->o.nr_cmdline, 2);
	assert_string_equal(f->o.cmdline[1].arg, f->img[1]);
}

/* ------------------------------------------------------------------ */
/* vmbusctl disk ...                                                   */

static void no_send(void *ctx, const struct vmb_msg *m)
{
	(void)ctx;
	(void)m;
}

static const struct chanmgr_ops ops = { .send = no_send };

static struct vmbusd *daemon_new(void)
{
	struct vmbusd *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->ivs.client_fd = -1;
	chanmgr_init(&d->cm, &ops, d, VMB_VERSION_1_0, VMB_VERSION_1_0);
	return d;
}

static void daemon_free(struct vmbusd *d)
{
	chanmgr_fini(&d->cm);
	free(d);
}

/* offer CLASS, as vmbusctl would: the new relid. */
static uint32_t offer(struct vmbusd *d, const char *class)
{
	uint8_t instance[VMB_GUID_LEN];
	const char *err;
	uint32_t relid;

	assert_int_equal(vmbusd_add_offer(d, class, NULL, NULL, 0, &relid,
					  instance, &err), 0);
	return relid;
}

static char out[4096], err[256];

static int __attribute__((format(printf, 2, 3)))
cmd(struct vmbusd *d, const char *fmt, ...)
{
	struct cmd_reply r;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	vmbusd_command(d, line, &r);
	assert_true(r.len < sizeof(out));
	memcpy(out, r.buf ? r.buf : "", r.len);
	out[r.len] = '\0';
	strcpy(err, r.err);
	free(r.buf);
	return err[0] ? -1 : 0;
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_disk_commands(void **state)
{
	struct fx *f = *state;
	struct vmbusd *d = daemon_new();
	char want[512];

	assert_int_equal(cmd(d, "disk list"), -1);
	assert_string_equal(err, "no storage controller (vmbusd --disk, or offer storage)");
	assert_int_equal(offer(d, "echo"), 1);
	assert_int_equal(offer(d, "storage"), 2);
	assert_int_equal(cmd(d, "disk list"), 0);
	assert_string_equal(out, "");

	/* add: the new disk's list line */
	assert_int_equal(cmd(d, "disk add %s", f->img[0]), 0);
	snprintf(want, sizeof(want), "disk: lun=0 size=%u mode=rw direct=0 serial=VMBD0000 allocated=0 reads=0 writes=0 read_bytes=0 write_bytes=0 errors=0 flushes=0 unmaps=0 injected=0 path=%s\n",
		 IMG_SIZE, f->img[0]);
	assert_string_equal(out, want);
	assert_int_equal(cmd(d, "disk add %s,ro,lun=5,serial=SER5", f->img[1]), 0);
	assert_non_null(strstr(out, "disk: lun=5 "));
	assert_non_null(strstr(out, " mode=ro direct=0 serial=SER5 "));
	assert_int_equal(cmd(d, "disk list"), 0);
	assert_int_equal(lines(out), 2);

	/* each mistake: one line, and the list as it was */
	assert_int_equal(cmd(d, "disk add %s,lun=5", f->img[0]), -1);
	snprintf(want, sizeof(want), "lun 5 is already in use by '%s'", f->img[1]);
	assert_string_equal(err, want);
	assert_int_equal(cmd(d, "disk add /nonexistent/disk.img"), -1);
	assert_string_equal(err, "cannot open '/nonexistent/disk.img': No such file or directory");
	assert_int_equal(cmd(d, "disk add %s,lun=64", f->img[0]), -1);
	assert_string_equal(err, "lun=64: not a LUN 0..63");
	/* numbers are decimal: not 0x10, not octal (010 would be 8), no sign */
	assert_int_equal(cmd(d, "disk add %s,lun=0x10", f->img[0]), -1);
	assert_string_equal(err, "lun=0x10: not a LUN 0..63");
	assert_int_equal(cmd(d, "disk add %s,lun=+7", f->img[0]), -1);
	assert_string_equal(err, "lun=+7: not a LUN 0..63");
	assert_int_equal(cmd(d, "disk add %s,fast", f->img[0]), -1);
	assert_string_equal(err, "unknown disk option 'fast' (ro, lun=N, serial=S, direct)");
	assert_int_equal(cmd(d, "disk add %s,serial=a,serial=b", f->img[0]), -1);
	assert_string_equal(err, "serial= given twice");
	assert_int_equal(cmd(d, "disk list"), 0);
	assert_int_equal(lines(out), 2);

	/* remove */
	assert_int_equal(cmd(d, "disk remove 5"), 0);
	assert_int_equal(cmd(d, "disk remove 5"), -1);
	assert_string_equal(err, "no disk at lun '5'");
	assert_int_equal(cmd(d, "disk remove 64"), -1);
	assert_int_equal(cmd(d, "disk remove x"), -1);
	assert_int_equal(cmd(d, "disk remove 0x5"), -1);
	assert_int_equal(cmd(d, "disk remove +5"), -1);
	assert_int_equal(cmd(d, "disk list"), 0);
	assert_int_equal(lines(out), 1);
	assert_non_null(strstr(out, "disk: lun=0 "));
	/* the freed LUN is the lowest free one again */
	assert_int_equal(cmd(d, "disk add %s", f->img[1]), 0);
	assert_non_null(strstr(out, "disk: lun=1 "));

	/* usage */
	assert_int_equal(cmd(d, "disk"), -1);
	assert_string_equal(err, "usage: disk [--relid N] add FILE[,ro][,lun=N][,serial=S][,direct] | remove LUN | list");
	assert_int_equal(cmd(d, "disk frob"), -1);
	assert_int_equal(cmd(d, "disk add"), -1);
	assert_int_equal(cmd(d, "disk list now"), -1);
	assert_int_equal(cmd(d, "disk list --relid"), -1);
	daemon_free(d);
}

static void test_disk_relid(void **state)
{
	struct fx *f = *state;
	struct vmbusd *d = daemon_new();

	assert_int_equal(offer(d, "storage"), 1);
	assert_int_equal(offer(d, "test"), 2);
	assert_int_equal(offer(d, "storage"), 3);
	assert_int_equal(cmd(d, "disk list"), -1);
	assert_string_equal(err, "2 storage controllers (relids 1 3): name one with --relid N");
	assert_int_equal(cmd(d, "disk add %s", f->img[0]), -1);
	assert_int_equal(cmd(d, "disk --relid 3 add %s", f->img[0]), 0);
	assert_int_equal(cmd(d, "disk add %s,lun=2 --relid=1", f->img[1]), 0);
	assert_int_equal(cmd(d, "disk --relid 3 list"), 0);
	assert_int_equal(lines(out), 1);
	assert_non_null(strstr(out, f->img[0]));
	assert_int_equal(cmd(d, "disk list --relid 1"), 0);
	assert_int_equal(lines(out), 1);
	assert_non_null(strstr(out, "disk: lun=2 "));
	assert_int_equal(cmd(d, "disk --relid 2 list"), -1);
	assert_string_equal(err, "relid 2: not a storage controller");
	assert_int_equal(cmd(d, "disk --relid 4 list"), -1);
	assert_int_equal(cmd(d, "disk --relid 0 list"), -1);
	assert_string_equal(err, "bad relid '0'");
	/* one controller left: no --relid needed */
	assert_int_equal(cmd(d, "rescind 1"), 0);
	assert_int_equal(cmd(d, "disk list"), 0);
	assert_non_null(strstr(out, f->img[0]));
	daemon_free(d);
}

/* The --disk controller, offered: disk list sees what --disk made. */
static void test_disk_option_listed(void **state)
{
	struct fx *f = *state;
	struct vmbusd *d = daemon_new();
	uint8_t instance[VMB_GUID_LEN];
	struct vmbd_conf *conf;
	const char *e;
	uint32_t relid;
	char msg[256];
	char *argv[] = { "vmbusd", "--ivshmem-socket", "s", "--guest-ram", "r",
			 "--control", "c", "--disk", f->spec[0], "--disk",
			 f->img[1] };

	snprintf(f->spec[0], sizeof(f->spec[0]), "%s,ro,lun=7,serial=S7",
		 f->img[0]);
	assert_int_equal(vmbusd_parse_options(11, argv, &f->o), 0);
	assert_int_equal(vmbusd_cmdline_conf(&f->o, 0, &conf, msg, sizeof(msg)), 0);
	assert_int_equal(vmbusd_offer_conf(d, f->o.offers[0].be, conf, &relid,
					   instance, &e), 0);
	assert_int_equal(cmd(d, "disk list"), 0);
	assert_int_equal(lines(out), 2);
	/* LUN order: the second --disk took the lowest free, 0 */
	assert_int_equal(strncmp(out, "disk: lun=0 ", 12), 0);
	assert_non_null(strstr(out, "\ndisk: lun=7 size=1048576 mode=ro direct=0 serial=S7 "));
	daemon_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_disk_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offer_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_relid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_option_listed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
