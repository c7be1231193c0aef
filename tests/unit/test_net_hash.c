// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The network back end's pure functions: the Toeplitz hash against the
 * published RSS verification suite (Microsoft's key and expected hashes,
 * IPv4 and IPv6, with and without ports), which fields of a frame each
 * hash type covers, the receive filter's decisions, and the translation
 * between vmb_net_meta and the TAP's virtio_net_hdr both ways.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "backends/net.h"
#include "backends/nethash.h"

static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct v4 {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t ip, tcp;
};

static const struct v4 v4s[] = {
	{ "161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2 },
};

static const struct v4 v6s[] = {
	{ "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794,
	  0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230,
	  0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf",
	  38024, 44251, 0x4b61e985, 0x02d1feef },
};

/* The hash input: source address, destination address, ports. */
static size_t input(int af, const struct v4 *v, uint8_t *in)
{
	size_t a = af == AF_INET ? 4 : 16;

	assert_int_equal(inet_pton(af, v->src, in), 1);
	assert_int_equal(inet_pton(af, v->dst, in + a), 1);
	in[2 * a] = (uint8_t)(v->sport >> 8);
	in[2 * a + 1] = (uint8_t)v->sport;
	in[2 * a + 2] = (uint8_t)(v->dport >> 8);
	in[2 * a + 3] = (uint8_t)v->dport;
	return 2 * a;
}

static void test_toeplitz_ipv4(void **state)
{
	uint8_t in[36];
	unsigned int i;
	size_t n;

	(void)state;
	for (i = 0; i < sizeof(v4s) / sizeof(v4s[0]); i++) {
		n = input(AF_INET, &v4s[i], in);
		assert_int_equal(net_toeplitz(ms_key, 40, in, n), v4s[i].ip);
		assert_int_equal(net_toeplitz(ms_key, 40, in, n + 4), v4s[i].tcp);
	}
}

static void test_toeplitz_ipv6(void **state)
{
	uint8_t in[36];
	unsigned int i;
	size_t n;

	(void)state;
	for (i = 0; i < sizeof(v6s) / sizeof(v6s[0]); i++) {
		n = input(AF_INET6, &v6s[i], in);
		assert_int_equal(net_toeplitz(ms_key, 40, in, n), v6s[i].ip);
		assert_int_equal(net_toeplitz(ms_key, 40, in, n + 4), v6s[i].tcp);
	}
}

/* An Ethernet frame carrying v as proto (6 TCP, 17 UDP), optionally tagged. */
static size_t frame_of(int af, const struct v4 *v, uint8_t proto, bool vlan,
		       bool frag, uint8_t *fr)
{
	size_t l3 = 14, l4;
	uint8_t in[36];

	memset(fr, 0, 200);
	if (vlan) {
		fr[12] = 0x81;
		fr[15] = 5;
		l3 += 4;
	}
	input(af, v, in);
	if (af == AF_INET) {
		fr[l3 - 2] = 0x08;
		fr[l3] = 0x45;
		fr[l3 + 9] = proto;
		if (frag)
			fr[l3 + 6] = 0x20;	/* MF */
		memcpy(fr + l3 + 12, in, 8);
		l4 = l3 + 20;
		memcpy(fr + l4, in + 8, 4);
	} else {
		fr[l3 - 2] = 0x86;
		fr[l3 - 1] = 0xdd;
		fr[l3] = 0x60;
		fr[l3 + 6] = frag ? 44 : proto;
		memcpy(fr + l3 + 8, in, 32);
		l4 = l3 + 40;
		if (frag) {
			fr[l4] = proto;
			l4 += 8;
		}
		memcpy(fr + l4, in + 32, 4);
	}
	return l4 + 20;
}

static void test_rss_frames(void **state)
{
	uint8_t fr[200];
	uint32_t h = 0;
	size_t n;

	(void)state;
	/* TCP/IPv4 with TCP_IPV4: the 4-tuple; without it: the addresses */
	n = frame_of(AF_INET, &v4s[0], 6, false, false, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, n, &h),
			 VMB_NET_HASH_TCP_IPV4);
	assert_int_equal(h, v4s[0].tcp);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_IPV4, fr, n, &h),
			 VMB_NET_HASH_IPV4);
	assert_int_equal(h, v4s[0].ip);
	/* the same behind a VLAN tag */
	n = frame_of(AF_INET, &v4s[1], 6, true, false, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, n, &h),
			 VMB_NET_HASH_TCP_IPV4);
	assert_int_equal(h, v4s[1].tcp);
	/* UDP: only with UDP_IPV4, else the addresses */
	n = frame_of(AF_INET, &v4s[2], 17, false, false, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_UDP_IPV4, fr, n, &h),
			 VMB_NET_HASH_UDP_IPV4);
	assert_int_equal(h, v4s[2].tcp);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_TCP_IPV4 |
				      VMB_NET_HASH_IPV4, fr, n, &h),
			 VMB_NET_HASH_IPV4);
	assert_int_equal(h, v4s[2].ip);
	/* a fragment: addresses only */
	n = frame_of(AF_INET, &v4s[3], 6, false, true, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, n, &h),
			 VMB_NET_HASH_IPV4);
	assert_int_equal(h, v4s[3].ip);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_TCP_IPV4, fr, n, &h), 0);
	/* IPv6 */
	n = frame_of(AF_INET6, &v6s[0], 6, false, false, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, n, &h),
			 VMB_NET_HASH_TCP_IPV6);
	assert_int_equal(h, v6s[0].tcp);
	n = frame_of(AF_INET6, &v6s[1], 17, false, false, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_UDP_IPV6, fr, n, &h),
			 VMB_NET_HASH_UDP_IPV6);
	assert_int_equal(h, v6s[1].tcp);
	n = frame_of(AF_INET6, &v6s[2], 6, false, true, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, n, &h),
			 VMB_NET_HASH_IPV6);
	assert_int_equal(h, v6s[2].ip);
	/* IPv4 types do not hash IPv6, nor anything ARP */
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_IPV4 |
				      VMB_NET_HASH_TCP_IPV4, fr, n, &h), 0);
	memset(fr, 0, 60);
	fr[12] = 0x08;
	fr[13] = 0x06;
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, 60, &h), 0);
	/* short frames hash nothing, and read nothing past their end */
	n = frame_of(AF_INET, &v4s[0], 6, false, false, fr);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, 30, &h), 0);
	assert_int_equal(net_rss_hash(ms_key, VMB_NET_HASH_ALL, fr, 36, &h),
			 VMB_NET_HASH_IPV4);
}

