// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>

#include "backends/echo.h"

uint64_t fnv1a64(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len--) {
		h ^= *b++;
		h *= VMB_ECHO_FNV1A64_PRIME;
	}
	return h;
}

static void echo_gpa(struct channel *ch, const struct ring_pkt *pkt)
{
	uint64_t h = VMB_ECHO_FNV1A64_BASIS, total = 0;
	struct vmb_echo_gpa_result reply;
	uint32_t i, k;

	for (i = 0; i < pkt->nr_ranges; i++) {
		const struct ring_gpa_range *rg = &pkt->range[i];
		uint32_t left = rg->byte_count, in = rg->byte_offset;

		/* parse checked nr_pfns covers byte_offset + byte_count */
		for (k = 0; k < rg->nr_pfns && left; k++) {
			uint32_t n = VMB_PAGE_SIZE - in;

			if (n > left)
				n = left;
			h = fnv1a64(h, pkt->page[rg->first + k] + in, n);
			left -= n;
			total += n;
			in = 0;
		}
	}
	reply.fnv1a64 = htole64(h);
	reply.bytes = htole64(total);
	channel_send(ch, VMB_PKT_COMPLETION, 0, pkt->trans_id, &reply,
		     sizeof(reply));
}

static void echo_packet(struct channel *ch, const struct ring_pkt *pkt)
{
	switch (pkt->type) {
	case VMB_PKT_INBAND:
		channel_send(ch, (pkt->flags & VMB_PKT_F_COMPLETION_REQUESTED) ?
			     VMB_PKT_COMPLETION : VMB_PKT_INBAND, 0,
			     pkt->trans_id, pkt->payload, pkt->payload_len);
		break;
	case VMB_PKT_GPA_RANGE:
		echo_gpa(ch, pkt);
		break;
	default:
		ch->st.ignored++;
		break;
	}
}

const struct chan_backend_ops echo_backend = {
	.name = "echo",
	.subchannels = true,
	.packet = echo_packet,
};
