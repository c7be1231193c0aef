// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The network back end's control path, as a guest drives it over a real
 * channel on fake guest RAM (tests/unit/net_fx.h): the init sequence, the
 * version walk-down, BAD_STATE out of order, and every rule the central
 * validation enforces, each a test of its own that shows the refusal on
 * the wire and in its counter, with nothing changed.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/if_tun.h>

#include "daemon/options.h"
#include "net_fx.h"

static int setup(void **state)
{
	*state = net_fx_create("tap=fx0,queues=4,mtu=1500");
	return 0;
}

static int setup_10(void **state)
{
	*state = net_fx_create("tap=fx0,queues=4,version=1.0");
	return 0;
}

static int teardown(void **state)
{
	net_fx_destroy(*state);
	return 0;
}

static void test_init_sequence(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_init in = { .hdr.type = htole32(VMB_NET_INIT),
				   .version = htole32(VMB_NET_VERSION_1_1) };
	struct vmb_net_config c;
	uint8_t mac[6];

	net_fx_open(f, 0);
	assert_int_equal(net_fx_req(f, 0, &in, sizeof(in)), VMB_NET_S_OK);
	assert_int_equal(f->pkt.payload_len, sizeof(in));
	assert_int_equal(le32toh(in.hdr.type), VMB_NET_INIT);
	assert_int_equal(net_fx_config(f, VMB_NET_CAP_ALL, &c), VMB_NET_S_OK);
	assert_int_equal(le32toh(c.caps), VMB_NET_CAP_ALL);
	assert_int_equal(le32toh(c.mtu_max), 1500);
	assert_int_equal(le16toh(c.max_queues), 4);
	assert_int_equal(le32toh(c.link_up), 1);
	assert_false(c.mac[0] & 1);
	/* stable: derived from the instance, the same as nic list shows */
	net_fx_mac(f, mac);
	assert_memory_equal(mac, c.mac, 6);
	assert_int_equal(mac[0], 0x02);
	/* RX_GSO granted: the TAP may hand over TSO frames */
	assert_int_equal(net_fx_offload, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
			 TUN_F_TSO_ECN);
	assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_OK);
	assert_int_equal(net_fx_filter(f, VMB_NET_RXF_UNICAST), VMB_NET_S_OK);
	assert_int_equal(net_fx_counter(f, "bad_state"), 0);
	assert_non_null(strstr(f->out, "state running\n"));
}

static void test_caps_requested_only(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_config c;

	net_fx_open(f, 0);
	assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_1), VMB_NET_S_OK);
	assert_int_equal(net_fx_config(f, VMB_NET_CAP_TX_CSUM |
				       VMB_NET_CAP_TSO4, &c), VMB_NET_S_OK);
	assert_int_equal(le32toh(c.caps), VMB_NET_CAP_TX_CSUM | VMB_NET_CAP_TSO4);
	/* no RX_GSO: the TAP hands over whole, checksummed frames */
	assert_int_equal(net_fx_offload, 0);
}

static void test_version_walk(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_init in = { .hdr.type = htole32(VMB_NET_INIT),
				   .version = htole32(VMB_NET_VERSION(1, 7)) };
	struct vmb_net_config c;

	net_fx_open(f, 0);
	/* a version the host does not have: it names its highest */
	assert_int_equal(net_fx_req(f, 0, &in, sizeof(in)),
			 VMB_NET_S_UNSUPPORTED_VERSION);
	assert_int_equal(le32toh(in.version), VMB_NET_VERSION_1_1);
	in.hdr.status = 0;
	in.version = htole32(VMB_NET_VERSION_1_1);
	assert_int_equal(net_fx_req(f, 0, &in, sizeof(in)), VMB_NET_S_OK);
	assert_int_equal(net_fx_config(f, VMB_NET_CAP_RSS, &c), VMB_NET_S_OK);
	assert_int_equal(le32toh(c.caps), VMB_NET_CAP_RSS);
}

static void test_version_walk_down(void **state)
{
	struct net_fx *f = *state;	/* version=1.0 */
	struct vmb_net_init in = { .hdr.type = htole32(VMB_NET_INIT),
				   .version = htole32(VMB_NET_VERSION_1_1) };
	struct vmb_net_subchannels s = {
		.hdr.type = htole32(VMB_NET_SUBCHANNELS), .count = htole16(1) };
	struct vmb_net_config c;

	net_fx_open(f, 0);
	/* a host that speaks only 1.0 does not know 1.1's types at all */
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_INVALID);
	s.hdr.status = 0;
	assert_int_equal(net_fx_req(f, 0, &in, sizeof(in)),
			 VMB_NET_S_UNSUPPORTED_VERSION);
	assert_int_equal(le32toh(in.version), VMB_NET_VERSION_1_0);
	assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_0), VMB_NET_S_OK);
	assert_int_equal(net_fx_config(f, VMB_NET_CAP_ALL, &c), VMB_NET_S_OK);
	/* 1.0: one queue, and no RSS */
	assert_int_equal(le16toh(c.max_queues), 1);
	assert_int_equal(le32toh(c.caps), VMB_NET_CAP_ALL & ~VMB_NET_CAP_RSS);
	assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_OK);
	/* a 1.1 message at 1.0 is unknown */
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_INVALID);
	assert_int_equal(net_fx_counter(f, "bad_type"), 2);
}

