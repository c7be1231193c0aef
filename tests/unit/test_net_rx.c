// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The network back end's data path, as a guest and a TAP see it
 * (tests/unit/net_fx.h): SEND from a section and from GPA ranges with the
 * vnet header the TAP gets (checksum, TSO, VLAN put in), link down;
 * receive into runs of sections, RECV batching, the receive filter, VLAN
 * stripping, RSS to the sub-channels, section exhaustion and the
 * backpressure that follows (no reading, no busy loop, resumed by a
 * completion), and the one-shot RECV faults.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backends/nethash.h"
#include "net_fx.h"

#define ALLC	VMB_NET_CAP_ALL
/* without RX_GSO a receive buffer need only hold an MTU-sized frame */
#define SMALL	(VMB_NET_CAP_ALL & ~VMB_NET_CAP_RX_GSO)

static int setup(void **state)
{
	*state = net_fx_create("tap=fx0,queues=4,mac=02:00:00:00:00:01");
	return 0;
}

static int teardown(void **state)
{
	net_fx_destroy(*state);
	return 0;
}

static const uint8_t port_mac[6] = { 2, 0, 0, 0, 0, 1 };

/* The next RECV on queue q: its message (count, descriptors). */
static const struct vmb_net_recv *get_recv(struct net_fx *f, unsigned int q)
{
	const struct vmb_net_recv *r;

	assert_int_equal(net_fx_get(f, q), 1);
	assert_int_equal(f->pkt.type, VMB_PKT_INBAND);
	assert_true(f->pkt.flags & VMB_PKT_F_COMPLETION_REQUESTED);
	r = (const void *)f->pkt.payload;
	assert_int_equal(le32toh(r->hdr.type), VMB_NET_RECV);
	assert_int_equal(r->hdr.status, 0);
	assert_int_equal(r->reserved, 0);
	assert_true(le32toh(r->count) >= 1 && le32toh(r->count) <= VMB_NET_RECV_MAX);
	assert_int_equal(f->pkt.payload_len, ((sizeof(*r) + le32toh(r->count) *
					      sizeof(r->desc[0])) + 7) & ~7u);
	return r;
}

/* A SEND of the frame in send section sec of queue q; its status. */
static uint32_t send_section(struct net_fx *f, unsigned int q, uint32_t sec,
			     const uint8_t *fr, uint32_t len,
			     const struct vmb_net_meta *meta)
{
	struct vmb_net_send s = { .hdr.type = htole32(VMB_NET_SEND),
				  .section = htole32(sec), .len = htole32(len) };
	uint32_t i;

	if (meta)
		s.meta = *meta;
	for (i = 0; i < len; i++)
		*net_fx_send_at(f, q, (uint64_t)sec * 2048 + i) = fr[i];
	return net_fx_req(f, q, &s, sizeof(s));
}

static void test_send_section(void **state)
{
	struct net_fx *f = *state;
	struct virtio_net_hdr v;
	uint8_t fr[1514], got[1600];

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 1514, port_mac, 7);
	/* section 3 spans a page boundary at 2048 * 3 = 6144: pages 1 and 2 */
	assert_int_equal(send_section(f, 0, 3, fr, 1514, NULL), VMB_NET_S_OK);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), 1514);
	assert_memory_equal(got, fr, 1514);
	assert_int_equal(v.flags, 0);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(net_fx_counter(f, "tx_frames"), 1);
	assert_int_equal(net_fx_stat(f, "tx_bytes"), 1514);
	assert_int_equal(net_fx_stat(f, "q0.tx_frames"), 1);
	assert_int_equal(net_fx_stat(f, "tx_gso"), 0);
}

static void test_send_tso(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_meta m = {
		.flags = htole16(VMB_NET_M_CSUM_NEEDED),
		.gso_type = VMB_NET_GSO_TCPV4, .gso_size = htole16(700),
		.hdr_len = htole16(54), .csum_start = htole16(34),
		.csum_offset = htole16(16),
	};
	struct virtio_net_hdr v;
	uint8_t fr[2000], got[2100];

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 2000, port_mac, 1);
	/* a GSO frame may be bigger than the MTU (not than its section) */
	assert_int_equal(send_section(f, 0, 0, fr, 2000, &m), VMB_NET_S_OK);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), 2000);
	assert_int_equal(v.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(v.gso_size), 700);
	assert_int_equal(le16toh(v.hdr_len), 54);
	assert_int_equal(le16toh(v.csum_start), 34);
	assert_int_equal(le16toh(v.csum_offset), 16);
	assert_int_equal(net_fx_counter(f, "tx_gso"), 1);
	assert_int_equal(net_fx_stat(f, "tx_csum"), 1);
}

