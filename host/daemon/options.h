/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* vmbusd's command line (vmbusd --help). */
#ifndef VMBUSD_OPTIONS_H
#define VMBUSD_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "vmb_protocol.h"

#define MAX_OFFER_ARGS		VMB_MAX_RELID

struct options {
	const char *ivshmem_socket, *guest_ram, *control, *log;
	unsigned int vectors;
	uint32_t version_min, version_max;
	int verbose;
	unsigned int nr_offers;
	char *offers[MAX_OFFER_ARGS];	/* --offer arguments, as given */
};

void vmbusd_usage(FILE *f);
/*
 * Fills *o.  Returns 0, or -1 after printing why (the caller exits 2).
 * --help prints the usage and exits 0.
 */
int vmbusd_parse_options(int argc, char **argv, struct options *o);

#endif