/* A 1.1 host whose guest settled on 1.0: 1.1's types are unknown. */
static void test_guest_chose_10(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_subchannels s = {
		.hdr.type = htole32(VMB_NET_SUBCHANNELS), .count = htole16(1) };
	struct vmb_net_config c;

	net_fx_open(f, 0);
	assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_0), VMB_NET_S_OK);
	assert_int_equal(net_fx_config(f, VMB_NET_CAP_ALL, &c), VMB_NET_S_OK);
	assert_int_equal(le16toh(c.max_queues), 1);
	assert_int_equal(le32toh(c.caps) & VMB_NET_CAP_RSS, 0);
	assert_int_equal(net_fx_attach(f, 0, 4096, 17), VMB_NET_S_OK);
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_INVALID);
	assert_int_equal(net_fx_counter(f, "bad_type"), 1);
}

static void test_bad_state(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_send s = { .hdr.type = htole32(VMB_NET_SEND),
				  .len = htole32(60) };
	struct vmb_net_mac mm = { .hdr.type = htole32(VMB_NET_SET_MAC),
				  .mac = { 2, 1, 1, 1, 1, 1 } };
	struct vmb_net_init in = { .hdr.type = htole32(VMB_NET_INIT),
				   .version = htole32(VMB_NET_VERSION_1_1) };
	struct vmb_net_bufs b = net_fx_bufs_msg(1, 2048, 64, 2048, 64);
	unsigned long long n = 0;

	net_fx_open(f, 0);
	assert_int_equal(net_fx_config(f, 0, NULL), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_req(f, 0, &mm, sizeof(mm)), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_1), VMB_NET_S_OK);
	assert_int_equal(net_fx_req(f, 0, &in, sizeof(in)), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_filter(f, 1), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_config(f, 0, NULL), VMB_NET_S_OK);
	assert_int_equal(net_fx_config(f, 0, NULL), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_filter(f, 1), VMB_NET_S_BAD_STATE);
	n++;
	/* a sub-channel: no init of its own, and not before the primary */
	net_fx_open(f, 1);
	in.hdr.status = 0;
	assert_int_equal(net_fx_req(f, 1, &in, sizeof(in)), VMB_NET_S_BAD_STATE);
	assert_int_equal(net_fx_req(f, 1, &b, sizeof(b)), VMB_NET_S_BAD_STATE);
	n += 2;
	assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_OK);
	assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_BAD_STATE);
	n++;
	/* sub-channel 1 before SUBCHANNELS said there would be one */
	b.hdr.status = 0;
	assert_int_equal(net_fx_req(f, 1, &b, sizeof(b)), VMB_NET_S_BAD_STATE);
	n++;
	assert_int_equal(net_fx_counter(f, "bad_state"), n);
	assert_int_equal(net_fx_counter(f, "q0.bad_state"), n - 3);
	assert_int_equal(net_fx_counter(f, "q1.bad_state"), 3);
}

static void test_subchannels(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_subchannels s = {
		.hdr.type = htole32(VMB_NET_SUBCHANNELS), .count = htole16(4) };
	unsigned int q;

	net_fx_up(f, 0, 2048, 64, VMB_NET_RXF_UNICAST);
	/* queues=4: at most 3 sub-channels */
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_NO_RESOURCES);
	s.hdr.status = 0;
	s.count = htole16(3);
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_OK);
	s.hdr.status = 0;
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_BAD_STATE);
	for (q = 1; q < 4; q++) {
		net_fx_open(f, q);
		assert_int_equal(net_fx_attach(f, q, 2048, 64), VMB_NET_S_OK);
	}
}

static void test_no_fifth_queue(void **state)
{
	struct net_fx *f = *state;
	struct chan_dev dev = { .sub_index = 4, .instance = f->instance,
				.gpadls = &f->t };
	uint32_t st;
	const char *why;
	struct gpadl *g;

	net_fx_up(f, 0, 2048, 64, VMB_NET_RXF_UNICAST);
	/* queues=4: sub-channel 4 has no TAP queue, its open is refused */
	g = net_fx_gpadl(f, 104, NET_FX_RELID0 + 4, NET_FX_RING_PFN(4),
			 NET_FX_IN_PAGES + NET_FX_OUT_PAGES);
	assert_null(channel_open_dev(&f->env, NET_FX_RELID0 + 4, g,
				     NET_FX_IN_PAGES, 1, &vmbd_backend_net,
				     f->conf, &dev, &st, &why));
}