static void test_send_gpa(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_meta m = {
		.flags = htole16(VMB_NET_M_CSUM_NEEDED),
		.gso_type = VMB_NET_GSO_TCPV6, .gso_size = htole16(1440),
		.hdr_len = htole16(74), .csum_start = htole16(54),
		.csum_offset = htole16(16),
	};
	struct vmb_net_send s = { .hdr.type = htole32(VMB_NET_SEND),
				  .section = htole32(VMB_NET_NO_SECTION),
				  .len = htole32(20000), .meta = m };
	static uint8_t fr[20000], got[20100];
	uint8_t pl[16 + 8 * 8 + 16 + 8 + sizeof(s)];
	struct virtio_net_hdr v;
	uint32_t i, hdr;
	__le32 v32;
	__le64 v64;

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, sizeof(fr), port_mac, 3);
	/* two ranges: 16000 bytes from offset 100 of 4 pages, then 4000 */
	for (i = 0; i < 16000; i++)
		test_page(f->m, NET_FX_DATA_PFN + (100 + i) / 4096)[(100 + i) % 4096] = fr[i];
	for (i = 0; i < 4000; i++)
		test_page(f->m, NET_FX_DATA_PFN + 10)[i] = fr[16000 + i];
	memset(pl, 0, sizeof(pl));
	v32 = htole32(2);
	memcpy(pl, &v32, 4);
	v32 = htole32(16000);
	memcpy(pl + 8, &v32, 4);
	v32 = htole32(100);
	memcpy(pl + 12, &v32, 4);
	for (i = 0; i < 4; i++) {
		v64 = htole64(NET_FX_DATA_PFN + i);
		memcpy(pl + 16 + 8 * i, &v64, 8);
	}
	hdr = 16 + 32;
	v32 = htole32(4000);
	memcpy(pl + hdr, &v32, 4);
	v64 = htole64(NET_FX_DATA_PFN + 10);
	memcpy(pl + hdr + 8, &v64, 8);
	hdr += 16;
	memcpy(pl + hdr, &s, sizeof(s));
	guest_put(&f->q[0].gin, VMB_PKT_GPA_RANGE, (uint16_t)(2 + hdr / 8),
		  (uint16_t)(2 + (hdr + sizeof(s)) / 8),
		  VMB_PKT_F_COMPLETION_REQUESTED, 9, pl, hdr + sizeof(s));
	channel_doorbell(f->q[0].ch);
	assert_int_equal(net_fx_get(f, 0), 1);
	assert_int_equal(f->pkt.trans_id, 9);
	assert_int_equal(le32toh(((const struct vmb_net_hdr *)f->pkt.payload)->status),
			 VMB_NET_S_OK);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), 20000);
	assert_memory_equal(got, fr, 20000);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	/* ranges that add up to something else: refused, nothing sent */
	s.len = htole32(19999);
	memcpy(pl + hdr, &s, sizeof(s));
	guest_put(&f->q[0].gin, VMB_PKT_GPA_RANGE, (uint16_t)(2 + hdr / 8),
		  (uint16_t)(2 + (hdr + sizeof(s)) / 8),
		  VMB_PKT_F_COMPLETION_REQUESTED, 10, pl, hdr + sizeof(s));
	channel_doorbell(f->q[0].ch);
	assert_int_equal(net_fx_get(f, 0), 1);
	assert_int_equal(le32toh(((const struct vmb_net_hdr *)f->pkt.payload)->status),
			 VMB_NET_S_INVALID);
	assert_int_equal(net_fx_counter(f, "bad_ranges"), 1);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), -1);
	/* ranges and a section at once: which is the frame? */
	s.len = htole32(20000);
	s.section = htole32(0);
	memcpy(pl + hdr, &s, sizeof(s));
	guest_put(&f->q[0].gin, VMB_PKT_GPA_RANGE, (uint16_t)(2 + hdr / 8),
		  (uint16_t)(2 + (hdr + sizeof(s)) / 8),
		  VMB_PKT_F_COMPLETION_REQUESTED, 11, pl, hdr + sizeof(s));
	channel_doorbell(f->q[0].ch);
	assert_int_equal(net_fx_get(f, 0), 1);
	assert_int_equal(le32toh(((const struct vmb_net_hdr *)f->pkt.payload)->status),
			 VMB_NET_S_INVALID);
	assert_int_equal(net_fx_counter(f, "bad_section"), 1);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), -1);
}

