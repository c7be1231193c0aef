// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The network device class: see backends/net.h and include/vmb_net.h.
 *
 * A port's struct net_dev (its options, its TAP's queue fds, the state of
 * the device the guest set up, the counters) is shared by the primary
 * channel and its sub-channels; each open channel has a struct net_chan:
 * its two buffers (GPADLs of its own), which receive sections the host
 * holds, and the RECVs the guest has not completed yet.
 *
 * Transmit: a SEND is checked whole, then its frame (in a send section or
 * in GPA ranges) goes to the queue's TAP fd behind a vnet header in one
 * writev, and is completed at once.
 *
 * Receive: once the guest set a filter, every TAP queue fd is watched.  A
 * frame read from TAP queue i is filtered, hashed to a queue (RSS) and
 * copied into a run of free sections of that queue's receive buffer; up
 * to VMB_NET_RECV_MAX frames make one RECV, sent when a read round ends or
 * the batch is full.  A frame that finds no sections, no RECV slot or no
 * ring room stays in its TAP queue's buffer and that fd is no longer
 * watched; a RECV completion or the guest's signal of ring room (pass_end)
 * retries it and watches the fd again.  Nothing polls.
 */
#include <endian.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backends/nethash.h"
#include "backends/net.h"
#include "core/chanmgr.h"
#include "core/cmd.h"
#include "core/evloop.h"
#include "core/gpa.h"
#include "core/guid.h"
#include "core/log.h"

#define NET_QMAX	VMB_NET_QUEUES_MAX
#define NET_BUF_LEN	(TAP_VNET_HDR_LEN + VMB_NET_GSO_FRAME_MAX + 4)
#define NET_IOV_MAX	64
#define NET_READ_BUDGET	256	/* frames per TAP fd per callback */
#define ETH_ALEN_	6
#define ETH_HLEN_	14

const struct tap_ops *net_tap = &tap_linux;

/* Ports whose TAP is open: a second port on one TAP is refused. */
static struct net_dev *net_devs;

const char *const net_bad_name[NET_BAD_COUNT] = {
	[NET_BAD_SIZE] = "bad_size",
	[NET_BAD_TYPE] = "bad_type",
	[NET_BAD_STATUS] = "bad_status",
	[NET_BAD_PKT] = "bad_packet_type",
	[NET_BAD_NO_COMPLETION] = "no_completion_requested",
	[NET_BAD_STATE] = "bad_state",
	[NET_BAD_RESERVED] = "bad_reserved",
	[NET_BAD_FIELD] = "bad_field",
	[NET_BAD_SECTION] = "bad_section",
	[NET_BAD_LENGTH] = "bad_length",
	[NET_BAD_RANGES] = "bad_ranges",
	[NET_BAD_META] = "bad_meta",
	[NET_BAD_COMPLETION] = "bad_completion",
	[NET_BAD_UNKNOWN_COMPLETION] = "unknown_completion",
};

/* A one-shot malformation of the next RECV (nic fault N KIND). */
enum net_fault {
	NET_FAULT_NONE,
	NET_FAULT_BAD_SECTION,
	NET_FAULT_BAD_LENGTH,
	NET_FAULT_BAD_META,
	NET_FAULT_UNKNOWN_COMPLETION,
	NET_FAULT_COUNT,
};

static const char *const net_fault_name[NET_FAULT_COUNT] = {
	[NET_FAULT_BAD_SECTION] = "bad_section",
	[NET_FAULT_BAD_LENGTH] = "bad_length",
	[NET_FAULT_BAD_META] = "bad_meta",
	[NET_FAULT_UNKNOWN_COMPLETION] = "unknown_completion",
};

struct net_dev;

/* One TAP queue fd and the frame read from it but not yet delivered. */
struct net_tapq {
	struct net_dev *dev;
	unsigned int q;
	int fd;
	bool watched;			/* in the event loop */
	bool stalled;			/* left out of it: waiting for room */
	bool pending;			/* buf holds a frame (len bytes) */
	uint32_t len;
	uint8_t *buf;			/* vnet header + frame */
};

/* Sections a RECV's frame holds: count of them from section. */
struct net_run {
	uint32_t section, count;
};

/* A RECV sent and not yet completed (or the one being filled). */
struct net_slot {
	bool used;
	uint32_t gen;			/* trans_id = gen << 32 | slot + 1 */
	unsigned int n;
	struct net_run run[VMB_NET_RECV_MAX];
};

struct net_chan {
	struct channel *ch;
	struct net_dev *dev;
	unsigned int q;			/* 0: primary; n: sub-channel n */
	bool attached;			/* ATTACH_BUFS succeeded */
	struct gpadl *rg, *sg;		/* receive and send buffers */
	uint32_t rsize, rcount, ssize, scount;
	uint64_t *used;			/* receive sections the guest holds */
	uint32_t nfree, hint;
	struct net_slot slot[NET_RECV_SLOTS];
	uint32_t gen;
	int batch;			/* the slot being filled, or -1 */
	struct {
		struct vmb_net_recv r;
		struct vmb_net_rx_desc d[VMB_NET_RECV_MAX];
	} msg;
};

/* Options given, for "given twice". */
#define NET_OPT_TAP	0x01
#define NET_OPT_MAC	0x02
#define NET_OPT_MTU	0x04
#define NET_OPT_QUEUES	0x08
#define NET_OPT_VERSION	0x10

struct net_dev {
	struct net_dev *next;		/* net_devs: every port with its TAP open */
	/* the options */
	unsigned int given;		/* NET_OPT_* */
	char tap[IFNAMSIZ];
	uint8_t mac[ETH_ALEN_];
	bool has_mac;			/* given, or derived from the instance */
	uint32_t mtu;
	unsigned int queues;
	uint32_t version_max;
	/* the TAP */
	bool tap_open;
	struct net_tapq tq[NET_QMAX];
	struct evl *loop;
	bool link_up;
	enum net_fault fault;
	/* the device as the guest set it up; reset when the primary closes */
	struct net_chan *chan[NET_QMAX];
	uint32_t version;		/* 0: no INIT accepted yet */
	bool configured;
	uint32_t caps;			/* granted */
	uint8_t port_mac[ETH_ALEN_];
	unsigned int subchannels;
	bool started;			/* the first SET_RX_FILTER came */
	uint32_t rxf;
	unsigned int mc_count;
	uint8_t mc[VMB_NET_MC_MAX][ETH_ALEN_];
	uint32_t rss_types;		/* 0: everything to queue 0 */
	uint8_t rss_key[VMB_NET_RSS_KEY_LEN];
	uint8_t indir[VMB_NET_RSS_INDIR_LEN];
	struct net_qstats st[NET_QMAX];
	struct net_qstats total;	/* net_chan_qstats()'s sum */
};

union net_msg {
	struct vmb_net_hdr hdr;
	struct vmb_net_init init;
	struct vmb_net_config config;
	struct vmb_net_bufs bufs;
	struct vmb_net_subchannels subs;
	struct vmb_net_rss rss;
	struct vmb_net_rx_filter rxf;
	struct vmb_net_mac mac;
	struct vmb_net_send send;
};