/* ------------------------------------------------------------------ */
/* One test per refusal: a message, its answer, its counter            */

enum stage { ST_OPEN, ST_INIT, ST_CONFIG, ST_UP };

typedef union { struct vmb_net_hdr h; uint8_t b[256]; } vmsg;

struct vcase {
	const char *name;
	enum stage stage;	/* how far the init has gone first */
	unsigned int q;
	uint32_t caps;		/* CONFIG asked for these */
	void (*build)(struct net_fx *f, vmsg *m, uint32_t *len,
		      uint16_t *pkt_type);
	uint32_t status;
	const char *counter;
};

static struct vmb_net_send *gso_of(vmsg *m, uint32_t *len);

static struct vmb_net_send *send_of(vmsg *m, uint32_t *len, uint32_t flen)
{
	struct vmb_net_send *s = (void *)m->b;

	*len = sizeof(*s);
	s->hdr.type = htole32(VMB_NET_SEND);
	s->len = htole32(flen);
	return s;
}

#define B(fn) static void fn(struct net_fx *f, vmsg *m, uint32_t *len, \
			     uint16_t *pt)
#define UNUSED (void)f; (void)pt

B(b_init_long) { UNUSED; m->h.type = htole32(VMB_NET_INIT); *len = 24;
	m->b[8] = 1; }
B(b_short) { UNUSED; (void)m; *len = 0; }
B(b_unknown_type) { UNUSED; m->h.type = htole32(99); *len = 8; }
B(b_host_type) { UNUSED; m->h.type = htole32(VMB_NET_RECV); *len = 16; }
B(b_link_type) { UNUSED; m->h.type = htole32(VMB_NET_LINK_STATUS); *len = 16; }
B(b_status) { UNUSED; m->h.type = htole32(VMB_NET_INIT); m->h.status = htole32(1);
	m->b[8] = 1; m->b[10] = 1; *len = 16; }
B(b_gpa_config) { (void)f; m->h.type = htole32(VMB_NET_CONFIG); *len = 32;
	*pt = VMB_PKT_GPA_RANGE; }
B(b_init_reserved) { UNUSED; m->h.type = htole32(VMB_NET_INIT); m->b[8] = 0;
	m->b[10] = 1; m->b[12] = 1; *len = 16; }
B(b_config_caps) { UNUSED; m->h.type = htole32(VMB_NET_CONFIG);
	m->b[8] = 0x80; *len = 32; }
B(b_config_mtu) { UNUSED; m->h.type = htole32(VMB_NET_CONFIG);
	m->b[12] = 1; *len = 32; }
B(b_config_mac) { UNUSED; m->h.type = htole32(VMB_NET_CONFIG);
	m->b[16] = 2; *len = 32; }
B(b_config_reserved) { UNUSED; m->h.type = htole32(VMB_NET_CONFIG);
	m->b[28] = 1; *len = 32; }

static void bufs(vmsg *m, uint32_t *len, struct vmb_net_bufs b)
{
	memcpy(m->b, &b, sizeof(b));
	*len = sizeof(b);
}

B(b_bufs_gpadl) { UNUSED; struct vmb_net_bufs b = net_fx_bufs_msg(0, 2048, 64, 2048, 64);
	b.recv_gpadl = htole32(999); bufs(m, len, b); }
B(b_bufs_ring) { UNUSED; struct vmb_net_bufs b = net_fx_bufs_msg(0, 2048, 64, 2048, 8);
	b.send_gpadl = htole32(100); bufs(m, len, b); }	/* 8 sections fit it */
B(b_bufs_same) { UNUSED; struct vmb_net_bufs b = net_fx_bufs_msg(0, 2048, 64, 2048, 64);
	b.send_gpadl = b.recv_gpadl; bufs(m, len, b); }
B(b_bufs_other_chan) { UNUSED; struct vmb_net_bufs b = net_fx_bufs_msg(0, 2048, 64, 2048, 64);
	b.recv_gpadl = htole32(201); bufs(m, len, b);	/* big enough, but not ours */
	net_fx_gpadl(f, 201, NET_FX_RELID0 + 1, NET_FX_RECV_PFN(1), 32); }
