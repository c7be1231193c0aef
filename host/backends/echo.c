// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The echo device class: see backends/echo.h and include/vmb_echo.h. */
#include <endian.h>
#include <string.h>

#include "backends/echo.h"
#include "core/chanmgr.h"
#include "core/cmd.h"
#include "core/gpa.h"
#include "core/log.h"

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
	struct gpa_walk w;
	uint32_t n;
	uint8_t *p;
	int r;

	gpa_walk_init(&w, &pkt->gpa);
	while ((r = gpa_walk_next(&w, &p, &n)) > 0) {
		h = fnv1a64(h, p, n);
		total += n;
	}
	if (r < 0) {
		channel_set_broken(ch, "GPA range list inconsistent");
		return;
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

/* echo-pause RELID, echo-resume RELID: for the flow-control tests. */
static void echo_cmd_pause(struct chanmgr *cm, int argc, char **argv,
			   struct cmd_reply *r)
{
	bool pause = strcmp(argv[0], "echo-pause") == 0;
	struct channel *ch;
	const char *err;
	uint32_t relid;

	if (argc != 2) {
		cmd_reply_error(r, "usage: %s RELID", argv[0]);
		return;
	}
	if (cmd_parse_relid(argv[1], &relid) < 0) {
		cmd_reply_error(r, "bad relid '%s'", argv[1]);
		return;
	}
	ch = chanmgr_open_channel(cm, relid, &err);
	if (ch && ch->be != &vmbd_backend_echo) {
		ch = NULL;
		err = "not an echo channel";
	}
	if (!ch) {
		cmd_reply_error(r, "%s %u: %s", argv[0], relid, err);
		return;
	}
	channel_set_paused(ch, pause);
	log_info("relid %u: %s", relid, pause ? "paused" : "resumed");
}

static const struct vmbd_class_cmd echo_commands[] = {
	{ "echo-pause", "echo-pause RELID  (stop consuming the channel's guest-to-host ring)",
	  echo_cmd_pause, false },
	{ "echo-resume", "echo-resume RELID", echo_cmd_pause, false },
	{ NULL, NULL, NULL, false }
};

VMBD_BACKEND(echo) = {
	.name = "echo",
	.guid = VMB_CLASS_ECHO_BYTES,
	.help = "answers each packet: INBAND in kind, GPA_RANGE with a checksum of the ranges",
	.subchannels = true,
	.packet = echo_packet,
	.commands = echo_commands,
};
