// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vmbusd: the emulated hypervisor for one guest.  It serves QEMU's
 * ivshmem-doorbell device (interface region, doorbells, interrupts), maps
 * the guest's RAM, runs the channel-management protocol and answers
 * vmbusctl on the control socket.  Single-threaded, one epoll loop.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "chanmgr.h"
#include "classes.h"
#include "control.h"
#include "gmem.h"
#include "guid.h"
#include "ifregion.h"
#include "ivshmem.h"
#include "log.h"
#include "msgq.h"

enum {
	TAG_SIGNAL = 1,
	TAG_IVS_LISTEN,
	TAG_IVS_CLIENT,
	TAG_HOST_VEC = 0x100,		/* + vector */
	TAG_CONTROL = 0x1000,		/* + 0 .. CONTROL_MAX_CLIENTS */
};

#define BACKLOG_FLUSH_RETRY_MS	100
#define MAX_OFFER_ARGS		VMB_MAX_RELID

struct vmbusd {
	struct gmem gmem;
	struct ifregion ifr;
	struct msgq_tx h2g;
	struct msgq_rx g2h;
	struct chanmgr cm;
	struct chan_env chan_env;
	struct ivshmem_server ivs;
	struct control ctl;
	int epfd;
	int sigfd;
	bool quit;
};

/* ------------------------------------------------------------------ */

static void signal_guest(struct vmbusd *d)
{
	int err = ivshmem_notify_guest(&d->ivs, VMB_VECTOR_MSG);

	if (err)
		log_warn("cannot signal the guest: %s", strerror(-err));
}

static void ops_send(void *ctx, const struct vmb_msg *m)
{
	struct vmbusd *d = ctx;
	uint32_t before = d->h2g.prod;

	/*
	 * No guest: nothing can read it, and the region must stay pristine
	 * for the next one (it is reset when a client detaches, not when
	 * one attaches, as the client may use it as soon as it has the fd).
	 */
	if (!ivshmem_has_client(&d->ivs)) {
		log_debug("no guest attached: message type %u not sent",
			  le32toh(m->type));
		return;
	}
	msgq_tx_post(&d->h2g, m);
	if (d->h2g.prod != before)
		signal_guest(d);
}

static void ops_corrupt_h2g_index(void *ctx)
{
	struct vmbusd *d = ctx;

	if (!ivshmem_has_client(&d->ivs))
		return;
	msgq_tx_corrupt_prod(&d->h2g, 1000);
	signal_guest(d);
}

static void ops_notify_vector(void *ctx, unsigned int v)
{
	struct vmbusd *d = ctx;
	int err = ivshmem_notify_guest(&d->ivs, v);

	if (err)
		log_warn("cannot signal the guest (vector %u): %s", v, strerror(-err));
}

static const struct chanmgr_ops vmbusd_chanmgr_ops = {
	.send = ops_send,
	.corrupt_h2g_index = ops_corrupt_h2g_index,
};

static void on_guest_msg(void *ctx, const struct vmb_msg *m)
{
	struct vmbusd *d = ctx;

	chanmgr_handle(&d->cm, m);
}

/* The guest rang VMB_VECTOR_MSG (or we poll): move both queues on. */
static void service_queues(struct vmbusd *d)
{
	bool wake = false;
	uint32_t before = d->h2g.prod;

	msgq_tx_flush(&d->h2g);
	msgq_rx_drain(&d->g2h, on_guest_msg, d, &wake);
	if (wake || d->h2g.prod != before)
		signal_guest(d);
}

static void reset_region(struct vmbusd *d)
{
	ifregion_reset(&d->ifr);
	msgq_tx_reset(&d->h2g);
	msgq_rx_reset(&d->g2h);
}

