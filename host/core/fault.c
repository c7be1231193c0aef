// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The faults.  Message faults write straight into the host-to-guest queue
 * through chanmgr_ops.send, bypassing validation and leaving the channel
 * table as it was; where they need a relid nobody has, they take the lowest
 * free one.  Fresh instance GUIDs are random; the class is "test".
 * Channel faults write into an open channel's host-to-guest ring.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/chanmgr.h"
#include "core/fault.h"
#include "core/guid.h"
#include "vmb_test.h"

#define FAULT_UNKNOWN_TYPE	0x7777
#define FAULT_SHORT_LEN		20
#define FAULT_BAD_FLAGS		0x8000
#define FAULT_BAD_RELID		(VMB_MAX_RELID + 5)
#define FAULT_UNKNOWN_GPADL	0x7fffffffu
#define FAULT_TRANS_ID		0xdeadbeefcafeULL

/* ------------------------------------------------------------------ */
/* Message faults                                                      */

/* len is what the slot claims; payload_len bytes are copied. */
/* An offer of the test class, a new random instance, on relid. */
static int fresh_offer(struct vmb_msg_offer *o, uint32_t relid,
		       const char **err)
{
	static const uint8_t class_id[VMB_GUID_LEN] = VMB_CLASS_TEST_BYTES;
	uint8_t inst[VMB_GUID_LEN];

	if (guid_random(inst) < 0) {
		*err = "cannot make a GUID";
		return -1;
	}
	chanmgr_build_offer(o, class_id, inst, relid);
	return 0;
}

/* A fresh offer on the lowest free relid. */
static int free_offer(struct chanmgr *cm, struct vmb_msg_offer *o,
		      const char **err)
{
	uint32_t relid = chanmgr_free_relid(cm);

	if (!relid) {
		*err = "no unused relid";
		return -1;
	}
	return fresh_offer(o, relid, err);
}

/* The lowest relid of an offered channel (not being rescinded), or 0. */
static uint32_t offered_channel(const struct chanmgr *cm)
{
	uint32_t relid;

	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_OFFERED)
			return relid;
	return 0;
}

static int fault_short(struct chanmgr *cm, struct channel *ch, const char **err)
{
	struct vmb_msg_offer o;

	(void)ch;
	if (free_offer(cm, &o, err) < 0)
		return -1;
	chanmgr_send_raw(cm, VMB_MSG_OFFER, FAULT_SHORT_LEN, &o, FAULT_SHORT_LEN);
	return 0;
}

static int fault_overlong(struct chanmgr *cm, struct channel *ch,
			  const char **err)
{
	struct vmb_msg_offer o;

	(void)ch;
	if (free_offer(cm, &o, err) < 0)
		return -1;
	chanmgr_send_raw(cm, VMB_MSG_OFFER, VMB_MSG_MAX_PAYLOAD + 1, &o, sizeof(o));
	return 0;
}

static int fault_unknown_type(struct chanmgr *cm, struct channel *ch,
			      const char **err)
{
	(void)ch;
	(void)err;
	chanmgr_send_raw(cm, FAULT_UNKNOWN_TYPE, 0, NULL, 0);
	return 0;
}

static int fault_bad_relid(struct chanmgr *cm, struct channel *ch,
			   const char **err)
{
	struct vmb_msg_offer o;

	(void)ch;
	if (free_offer(cm, &o, err) < 0)
		return -1;
	o.relid = htole32(0);
	chanmgr_send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	if (fresh_offer(&o, FAULT_BAD_RELID, err) < 0)
		return -1;
	chanmgr_send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	return 0;
}

static int fault_dup_offer(struct chanmgr *cm, struct channel *ch,
			   const char **err)
{
	uint32_t relid = offered_channel(cm);

	(void)ch;
	if (!relid) {
		*err = "needs an offered channel";
		return -1;
	}
	chanmgr_send_offer(cm, relid);
	return 0;
}