static void test_send_vlan(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_meta m = {
		.flags = htole16(VMB_NET_M_VLAN | VMB_NET_M_CSUM_NEEDED),
		.vlan_tci = htole16(0x2064), .csum_start = htole16(34),
		.csum_offset = htole16(6),
	};
	struct virtio_net_hdr v;
	uint8_t fr[100], got[200];

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 100, port_mac, 5);
	assert_int_equal(send_section(f, 0, 1, fr, 100, &m), VMB_NET_S_OK);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), 104);
	assert_memory_equal(got, fr, 12);
	assert_int_equal(got[12], 0x81);
	assert_int_equal(got[13], 0x00);
	assert_int_equal(got[14], 0x20);
	assert_int_equal(got[15], 0x64);
	assert_memory_equal(got + 16, fr + 12, 88);
	assert_int_equal(le16toh(v.csum_start), 38);
}

static void test_link_down(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_link *l;
	struct virtio_net_hdr v;
	uint8_t fr[60], got[100];

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	assert_int_equal(net_fx_cmd(f, "nic link fx0 down"), 0);
	assert_int_equal(net_fx_get(f, 0), 1);
	assert_int_equal(f->pkt.type, VMB_PKT_INBAND);
	assert_int_equal(f->pkt.trans_id, 0);
	assert_false(f->pkt.flags & VMB_PKT_F_COMPLETION_REQUESTED);
	l = (const void *)f->pkt.payload;
	assert_int_equal(le32toh(l->hdr.type), VMB_NET_LINK_STATUS);
	assert_int_equal(l->link_up, 0);
	net_fx_frame(fr, 60, port_mac, 0);
	/* completed OK, but not sent */
	assert_int_equal(send_section(f, 0, 0, fr, 60, NULL), VMB_NET_S_OK);
	assert_int_equal(net_fx_tap_get(0, &v, got, sizeof(got)), -1);
	assert_int_equal(net_fx_counter(f, "tx_drop_link"), 1);
	/* and nothing delivered */
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "rx_drop_link"), 1);
	assert_int_equal(net_fx_cmd(f, "nic link 1 up"), 0);
	assert_int_equal(net_fx_get(f, 0), 1);
	assert_int_equal(((const struct vmb_net_link *)f->pkt.payload)->link_up,
			 htole32(1));
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	get_recv(f, 0);
}

static void test_recv_sections(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_recv *r;
	uint8_t fr[1514];
	uint32_t sec, i;

	/* 512-byte sections: a full frame takes three, consecutive */
	net_fx_up(f, SMALL, 512, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 1514, port_mac, 9);
	net_fx_tap_put(0, NULL, fr, 1514);
	net_fx_tap_put(0, NULL, fr, 100);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(le32toh(r->count), 2);
	assert_int_equal(le32toh(r->desc[0].len), 1514);
	assert_int_equal(le32toh(r->desc[1].len), 100);
	sec = le32toh(r->desc[0].section);
	assert_int_equal(le32toh(r->desc[1].section), sec + 3);
	for (i = 0; i < 1514; i++)
		if (*net_fx_recv_at(f, 0, (uint64_t)sec * 512 + i) != fr[i])
			fail_msg("byte %u of the frame differs", i);
	assert_int_equal(net_fx_counter(f, "rx_frames"), 2);
	assert_int_equal(net_fx_stat(f, "rx_bytes"), 1614);
	assert_int_equal(net_fx_stat(f, "recvs"), 1);
}