static int epoll_add(struct vmbusd *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void client_detach(struct vmbusd *d)
{
	unsigned int v;

	/*
	 * QEMU holds the eventfds too, so closing ours would not remove
	 * them from the epoll set: delete them explicitly.
	 */
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->ivs.client_fd, NULL);
	for (v = 0; v < d->ivs.nr_vectors; v++)
		if (d->ivs.host_efd[v] >= 0)
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->ivs.host_efd[v], NULL);
	ivshmem_drop_client(&d->ivs);
	chanmgr_transport_reset(&d->cm);
	reset_region(d);
	log_info("ivshmem: client detached");
}

static void client_attach(struct vmbusd *d)
{
	unsigned int v;
	int r;

	r = ivshmem_server_accept(&d->ivs);
	if (r < 0) {
		log_err("ivshmem: accept: %s", strerror(-r));
		return;
	}
	if (r == 0)
		return;
	/* The region is fresh: set up at start, reset on every detach. */
	if (epoll_add(d, d->ivs.client_fd, TAG_IVS_CLIENT) < 0)
		goto fail;
	for (v = 0; v < d->ivs.nr_vectors; v++)
		if (epoll_add(d, d->ivs.host_efd[v], TAG_HOST_VEC + v) < 0)
			goto fail;
	return;
fail:
	log_err("epoll: %s", strerror(errno));
	client_detach(d);
}

/* ------------------------------------------------------------------ */
/* Control commands                                                    */

static const char *state_name(const struct vmbusd *d)
{
	if (d->cm.connected)
		return "connected";
	return ivshmem_has_client(&d->ivs) ? "attached" : "disconnected";
}

static void cmd_status(struct vmbusd *d, int argc, char **argv,
		       struct control_reply *r)
{
	char vbuf[16], cbuf[GUID_STR_LEN + 1], ibuf[GUID_STR_LEN + 1];
	uint32_t relid;

	(void)argv;
	if (argc != 1) {
		control_reply_error(r, "usage: status");
		return;
	}
	control_reply_line(r, "state: %s", state_name(d));
	control_reply_line(r, "version: %s", d->cm.connected ?
			   chanmgr_version_str(d->cm.version, vbuf) : "-");
	control_reply_line(r, "connects: %llu", (unsigned long long)d->cm.connects);
	control_reply_line(r, "unloads: %llu", (unsigned long long)d->cm.unloads);
	control_reply_line(r, "rejected: %llu", (unsigned long long)d->cm.rejected);
	control_reply_line(r, "gpadls: %u", d->cm.gpadls.nr);
	control_reply_line(r, "stray_events: %llu",
			   (unsigned long long)d->cm.stray_events);
	control_reply_line(r, "subchannel_requests_ignored: %llu",
			   (unsigned long long)d->cm.subchan_ignored);
	for (relid = 1; relid < VMB_MAX_RELID; relid++) {
		const struct chanmgr_channel *ch = chanmgr_channel(&d->cm, relid);
		const struct chan_stats *st;
		char counters[640] = "", g2h[64], h2g[64];
		const char *name;

		if (!ch)
			continue;
		name = class_name(ch->class_id);
		if (ch->open) {
			st = &ch->open->st;
			ring_describe(&ch->open->in, g2h, sizeof(g2h));
			ring_describe(&ch->open->out, h2g, sizeof(h2g));
			snprintf(counters, sizeof(counters),
				 " rx_pkts=%llu tx_pkts=%llu rx_bytes=%llu tx_bytes=%llu doorbells=%llu interrupts=%llu ring_full=%llu dropped=%llu paused=%d broken=%d vector=%u retargets=%llu g2h=%s h2g=%s backlog=%u",
				 (unsigned long long)st->rx_pkts,
				 (unsigned long long)st->tx_pkts,
				 (unsigned long long)st->rx_bytes,
				 (unsigned long long)st->tx_bytes,
				 (unsigned long long)st->doorbells,
				 (unsigned long long)st->interrupts,
				 (unsigned long long)st->ring_full,
				 (unsigned long long)st->dropped,
				 ch->open->paused, ch->open->broken,
				 ch->open->vector,
				 (unsigned long long)st->retargets, g2h, h2g,
				 ch->open->bl_len);
		}
		control_reply_line(r, "channel: relid=%u class=%s class_id=%s instance=%s state=%s%s sub=%u",
				   relid, name ? name : "unknown",
				   guid_format(ch->class_id, cbuf),
				   guid_format(ch->instance_id, ibuf),
				   chanmgr_chan_state_name(ch), counters,
				   ch->sub_index);
	}
}

