// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vmbusd's control commands (vmbusctl COMMAND ...): one table, each entry a
 * name, its usage line (what "help" prints) and its handler.  After it come
 * the device classes' own commands, from the registry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/registry.h"
#include "core/fault.h"
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
		       struct cmd_reply *r)
{
	char vbuf[16], cbuf[GUID_STR_LEN + 1], ibuf[GUID_STR_LEN + 1];
	uint32_t relid;

	(void)argv;
	if (argc != 1) {
		cmd_reply_error(r, "usage: status");
		return;
	}
	cmd_reply_line(r, "state: %s", state_name(d));
	cmd_reply_line(r, "version: %s", d->cm.connected ?
		       chanmgr_version_str(d->cm.version, vbuf) : "-");
	cmd_reply_line(r, "connects: %llu", (unsigned long long)d->cm.connects);
	cmd_reply_line(r, "unloads: %llu", (unsigned long long)d->cm.unloads);
	cmd_reply_line(r, "rejected: %llu", (unsigned long long)d->cm.rejected);
	cmd_reply_line(r, "gpadls: %u", d->cm.gpadls.nr);
	cmd_reply_line(r, "stray_events: %llu",
		       (unsigned long long)d->cm.stray_events);
	cmd_reply_line(r, "subchannel_requests_ignored: %llu",
		       (unsigned long long)d->cm.subchan_ignored);
	for (relid = 1; relid < VMB_MAX_RELID; relid++) {
		const struct chanmgr_channel *ch = chanmgr_channel(&d->cm, relid);
		const struct chan_stats *st;
		char counters[640] = "", g2h[64], h2g[64], cls[512] = "";
		char dev[256] = "";

		if (!ch)
			continue;
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
			if (ch->be && ch->be->chan_stats)
				ch->be->chan_stats(ch->open, cls, sizeof(cls));
		}
		if (ch->be && ch->be->dev_stats && !ch->sub_index)
			ch->be->dev_stats(ch->instance_id, ch->open, dev,
					  sizeof(dev));
		cmd_reply_line(r, "channel: relid=%u class=%s class_id=%s instance=%s state=%s%s%s%s sub=%u",
			       relid, ch->be ? ch->be->name : "unknown",
			       guid_format(ch->class_id, cbuf),
			       guid_format(ch->instance_id, ibuf),
			       chanmgr_chan_state_name(ch), dev, counters, cls,
			       ch->sub_index);
	}
}

