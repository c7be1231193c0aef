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
	char gbuf[GUID_STR_LEN + 1];

	fprintf(f,
"usage: vmbusd --ivshmem-socket PATH --guest-ram FILE --control PATH\n"
"              [--vectors N] [--offer CLASS[:INSTANCE][,OPTION...]]...\n"
"              [--version-range MIN-MAX] [--log FILE] [-v|--verbose]\n"
"  --vectors N          ivshmem vectors, must equal QEMU's vectors= (default 4, max %d)\n"
"  --offer CLASS[:GUID][,OPTION...]\n"
"                       offer a channel from the start; CLASS is a class name\n"
"                       or a GUID, OPTION (KEY or KEY=VALUE) is the class's\n"
"  --version-range A-B  protocol versions spoken, e.g. 1.0-1.0 (the default)\n"
"device classes:\n",
		VMB_MAX_VECTORS);
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

int vmbusd_parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ivshmem-socket", required_argument, NULL, 'i' },
		{ "guest-ram", required_argument, NULL, 'r' },
		{ "control", required_argument, NULL, 'c' },
		{ "vectors", required_argument, NULL, 'n' },
		{ "offer", required_argument, NULL, 'o' },
		{ "version-range", required_argument, NULL, 'V' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long n;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->vectors = 4;
	o->version_min = o->version_max = VMB_VERSION_1_0;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
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
			o->offers[o->nr_offers++] = optarg;
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
