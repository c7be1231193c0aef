// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The heartbeat service (include/vmb_util.h): once the guest negotiated, a
 * HEARTBEAT every HB_INTERVAL_MS with the next sequence number; the guest
 * answers with it.  A device is alive while its channel is open and its
 * last answer is at most HB_TIMEOUT_MS old; else unresponsive.  What a
 * device last heard outlives its channel (a guest that unbinds its driver
 * closes it), so vmbusctl status and heartbeat say when the answers stopped.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/util.h"
#include "core/chanmgr.h"
#include "core/cmd.h"
#include "core/evloop.h"

#define HB_INTERVAL_MS	1000
#define HB_TIMEOUT_MS	5000

/* One per device instance, kept for the daemon's life. */
struct hb_dev {
	struct hb_dev *next;
	uint8_t instance[VMB_GUID_LEN];
	struct channel *open;
	struct evl_timer timer;
	uint64_t sequence;		/* the last one sent */
	uint64_t answers;		/* valid answers */
	uint64_t wrong;			/* answers with a sequence never sent */
	uint64_t last_ms;		/* evl_now_ms() of the last answer; 0: none */
	time_t last_wall;		/* and the wall clock then */
};

extern VMBD_BACKEND(heartbeat);

static struct hb_dev *hb_devs;

static struct hb_dev *hb_dev_find(const uint8_t *instance, bool create)
{
	static const uint8_t nil[VMB_GUID_LEN];
	struct hb_dev *h;

	if (!instance)
		instance = nil;
	for (h = hb_devs; h; h = h->next)
		if (memcmp(h->instance, instance, VMB_GUID_LEN) == 0)
			return h;
	if (!create)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	memcpy(h->instance, instance, VMB_GUID_LEN);
	h->next = hb_devs;
	hb_devs = h;
	return h;
}

static bool hb_alive(const struct hb_dev *h)
{
	return h && h->open && h->last_ms &&
	       evl_now_ms() - h->last_ms <= HB_TIMEOUT_MS;
}

static void hb_tick(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct hb_dev *h = arg;
	struct vmb_util_heartbeat b;

	(void)loop;
	(void)t;
	b.sequence = htole64(h->sequence + 1);
	if (util_send(util_chan(h->open), VMB_UTIL_HEARTBEAT, &b,
		      sizeof(b)) >= 0)
		h->sequence++;
}

static void hb_ready(struct util_chan *u)
{
	struct hb_dev *h = u->priv;

	hb_tick(u->ch->env->loop, &h->timer, h);
	evl_timer_periodic(u->ch->env->loop, &h->timer, HB_INTERVAL_MS,
			   hb_tick, h);
}

static void hb_answer(struct util_chan *u, uint16_t status, const void *body,
		      uint16_t len, uint32_t seq)
{
	struct hb_dev *h = u->priv;
	struct vmb_util_heartbeat b;
	uint64_t s;

	(void)len;
	(void)seq;
	if (status != VMB_UTIL_S_OK) {
		log_warn("relid %u: heartbeat: the guest refused a heartbeat (status %u)",
			 u->ch->relid, status);
		return;
	}
	memcpy(&b, body, sizeof(b));
	s = le64toh(b.sequence);
	if (!s || s > h->sequence) {
		h->wrong++;
		log_warn("relid %u: heartbeat: an answer with sequence %llu, never sent",
			 u->ch->relid, (unsigned long long)s);
		return;
	}
	if (!hb_alive(h))
		log_info("relid %u: heartbeat: the guest is alive", u->ch->relid);
	h->answers++;
	h->last_ms = evl_now_ms();
	h->last_wall = time(NULL);
}

static const uint16_t hb_versions[] = { VMB_UTIL_VERSION_1_0 };

static const struct util_answer hb_answers[] = {
	{ VMB_UTIL_HEARTBEAT, sizeof(struct vmb_util_heartbeat), hb_answer },
	{ 0, 0, NULL }
};

static const struct util_svc hb_svc = {
	.name = "heartbeat",
	.versions = hb_versions,
	.nr_versions = sizeof(hb_versions) / sizeof(hb_versions[0]),
	.answers = hb_answers,
	.ready = hb_ready,
};

static int hb_open(struct channel *ch)
{
	struct hb_dev *h = hb_dev_find(ch->dev.instance, true);

	if (!h || h->open)
		return -1;
	if (util_chan_open(ch, &hb_svc, h) < 0)
		return -1;
	h->open = ch;
	return 0;
}

static void hb_close(struct channel *ch)
{
	struct util_chan *u = util_chan(ch);
	struct hb_dev *h = u ? u->priv : NULL;

	if (h) {
		evl_timer_cancel(&h->timer);
		h->open = NULL;
		log_info("relid %u: heartbeat: the guest closed the channel",
			 ch->relid);
	}
	util_chan_close(ch);
}

/* " hb=alive hb_last_answer=... hb_last_answer_ms_ago=N hb_answers=N" */
static int hb_describe(const struct hb_dev *h, char *buf, size_t len)
{
	char when[32] = "never", ago[24] = "-";
	struct tm tm;

	if (h && h->last_ms) {
		gmtime_r(&h->last_wall, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(ago, sizeof(ago), "%llu",
			 (unsigned long long)(evl_now_ms() - h->last_ms));
	}
	return snprintf(buf, len,
			" hb=%s hb_last_answer=%s hb_last_answer_ms_ago=%s hb_answers=%llu hb_sent=%llu hb_wrong=%llu",
			hb_alive(h) ? "alive" : "unresponsive", when, ago,
			(unsigned long long)(h ? h->answers : 0),
			(unsigned long long)(h ? h->sequence : 0),
			(unsigned long long)(h ? h->wrong : 0));
}

static void hb_dev_stats(const uint8_t *instance, const struct channel *open,
			 char *buf, size_t len)
{
	(void)open;
	hb_describe(hb_dev_find(instance, false), buf, len);
}

/* heartbeat: every heartbeat device, one line each. */
static void hb_cmd(struct chanmgr *cm, int argc, char **argv,
		   struct cmd_reply *r)
{
	unsigned int n = 0;
	uint32_t relid;
	char line[256];

	(void)argv;
	if (argc != 1) {
		cmd_reply_error(r, "usage: heartbeat");
		return;
	}
	for (relid = 1; relid < VMB_MAX_RELID; relid++) {
		const struct chanmgr_channel *c = chanmgr_channel(cm, relid);

		if (!c || c->be != &vmbd_backend_heartbeat || c->sub_index)
			continue;
		hb_describe(hb_dev_find(c->instance_id, false), line,
			    sizeof(line));
		cmd_reply_line(r, "relid=%u%s", relid, line);
		n++;
	}
	if (!n)
		cmd_reply_error(r, "no heartbeat device (offer one: vmbusctl offer heartbeat)");
}

static const struct vmbd_class_cmd hb_commands[] = {
	{ "heartbeat", "heartbeat  (each heartbeat device: alive or unresponsive, its last answer)",
	  hb_cmd, false },
	{ NULL, NULL, NULL, false }
};

VMBD_BACKEND(heartbeat) = {
	.name = "heartbeat",
	.guid = VMB_CLASS_HEARTBEAT_BYTES,
	.help = "integration service: a heartbeat every second; alive while the guest answers",
	.open = hb_open,
	.close = hb_close,
	.packet = util_packet,
	.chan_stats = util_chan_stats,
	.dev_stats = hb_dev_stats,
	.commands = hb_commands,
};
