// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The integration services' framework: see backends/util.h. */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/util.h"

const char *util_version_str(uint16_t v, char buf[8])
{
	snprintf(buf, 8, "%u.%u", (unsigned int)(v >> 8),
		 (unsigned int)(v & 0xff));
	return buf;
}

static void util_bad(struct util_chan *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void util_bad(struct util_chan *u, const char *fmt, ...)
{
	unsigned int skipped;
	char why[160];
	va_list ap;

	u->bad++;
	if (!log_ratelimit_ok(&u->rl, &skipped))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warn("relid %u: %s: refused the guest's answer: %s%s", u->ch->relid,
		 u->svc->name, why, skipped ? " (and more, suppressed)" : "");
}

/* Send with any version (NEGOTIATE goes out before there is one). */
static int64_t util_send_raw(struct util_chan *u, uint16_t type,
			     uint16_t version, const void *body, uint16_t len)
{
	uint8_t buf[VMB_UTIL_MSG_MAX];
	struct vmb_util_hdr *h = (struct vmb_util_hdr *)buf;
	unsigned int i;
	uint32_t seq;

	if (len > sizeof(buf) - sizeof(*h))
		return -1;
	if (u->nr_pending == UTIL_PENDING_MAX) {
		u->unsent++;
		return -1;
	}
	seq = ++u->next_seq;
	memset(h, 0, sizeof(*h));
	h->type = htole16(type);
	h->version = htole16(version);
	h->len = htole16(len);
	h->seq = htole32(seq);
	if (len)
		memcpy(buf + sizeof(*h), body, len);
	if (channel_send(u->ch, VMB_PKT_INBAND, VMB_PKT_F_COMPLETION_REQUESTED,
			 seq, buf, sizeof(*h) + len) < 0)
		return -1;
	/* requests go out from timers and commands, outside a channel pass */
	if (u->ch->signal && !u->ch->broken)
		channel_signal_guest(u->ch);
	u->ch->signal = false;
	for (i = 0; i < UTIL_PENDING_MAX; i++) {
		if (!u->pend[i].used) {
			u->pend[i].used = true;
			u->pend[i].seq = seq;
			u->pend[i].type = type;
			u->nr_pending++;
			break;
		}
	}
	u->requests++;
	return seq;
}

int64_t util_send(struct util_chan *u, uint16_t type, const void *body,
		  uint16_t len)
{
	if (!u->version)
		return -1;
	return util_send_raw(u, type, u->version, body, len);
}

static void util_negotiate(struct evl *loop, struct evl_timer *t, void *arg)
{
	struct util_chan *u = arg;
	struct vmb_util_negotiate n;
	unsigned int i;

	if (u->version || u->refused_all)
		return;
	if (u->negotiations == UTIL_NEGOTIATE_TRIES) {
		log_warn("relid %u: %s: no answer to NEGOTIATE, %u tries",
			 u->ch->relid, u->svc->name, u->negotiations);
		return;
	}
	memset(&n, 0, sizeof(n));
	n.count = htole16(u->svc->nr_versions);
	for (i = 0; i < u->svc->nr_versions && i < VMB_UTIL_VERSIONS_MAX; i++)
		n.versions[i] = htole16(u->svc->versions[i]);
	util_send_raw(u, VMB_UTIL_NEGOTIATE, 0, &n, sizeof(n));
	u->negotiations++;
	if (loop)
		evl_timer_oneshot(loop, t, UTIL_NEGOTIATE_RETRY_MS,
				  util_negotiate, u);
}

int util_chan_open(struct channel *ch, const struct util_svc *svc,
		   void *priv)
{
	struct util_chan *u;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -1;
	u->ch = ch;
	u->svc = svc;
	u->priv = priv;
	ch->be_priv = u;
	if (ch->env->loop)
		evl_timer_oneshot(ch->env->loop, &u->negotiate, 0,
				  util_negotiate, u);
	else
		util_negotiate(NULL, &u->negotiate, u);
	return 0;
}

void util_chan_close(struct channel *ch)
{
	struct util_chan *u = ch->be_priv;

	if (u)
		evl_timer_cancel(&u->negotiate);
	free(u);
	ch->be_priv = NULL;
}

static void util_negotiated(struct util_chan *u, uint16_t status,
			    uint16_t version)
{
	char vbuf[8];
	unsigned int i;

	if (status != VMB_UTIL_S_OK) {
		u->refused_all = true;
		log_warn("relid %u: %s: the guest speaks none of our versions (status %u)",
			 u->ch->relid, u->svc->name, status);
		return;
	}
	for (i = 0; i < u->svc->nr_versions; i++)
		if (u->svc->versions[i] == version)
			break;
	if (u->version == version)
		return;		/* the answer to a retry */
	if (i == u->svc->nr_versions || u->version) {
		util_bad(u, "NEGOTIATE chose %s, which we did not offer%s",
			 util_version_str(version, vbuf),
			 u->version ? " (or a second time)" : "");
		return;
	}
	u->version = version;
	log_info("relid %u: %s: version %s", u->ch->relid, u->svc->name,
		 util_version_str(version, vbuf));
	if (u->svc->ready)
		u->svc->ready(u);
}

void util_packet(struct channel *ch, const struct ring_pkt *pkt)
{
	struct util_chan *u = util_chan(ch);
	const struct util_answer *a;
	struct vmb_util_hdr h;
	uint16_t type, len;
	unsigned int i;
	uint32_t seq;

	if (!u)
		return;
	if (pkt->type != VMB_PKT_COMPLETION) {
		util_bad(u, "packet type %u, not a completion", pkt->type);
		return;
	}
	/* pkt->payload is the channel's private copy of the guest's bytes */
	if (pkt->payload_len < sizeof(h)) {
		util_bad(u, "%u bytes, shorter than the header", pkt->payload_len);
		return;
	}
	memcpy(&h, pkt->payload, sizeof(h));
	type = le16toh(h.type);
	len = le16toh(h.len);
	seq = le32toh(h.seq);
	if (len > pkt->payload_len - sizeof(h)) {
		util_bad(u, "body of %u bytes in a packet of %u", len,
			 pkt->payload_len);
		return;
	}
	if (pkt->trans_id != seq) {
		util_bad(u, "trans_id %llu but seq %u",
			 (unsigned long long)pkt->trans_id, seq);
		return;
	}
	for (i = 0; i < UTIL_PENDING_MAX; i++)
		if (u->pend[i].used && u->pend[i].seq == seq)
			break;
	if (i == UTIL_PENDING_MAX) {
		util_bad(u, "an answer to %u, which is not waiting", seq);
		return;
	}
	if (u->pend[i].type != type) {
		util_bad(u, "type %u answers a request of type %u", type,
			 u->pend[i].type);
		return;
	}
	if (type == VMB_UTIL_NEGOTIATE) {
		u->pend[i].used = false;
		u->nr_pending--;
		u->answers++;
		util_negotiated(u, le16toh(h.status), le16toh(h.version));
		return;
	}
	if (le16toh(h.version) != u->version) {
		util_bad(u, "version %#x, negotiated %#x", le16toh(h.version),
			 u->version);
		return;
	}
	for (a = u->svc->answers; a && a->fn; a++)
		if (a->type == type)
			break;
	if (!a || !a->fn) {
		/* we sent it, so the table must know it */
		util_bad(u, "type %u has no handler", type);
		return;
	}
	if (le16toh(h.status) == VMB_UTIL_S_OK && len < a->min_len) {
		util_bad(u, "type %u: body of %u bytes, at least %u expected",
			 type, len, a->min_len);
		return;
	}
	/* a bad answer leaves its request waiting for a good one */
	u->pend[i].used = false;
	u->nr_pending--;
	u->answers++;
	if (le16toh(h.status) != VMB_UTIL_S_OK)
		u->not_ok++;
	a->fn(u, le16toh(h.status), pkt->payload + sizeof(h), len, seq);
}

void util_chan_stats(const struct channel *ch, char *buf, size_t len)
{
	const struct util_chan *u = util_chan(ch);
	char vbuf[8];

	if (!u) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len,
		 " util_version=%s util_requests=%llu util_answers=%llu util_not_ok=%llu util_bad=%llu util_unsent=%llu util_pending=%u",
		 u->version ? util_version_str(u->version, vbuf) :
		 (u->refused_all ? "none" : "-"),
		 (unsigned long long)u->requests,
		 (unsigned long long)u->answers,
		 (unsigned long long)u->not_ok,
		 (unsigned long long)u->bad,
		 (unsigned long long)u->unsent, u->nr_pending);
}
