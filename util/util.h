/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmb_util.ko: the integration services' guest side (include/vmb_util.h).
 * Each service is a vmb driver of its own (heartbeat.c, shutdown.c,
 * timesync.c, kvp.c) on the framework here, which owns the channel: it
 * copies each request out of the ring, validates it in one place (an
 * INBAND request that wants its answer, a header that fits, status and
 * reserved 0, NEGOTIATE first, the negotiated version after, a type of the
 * service with at least its minimum body) and only then calls the type's
 * handler, which returns the answer's status and body.  What fails a check
 * is answered with the status that says why (or, when there is nothing to
 * answer, dropped), logged (rate-limited) and counted; the channel goes on.
 */
#ifndef VMB_UTIL_GUEST_H
#define VMB_UTIL_GUEST_H

#include <linux/ratelimit.h>
#include <linux/types.h>

#include "vmb.h"
#include "vmb_util.h"

#define VMB_UTIL_DRIVER_VERSION	"0.1.0"

#define VMB_UTIL_RING_SIZE	(16 * 1024)
#define VMB_UTIL_BODY_MAX	(VMB_UTIL_MSG_MAX - sizeof(struct vmb_util_hdr))

/* A handler's return value: the answer comes later, from vmb_util_answer(). */
#define VMB_UTIL_DEFERRED	0xffff

struct vmb_util_dev;

/* What a deferred answer needs to be sent: the request's identity. */
struct vmb_util_req {
	u64 trans_id;
	u16 type;
	u32 seq;
};

struct vmb_util_type {
	u16 type;
	u16 min_len;
	/*
	 * Softirq context (the channel callback).  body: len >= min_len
	 * bytes, the request's private copy, valid for the call; write the
	 * answer's body (at most VMB_UTIL_BODY_MAX bytes) to ans and its
	 * length to *ans_len (0 when unset), return a VMB_UTIL_S_* or
	 * VMB_UTIL_DEFERRED.
	 */
	u16 (*fn)(struct vmb_util_dev *u, const struct vmb_util_req *req,
		  const void *body, u16 len, void *ans, u16 *ans_len);
};

struct vmb_util_service {
	const char *name;		/* "heartbeat", for the log */
	const u16 *versions;		/* the guest's, highest first */
	unsigned int nr_versions;
	const struct vmb_util_type *types;	/* ends with fn NULL */
};

struct vmb_util_dev {
	struct vmb_device *vdev;
	const struct vmb_util_service *svc;
	void *priv;			/* the service's */
	u16 version;			/* negotiated; 0: not yet */
	u64 requests;			/* carried out (status OK) */
	u64 refused;			/* answered with a status but OK */
	u64 dropped;			/* not even answerable */
	struct ratelimit_state rs;
	u8 rx[VMB_UTIL_MSG_MAX];	/* the request's copy */
	u8 tx[VMB_UTIL_MSG_MAX];	/* the answer, built here */
};

/*
 * Open vdev's channel for svc; u is the caller's (usually inside its own
 * state), priv its pointer back.  Returns 0 or -errno.
 */
int vmb_util_open(struct vmb_device *vdev, struct vmb_util_dev *u,
		  const struct vmb_util_service *svc, void *priv);
/* Close it: no handler runs after this returns. */
void vmb_util_close(struct vmb_util_dev *u);
/*
 * The answer to a request whose handler returned VMB_UTIL_DEFERRED.
 * Process context.  Returns 0 or -errno from the channel.
 */
int vmb_util_answer(struct vmb_util_dev *u, const struct vmb_util_req *req,
		    u16 status, const void *body, u16 len);
/* Log a refusal of the host's, rate-limited per device. */
__printf(2, 3) void vmb_util_warn(struct vmb_util_dev *u, const char *fmt,
				  ...);

/* The services' drivers, registered by main.c. */
extern struct vmb_driver vmb_heartbeat_driver;

#endif /* VMB_UTIL_GUEST_H */