static void test_recv_batching(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_recv *r;
	uint64_t tid1, tid2;
	uint8_t fr[64];
	unsigned int i;

	net_fx_up(f, SMALL, 256, 256, VMB_NET_RXF_UNICAST);
	for (i = 0; i < 100; i++) {
		net_fx_frame(fr, 64, port_mac, (uint8_t)i);
		net_fx_tap_put(0, NULL, fr, 64);
	}
	net_fx_loop(f);
	r = get_recv(f, 0);
	tid1 = f->pkt.trans_id;
	assert_int_equal(le32toh(r->count), VMB_NET_RECV_MAX);
	for (i = 0; i < VMB_NET_RECV_MAX; i++)
		assert_int_equal(*net_fx_recv_at(f, 0, (uint64_t)le32toh(r->desc[i].section) * 256 + 14),
				 (uint8_t)(i + 14));
	r = get_recv(f, 0);
	tid2 = f->pkt.trans_id;
	assert_int_equal(le32toh(r->count), 36);
	assert_int_not_equal(tid1, tid2);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "recvs"), 2);
	net_fx_complete(f, 0, tid1);
	net_fx_complete(f, 0, tid2);
	assert_int_equal(net_fx_counter(f, "recv_done"), 2);
	/* each completes once: again is unknown */
	net_fx_complete(f, 0, tid1);
	assert_int_equal(net_fx_counter(f, "unknown_completion"), 1);
}

static void test_backpressure(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_recv *r;
	uint8_t fr[1000];
	unsigned int i;
	uint64_t tid;

	/* four 2048-byte sections: four frames, then nothing free */
	net_fx_up(f, SMALL, 2048, 4, VMB_NET_RXF_UNICAST);
	for (i = 0; i < 7; i++) {
		net_fx_frame(fr, 1000, port_mac, (uint8_t)i);
		net_fx_tap_put(0, NULL, fr, 1000);
	}
	net_fx_loop(f);
	r = get_recv(f, 0);
	tid = f->pkt.trans_id;
	assert_int_equal(le32toh(r->count), 4);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "rx_stalls"), 1);
	assert_int_equal(net_fx_stat(f, "rx_frames"), 4);
	/* the TAP is no longer read: no callbacks, however long we wait */
	assert_int_equal(evl_run_once(f->env.loop, 50), 0);
	assert_int_equal(net_fx_counter(f, "rx_stalls"), 1);
	/* the guest gives the sections back: the rest come */
	net_fx_complete(f, 0, tid);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(le32toh(r->count), 3);
	assert_int_equal(*net_fx_recv_at(f, 0, (uint64_t)le32toh(r->desc[0].section) * 2048 + 14),
			 (uint8_t)(4 + 14));
	assert_int_equal(net_fx_counter(f, "rx_frames"), 7);
	assert_int_equal(net_fx_stat(f, "rx_drop_big") + net_fx_stat(f, "rx_drop_filter"), 0);
}

static void test_ring_room(void **state)
{
	struct net_fx *f = *state;
	uint8_t fr[60];
	unsigned int i, recvs = 0;
	uint64_t tids[300];

	/* many small RECVs the guest does not read: its 8 KiB ring fills */
	f->out_pages = 3;
	net_fx_up(f, SMALL, 256, 1600, VMB_NET_RXF_UNICAST);
	for (i = 0; i < 200; i++) {
		net_fx_frame(fr, 60, port_mac, (uint8_t)i);
		net_fx_tap_put(0, NULL, fr, 60);
		net_fx_loop(f);		/* one frame a round: one RECV each */
	}
	assert_true(net_fx_counter(f, "rx_stalls") >= 1);
	assert_true(net_fx_stat(f, "recvs") < 200);
	assert_int_equal(f->q[0].ch->st.dropped, 0);
	/* nothing waits in the channel's backlog: the back end held back */
	assert_int_equal(f->q[0].ch->bl_len, 0);
	assert_int_equal(evl_run_once(f->env.loop, 20), 0);
	/* the guest reads the ring and signals: the rest come */
	while (recvs < 200) {
		unsigned int n = 0;

		while (net_fx_get(f, 0)) {
			const struct vmb_net_recv *r = (const void *)f->pkt.payload;

			assert_int_equal(le32toh(r->hdr.type), VMB_NET_RECV);
			recvs += le32toh(r->count);
			tids[n++] = f->pkt.trans_id;
		}
		if (!n)
			fail_msg("stuck at %u frames", recvs);
		while (n--)
			net_fx_complete(f, 0, tids[n]);
		net_fx_loop(f);
	}
	assert_int_equal(net_fx_counter(f, "rx_frames"), 200);
}