static int add_offer(struct vmbusd *d, const char *class, const char *inst,
		     uint32_t *relid, uint8_t instance[VMB_GUID_LEN],
		     const char **err)
{
	uint8_t class_id[VMB_GUID_LEN];

	if (class_lookup(class, class_id) < 0) {
		*err = "unknown class (not a class name or a GUID)";
		return -1;
	}
	if (inst) {
		if (guid_parse(inst, instance) < 0 || guid_is_nil(instance)) {
			*err = "bad instance GUID";
			return -1;
		}
	} else if (guid_random(instance) < 0) {
		*err = "cannot generate a GUID";
		return -1;
	}
	return chanmgr_add_channel(&d->cm, class_id, instance, relid, err);
}

static void cmd_offer(struct vmbusd *d, int argc, char **argv,
		      struct control_reply *r)
{
	uint8_t instance[VMB_GUID_LEN];
	char ibuf[GUID_STR_LEN + 1];
	const char *err;
	uint32_t relid;

	if (argc < 2 || argc > 3) {
		control_reply_error(r, "usage: offer CLASS [INSTANCE]");
		return;
	}
	if (add_offer(d, argv[1], argc == 3 ? argv[2] : NULL, &relid,
		      instance, &err) < 0) {
		control_reply_error(r, "%s", err);
		return;
	}
	log_info("offered relid %u instance %s", relid, guid_format(instance, ibuf));
	control_reply_line(r, "relid=%u instance=%s", relid, ibuf);
}

static void cmd_rescind(struct vmbusd *d, int argc, char **argv,
			struct control_reply *r)
{
	uint8_t instance[VMB_GUID_LEN];
	const char *err;
	unsigned long v;
	uint32_t relid;
	char *end;

	if (argc != 2) {
		control_reply_error(r, "usage: rescind RELID|INSTANCE");
		return;
	}
	if (guid_parse(argv[1], instance) == 0) {
		relid = chanmgr_find_instance(&d->cm, instance);
	} else {
		errno = 0;
		v = strtoul(argv[1], &end, 10);
		if (errno || *end || end == argv[1] || argv[1][0] == '-' ||
		    v >= VMB_MAX_RELID) {
			control_reply_error(r, "bad relid or instance '%s'", argv[1]);
			return;
		}
		relid = (uint32_t)v;
	}
	if (chanmgr_rescind(&d->cm, relid, &err) < 0) {
		control_reply_error(r, "%s", err);
		return;
	}
	log_info("rescinded relid %u", relid);
}

static int parse_relid(const char *s, uint32_t *relid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v == 0 ||
	    v >= VMB_MAX_RELID)
		return -1;
	*relid = (uint32_t)v;
	return 0;
}

static void cmd_echo_pause(struct vmbusd *d, int argc, char **argv,
			   struct control_reply *r)
{
	bool pause = strcmp(argv[0], "echo-pause") == 0;
	const char *err;
	uint32_t relid;

	if (argc != 2) {
		control_reply_error(r, "usage: %s RELID", argv[0]);
		return;
	}
	if (parse_relid(argv[1], &relid) < 0) {
		control_reply_error(r, "bad relid '%s'", argv[1]);
		return;
	}
	if (chanmgr_set_paused(&d->cm, relid, pause, &err) < 0) {
		control_reply_error(r, "%s %u: %s", argv[0], relid, err);
		return;
	}
	log_info("relid %u: %s", relid, pause ? "paused" : "resumed");
}

static void cmd_inject(struct vmbusd *d, int argc, char **argv,
		       struct control_reply *r)
{
	char kinds[512] = "";
	const char *err;
	uint32_t relid;
	int i;

