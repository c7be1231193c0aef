/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A network port under test (header-only): its TAP queues are socketpairs
 * (SOCK_SEQPACKET: one vnet header + frame per message, as a TAP fd
 * carries them), its channels are opened on fake guest RAM with the
 * guest's ends of their rings and buffers, and a vmbusd's channel table
 * holds the port for the vmbusctl commands.
 *
 *   guest (these helpers) --rings, buffers--> channel q --> net.c --fd--> peer[q] (the "TAP")
 *   vmbusd_command("nic link 1 down", "nic stats 1", ...) ----^
 *
 * Queue q's channel has relid NET_FX_RELID0 + q, ring GPADL 100 + q,
 * receive buffer GPADL 200 + q, send buffer GPADL 300 + q.  The port is
 * relid NET_FX_PORT in vmbusd's table.
 */
#ifndef NET_FX_H
#define NET_FX_H

#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "backends/net.h"
#include "core/channel.h"
#include "core/evloop.h"
#include "core/guid.h"
#include "core/log.h"
#include "daemon/vmbusd.h"
#include "testutil.h"

#define NET_FX_RELID0		40
#define NET_FX_PORT		1
#define NET_FX_IN_PAGES		5	/* header + 4 */
#define NET_FX_OUT_PAGES	17	/* header + 16 */
#define NET_FX_RING_PFN(q)	(1000 + 40 * (q))
#define NET_FX_RECV_PFN(q)	(2000 + 100 * (q))	/* up to 100 pages */
#define NET_FX_SEND_PFN(q)	(4000 + 40 * (q))	/* up to 40 pages */
#define NET_FX_DATA_PFN		6000	/* frames sent by GPA range */
#define NET_FX_RECV_PAGES	100
#define NET_FX_SEND_PAGES	40

static int net_fx_peer[VMB_NET_QUEUES_MAX];
static bool net_fx_real_tap;	/* the real /dev/net/tun (test_net_tap.c) */
static unsigned int net_fx_offload;
static int net_fx_offload_calls;

static int net_fx_tap_open(const char *name, unsigned int queues, int *fd,
			   const char **err)
{
	unsigned int q;
	int sv[2];

	(void)name;
	for (q = 0; q < queues; q++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) < 0) {
			*err = "socketpair";
			return -1;
		}
		fd[q] = sv[0];
		net_fx_peer[q] = sv[1];
	}
	return 0;
}

static int net_fx_set_offload(int fd, unsigned int flags)
{
	(void)fd;
	net_fx_offload = flags;
	net_fx_offload_calls++;
	return 0;
}

static void net_fx_close(int fd)
{
	close(fd);
}

static const struct tap_ops net_fx_tap = {
	.open = net_fx_tap_open,
	.set_offload = net_fx_set_offload,
	.close = net_fx_close,
};

struct net_fx_q {
	struct channel *ch;
	struct ring gin, gout;
};

struct net_fx {
	struct gmem *m;
	struct gpadl_table t;
	struct chan_env env;
	uint8_t region[VMB_IF_SIZE];
	struct vmbd_conf *conf;
	struct net_fx_q q[VMB_NET_QUEUES_MAX];
	unsigned int queues;
	unsigned int out_pages;		/* host-to-guest ring: 1 + 2^n */
	uint8_t instance[VMB_GUID_LEN];
	struct gpa_scratch scratch;
	struct vmbusd *d;
	uint64_t tid;
	char out[16384];		/* the last command's output */
	char err[256];
	uint8_t buf[70000];		/* the last packet the guest took */
	struct ring_pkt pkt;
};

static inline void net_fx_notify(void *ctx, unsigned int v)
{
	(void)ctx;
	(void)v;
}

static inline void net_fx_send_msg(void *ctx, const struct vmb_msg *m)
{
	(void)ctx;
	(void)m;
}

static const struct chanmgr_ops net_fx_cm_ops = {
	.send = net_fx_send_msg,
};

static inline struct gpadl *net_fx_gpadl(struct net_fx *f, uint32_t id,
					 uint32_t relid, uint64_t pfn,
					 uint32_t n)
{
	__le64 le[128];
	struct gpadl *g;
	uint32_t st, i;

	assert_true(n <= 128);
	g = gpadl_create(&f->t, id, relid, n, &st);
	assert_non_null(g);
	for (i = 0; i < n; i++)
		le[i] = htole64(pfn + i);
	gpadl_add_frames(g, f->m, le, n);
	return g;
}