static struct net_dev *dev_of(const struct channel *ch)
{
	return ch->conf ? ch->conf->conf : NULL;
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

static void dev_resume(struct net_dev *d);
static void tap_watch(struct net_tapq *t, bool on);

/* ------------------------------------------------------------------ */
/* Options                                                             */

static int __attribute__((format(printf, 2, 3)))
fail(const char **err, const char *fmt, ...)
{
	static char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*err = msg;
	return -1;
}

static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[ETH_ALEN_])
{
	unsigned int b[ETH_ALEN_], i;
	char tail;

	if (!s || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -1;
	for (i = 0; i < ETH_ALEN_; i++) {
		if (s[3 * i + 2] != ':' && i < 5)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static bool mac_unicast_ok(const uint8_t mac[ETH_ALEN_])
{
	return !(mac[0] & 1) && !zero(mac, ETH_ALEN_);
}

static struct net_dev *dev_get(void **conf, const char **err)
{
	struct net_dev *d = *conf;
	unsigned int q;

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d) {
		*err = "out of memory";
		return NULL;
	}
	d->mtu = NET_MTU_DEFAULT;
	d->queues = 1;
	d->version_max = VMB_NET_VERSION_CURRENT;
	d->link_up = true;
	for (q = 0; q < NET_QMAX; q++) {
		d->tq[q].dev = d;
		d->tq[q].q = q;
		d->tq[q].fd = -1;
	}
	*conf = d;
	return d;
}

/* One KEY=VALUE of a port. */
static int dev_opt(struct net_dev *d, const char *key, const char *value,
		   const char **err)
{
	static const struct {
		const char *key;
		unsigned int bit;
	} keys[] = {
		{ "tap", NET_OPT_TAP }, { "mac", NET_OPT_MAC },
		{ "mtu", NET_OPT_MTU }, { "queues", NET_OPT_QUEUES },
		{ "version", NET_OPT_VERSION },
	};
	unsigned int i;
	uint64_t v;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i].key) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return fail(err, "unknown option '%s' (tap=NAME, mac=M, mtu=N, queues=Q, version=1.0|1.1)",
			    key);
	if (d->given & keys[i].bit)
		return fail(err, "%s= given twice", key);
	if (!value)
		return fail(err, "%s needs a value (%s=...)", key, key);
	d->given |= keys[i].bit;
	switch (keys[i].bit) {
	case NET_OPT_TAP:
		if (!value[0] || strlen(value) >= IFNAMSIZ || strchr(value, '/') ||
		    strchr(value, ' ') || strcmp(value, ".") == 0 ||
		    strcmp(value, "..") == 0)
			return fail(err, "tap=%s: not an interface name (1..%u characters, no '/' or space)",
				    value, IFNAMSIZ - 1);
		strcpy(d->tap, value);
		return 0;
	case NET_OPT_MAC:
		if (parse_mac(value, d->mac) < 0 || !mac_unicast_ok(d->mac))
			return fail(err, "mac=%s: not a unicast MAC address (xx:xx:xx:xx:xx:xx, not multicast, not zero)",
				    value);
		d->has_mac = true;
		return 0;
	case NET_OPT_MTU:
		if (parse_uint(value, VMB_NET_MTU_MIN, VMB_NET_MTU_MAX, &v) < 0)
			return fail(err, "mtu=%s: not an MTU %u..%u", value,
				    VMB_NET_MTU_MIN, VMB_NET_MTU_MAX);
		d->mtu = (uint32_t)v;
		return 0;
	case NET_OPT_QUEUES:
		if (parse_uint(value, 1, NET_QMAX, &v) < 0)
			return fail(err, "queues=%s: not a queue count 1..%u",
				    value, NET_QMAX);
		d->queues = (unsigned int)v;
		return 0;
	default:
		if (strcmp(value, "1.0") == 0)
			d->version_max = VMB_NET_VERSION_1_0;
		else if (strcmp(value, "1.1") == 0)
			d->version_max = VMB_NET_VERSION_1_1;
		else
			return fail(err, "version=%s: 1.0 or 1.1", value);
		return 0;
	}
}

/* All options are in: open the TAP. */
static int dev_finish(struct net_dev *d, const char **err)
{
	struct net_dev *o;
	int fd[NET_QMAX];
	unsigned int q;

	if (d->tap_open)
		return 0;
	if (!d->tap[0])
		return fail(err, "tap=NAME is missing");
	for (o = net_devs; o; o = o->next)
		if (strcmp(o->tap, d->tap) == 0)
			return fail(err, "TAP '%s' is another port's already",
				    d->tap);
	if (net_tap->open(d->tap, d->queues, fd, err) < 0)
		return -1;
	for (q = 0; q < d->queues; q++) {
		d->tq[q].fd = fd[q];
		d->tq[q].buf = malloc(NET_BUF_LEN);
		if (!d->tq[q].buf) {
			*err = "out of memory";
			return -1;	/* free_conf closes what is open */
		}
	}
	d->tap_open = true;
	d->next = net_devs;
	net_devs = d;
	return 0;
}

static int net_parse_opt(void **conf, const char *key, const char *value,
			 const char **err)
{
	struct net_dev *d = dev_get(conf, err);

	return d ? dev_opt(d, key, value, err) : -1;
}

static int net_conf_done(void *conf, const char **err)
{
	return dev_finish(conf, err);
}

/* "tap=NAME[,KEY=VALUE...]": --nic and nic add. */
static int dev_parse_spec(void **conf, const char *arg, const char **err)
{
	char *buf = strdup(arg), *rest = buf, *opt, *eq;
	struct net_dev *d;
	int ret = -1;

	if (!buf) {
		*err = "out of memory";
		return -1;
	}
	d = dev_get(conf, err);
	if (!d)
		goto out;
	while ((opt = strsep(&rest, ","))) {
		eq = strchr(opt, '=');
		if (eq)
			*eq++ = '\0';
		if (!opt[0]) {
			*err = "an empty option";
			goto out;
		}
		if (dev_opt(d, opt, eq, err) < 0)
			goto out;
	}
	ret = dev_finish(d, err);
out:
	free(buf);
	return ret;
}

static const struct vmbd_class_opt net_cmdline_opts[] = {
	{ "nic", "tap=NAME[,mac=M][,mtu=N][,queues=Q][,version=1.0|1.1]",
	  "a network port on TAP NAME (mtu 68..9000, default 1500; queues 1..16)",
	  dev_parse_spec, true },
	{ NULL, NULL, NULL, NULL, false }
};

static void dev_free(void *conf)
{
	struct net_dev *d = conf, **pp;
	unsigned int q;

	if (!d)
		return;
	for (pp = &net_devs; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	for (q = 0; q < NET_QMAX; q++) {
		if (d->tq[q].watched && d->loop)
			evl_del_fd(d->loop, d->tq[q].fd);
		if (d->tq[q].fd >= 0)
			net_tap->close(d->tq[q].fd);
		free(d->tq[q].buf);
	}
	free(d);
}

/* mac= not given: 02 and five bytes of a hash of the instance (or name). */
static void dev_default_mac(struct net_dev *d, const uint8_t *instance)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const uint8_t *p = instance ? instance : (const uint8_t *)d->tap;
	size_t n = instance ? VMB_GUID_LEN : strlen(d->tap), i;

	if (d->has_mac)
		return;
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	d->mac[0] = 0x02;	/* locally administered, unicast */
	for (i = 1; i < ETH_ALEN_; i++)
		d->mac[i] = (uint8_t)(h >> (8 * i));
	d->has_mac = true;
}

/* ------------------------------------------------------------------ */
/* Receive sections and RECV slots                                     */

static bool sec_used(const struct net_chan *nc, uint32_t i)
{
	return nc->used[i / 64] >> (i % 64) & 1;
}

static void sec_mark(struct net_chan *nc, uint32_t first, uint32_t n, bool on)
{
	uint32_t i;

	for (i = first; i < first + n; i++) {
		if (on)
			nc->used[i / 64] |= 1ULL << (i % 64);
		else
			nc->used[i / 64] &= ~(1ULL << (i % 64));
	}
	if (on)
		nc->nfree -= n;
	else
		nc->nfree += n;
}

/* n consecutive free sections, next-fit from the hint.  -1: none. */
static int64_t sec_alloc(struct net_chan *nc, uint32_t n)
{
	uint32_t start, i, run = 0, first = 0, tries;

	if (n > nc->nfree || n > nc->rcount)
		return -1;
	start = nc->hint < nc->rcount ? nc->hint : 0;
	/* a run does not wrap: look from start to the end, then from 0 */
	for (tries = 0; tries < 2; tries++) {
		run = 0;
		for (i = tries ? 0 : start; i < nc->rcount; i++) {
			if (!(i % 64) && nc->used[i / 64] == ~0ULL &&
			    i + 64 <= nc->rcount) {
				run = 0;
				i += 63;
				continue;
			}
			if (sec_used(nc, i)) {
				run = 0;
				continue;
			}
			if (!run++)
				first = i;
			if (run == n) {
				sec_mark(nc, first, n, true);
				nc->hint = first + n;
				return first;
			}
		}
	}
	return -1;
}

static int slot_get(struct net_chan *nc)
{
	unsigned int i;

	for (i = 0; i < NET_RECV_SLOTS; i++)
		if (!nc->slot[i].used) {
			nc->slot[i].used = true;
			nc->slot[i].n = 0;
			nc->slot[i].gen = ++nc->gen ? nc->gen : ++nc->gen;
			return (int)i;
		}
	return -1;
}

static void slot_put(struct net_chan *nc, unsigned int i)
{
	struct net_slot *s = &nc->slot[i];
	unsigned int k;

	for (k = 0; k < s->n; k++)
		sec_mark(nc, s->run[k].section, s->run[k].count, false);
	s->n = 0;
	s->used = false;
}

