// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chanmgr.h"
#include "guid.h"
#include "classes.h"

/* ------------------------------------------------------------------ */
/* Validation table                                                    */

enum msg_dir { DIR_G2H, DIR_H2G };

struct msg_rule {
	const char *name;
	enum msg_dir dir;
	uint32_t len;		/* exact payload size, or the minimum... */
	bool len_is_min;	/* ...if this is set (variable-length types) */
	/* extra field checks on the copied, length-checked payload */
	const char *(*check)(const struct vmb_msg *m);
	/* returns NULL, or why the message is rejected in this state */
	const char *(*handle)(struct chanmgr *cm, const struct vmb_msg *m);
};

static const char *check_initiate_contact(const struct vmb_msg *m)
{
	struct vmb_msg_initiate_contact c;

	memcpy(&c, m->payload, sizeof(c));
	if (c.reserved)
		return "reserved field not zero";
	if (le32toh(c.version_min) > le32toh(c.version_max))
		return "version_min > version_max";
	return NULL;
}

static const char *check_relid_released(const struct vmb_msg *m)
{
	struct vmb_msg_relid_released r;
	uint32_t relid;

	memcpy(&r, m->payload, sizeof(r));
	relid = le32toh(r.relid);
	if (relid == 0 || relid >= VMB_MAX_RELID)
		return "relid out of range";
	return NULL;
}