	for (i = 0; chanmgr_channel_inject_kinds[i]; i++)
		if (argc >= 2 && strcmp(argv[1], chanmgr_channel_inject_kinds[i]) == 0)
			break;
	if (argc >= 2 && chanmgr_channel_inject_kinds[i]) {
		if (argc != 3) {
			control_reply_error(r, "inject %s: needs RELID (an open channel)",
					    argv[1]);
			return;
		}
		if (parse_relid(argv[2], &relid) < 0) {
			control_reply_error(r, "inject %s: bad relid '%s'", argv[1],
					    argv[2]);
			return;
		}
		if (chanmgr_inject_channel(&d->cm, argv[1], relid, &err) < 0) {
			control_reply_error(r, "inject %s %u: %s", argv[1], relid, err);
			return;
		}
		log_info("injected fault '%s' on relid %u", argv[1], relid);
		return;
	}
	if (argc == 2) {
		for (i = 0; chanmgr_inject_kinds[i]; i++)
			if (strcmp(argv[1], chanmgr_inject_kinds[i]) == 0)
				break;
		if (chanmgr_inject_kinds[i]) {
			if (chanmgr_inject(&d->cm, argv[1], &err) < 0) {
				control_reply_error(r, "inject %s: %s", argv[1], err);
				return;
			}
			log_info("injected fault '%s'", argv[1]);
			return;
		}
	}
	for (i = 0; chanmgr_inject_kinds[i]; i++) {
		strcat(kinds, i ? "|" : "");
		strcat(kinds, chanmgr_inject_kinds[i]);
	}
	strcat(kinds, " | inject ");
	for (i = 0; chanmgr_channel_inject_kinds[i]; i++) {
		strcat(kinds, i ? "|" : "");
		strcat(kinds, chanmgr_channel_inject_kinds[i]);
	}
	control_reply_error(r, "unknown fault kind or wrong arguments; usage: inject %s RELID",
			    kinds);
}

static void cmd_help(struct vmbusd *d, int argc, char **argv,
		     struct control_reply *r);

static const struct command {
	const char *name;
	const char *usage;
	void (*fn)(struct vmbusd *d, int argc, char **argv,
		   struct control_reply *r);
} commands[] = {
	{ "status", "status", cmd_status },
	{ "offer", "offer CLASS [INSTANCE]", cmd_offer },
	{ "rescind", "rescind RELID|INSTANCE  (a primary's sub-channels are rescinded first; an INSTANCE names the primary)", cmd_rescind },
	{ "inject", "inject KIND  (KIND: short|overlong|unknown-type|bad-relid|dup-offer|dup-instance|rescind-unknown|nil-guid|bad-flags|bad-index)", cmd_inject },
	{ "inject", "inject KIND RELID  (open channel; KIND: ring-index|ring-len|ring-offset|unknown-completion|gpadl-unknown; after ring-* the host-to-guest ring is garbage: the guest must mark the channel broken and close it)", cmd_inject },
	{ "echo-pause", "echo-pause RELID  (stop consuming the channel's guest-to-host ring)", cmd_echo_pause },
	{ "echo-resume", "echo-resume RELID", cmd_echo_pause },
	{ "help", "help", cmd_help },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(struct vmbusd *d, int argc, char **argv,
		     struct control_reply *r)
{
	unsigned int i;

	(void)d;
	(void)argc;
	(void)argv;
	for (i = 0; i < NR_COMMANDS; i++)
		control_reply_line(r, "%s", commands[i].usage);
}

#define MAX_ARGS 8

static void control_handler(void *ctx, char *line, struct control_reply *r)
{
	struct vmbusd *d = ctx;
	char *argv[MAX_ARGS + 1], *save = NULL, *tok;
	unsigned int i;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS) {
			control_reply_error(r, "too many arguments");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		control_reply_error(r, "empty command (try 'help')");
		return;
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].fn(d, argc, argv, r);
			return;
		}
	}
	control_reply_error(r, "unknown command (try 'help')");
}

