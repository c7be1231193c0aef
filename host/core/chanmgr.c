// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chanmgr.h"
#include "core/guid.h"

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

static uint32_t payload_le32(const struct vmb_msg *m, size_t off)
{
	uint32_t v;

	memcpy(&v, m->payload + off, sizeof(v));
	return le32toh(v);
}

static bool relid_ok(uint32_t relid)
{
	return relid != 0 && relid < VMB_MAX_RELID;
}

/* Variable length: exactly the header plus nr_pfns frames. */
static const char *check_gpadl_header(const struct vmb_msg *m)
{
	uint32_t id = payload_le32(m, 0), relid = payload_le32(m, 4);
	uint32_t nr_pages = payload_le32(m, 8), nr_pfns = payload_le32(m, 12);

	if (nr_pfns > VMB_GPADL_HEADER_PFNS)
		return "nr_pfns exceeds VMB_GPADL_HEADER_PFNS";
	if (le32toh(m->len) != sizeof(struct vmb_msg_gpadl_header) + 8 * nr_pfns)
		return "length does not match nr_pfns";
	if (id == 0)
		return "gpadl_id 0";
	if (!relid_ok(relid))
		return "relid out of range";
	if (nr_pages == 0 || nr_pages > VMB_GPADL_MAX_PAGES)
		return "nr_pages out of range";
	if (nr_pfns > nr_pages)
		return "more frames than nr_pages";
	return NULL;
}

static const char *check_gpadl_body(const struct vmb_msg *m)
{
	uint32_t id = payload_le32(m, 0), nr_pfns = payload_le32(m, 4);

	if (nr_pfns == 0 || nr_pfns > VMB_GPADL_BODY_PFNS)
		return "nr_pfns out of range";
	if (le32toh(m->len) != sizeof(struct vmb_msg_gpadl_body) + 8 * nr_pfns)
		return "length does not match nr_pfns";
	if (id == 0)
		return "gpadl_id 0";
	return NULL;
}

static const char *check_gpadl_teardown(const struct vmb_msg *m)
{
	if (payload_le32(m, 0) == 0)
		return "gpadl_id 0";
	if (!relid_ok(payload_le32(m, 4)))
		return "relid out of range";
	return NULL;
}

/* Only what cannot be answered: the other fields get OPEN_RESULT INVALID. */
static const char *check_relid_first(const struct vmb_msg *m)
{
	if (!relid_ok(payload_le32(m, 0)))
		return "relid out of range";
	return NULL;
}

static const char *check_request_subchannels(const struct vmb_msg *m)
{
	uint32_t count = payload_le32(m, 4);

	if (!relid_ok(payload_le32(m, 0)))
		return "relid out of range";
	if (count == 0 || count > VMB_MAX_SUBCHANNELS)
		return "count out of range (1..VMB_MAX_SUBCHANNELS)";
	return NULL;
}

