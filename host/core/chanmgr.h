/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Channel management: the host's half of the channel-management protocol
 * (version negotiation, offers, rescind, unload), the channel table and the
 * central validation of every guest message.
 *
 * chanmgr never touches the transport: it sends through ops->send, so unit
 * tests can capture its output.  It is single-threaded.
 */
#ifndef VMBUSD_CHANMGR_H
#define VMBUSD_CHANMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/channel.h"
#include "core/gpadl.h"
#include "core/log.h"
#include "vmb_protocol.h"

enum chanmgr_chan_state {
	CHANMGR_CHAN_FREE = 0,
	CHANMGR_CHAN_OFFERED,
	CHANMGR_CHAN_RESCINDING,	/* RESCIND sent, waiting for RELID_RELEASED */
};

struct chanmgr_channel {
	enum chanmgr_chan_state state;
	uint8_t class_id[VMB_GUID_LEN];
	uint8_t instance_id[VMB_GUID_LEN];
	const struct vmbd_backend *be;	/* NULL: packets are ignored */
	struct vmbd_conf *conf;		/* the device's options (a reference) */
	struct channel *open;		/* non-NULL while the guest has it open */
	/*
	 * Sub-channels (REQUEST_SUBCHANNELS): sub_index 1..VMB_MAX_SUBCHANNELS
	 * and the relid of their primary; class and instance are the
	 * primary's.  Primaries have sub_index 0 and parent 0.  A sub-channel
	 * whose primary was released before it keeps parent 0 (orphan).
	 * Sub-channels live for one connection only.
	 */
	uint16_t sub_index;
	uint32_t parent;
};

struct chanmgr_ops {
	/* Queue one message for the guest; type/len already little-endian. */
	void (*send)(void *ctx, const struct vmb_msg *m);
	/* Fault "bad-index" (core/fault.c): corrupt the h2g producer index once. */
	void (*corrupt_h2g_index)(void *ctx);
};

struct chanmgr {
	const struct chanmgr_ops *ops;
	void *ctx;
	uint32_t host_version_min, host_version_max;
	bool connected;			/* INITIATE_CONTACT accepted */
	uint32_t version;		/* negotiated, when connected */
	uint64_t connects, unloads, rejected;
	uint64_t stray_events;		/* g2h event bits of no open channel */
	uint64_t subchan_ignored;	/* valid REQUEST_SUBCHANNELS not honoured */
	struct log_ratelimit reject_rl;
	const struct chan_env *env;	/* NULL: no channel layer (GPADL/OPEN rejected) */
	struct gpadl_table gpadls;	/* of the current connection */
	struct chanmgr_channel chan[VMB_MAX_RELID];	/* [0] unused */
};

void chanmgr_init(struct chanmgr *cm, const struct chanmgr_ops *ops,
		  void *ctx, uint32_t version_min, uint32_t version_max);

/*
 * Enable the channel layer (GPADLs, open/close, rings, events).  env must
 * outlive cm.
 */
void chanmgr_attach_env(struct chanmgr *cm, const struct chan_env *env);
/* Close and free every channel and GPADL, device options included (at exit). */
void chanmgr_fini(struct chanmgr *cm);
/*
 * The guest rang VMB_VECTOR_CHANNEL: take the guest-to-host event bitmap
 * (atomic exchange, word by word) and run a pass on each open channel whose
 * bit was set; other bits are counted in stray_events.
 */
void chanmgr_channel_events(struct chanmgr *cm);
/* Sub-channels (any state) whose primary is relid. */
unsigned int chanmgr_nr_subchannels(const struct chanmgr *cm, uint32_t relid);
/* "offered", "open" or "rescinding". */
const char *chanmgr_chan_state_name(const struct chanmgr_channel *ch);
/* The open channel at relid, or NULL with *err (no such channel, not open). */
struct channel *chanmgr_open_channel(struct chanmgr *cm, uint32_t relid,
				     const char **err);

/*
 * Check a (private copy of a) guest message against the validation table:
 * known type, guest->host direction, payload length, relid range, reserved
 * fields.  Returns 0 or -1 with *why set to a static string.  State checks
 * (e.g. REQUEST_OFFERS before contact) are the handlers' job.
 */
int chanmgr_validate(const struct vmb_msg *m, const char **why);
/*
 * Validate and dispatch one guest message.  Returns 0 if handled, -1 if
 * rejected (counted in cm->rejected, logged rate-limited, no state change,
 * no reply).
 */
int chanmgr_handle(struct chanmgr *cm, const struct vmb_msg *m);
/* The guest went away (transport lost): forget the connection. */
void chanmgr_transport_reset(struct chanmgr *cm);

/*
 * Add a channel (lowest free relid) and offer it now if connected.  be is
 * the class's back end (NULL: none, its packets are ignored), conf the
 * device's options or NULL; the channel takes over the caller's reference
 * to conf if it succeeds.  Returns 0 with *relid set, or -1 with *err set.
 */
int chanmgr_add_channel(struct chanmgr *cm, const uint8_t class_id[VMB_GUID_LEN],
			const uint8_t instance_id[VMB_GUID_LEN],
			const struct vmbd_backend *be, struct vmbd_conf *conf,
			uint32_t *relid, const char **err);
/*
 * Rescind a channel: RESCIND if connected (freed on RELID_RELEASED), freed
 * at once otherwise.  Rescinding a primary first rescinds each of its
 * sub-channels not already being rescinded.  Returns 0 or -1 with *err set.
 */
int chanmgr_rescind(struct chanmgr *cm, uint32_t relid, const char **err);
/* Relid of the primary channel with this instance GUID, or 0. */
uint32_t chanmgr_find_instance(const struct chanmgr *cm,
			       const uint8_t instance_id[VMB_GUID_LEN]);
/* The channel at relid, or NULL if free or out of range. */
const struct chanmgr_channel *chanmgr_channel(const struct chanmgr *cm,
					      uint32_t relid);
/* The lowest relid no channel has, or 0 if the table is full. */
uint32_t chanmgr_free_relid(const struct chanmgr *cm);
/* (Re)send the OFFER of the channel at relid, which must exist. */
void chanmgr_send_offer(struct chanmgr *cm, uint32_t relid);
/*
 * A message of @type whose header says @len bytes, with @payload_len bytes
 * of @payload (clamped to the slot) behind it: the two differ only when a
 * fault is injected on purpose.
 */
void chanmgr_send_raw(struct chanmgr *cm, uint32_t type, uint32_t len,
		      const void *payload, size_t payload_len);
/* An OFFER body for @relid of @class_id/@instance_id, the rest 0. */
void chanmgr_build_offer(struct vmb_msg_offer *o, const uint8_t *class_id,
			 const uint8_t *instance_id, uint32_t relid);

/* "1.0" style; buf must hold 16 bytes. */
char *chanmgr_version_str(uint32_t version, char *buf);
/* Parses "M" or "M.m" (each <= 0xffff).  Returns 0 or -1. */
int chanmgr_version_parse(const char *s, uint32_t *version);

#endif