/* Open queue q's channel (q 0: the primary), with its buffers' GPADLs. */
static inline void net_fx_open(struct net_fx *f, unsigned int q)
{
	struct chan_dev dev = {
		.sub_index = (uint16_t)q,
		.instance = f->instance,
		.gpadls = &f->t,
	};
	uint32_t relid = NET_FX_RELID0 + q, st;
	const char *why;
	struct gpadl *g;

	g = net_fx_gpadl(f, 100 + q, relid, NET_FX_RING_PFN(q),
			 NET_FX_IN_PAGES + f->out_pages);
	net_fx_gpadl(f, 200 + q, relid, NET_FX_RECV_PFN(q), NET_FX_RECV_PAGES);
	net_fx_gpadl(f, 300 + q, relid, NET_FX_SEND_PFN(q), NET_FX_SEND_PAGES);
	f->q[q].ch = channel_open_dev(&f->env, relid, g, NET_FX_IN_PAGES, 1,
				      &vmbd_backend_net, f->conf, &dev, &st,
				      &why);
	assert_non_null(f->q[q].ch);
	assert_int_equal(ring_init_tx(&f->q[q].gin, g->page, NET_FX_IN_PAGES), 0);
	assert_int_equal(ring_init_rx(&f->q[q].gout, g->page + NET_FX_IN_PAGES,
				      f->out_pages), 0);
	if (!q)
		f->d->cm.chan[NET_FX_PORT].open = f->q[0].ch;
}

static inline void net_fx_close_q(struct net_fx *f, unsigned int q)
{
	if (!f->q[q].ch)
		return;
	if (!q)
		f->d->cm.chan[NET_FX_PORT].open = NULL;
	channel_close(f->q[q].ch);
	f->q[q].ch = NULL;
}

/* A port with these --nic options ("tap=fx0,queues=2"). */
static inline struct net_fx *net_fx_create(const char *spec)
{
	struct net_fx *f = calloc(1, sizeof(*f));
	const char *err = NULL;
	uint32_t relid;

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	net_tap = net_fx_real_tap ? &tap_linux : &net_fx_tap;
	net_fx_offload = 0;
	net_fx_offload_calls = 0;
	f->m = test_ram_open();
	f->conf = vmbd_conf_new(&vmbd_backend_net);
	assert_non_null(f->conf);
	if (vmbd_conf_add_cmdline(f->conf, &vmbd_backend_net.cmdline_opts[0],
				  spec, &err) < 0)
		fail_msg("%s", err);
	assert_int_equal(vmbd_conf_done(f->conf, &err), 0);
	f->env.gmem = f->m;
	f->env.loop = evl_create();
	assert_non_null(f->env.loop);
	f->env.h2g_events = f->region + VMB_IF_H2G_EVENTS_OFF;
	f->env.g2h_events = f->region + VMB_IF_G2H_EVENTS_OFF;
	f->env.nr_vectors = 4;
	f->env.notify = net_fx_notify;
	f->env.ctx = f;
	memset(f->instance, 0x5a, sizeof(f->instance));
	f->d = calloc(1, sizeof(*f->d));
	assert_non_null(f->d);
	f->d->ivs.client_fd = -1;
	chanmgr_init(&f->d->cm, &net_fx_cm_ops, f, VMB_VERSION_1_0,
		     VMB_VERSION_1_0);
	assert_int_equal(chanmgr_add_channel(&f->d->cm, vmbd_backend_net.guid,
					     f->instance, &vmbd_backend_net,
					     vmbd_conf_get(f->conf), &relid,
					     &err), 0);
	assert_int_equal(relid, NET_FX_PORT);
	f->tid = 1;
	f->out_pages = NET_FX_OUT_PAGES;
	return f;
}

static inline void net_fx_destroy(struct net_fx *f)
{
	unsigned int q;

	for (q = VMB_NET_QUEUES_MAX; q--;)
		net_fx_close_q(f, q);
	chanmgr_fini(&f->d->cm);
	free(f->d);
	gpadl_destroy_relid(&f->t, 0);
	vmbd_conf_put(f->conf);
	for (q = 0; q < VMB_NET_QUEUES_MAX; q++)
		if (net_fx_peer[q] > 0) {
			close(net_fx_peer[q]);
			net_fx_peer[q] = 0;
		}
	evl_destroy(f->env.loop);
	test_ram_close(f->m);
	net_tap = &tap_linux;
	free(f);
}

static inline int __attribute__((format(printf, 2, 3)))
net_fx_cmd(struct net_fx *f, const char *fmt, ...)
{
	struct cmd_reply r;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	vmbusd_command(f->d, line, &r);
	assert_false(r.oom);
	assert_true(r.len < sizeof(f->out));
	memcpy(f->out, r.buf ? r.buf : "", r.len);
	f->out[r.len] = '\0';
	strcpy(f->err, r.err);
	free(r.buf);
	return f->err[0] ? -1 : 0;
}

