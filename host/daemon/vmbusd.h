/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The daemon: one vmbusd serves one guest.  main.c wires the transport
 * (transport/), the core (core/) and the control socket together; options.c
 * parses the command line; commands.c answers vmbusctl.
 */
#ifndef VMBUSD_DAEMON_H
#define VMBUSD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/chanmgr.h"
#include "core/evloop.h"
#include "core/gmem.h"
#include "core/msgq.h"
#include "daemon/control.h"
#include "transport/ifregion.h"
#include "transport/ivshmem.h"

struct vmbusd;

/* What a host vector's eventfd callback needs to know. */
struct vmbusd_vector {
	struct vmbusd *d;
	unsigned int v;
};

struct vmbusd {
	struct evl *loop;
	struct gmem gmem;
	struct ifregion ifr;
	struct msgq_tx h2g;
	struct msgq_rx g2h;
	struct chanmgr cm;
	struct chan_env chan_env;
	struct ivshmem_server ivs;
	struct control ctl;
	struct vmbusd_vector vec[VMB_MAX_VECTORS];
	struct evl_timer backlog_timer;	/* retries the h2g backlog */
	int sigfd;
};

/*
 * Offer a channel of class (a class name or a GUID) with the given
 * instance GUID (NULL: a random one) and device options (KEY or KEY=VALUE,
 * for the class's parse_opt).  Returns 0 with *relid and instance set, or
 * -1 with *err.
 */
int vmbusd_add_offer(struct vmbusd *d, const char *class, const char *inst,
		     char *const *opts, unsigned int nr_opts, uint32_t *relid,
		     uint8_t instance[VMB_GUID_LEN], const char **err);

/*
 * Offer a device of be's class with a random instance GUID and conf, which
 * the channel takes over (put on failure).  Returns 0 with *relid and
 * instance set, or -1 with *err.
 */
int vmbusd_offer_conf(struct vmbusd *d, const struct vmbd_backend *be,
		      struct vmbd_conf *conf, uint32_t *relid,
		      uint8_t instance[VMB_GUID_LEN], const char **err);

/* The control socket's handler: one command line, parsed and run. */
void vmbusd_command(void *ctx, char *line, struct cmd_reply *r);

#endif
