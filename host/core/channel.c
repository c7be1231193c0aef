// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/channel.h"
#include "core/log.h"

static struct log_ratelimit chan_rl;

void chan_event_set(uint8_t *bitmap, uint32_t bit)
{
	uint64_t *w = (uint64_t *)(void *)bitmap + bit / 64;

	__atomic_fetch_or(w, htole64(1ULL << (bit % 64)), __ATOMIC_SEQ_CST);
}

uint64_t chan_event_take_word(uint8_t *bitmap, unsigned int i)
{
	uint64_t *w = (uint64_t *)(void *)bitmap + i;

	return le64toh(__atomic_exchange_n(w, 0, __ATOMIC_SEQ_CST));
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

struct channel *channel_open(const struct chan_env *env, uint32_t relid,
			     struct gpadl *g, uint32_t in_ring_page,
			     uint32_t vector, const struct vmbd_backend *be,
			     const struct vmbd_conf *conf, uint32_t *status,
			     const char **why)
{
	return channel_open_dev(env, relid, g, in_ring_page, vector, be, conf,
				NULL, status, why);
}

struct channel *channel_open_dev(const struct chan_env *env, uint32_t relid,
				 struct gpadl *g, uint32_t in_ring_page,
				 uint32_t vector, const struct vmbd_backend *be,
				 const struct vmbd_conf *conf,
				 const struct chan_dev *dev, uint32_t *status,
				 const char **why)
{
	struct channel *ch;

	*status = VMB_STATUS_INVALID;
	if (!gpadl_complete(g) || g->bad_gpa) {
		*why = "ring GPADL not complete";
		return NULL;
	}
	if (in_ring_page < 2 || in_ring_page >= g->nr_pages ||
	    !pow2(in_ring_page - 1)) {
		*why = "guest-to-host ring is not a header page + 2^n data pages";
		return NULL;
	}
	if (g->nr_pages - in_ring_page < 2 ||
	    !pow2(g->nr_pages - in_ring_page - 1)) {
		*why = "host-to-guest ring is not a header page + 2^n data pages";
		return NULL;
	}
	*status = VMB_STATUS_NO_RESOURCES;
	*why = "out of memory";
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	if (ring_init_rx(&ch->in, g->page, in_ring_page) < 0 ||
	    ring_init_tx(&ch->out, g->page + in_ring_page,
			 g->nr_pages - in_ring_page) < 0) {
		*status = VMB_STATUS_INVALID;
		*why = "bad ring layout";
		free(ch);
		return NULL;
	}
	ch->rxbuf = malloc(ch->in.size);
	ch->scratch = malloc(sizeof(*ch->scratch));
	if (!ch->rxbuf || !ch->scratch)
		goto fail;
	ch->relid = relid;
	ch->vector = vector;
	ch->env = env;
	ch->gpadl = g;
	ch->be = be;
	ch->conf = conf;
	if (dev)
		ch->dev = *dev;
	if (be && be->open && be->open(ch) < 0) {
		*why = "backend refused the channel";
		goto fail;
	}
	g->users++;
	*status = VMB_STATUS_OK;
	*why = NULL;
	return ch;
fail:
	free(ch->rxbuf);
	free(ch->scratch);
	free(ch);
	return NULL;
}

static void backlog_free(struct channel *ch)
{
	struct chan_bl_entry *e;

	while ((e = ch->bl_head)) {
		ch->bl_head = e->next;
		free(e);
	}
	ch->bl_tail = NULL;
	ch->bl_len = 0;
	ch->bl_bytes = 0;
}

void channel_close(struct channel *ch)
{
	if (!ch)
		return;
	if (ch->be && ch->be->close)
		ch->be->close(ch);
	backlog_free(ch);
	if (ch->gpadl->users)
		ch->gpadl->users--;
	free(ch->rxbuf);
	free(ch->scratch);
	free(ch);
}

struct gpadl *channel_gpadl(struct channel *ch, uint32_t id)
{
	struct gpadl *g;

	if (!ch->dev.gpadls || !id)
		return NULL;
	g = gpadl_find(ch->dev.gpadls, id);
	if (!g || g->relid != ch->relid || !gpadl_complete(g) || g->bad_gpa)
		return NULL;
	return g;
}

void channel_set_broken(struct channel *ch, const char *why)
{
	unsigned int sup;

	if (ch->broken)
		return;
	ch->broken = true;
	if (log_ratelimit_ok(&chan_rl, &sup))
		log_warn("relid %u: channel broken: %s; not touching its rings until it is closed%s",
			 ch->relid, why,
			 sup ? " (earlier messages suppressed)" : "");
}

void channel_retarget(struct channel *ch, uint32_t vector)
{
	ch->vector = vector;
	ch->st.retargets++;
}

void channel_signal_guest(struct channel *ch)
{
	const struct chan_env *env = ch->env;

	if (env->h2g_events)
		chan_event_set(env->h2g_events +
			       (ch->vector - 1) * VMB_EVENT_BITMAP_SIZE,
			       ch->relid);
	ch->st.interrupts++;
	if (env->notify)
		env->notify(env->ctx, ch->vector);
}

/* 0 written, -EAGAIN no room, -1 dropped or broken. */
static int tx_one(struct channel *ch, const struct vmb_pkt_desc *d,
		  const void *payload, uint32_t len)
{
	const char *why = NULL;
	int r;

	if (ch->broken)
		return -1;
	r = ring_tx_put(&ch->out, d, payload, len, &why);
	if (r >= 0) {
		if (r == 1)
			ch->signal = true;
		ch->st.tx_pkts++;
		ch->st.tx_bytes += ring_pkt_total(len);
		return 0;
	}
	if (r == -EAGAIN)
		return -EAGAIN;
	if (r == -EMSGSIZE) {
		ch->st.dropped++;
		log_debug("relid %u: packet of %u bytes can never fit the ring: dropped",
			  ch->relid, len);
		return -1;
	}
	channel_set_broken(ch, why);
	return -1;
}

/*
 * Writes the backlog out in order.  When the head does not fit, ask the
 * guest to signal once it does (pending_send_sz), then look once more: the
 * guest may have made the room before it could see the request, and would
 * then never signal.  That second look is owed after every failure, not
 * once per flush; "retried" only bounds it to one per entry.
 */
static void backlog_flush(struct channel *ch)
{
	bool retried = false;

	while (ch->bl_head && !ch->broken) {
		struct chan_bl_entry *e = ch->bl_head;
		int r = tx_one(ch, &e->desc, e->data, e->len);

		if (r == -EAGAIN) {
			ch->want_space = true;
			if (ring_tx_want(&ch->out, ring_pkt_total(e->len)) &&
			    !retried) {
				retried = true;
				continue;
			}
			return;
		}
		retried = false;
		ch->bl_head = e->next;
		if (!ch->bl_head)
			ch->bl_tail = NULL;
		ch->bl_len--;
		ch->bl_bytes -= e->len;
		free(e);
	}
	if (ch->want_space && !ch->broken) {
		ring_tx_want(&ch->out, 0);
		ch->want_space = false;
	}
}

int channel_send(struct channel *ch, uint16_t type, uint16_t flags,
		 uint64_t trans_id, const void *payload, uint32_t len)
{
	struct vmb_pkt_desc d;
	struct chan_bl_entry *e;
	uint32_t len8;
	int r;

	if (ch->broken)
		return -1;
	if (len > 0xffffu * 8u - RING_DESC_SIZE) {
		ch->st.dropped++;
		return -1;
	}
	len8 = (RING_DESC_SIZE + ((len + 7) & ~7u)) / 8;
	memset(&d, 0, sizeof(d));
	d.type = htole16(type);
	d.offset8 = htole16(RING_DESC_SIZE / 8);
	d.len8 = htole16((uint16_t)len8);
	d.flags = htole16(flags);
	d.trans_id = htole64(trans_id);
	if (!ch->bl_head) {
		r = tx_one(ch, &d, payload, len);
		if (r != -EAGAIN)
			return r;
	}
	if (ch->bl_len >= CHAN_BACKLOG_MAX) {
		ch->st.dropped++;
		log_debug("relid %u: backlog full, packet dropped", ch->relid);
		return -1;
	}
	e = malloc(sizeof(*e) + len);
	if (!e) {
		ch->st.dropped++;
		return -1;
	}
	e->next = NULL;
	e->desc = d;
	e->len = len;
	if (len)
		memcpy(e->data, payload, len);
	if (ch->bl_tail)
		ch->bl_tail->next = e;
	else
		ch->bl_head = e;
	ch->bl_tail = e;
	ch->bl_len++;
	ch->bl_bytes += len;
	ch->st.ring_full++;
	if (ch->bl_head == e)
		backlog_flush(ch);	/* sets pending_send_sz, looks again */
	return 0;
}

bool channel_tx_room(struct channel *ch, uint32_t payload_len)
{
	uint32_t need = ring_pkt_total(payload_len), free_bytes;
	const char *why = NULL;

	if (ch->broken)
		return false;
	if (ch->bl_head)
		return false;	/* the backlog's flush asks for room already */
	if (ring_tx_space(&ch->out, &free_bytes, &why) < 0) {
		channel_set_broken(ch, why);
		return false;
	}
	if (free_bytes >= need)
		return true;
	ch->want_space = true;	/* the next pass's backlog_flush clears it */
	return ring_tx_want(&ch->out, need);
}

static bool backlog_has_room(const struct channel *ch)
{
	return ch->bl_len < CHAN_BACKLOG_MAX && ch->bl_bytes < ch->out.size;
}

/* Reads packets up to @write; true if it read any. */
static bool consume_batch(struct channel *ch, uint32_t write)
{
	uint32_t len;
	const char *why = NULL;
	struct ring_pkt pkt;
	bool consumed = false;
	int r;

	while (!ch->broken && backlog_has_room(ch)) {
		r = ring_rx_next(&ch->in, write, ch->rxbuf, ch->in.size, &len,
				 &why);
		if (r == 0)
			break;
		if (r < 0 || ring_pkt_parse(ch->rxbuf, len, ch->env->gmem,
					    ch->scratch, &pkt, &why) < 0) {
			channel_set_broken(ch, why);
			return false;
		}
		ch->st.rx_pkts++;
		ch->st.rx_bytes += len + RING_TRAILER_SIZE;
		if (ch->be && ch->be->packet)
			ch->be->packet(ch, &pkt);
		else
			ch->st.ignored++;
		ring_rx_advance(&ch->in, len);
		consumed = true;
	}
	if (!ch->broken && ring_rx_end(&ch->in, write, consumed))
		ch->signal = true;
	return consumed;
}

/*
 * Reads the guest's ring until it stays empty.  The guest signals only when
 * it finds we had read everything before its packet, so after publishing
 * read_index (ring_rx_end: store, full fence) we must look at write_index
 * again: either we see its packet here, or it saw our index and signals.
 */
static void consume(struct channel *ch)
{
	uint32_t write;
	const char *why = NULL;

	do {
		if (ring_rx_begin(&ch->in, &write, &why) < 0) {
			channel_set_broken(ch, why);
			return;
		}
	} while (consume_batch(ch, write) && !ch->broken &&
		 backlog_has_room(ch));
}

void channel_process(struct channel *ch)
{
	if (ch->broken)
		return;
	ch->signal = false;
	backlog_flush(ch);
	if (!ch->paused)
		consume(ch);
	if (ch->be && ch->be->pass_end && !ch->broken)
		ch->be->pass_end(ch);
	if (ch->signal && !ch->broken)
		channel_signal_guest(ch);
	ch->signal = false;
}

void channel_doorbell(struct channel *ch)
{
	ch->st.doorbells++;
	channel_process(ch);
}

void channel_set_paused(struct channel *ch, bool paused)
{
	ch->paused = paused;
	if (!paused)
		channel_process(ch);
}