static int fault_dup_instance(struct chanmgr *cm, struct channel *ch,
			      const char **err)
{
	uint32_t relid = offered_channel(cm), free_relid;
	struct vmb_msg_offer o;

	(void)ch;
	if (!relid) {
		*err = "needs an offered channel";
		return -1;
	}
	free_relid = chanmgr_free_relid(cm);
	if (!free_relid) {
		*err = "no unused relid";
		return -1;
	}
	chanmgr_build_offer(&o, cm->chan[relid].class_id,
			    cm->chan[relid].instance_id, free_relid);
	chanmgr_send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	return 0;
}

static int fault_rescind_unknown(struct chanmgr *cm, struct channel *ch,
				 const char **err)
{
	struct vmb_msg_rescind r = { .relid = htole32(chanmgr_free_relid(cm)) };

	(void)ch;
	if (!r.relid) {
		*err = "no unused relid";
		return -1;
	}
	chanmgr_send_raw(cm, VMB_MSG_RESCIND, sizeof(r), &r, sizeof(r));
	return 0;
}

static int fault_nil_guid(struct chanmgr *cm, struct channel *ch,
			  const char **err)
{
	struct vmb_msg_offer o;
	uint32_t relid = chanmgr_free_relid(cm);

	(void)ch;
	if (!relid) {
		*err = "no unused relid";
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.relid = htole32(relid);
	chanmgr_send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	return 0;
}

static int fault_bad_flags(struct chanmgr *cm, struct channel *ch,
			   const char **err)
{
	struct vmb_msg_offer o;

	(void)ch;
	if (free_offer(cm, &o, err) < 0)
		return -1;
	o.flags = htole16(FAULT_BAD_FLAGS);
	chanmgr_send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	return 0;
}

static int fault_bad_index(struct chanmgr *cm, struct channel *ch,
			   const char **err)
{
	(void)ch;
	if (!cm->ops->corrupt_h2g_index) {
		*err = "bad-index not supported by this transport";
		return -1;
	}
	cm->ops->corrupt_h2g_index(cm->ctx);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Channel faults                                                      */

/* Writes a descriptor as given (and payload_len zero bytes), no checks. */
static int put_raw(struct channel *ch, uint16_t len8, uint16_t off8,
		   uint32_t payload_len, const char **err)
{
	static const uint8_t zero[8];
	struct vmb_pkt_desc d;
	const char *why = NULL;
	int r;

	memset(&d, 0, sizeof(d));
	d.type = htole16(VMB_PKT_INBAND);
	d.len8 = htole16(len8);
	d.offset8 = htole16(off8);
	d.trans_id = htole64(FAULT_TRANS_ID);
	r = ring_tx_put(&ch->out, &d, zero, payload_len, &why);
	if (r == -EAGAIN || r == -EMSGSIZE) {
		*err = "host-to-guest ring full";
		return -1;
	}
	if (r < 0) {
		*err = "host-to-guest ring unusable (guest read_index invalid)";
		return -1;
	}
	return 0;
}

/* Channel faults that write into the ring: not into a broken one. */
static int ring_usable(const struct channel *ch, const char **err)
{
	if (ch->broken) {
		*err = "channel is broken";
		return -1;
	}
	return 0;
}

static int fault_ring_index(struct chanmgr *cm, struct channel *ch,
			    const char **err)
{
	(void)cm;
	if (ring_usable(ch, err) < 0)
		return -1;
	ring_tx_set_write_index(&ch->out, ch->out.size + 3);
	channel_signal_guest(ch);
	return 0;
}

static int fault_ring_len(struct chanmgr *cm, struct channel *ch,
			  const char **err)
{
	/* len8 covers the whole data area: more than can be there */
	uint32_t l8 = ch->out.size / 8;

	(void)cm;
	if (ring_usable(ch, err) < 0 ||
	    put_raw(ch, l8 > 0xffff ? 0xffff : (uint16_t)l8, 2, 0, err) < 0)
		return -1;
	channel_signal_guest(ch);
	return 0;
}

static int fault_ring_offset(struct chanmgr *cm, struct channel *ch,
			     const char **err)
{
	(void)cm;
	/* len8 = 3 (descriptor + 8 bytes) is right; offset8 = 4 is not */
	if (ring_usable(ch, err) < 0 || put_raw(ch, 3, 4, 8, err) < 0)
		return -1;
	channel_signal_guest(ch);
	return 0;
}

static int fault_unknown_completion(struct chanmgr *cm, struct channel *ch,
				    const char **err)
{
	static const uint8_t zero16[16];

	(void)cm;
	if (ring_usable(ch, err) < 0)
		return -1;
	if (channel_send(ch, VMB_PKT_COMPLETION, 0, FAULT_TRANS_ID, zero16,
			 sizeof(zero16)) < 0) {
		*err = "could not send";
		return -1;
	}
	channel_signal_guest(ch);
	return 0;
}

/* A message fault that needs the channel: an answer for no request. */
static int fault_gpadl_unknown(struct chanmgr *cm, struct channel *ch,
			       const char **err)
{
	struct vmb_msg_gpadl_created c = {
		.gpadl_id = htole32(FAULT_UNKNOWN_GPADL),
		.relid = htole32(ch->relid),
		.status = htole32(VMB_STATUS_OK),
	};

	(void)err;
	chanmgr_send_raw(cm, VMB_MSG_GPADL_CREATED, sizeof(c), &c, sizeof(c));
	return 0;
}

const struct fault fault_table[] = {
	{ "short", "OFFER whose len (20) is shorter than struct vmb_msg_offer",
	  false, fault_short },
	{ "overlong", "OFFER whose len is VMB_MSG_MAX_PAYLOAD + 1",
	  false, fault_overlong },
	{ "unknown-type", "a message of type 0x7777, len 0",
	  false, fault_unknown_type },
	{ "bad-relid", "OFFER of relid 0, then of relid VMB_MAX_RELID + 5",
	  false, fault_bad_relid },
	{ "dup-offer", "the OFFER of the lowest offered channel, again",
	  false, fault_dup_offer },
	{ "dup-instance", "OFFER, unused relid, the instance GUID of the lowest offered channel",
	  false, fault_dup_instance },
	{ "rescind-unknown", "RESCIND of the lowest relid no channel has",
	  false, fault_rescind_unknown },
	{ "nil-guid", "OFFER, unused relid, all-zero class and instance",
	  false, fault_nil_guid },
	{ "bad-flags", "OFFER, unused relid, flags 0x8000",
	  false, fault_bad_flags },
	{ "bad-index", "the host-to-guest queue's prod published as the guest's cons + 1000",
	  false, fault_bad_index },
	{ "ring-index", "the host-to-guest write_index published as the data size + 3",
	  true, fault_ring_index },
	{ "ring-len", "a descriptor whose len8 exceeds the bytes in the ring",
	  true, fault_ring_len },
	{ "ring-offset", "a descriptor whose offset8 (4) exceeds its len8 (3)",
	  true, fault_ring_offset },
	{ "unknown-completion", "a well-formed COMPLETION for trans_id 0xdeadbeefcafe, never sent",
	  true, fault_unknown_completion },
	{ "gpadl-unknown", "GPADL_CREATED (message queue) for gpadl 0x7fffffff, never asked for",
	  true, fault_gpadl_unknown },
	{ NULL, NULL, false, NULL }
};

const struct fault *fault_find(const char *name)
{
	const struct fault *f;

	for (f = fault_table; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int fault_inject(struct chanmgr *cm, const struct fault *f, uint32_t relid,
		 const char **err)
{
	struct channel *ch = NULL;

	if (f->on_channel) {
		ch = chanmgr_open_channel(cm, relid, err);
		if (!ch)
			return -1;
	}
	return f->inject(cm, ch, err);
}