B(b_bufs_align) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 2000, 64, 2048, 64)); }
B(b_bufs_small) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 2048, 64, 192, 64)); }
B(b_bufs_big) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 2048, 64, 65600, 1)); }
B(b_bufs_zero) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 2048, 64, 2048, 0)); }
B(b_bufs_past) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 4096, NET_FX_RECV_PAGES + 1, 2048, 64)); }
B(b_bufs_send_past) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 2048, 64, 4096, NET_FX_SEND_PAGES + 1)); }
B(b_bufs_tiny) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 512, 2, 2048, 64)); }
B(b_bufs_gso) { UNUSED; bufs(m, len, net_fx_bufs_msg(0, 2048, 16, 2048, 64)); }
B(b_subs_zero) { UNUSED; m->h.type = htole32(VMB_NET_SUBCHANNELS); *len = 16; }
B(b_subs_reserved) { UNUSED; m->h.type = htole32(VMB_NET_SUBCHANNELS);
	m->b[8] = 1; m->b[12] = 1; *len = 16; }

static struct vmb_net_rss *rss_of(vmsg *m, uint32_t *len)
{
	struct vmb_net_rss *r = (void *)m->b;

	r->hdr.type = htole32(VMB_NET_SET_RSS);
	r->hash_types = htole32(VMB_NET_HASH_ALL);
	*len = sizeof(*r);
	return r;
}

B(b_rss_types) { UNUSED; rss_of(m, len)->hash_types = htole32(0x40); }
B(b_rss_reserved) { UNUSED; rss_of(m, len)->reserved = htole32(1); }
B(b_rss_indir) { UNUSED; rss_of(m, len)->indir[5] = 2; }
B(b_rss_nocap) { UNUSED; rss_of(m, len); }

static struct vmb_net_rx_filter *rxf_of(vmsg *m, uint32_t *len)
{
	struct vmb_net_rx_filter *r = (void *)m->b;

	r->hdr.type = htole32(VMB_NET_SET_RX_FILTER);
	r->flags = htole32(VMB_NET_RXF_MULTICAST);
	*len = sizeof(*r);
	return r;
}

B(b_rxf_flags) { UNUSED; rxf_of(m, len)->flags = htole32(0x20); }
B(b_rxf_count) { UNUSED; struct vmb_net_rx_filter *r = rxf_of(m, len);
	for (unsigned int i = 0; i < VMB_NET_MC_MAX; i++)
		r->mc[i][0] = 1;	/* all of them good: only the count is not */
	r->mc_count = htole32(VMB_NET_MC_MAX + 1); }
B(b_rxf_unicast) { UNUSED; struct vmb_net_rx_filter *r = rxf_of(m, len);
	r->mc_count = htole32(1); r->mc[0][0] = 0x02; }
B(b_rxf_past) { UNUSED; struct vmb_net_rx_filter *r = rxf_of(m, len);
	r->mc_count = htole32(1); r->mc[0][0] = 0x01; r->mc[1][0] = 0x01; }
B(b_mac_multi) { UNUSED; m->h.type = htole32(VMB_NET_SET_MAC); m->b[8] = 3;
	*len = 16; }
B(b_mac_zero) { UNUSED; m->h.type = htole32(VMB_NET_SET_MAC); *len = 16; }
B(b_mac_reserved) { UNUSED; m->h.type = htole32(VMB_NET_SET_MAC); m->b[8] = 2;
	m->b[14] = 1; *len = 16; }

B(b_send_short) { UNUSED; send_of(m, len, 13); }
B(b_send_section) { UNUSED; send_of(m, len, 60)->section = htole32(64); }
B(b_send_nosection) { UNUSED; send_of(m, len, 60)->section = htole32(VMB_NET_NO_SECTION); }
B(b_send_over_section) { UNUSED; gso_of(m, len)->len = htole32(2049); }	/* > its section only */
B(b_send_mtu) { UNUSED; struct vmb_net_send *s = send_of(m, len, 1519);
	(void)s; }
B(b_send_gso_max) { UNUSED; struct vmb_net_send *s = send_of(m, len, VMB_NET_GSO_FRAME_MAX + 1);
	s->meta.flags = htole16(VMB_NET_M_CSUM_NEEDED); s->meta.gso_type = VMB_NET_GSO_TCPV4;
	s->meta.gso_size = htole16(1448); s->meta.hdr_len = htole16(54);
	s->meta.csum_start = htole16(34); s->meta.csum_offset = htole16(16); }