static void test_rx_filter_drops(void **state)
{
	struct net_fx *f = *state;
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 9 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mc[6] = { 1, 0, 0x5e, 0, 0, 0xfb };
	struct vmb_net_rx_filter m;
	const struct vmb_net_recv *r;
	struct vmb_net_mac sm = { .hdr.type = htole32(VMB_NET_SET_MAC),
				  .mac = { 2, 0, 0, 0, 0, 9 } };
	uint8_t fr[60];

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 60, other, 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_frame(fr, 60, bcast, 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_frame(fr, 60, mc, 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "rx_drop_filter"), 3);
	/* broadcast and the one multicast address */
	memset(&m, 0, sizeof(m));
	m.hdr.type = htole32(VMB_NET_SET_RX_FILTER);
	m.flags = htole32(VMB_NET_RXF_UNICAST | VMB_NET_RXF_BROADCAST |
			  VMB_NET_RXF_MULTICAST);
	m.mc_count = htole32(1);
	memcpy(m.mc[0], mc, 6);
	assert_int_equal(net_fx_req(f, 0, &m, sizeof(m)), VMB_NET_S_OK);
	assert_int_equal(net_fx_req(f, 0, &sm, sizeof(sm)), VMB_NET_S_OK);
	net_fx_frame(fr, 60, other, 0);	/* the new MAC */
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_frame(fr, 60, port_mac, 0);	/* the old one: no more */
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_frame(fr, 60, bcast, 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_frame(fr, 60, mc, 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(le32toh(r->count), 3);
	assert_int_equal(net_fx_counter(f, "rx_drop_filter"), 4);
	/* filter 0 delivers none */
	assert_int_equal(net_fx_filter(f, 0), VMB_NET_S_OK);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "rx_drop_filter"), 5);
}

static void test_rx_offloads(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_recv *r;
	struct virtio_net_hdr v;
	static uint8_t fr[30000];

	net_fx_up(f, ALLC, 4096, 100, VMB_NET_RXF_UNICAST);
	/* a TSO frame from the TAP, VLAN-tagged: stripped, meta filled */
	net_fx_frame(fr, sizeof(fr), port_mac, 0);
	fr[12] = 0x81;
	fr[13] = 0x00;
	fr[14] = 0x00;
	fr[15] = 0x07;
	fr[16] = 0x08;
	fr[17] = 0x00;
	fr[38 + 12] = 0x50;		/* TCP header at 38: 20 bytes */
	memset(&v, 0, sizeof(v));
	v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID;
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	v.gso_size = htole16(1448);
	v.csum_start = htole16(38);
	v.csum_offset = htole16(16);
	net_fx_tap_put(0, &v, fr, sizeof(fr));
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(le32toh(r->count), 1);
	assert_int_equal(le32toh(r->desc[0].len), sizeof(fr) - 4);
	assert_int_equal(r->desc[0].meta.gso_type, VMB_NET_GSO_TCPV4);
	assert_int_equal(le16toh(r->desc[0].meta.gso_size), 1448);
	assert_int_equal(le16toh(r->desc[0].meta.hdr_len), 54);
	assert_int_equal(le16toh(r->desc[0].meta.csum_start), 34);
	assert_int_equal(le16toh(r->desc[0].meta.flags),
			 VMB_NET_M_CSUM_NEEDED | VMB_NET_M_CSUM_VALID | VMB_NET_M_VLAN);
	assert_int_equal(le16toh(r->desc[0].meta.vlan_tci), 7);
	/* the frame as if it had never been tagged */
	assert_int_equal(*net_fx_recv_at(f, 0, (uint64_t)le32toh(r->desc[0].section) * 4096 + 12), 0x08);
	assert_int_equal(net_fx_counter(f, "rx_gso"), 1);
	assert_int_equal(net_fx_stat(f, "rx_csum_valid"), 1);
}

