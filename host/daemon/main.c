// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vmbusd: the emulated hypervisor for one guest.  It serves QEMU's
 * ivshmem-doorbell device (interface region, doorbells, interrupts), maps
 * the guest's RAM, runs the channel-management protocol and answers
 * vmbusctl on the control socket.  Single-threaded, one event loop
 * (core/evloop.h).
 */
#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/guid.h"
#include "core/log.h"
#include "daemon/options.h"
#include "daemon/vmbusd.h"

#define BACKLOG_FLUSH_RETRY_MS	100

/* ------------------------------------------------------------------ */

static void signal_guest(struct vmbusd *d)
{
	int err = ivshmem_notify_guest(&d->ivs, VMB_VECTOR_MSG);

	if (err)
		log_warn("cannot signal the guest: %s", strerror(-err));
}

static void backlog_retry(struct evl *loop, struct evl_timer *t, void *arg);

/*
 * Messages wait in the h2g backlog for the guest to free slots; it rings
 * when it does, but retry now and then even without a doorbell.
 */
static void backlog_watch(struct vmbusd *d)
{
	if (!d->h2g.bl_len || !ivshmem_has_client(&d->ivs))
		evl_timer_cancel(&d->backlog_timer);
	else if (!evl_timer_pending(&d->backlog_timer))
		evl_timer_oneshot(d->loop, &d->backlog_timer,
				  BACKLOG_FLUSH_RETRY_MS, backlog_retry, d);
}

static void backlog_retry(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct vmbusd *d = arg;
	uint32_t before = d->h2g.prod;

	(void)loop;
	(void)t;
	msgq_tx_flush(&d->h2g);
	if (d->h2g.prod != before)
		signal_guest(d);
	backlog_watch(d);
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
	backlog_watch(d);
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
	backlog_watch(d);
}

static void reset_region(struct vmbusd *d)
{
	ifregion_reset(&d->ifr);
	msgq_tx_reset(&d->h2g);
	msgq_rx_reset(&d->g2h);
}

static void client_detach(struct vmbusd *d)
{
	unsigned int v;

	/*
	 * QEMU holds the eventfds too, so closing ours would not remove
	 * them from the epoll set: stop watching them first.
	 */
	evl_del_fd(d->loop, d->ivs.client_fd);
	for (v = 0; v < d->ivs.nr_vectors; v++)
		if (d->ivs.host_efd[v] >= 0)
			evl_del_fd(d->loop, d->ivs.host_efd[v]);
	ivshmem_drop_client(&d->ivs);
	chanmgr_transport_reset(&d->cm);
	reset_region(d);
	backlog_watch(d);
	log_info("ivshmem: client detached");
}

/* QEMU's socket: it never sends anything; EOF means it is gone. */
static void on_client(struct evl *loop, int fd, uint32_t events, void *arg)
{
	struct vmbusd *d = arg;

	(void)loop;
	(void)fd;
	if (!ivshmem_has_client(&d->ivs))
		return;
	if ((events & (EPOLLHUP | EPOLLERR)) ||
	    ivshmem_client_input(&d->ivs) < 0)
		client_detach(d);
}

/* The guest rang the Doorbell with vector v. */
static void on_host_vector(struct evl *loop, int fd, uint32_t events,
			   void *arg)
{
	struct vmbusd_vector *vec = arg;
	struct vmbusd *d = vec->d;

	(void)loop;
	(void)fd;
	(void)events;
	if (!ivshmem_has_client(&d->ivs))
		return;
	ivshmem_ack_host(&d->ivs, vec->v);
	if (vec->v == VMB_VECTOR_MSG)
		service_queues(d);
	else if (vec->v == VMB_VECTOR_CHANNEL)
		chanmgr_channel_events(&d->cm);
	else
		log_debug("doorbell on unused vector %u", vec->v);
}

static void on_listen(struct evl *loop, int fd, uint32_t events, void *arg)
{
	struct vmbusd *d = arg;
	unsigned int v;
	int r;

	(void)fd;
	(void)events;
	r = ivshmem_server_accept(&d->ivs);
	if (r < 0) {
		log_err("ivshmem: accept: %s", strerror(-r));
		return;
	}
	if (r == 0)
		return;
	/* The region is fresh: set up at start, reset on every detach. */
	r = evl_add_fd(loop, d->ivs.client_fd, EPOLLIN, on_client, d);
	for (v = 0; !r && v < d->ivs.nr_vectors; v++)
		r = evl_add_fd(loop, d->ivs.host_efd[v], EPOLLIN,
			       on_host_vector, &d->vec[v]);
	if (r) {
		log_err("event loop: %s", strerror(-r));
		client_detach(d);
	}
}

static void on_signal(struct evl *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: exiting", si.ssi_signo);
		evl_stop(loop);
	}
}

#define MAX_OFFER_OPTS	16

/*
 * A mistake on the command line: one line, on stderr even when the log is
 * a file (where it goes too).
 */
static void __attribute__((format(printf, 2, 3)))
startup_err(FILE *logf, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_err("%s", line);
	if (logf)
		fprintf(stderr, "vmbusd: error: %s\n", line);
}

