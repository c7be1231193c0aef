/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The integration services' common host side (include/vmb_util.h): the
 * request/answer framework each of heartbeat.c, shutdown.c, timesync.c and
 * kvp.c builds on.  A service's back end opens its channel with
 * util_chan_open(), which negotiates the version at once; sends requests
 * with util_send(); and hands every guest packet to util_packet(), which
 * validates the answer in one place (a COMPLETION, a header that fits, a
 * trans_id the host is waiting for, the type it asked, the negotiated
 * version, a body at least the type's minimum) before it calls the
 * service's handler for the type.  An answer that fails any check is
 * logged (rate-limited), counted in bad, and dropped: the channel keeps
 * serving.
 */
#ifndef VMBUSD_UTIL_H
#define VMBUSD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/channel.h"
#include "core/evloop.h"
#include "core/log.h"
#include "vmb_util.h"

struct util_chan;

/*
 * The answer to one request of type, in the service's table: status is the
 * guest's, body (len >= min_len bytes; valid only during the call) its
 * answer.  Handlers see answers with any status.
 */
struct util_answer {
	uint16_t type;
	uint16_t min_len;
	void (*fn)(struct util_chan *u, uint16_t status, const void *body,
		   uint16_t len, uint32_t seq);
};

struct util_svc {
	const char *name;		/* "heartbeat", for the log */
	const uint16_t *versions;	/* what the host offers, highest first */
	unsigned int nr_versions;
	const struct util_answer *answers;	/* ends with fn NULL */
	/* The guest accepted a version (u->version is set). Optional. */
	void (*ready)(struct util_chan *u);
};

#define UTIL_PENDING_MAX	64	/* requests unanswered at once */

struct util_chan {
	struct channel *ch;
	const struct util_svc *svc;
	void *priv;			/* the service's */
	uint16_t version;		/* negotiated; 0: not (yet) */
	bool refused_all;		/* NEGOTIATE answered: no common version */
	uint32_t next_seq;
	struct {
		uint32_t seq;
		uint16_t type;
		bool used;
	} pend[UTIL_PENDING_MAX];
	unsigned int nr_pending;
	uint64_t requests;		/* sent */
	uint64_t answers;		/* valid answers, any status */
	uint64_t not_ok;		/* ... of them with a status but OK */
	uint64_t bad;			/* answers refused (malformed, unasked) */
	uint64_t unsent;		/* requests not sent: too many unanswered */
	struct log_ratelimit rl;
	struct evl_timer negotiate;	/* NEGOTIATE, until answered */
	unsigned int negotiations;	/* sent */
};

/*
 * For a service's open(): allocate its state into ch->be_priv and send
 * NEGOTIATE on the loop's next pass (after the guest got its OPEN_RESULT),
 * again every UTIL_NEGOTIATE_RETRY_MS while unanswered, at most
 * UTIL_NEGOTIATE_TRIES times.  Returns 0 or -1 (out of memory).
 */
#define UTIL_NEGOTIATE_RETRY_MS	1000
#define UTIL_NEGOTIATE_TRIES	5

int util_chan_open(struct channel *ch, const struct util_svc *svc,
		   void *priv);
/* For its close(). */
void util_chan_close(struct channel *ch);
static inline struct util_chan *util_chan(const struct channel *ch)
{
	return ch->be_priv;
}

/*
 * Send a request of type with len bytes of body (<= VMB_UTIL_MSG_MAX - the
 * header), tagged with the negotiated version.  Returns the request's seq
 * (its trans_id), or -1: not negotiated, too many unanswered (counted in
 * unsent), or the channel dropped it.
 */
int64_t util_send(struct util_chan *u, uint16_t type, const void *body,
		  uint16_t len);
/* The service's .packet. */
void util_packet(struct channel *ch, const struct ring_pkt *pkt);
/* " util_version=1.0 util_requests=..." for the service's chan_stats. */
void util_chan_stats(const struct channel *ch, char *buf, size_t len);
/* "1.0" */
const char *util_version_str(uint16_t v, char buf[8]);

#endif