static const char *handle_initiate_contact(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_request_offers(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_relid_released(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_unload(struct chanmgr *cm, const struct vmb_msg *m);

static const struct msg_rule msg_rules[VMB_MSG_TYPE_COUNT] = {
	[VMB_MSG_INITIATE_CONTACT] = {
		"INITIATE_CONTACT", DIR_G2H,
		sizeof(struct vmb_msg_initiate_contact), false,
		check_initiate_contact, handle_initiate_contact },
	[VMB_MSG_VERSION_RESPONSE] = {
		"VERSION_RESPONSE", DIR_H2G,
		sizeof(struct vmb_msg_version_response), false, NULL, NULL },
	[VMB_MSG_REQUEST_OFFERS] = {
		"REQUEST_OFFERS", DIR_G2H, 0, false,
		NULL, handle_request_offers },
	[VMB_MSG_OFFER] = {
		"OFFER", DIR_H2G, sizeof(struct vmb_msg_offer), false,
		NULL, NULL },
	[VMB_MSG_ALL_OFFERS_DELIVERED] = {
		"ALL_OFFERS_DELIVERED", DIR_H2G, 0, false, NULL, NULL },
	[VMB_MSG_RESCIND] = {
		"RESCIND", DIR_H2G, sizeof(struct vmb_msg_rescind), false,
		NULL, NULL },
	[VMB_MSG_RELID_RELEASED] = {
		"RELID_RELEASED", DIR_G2H,
		sizeof(struct vmb_msg_relid_released), false,
		check_relid_released, handle_relid_released },
	[VMB_MSG_UNLOAD] = {
		"UNLOAD", DIR_G2H, 0, false, NULL, handle_unload },
	[VMB_MSG_UNLOAD_RESPONSE] = {
		"UNLOAD_RESPONSE", DIR_H2G, 0, false, NULL, NULL },
};

_Static_assert(sizeof(struct vmb_msg_initiate_contact) <= VMB_MSG_MAX_PAYLOAD,
	       "payload too big");
_Static_assert(sizeof(struct vmb_msg_offer) <= VMB_MSG_MAX_PAYLOAD,
	       "payload too big");

int chanmgr_validate(const struct vmb_msg *m, const char **why)
{
	uint32_t type = le32toh(m->type), len = le32toh(m->len);
	const struct msg_rule *r;

	if (type >= VMB_MSG_TYPE_COUNT || !msg_rules[type].name) {
		*why = "unknown message type";
		return -1;
	}
	r = &msg_rules[type];
	if (r->dir != DIR_G2H) {
		*why = "host-to-guest message type sent by the guest";
		return -1;
	}
	if (len > VMB_MSG_MAX_PAYLOAD) {
		*why = "length exceeds the slot";
		return -1;
	}
	if (r->len_is_min ? len < r->len : len != r->len) {
		*why = "wrong payload length";
		return -1;
	}
	if (r->check) {
		*why = r->check(m);
		if (*why)
			return -1;
	}
	*why = NULL;
	return 0;
}

static const char *type_name(uint32_t type)
{
	if (type < VMB_MSG_TYPE_COUNT && msg_rules[type].name)
		return msg_rules[type].name;
	return "?";
}

static int reject(struct chanmgr *cm, const struct vmb_msg *m, const char *why)
{
	unsigned int sup;

	cm->rejected++;
	if (log_ratelimit_ok(&cm->reject_rl, &sup)) {
		if (sup)
			log_warn("%u rejected guest messages not logged", sup);
		log_warn("rejected guest message type %u (%s) len %u: %s",
			 le32toh(m->type), type_name(le32toh(m->type)),
			 le32toh(m->len), why);
	}
	return -1;
}

int chanmgr_handle(struct chanmgr *cm, const struct vmb_msg *m)
{
	const char *why;

	if (chanmgr_validate(m, &why) < 0)
		return reject(cm, m, why);
	why = msg_rules[le32toh(m->type)].handle(cm, m);
	if (why)
		return reject(cm, m, why);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void send_msg(struct chanmgr *cm, uint32_t type, const void *payload,
		     uint32_t len)
{
	struct vmb_msg m;

	memset(&m, 0, sizeof(m));
	m.type = htole32(type);
	m.len = htole32(len);
	if (len)
		memcpy(m.payload, payload, len);
	cm->ops->send(cm->ctx, &m);
}

static void build_offer(struct vmb_msg_offer *o, const uint8_t *class_id,
			const uint8_t *instance_id, uint32_t relid)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->class_id, class_id, VMB_GUID_LEN);
	memcpy(o->instance_id, instance_id, VMB_GUID_LEN);
	o->relid = htole32(relid);
}

static void send_offer(struct chanmgr *cm, uint32_t relid)
{
	struct vmb_msg_offer o;

	build_offer(&o, cm->chan[relid].class_id, cm->chan[relid].instance_id,
		    relid);
	send_msg(cm, VMB_MSG_OFFER, &o, sizeof(o));
}

static void send_rescind(struct chanmgr *cm, uint32_t relid)
{
	struct vmb_msg_rescind r = { .relid = htole32(relid) };

	send_msg(cm, VMB_MSG_RESCIND, &r, sizeof(r));
}

/* ------------------------------------------------------------------ */
/* State                                                               */

void chanmgr_init(struct chanmgr *cm, const struct chanmgr_ops *ops,
		  void *ctx, uint32_t version_min, uint32_t version_max)
{
	memset(cm, 0, sizeof(*cm));
	cm->ops = ops;
	cm->ctx = ctx;
	cm->host_version_min = version_min;
	cm->host_version_max = version_max;
}

/* Forget the per-connection state; configured channels stay. */
static void drop_connection(struct chanmgr *cm)
{
	uint32_t relid;

	cm->connected = false;
	cm->version = 0;
	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_RESCINDING)
			memset(&cm->chan[relid], 0, sizeof(cm->chan[relid]));
}

void chanmgr_transport_reset(struct chanmgr *cm)
{
	if (cm->connected)
		log_info("guest disconnected (transport lost)");
	drop_connection(cm);
}

char *chanmgr_version_str(uint32_t version, char *buf)
{
	snprintf(buf, 16, "%u.%u", VMB_VERSION_MAJOR(version),
		 VMB_VERSION_MINOR(version));
	return buf;
}

int chanmgr_version_parse(const char *s, uint32_t *version)
{
	unsigned long maj, min = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	maj = strtoul(s, &end, 10);
	if (*end == '.') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return -1;
		min = strtoul(s, &end, 10);
	}
	if (*end || maj > 0xffff || min > 0xffff)
		return -1;
	*version = VMB_VERSION((uint32_t)maj, (uint32_t)min);
	return 0;
}

static const char *handle_initiate_contact(struct chanmgr *cm, const struct vmb_msg *m)
{
	struct vmb_msg_initiate_contact c;
	struct vmb_msg_version_response r;
	uint32_t lo, hi;
	char vbuf[16];

	memcpy(&c, m->payload, sizeof(c));
	if (cm->connected) {
		log_info("guest re-initiated contact while connected: resetting the connection");
		drop_connection(cm);
	}
	lo = le32toh(c.version_min);
	hi = le32toh(c.version_max);
	if (lo < cm->host_version_min)
		lo = cm->host_version_min;
	if (hi > cm->host_version_max)
		hi = cm->host_version_max;
	memset(&r, 0, sizeof(r));
	r.host_version_min = htole32(cm->host_version_min);
	r.host_version_max = htole32(cm->host_version_max);
	if (lo > hi) {
		r.status = htole32(VMB_STATUS_NO_COMMON_VERSION);
		r.version = 0;
		log_info("guest contact refused: no common protocol version (guest %#x-%#x)",
			 le32toh(c.version_min), le32toh(c.version_max));
		send_msg(cm, VMB_MSG_VERSION_RESPONSE, &r, sizeof(r));
		return NULL;
	}
	r.status = htole32(VMB_STATUS_OK);
	r.version = htole32(hi);
	cm->connected = true;
	cm->version = hi;
	cm->connects++;
	log_info("guest connected, protocol version %s",
		 chanmgr_version_str(hi, vbuf));
	send_msg(cm, VMB_MSG_VERSION_RESPONSE, &r, sizeof(r));
	return NULL;
}