static void test_rx_csum_finished(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_recv *r;
	struct virtio_net_hdr v;
	uint8_t fr[100], *p;
	uint32_t sum = 0, i;

	/* no RX_GSO: a partial checksum is finished before the guest sees it */
	net_fx_up(f, VMB_NET_CAP_RX_CSUM, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 100, port_mac, 0);
	fr[50] = 0;
	fr[51] = 0;
	memset(&v, 0, sizeof(v));
	v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	v.csum_start = htole16(34);
	v.csum_offset = htole16(16);
	net_fx_tap_put(0, &v, fr, 100);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(r->desc[0].meta.flags, 0);
	p = net_fx_recv_at(f, 0, (uint64_t)le32toh(r->desc[0].section) * 2048);
	for (i = 34; i < 100; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	/* a TSO frame it did not ask for is dropped */
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	v.gso_size = htole16(10);
	net_fx_tap_put(0, &v, fr, 100);
	net_fx_loop(f);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_counter(f, "rx_drop_bad"), 1);
}

static void test_rss(void **state)
{
	struct net_fx *f = *state;
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
		0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
		0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
		0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
		0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	struct vmb_net_subchannels s = {
		.hdr.type = htole32(VMB_NET_SUBCHANNELS), .count = htole16(2) };
	struct vmb_net_rss rss;
	const struct vmb_net_recv *r;
	uint8_t fr[80];
	unsigned int i;

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_OK);
	net_fx_open(f, 1);
	net_fx_open(f, 2);
	assert_int_equal(net_fx_attach(f, 1, 2048, 64), VMB_NET_S_OK);
	assert_int_equal(net_fx_attach(f, 2, 2048, 64), VMB_NET_S_OK);
	memset(&rss, 0, sizeof(rss));
	rss.hdr.type = htole32(VMB_NET_SET_RSS);
	rss.hash_types = htole32(VMB_NET_HASH_TCP_IPV4 | VMB_NET_HASH_IPV4);
	memcpy(rss.key, key, sizeof(key));
	for (i = 0; i < VMB_NET_RSS_INDIR_LEN; i++)
		rss.indir[i] = 1;
	rss.indir[0x51ccc178 % 128] = 2;
	assert_int_equal(net_fx_req(f, 0, &rss, sizeof(rss)), VMB_NET_S_OK);
	/* 66.9.149.187:2794 -> 161.142.100.80:1766: 0x51ccc178, % 128 = 120 */
	net_fx_frame(fr, 80, port_mac, 0);
	fr[12] = 0x08;
	fr[13] = 0x00;
	memset(fr + 14, 0, 40);
	fr[14] = 0x45;
	fr[14 + 9] = 6;
	memcpy(fr + 26, (uint8_t[]){ 66, 9, 149, 187, 161, 142, 100, 80 }, 8);
	memcpy(fr + 34, (uint8_t[]){ 2794 >> 8, 2794 & 0xff, 1766 >> 8, 1766 & 0xff }, 4);
	net_fx_tap_put(0, NULL, fr, 80);	/* whichever TAP queue it came on */
	net_fx_loop(f);
	assert_int_equal(net_fx_get(f, 0), 0);
	assert_int_equal(net_fx_get(f, 1), 0);
	r = get_recv(f, 2);
	assert_int_equal(le16toh(r->desc[0].meta.flags) & VMB_NET_M_HASH, VMB_NET_M_HASH);
	assert_int_equal(r->desc[0].meta.hash_type, VMB_NET_HASH_TCP_IPV4);
	assert_int_equal(le32toh(r->desc[0].meta.hash), 0x51ccc178);
	assert_int_equal(net_fx_counter(f, "q0.rx_frames"), 0);
	assert_int_equal(net_fx_stat(f, "q2.rx_frames"), 1);
	/* queue 2 goes away: its share falls back to the primary */
	net_fx_close_q(f, 2);
	net_fx_tap_put(1, NULL, fr, 80);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(le32toh(r->desc[0].meta.hash), 0x51ccc178);
	/* an ARP frame has no hash: to the primary, without M_HASH */
	fr[12] = 0x08;
	fr[13] = 0x06;
	net_fx_tap_put(0, NULL, fr, 80);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_int_equal(le16toh(r->desc[0].meta.flags) & VMB_NET_M_HASH, 0);
}