static const char *handle_initiate_contact(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_gpadl_header(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_gpadl_body(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_gpadl_teardown(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_open_channel(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_close_channel(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_request_offers(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_relid_released(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_unload(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_modify_channel(struct chanmgr *cm, const struct vmb_msg *m);
static const char *handle_request_subchannels(struct chanmgr *cm, const struct vmb_msg *m);

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
	[VMB_MSG_GPADL_HEADER] = {
		"GPADL_HEADER", DIR_G2H,
		sizeof(struct vmb_msg_gpadl_header), true,
		check_gpadl_header, handle_gpadl_header },
	[VMB_MSG_GPADL_BODY] = {
		"GPADL_BODY", DIR_G2H,
		sizeof(struct vmb_msg_gpadl_body), true,
		check_gpadl_body, handle_gpadl_body },
	[VMB_MSG_GPADL_CREATED] = {
		"GPADL_CREATED", DIR_H2G,
		sizeof(struct vmb_msg_gpadl_created), false, NULL, NULL },
	[VMB_MSG_GPADL_TEARDOWN] = {
		"GPADL_TEARDOWN", DIR_G2H,
		sizeof(struct vmb_msg_gpadl_teardown), false,
		check_gpadl_teardown, handle_gpadl_teardown },
	[VMB_MSG_GPADL_TORNDOWN] = {
		"GPADL_TORNDOWN", DIR_H2G,
		sizeof(struct vmb_msg_gpadl_torndown), false, NULL, NULL },
	[VMB_MSG_OPEN_CHANNEL] = {
		"OPEN_CHANNEL", DIR_G2H,
		sizeof(struct vmb_msg_open_channel), false,
		check_relid_first, handle_open_channel },
	[VMB_MSG_OPEN_RESULT] = {
		"OPEN_RESULT", DIR_H2G,
		sizeof(struct vmb_msg_open_result), false, NULL, NULL },
	[VMB_MSG_CLOSE_CHANNEL] = {
		"CLOSE_CHANNEL", DIR_G2H,
		sizeof(struct vmb_msg_close_channel), false,
		check_relid_first, handle_close_channel },
	/* the relid range cannot be answered; the rest gets MODIFY_RESULT */
	[VMB_MSG_MODIFY_CHANNEL] = {
		"MODIFY_CHANNEL", DIR_G2H,
		sizeof(struct vmb_msg_modify_channel), false,
		check_relid_first, handle_modify_channel },
	[VMB_MSG_MODIFY_RESULT] = {
		"MODIFY_RESULT", DIR_H2G,
		sizeof(struct vmb_msg_modify_result), false, NULL, NULL },
	[VMB_MSG_REQUEST_SUBCHANNELS] = {
		"REQUEST_SUBCHANNELS", DIR_G2H,
		sizeof(struct vmb_msg_request_subchannels), false,
		check_request_subchannels, handle_request_subchannels },
};

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

void chanmgr_send_raw(struct chanmgr *cm, uint32_t type, uint32_t len,
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

static void send_msg(struct chanmgr *cm, uint32_t type, const void *payload,
		     uint32_t len)
{
	chanmgr_send_raw(cm, type, len, payload, len);
}

void chanmgr_build_offer(struct vmb_msg_offer *o, const uint8_t *class_id,
			 const uint8_t *instance_id, uint32_t relid)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->class_id, class_id, VMB_GUID_LEN);
	memcpy(o->instance_id, instance_id, VMB_GUID_LEN);
	o->relid = htole32(relid);
}

void chanmgr_send_offer(struct chanmgr *cm, uint32_t relid)
{
	struct vmb_msg_offer o;

	chanmgr_build_offer(&o, cm->chan[relid].class_id,
			    cm->chan[relid].instance_id, relid);
	o.sub_index = htole16(cm->chan[relid].sub_index);
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

static void close_channel(struct chanmgr *cm, uint32_t relid)
{
	if (cm->chan[relid].open) {
		channel_close(cm->chan[relid].open);
		cm->chan[relid].open = NULL;
	}
}

static bool is_sub_of(const struct chanmgr *cm, uint32_t relid, uint32_t primary)
{
	const struct chanmgr_channel *c = &cm->chan[relid];

	return c->state != CHANMGR_CHAN_FREE && c->sub_index && c->parent == primary;
}

/*
 * The relid is gone: its open rings and GPADLs go with it.  Sub-channels
 * of a primary that goes first (the guest released it before them) are
 * orphaned so that a new channel on this relid does not inherit them.
 */
static void free_channel(struct chanmgr *cm, uint32_t relid)
{
	uint32_t r;

	close_channel(cm, relid);
	gpadl_destroy_relid(&cm->gpadls, relid);
	if (!cm->chan[relid].sub_index)
		for (r = 1; r < VMB_MAX_RELID; r++)
			if (is_sub_of(cm, r, relid))
				cm->chan[r].parent = 0;
	vmbd_conf_put(cm->chan[relid].conf);
	memset(&cm->chan[relid], 0, sizeof(cm->chan[relid]));
}

/*
 * Forget the per-connection state; configured channels stay, sub-channels
 * (created by the guest's requests) do not.
 */
static void drop_connection(struct chanmgr *cm)
{
	uint32_t relid;

	cm->connected = false;
	cm->version = 0;
	for (relid = 1; relid < VMB_MAX_RELID; relid++) {
		close_channel(cm, relid);
		if (cm->chan[relid].state == CHANMGR_CHAN_RESCINDING ||
		    (cm->chan[relid].state != CHANMGR_CHAN_FREE &&
		     cm->chan[relid].sub_index))
			free_channel(cm, relid);
	}
	gpadl_destroy_relid(&cm->gpadls, 0);
}

void chanmgr_attach_env(struct chanmgr *cm, const struct chan_env *env)
{
	cm->env = env;
}

void chanmgr_fini(struct chanmgr *cm)
{
	uint32_t relid;

	drop_connection(cm);
	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state != CHANMGR_CHAN_FREE)
			free_channel(cm, relid);
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
	/* primaries first: a sub-channel may have the lower relid */
	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_OFFERED &&
		    !cm->chan[relid].sub_index)
			chanmgr_send_offer(cm, relid);
	for (relid = 1; relid < VMB_MAX_RELID; relid++)
		if (cm->chan[relid].state == CHANMGR_CHAN_OFFERED &&
		    cm->chan[relid].sub_index)
			chanmgr_send_offer(cm, relid);
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
	if (cm->chan[relid].open)
		log_warn("relid %u released while open: closing it", relid);
	free_channel(cm, relid);
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
/* GPADLs and open/close                                               */

static struct log_ratelimit chan_msg_rl;

static void send_gpadl_created(struct chanmgr *cm, uint32_t id, uint32_t relid,
			       uint32_t status)
{
	struct vmb_msg_gpadl_created c = {
		.gpadl_id = htole32(id),
		.relid = htole32(relid),
		.status = htole32(status),
	};

	send_msg(cm, VMB_MSG_GPADL_CREATED, &c, sizeof(c));
}

static const char *channel_layer_ready(struct chanmgr *cm, uint32_t relid)
{
	if (!cm->connected)
		return "before contact";
	if (!cm->env)
		return "no channel layer in this host";
	if (relid && cm->chan[relid].state == CHANMGR_CHAN_FREE)
		return "unknown relid";
	return NULL;
}

/* All frames are in: answer, and forget a GPADL we refuse. */
static void gpadl_finish(struct chanmgr *cm, struct gpadl *g)
{
	unsigned int sup;

	if (g->bad_gpa) {
		if (log_ratelimit_ok(&chan_msg_rl, &sup))
			log_warn("GPADL %u (relid %u) refused: a frame is outside guest RAM",
				 g->id, g->relid);
		send_gpadl_created(cm, g->id, g->relid, VMB_STATUS_BAD_GPA);
		gpadl_destroy(&cm->gpadls, g);
		return;
	}
	log_debug("GPADL %u created: relid %u, %u pages", g->id, g->relid,
		  g->nr_pages);
	send_gpadl_created(cm, g->id, g->relid, VMB_STATUS_OK);
}

static const char *handle_gpadl_header(struct chanmgr *cm, const struct vmb_msg *m)
{
	/* lengths, id, relid range, counts: checked by the table */
	uint32_t id = payload_le32(m, 0), relid = payload_le32(m, 4);
	uint32_t nr_pages = payload_le32(m, 8), nr_pfns = payload_le32(m, 12);
	uint32_t status;
	const char *why;
	struct gpadl *g;

	why = channel_layer_ready(cm, relid);
	if (why)
		return why;
	if (gpadl_find(&cm->gpadls, id))
		return "gpadl_id already in use";
	g = gpadl_create(&cm->gpadls, id, relid, nr_pages, &status);
	if (!g) {
		unsigned int sup;

		if (log_ratelimit_ok(&chan_msg_rl, &sup))
			log_warn("GPADL %u (relid %u) refused: no resources (%u live)",
				 id, relid, cm->gpadls.nr);
		send_gpadl_created(cm, id, relid, status);
		return NULL;
	}
	gpadl_add_frames(g, cm->env->gmem,
			 (const __le64 *)(const void *)(m->payload +
				sizeof(struct vmb_msg_gpadl_header)), nr_pfns);
	if (gpadl_complete(g))
		gpadl_finish(cm, g);
	return NULL;
}

static const char *handle_gpadl_body(struct chanmgr *cm, const struct vmb_msg *m)
{
	uint32_t id = payload_le32(m, 0), nr_pfns = payload_le32(m, 4);
	const char *why;
	struct gpadl *g;

	why = channel_layer_ready(cm, 0);
	if (why)
		return why;
	g = gpadl_find(&cm->gpadls, id);
	if (!g)
		return "GPADL_BODY for an unknown gpadl_id";
	if (gpadl_complete(g))
		return "GPADL_BODY for a complete GPADL";
	if (nr_pfns > g->nr_pages - g->nr_have)
		return "GPADL_BODY carries more frames than nr_pages";
	gpadl_add_frames(g, cm->env->gmem,
			 (const __le64 *)(const void *)(m->payload +
				sizeof(struct vmb_msg_gpadl_body)), nr_pfns);
	if (gpadl_complete(g))
		gpadl_finish(cm, g);
	return NULL;
}

static const char *handle_gpadl_teardown(struct chanmgr *cm, const struct vmb_msg *m)
{
	uint32_t id = payload_le32(m, 0), relid = payload_le32(m, 4);
	struct vmb_msg_gpadl_torndown t = { .gpadl_id = htole32(id) };
	const char *why;
	struct gpadl *g;

	/* any state but free: a rescinding channel's teardown is answered */
	why = channel_layer_ready(cm, relid);
	if (why)
		return why;
	g = gpadl_find(&cm->gpadls, id);
	if (!g)
		return "GPADL_TEARDOWN of an unknown gpadl_id";
	if (g->relid != relid)
		return "GPADL_TEARDOWN: the GPADL belongs to another relid";
	if (g->users)
		return "GPADL_TEARDOWN of a GPADL in use by an open channel";
	gpadl_destroy(&cm->gpadls, g);
	send_msg(cm, VMB_MSG_GPADL_TORNDOWN, &t, sizeof(t));
	return NULL;
}

static void send_open_result(struct chanmgr *cm, uint32_t relid,
			     uint32_t open_id, uint32_t status)
{
	struct vmb_msg_open_result r = {
		.relid = htole32(relid),
		.open_id = htole32(open_id),
		.status = htole32(status),
	};

	send_msg(cm, VMB_MSG_OPEN_RESULT, &r, sizeof(r));
}

static const char *handle_open_channel(struct chanmgr *cm, const struct vmb_msg *m)
{
	struct vmb_msg_open_channel o;
	uint32_t relid, open_id, status = VMB_STATUS_INVALID;
	struct chanmgr_channel *c;
	const char *why = NULL;
	struct channel *ch;
	struct gpadl *g;
	uint64_t vector;
	unsigned int sup;

	memcpy(&o, m->payload, sizeof(o));
	relid = le32toh(o.relid);	/* range checked by the table */
	open_id = le32toh(o.open_id);
	why = channel_layer_ready(cm, relid);
	if (why)
		return why;
	c = &cm->chan[relid];
	vector = 1 + (uint64_t)le32toh(o.target_vcpu);
	g = gpadl_find(&cm->gpadls, le32toh(o.ring_gpadl));
	if (c->state != CHANMGR_CHAN_OFFERED)
		why = "channel is being rescinded";
	else if (c->open)
		why = "channel already open";
	else if (o.reserved)
		why = "reserved field not zero";
	else if (!g)
		why = "unknown ring GPADL";
	else if (!gpadl_complete(g))
		why = "ring GPADL not complete";
	else if (g->relid != relid)
		why = "ring GPADL belongs to another channel";
	else if (vector >= cm->env->nr_vectors || vector > VMB_MAX_CHAN_VECTORS)
		why = "target_vcpu has no interrupt vector";
	if (!why) {
		struct chan_dev dev = {
			.sub_index = c->sub_index,
			.instance = c->instance_id,
			.gpadls = &cm->gpadls,
		};

		ch = channel_open_dev(cm->env, relid, g, le32toh(o.in_ring_page),
				      (uint32_t)vector, c->be, c->conf, &dev,
				      &status, &why);
		if (ch) {
			c->open = ch;
			log_info("relid %u opened: rings %u+%u bytes, vector %u",
				 relid, ch->in.size, ch->out.size, ch->vector);
			send_open_result(cm, relid, open_id, VMB_STATUS_OK);
			return NULL;
		}
	}
	if (log_ratelimit_ok(&chan_msg_rl, &sup))
		log_warn("OPEN_CHANNEL relid %u refused (status %u): %s", relid,
			 status, why);
	send_open_result(cm, relid, open_id, status);
	return NULL;
}

static const char *handle_close_channel(struct chanmgr *cm, const struct vmb_msg *m)
{
	uint32_t relid = payload_le32(m, 0);
	const char *why;

	why = channel_layer_ready(cm, relid);
	if (why)
		return why;
	if (!cm->chan[relid].open)
		return "CLOSE_CHANNEL of a channel that is not open";
	close_channel(cm, relid);
	log_info("relid %u closed", relid);
	return NULL;
}

static void send_modify_result(struct chanmgr *cm, uint32_t relid,
			       uint32_t status)
{
	struct vmb_msg_modify_result r = {
		.relid = htole32(relid),
		.status = htole32(status),
	};

	send_msg(cm, VMB_MSG_MODIFY_RESULT, &r, sizeof(r));
}

static const char *handle_modify_channel(struct chanmgr *cm, const struct vmb_msg *m)
{
	struct vmb_msg_modify_channel mc;
	const char *why = NULL;
	struct chanmgr_channel *c;
	uint32_t relid, old;
	uint64_t vector;
	unsigned int sup;

	memcpy(&mc, m->payload, sizeof(mc));
	relid = le32toh(mc.relid);	/* range checked by the table */
	if (!cm->connected)
		return "MODIFY_CHANNEL before contact";
	c = &cm->chan[relid];
	vector = 1 + (uint64_t)le32toh(mc.target_vcpu);
	if (c->state == CHANMGR_CHAN_FREE)
		why = "unknown relid";
	else if (!c->open || !cm->env)
		why = "channel not open";
	else if (vector >= cm->env->nr_vectors || vector > VMB_MAX_CHAN_VECTORS)
		why = "target_vcpu has no interrupt vector";
	if (why) {
		if (log_ratelimit_ok(&chan_msg_rl, &sup))
			log_warn("MODIFY_CHANNEL relid %u target_vcpu %u refused: %s",
				 relid, le32toh(mc.target_vcpu), why);
		send_modify_result(cm, relid, VMB_STATUS_INVALID);
		return NULL;
	}
	old = c->open->vector;
	channel_retarget(c->open, (uint32_t)vector);
	log_info("relid %u retargeted: vector %u -> %u", relid, old,
		 c->open->vector);
	send_modify_result(cm, relid, VMB_STATUS_OK);
	return NULL;
}

unsigned int chanmgr_nr_subchannels(const struct chanmgr *cm, uint32_t relid)
{
	unsigned int n = 0;
	uint32_t r;

	if (relid == 0 || relid >= VMB_MAX_RELID)
		return 0;
	for (r = 1; r < VMB_MAX_RELID; r++)
		if (is_sub_of(cm, r, relid))
			n++;
	return n;
}

/* Lowest sub_index in 1..VMB_MAX_SUBCHANNELS no sub-channel of relid has. */
static uint16_t free_sub_index(const struct chanmgr *cm, uint32_t relid)
{
	bool used[VMB_MAX_SUBCHANNELS + 1] = { false };
	uint32_t r;
	uint16_t i;

	for (r = 1; r < VMB_MAX_RELID; r++)
		if (is_sub_of(cm, r, relid) &&
		    cm->chan[r].sub_index <= VMB_MAX_SUBCHANNELS)
			used[cm->chan[r].sub_index] = true;
	for (i = 1; i <= VMB_MAX_SUBCHANNELS; i++)
		if (!used[i])
			return i;
	return 0;
}

static const char *handle_request_subchannels(struct chanmgr *cm, const struct vmb_msg *m)
{
	struct vmb_msg_request_subchannels rq;
	struct chanmgr_channel *c;
	uint32_t relid, count, have, nfree, r, i;
	unsigned int sup;

	memcpy(&rq, m->payload, sizeof(rq));
	relid = le32toh(rq.relid);	/* range checked by the table */
	count = le32toh(rq.count);	/* 1..VMB_MAX_SUBCHANNELS: the table */
	if (!cm->connected)
		return "REQUEST_SUBCHANNELS before contact";
	c = &cm->chan[relid];
	if (c->state == CHANMGR_CHAN_FREE)
		return "REQUEST_SUBCHANNELS: unknown relid";
	if (c->sub_index)
		return "REQUEST_SUBCHANNELS on a sub-channel";
	if (c->state != CHANMGR_CHAN_OFFERED)
		return "REQUEST_SUBCHANNELS on a channel being rescinded";
	if (!c->open)
		return "REQUEST_SUBCHANNELS on a channel that is not open";
	have = chanmgr_nr_subchannels(cm, relid);
	if (count > VMB_MAX_SUBCHANNELS - have)
		return "REQUEST_SUBCHANNELS: more than VMB_MAX_SUBCHANNELS in all";
	if (!c->be || !c->be->subchannels) {
		cm->subchan_ignored++;
		if (log_ratelimit_ok(&chan_msg_rl, &sup))
			log_info("REQUEST_SUBCHANNELS relid %u ignored: the class has no sub-channels",
				 relid);
		return NULL;
	}
	for (nfree = 0, r = 1; r < VMB_MAX_RELID && nfree < count; r++)
		if (cm->chan[r].state == CHANMGR_CHAN_FREE)
			nfree++;
	if (nfree < count) {
		cm->subchan_ignored++;
		if (log_ratelimit_ok(&chan_msg_rl, &sup))
			log_warn("REQUEST_SUBCHANNELS relid %u count %u ignored: channel table full",
				 relid, count);
		return NULL;
	}
	for (i = 0; i < count; i++) {
		struct chanmgr_channel *s;

		r = chanmgr_free_relid(cm);	/* counted above: never 0 */
		s = &cm->chan[r];
		s->state = CHANMGR_CHAN_OFFERED;
		memcpy(s->class_id, c->class_id, VMB_GUID_LEN);
		memcpy(s->instance_id, c->instance_id, VMB_GUID_LEN);
		s->be = c->be;
		s->conf = vmbd_conf_get(c->conf);
		s->sub_index = free_sub_index(cm, relid);
		s->parent = relid;
		log_info("relid %u: sub-channel %u offered as relid %u", relid,
			 s->sub_index, r);
		chanmgr_send_offer(cm, r);
	}
	return NULL;
}

void chanmgr_channel_events(struct chanmgr *cm)
{
	unsigned int i;

	if (!cm->env || !cm->env->g2h_events)
		return;
	for (i = 0; i < VMB_MAX_RELID / 64; i++) {
		uint64_t w = chan_event_take_word(cm->env->g2h_events, i);

		while (w) {
			uint32_t relid = i * 64 + (uint32_t)__builtin_ctzll(w);
			struct channel *ch = cm->chan[relid].open;

			w &= w - 1;
			if (relid && ch)
				channel_doorbell(ch);
			else
				cm->stray_events++;
		}
	}
}

const char *chanmgr_chan_state_name(const struct chanmgr_channel *ch)
{
	if (ch->state == CHANMGR_CHAN_RESCINDING)
		return "rescinding";
	return ch->open ? "open" : "offered";
}

struct channel *chanmgr_open_channel(struct chanmgr *cm, uint32_t relid,
				     const char **err)
{
	if (!chanmgr_channel(cm, relid)) {
		*err = "no such channel";
		return NULL;
	}
	if (!cm->chan[relid].open) {
		*err = "channel is not open";
		return NULL;
	}
	return cm->chan[relid].open;
}

/* ------------------------------------------------------------------ */
/* Channel table                                                       */

uint32_t chanmgr_free_relid(const struct chanmgr *cm)
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
		    !cm->chan[relid].sub_index &&
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
			const uint8_t instance_id[VMB_GUID_LEN],
			const struct vmbd_backend *be, struct vmbd_conf *conf,
			uint32_t *relid, const char **err)
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
	r = chanmgr_free_relid(cm);
	if (!r) {
		*err = "channel table full";
		return -1;
	}
	cm->chan[r].state = CHANMGR_CHAN_OFFERED;
	memcpy(cm->chan[r].class_id, class_id, VMB_GUID_LEN);
	memcpy(cm->chan[r].instance_id, instance_id, VMB_GUID_LEN);
	cm->chan[r].be = be;
	cm->chan[r].conf = conf;
	if (cm->connected)
		chanmgr_send_offer(cm, r);
	*relid = r;
	return 0;
}

/* Rescind one channel known to exist and not to be rescinding. */
static void rescind_one(struct chanmgr *cm, uint32_t relid)
{
	if (!cm->connected) {
		free_channel(cm, relid);
		return;
	}
	cm->chan[relid].state = CHANMGR_CHAN_RESCINDING;
	send_rescind(cm, relid);
}

int chanmgr_rescind(struct chanmgr *cm, uint32_t relid, const char **err)
{
	uint32_t r;

	if (!chanmgr_channel(cm, relid)) {
		*err = "no such channel";
		return -1;
	}
	if (cm->chan[relid].state == CHANMGR_CHAN_RESCINDING) {
		*err = "channel is already being rescinded";
		return -1;
	}
	if (!cm->chan[relid].sub_index)
		for (r = 1; r < VMB_MAX_RELID; r++)
			if (is_sub_of(cm, r, relid) &&
			    cm->chan[r].state == CHANMGR_CHAN_OFFERED)
				rescind_one(cm, r);
	rescind_one(cm, relid);
	return 0;
}