/* "key value" from nic stats' output (run it first). */
static inline unsigned long long net_fx_stat(struct net_fx *f, const char *key)
{
	char k[80];
	const char *p;

	snprintf(k, sizeof(k), "\n%s ", key);
	p = strstr(f->out, k);
	if (!p && strncmp(f->out, k + 1, strlen(k + 1)) == 0)
		p = f->out - 1;
	if (!p)
		fail_msg("no '%s' in nic stats", key);
	return strtoull(p + strlen(k), NULL, 10);
}

/* nic stats, then one counter. */
static inline unsigned long long net_fx_counter(struct net_fx *f,
						const char *key)
{
	assert_int_equal(net_fx_cmd(f, "nic stats %u", NET_FX_PORT), 0);
	return net_fx_stat(f, key);
}

/* The guest takes queue q's next packet into f->pkt: 1, or 0 (none). */
static inline int net_fx_get(struct net_fx *f, unsigned int q)
{
	struct ring *r = &f->q[q].gout;
	const char *why;
	uint32_t w, len;
	int n;

	assert_int_equal(ring_rx_begin(r, &w, &why), 0);
	n = ring_rx_next(r, w, f->buf, sizeof(f->buf), &len, &why);
	assert_true(n >= 0);
	if (n == 0)
		return 0;
	assert_int_equal(ring_pkt_parse(f->buf, len, f->m, &f->scratch,
					&f->pkt, &why), 0);
	ring_rx_advance(r, len);
	ring_rx_end(r, w, true);
	return 1;
}

/* A raw guest packet on queue q (not yet rung). */
static inline void net_fx_put(struct net_fx *f, unsigned int q, uint16_t flags,
			      uint64_t tid, const void *msg, uint32_t len)
{
	guest_put_inband(&f->q[q].gin, flags, tid, msg, len);
}

/*
 * A request on queue q, answered: its status, the answer in f->pkt (and
 * its payload copied to out, if given).
 */
static inline uint32_t net_fx_req(struct net_fx *f, unsigned int q,
				  void *msg, uint32_t len)
{
	uint64_t tid = f->tid++;

	net_fx_put(f, q, VMB_PKT_F_COMPLETION_REQUESTED, tid, msg, len);
	channel_doorbell(f->q[q].ch);
	assert_int_equal(net_fx_get(f, q), 1);
	assert_int_equal(f->pkt.type, VMB_PKT_COMPLETION);
	assert_int_equal(f->pkt.trans_id, tid);
	assert_true(f->pkt.payload_len >= sizeof(struct vmb_net_hdr));
	memcpy(msg, f->pkt.payload, f->pkt.payload_len < len ?
	       f->pkt.payload_len : len);
	return le32toh(((const struct vmb_net_hdr *)f->pkt.payload)->status);
}

static inline uint32_t net_fx_init_msg(struct net_fx *f, uint32_t version)
{
	struct vmb_net_init m = {
		.hdr.type = htole32(VMB_NET_INIT),
		.version = htole32(version),
	};

	return net_fx_req(f, 0, &m, sizeof(m));
}

static inline uint32_t net_fx_config(struct net_fx *f, uint32_t caps,
				     struct vmb_net_config *out)
{
	struct vmb_net_config m = {
		.hdr.type = htole32(VMB_NET_CONFIG),
		.caps = htole32(caps),
	};
	uint32_t st = net_fx_req(f, 0, &m, sizeof(m));

	if (out)
		*out = m;
	return st;
}

static inline struct vmb_net_bufs net_fx_bufs_msg(unsigned int q,
						  uint32_t rsize, uint32_t rn,
						  uint32_t ssize, uint32_t sn)
{
	struct vmb_net_bufs b = {
		.hdr.type = htole32(VMB_NET_ATTACH_BUFS),
		.recv_gpadl = htole32(200 + q),
		.recv_section_size = htole32(rsize),
		.recv_sections = htole32(rn),
		.send_gpadl = htole32(300 + q),
		.send_section_size = htole32(ssize),
		.send_sections = htole32(sn),
	};

	return b;
}

static inline uint32_t net_fx_attach(struct net_fx *f, unsigned int q,
				     uint32_t rsize, uint32_t rn)
{
	struct vmb_net_bufs b = net_fx_bufs_msg(q, rsize, rn, 2048, 64);

	return net_fx_req(f, q, &b, sizeof(b));
}