static void test_faults(void **state)
{
	struct net_fx *f = *state;
	const struct vmb_net_recv *r;
	uint8_t fr[60];

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	net_fx_frame(fr, 60, port_mac, 0);
	assert_int_equal(net_fx_cmd(f, "nic fault 1 bad_section"), 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_true(le32toh(r->desc[0].section) >= 64);
	/* once: the next is well formed */
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_true(le32toh(r->desc[0].section) < 64);
	assert_int_equal(net_fx_cmd(f, "nic fault fx0 bad_length"), 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_true((uint64_t)le32toh(r->desc[0].section) * 2048 +
		    le32toh(r->desc[0].len) > 64 * 2048);
	assert_int_equal(net_fx_cmd(f, "nic fault 1 bad_meta"), 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	r = get_recv(f, 0);
	assert_true(le16toh(r->desc[0].meta.flags) & ~VMB_NET_M_ALL);
	assert_true(r->desc[0].meta.gso_type > VMB_NET_GSO_TCPV6);
	assert_int_equal(net_fx_cmd(f, "nic fault 1 unknown_completion"), 0);
	net_fx_tap_put(0, NULL, fr, 60);
	net_fx_loop(f);
	assert_int_equal(net_fx_get(f, 0), 1);
	assert_int_equal(f->pkt.type, VMB_PKT_COMPLETION);
	assert_true(f->pkt.trans_id >> 32 == 0x5a5a5a5a);
	get_recv(f, 0);
	assert_int_equal(net_fx_counter(f, "injected"), 4);
	assert_int_equal(net_fx_cmd(f, "nic fault 1 bogus"), -1);
	assert_int_equal(net_fx_cmd(f, "nic fault 1 clear"), 0);
}

static void test_stats_format(void **state)
{
	struct net_fx *f = *state;
	const char *p;
	char key[64];
	unsigned long long v;
	unsigned int lines = 0;

	net_fx_up(f, ALLC, 2048, 64, VMB_NET_RXF_UNICAST);
	assert_int_equal(net_fx_cmd(f, "nic stats fx0"), 0);
	/* every line: one key, one space, one value */
	for (p = f->out; *p; p = strchr(p, '\n') + 1) {
		assert_true(sscanf(p, "%63s %llu", key, &v) == 2 ||
			    sscanf(p, "%63s %63s", key, key) == 2);
		lines++;
	}
	assert_true(lines > 30);
	assert_non_null(strstr(f->out, "q3.tx_gso 0\n"));
	assert_int_equal(net_fx_cmd(f, "nic stats 9"), -1);
	assert_int_equal(net_fx_cmd(f, "nic bogus 1"), -1);
	assert_int_equal(net_fx_cmd(f, "status"), 0);
	assert_non_null(strstr(f->out, " net_rx_frames=0 net_tx_frames=0"));
}

static void test_nic_add_errors(void **state)
{
	struct net_fx *f = *state;

	assert_int_equal(net_fx_cmd(f, "nic add tap=fx0"), -1);
	assert_non_null(strstr(f->err, "another port's"));
	assert_int_equal(net_fx_cmd(f, "nic add tap=fx1,mtu=67"), -1);
	assert_non_null(strstr(f->err, "mtu=67"));
	assert_int_equal(net_fx_cmd(f, "nic add tap=fx1,queues=17"), -1);
	assert_int_equal(net_fx_cmd(f, "nic add tap=fx1,mac=01:00:00:00:00:01"), -1);
	assert_int_equal(net_fx_cmd(f, "nic add tap=fx1,version=1.2"), -1);
	assert_int_equal(net_fx_cmd(f, "nic add tap=fx1,tap=fx2"), -1);
	assert_non_null(strstr(f->err, "twice"));
	assert_int_equal(net_fx_cmd(f, "nic add mtu=1500"), -1);
	assert_int_equal(net_fx_cmd(f, "nic add tap=fx1,queues=2,mtu=9000"), 0);
	assert_non_null(strstr(f->out, "nic: relid=2 tap=fx1 mac=02:"));
	assert_int_equal(net_fx_cmd(f, "nic remove fx1"), 0);
	assert_int_equal(net_fx_cmd(f, "nic list"), 0);
	assert_null(strstr(f->out, "fx1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_tso, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_gpa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_batching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_filter_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_offloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_csum_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_add_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