B(b_meta_flag) { UNUSED; send_of(m, len, 60)->meta.flags = htole16(0x20); }
B(b_meta_valid) { UNUSED; send_of(m, len, 60)->meta.flags = htole16(VMB_NET_M_CSUM_VALID); }
B(b_meta_hash) { UNUSED; send_of(m, len, 60)->meta.flags = htole16(VMB_NET_M_HASH); }
B(b_meta_hash_value) { UNUSED; send_of(m, len, 60)->meta.hash = htole32(1); }
B(b_meta_reserved0) { UNUSED; send_of(m, len, 60)->meta.reserved0 = htole16(1); }
B(b_meta_reserved1) { UNUSED; send_of(m, len, 60)->meta.reserved1 = htole32(1); }
B(b_meta_vlan_tci) { UNUSED; send_of(m, len, 60)->meta.vlan_tci = htole16(5); }
B(b_meta_csum_range) { UNUSED; struct vmb_net_send *s = send_of(m, len, 60);
	s->meta.flags = htole16(VMB_NET_M_CSUM_NEEDED);
	s->meta.csum_start = htole16(50); s->meta.csum_offset = htole16(9); }
B(b_meta_csum_stray) { UNUSED; send_of(m, len, 60)->meta.csum_start = htole16(34); }

static struct vmb_net_send *gso_of(vmsg *m, uint32_t *len)
{
	struct vmb_net_send *s = send_of(m, len, 1514);

	s->meta.flags = htole16(VMB_NET_M_CSUM_NEEDED);
	s->meta.gso_type = VMB_NET_GSO_TCPV4;
	s->meta.gso_size = htole16(700);
	s->meta.hdr_len = htole16(54);
	s->meta.csum_start = htole16(34);
	s->meta.csum_offset = htole16(16);
	return s;
}

B(b_gso_type) { UNUSED; gso_of(m, len)->meta.gso_type = 3; }
B(b_gso_nocsum) { UNUSED; struct vmb_net_send *s = gso_of(m, len);
	s->meta.flags = 0; s->meta.csum_start = 0; s->meta.csum_offset = 0; }
B(b_gso_size) { UNUSED; gso_of(m, len)->meta.gso_size = 0; }
B(b_gso_hdr_len) { UNUSED; gso_of(m, len)->meta.hdr_len = htole16(1514); }
B(b_gso_stray) { UNUSED; struct vmb_net_send *s = send_of(m, len, 60);
	s->meta.gso_size = htole16(100); }
B(b_gso_ecn) { UNUSED; send_of(m, len, 60)->meta.flags = htole16(VMB_NET_M_GSO_ECN); }
B(b_gso_nocap) { UNUSED; gso_of(m, len); }
B(b_gso6_nocap) { UNUSED; gso_of(m, len)->meta.gso_type = VMB_NET_GSO_TCPV6; }
B(b_csum_nocap) { UNUSED; struct vmb_net_send *s = send_of(m, len, 60);
	s->meta.flags = htole16(VMB_NET_M_CSUM_NEEDED);
	s->meta.csum_start = htole16(34); s->meta.csum_offset = htole16(6); }
B(b_vlan_nocap) { UNUSED; send_of(m, len, 60)->meta.flags = htole16(VMB_NET_M_VLAN); }

#define ALLC	VMB_NET_CAP_ALL
#define NOGSO	(VMB_NET_CAP_ALL & ~(VMB_NET_CAP_TSO4 | VMB_NET_CAP_TSO6))