/* --offer CLASS[:INSTANCE][,OPTION...] */
static int add_offer_spec(struct vmbusd *d, const char *spec, FILE *logf)
{
	char buf[1024], *colon, *opt[MAX_OFFER_OPTS], *save = NULL;
	uint8_t instance[VMB_GUID_LEN];
	char ibuf[GUID_STR_LEN + 1];
	unsigned int nr_opts = 0;
	const char *err;
	uint32_t relid;

	if (strlen(spec) >= sizeof(buf)) {
		startup_err(logf, "--offer %s: too long", spec);
		return -1;
	}
	strcpy(buf, spec);
	strtok_r(buf, ",", &save);
	while ((opt[nr_opts] = strtok_r(NULL, ",", &save))) {
		if (++nr_opts == MAX_OFFER_OPTS) {
			startup_err(logf, "--offer %s: too many options", spec);
			return -1;
		}
	}
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = '\0';
	if (vmbusd_add_offer(d, buf, colon, opt, nr_opts, &relid, instance,
			     &err) < 0) {
		startup_err(logf, "--offer %s: %s", spec, err);
		return -1;
	}
	log_info("channel relid %u class %s instance %s", relid, buf,
		 guid_format(instance, ibuf));
	return 0;
}

/* The device a class's own top-level options make (--disk ...). */
static int add_cmdline_device(struct vmbusd *d, const struct options *o,
			      unsigned int i, FILE *logf)
{
	const struct vmbd_backend *be = o->offers[i].be;
	uint8_t instance[VMB_GUID_LEN];
	char ibuf[GUID_STR_LEN + 1], msg[512];
	struct vmbd_conf *conf;
	const char *err;
	uint32_t relid;

	if (vmbusd_cmdline_conf(o, i, &conf, msg, sizeof(msg)) < 0) {
		startup_err(logf, "%s", msg);
		return -1;
	}
	if (vmbusd_offer_conf(d, be, conf, &relid, instance, &err) < 0) {
		startup_err(logf, "%s: %s", be->name, err);
		return -1;
	}
	log_info("channel relid %u class %s instance %s", relid, be->name,
		 guid_format(instance, ibuf));
	return 0;
}

/* The devices of the command line, in its order. */
static int add_cmdline_offers(struct vmbusd *d, const struct options *o,
			      FILE *logf)
{
	unsigned int i;

	for (i = 0; i < o->nr_offers; i++)
		if (o->offers[i].spec ? add_offer_spec(d, o->offers[i].spec, logf) :
		    add_cmdline_device(d, o, i, logf))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct vmbusd *d;
	struct options o;
	sigset_t mask;
	FILE *logf = NULL;
	unsigned int v;
	int err, ret = 1;

	if (vmbusd_parse_options(argc, argv, &o) < 0)
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
	d->sigfd = -1;
	d->gmem.fd = -1;
	d->ifr.fd = -1;
	d->ivs.listen_fd = d->ivs.client_fd = -1;
	d->ctl.listen_fd = -1;
	for (v = 0; v < VMB_MAX_VECTORS; v++) {
		d->vec[v].d = d;
		d->vec[v].v = v;
	}
	d->loop = evl_create();
	if (!d->loop) {
		log_err("cannot create the event loop: %s", strerror(errno));
		goto out_free;
	}

	err = gmem_open(&d->gmem, o.guest_ram);
	if (err) {
		log_err("cannot map guest RAM %s: %s", o.guest_ram, strerror(-err));
		goto out_loop;
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
	d->chan_env.loop = d->loop;
	chanmgr_attach_env(&d->cm, &d->chan_env);
	if (add_cmdline_offers(d, &o, logf) < 0)
		goto out_msgq;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out_msgq;
	}
	err = evl_add_fd(d->loop, d->sigfd, EPOLLIN, on_signal, d);
	if (err) {
		log_err("event loop: %s", strerror(-err));
		goto out_sigfd;
	}
	err = ivshmem_server_init(&d->ivs, o.ivshmem_socket, d->ifr.fd, o.vectors);
	if (err) {
		log_err("cannot listen on %s: %s", o.ivshmem_socket, strerror(-err));
		goto out_sigfd;
	}
	err = evl_add_fd(d->loop, d->ivs.listen_fd, EPOLLIN, on_listen, d);
	if (err) {
		log_err("event loop: %s", strerror(-err));
		goto out_ivs;
	}
	err = control_init(&d->ctl, o.control, d->loop, vmbusd_command, d);
	if (err) {
		log_err("cannot listen on %s: %s", o.control, strerror(-err));
		goto out_ivs;
	}
	log_info("ready");
	if (logf)
		fprintf(stderr, "vmbusd: ready\n");

	err = evl_run(d->loop);
	if (err)
		log_err("event loop: %s", strerror(-err));
	else
		ret = 0;

	control_fini(&d->ctl);
out_ivs:
	ivshmem_server_fini(&d->ivs);
out_sigfd:
	close(d->sigfd);
out_msgq:
	chanmgr_fini(&d->cm);
	msgq_tx_fini(&d->h2g);
out_ifr:
	ifregion_destroy(&d->ifr);
out_gmem:
	gmem_close(&d->gmem);
out_loop:
	evl_destroy(d->loop);
out_free:
	free(d);
out_log:
	if (logf)
		fclose(logf);
	return ret;
}
