// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* Toeplitz RSS hashing: see backends/nethash.h. */
#include <stdbool.h>
#include <string.h>

#include "backends/nethash.h"
#include "vmb_net.h"

uint32_t net_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *in,
		      size_t len)
{
	uint32_t window, hash = 0;
	size_t i, next = 4;	/* the key byte whose bits shift in next */
	int b;

	if (keylen < 4)
		return 0;
	window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
		 (uint32_t)key[2] << 8 | key[3];
	for (i = 0; i < len; i++, next++) {
		uint8_t k = next < keylen ? key[next] : 0;

		for (b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				hash ^= window;
			window = window << 1 | ((k >> b) & 1);
		}
	}
	return hash;
}

#define ETH_HLEN_	14
#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86dd
#define ETH_P_8021Q_	0x8100
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the IPv6 upper-layer header starts, and its protocol; -1: none. */
static int ipv6_l4(const uint8_t *ip, size_t len, size_t *off, uint8_t *proto)
{
	uint8_t nh = ip[6];
	size_t o = 40;
	int hops;

	for (hops = 0; hops < 8; hops++) {
		switch (nh) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
			if (o + 8 > len)
				return -1;
			nh = ip[o];
			o += 8 + 8 * (size_t)ip[o + 1];
			break;
		case 44:	/* fragment: no ports to trust */
			return -1;
		default:
			*off = o;
			*proto = nh;
			return 0;
		}
	}
	return -1;
}

uint32_t net_rss_hash(const uint8_t key[40], uint32_t types,
		      const uint8_t *frame, size_t len, uint32_t *hash)
{
	uint8_t in[36];
	size_t l3 = ETH_HLEN_, l4 = 0, alen;
	uint32_t type = 0;
	uint16_t proto;
	uint8_t p4 = 0;
	bool ports = false;

	if (len < ETH_HLEN_)
		return 0;
	proto = be16(frame + 12);
	if (proto == ETH_P_8021Q_) {
		if (len < ETH_HLEN_ + 4)
			return 0;
		proto = be16(frame + 16);
		l3 += 4;
	}
	if (proto == ETH_P_IP_) {
		const uint8_t *ip = frame + l3;
		size_t ihl;

		if (len < l3 + 20 || (ip[0] >> 4) != 4)
			return 0;
		ihl = (size_t)(ip[0] & 15) * 4;
		if (ihl < 20 || len < l3 + ihl)
			return 0;
		alen = 4;
		memcpy(in, ip + 12, 8);
		/* not a fragment: MF clear and offset 0 */
		if (!(be16(ip + 6) & 0x3fff)) {
			p4 = ip[9];
			l4 = l3 + ihl;
		}
		if (p4 == IPPROTO_TCP_ && (types & VMB_NET_HASH_TCP_IPV4))
			type = VMB_NET_HASH_TCP_IPV4;
		else if (p4 == IPPROTO_UDP_ && (types & VMB_NET_HASH_UDP_IPV4))
			type = VMB_NET_HASH_UDP_IPV4;
		else if (types & VMB_NET_HASH_IPV4)
			type = VMB_NET_HASH_IPV4;
		ports = type == VMB_NET_HASH_TCP_IPV4 ||
			type == VMB_NET_HASH_UDP_IPV4;
	} else if (proto == ETH_P_IPV6_) {
		const uint8_t *ip = frame + l3;
		size_t off = 0;

		if (len < l3 + 40 || (ip[0] >> 4) != 6)
			return 0;
		alen = 16;
		memcpy(in, ip + 8, 32);
		if (ipv6_l4(ip, len - l3, &off, &p4) == 0)
			l4 = l3 + off;
		if (p4 == IPPROTO_TCP_ && l4 && (types & VMB_NET_HASH_TCP_IPV6))
			type = VMB_NET_HASH_TCP_IPV6;
		else if (p4 == IPPROTO_UDP_ && l4 &&
			 (types & VMB_NET_HASH_UDP_IPV6))
			type = VMB_NET_HASH_UDP_IPV6;
		else if (types & VMB_NET_HASH_IPV6)
			type = VMB_NET_HASH_IPV6;
		ports = type == VMB_NET_HASH_TCP_IPV6 ||
			type == VMB_NET_HASH_UDP_IPV6;
	} else {
		return 0;
	}
	if (!type)
		return 0;
	if (ports && (!l4 || len < l4 + 4)) {
		/* the ports are cut off: the addresses, if that type is on */
		ports = false;
		type = alen == 4 ? VMB_NET_HASH_IPV4 : VMB_NET_HASH_IPV6;
		if (!(types & type))
			return 0;
	}
	if (ports)
		memcpy(in + 2 * alen, frame + l4, 4);
	*hash = net_toeplitz(key, VMB_NET_RSS_KEY_LEN, in,
			     2 * alen + (ports ? 4 : 0));
	return type;
}
