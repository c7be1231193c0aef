/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Receive-side scaling for the network back end (include/vmb_net.h,
 * SET_RSS): the Toeplitz hash, and which of a frame's fields it covers.
 * Pure functions of their arguments, so the unit tests can hold them to
 * the published verification vectors.
 */
#ifndef VMBUSD_NETHASH_H
#define VMBUSD_NETHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The Toeplitz hash of len bytes of input under key (keylen bytes; the
 * key must hold at least len + 4 bytes, as a 40-byte key does for the
 * 36 bytes of an IPv6 4-tuple).
 */
uint32_t net_toeplitz(const uint8_t *key, size_t keylen, const uint8_t *in,
		      size_t len);

/*
 * The hash of an Ethernet frame (len bytes, one VLAN tag allowed) under
 * key, over the fields of the most specific type in types
 * (VMB_NET_HASH_* mask) that the frame has: the addresses and ports of a
 * TCP or UDP segment over IPv4 or IPv6 (source address, destination
 * address, source port, destination port, as on the wire), else the two
 * addresses.  IPv4 fragments and IPv6 packets behind a fragment header
 * are hashed over their addresses only.  Returns the one VMB_NET_HASH_*
 * type used, with *hash, or 0 if none applies.
 */
uint32_t net_rss_hash(const uint8_t key[40], uint32_t types,
		      const uint8_t *frame, size_t len, uint32_t *hash);

#endif