/* ------------------------------------------------------------------ */
/* Main                                                                */

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmbusd --ivshmem-socket PATH --guest-ram FILE --control PATH\n"
"              [--vectors N] [--offer CLASS[:INSTANCE]]... [--version-range MIN-MAX]\n"
"              [--log FILE] [-v|--verbose]\n"
"  --vectors N          ivshmem vectors, must equal QEMU's vectors= (default 4, max %d)\n"
"  --offer CLASS[:GUID] offer a channel from the start; CLASS is a name or a GUID\n"
"  --version-range A-B  protocol versions spoken, e.g. 1.0-1.0 (the default)\n",
		VMB_MAX_VECTORS);
}

struct options {
	const char *ivshmem_socket, *guest_ram, *control, *log;
	unsigned int vectors;
	uint32_t version_min, version_max;
	int verbose;
	unsigned int nr_offers;
	char *offers[MAX_OFFER_ARGS];
};

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

static int parse_options(int argc, char **argv, struct options *o)
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
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->ivshmem_socket || !o->guest_ram || !o->control) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int add_cmdline_offers(struct vmbusd *d, const struct options *o)
{
	uint8_t instance[VMB_GUID_LEN];
	char ibuf[GUID_STR_LEN + 1];
	unsigned int i;

	for (i = 0; i < o->nr_offers; i++) {
		char buf[128], *colon;
		const char *err;
		uint32_t relid;

		if (strlen(o->offers[i]) >= sizeof(buf)) {
			log_err("--offer %s: too long", o->offers[i]);
			return -1;
		}
		strcpy(buf, o->offers[i]);
		colon = strchr(buf, ':');
		if (colon)
			*colon++ = '\0';
		if (add_offer(d, buf, colon, &relid, instance, &err) < 0) {
			log_err("--offer %s: %s", o->offers[i], err);
			return -1;
		}
		log_info("channel relid %u class %s instance %s", relid, buf,
			 guid_format(instance, ibuf));
	}
	return 0;
}

static void handle_event(struct vmbusd *d, uint64_t tag, uint32_t events)
{
	struct signalfd_siginfo si;

	if (tag == TAG_SIGNAL) {
		if (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
			log_info("signal %u: exiting", si.ssi_signo);
			d->quit = true;
		}
	} else if (tag == TAG_IVS_LISTEN) {
		client_attach(d);
	} else if (tag == TAG_IVS_CLIENT) {
		if (!ivshmem_has_client(&d->ivs))
			return;
		if ((events & (EPOLLHUP | EPOLLERR)) ||
		    ivshmem_client_input(&d->ivs) < 0)
			client_detach(d);
	} else if (tag >= TAG_HOST_VEC && tag < TAG_HOST_VEC + VMB_MAX_VECTORS) {
		unsigned int v = (unsigned int)(tag - TAG_HOST_VEC);

		if (!ivshmem_has_client(&d->ivs))
			return;
		ivshmem_ack_host(&d->ivs, v);
		if (v == VMB_VECTOR_MSG)
			service_queues(d);
		else if (v == VMB_VECTOR_CHANNEL)
			chanmgr_channel_events(&d->cm);
		else
			log_debug("doorbell on unused vector %u", v);
	} else if (control_owns_tag(&d->ctl, tag)) {
		control_event(&d->ctl, tag, events);
	}
}

