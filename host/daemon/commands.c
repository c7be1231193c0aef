// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vmbusd's control commands (vmbusctl COMMAND ...): one table, each entry a
 * name, its usage line (what "help" prints) and its handler.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/classes.h"
#include "core/guid.h"
#include "core/log.h"
#include "daemon/vmbusd.h"

static const char *state_name(const struct vmbusd *d)
{
	if (d->cm.connected)
		return "connected";
	return ivshmem_has_client(&d->ivs) ? "attached" : "disconnected";
}

static void cmd_status(struct vmbusd *d, int argc, char **argv,
		       struct control_reply *r)
{
	char vbuf[16], cbuf[GUID_STR_LEN + 1], ibuf[GUID_STR_LEN + 1];
	uint32_t relid;

	(void)argv;
	if (argc != 1) {
		control_reply_error(r, "usage: status");
		return;
	}
	control_reply_line(r, "state: %s", state_name(d));
	control_reply_line(r, "version: %s", d->cm.connected ?
			   chanmgr_version_str(d->cm.version, vbuf) : "-");
	control_reply_line(r, "connects: %llu", (unsigned long long)d->cm.connects);
	control_reply_line(r, "unloads: %llu", (unsigned long long)d->cm.unloads);
	control_reply_line(r, "rejected: %llu", (unsigned long long)d->cm.rejected);
	control_reply_line(r, "gpadls: %u", d->cm.gpadls.nr);
	control_reply_line(r, "stray_events: %llu",
			   (unsigned long long)d->cm.stray_events);
	control_reply_line(r, "subchannel_requests_ignored: %llu",
			   (unsigned long long)d->cm.subchan_ignored);
	for (relid = 1; relid < VMB_MAX_RELID; relid++) {
		const struct chanmgr_channel *ch = chanmgr_channel(&d->cm, relid);
		const struct chan_stats *st;
		char counters[640] = "", g2h[64], h2g[64];
		const char *name;

		if (!ch)
			continue;
		name = class_name(ch->class_id);
		if (ch->open) {
			st = &ch->open->st;
			ring_describe(&ch->open->in, g2h, sizeof(g2h));
			ring_describe(&ch->open->out, h2g, sizeof(h2g));
			snprintf(counters, sizeof(counters),
				 " rx_pkts=%llu tx_pkts=%llu rx_bytes=%llu tx_bytes=%llu doorbells=%llu interrupts=%llu ring_full=%llu dropped=%llu paused=%d broken=%d vector=%u retargets=%llu g2h=%s h2g=%s backlog=%u",
				 (unsigned long long)st->rx_pkts,
				 (unsigned long long)st->tx_pkts,
				 (unsigned long long)st->rx_bytes,
				 (unsigned long long)st->tx_bytes,
				 (unsigned long long)st->doorbells,
				 (unsigned long long)st->interrupts,
				 (unsigned long long)st->ring_full,
				 (unsigned long long)st->dropped,
				 ch->open->paused, ch->open->broken,
				 ch->open->vector,
				 (unsigned long long)st->retargets, g2h, h2g,
				 ch->open->bl_len);
		}
		control_reply_line(r, "channel: relid=%u class=%s class_id=%s instance=%s state=%s%s sub=%u",
				   relid, name ? name : "unknown",
				   guid_format(ch->class_id, cbuf),
				   guid_format(ch->instance_id, ibuf),
				   chanmgr_chan_state_name(ch), counters,
				   ch->sub_index);
	}
}

int vmbusd_add_offer(struct vmbusd *d, const char *class, const char *inst,
		     uint32_t *relid, uint8_t instance[VMB_GUID_LEN],
		     const char **err)
{
	uint8_t class_id[VMB_GUID_LEN];

	if (class_lookup(class, class_id) < 0) {
		*err = "unknown class (not a class name or a GUID)";
		return -1;
	}
	if (inst) {
		if (guid_parse(inst, instance) < 0 || guid_is_nil(instance)) {
			*err = "bad instance GUID";
			return -1;
		}
	} else if (guid_random(instance) < 0) {
		*err = "cannot generate a GUID";
		return -1;
	}
	return chanmgr_add_channel(&d->cm, class_id, instance, relid, err);
}

static void cmd_offer(struct vmbusd *d, int argc, char **argv,
		      struct control_reply *r)
{
	uint8_t instance[VMB_GUID_LEN];
	char ibuf[GUID_STR_LEN + 1];
	const char *err;
	uint32_t relid;

	if (argc < 2 || argc > 3) {
		control_reply_error(r, "usage: offer CLASS [INSTANCE]");
		return;
	}
	if (vmbusd_add_offer(d, argv[1], argc == 3 ? argv[2] : NULL, &relid,
		      instance, &err) < 0) {
		control_reply_error(r, "%s", err);
		return;
	}
	log_info("offered relid %u instance %s", relid, guid_format(instance, ibuf));
	control_reply_line(r, "relid=%u instance=%s", relid, ibuf);
}

static void cmd_rescind(struct vmbusd *d, int argc, char **argv,
			struct control_reply *r)
{
	uint8_t instance[VMB_GUID_LEN];
	const char *err;
	unsigned long v;
	uint32_t relid;
	char *end;