static const char *handle_request_offers(struct chanmgr *cm, const struct vmb_msg *m)
{
	uint32_t relid;

	(void)m;
	if (!cm->connected) {
		return "REQUEST_OFFERS before contact";
	}
	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_OFFERED)
			send_offer(cm, relid);
	send_msg(cm, VMB_MSG_ALL_OFFERS_DELIVERED, NULL, 0);
	return NULL;
}

static const char *handle_relid_released(struct chanmgr *cm, const struct vmb_msg *m)
{
	struct vmb_msg_relid_released r;
	uint32_t relid;

	memcpy(&r, m->payload, sizeof(r));
	relid = le32toh(r.relid);	/* range checked by the table */
	if (!cm->connected) {
		return "RELID_RELEASED before contact";
	}
	if (cm->chan[relid].state != CHANMGR_CHAN_RESCINDING) {
		return "RELID_RELEASED for a channel not being rescinded";
	}
	memset(&cm->chan[relid], 0, sizeof(cm->chan[relid]));
	log_info("relid %u released", relid);
	return NULL;
}

static const char *handle_unload(struct chanmgr *cm, const struct vmb_msg *m)
{
	(void)m;
	if (!cm->connected) {
		return "UNLOAD before contact";
	}
	send_msg(cm, VMB_MSG_UNLOAD_RESPONSE, NULL, 0);
	drop_connection(cm);
	cm->unloads++;
	log_info("guest disconnected (unload)");
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Channel table                                                       */

static uint32_t lowest_free_relid(const struct chanmgr *cm)
{
	uint32_t relid;

	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_FREE)
			return relid;
	return 0;
}

uint32_t chanmgr_find_instance(const struct chanmgr *cm,
			       const uint8_t instance_id[VMB_GUID_LEN])
{
	uint32_t relid;

	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state != CHANMGR_CHAN_FREE &&
		    guid_equal(cm->chan[relid].instance_id, instance_id))
			return relid;
	return 0;
}

const struct chanmgr_channel *chanmgr_channel(const struct chanmgr *cm,
					      uint32_t relid)
{
	if (relid == 0 || relid >= VMB_MAX_RELID ||
	    cm->chan[relid].state == CHANMGR_CHAN_FREE)
		return NULL;
	return &cm->chan[relid];
}

int chanmgr_add_channel(struct chanmgr *cm, const uint8_t class_id[VMB_GUID_LEN],
			const uint8_t instance_id[VMB_GUID_LEN], uint32_t *relid,
			const char **err)
{
	uint32_t r;

	if (guid_is_nil(class_id) || guid_is_nil(instance_id)) {
		*err = "nil GUID";
		return -1;
	}
	if (chanmgr_find_instance(cm, instance_id)) {
		*err = "duplicate instance GUID";
		return -1;
	}
	r = lowest_free_relid(cm);
	if (!r) {
		*err = "channel table full";
		return -1;
	}
	cm->chan[r].state = CHANMGR_CHAN_OFFERED;
	memcpy(cm->chan[r].class_id, class_id, VMB_GUID_LEN);
	memcpy(cm->chan[r].instance_id, instance_id, VMB_GUID_LEN);
	if (cm->connected)
		send_offer(cm, r);
	*relid = r;
	return 0;
}