static uint64_t slot_tid(const struct net_chan *nc, unsigned int i)
{
	return (uint64_t)nc->slot[i].gen << 32 | (i + 1);
}

/* Copy len bytes to byte off of GPADL g (inside it: checked at attach). */
static void gpadl_write(struct gpadl *g, uint64_t off, const uint8_t *src,
			uint32_t len)
{
	while (len) {
		uint32_t po = (uint32_t)(off % VMB_PAGE_SIZE);
		uint32_t n = VMB_PAGE_SIZE - po;

		if (n > len)
			n = len;
		memcpy(g->page[off / VMB_PAGE_SIZE] + po, src, n);
		off += n;
		src += n;
		len -= n;
	}
}

/* ------------------------------------------------------------------ */
/* Sending to the guest                                                */

static void flush_signal(struct channel *ch)
{
	if (ch->signal && !ch->broken)
		channel_signal_guest(ch);
	ch->signal = false;
}

/* The RECV being filled goes out; false if the ring has no room now. */
static bool recv_flush(struct net_chan *nc)
{
	struct net_dev *d = nc->dev;
	struct net_slot *s;
	uint32_t len, n;
	uint64_t tid;

	if (nc->batch < 0)
		return true;
	s = &nc->slot[nc->batch];
	n = s->n;
	len = (uint32_t)(sizeof(nc->msg.r) + n * sizeof(nc->msg.d[0]));
	if (!channel_tx_room(nc->ch, len + 64))
		return false;
	nc->msg.r.hdr.type = htole32(VMB_NET_RECV);
	nc->msg.r.hdr.status = 0;
	nc->msg.r.count = htole32(n);
	nc->msg.r.reserved = 0;
	tid = slot_tid(nc, (unsigned int)nc->batch);
	if (d->fault != NET_FAULT_NONE) {
		struct vmb_net_rx_desc *x = &nc->msg.d[0];
		struct vmb_net_hdr h = { .type = htole32(VMB_NET_SEND) };

		switch (d->fault) {
		case NET_FAULT_BAD_SECTION:
			x->section = htole32(nc->rcount + 7);
			break;
		case NET_FAULT_BAD_LENGTH:
			x->len = htole32((nc->rcount - le32toh(x->section)) *
					 nc->rsize + 1);
			break;
		case NET_FAULT_BAD_META:
			x->meta.flags |= htole16(0x8000);
			x->meta.gso_type = 7;
			break;
		default:
			/* a completion the guest never asked for */
			channel_send(nc->ch, VMB_PKT_COMPLETION, 0,
				     0x5a5a5a5a00000000ULL | (tid & 0xffff), &h,
				     sizeof(h));
			break;
		}
		d->fault = NET_FAULT_NONE;
		d->st[nc->q].injected++;
	}
	channel_send(nc->ch, VMB_PKT_INBAND, VMB_PKT_F_COMPLETION_REQUESTED,
		     tid, &nc->msg, len);
	d->st[nc->q].recvs++;
	nc->batch = -1;
	return true;
}

/*
 * The frame in t's buffer, to the guest or dropped: true.  False: it must
 * wait for room (sections, a slot, the ring) on the queue it goes to.
 */
static bool rx_frame(struct net_dev *d, struct net_tapq *t)
{
	struct virtio_net_hdr v;
	struct net_qstats *st = &d->st[t->q];
	uint8_t *frame = t->buf + TAP_VNET_HDR_LEN;
	uint32_t flen, max, hash = 0, htype = 0, need;
	unsigned int q = 0, vlan = 0;
	struct vmb_net_rx_desc *x;
	struct vmb_net_meta meta;
	struct net_chan *nc;
	struct net_slot *s;
	uint16_t tci = 0;
	int64_t sec;

	if (t->len < TAP_VNET_HDR_LEN + ETH_HLEN_) {
		st->rx_drop_bad++;
		return true;
	}
	flen = t->len - TAP_VNET_HDR_LEN;
	memcpy(&v, t->buf, sizeof(v));
	if (!d->started || !d->link_up) {
		st->rx_drop_link++;
		return true;
	}
	if (!net_rx_filter_pass(d->rxf, d->port_mac,
				(const uint8_t (*)[6])d->mc, d->mc_count,
				frame)) {
		st->rx_drop_filter++;
		return true;
	}
	if ((d->caps & VMB_NET_CAP_VLAN) && flen >= ETH_HLEN_ + 4 &&
	    frame[12] == 0x81 && frame[13] == 0x00) {
		tci = (uint16_t)(frame[14] << 8 | frame[15]);
		memmove(frame + 4, frame, 12);
		frame += 4;
		flen -= 4;
		vlan = 4;
	}
	if (net_vnet_to_meta(&v, d->caps, frame, flen, vlan, &meta) < 0) {
		st->rx_drop_bad++;
		return true;
	}
	if (v.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM &&
	    !(meta.flags & htole16(VMB_NET_M_CSUM_NEEDED))) {
		/* a partial checksum the guest did not ask for: finish it */
		uint32_t cs = le16toh(v.csum_start) - vlan, sum = 0, i;
		uint32_t at = cs + le16toh(v.csum_offset);

		if (le16toh(v.csum_start) < vlan || at + 2 > flen) {
			st->rx_drop_bad++;
			return true;
		}
		for (i = cs; i + 1 < flen; i += 2)
			sum += (uint32_t)(frame[i] << 8 | frame[i + 1]);
		if (i < flen)
			sum += (uint32_t)frame[i] << 8;
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		frame[at] = (uint8_t)(sum >> 8);
		frame[at + 1] = (uint8_t)sum;
	}
	max = meta.gso_type ? VMB_NET_GSO_FRAME_MAX : d->mtu + VMB_NET_L2_HLEN;
	if (flen < ETH_HLEN_ || flen > max) {
		st->rx_drop_big++;
		return true;
	}
	if (vlan) {
		meta.flags |= htole16(VMB_NET_M_VLAN);
		meta.vlan_tci = htole16(tci);
	}
	if (d->rss_types && (d->caps & VMB_NET_CAP_RSS)) {
		htype = net_rss_hash(d->rss_key, d->rss_types, frame, flen, &hash);
		if (htype) {
			q = d->indir[hash % VMB_NET_RSS_INDIR_LEN];
			meta.flags |= htole16(VMB_NET_M_HASH);
			meta.hash_type = (uint8_t)htype;
			meta.hash = htole32(hash);
		}
	}
	if (q >= NET_QMAX || !d->chan[q] || !d->chan[q]->attached)
		q = 0;
	nc = d->chan[q];
	if (!nc || !nc->attached || nc->ch->broken) {
		/* no queue to take it, nor one that ever will */
		st->rx_drop_link++;
		return true;
	}
	need = (flen + nc->rsize - 1) / nc->rsize;
	if (need > nc->rcount) {
		st->rx_drop_big++;
		return true;
	}
	if (nc->batch >= 0 && nc->slot[nc->batch].n == VMB_NET_RECV_MAX &&
	    !recv_flush(nc))
		return false;
	if (nc->batch < 0) {
		nc->batch = slot_get(nc);
		if (nc->batch < 0)
			return false;
	}
	sec = sec_alloc(nc, need);
	if (sec < 0) {
		/* what is batched goes out; this one waits for completions */
		if (!nc->slot[nc->batch].n) {
			nc->slot[nc->batch].used = false;
			nc->batch = -1;
		} else {
			recv_flush(nc);
		}
		return false;
	}
	s = &nc->slot[nc->batch];
	gpadl_write(nc->rg, (uint64_t)sec * nc->rsize, frame, flen);
	s->run[s->n].section = (uint32_t)sec;
	s->run[s->n].count = need;
	x = &nc->msg.d[s->n++];
	x->section = htole32((uint32_t)sec);
	x->len = htole32(flen);
	x->meta = meta;
	d->st[q].rx_frames++;
	d->st[q].rx_bytes += flen;
	if (meta.gso_type)
		d->st[q].rx_gso++;
	if (meta.flags & htole16(VMB_NET_M_CSUM_VALID))
		d->st[q].rx_csum_valid++;
	return true;
}

/* Every queue's RECV being filled goes out (as far as the rings allow). */
static void recv_flush_all(struct net_dev *d)
{
	unsigned int q;

	for (q = 0; q < NET_QMAX; q++)
		if (d->chan[q] && d->chan[q]->batch >= 0) {
			recv_flush(d->chan[q]);
			flush_signal(d->chan[q]->ch);
		}
}