static const struct vcase vcases[] = {
	{ "init_long", ST_OPEN, 0, 0, b_init_long, VMB_NET_S_INVALID, "bad_size" },
	{ "short", ST_OPEN, 0, 0, b_short, VMB_NET_S_INVALID, "bad_size" },
	{ "unknown_type", ST_OPEN, 0, 0, b_unknown_type, VMB_NET_S_INVALID, "bad_type" },
	{ "host_type", ST_UP, 0, ALLC, b_host_type, VMB_NET_S_INVALID, "bad_type" },
	{ "link_type", ST_UP, 0, ALLC, b_link_type, VMB_NET_S_INVALID, "bad_type" },
	{ "status", ST_OPEN, 0, 0, b_status, VMB_NET_S_INVALID, "bad_status" },
	{ "gpa_config", ST_INIT, 0, 0, b_gpa_config, VMB_NET_S_INVALID, "bad_packet_type" },
	{ "init_reserved", ST_OPEN, 0, 0, b_init_reserved, VMB_NET_S_INVALID, "bad_reserved" },
	{ "config_caps", ST_INIT, 0, 0, b_config_caps, VMB_NET_S_INVALID, "bad_field" },
	{ "config_mtu", ST_INIT, 0, 0, b_config_mtu, VMB_NET_S_INVALID, "bad_reserved" },
	{ "config_mac", ST_INIT, 0, 0, b_config_mac, VMB_NET_S_INVALID, "bad_reserved" },
	{ "config_reserved", ST_INIT, 0, 0, b_config_reserved, VMB_NET_S_INVALID, "bad_reserved" },
	{ "bufs_gpadl", ST_CONFIG, 0, 0, b_bufs_gpadl, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_ring", ST_CONFIG, 0, 0, b_bufs_ring, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_same", ST_CONFIG, 0, 0, b_bufs_same, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_other_chan", ST_CONFIG, 0, 0, b_bufs_other_chan, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_align", ST_CONFIG, 0, 0, b_bufs_align, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_small", ST_CONFIG, 0, 0, b_bufs_small, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_big", ST_CONFIG, 0, 0, b_bufs_big, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_zero", ST_CONFIG, 0, 0, b_bufs_zero, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_past", ST_CONFIG, 0, 0, b_bufs_past, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_send_past", ST_CONFIG, 0, 0, b_bufs_send_past, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_tiny", ST_CONFIG, 0, 0, b_bufs_tiny, VMB_NET_S_INVALID, "bad_field" },
	{ "bufs_gso", ST_CONFIG, 0, VMB_NET_CAP_RX_GSO, b_bufs_gso, VMB_NET_S_INVALID, "bad_field" },
	{ "subs_zero", ST_UP, 0, ALLC, b_subs_zero, VMB_NET_S_INVALID, "bad_field" },
	{ "subs_reserved", ST_UP, 0, ALLC, b_subs_reserved, VMB_NET_S_INVALID, "bad_reserved" },
	{ "rss_types", ST_UP, 0, ALLC, b_rss_types, VMB_NET_S_INVALID, "bad_field" },
	{ "rss_reserved", ST_UP, 0, ALLC, b_rss_reserved, VMB_NET_S_INVALID, "bad_reserved" },
	{ "rss_indir", ST_UP, 0, ALLC, b_rss_indir, VMB_NET_S_INVALID, "bad_field" },
	{ "rss_nocap", ST_UP, 0, NOGSO & ~VMB_NET_CAP_RSS, b_rss_nocap, VMB_NET_S_INVALID, "bad_field" },
	{ "rxf_flags", ST_UP, 0, ALLC, b_rxf_flags, VMB_NET_S_INVALID, "bad_field" },
	{ "rxf_count", ST_UP, 0, ALLC, b_rxf_count, VMB_NET_S_INVALID, "bad_field" },
	{ "rxf_unicast", ST_UP, 0, ALLC, b_rxf_unicast, VMB_NET_S_INVALID, "bad_field" },
	{ "rxf_past", ST_UP, 0, ALLC, b_rxf_past, VMB_NET_S_INVALID, "bad_reserved" },
	{ "mac_multi", ST_UP, 0, ALLC, b_mac_multi, VMB_NET_S_INVALID, "bad_field" },
	{ "mac_zero", ST_UP, 0, ALLC, b_mac_zero, VMB_NET_S_INVALID, "bad_field" },
	{ "mac_reserved", ST_UP, 0, ALLC, b_mac_reserved, VMB_NET_S_INVALID, "bad_reserved" },
	{ "send_short", ST_UP, 0, ALLC, b_send_short, VMB_NET_S_INVALID, "bad_length" },
	{ "send_section", ST_UP, 0, ALLC, b_send_section, VMB_NET_S_INVALID, "bad_section" },
	{ "send_nosection", ST_UP, 0, ALLC, b_send_nosection, VMB_NET_S_INVALID, "bad_section" },
	{ "send_over_section", ST_UP, 0, ALLC, b_send_over_section, VMB_NET_S_INVALID, "bad_length" },
	{ "send_mtu", ST_UP, 0, ALLC, b_send_mtu, VMB_NET_S_INVALID, "bad_length" },
	{ "send_gso_max", ST_UP, 0, ALLC, b_send_gso_max, VMB_NET_S_INVALID, "bad_length" },
	{ "meta_flag", ST_UP, 0, ALLC, b_meta_flag, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_valid", ST_UP, 0, ALLC, b_meta_valid, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_hash", ST_UP, 0, ALLC, b_meta_hash, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_hash_value", ST_UP, 0, ALLC, b_meta_hash_value, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_reserved0", ST_UP, 0, ALLC, b_meta_reserved0, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_reserved1", ST_UP, 0, ALLC, b_meta_reserved1, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_vlan_tci", ST_UP, 0, ALLC, b_meta_vlan_tci, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_csum_range", ST_UP, 0, ALLC, b_meta_csum_range, VMB_NET_S_INVALID, "bad_meta" },
	{ "meta_csum_stray", ST_UP, 0, ALLC, b_meta_csum_stray, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_type", ST_UP, 0, ALLC, b_gso_type, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_nocsum", ST_UP, 0, ALLC, b_gso_nocsum, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_size", ST_UP, 0, ALLC, b_gso_size, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_hdr_len", ST_UP, 0, ALLC, b_gso_hdr_len, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_stray", ST_UP, 0, ALLC, b_gso_stray, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_ecn", ST_UP, 0, ALLC, b_gso_ecn, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso_nocap", ST_UP, 0, NOGSO, b_gso_nocap, VMB_NET_S_INVALID, "bad_meta" },
	{ "gso6_nocap", ST_UP, 0, ALLC & ~VMB_NET_CAP_TSO6, b_gso6_nocap, VMB_NET_S_INVALID, "bad_meta" },
	{ "csum_nocap", ST_UP, 0, VMB_NET_CAP_RSS, b_csum_nocap, VMB_NET_S_INVALID, "bad_meta" },
	{ "vlan_nocap", ST_UP, 0, VMB_NET_CAP_RSS, b_vlan_nocap, VMB_NET_S_INVALID, "bad_meta" },
};

#define NR_VCASES (sizeof(vcases) / sizeof(vcases[0]))

static void run_case(void **state, unsigned int i)
{
	const struct vcase *c = &vcases[i];
	struct net_fx *f = *state;
	vmsg m, copy;
	uint32_t len = 0, st;
	uint16_t pt = VMB_PKT_INBAND;
	uint64_t tid = 777;
	char key[64];

	net_fx_open(f, 0);
	if (c->stage >= ST_INIT)
		assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_1),
				 VMB_NET_S_OK);
	if (c->stage >= ST_CONFIG)
		assert_int_equal(net_fx_config(f, c->caps, NULL), VMB_NET_S_OK);
	if (c->stage >= ST_UP) {
		assert_int_equal(net_fx_attach(f, 0, 2048, 64), VMB_NET_S_OK);
		assert_int_equal(net_fx_filter(f, VMB_NET_RXF_UNICAST),
				 VMB_NET_S_OK);
	}
	memset(&m, 0, sizeof(m));
	c->build(f, &m, &len, &pt);
	copy = m;
	if (pt == VMB_PKT_INBAND) {
		net_fx_put(f, c->q, VMB_PKT_F_COMPLETION_REQUESTED, tid, &m, len);
	} else {
		/* one range of one page at NET_FX_DATA_PFN, then the message */
		uint8_t pl[24 + 256];
		__le32 v = htole32(1);

		memset(pl, 0, sizeof(pl));
		memcpy(pl, &v, 4);
		v = htole32(60);
		memcpy(pl + 8, &v, 4);
		pl[16] = (uint8_t)NET_FX_DATA_PFN;
		pl[17] = (uint8_t)(NET_FX_DATA_PFN >> 8);
		memcpy(pl + 24, &m, len);
		guest_put(&f->q[c->q].gin, VMB_PKT_GPA_RANGE, 2 + 3,
			  (uint16_t)(2 + (24 + len) / 8),
			  VMB_PKT_F_COMPLETION_REQUESTED, tid, pl, 24 + len);
	}
	channel_doorbell(f->q[c->q].ch);
	assert_int_equal(net_fx_get(f, c->q), 1);
	assert_int_equal(f->pkt.type, VMB_PKT_COMPLETION);
	assert_int_equal(f->pkt.trans_id, tid);
	st = le32toh(((const struct vmb_net_hdr *)f->pkt.payload)->status);
	if (st != c->status)
		fail_msg("%s: status %u, not %u", c->name, st, c->status);
	snprintf(key, sizeof(key), "%s", c->counter);
	if (net_fx_counter(f, key) != 1)
		fail_msg("%s: %s is %llu, not 1", c->name, key,
			 net_fx_stat(f, key));
	/* nothing forwarded, and nothing else changed */
	assert_int_equal(net_fx_stat(f, "tx_frames"), 0);
	(void)copy;
	/* still serving: a good request after it is answered */
	assert_int_equal(net_fx_filter(f, VMB_NET_RXF_UNICAST),
			 c->stage >= ST_UP ? VMB_NET_S_OK : VMB_NET_S_BAD_STATE);
}