static int run(struct vmbusd *d)
{
	struct epoll_event ev[16];
	int i, n, timeout;

	while (!d->quit) {
		/* Retry the backlog now and then even without a doorbell. */
		timeout = d->h2g.bl_len && ivshmem_has_client(&d->ivs) ?
			  BACKLOG_FLUSH_RETRY_MS : -1;
		n = epoll_wait(d->epfd, ev, 16, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		if (n == 0 && d->h2g.bl_len) {
			uint32_t before = d->h2g.prod;

			msgq_tx_flush(&d->h2g);
			if (d->h2g.prod != before)
				signal_guest(d);
		}
		for (i = 0; i < n && !d->quit; i++)
			handle_event(d, ev[i].data.u64, ev[i].events);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vmbusd *d;
	struct options o;
	sigset_t mask;
	FILE *logf = NULL;
	int err, ret = 1;

	if (parse_options(argc, argv, &o) < 0)
		return 2;
	if (o.log) {
		logf = fopen(o.log, "ae");
		if (!logf) {
			fprintf(stderr, "vmbusd: cannot open log %s: %s\n", o.log,
				strerror(errno));
			return 1;
		}
	}
	log_init(logf, o.verbose ? VMBD_LOG_DEBUG : VMBD_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	d = calloc(1, sizeof(*d));
	if (!d) {
		log_err("out of memory");
		goto out_log;
	}
	d->epfd = d->sigfd = -1;
	d->gmem.fd = -1;
	d->ifr.fd = -1;
	d->ivs.listen_fd = d->ivs.client_fd = -1;
	d->ctl.listen_fd = -1;

	err = gmem_open(&d->gmem, o.guest_ram);
	if (err) {
		log_err("cannot map guest RAM %s: %s", o.guest_ram, strerror(-err));
		goto out_free;
	}
	log_info("guest RAM %s: %llu MiB, %u range(s)", o.guest_ram,
		 (unsigned long long)(d->gmem.size >> 20), d->gmem.nr_ranges);
	err = ifregion_create(&d->ifr, o.vectors);
	if (err) {
		log_err("cannot create the interface region: %s", strerror(-err));
		goto out_gmem;
	}
	err = msgq_tx_init(&d->h2g, d->ifr.h2g_ctl, d->ifr.h2g_slots,
			   MSGQ_BACKLOG_DEFAULT);
	if (err) {
		log_err("out of memory");
		goto out_ifr;
	}
	msgq_rx_init(&d->g2h, d->ifr.g2h_ctl, d->ifr.g2h_slots);
	chanmgr_init(&d->cm, &vmbusd_chanmgr_ops, d, o.version_min, o.version_max);
	d->chan_env.gmem = &d->gmem;
	d->chan_env.h2g_events = d->ifr.base + VMB_IF_H2G_EVENTS_OFF;
	d->chan_env.g2h_events = d->ifr.base + VMB_IF_G2H_EVENTS_OFF;
	d->chan_env.nr_vectors = o.vectors;
	d->chan_env.notify = ops_notify_vector;
	d->chan_env.ctx = d;
	chanmgr_attach_env(&d->cm, &d->chan_env);
	if (add_cmdline_offers(d, &o) < 0)
		goto out_msgq;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0) {
		log_err("epoll_create1: %s", strerror(errno));
		goto out_msgq;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0 || epoll_add(d, d->sigfd, TAG_SIGNAL) < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out_epoll;
	}
	err = ivshmem_server_init(&d->ivs, o.ivshmem_socket, d->ifr.fd, o.vectors);
	if (err) {
		log_err("cannot listen on %s: %s", o.ivshmem_socket, strerror(-err));
		goto out_epoll;
	}
	if (epoll_add(d, d->ivs.listen_fd, TAG_IVS_LISTEN) < 0) {
		log_err("epoll: %s", strerror(errno));
		goto out_ivs;
	}
	err = control_init(&d->ctl, o.control, d->epfd, TAG_CONTROL,
			   control_handler, d);
	if (err) {
		log_err("cannot listen on %s: %s", o.control, strerror(-err));
		goto out_ivs;
	}
	log_info("ready");
	if (logf)
		fprintf(stderr, "vmbusd: ready\n");

	if (run(d) == 0)
		ret = 0;

	control_fini(&d->ctl);
out_ivs:
	ivshmem_server_fini(&d->ivs);
out_epoll:
	if (d->sigfd >= 0)
		close(d->sigfd);
	close(d->epfd);
out_msgq:
	chanmgr_fini(&d->cm);
	msgq_tx_fini(&d->h2g);
out_ifr:
	ifregion_destroy(&d->ifr);
out_gmem:
	gmem_close(&d->gmem);
out_free:
	free(d);
out_log:
	if (logf)
		fclose(logf);
	return ret;
}