/* Read t until it is empty, the budget ends, or a frame must wait. */
static void tap_read(struct net_tapq *t)
{
	struct net_dev *d = t->dev;
	unsigned int n;
	ssize_t r;

	for (n = 0; n < NET_READ_BUDGET; n++) {
		if (!t->pending) {
			r = read(t->fd, t->buf, NET_BUF_LEN);
			if (r < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				/* the TAP went away: stop, rather than spin */
				log_warn("net %s: TAP queue %u: read: %s; no more frames from it",
					 d->tap, t->q, strerror(errno));
				tap_watch(t, false);
				break;
			}
			t->len = (uint32_t)r;
			t->pending = true;
		}
		if (!rx_frame(d, t)) {
			d->st[t->q].rx_stalls++;
			t->stalled = true;
			tap_watch(t, false);
			break;
		}
		t->pending = false;
	}
}

static void on_tap(struct evl *loop, int fd, uint32_t events, void *arg)
{
	struct net_tapq *t = arg;

	(void)loop;
	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP)) {
		log_warn("net %s: TAP queue %u failed: no more frames from it",
			 t->dev->tap, t->q);
		tap_watch(t, false);
		return;
	}
	tap_read(t);
	recv_flush_all(t->dev);
}

static void tap_watch(struct net_tapq *t, bool on)
{
	struct net_dev *d = t->dev;

	if (on == t->watched || t->fd < 0 || !d->loop)
		return;
	if (on) {
		if (evl_add_fd(d->loop, t->fd, EPOLLIN, on_tap, t) < 0) {
			log_warn("net %s: cannot watch TAP queue %u", d->tap, t->q);
			return;
		}
	} else {
		evl_del_fd(d->loop, t->fd);
	}
	t->watched = on;
}

/* Room may have come: retry the frames that waited, watch their fds. */
static void dev_resume(struct net_dev *d)
{
	unsigned int q;

	for (q = 0; q < d->queues; q++) {
		struct net_tapq *t = &d->tq[q];

		if (!t->stalled || !d->started)
			continue;
		/* the frame that waited, and on while there is room */
		t->stalled = false;
		tap_read(t);
		if (!t->stalled)
			tap_watch(t, true);
	}
	recv_flush_all(d);
}

static void send_link(struct net_dev *d)
{
	struct vmb_net_link m = {
		.hdr.type = htole32(VMB_NET_LINK_STATUS),
		.link_up = htole32(d->link_up),
	};

	if (!d->chan[0] || !d->configured)
		return;
	channel_send(d->chan[0]->ch, VMB_PKT_INBAND, 0, 0, &m, sizeof(m));
	flush_signal(d->chan[0]->ch);
}

/* ------------------------------------------------------------------ */
/* Frames and metadata                                                 */

bool net_rx_filter_pass(uint32_t flags, const uint8_t port_mac[6],
			const uint8_t (*mc)[6], unsigned int mc_count,
			const uint8_t dst[6])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned int i;

	if (flags & VMB_NET_RXF_PROMISC)
		return true;
	if (memcmp(dst, bcast, 6) == 0)
		return flags & VMB_NET_RXF_BROADCAST;
	if (dst[0] & 1) {
		if (flags & VMB_NET_RXF_ALLMULTI)
			return true;
		if (!(flags & VMB_NET_RXF_MULTICAST))
			return false;
		for (i = 0; i < mc_count && i < VMB_NET_MC_MAX; i++)
			if (memcmp(dst, mc[i], 6) == 0)
				return true;
		return false;
	}
	return (flags & VMB_NET_RXF_UNICAST) && memcmp(dst, port_mac, 6) == 0;
}

void net_meta_to_vnet(const struct vmb_net_meta *m, unsigned int vlan_shift,
		      struct virtio_net_hdr *v)
{
	uint16_t flags = le16toh(m->flags);

	memset(v, 0, sizeof(*v));
	if (flags & VMB_NET_M_CSUM_NEEDED) {
		v->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		v->csum_start = htole16((uint16_t)(le16toh(m->csum_start) +
						   vlan_shift));
		v->csum_offset = m->csum_offset;
	}
	if (m->gso_type == VMB_NET_GSO_NONE) {
		v->gso_type = VIRTIO_NET_HDR_GSO_NONE;
		return;
	}
	v->gso_type = m->gso_type == VMB_NET_GSO_TCPV4 ?
		VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	if (flags & VMB_NET_M_GSO_ECN)
		v->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	v->gso_size = m->gso_size;
	v->hdr_len = htole16((uint16_t)(le16toh(m->hdr_len) + vlan_shift));
}