int chanmgr_rescind(struct chanmgr *cm, uint32_t relid, const char **err)
{
	if (!chanmgr_channel(cm, relid)) {
		*err = "no such channel";
		return -1;
	}
	if (cm->chan[relid].state == CHANMGR_CHAN_RESCINDING) {
		*err = "channel is already being rescinded";
		return -1;
	}
	if (!cm->connected) {
		memset(&cm->chan[relid], 0, sizeof(cm->chan[relid]));
		return 0;
	}
	cm->chan[relid].state = CHANMGR_CHAN_RESCINDING;
	send_rescind(cm, relid);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */

/*
 * Every kind writes its message(s) straight into the h2g queue, bypassing
 * validation and without changing the channel table:
 *   short            OFFER with len 20 (< sizeof(struct vmb_msg_offer))
 *   overlong         OFFER whose slot len is VMB_MSG_MAX_PAYLOAD + 1
 *   unknown-type     type 0x7777, len 0
 *   bad-relid        OFFER relid 0, then OFFER relid VMB_MAX_RELID + 5
 *   dup-offer        the OFFER of the lowest existing channel, again
 *   dup-instance     OFFER, lowest unused relid, an existing instance GUID
 *   rescind-unknown  RESCIND of the lowest in-range relid with no channel
 *   nil-guid         OFFER, unused relid, all-zero class and instance
 *   bad-flags        OFFER, unused relid, flags 0x8000
 *   bad-index        h2g prod published as guest cons + 1000 (msgq.h)
 * Fresh instance GUIDs are random; the class is "test".
 */
#define INJECT_UNKNOWN_TYPE	0x7777
#define INJECT_SHORT_LEN	20
#define INJECT_BAD_FLAGS	0x8000
#define INJECT_BAD_INDEX_DELTA	1000

const char *const chanmgr_inject_kinds[] = {
	"short", "overlong", "unknown-type", "bad-relid", "dup-offer",
	"dup-instance", "rescind-unknown", "nil-guid", "bad-flags",
	"bad-index", NULL
};

static void send_raw(struct chanmgr *cm, uint32_t type, uint32_t len,
		     const void *payload, size_t payload_len)
{
	struct vmb_msg m;

	memset(&m, 0, sizeof(m));
	m.type = htole32(type);
	m.len = htole32(len);
	if (payload_len > sizeof(m.payload))
		payload_len = sizeof(m.payload);
	if (payload_len)
		memcpy(m.payload, payload, payload_len);
	cm->ops->send(cm->ctx, &m);
}

static int fresh_offer(struct vmb_msg_offer *o, uint32_t relid, const char **err)
{
	uint8_t class_id[VMB_GUID_LEN], inst[VMB_GUID_LEN];

	if (class_lookup("test", class_id) < 0 || guid_random(inst) < 0) {
		*err = "cannot make a GUID";
		return -1;
	}
	build_offer(o, class_id, inst, relid);
	return 0;
}

static uint32_t first_channel(const struct chanmgr *cm)
{
	uint32_t relid;

	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_OFFERED)
			return relid;
	return 0;
}

int chanmgr_inject(struct chanmgr *cm, const char *kind, const char **err)
{
	struct vmb_msg_offer o;
	uint32_t free_relid = lowest_free_relid(cm), relid;

	if (strcmp(kind, "bad-index") == 0) {
		if (!cm->ops->corrupt_h2g_index) {
			*err = "bad-index not supported by this transport";
			return -1;
		}
		cm->ops->corrupt_h2g_index(cm->ctx);
		return 0;
	}
	if (strcmp(kind, "unknown-type") == 0) {
		send_raw(cm, INJECT_UNKNOWN_TYPE, 0, NULL, 0);
		return 0;
	}
	if (strcmp(kind, "dup-offer") == 0 || strcmp(kind, "dup-instance") == 0) {
		relid = first_channel(cm);
		if (!relid) {
			*err = "needs an offered channel";
			return -1;
		}
		if (kind[4] == 'o') {
			send_offer(cm, relid);
			return 0;
		}
		if (!free_relid) {
			*err = "no unused relid";
			return -1;
		}
		build_offer(&o, cm->chan[relid].class_id,
			    cm->chan[relid].instance_id, free_relid);
		send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
		return 0;
	}
	if (!free_relid) {
		*err = "no unused relid";
		return -1;
	}
	if (strcmp(kind, "rescind-unknown") == 0) {
		struct vmb_msg_rescind r = { .relid = htole32(free_relid) };

		send_raw(cm, VMB_MSG_RESCIND, sizeof(r), &r, sizeof(r));
		return 0;
	}
	if (strcmp(kind, "nil-guid") == 0) {
		memset(&o, 0, sizeof(o));
		o.relid = htole32(free_relid);
		send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
		return 0;
	}
	if (strcmp(kind, "short") && strcmp(kind, "overlong") &&
	    strcmp(kind, "bad-relid") && strcmp(kind, "bad-flags")) {
		*err = "unknown kind";
		return -1;
	}
	if (fresh_offer(&o, free_relid, err) < 0)
		return -1;
	if (strcmp(kind, "short") == 0) {
		send_raw(cm, VMB_MSG_OFFER, INJECT_SHORT_LEN, &o, INJECT_SHORT_LEN);
	} else if (strcmp(kind, "overlong") == 0) {
		send_raw(cm, VMB_MSG_OFFER, VMB_MSG_MAX_PAYLOAD + 1, &o, sizeof(o));
	} else if (strcmp(kind, "bad-relid") == 0) {
		o.relid = htole32(0);
		send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
		if (fresh_offer(&o, VMB_MAX_RELID + 5, err) < 0)
			return -1;
		send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	} else {
		o.flags = htole16(INJECT_BAD_FLAGS);
		send_raw(cm, VMB_MSG_OFFER, sizeof(o), &o, sizeof(o));
	}
	return 0;
}
