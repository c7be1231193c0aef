// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* vmbusd's command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/registry.h"
#include "core/chanmgr.h"
#include "core/guid.h"
#include "daemon/options.h"

void vmbusd_usage(FILE *f)
{
	const struct vmbd_backend *const *be;
	const struct vmbd_class_opt *co;
	char gbuf[GUID_STR_LEN + 1];
	unsigned int any = 0;

	fprintf(f,
"usage: vmbusd --ivshmem-socket PATH --guest-ram FILE --control PATH\n"
"              [--vectors N] [--offer CLASS[:INSTANCE][,OPTION...]]...\n"
"              [--CLASS-OPTION ARG]... [--version-range MIN-MAX]\n"
"              [--log FILE] [-v|--verbose]\n"
"  --vectors N          ivshmem vectors, must equal QEMU's vectors= (default 4, max %d)\n"
"  --offer CLASS[:GUID][,OPTION...]\n"
"                       offer a channel from the start; CLASS is a class name\n"
"                       or a GUID, OPTION (KEY or KEY=VALUE) is the class's\n"
"  --version-range A-B  protocol versions spoken, e.g. 1.0-1.0 (the default)\n",
		VMB_MAX_VECTORS);
	for (be = vmbd_registry; *be; be++)
		for (co = (*be)->cmdline_opts; co && co->name; co++) {
			if (!any++)
				fprintf(f, "the classes' own options (all of one class's make one device,\n"
					"offered where the first stands among the --offer ones;\n"
					"each one a device of its own, where marked):\n");
			fprintf(f, "  --%s %s\n                       %s (%s%s)\n",
				co->name, co->arg, co->help, (*be)->name,
				co->each ? "; each one a device" : "");
		}
	fprintf(f, "device classes:\n");
	for (be = vmbd_registry; *be; be++) {
		fprintf(f, "  %-6s %s\n         %s%s\n", (*be)->name,
			guid_format((*be)->guid, gbuf), (*be)->help,
			(*be)->subchannels ? " (sub-channels)" : "");
		if ((*be)->opts_help)
			fprintf(f, "         options: %s\n", (*be)->opts_help);
	}
}

static int parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char buf[64], *dash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -1;
	*dash = '\0';
	if (chanmgr_version_parse(buf, lo) < 0 ||
	    chanmgr_version_parse(dash + 1, hi) < 0 || *lo > *hi)
		return -1;
	return 0;
}

#define MAX_CLASS_OPTS	16	/* the classes' top-level options, together */
#define CLASS_OPT_VAL	0x100	/* getopt's val for class option k: this + k */