int net_vnet_to_meta(const struct virtio_net_hdr *v, uint32_t caps,
		     const uint8_t *frame, uint32_t len,
		     unsigned int vlan_shift, struct vmb_net_meta *m)
{
	uint8_t gso = v->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t cs = le16toh(v->csum_start), co = le16toh(v->csum_offset);
	uint16_t flags = 0;

	memset(m, 0, sizeof(*m));
	if ((v->flags & VIRTIO_NET_HDR_F_DATA_VALID) &&
	    (caps & VMB_NET_CAP_RX_CSUM))
		flags |= VMB_NET_M_CSUM_VALID;
	if (gso != VIRTIO_NET_HDR_GSO_NONE) {
		uint32_t l4, hl;

		if (!(caps & VMB_NET_CAP_RX_GSO) ||
		    (gso != VIRTIO_NET_HDR_GSO_TCPV4 &&
		     gso != VIRTIO_NET_HDR_GSO_TCPV6) ||
		    !(v->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
		    !le16toh(v->gso_size))
			return -1;
		/* the headers end where the TCP header does */
		if (cs < vlan_shift)
			return -1;
		l4 = cs - vlan_shift;
		if (l4 + 20 > len)
			return -1;
		hl = l4 + (uint32_t)(frame[l4 + 12] >> 4) * 4;
		if (hl < l4 + 20 || hl >= len)
			return -1;
		m->gso_type = gso == VIRTIO_NET_HDR_GSO_TCPV4 ?
			VMB_NET_GSO_TCPV4 : VMB_NET_GSO_TCPV6;
		m->gso_size = v->gso_size;
		m->hdr_len = htole16((uint16_t)hl);
		if (v->gso_type & VIRTIO_NET_HDR_GSO_ECN)
			flags |= VMB_NET_M_GSO_ECN;
	}
	if ((v->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (caps & VMB_NET_CAP_RX_GSO)) {
		if (cs < vlan_shift || cs - vlan_shift + co + 2 > len)
			return -1;
		flags |= VMB_NET_M_CSUM_NEEDED;
		m->csum_start = htole16((uint16_t)(cs - vlan_shift));
		m->csum_offset = htole16((uint16_t)co);
	}
	m->flags = htole16(flags);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Guest requests                                                      */

static void reply(struct net_chan *nc, uint64_t tid, union net_msg *m,
		  uint32_t len, uint32_t status)
{
	m->hdr.status = htole32(status);
	channel_send(nc->ch, VMB_PKT_COMPLETION, 0, tid, m, len);
}

#define INVALID(why) (*bad = (why), VMB_NET_S_INVALID)

static bool version_known(uint32_t v)
{
	return v == VMB_NET_VERSION_1_0 || v == VMB_NET_VERSION_1_1;
}

static uint32_t do_init(struct net_chan *nc, const struct ring_pkt *pkt,
			union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	uint32_t v = le32toh(m->init.version);

	(void)pkt;
	if (m->init.reserved)
		return INVALID(NET_BAD_RESERVED);
	if (!version_known(v) || v > d->version_max) {
		m->init.version = htole32(d->version_max);
		return VMB_NET_S_UNSUPPORTED_VERSION;
	}
	d->version = v;
	return VMB_NET_S_OK;
}

static void set_offload(struct net_dev *d, unsigned int flags)
{
	int r;

	if (!d->tap_open)
		return;
	r = net_tap->set_offload(d->tq[0].fd, flags);
	if (r < 0)
		log_warn("net %s: TUNSETOFFLOAD %#x: %s", d->tap, flags,
			 strerror(-r));
}

static uint32_t do_config(struct net_chan *nc, const struct ring_pkt *pkt,
			  union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	struct vmb_net_config *c = &m->config;
	uint32_t caps = le32toh(c->caps), host = NET_HOST_CAPS;

	(void)pkt;
	if (caps & ~(uint32_t)VMB_NET_CAP_ALL)
		return INVALID(NET_BAD_FIELD);
	if (c->mtu_max || !zero(c->mac, sizeof(c->mac)) || c->max_queues ||
	    c->link_up || c->reserved)
		return INVALID(NET_BAD_RESERVED);
	if (d->version < VMB_NET_VERSION_1_1)
		host &= ~(uint32_t)VMB_NET_CAP_RSS;
	caps &= host;
	if (caps & VMB_NET_CAP_RX_GSO) {
		if (net_tap->set_offload(d->tq[0].fd, TUN_F_CSUM | TUN_F_TSO4 |
					 TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) {
			log_warn("net %s: the TAP takes no TSO frames: RX_GSO not granted",
				 d->tap);
			caps &= ~(uint32_t)VMB_NET_CAP_RX_GSO;
		}
	} else {
		set_offload(d, 0);
	}
	d->caps = caps;
	d->configured = true;
	c->caps = htole32(caps);
	c->mtu_max = htole32(d->mtu);
	memcpy(c->mac, d->port_mac, sizeof(c->mac));
	c->max_queues = htole16((uint16_t)(d->version >= VMB_NET_VERSION_1_1 ?
					   d->queues : 1));
	c->link_up = htole32(d->link_up);
	return VMB_NET_S_OK;
}

static uint32_t do_attach(struct net_chan *nc, const struct ring_pkt *pkt,
			  union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	struct vmb_net_bufs *b = &m->bufs;
	uint32_t rs = le32toh(b->recv_section_size), rn = le32toh(b->recv_sections);
	uint32_t ss = le32toh(b->send_section_size), sn = le32toh(b->send_sections);
	uint64_t largest = (d->caps & VMB_NET_CAP_RX_GSO) ?
		VMB_NET_GSO_FRAME_MAX : d->mtu + VMB_NET_L2_HLEN;
	struct gpadl *rg, *sg;

	(void)pkt;
	rg = channel_gpadl(nc->ch, le32toh(b->recv_gpadl));
	sg = channel_gpadl(nc->ch, le32toh(b->send_gpadl));
	/* the rings' GPADL is not a buffer, and the two are not one */
	if (!rg || !sg || rg == sg || rg == nc->ch->gpadl || sg == nc->ch->gpadl)
		return INVALID(NET_BAD_FIELD);
	if (rs % 64 || rs < VMB_NET_SECTION_MIN || rs > VMB_NET_SECTION_MAX ||
	    ss % 64 || ss < VMB_NET_SECTION_MIN || ss > VMB_NET_SECTION_MAX ||
	    !rn || !sn ||
	    (uint64_t)rs * rn > (uint64_t)rg->nr_pages * VMB_PAGE_SIZE ||
	    (uint64_t)ss * sn > (uint64_t)sg->nr_pages * VMB_PAGE_SIZE ||
	    (uint64_t)rs * rn < largest)
		return INVALID(NET_BAD_FIELD);
	nc->used = calloc((rn + 63) / 64, sizeof(uint64_t));
	if (!nc->used)
		return VMB_NET_S_NO_RESOURCES;
	nc->rg = rg;
	nc->sg = sg;
	rg->users++;
	sg->users++;
	nc->rsize = rs;
	nc->rcount = rn;
	nc->ssize = ss;
	nc->scount = sn;
	nc->nfree = rn;
	nc->hint = 0;
	nc->attached = true;
	return VMB_NET_S_OK;
}

static uint32_t do_subchannels(struct net_chan *nc, const struct ring_pkt *pkt,
			       union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	uint16_t n = le16toh(m->subs.count);

	(void)pkt;
	if (m->subs.reserved0 || m->subs.reserved1)
		return INVALID(NET_BAD_RESERVED);
	if (!n)
		return INVALID(NET_BAD_FIELD);
	if (n > d->queues - 1)
		return VMB_NET_S_NO_RESOURCES;
	d->subchannels = n;
	return VMB_NET_S_OK;
}

static uint32_t do_rss(struct net_chan *nc, const struct ring_pkt *pkt,
		       union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	const struct vmb_net_rss *r = &m->rss;
	uint32_t types = le32toh(r->hash_types);
	unsigned int i;

	(void)pkt;
	if (r->reserved)
		return INVALID(NET_BAD_RESERVED);
	if (!(d->caps & VMB_NET_CAP_RSS) || types & ~(uint32_t)VMB_NET_HASH_ALL)
		return INVALID(NET_BAD_FIELD);
	for (i = 0; i < VMB_NET_RSS_INDIR_LEN; i++)
		if (r->indir[i] >= NET_QMAX || !d->chan[r->indir[i]] ||
		    !d->chan[r->indir[i]]->attached)
			return INVALID(NET_BAD_FIELD);
	d->rss_types = types;
	memcpy(d->rss_key, r->key, sizeof(d->rss_key));
	memcpy(d->indir, r->indir, sizeof(d->indir));
	return VMB_NET_S_OK;
}

static uint32_t do_rx_filter(struct net_chan *nc, const struct ring_pkt *pkt,
			     union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	const struct vmb_net_rx_filter *f = &m->rxf;
	uint32_t flags = le32toh(f->flags), n = le32toh(f->mc_count), i, q;

	(void)pkt;
	if (flags & ~(uint32_t)VMB_NET_RXF_ALL || n > VMB_NET_MC_MAX)
		return INVALID(NET_BAD_FIELD);
	for (i = 0; i < n; i++)
		if (!(f->mc[i][0] & 1))
			return INVALID(NET_BAD_FIELD);
	if (!zero(f->mc[n], (VMB_NET_MC_MAX - n) * sizeof(f->mc[0])))
		return INVALID(NET_BAD_RESERVED);
	d->rxf = flags;
	d->mc_count = n;
	memcpy(d->mc, f->mc, sizeof(d->mc));
	if (!d->started) {
		d->started = true;
		for (q = 0; q < d->queues; q++)
			tap_watch(&d->tq[q], true);
	}
	return VMB_NET_S_OK;
}

static uint32_t do_set_mac(struct net_chan *nc, const struct ring_pkt *pkt,
			   union net_msg *m, enum net_bad *bad)
{
	(void)pkt;
	if (m->mac.reserved)
		return INVALID(NET_BAD_RESERVED);
	if (!mac_unicast_ok(m->mac.mac))
		return INVALID(NET_BAD_FIELD);
	memcpy(nc->dev->port_mac, m->mac.mac, ETH_ALEN_);
	return VMB_NET_S_OK;
}

/* The meta of a SEND of len bytes, for the caps granted. */
static bool send_meta_ok(const struct net_dev *d, const struct vmb_net_meta *m,
			 uint32_t len)
{
	uint16_t flags = le16toh(m->flags);
	uint32_t caps = d->caps;

	if (flags & ~(uint32_t)VMB_NET_M_ALL ||
	    flags & (VMB_NET_M_CSUM_VALID | VMB_NET_M_HASH) ||
	    m->hash_type || m->hash || m->reserved0 || m->reserved1)
		return false;
	if (flags & VMB_NET_M_VLAN ? !(caps & VMB_NET_CAP_VLAN) : m->vlan_tci != 0)
		return false;
	if (flags & VMB_NET_M_CSUM_NEEDED) {
		if (!(caps & VMB_NET_CAP_TX_CSUM) ||
		    (uint32_t)le16toh(m->csum_start) + le16toh(m->csum_offset) +
		    2 > len)
			return false;
	} else if (m->csum_start || m->csum_offset) {
		return false;
	}
	switch (m->gso_type) {
	case VMB_NET_GSO_NONE:
		return !m->gso_size && !m->hdr_len && !(flags & VMB_NET_M_GSO_ECN);
	case VMB_NET_GSO_TCPV4:
		if (!(caps & VMB_NET_CAP_TSO4))
			return false;
		break;
	case VMB_NET_GSO_TCPV6:
		if (!(caps & VMB_NET_CAP_TSO6))
			return false;
		break;
	default:
		return false;
	}
	return (flags & VMB_NET_M_CSUM_NEEDED) && le16toh(m->gso_size) >= 1 &&
		le16toh(m->hdr_len) < len;
}

/* The frame's pieces (host pointers), in order, adjacent ones merged. */
static int add_piece(struct iovec *iov, unsigned int *n, uint8_t *p,
		     uint32_t len)
{
	if (*n && (uint8_t *)iov[*n - 1].iov_base + iov[*n - 1].iov_len == p) {
		iov[*n - 1].iov_len += len;
		return 0;
	}
	if (*n == NET_IOV_MAX)
		return -1;
	iov[*n].iov_base = p;
	iov[(*n)++].iov_len = len;
	return 0;
}

static int send_pieces(const struct net_chan *nc, const struct ring_pkt *pkt,
		       uint32_t section, uint32_t len, struct iovec *iov,
		       unsigned int *n)
{
	struct gpa_walk w;
	uint32_t plen;
	uint8_t *p;
	int r;

	*n = 0;
	if (pkt->type == VMB_PKT_INBAND) {
		uint64_t off = (uint64_t)section * nc->ssize;

		while (len) {
			uint32_t po = (uint32_t)(off % VMB_PAGE_SIZE);

			plen = VMB_PAGE_SIZE - po;
			if (plen > len)
				plen = len;
			if (add_piece(iov, n, nc->sg->page[off / VMB_PAGE_SIZE] + po,
				      plen) < 0)
				return -1;
			off += plen;
			len -= plen;
		}
		return 0;
	}
	gpa_walk_init(&w, &pkt->gpa);
	while ((r = gpa_walk_next(&w, &p, &plen)) > 0)
		if (add_piece(iov, n, p, plen) < 0)
			return -1;
	return r;
}

/* Copies the pieces into buf (when there are too many for one writev). */
static uint32_t gather(const struct net_chan *nc, const struct ring_pkt *pkt,
		       uint32_t section, uint32_t len, uint8_t *buf)
{
	struct gpa_walk w;
	uint32_t done = 0, plen;
	uint8_t *p;

	if (pkt->type == VMB_PKT_INBAND) {
		uint64_t off = (uint64_t)section * nc->ssize;

		while (done < len) {
			uint32_t po = (uint32_t)(off % VMB_PAGE_SIZE);

			plen = VMB_PAGE_SIZE - po;
			if (plen > len - done)
				plen = len - done;
			memcpy(buf + done, nc->sg->page[off / VMB_PAGE_SIZE] + po,
			       plen);
			off += plen;
			done += plen;
		}
		return done;
	}
	gpa_walk_init(&w, &pkt->gpa);
	while (done < len && gpa_walk_next(&w, &p, &plen) > 0) {
		if (plen > len - done)
			plen = len - done;
		memcpy(buf + done, p, plen);
		done += plen;
	}
	return done;
}

static uint32_t do_send(struct net_chan *nc, const struct ring_pkt *pkt,
			union net_msg *m, enum net_bad *bad)
{
	struct net_dev *d = nc->dev;
	const struct vmb_net_send *s = &m->send;
	uint32_t section = le32toh(s->section), len = le32toh(s->len);
	struct net_qstats *st = &d->st[nc->q];
	struct iovec iov[NET_IOV_MAX + 3], frame[NET_IOV_MAX];
	struct virtio_net_hdr v;
	uint8_t tag[4], *bounce = NULL;
	unsigned int nf, ni = 0, i, vlan;
	uint16_t flags = le16toh(s->meta.flags);
	size_t at = 12, done;
	ssize_t r;

	if (len < ETH_HLEN_)
		return INVALID(NET_BAD_LENGTH);
	if (!send_meta_ok(d, &s->meta, len))
		return INVALID(NET_BAD_META);
	if (len > (s->meta.gso_type ? VMB_NET_GSO_FRAME_MAX :
		   d->mtu + VMB_NET_L2_HLEN))
		return INVALID(NET_BAD_LENGTH);
	if (pkt->type == VMB_PKT_INBAND) {
		if (section >= nc->scount)
			return INVALID(NET_BAD_SECTION);
		if (len > nc->ssize)
			return INVALID(NET_BAD_LENGTH);
	} else {
		if (section != VMB_NET_NO_SECTION)
			return INVALID(NET_BAD_SECTION);
		if (gpa_list_bytes(&pkt->gpa) != len)
			return INVALID(NET_BAD_RANGES);
	}
	if (!d->link_up) {
		st->tx_drop_link++;
		return VMB_NET_S_OK;
	}
	vlan = flags & VMB_NET_M_VLAN ? 4 : 0;
	net_meta_to_vnet(&s->meta, vlan, &v);
	iov[ni].iov_base = &v;
	iov[ni++].iov_len = sizeof(v);
	if (send_pieces(nc, pkt, section, len, frame, &nf) < 0) {
		bounce = malloc(len);
		if (!bounce) {
			st->tx_drop_tap++;
			return VMB_NET_S_OK;
		}
		frame[0].iov_base = bounce;
		frame[0].iov_len = gather(nc, pkt, section, len, bounce);
		nf = 1;
	}
	/* the frame, with the VLAN tag put in after the two addresses */
	tag[0] = 0x81;
	tag[1] = 0x00;
	tag[2] = (uint8_t)(le16toh(s->meta.vlan_tci) >> 8);
	tag[3] = (uint8_t)le16toh(s->meta.vlan_tci);
	for (i = 0, done = 0; i < nf; i++) {
		size_t l = frame[i].iov_len;
		uint8_t *p = frame[i].iov_base;

		if (vlan && done <= at && at < done + l) {
			if (at > done) {
				iov[ni].iov_base = p;
				iov[ni++].iov_len = at - done;
			}
			iov[ni].iov_base = tag;
			iov[ni++].iov_len = sizeof(tag);
			p += at - done;
			l -= at - done;
			done = at;
			vlan = 0;
		}
		if (l) {
			iov[ni].iov_base = p;
			iov[ni++].iov_len = l;
		}
		done += l;
	}
	r = writev(nc->dev->tq[nc->q].fd, iov, (int)ni);
	free(bounce);
	if (r < 0) {
		st->tx_drop_tap++;
		if (errno == EINVAL)	/* the kernel found the frame malformed */
			return INVALID(NET_BAD_META);
		return VMB_NET_S_OK;
	}
	st->tx_frames++;
	st->tx_bytes += len;
	if (s->meta.gso_type)
		st->tx_gso++;
	if (flags & VMB_NET_M_CSUM_NEEDED)
		st->tx_csum++;
	return VMB_NET_S_OK;
}

/* The guest completed a RECV: its sections are the host's again. */
static void recv_done(struct net_chan *nc, const struct ring_pkt *pkt)
{
	struct net_qstats *st = &nc->dev->st[nc->q];
	uint64_t tid = pkt->trans_id;
	uint32_t i = (uint32_t)tid - 1;
	struct vmb_net_hdr h;

	if (i >= NET_RECV_SLOTS || !nc->slot[i].used || (int)i == nc->batch ||
	    nc->slot[i].gen != (uint32_t)(tid >> 32)) {
		st->bad[NET_BAD_UNKNOWN_COMPLETION]++;
		return;
	}
	memset(&h, 0, sizeof(h));
	memcpy(&h, pkt->payload, pkt->payload_len < sizeof(h) ?
	       pkt->payload_len : sizeof(h));
	/* the guest is done with them either way: count, and free */
	if (pkt->payload_len != sizeof(h) ||
	    le32toh(h.type) != VMB_NET_RECV || h.status)
		st->bad[NET_BAD_COMPLETION]++;
	slot_put(nc, i);
	st->recv_done++;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

/* What the init sequence must have reached for a type (net_rules). */
enum net_need {
	NEED_PRIMARY_FRESH,	/* INIT: the primary, no version yet */
	NEED_VERSION,		/* CONFIG: the primary, versioned, not configured */
	NEED_CONFIG,		/* ATTACH_BUFS: configured, this channel bare */
	NEED_CONFIG_PRIMARY,	/* SET_MAC */
	NEED_BUFS_PRIMARY,	/* SET_RX_FILTER, SET_RSS: the primary attached */
	NEED_SUBCHANNELS,	/* ... and no SUBCHANNELS yet */
	NEED_OWN_BUFS,		/* SEND: this channel attached */
};

struct net_rule {
	uint32_t len;			/* the payload's exact size */
	uint32_t version;		/* the version that has it */
	bool gpa;			/* may come as GPA_RANGE */
	enum net_need need;
	uint32_t (*handle)(struct net_chan *nc, const struct ring_pkt *pkt,
			   union net_msg *m, enum net_bad *bad);
};

static const struct net_rule net_rules[] = {
	[VMB_NET_INIT] = { sizeof(struct vmb_net_init), VMB_NET_VERSION_1_0,
			   false, NEED_PRIMARY_FRESH, do_init },
	[VMB_NET_CONFIG] = { sizeof(struct vmb_net_config), VMB_NET_VERSION_1_0,
			     false, NEED_VERSION, do_config },
	[VMB_NET_ATTACH_BUFS] = { sizeof(struct vmb_net_bufs),
				  VMB_NET_VERSION_1_0, false, NEED_CONFIG,
				  do_attach },
	[VMB_NET_SUBCHANNELS] = { sizeof(struct vmb_net_subchannels),
				  VMB_NET_VERSION_1_1, false, NEED_SUBCHANNELS,
				  do_subchannels },
	[VMB_NET_SET_RSS] = { sizeof(struct vmb_net_rss), VMB_NET_VERSION_1_1,
			      false, NEED_BUFS_PRIMARY, do_rss },
	[VMB_NET_SET_RX_FILTER] = { sizeof(struct vmb_net_rx_filter),
				    VMB_NET_VERSION_1_0, false,
				    NEED_BUFS_PRIMARY, do_rx_filter },
	[VMB_NET_SET_MAC] = { sizeof(struct vmb_net_mac), VMB_NET_VERSION_1_0,
			      false, NEED_CONFIG_PRIMARY, do_set_mac },
	[VMB_NET_SEND] = { sizeof(struct vmb_net_send), VMB_NET_VERSION_1_0,
			   true, NEED_OWN_BUFS, do_send },
	/* RECV and LINK_STATUS flow host to guest: no rule */
};

#define NET_NR_RULES	(sizeof(net_rules) / sizeof(net_rules[0]))

static bool need_met(const struct net_chan *nc, enum net_need need)
{
	const struct net_dev *d = nc->dev;
	const struct net_chan *p = d->chan[0];
	bool primary = nc->q == 0;

	switch (need) {
	case NEED_PRIMARY_FRESH:
		return primary && !d->version;
	case NEED_VERSION:
		return primary && d->version && !d->configured;
	case NEED_CONFIG:
		return d->configured && !nc->attached &&
			(primary || (p && p->attached && nc->q <= d->subchannels));
	case NEED_CONFIG_PRIMARY:
		return primary && d->configured;
	case NEED_BUFS_PRIMARY:
		return primary && nc->attached;
	case NEED_SUBCHANNELS:
		return primary && nc->attached && !d->subchannels;
	case NEED_OWN_BUFS:
		return nc->attached;
	}
	return false;
}

/*
 * Every guest packet: framing, then the table (type, version, size,
 * status, packet type, init state), then the type's own checks.
 */
static void net_packet(struct channel *ch, const struct ring_pkt *pkt)
{
	struct net_chan *nc = ch->be_priv;
	struct net_dev *d = nc->dev;
	struct net_qstats *st = &d->st[nc->q];
	const struct net_rule *r = NULL;
	enum net_bad bad = NET_BAD_COUNT;
	uint32_t type, status, rlen;
	union net_msg m;

	if (pkt->type == VMB_PKT_COMPLETION) {
		recv_done(nc, pkt);
		return;		/* pass_end() sends what waited for room */
	}
	if (pkt->type != VMB_PKT_INBAND && pkt->type != VMB_PKT_GPA_RANGE) {
		channel_set_broken(ch, "net: packet neither INBAND, GPA_RANGE nor COMPLETION");
		return;
	}
	memset(&m, 0, sizeof(m));
	memcpy(&m, pkt->payload, pkt->payload_len < sizeof(m) ?
	       pkt->payload_len : sizeof(m));
	type = le32toh(m.hdr.type);
	if (type < NET_NR_RULES && net_rules[type].handle)
		r = &net_rules[type];
	rlen = r ? r->len : sizeof(m.hdr);
	if (!(pkt->flags & VMB_PKT_F_COMPLETION_REQUESTED)) {
		st->bad[NET_BAD_NO_COMPLETION]++;
		return;		/* nowhere to answer: dropped */
	}
	if (pkt->payload_len < sizeof(m.hdr))
		bad = NET_BAD_SIZE;
	else if (!r || d->version_max < r->version ||
		 (d->version && d->version < r->version))
		bad = NET_BAD_TYPE;
	else if (pkt->payload_len != r->len)
		bad = NET_BAD_SIZE;
	else if (m.hdr.status)
		bad = NET_BAD_STATUS;
	else if (pkt->type == VMB_PKT_GPA_RANGE && !r->gpa)
		bad = NET_BAD_PKT;
	if (bad != NET_BAD_COUNT) {
		if (!r)
			memset((uint8_t *)&m + sizeof(m.hdr), 0,
			       sizeof(m) - sizeof(m.hdr));
		st->bad[bad]++;
		reply(nc, pkt->trans_id, &m, rlen, VMB_NET_S_INVALID);
		return;
	}
	if (!need_met(nc, r->need)) {
		st->bad[NET_BAD_STATE]++;
		reply(nc, pkt->trans_id, &m, rlen, VMB_NET_S_BAD_STATE);
		return;
	}
	status = r->handle(nc, pkt, &m, &bad);
	if (status == VMB_NET_S_INVALID && bad < NET_BAD_COUNT)
		st->bad[bad]++;
	reply(nc, pkt->trans_id, &m, rlen, status);
}

static void net_pass_end(struct channel *ch)
{
	struct net_chan *nc = ch->be_priv;

	if (nc && nc->dev->started)
		dev_resume(nc->dev);
}

/* ------------------------------------------------------------------ */
/* Open and close                                                      */

static void dev_reset(struct net_dev *d)
{
	unsigned int q;

	for (q = 0; q < d->queues; q++) {
		tap_watch(&d->tq[q], false);
		d->tq[q].stalled = false;
		d->tq[q].pending = false;
	}
	if (d->configured && (d->caps & VMB_NET_CAP_RX_GSO))
		set_offload(d, 0);
	d->version = 0;
	d->configured = false;
	d->caps = 0;
	d->subchannels = 0;
	d->started = false;
	d->rxf = 0;
	d->mc_count = 0;
	d->rss_types = 0;
	memcpy(d->port_mac, d->mac, ETH_ALEN_);
}

static int net_open(struct channel *ch)
{
	struct net_dev *d = dev_of(ch);
	unsigned int q = ch->dev.sub_index;
	struct net_chan *nc;

	if (!d || !d->tap_open) {
		log_warn("relid %u: net: no TAP (offered without tap=NAME)",
			 ch->relid);
		return -1;
	}
	if (q >= d->queues || d->chan[q] || (q && !d->chan[0]))
		return -1;	/* no TAP queue for it, or open already */
	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -1;
	nc->ch = ch;
	nc->dev = d;
	nc->q = q;
	nc->batch = -1;
	if (!q) {
		dev_default_mac(d, ch->dev.instance);
		d->loop = ch->env->loop;
		dev_reset(d);
	}
	d->chan[q] = nc;
	ch->be_priv = nc;
	return 0;
}

static void net_close(struct channel *ch)
{
	struct net_chan *nc = ch->be_priv;
	struct net_dev *d;

	if (!nc)
		return;
	d = nc->dev;
	if (nc->rg && nc->rg->users)
		nc->rg->users--;
	if (nc->sg && nc->sg->users)
		nc->sg->users--;
	free(nc->used);
	d->chan[nc->q] = NULL;
	if (!nc->q)
		dev_reset(d);
	else if (d->started)
		dev_resume(d);	/* a frame that waited for it goes elsewhere */
	ch->be_priv = NULL;
	free(nc);
}

const struct net_qstats *net_chan_qstats(const struct channel *ch)
{
	const struct net_chan *nc;

	if (ch->be != &vmbd_backend_net || !ch->be_priv)
		return NULL;
	nc = ch->be_priv;
	return &nc->dev->st[nc->q];
}

static void net_chan_stats_line(const struct channel *ch, char *buf, size_t len)
{
	const struct net_qstats *st = net_chan_qstats(ch);
	uint64_t bad = 0;
	unsigned int i;

	if (!st) {
		buf[0] = '\0';
		return;
	}
	for (i = 0; i < NET_BAD_COUNT; i++)
		bad += st->bad[i];
	snprintf(buf, len, " net_rx_frames=%llu net_tx_frames=%llu net_tx_gso=%llu net_recvs=%llu net_rx_stalls=%llu net_malformed=%llu",
		 (unsigned long long)st->rx_frames,
		 (unsigned long long)st->tx_frames,
		 (unsigned long long)st->tx_gso,
		 (unsigned long long)st->recvs,
		 (unsigned long long)st->rx_stalls, (unsigned long long)bad);
}

/* ------------------------------------------------------------------ */
/* Control commands                                                    */

/* The port N names: a primary relid, or its TAP's name. */
static struct net_dev *cmd_dev(struct chanmgr *cm, const char *arg,
			       uint32_t *relid, struct cmd_reply *r)
{
	const struct chanmgr_channel *c;
	uint32_t i;

	for (i = 1; i < VMB_MAX_RELID; i++) {
		struct net_dev *d;
		char num[16];

		c = chanmgr_channel(cm, i);
		if (!c || c->be != &vmbd_backend_net || c->sub_index ||
		    !c->conf || !c->conf->conf)
			continue;
		d = c->conf->conf;
		dev_default_mac(d, c->instance_id);
		snprintf(num, sizeof(num), "%u", i);
		if (strcmp(arg, num) == 0 || strcmp(arg, d->tap) == 0) {
			*relid = i;
			return d;
		}
	}
	cmd_reply_error(r, "no network port '%s' (a primary relid or a TAP name; see nic list)",
			arg);
	return NULL;
}

static void dev_line(struct cmd_reply *r, uint32_t relid, const struct net_dev *d,
		     const struct chanmgr_channel *c)
{
	const uint8_t *m = d->mac;

	cmd_reply_line(r, "nic: relid=%u tap=%s mac=%02x:%02x:%02x:%02x:%02x:%02x mtu=%u queues=%u version=%u.%u link=%s state=%s",
		       relid, d->tap, m[0], m[1], m[2], m[3], m[4], m[5], d->mtu,
		       d->queues, d->version_max >> 16, d->version_max & 0xffff,
		       d->link_up ? "up" : "down",
		       c->open ? (d->started ? "running" : "open") :
		       chanmgr_chan_state_name(c));
}

static void stats_lines(struct cmd_reply *r, const char *pfx,
			const struct net_qstats *s)
{
	unsigned int i;

#define NET_STAT(f) cmd_reply_line(r, "%s" #f " %llu", pfx, (unsigned long long)s->f)
	NET_STAT(rx_frames); NET_STAT(rx_bytes); NET_STAT(rx_gso);
	NET_STAT(rx_csum_valid); NET_STAT(recvs); NET_STAT(recv_done);
	NET_STAT(tx_frames); NET_STAT(tx_bytes); NET_STAT(tx_gso);
	NET_STAT(tx_csum); NET_STAT(rx_drop_filter); NET_STAT(rx_drop_link);
	NET_STAT(rx_drop_bad); NET_STAT(rx_drop_big); NET_STAT(rx_stalls);
	NET_STAT(tx_drop_link); NET_STAT(tx_drop_tap); NET_STAT(injected);
#undef NET_STAT
	for (i = 0; i < NET_BAD_COUNT; i++)
		cmd_reply_line(r, "%s%s %llu", pfx, net_bad_name[i],
			       (unsigned long long)s->bad[i]);
}

static void sum_stats(const struct net_dev *d, struct net_qstats *t)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)t;
	unsigned int q, i;

	memset(t, 0, sizeof(*t));
	for (q = 0; q < NET_QMAX; q++) {
		src = (const uint64_t *)&d->st[q];
		for (i = 0; i < sizeof(*t) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
}

#define NIC_USAGE "nic add tap=NAME[,mac=M][,mtu=N][,queues=Q][,version=1.0|1.1] | remove N | link N up|down | stats N | fault N bad_section|bad_length|bad_meta|unknown_completion|clear | list"

static void cmd_nic(struct chanmgr *cm, int argc, char **argv,
		    struct cmd_reply *r)
{
	const struct chanmgr_channel *c;
	uint8_t instance[VMB_GUID_LEN];
	struct vmbd_conf *conf;
	struct net_dev *d;
	const char *err;
	uint32_t relid, i;
	char pfx[16];

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (i = 1; i < VMB_MAX_RELID; i++) {
			c = chanmgr_channel(cm, i);
			if (c && c->be == &vmbd_backend_net && !c->sub_index &&
			    c->conf && c->conf->conf) {
				dev_default_mac(c->conf->conf, c->instance_id);
				dev_line(r, i, c->conf->conf, c);
			}
		}
		return;
	}
	if (argc == 3 && strcmp(argv[1], "add") == 0) {
		conf = vmbd_conf_new(&vmbd_backend_net);
		if (!conf) {
			cmd_reply_error(r, "out of memory");
			return;
		}
		if (vmbd_conf_add_cmdline(conf, &net_cmdline_opts[0], argv[2],
					  &err) < 0 ||
		    vmbd_conf_done(conf, &err) < 0 ||
		    guid_random(instance) < 0) {
			cmd_reply_error(r, "nic add %s: %s", argv[2], err);
			vmbd_conf_put(conf);
			return;
		}
		d = conf->conf;
		dev_default_mac(d, instance);
		memcpy(d->port_mac, d->mac, ETH_ALEN_);
		if (chanmgr_add_channel(cm, vmbd_backend_net.guid, instance,
					&vmbd_backend_net, conf, &relid, &err) < 0) {
			cmd_reply_error(r, "nic add %s: %s", argv[2], err);
			vmbd_conf_put(conf);
			return;
		}
		log_info("net: port on TAP %s offered, relid %u", d->tap, relid);
		dev_line(r, relid, d, chanmgr_channel(cm, relid));
		return;
	}
	if (argc < 3) {
		cmd_reply_error(r, "usage: " NIC_USAGE);
		return;
	}
	d = cmd_dev(cm, argv[2], &relid, r);
	if (!d)
		return;
	if (argc == 3 && strcmp(argv[1], "remove") == 0) {
		char tap[IFNAMSIZ];

		strcpy(tap, d->tap);	/* d may be gone once rescinded */
		if (chanmgr_rescind(cm, relid, &err) < 0)
			cmd_reply_error(r, "nic remove %s: %s", argv[2], err);
		else
			log_info("net: port %u (TAP %s) removed", relid, tap);
		return;
	}
	if (argc == 4 && strcmp(argv[1], "link") == 0 &&
	    (strcmp(argv[3], "up") == 0 || strcmp(argv[3], "down") == 0)) {
		bool up = argv[3][0] == 'u';

		if (up != d->link_up) {
			d->link_up = up;
			send_link(d);
			log_info("net: port %u link %s", relid, argv[3]);
		}
		return;
	}
	if (argc == 3 && strcmp(argv[1], "stats") == 0) {
		c = chanmgr_channel(cm, relid);
		cmd_reply_line(r, "relid %u", relid);
		cmd_reply_line(r, "tap %s", d->tap);
		cmd_reply_line(r, "link %s", d->link_up ? "up" : "down");
		cmd_reply_line(r, "state %s", c->open ? (d->started ? "running" :
				"open") : chanmgr_chan_state_name(c));
		cmd_reply_line(r, "caps %#x", d->caps);
		cmd_reply_line(r, "queues %u", d->queues);
		sum_stats(d, &d->total);
		stats_lines(r, "", &d->total);
		for (i = 0; i < d->queues; i++) {
			snprintf(pfx, sizeof(pfx), "q%u.", i);
			stats_lines(r, pfx, &d->st[i]);
		}
		return;
	}
	if (argc == 4 && strcmp(argv[1], "fault") == 0) {
		if (strcmp(argv[3], "clear") == 0) {
			d->fault = NET_FAULT_NONE;
			return;
		}
		for (i = NET_FAULT_BAD_SECTION; i < NET_FAULT_COUNT; i++)
			if (strcmp(argv[3], net_fault_name[i]) == 0) {
				d->fault = (enum net_fault)i;
				log_info("net: port %u: next RECV %s", relid,
					 argv[3]);
				return;
			}
		cmd_reply_error(r, "unknown nic fault '%s' (bad_section, bad_length, bad_meta, unknown_completion, clear)",
				argv[3]);
		return;
	}
	cmd_reply_error(r, "usage: " NIC_USAGE);
}

static const struct vmbd_class_cmd net_commands[] = {
	{ "nic", NIC_USAGE "  (network ports: N is a primary relid or a TAP name; a fault malforms the next RECV once)",
	  cmd_nic, false },
	{ NULL, NULL, NULL, false }
};

VMBD_BACKEND(net) = {
	.name = "net",
	.guid = VMB_CLASS_NET_BYTES,
	.help = "an Ethernet port on a TAP device (multi-queue, offloads, RSS)",
	.subchannels = true,
	.parse_opt = net_parse_opt,
	.conf_done = net_conf_done,
	.free_conf = dev_free,
	.opts_help = "tap=NAME, mac=M, mtu=N, queues=Q, version=1.0|1.1",
	.cmdline_opts = net_cmdline_opts,
	.open = net_open,
	.close = net_close,
	.packet = net_packet,
	.pass_end = net_pass_end,
	.chan_stats = net_chan_stats_line,
	.commands = net_commands,
};
