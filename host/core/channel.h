/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * An open channel: its two rings (in a GPADL), the device backend, the
 * bounded host-to-guest backlog, channel events and statistics.
 *
 * A pass (channel_process) first moves the backlog into the host-to-guest
 * ring, then, unless the channel is paused or broken, consumes the
 * guest-to-host ring, handing each validated packet to the backend, which
 * answers through channel_send().  The guest is signalled at most once per
 * pass.  Consumption stops while the backlog holds a ring's worth of
 * output, so a guest that does not read its ring cannot make the host
 * buffer without bound: it simply stops being served until it reads.
 *
 * Anything invalid the guest writes into the rings marks the channel
 * broken: logged once, counted, and the rings are not touched again until
 * the guest closes the channel.
 */
#ifndef VMBUSD_CHANNEL_H
#define VMBUSD_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/gmem.h"
#include "core/gpadl.h"
#include "core/ring.h"

#define CHAN_BACKLOG_MAX	256	/* packets */

struct evl;
struct gpadl_table;

/*
 * Where a channel stands in its device, for its back end: set before the
 * back end's open() runs (chanmgr fills it in; NULL in channel_open(): a
 * primary with no instance known and no GPADLs to look up).
 */
struct chan_dev {
	uint16_t sub_index;		/* 0: the primary; n: sub-channel n */
	const uint8_t *instance;	/* the device's instance GUID, or NULL */
	struct gpadl_table *gpadls;	/* the connection's, for channel_gpadl() */
};

/* What channels need from the daemon (the transport and guest RAM). */
struct chan_env {
	const struct gmem *gmem;
	struct evl *loop;	/* the daemon's event loop, for back ends */
	uint8_t *h2g_events;	/* interface region + VMB_IF_H2G_EVENTS_OFF */
	uint8_t *g2h_events;	/* interface region + VMB_IF_G2H_EVENTS_OFF */
	unsigned int nr_vectors;
	void (*notify)(void *ctx, unsigned int vector);	/* raise guest vector */
	void *ctx;
};

struct chan_stats {
	uint64_t rx_pkts, rx_bytes;	/* consumed from the guest's ring */
	uint64_t tx_pkts, tx_bytes;	/* written into the host-to-guest ring */
	uint64_t doorbells;		/* guest signals handled */
	uint64_t interrupts;		/* signals sent to the guest */
	uint64_t ring_full;		/* packets that had to wait (backlog) */
	uint64_t dropped;		/* replies lost (too big, backlog full) */
	uint64_t ignored;		/* packets the backend ignored */
	uint64_t retargets;		/* MODIFY_CHANNEL moves (channel_retarget) */
};

struct chan_bl_entry {
	struct chan_bl_entry *next;
	struct vmb_pkt_desc desc;
	uint32_t len;
	uint8_t data[];
};

struct channel {
	uint32_t relid;
	uint32_t vector;		/* 1 + target_vcpu */
	const struct chan_env *env;
	struct gpadl *gpadl;
	struct ring in;			/* guest -> host, we consume */
	struct ring out;		/* host -> guest, we produce */
	uint8_t *rxbuf;			/* private packet copy, in.size bytes */
	struct gpa_scratch *scratch;	/* GPA_RANGE lists, one packet's */
	struct chan_bl_entry *bl_head, *bl_tail;
	unsigned int bl_len;
	size_t bl_bytes;
	bool want_space;		/* we set pending_send_sz */
	bool paused;			/* its back end said: do not consume */
	bool broken;
	bool signal;			/* signal the guest at the end of the pass */
	const struct vmbd_backend *be;	/* NULL: a class vmbusd does not know */
	const struct vmbd_conf *conf;	/* the device's options, or NULL */
	struct chan_dev dev;
	void *be_priv;			/* the back end's, from its open() */
	struct chan_stats st;
};

/*
 * Open a channel on a complete GPADL: pages [0, in_ring_page) are the
 * guest-to-host ring, the rest the host-to-guest ring; each must be a header
 * page plus a power of two of data pages.  vector must already be checked
 * against the vectors in use.  Returns the channel, or NULL with *status
 * (VMB_STATUS_INVALID / VMB_STATUS_NO_RESOURCES) and *why.  Takes a use of
 * the GPADL (g->users) until channel_close().
 */
struct channel *channel_open(const struct chan_env *env, uint32_t relid,
			     struct gpadl *g, uint32_t in_ring_page,
			     uint32_t vector, const struct vmbd_backend *be,
			     const struct vmbd_conf *conf, uint32_t *status,
			     const char **why);
/* The same, with the channel's place in its device (dev may be NULL). */
struct channel *channel_open_dev(const struct chan_env *env, uint32_t relid,
				 struct gpadl *g, uint32_t in_ring_page,
				 uint32_t vector, const struct vmbd_backend *be,
				 const struct vmbd_conf *conf,
				 const struct chan_dev *dev, uint32_t *status,
				 const char **why);
/*
 * A GPADL of this channel's own (its relid), complete and wholly in guest
 * RAM, for a back end's buffers beyond the rings; NULL otherwise.  A back
 * end that keeps using it takes a use (g->users++: the guest's teardown is
 * then refused) and gives it back in its close().
 */
struct gpadl *channel_gpadl(struct channel *ch, uint32_t id);
/* Stop touching the rings at once and free everything. */
void channel_close(struct channel *ch);
/* One pass: backlog, then the guest's ring (see above). */
void channel_process(struct channel *ch);
/* The guest signalled this channel. */
void channel_doorbell(struct channel *ch);
/*
 * Send one packet (offset8 = 2: payload right after the descriptor), now or
 * through the backlog.  Returns 0, or -1 if it was dropped (counted).
 */
int channel_send(struct channel *ch, uint16_t type, uint16_t flags,
		 uint64_t trans_id, const void *payload, uint32_t len);
/*
 * Whether a packet of payload_len bytes would go into the ring now (no
 * backlog, and room).  If not, the guest is asked to signal once there is
 * room (pending_send_sz), and the back end's pass_end() runs on the pass
 * that signal brings: a back end that holds output for room waits this way
 * instead of queueing it.
 */
bool channel_tx_room(struct channel *ch, uint32_t payload_len);
/*
 * Signal the guest on another vector from now on (the bitmap of that vector
 * and its interrupt).  vector must already be checked against the vectors
 * in use.  Counted in st.retargets.
 */
void channel_retarget(struct channel *ch, uint32_t vector);
/* Raise this channel's event (bitmap bit + vector) now. */
void channel_signal_guest(struct channel *ch);
/* Mark broken (logs once). */
void channel_set_broken(struct channel *ch, const char *why);
/*
 * Stop consuming the guest's ring, or start again (a back end's flow
 * control, such as echo's echo-pause); resuming runs a pass.
 */
void channel_set_paused(struct channel *ch, bool paused);

/* Atomic bit operations on a shared little-endian event bitmap. */
void chan_event_set(uint8_t *bitmap, uint32_t bit);
/* Exchange 64-bit word i of the bitmap with 0; returns the old bits. */
uint64_t chan_event_take_word(uint8_t *bitmap, unsigned int i);

#endif
