/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* vmbusd's command line (vmbusd --help). */
#ifndef VMBUSD_OPTIONS_H
#define VMBUSD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/backend.h"
#include "vmb_protocol.h"

#define MAX_OFFER_ARGS		VMB_MAX_RELID
#define MAX_CMDLINE_ARGS	256	/* the classes' own options, together */

/*
 * One device to offer at start, in command-line order: an --offer, or the
 * one device that all of a class's own top-level options make (placed
 * where the first of them stands), or one such option marked each.
 */
struct offer_arg {
	const char *spec;		/* --offer's argument, as given; or NULL: */
	const struct vmbd_backend *be;	/* the class whose options these are */
	bool each;			/* one option's device (vmbd_class_opt.each) */
};

/* One top-level option of a class's, as given: --opt->name arg. */
struct cmdline_arg {
	const struct vmbd_backend *be;
	const struct vmbd_class_opt *opt;
	const char *arg;
	unsigned int offer;		/* the device: its offers[] index */
};

struct options {
	const char *ivshmem_socket, *guest_ram, *control, *log;
	unsigned int vectors;
	uint32_t version_min, version_max;
	int verbose;
	unsigned int nr_offers;
	struct offer_arg offers[MAX_OFFER_ARGS];
	unsigned int nr_cmdline;
	struct cmdline_arg cmdline[MAX_CMDLINE_ARGS];
};

void vmbusd_usage(FILE *f);
/*
 * Fills *o.  Returns 0, or -1 after printing why (the caller exits 2).
 * --help prints the usage and exits 0.  It may be called again (tests).
 */
int vmbusd_parse_options(int argc, char **argv, struct options *o);
/*
 * The device o->offers[i] (spec NULL) stands for: a conf built from each
 * of its class's top-level options in turn.  Returns 0 with *out, or -1
 * with one line in msg (len bytes) saying which option failed and why.
 */
int vmbusd_cmdline_conf(const struct options *o, unsigned int i,
			struct vmbd_conf **out, char *msg, size_t len);

#endif