	if (argc != 2) {
		control_reply_error(r, "usage: rescind RELID|INSTANCE");
		return;
	}
	if (guid_parse(argv[1], instance) == 0) {
		relid = chanmgr_find_instance(&d->cm, instance);
	} else {
		errno = 0;
		v = strtoul(argv[1], &end, 10);
		if (errno || *end || end == argv[1] || argv[1][0] == '-' ||
		    v >= VMB_MAX_RELID) {
			control_reply_error(r, "bad relid or instance '%s'", argv[1]);
			return;
		}
		relid = (uint32_t)v;
	}
	if (chanmgr_rescind(&d->cm, relid, &err) < 0) {
		control_reply_error(r, "%s", err);
		return;
	}
	log_info("rescinded relid %u", relid);
}

static int parse_relid(const char *s, uint32_t *relid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v == 0 ||
	    v >= VMB_MAX_RELID)
		return -1;
	*relid = (uint32_t)v;
	return 0;
}

static void cmd_echo_pause(struct vmbusd *d, int argc, char **argv,
			   struct control_reply *r)
{
	bool pause = strcmp(argv[0], "echo-pause") == 0;
	const char *err;
	uint32_t relid;

	if (argc != 2) {
		control_reply_error(r, "usage: %s RELID", argv[0]);
		return;
	}
	if (parse_relid(argv[1], &relid) < 0) {
		control_reply_error(r, "bad relid '%s'", argv[1]);
		return;
	}
	if (chanmgr_set_paused(&d->cm, relid, pause, &err) < 0) {
		control_reply_error(r, "%s %u: %s", argv[0], relid, err);
		return;
	}
	log_info("relid %u: %s", relid, pause ? "paused" : "resumed");
}

static void cmd_inject(struct vmbusd *d, int argc, char **argv,
		       struct control_reply *r)
{
	char kinds[512] = "";
	const char *err;
	uint32_t relid;
	int i;

	for (i = 0; chanmgr_channel_inject_kinds[i]; i++)
		if (argc >= 2 && strcmp(argv[1], chanmgr_channel_inject_kinds[i]) == 0)
			break;
	if (argc >= 2 && chanmgr_channel_inject_kinds[i]) {
		if (argc != 3) {
			control_reply_error(r, "inject %s: needs RELID (an open channel)",
					    argv[1]);
			return;
		}
		if (parse_relid(argv[2], &relid) < 0) {
			control_reply_error(r, "inject %s: bad relid '%s'", argv[1],
					    argv[2]);
			return;
		}
		if (chanmgr_inject_channel(&d->cm, argv[1], relid, &err) < 0) {
			control_reply_error(r, "inject %s %u: %s", argv[1], relid, err);
			return;
		}
		log_info("injected fault '%s' on relid %u", argv[1], relid);
		return;
	}
	if (argc == 2) {
		for (i = 0; chanmgr_inject_kinds[i]; i++)
			if (strcmp(argv[1], chanmgr_inject_kinds[i]) == 0)
				break;
		if (chanmgr_inject_kinds[i]) {
			if (chanmgr_inject(&d->cm, argv[1], &err) < 0) {
				control_reply_error(r, "inject %s: %s", argv[1], err);
				return;
			}
			log_info("injected fault '%s'", argv[1]);
			return;
		}
	}
	for (i = 0; chanmgr_inject_kinds[i]; i++) {
		strcat(kinds, i ? "|" : "");
		strcat(kinds, chanmgr_inject_kinds[i]);
	}
	strcat(kinds, " | inject ");
	for (i = 0; chanmgr_channel_inject_kinds[i]; i++) {
		strcat(kinds, i ? "|" : "");
		strcat(kinds, chanmgr_channel_inject_kinds[i]);
	}
	control_reply_error(r, "unknown fault kind or wrong arguments; usage: inject %s RELID",
			    kinds);
}

static void cmd_help(struct vmbusd *d, int argc, char **argv,
		     struct control_reply *r);

static const struct command {
	const char *name;
	const char *usage;
	void (*fn)(struct vmbusd *d, int argc, char **argv,
		   struct control_reply *r);
} commands[] = {
	{ "status", "status", cmd_status },
	{ "offer", "offer CLASS [INSTANCE]", cmd_offer },
	{ "rescind", "rescind RELID|INSTANCE  (a primary's sub-channels are rescinded first; an INSTANCE names the primary)", cmd_rescind },
	{ "inject", "inject KIND  (KIND: short|overlong|unknown-type|bad-relid|dup-offer|dup-instance|rescind-unknown|nil-guid|bad-flags|bad-index)", cmd_inject },
	{ "inject", "inject KIND RELID  (open channel; KIND: ring-index|ring-len|ring-offset|unknown-completion|gpadl-unknown; after ring-* the host-to-guest ring is garbage: the guest must mark the channel broken and close it)", cmd_inject },
	{ "echo-pause", "echo-pause RELID  (stop consuming the channel's guest-to-host ring)", cmd_echo_pause },
	{ "echo-resume", "echo-resume RELID", cmd_echo_pause },
	{ "help", "help", cmd_help },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(struct vmbusd *d, int argc, char **argv,
		     struct control_reply *r)
{
	unsigned int i;

	(void)d;
	(void)argc;
	(void)argv;
	for (i = 0; i < NR_COMMANDS; i++)
		control_reply_line(r, "%s", commands[i].usage);
}

#define MAX_ARGS 8

void vmbusd_command(void *ctx, char *line, struct control_reply *r)
{
	struct vmbusd *d = ctx;
	char *argv[MAX_ARGS + 1], *save = NULL, *tok;
	unsigned int i;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS) {
			control_reply_error(r, "too many arguments");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		control_reply_error(r, "empty command (try 'help')");
		return;
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].fn(d, argc, argv, r);
			return;
		}
	}
	control_reply_error(r, "unknown command (try 'help')");
}