#define VT(n) static void test_v##n(void **s) { run_case(s, n); }
VT(0) VT(1) VT(2) VT(3) VT(4) VT(5) VT(6) VT(7) VT(8) VT(9)
VT(10) VT(11) VT(12) VT(13) VT(14) VT(15) VT(16) VT(17) VT(18) VT(19)
VT(20) VT(21) VT(22) VT(23) VT(24) VT(25) VT(26) VT(27) VT(28) VT(29)
VT(30) VT(31) VT(32) VT(33) VT(34) VT(35) VT(36) VT(37) VT(38) VT(39)
VT(40) VT(41) VT(42) VT(43) VT(44) VT(45) VT(46) VT(47) VT(48) VT(49)
VT(50) VT(51) VT(52) VT(53) VT(54) VT(55) VT(56) VT(57) VT(58) VT(59)
VT(60) VT(61)

static void test_vcases_all_run(void **state)
{
	(void)state;
	/* one VT() per case above: a new case needs its line */
	assert_int_equal(NR_VCASES, 62);
}

static void test_no_completion_requested(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_init in = { .hdr.type = htole32(VMB_NET_INIT),
				   .version = htole32(VMB_NET_VERSION_1_1) };

	net_fx_open(f, 0);
	net_fx_put(f, 0, 0, 5, &in, sizeof(in));
	channel_doorbell(f->q[0].ch);
	/* nowhere to answer: dropped, counted, and nothing done */
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "no_completion_requested"), 1);
	assert_int_equal(net_fx_config(f, 0, NULL), VMB_NET_S_BAD_STATE);
}