static void test_rx_filter(void **state)
{
	static const uint8_t port[6] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mc1[6] = { 1, 0, 0x5e, 0, 0, 1 };
	static const uint8_t mc2[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t list[1][6];

	(void)state;
	memcpy(list[0], mc1, 6);
	assert_false(net_rx_filter_pass(0, port, list, 1, port));
	assert_true(net_rx_filter_pass(VMB_NET_RXF_UNICAST, port, list, 1, port));
	assert_false(net_rx_filter_pass(VMB_NET_RXF_UNICAST, port, list, 1, other));
	assert_false(net_rx_filter_pass(VMB_NET_RXF_UNICAST, port, list, 1, bcast));
	assert_true(net_rx_filter_pass(VMB_NET_RXF_BROADCAST, port, list, 1, bcast));
	/* broadcast is not multicast for the filter */
	assert_false(net_rx_filter_pass(VMB_NET_RXF_ALLMULTI, port, list, 1, bcast));
	assert_true(net_rx_filter_pass(VMB_NET_RXF_MULTICAST, port, list, 1, mc1));
	assert_false(net_rx_filter_pass(VMB_NET_RXF_MULTICAST, port, list, 1, mc2));
	assert_false(net_rx_filter_pass(VMB_NET_RXF_MULTICAST, port, list, 0, mc1));
	assert_true(net_rx_filter_pass(VMB_NET_RXF_ALLMULTI, port, list, 0, mc2));
	assert_false(net_rx_filter_pass(VMB_NET_RXF_ALLMULTI, port, list, 0, other));
	assert_true(net_rx_filter_pass(VMB_NET_RXF_PROMISC, port, list, 0, other));
	assert_true(net_rx_filter_pass(VMB_NET_RXF_PROMISC, port, list, 0, mc2));
}

static void test_meta_to_vnet(void **state)
{
	struct vmb_net_meta m;
	struct virtio_net_hdr v;

	(void)state;
	memset(&m, 0, sizeof(m));
	net_meta_to_vnet(&m, 0, &v);
	assert_int_equal(v.flags, 0);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	m.flags = htole16(VMB_NET_M_CSUM_NEEDED);
	m.csum_start = htole16(34);
	m.csum_offset = htole16(16);
	net_meta_to_vnet(&m, 0, &v);
	assert_int_equal(v.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(le16toh(v.csum_start), 34);
	assert_int_equal(le16toh(v.csum_offset), 16);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	m.flags = htole16(VMB_NET_M_CSUM_NEEDED | VMB_NET_M_GSO_ECN);
	m.gso_type = VMB_NET_GSO_TCPV6;
	m.gso_size = htole16(1440);
	m.hdr_len = htole16(74);
	m.csum_start = htole16(54);
	net_meta_to_vnet(&m, 0, &v);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN);
	assert_int_equal(le16toh(v.gso_size), 1440);
	assert_int_equal(le16toh(v.hdr_len), 74);
	/* a VLAN tag put in moves the offsets */
	m.gso_type = VMB_NET_GSO_TCPV4;
	m.flags = htole16(VMB_NET_M_CSUM_NEEDED | VMB_NET_M_VLAN);
	net_meta_to_vnet(&m, 4, &v);
	assert_int_equal(v.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(v.csum_start), 58);
	assert_int_equal(le16toh(v.hdr_len), 78);
	assert_int_equal(le16toh(v.csum_offset), 16);
}

static void test_vnet_to_meta(void **state)
{
	struct vmb_net_meta m;
	struct virtio_net_hdr v;
	uint8_t fr[1514];

	(void)state;
	memset(fr, 0, sizeof(fr));
	fr[34 + 12] = 0x80;		/* TCP data offset 8: 32 bytes */
	memset(&v, 0, sizeof(v));
	v.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	assert_int_equal(net_vnet_to_meta(&v, VMB_NET_CAP_RX_CSUM, fr, 60, 0, &m), 0);
	assert_int_equal(le16toh(m.flags), VMB_NET_M_CSUM_VALID);
	/* without the cap the guest is not told */
	assert_int_equal(net_vnet_to_meta(&v, 0, fr, 60, 0, &m), 0);
	assert_int_equal(m.flags, 0);
	/* a TSO frame: gso from the vnet header, hdr_len from the TCP header */
	v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	v.gso_size = htole16(1448);
	v.hdr_len = htole16(1514);	/* skb_headlen: not the headers */
	v.csum_start = htole16(34);
	v.csum_offset = htole16(16);
	assert_int_equal(net_vnet_to_meta(&v, VMB_NET_CAP_RX_GSO, fr, 1514, 0, &m), 0);
	assert_int_equal(m.gso_type, VMB_NET_GSO_TCPV4);
	assert_int_equal(le16toh(m.gso_size), 1448);
	assert_int_equal(le16toh(m.hdr_len), 34 + 32);
	assert_int_equal(le16toh(m.flags), VMB_NET_M_CSUM_NEEDED | VMB_NET_M_GSO_ECN);
	assert_int_equal(le16toh(m.csum_start), 34);
	assert_int_equal(le16toh(m.csum_offset), 16);
	/* a stripped VLAN tag moves them back */
	v.csum_start = htole16(38);
	assert_int_equal(net_vnet_to_meta(&v, VMB_NET_CAP_RX_GSO, fr, 1510, 4, &m), 0);
	assert_int_equal(le16toh(m.csum_start), 34);
	/* no RX_GSO, or a GSO kind we do not carry: not as it is */
	v.csum_start = htole16(34);
	assert_int_equal(net_vnet_to_meta(&v, VMB_NET_CAP_RX_CSUM, fr, 1514, 0, &m), -1);
	v.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(net_vnet_to_meta(&v, VMB_NET_CAP_RX_GSO, fr, 1514, 0, &m), -1);
	/* offsets past the frame */
	v.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	v.csum_start = htole16(1500);
	assert_int_equal(net_vnet_to_meta(&v, VMB_NET_CAP_RX_GSO, fr, 1514, 0, &m), -1);
	/* a partial checksum without RX_GSO: the caller finishes it */
	assert_int_equal(net_vnet_to_meta(&v, 0, fr, 1514, 0, &m), 0);
	assert_int_equal(m.flags, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_ipv4),
		cmocka_unit_test(test_toeplitz_ipv6),
		cmocka_unit_test(test_rss_frames),
		cmocka_unit_test(test_rx_filter),
		cmocka_unit_test(test_meta_to_vnet),
		cmocka_unit_test(test_vnet_to_meta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