static const struct option fixed_opts[] = {
	{ "ivshmem-socket", required_argument, NULL, 'i' },
	{ "guest-ram", required_argument, NULL, 'r' },
	{ "control", required_argument, NULL, 'c' },
	{ "vectors", required_argument, NULL, 'n' },
	{ "offer", required_argument, NULL, 'o' },
	{ "version-range", required_argument, NULL, 'V' },
	{ "log", required_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};

#define NR_FIXED_OPTS	(sizeof(fixed_opts) / sizeof(fixed_opts[0]))

/* The classes' top-level options, in registry order. */
struct class_opts {
	unsigned int n;
	const struct vmbd_backend *be[MAX_CLASS_OPTS];
	const struct vmbd_class_opt *opt[MAX_CLASS_OPTS];
};

/* getopt's table: the fixed options, then the classes'. */
static void build_longopts(struct option *lo, struct class_opts *co)
{
	const struct vmbd_backend *const *be;
	const struct vmbd_class_opt *c;
	unsigned int i = NR_FIXED_OPTS;

	memcpy(lo, fixed_opts, sizeof(fixed_opts));
	co->n = 0;
	for (be = vmbd_registry; *be; be++)
		for (c = (*be)->cmdline_opts; c && c->name; c++) {
			if (co->n == MAX_CLASS_OPTS)
				break;
			co->be[co->n] = *be;
			co->opt[co->n] = c;
			lo[i].name = c->name;
			lo[i].has_arg = required_argument;
			lo[i].flag = NULL;
			lo[i].val = CLASS_OPT_VAL + (int)co->n++;
			i++;
		}
	memset(&lo[i], 0, sizeof(lo[i]));
}

/* --NAME ARG of a class: noted, and the class's device placed if first. */
static int add_class_arg(struct options *o, const struct vmbd_backend *be,
			 const struct vmbd_class_opt *opt, const char *arg)
{
	unsigned int i;

	if (o->nr_cmdline == MAX_CMDLINE_ARGS) {
		fprintf(stderr, "vmbusd: too many --%s (at most %d of the classes' options)\n",
			opt->name, MAX_CMDLINE_ARGS);
		return -1;
	}
	for (i = 0; !opt->each && i < o->nr_offers; i++)
		if (!o->offers[i].spec && o->offers[i].be == be &&
		    !o->offers[i].each)
			break;
	if (opt->each || i == o->nr_offers) {
		i = o->nr_offers;
		if (o->nr_offers == MAX_OFFER_ARGS) {
			fprintf(stderr, "vmbusd: too many devices\n");
			return -1;
		}
		o->offers[o->nr_offers].spec = NULL;
		o->offers[o->nr_offers].each = opt->each;
		o->offers[o->nr_offers++].be = be;
	}
	o->cmdline[o->nr_cmdline].offer = i;
	o->cmdline[o->nr_cmdline].be = be;
	o->cmdline[o->nr_cmdline].opt = opt;
	o->cmdline[o->nr_cmdline++].arg = arg;
	return 0;
}

int vmbusd_cmdline_conf(const struct options *o, unsigned int i,
			struct vmbd_conf **out, char *msg, size_t len)
{
	const struct vmbd_backend *be = o->offers[i].be;
	const char *err = "out of memory", *first = NULL;
	struct vmbd_conf *c;
	unsigned int k;

	*out = NULL;
	c = vmbd_conf_new(be);
	if (!c) {
		snprintf(msg, len, "%s", err);
		return -1;
	}
	for (k = 0; k < o->nr_cmdline; k++) {
		const struct cmdline_arg *a = &o->cmdline[k];

		if (a->offer != i)
			continue;
		if (!first)
			first = a->opt->name;
		if (vmbd_conf_add_cmdline(c, a->opt, a->arg, &err) < 0) {
			snprintf(msg, len, "--%s %s: %s", a->opt->name, a->arg,
				 err);
			goto fail;
		}
	}
	if (vmbd_conf_done(c, &err) < 0) {
		snprintf(msg, len, "--%s: %s", first ? first : be->name, err);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	vmbd_conf_put(c);
	return -1;
}

int vmbusd_parse_options(int argc, char **argv, struct options *o)
{
	struct option longopts[NR_FIXED_OPTS + MAX_CLASS_OPTS + 1];
	struct class_opts co;
	unsigned long n;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->vectors = 4;
	o->version_min = o->version_max = VMB_VERSION_1_0;
	build_longopts(longopts, &co);
	optind = 0;			/* getopt starts afresh */
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (c >= CLASS_OPT_VAL && c < CLASS_OPT_VAL + (int)co.n) {
			if (add_class_arg(o, co.be[c - CLASS_OPT_VAL],
					  co.opt[c - CLASS_OPT_VAL], optarg) < 0)
				return -1;
			continue;
		}
		switch (c) {
		case 'i': o->ivshmem_socket = optarg; break;
		case 'r': o->guest_ram = optarg; break;
		case 'c': o->control = optarg; break;
		case 'l': o->log = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || n < 1 ||
			    n > VMB_MAX_VECTORS) {
				fprintf(stderr, "vmbusd: --vectors must be 1..%d\n",
					VMB_MAX_VECTORS);
				return -1;
			}
			o->vectors = (unsigned int)n;
			break;
		case 'o':
			if (o->nr_offers == MAX_OFFER_ARGS) {
				fprintf(stderr, "vmbusd: too many --offer\n");
				return -1;
			}
			o->offers[o->nr_offers].spec = optarg;
			o->offers[o->nr_offers].each = false;
			o->offers[o->nr_offers++].be = NULL;
			break;
		case 'V':
			if (parse_range(optarg, &o->version_min, &o->version_max) < 0) {
				fprintf(stderr, "vmbusd: bad --version-range '%s' (want e.g. 1.0-1.0)\n",
					optarg);
				return -1;
			}
			break;
		case 'h':
			vmbusd_usage(stdout);
			exit(0);
		default:
			vmbusd_usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->ivshmem_socket || !o->guest_ram || !o->control) {
		vmbusd_usage(stderr);
		return -1;
	}
	return 0;
}