int vmbusd_add_offer(struct vmbusd *d, const char *class, const char *inst,
		     char *const *opts, unsigned int nr_opts, uint32_t *relid,
		     uint8_t instance[VMB_GUID_LEN], const char **err)
{
	const struct vmbd_backend *be;
	uint8_t class_id[VMB_GUID_LEN];
	struct vmbd_conf *conf;

	if (registry_lookup(class, class_id, &be) < 0) {
		*err = "unknown class (not a class name or a GUID; see 'classes')";
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
	if (vmbd_conf_parse(be, opts, nr_opts, &conf, err) < 0)
		return -1;
	if (chanmgr_add_channel(&d->cm, class_id, instance, be, conf, relid,
				err) < 0) {
		vmbd_conf_put(conf);
		return -1;
	}
	return 0;
}

int vmbusd_offer_conf(struct vmbusd *d, const struct vmbd_backend *be,
		      struct vmbd_conf *conf, uint32_t *relid,
		      uint8_t instance[VMB_GUID_LEN], const char **err)
{
	if (guid_random(instance) < 0) {
		*err = "cannot generate a GUID";
		vmbd_conf_put(conf);
		return -1;
	}
	if (chanmgr_add_channel(&d->cm, be->guid, instance, be, conf, relid,
				err) < 0) {
		vmbd_conf_put(conf);
		return -1;
	}
	return 0;
}

/* offer CLASS [INSTANCE] [OPTION...]: an INSTANCE is a GUID, options are not. */
static void cmd_offer(struct vmbusd *d, int argc, char **argv,
		      struct cmd_reply *r)
{
	uint8_t instance[VMB_GUID_LEN];
	char ibuf[GUID_STR_LEN + 1];
	const char *err, *inst = NULL;
	uint32_t relid;
	int first_opt = 2;

	if (argc < 2) {
		cmd_reply_error(r, "usage: offer CLASS [INSTANCE] [OPTION...]");
		return;
	}
	if (argc > 2 && guid_parse(argv[2], instance) == 0) {
		inst = argv[2];
		first_opt = 3;
	}
	if (vmbusd_add_offer(d, argv[1], inst, argv + first_opt,
			     (unsigned int)(argc - first_opt), &relid, instance,
			     &err) < 0) {
		cmd_reply_error(r, "%s", err);
		return;
	}
	log_info("offered relid %u instance %s", relid, guid_format(instance, ibuf));
	cmd_reply_line(r, "relid=%u instance=%s", relid, ibuf);
}

static void cmd_rescind(struct vmbusd *d, int argc, char **argv,
			struct cmd_reply *r)
{
	uint8_t instance[VMB_GUID_LEN];
	const char *err;
	unsigned long v;
	uint32_t relid;
	char *end;

	if (argc != 2) {
		cmd_reply_error(r, "usage: rescind RELID|INSTANCE");
		return;
	}
	if (guid_parse(argv[1], instance) == 0) {
		relid = chanmgr_find_instance(&d->cm, instance);
	} else {
		errno = 0;
		v = strtoul(argv[1], &end, 10);
		if (errno || *end || end == argv[1] || argv[1][0] == '-' ||
		    v >= VMB_MAX_RELID) {
			cmd_reply_error(r, "bad relid or instance '%s'", argv[1]);
			return;
		}
		relid = (uint32_t)v;
	}
	if (chanmgr_rescind(&d->cm, relid, &err) < 0) {
		cmd_reply_error(r, "%s", err);
		return;
	}
	log_info("rescinded relid %u", relid);
}

/* One line per registered class: name, class GUID, what it does. */
static void cmd_classes(struct vmbusd *d, int argc, char **argv,
			struct cmd_reply *r)
{
	const struct vmbd_backend *const *be;
	char gbuf[GUID_STR_LEN + 1];

	(void)d;
	(void)argv;
	if (argc != 1) {
		cmd_reply_error(r, "usage: classes");
		return;
	}
	for (be = vmbd_registry; *be; be++)
		cmd_reply_line(r, "%-6s %s  %s%s%s%s", (*be)->name,
			       guid_format((*be)->guid, gbuf), (*be)->help,
			       (*be)->subchannels ? " (sub-channels)" : "",
			       (*be)->opts_help ? "; options: " : "",
			       (*be)->opts_help ? (*be)->opts_help : "");
}

/* The kinds, for the usage message: "a|b|c" of the bus or channel ones. */
static void fault_kinds(bool on_channel, char *buf, size_t len)
{
	const struct fault *f;
	size_t n = 0;

	buf[0] = '\0';
	for (f = fault_table; f->name; f++)
		if (f->on_channel == on_channel && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "|" : "", f->name);
}

/* inject KIND, or inject KIND RELID for the faults on an open channel. */
static void cmd_inject(struct vmbusd *d, int argc, char **argv,
		       struct cmd_reply *r)
{
	const struct fault *f = argc >= 2 ? fault_find(argv[1]) : NULL;
	char bus[256], chan[256];
	const char *err;
	uint32_t relid = 0;

	if (f && f->on_channel) {
		if (argc != 3) {
			cmd_reply_error(r, "inject %s: needs RELID (an open channel)",
					argv[1]);
			return;
		}
		if (cmd_parse_relid(argv[2], &relid) < 0) {
			cmd_reply_error(r, "inject %s: bad relid '%s'", argv[1],
					argv[2]);
			return;
		}
		if (fault_inject(&d->cm, f, relid, &err) < 0) {
			cmd_reply_error(r, "inject %s %u: %s", argv[1], relid, err);
			return;
		}
		log_info("injected fault '%s' on relid %u", argv[1], relid);
		return;
	}
	if (f && argc == 2) {
		if (fault_inject(&d->cm, f, 0, &err) < 0) {
			cmd_reply_error(r, "inject %s: %s", argv[1], err);
			return;
		}
		log_info("injected fault '%s'", argv[1]);
		return;
	}
	fault_kinds(false, bus, sizeof(bus));
	fault_kinds(true, chan, sizeof(chan));
	cmd_reply_error(r, "unknown fault kind or wrong arguments; usage: inject %s | inject %s RELID",
			bus, chan);
}

/* inject's usage, then one line per fault from the table. */
static void help_inject(struct cmd_reply *r)
{
	const struct fault *f;

	cmd_reply_line(r, "inject KIND  (send the guest a malformed message)");
	cmd_reply_line(r, "inject KIND RELID  (corrupt an open channel; after ring-* the host-to-guest ring is garbage: the guest must mark the channel broken and close it)");
	for (f = fault_table; f->name; f++)
		cmd_reply_line(r, "  inject %s%s  (%s)", f->name,
			       f->on_channel ? " RELID" : "", f->help);
}

static void cmd_help(struct vmbusd *d, int argc, char **argv,
		     struct cmd_reply *r);

static const struct command {
	const char *name;
	const char *usage;		/* or... */
	void (*help)(struct cmd_reply *r);	/* ...usage lines of its own */
	void (*fn)(struct vmbusd *d, int argc, char **argv,
		   struct cmd_reply *r);
} commands[] = {
	{ "status", "status", NULL, cmd_status },
	{ "classes", "classes  (the device classes: name, class GUID, what it does)",
	  NULL, cmd_classes },
	{ "offer", "offer CLASS [INSTANCE] [OPTION...]", NULL, cmd_offer },
	{ "rescind", "rescind RELID|INSTANCE  (a primary's sub-channels are rescinded first; an INSTANCE names the primary)",
	  NULL, cmd_rescind },
	{ "inject", NULL, help_inject, cmd_inject },
	{ "help", "help", NULL, cmd_help },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(struct vmbusd *d, int argc, char **argv,
		     struct cmd_reply *r)
{
	const struct vmbd_backend *const *be;
	const struct vmbd_class_cmd *c;
	unsigned int i;

	(void)d;
	(void)argc;
	(void)argv;
	for (i = 0; i < NR_COMMANDS; i++) {
		if (commands[i].help)
			commands[i].help(r);
		else
			cmd_reply_line(r, "%s", commands[i].usage);
	}
	for (be = vmbd_registry; *be; be++)
		for (c = (*be)->commands; c && c->name; c++)
			cmd_reply_line(r, "%s", c->usage);
}

#define MAX_ARGS 8

void vmbusd_command(void *ctx, char *line, struct cmd_reply *r)
{
	struct vmbusd *d = ctx;
	char *argv[MAX_ARGS + 1], *save = NULL, *tok;
	const struct vmbd_class_cmd *c;
	unsigned int i;
	int argc = 0;

	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == MAX_ARGS) {
			cmd_reply_error(r, "too many arguments");
			return;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		cmd_reply_error(r, "empty command (try 'help')");
		return;
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].fn(d, argc, argv, r);
			return;
		}
	}
	c = registry_find_cmd(argv[0]);
	if (c) {
		c->fn(&d->cm, argc, argv, r);
		return;
	}
	cmd_reply_error(r, "unknown command (try 'help')");
}