static void test_completions(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_hdr h = { .type = htole32(VMB_NET_RECV) };

	net_fx_up(f, 0, 2048, 64, VMB_NET_RXF_UNICAST);
	/* a completion of nothing the host sent */
	guest_put(&f->q[0].gin, VMB_PKT_COMPLETION, 2, 3, 0, 0x1234, &h,
		  sizeof(h));
	channel_doorbell(f->q[0].ch);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "unknown_completion"), 1);
	assert_false(f->q[0].ch->broken);
}

static void test_broken_framing(void **state)
{
	struct net_fx *f = *state;
	uint8_t junk[16] = { 0 };

	net_fx_open(f, 0);
	/* a packet type the class has no use for breaks the channel */
	guest_put(&f->q[0].gin, 7, 2, 4, VMB_PKT_F_COMPLETION_REQUESTED, 1,
		  junk, sizeof(junk));
	channel_doorbell(f->q[0].ch);
	assert_true(f->q[0].ch->broken);
}

/* Each --nic is a device of its own, where it stands; one error line each. */
static void test_cmdline_each(void **state)
{
	char *argv[] = { "vmbusd", "--ivshmem-socket", "s", "--guest-ram", "r",
			 "--control", "c", "--nic", "tap=na", "--offer", "echo",
			 "--nic", "tap=nb,queues=2", "--nic", "tap=na", NULL };
	struct vmbd_conf *c0, *c2, *c3;
	static struct options o;
	char msg[256];

	(void)state;
	log_init(NULL, VMBD_LOG_QUIET);
	net_tap = &net_fx_tap;
	assert_int_equal(vmbusd_parse_options(15, argv, &o), 0);
	assert_int_equal(o.nr_offers, 4);
	assert_ptr_equal(o.offers[0].be, &vmbd_backend_net);
	assert_string_equal(o.offers[1].spec, "echo");
	assert_ptr_equal(o.offers[2].be, &vmbd_backend_net);
	assert_int_equal(vmbusd_cmdline_conf(&o, 0, &c0, msg, sizeof(msg)), 0);
	assert_int_equal(vmbusd_cmdline_conf(&o, 2, &c2, msg, sizeof(msg)), 0);
	assert_ptr_not_equal(c0->conf, c2->conf);
	/* the third names the first one's TAP: refused, naming the option */
	assert_int_equal(vmbusd_cmdline_conf(&o, 3, &c3, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "--nic tap=na: TAP 'na' is another port's already");
	vmbd_conf_put(c0);
	vmbd_conf_put(c2);
	for (unsigned int q = 0; q < 2; q++)
		if (net_fx_peer[q] > 0) {
			close(net_fx_peer[q]);
			net_fx_peer[q] = 0;
		}
	net_tap = &tap_linux;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps_requested_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_walk_down, setup_10, teardown),
		cmocka_unit_test_setup_teardown(test_bad_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_chose_10, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subchannels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fifth_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_completion_requested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_framing, setup, teardown),
		cmocka_unit_test(test_vcases_all_run),
		cmocka_unit_test(test_cmdline_each),
#define VC(n) cmocka_unit_test_setup_teardown(test_v##n, setup, teardown)
		VC(0), VC(1), VC(2), VC(3), VC(4), VC(5), VC(6), VC(7), VC(8),
		VC(9), VC(10), VC(11), VC(12), VC(13), VC(14), VC(15), VC(16),
		VC(17), VC(18), VC(19), VC(20), VC(21), VC(22), VC(23), VC(24),
		VC(25), VC(26), VC(27), VC(28), VC(29), VC(30), VC(31), VC(32),
		VC(33), VC(34), VC(35), VC(36), VC(37), VC(38), VC(39), VC(40),
		VC(41), VC(42), VC(43), VC(44), VC(45), VC(46), VC(47), VC(48),
		VC(49), VC(50), VC(51), VC(52), VC(53), VC(54), VC(55), VC(56),
		VC(57), VC(58), VC(59), VC(60), VC(61),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