static inline uint32_t net_fx_filter(struct net_fx *f, uint32_t flags)
{
	struct vmb_net_rx_filter m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = htole32(VMB_NET_SET_RX_FILTER);
	m.flags = htole32(flags);
	return net_fx_req(f, 0, &m, sizeof(m));
}

/*
 * The whole init on the primary at the highest version: INIT, CONFIG with
 * caps, ATTACH_BUFS (receive sections rsize x rn), SET_RX_FILTER flags.
 */
static inline void net_fx_up(struct net_fx *f, uint32_t caps, uint32_t rsize,
			     uint32_t rn, uint32_t rxf)
{
	net_fx_open(f, 0);
	assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_1), VMB_NET_S_OK);
	assert_int_equal(net_fx_config(f, caps, NULL), VMB_NET_S_OK);
	assert_int_equal(net_fx_attach(f, 0, rsize, rn), VMB_NET_S_OK);
	assert_int_equal(net_fx_filter(f, rxf), VMB_NET_S_OK);
}

/* The port's MAC as CONFIG gave it. */
static inline void net_fx_mac(struct net_fx *f, uint8_t mac[6])
{
	struct vmb_net_config c;

	(void)c;
	assert_int_equal(net_fx_cmd(f, "nic list"), 0);
	assert_int_equal(sscanf(strstr(f->out, "mac=") + 4,
				"%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0],
				&mac[1], &mac[2], &mac[3], &mac[4], &mac[5]), 6);
}

/* An Ethernet frame of len bytes to dst: ethertype 0x88b5, payload seed. */
static inline void net_fx_frame(uint8_t *fr, uint32_t len, const uint8_t dst[6],
				uint8_t seed)
{
	uint32_t i;

	memcpy(fr, dst, 6);
	memset(fr + 6, 0x22, 6);
	fr[12] = 0x88;
	fr[13] = 0xb5;
	for (i = 14; i < len; i++)
		fr[i] = (uint8_t)(seed + i);
}

/* The "TAP" hands queue q a frame (a zero vnet header unless v). */
static inline void net_fx_tap_put(unsigned int q, const struct virtio_net_hdr *v,
				  const uint8_t *fr, uint32_t len)
{
	static uint8_t msg[TAP_VNET_HDR_LEN + 70000];
	struct virtio_net_hdr z;

	memset(&z, 0, sizeof(z));
	memcpy(msg, v ? v : &z, TAP_VNET_HDR_LEN);
	memcpy(msg + TAP_VNET_HDR_LEN, fr, len);
	assert_int_equal(write(net_fx_peer[q], msg, TAP_VNET_HDR_LEN + len),
			 (ssize_t)(TAP_VNET_HDR_LEN + len));
}

/* What the port wrote to the "TAP" queue q: its length, or -1 (none). */
static inline ssize_t net_fx_tap_get(unsigned int q, struct virtio_net_hdr *v,
				     uint8_t *fr, size_t cap)
{
	static uint8_t msg[TAP_VNET_HDR_LEN + 70000];
	ssize_t n = read(net_fx_peer[q], msg, sizeof(msg));

	if (n < 0)
		return -1;
	assert_true(n >= (ssize_t)TAP_VNET_HDR_LEN);
	memcpy(v, msg, TAP_VNET_HDR_LEN);
	n -= TAP_VNET_HDR_LEN;
	assert_true((size_t)n <= cap);
	memcpy(fr, msg + TAP_VNET_HDR_LEN, (size_t)n);
	return n;
}

/* Let the loop run the TAP fds' callbacks: how many ran. */
static inline int net_fx_loop(struct net_fx *f)
{
	int n, all = 0;

	while ((n = evl_run_once(f->env.loop, 0)) > 0)
		all += n;
	return all;
}

/* Byte off of queue q's receive buffer (the guest reads a frame). */
static inline uint8_t *net_fx_recv_at(struct net_fx *f, unsigned int q,
				      uint64_t off)
{
	return test_page(f->m, NET_FX_RECV_PFN(q) + off / 4096) + off % 4096;
}

static inline uint8_t *net_fx_send_at(struct net_fx *f, unsigned int q,
				      uint64_t off)
{
	return test_page(f->m, NET_FX_SEND_PFN(q) + off / 4096) + off % 4096;
}

/* The guest completes a RECV it took (trans_id tid) on queue q. */
static inline void net_fx_complete(struct net_fx *f, unsigned int q,
				   uint64_t tid)
{
	struct vmb_net_hdr h = { .type = htole32(VMB_NET_RECV) };

	guest_put(&f->q[q].gin, VMB_PKT_COMPLETION, 2, 3, 0, tid, &h, sizeof(h));
	channel_doorbell(f->q[q].ch);
}

#endif
