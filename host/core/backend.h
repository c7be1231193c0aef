/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A device class's back end: everything vmbusd knows about a class, in one
 * struct.  A back end is one file in backends/ that defines
 *
 *	VMBD_BACKEND(echo) = {
 *		.name = "echo",
 *		.guid = VMB_CLASS_ECHO_BYTES,	(include/vmb_echo.h)
 *		.help = "...",
 *		.packet = echo_packet,
 *		...
 *	};
 *
 * and one line in backends/list.h, the registry's list.  vmbusd's --help,
 * --offer, a class's own top-level options (--disk), offer and classes
 * commands and its command table all come from that list; nothing in core/
 * or daemon/ names a class.
 *
 * A back end talks to its channels through core/channel.h (channel_send(),
 * channel_set_paused(), ...), to the guest memory a GPA_RANGE packet names
 * through core/gpa.h (gpa_walk_next(): bounds-checked pieces, never raw
 * frames), and to the event loop through core/evloop.h (ch->env->loop).
 * Everything runs on the loop's thread.
 */
#ifndef VMBUSD_BACKEND_H
#define VMBUSD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmb_protocol.h"

struct channel;
struct chanmgr;
struct cmd_reply;
struct ring_pkt;

/*
 * A control command of the class's own: "vmbusctl NAME ARGS...".  Its name
 * is CLASS-..., CLASS itself ("vmbusctl kvp get ..."), the name of one of
 * the class's top-level options (the storage class's --disk and "vmbusctl
 * disk ..."), or a verb an administrator expects by its own name (the
 * shutdown class's "shutdown" and "reboot"), marked so.
 */
struct vmbd_class_cmd {
	const char *name;	/* "echo-pause", "disk" */
	const char *usage;	/* one line, for vmbusctl help */
	/* argv[0] is the name; answer through r (core/cmd.h) */
	void (*fn)(struct chanmgr *cm, int argc, char **argv,
		   struct cmd_reply *r);
	bool verb;		/* a name of its own, not CLASS-... */
};

/*
 * A top-level vmbusd option a class claims: --NAME ARG, repeatable.  All of
 * one class's top-level options on a command line go, in order, into one
 * device of the class, offered with a random instance where the first of
 * them stands among the --offer devices; an option marked each makes a
 * device of its own, where it stands.  parse records ARG in *conf, the
 * state parse_opt builds (NULL at first, the back end's to allocate); the
 * class's conf_done runs after the last.  Returns 0, or -1 with *err.
 */
struct vmbd_class_opt {
	const char *name;		/* "disk": --disk */
	const char *arg;		/* "FILE[,ro]...", for --help */
	const char *help;		/* one line, for --help */
	int (*parse)(void **conf, const char *arg, const char **err);
	/*
	 * Each --NAME is a device of its own (--nic), not one more part of
	 * the one device the class's options make (--disk).
	 */
	bool each;
};

struct vmbd_backend {
	const char *name;		/* --offer NAME, vmbusctl offer NAME */
	uint8_t guid[VMB_GUID_LEN];	/* class GUID, wire (guid_t) order */
	const char *help;		/* one line, for --help and classes */
	bool subchannels;		/* REQUEST_SUBCHANNELS is honoured */

	/*
	 * Device options: --offer CLASS[:INSTANCE],OPT[,OPT...] and vmbusctl
	 * offer CLASS [INSTANCE] OPT...  Each OPT is KEY or KEY=VALUE and
	 * gets one call (value NULL for a bare KEY) that records it in
	 * *conf, which starts NULL and is the back end's to allocate.
	 * Returns 0, or -1 with *err.  free_conf frees what parse_opt built,
	 * once the device and all its channels are gone.  NULL parse_opt:
	 * the class takes no options.
	 */
	int (*parse_opt)(void **conf, const char *key, const char *value,
			 const char **err);
	/*
	 * A device of this class gets its struct vmbd_conf even when it is
	 * offered with no options (conf->conf then starts NULL): state the
	 * back end's commands fill in later, such as the disks hot-added to a
	 * storage controller offered empty.
	 */
	bool conf_always;
	/*
	 * After a device's last option: check the whole and finish it (the
	 * storage class opens the disk the last options described).  Runs
	 * when there is a conf (conf->conf non-NULL); -1 with *err refuses
	 * the device.  NULL: nothing to finish.
	 */
	int (*conf_done)(void *conf, const char **err);
	void (*free_conf)(void *conf);
	const char *opts_help;		/* "KEY=VALUE: ..." for --help */
	/* Top-level vmbusd options, ending with an entry whose name is NULL. */
	const struct vmbd_class_opt *cmdline_opts;

	/*
	 * Channel operations, all optional.  open may refuse (< 0: the guest
	 * gets OPEN_RESULT NO_RESOURCES); close undoes it; packet gets each
	 * validated packet of the guest-to-host ring, in order, and answers
	 * with channel_send().  No packet: packets are counted and ignored.
	 */
	int (*open)(struct channel *ch);
	void (*close)(struct channel *ch);
	void (*packet)(struct channel *ch, const struct ring_pkt *pkt);
	/*
	 * At the end of every pass over an open channel (a doorbell, a
	 * resume), after its packets: a back end that held output back
	 * (channel_tx_room() said no, or a packet freed what it waited for)
	 * sends it now.  Optional.
	 */
	void (*pass_end)(struct channel *ch);
	/*
	 * An open channel's own counters, for vmbusctl status: " KEY=VALUE"
	 * pairs written into buf (len bytes, NUL-terminated) and put on the
	 * channel's line.  Each KEY starts with a short tag of the class
	 * ("stor_"), so none clashes with the channel layer's.
	 */
	void (*chan_stats)(const struct channel *ch, char *buf, size_t len);
	/*
	 * A primary channel's device-wide state for vmbusctl status, open or
	 * not (the heartbeat's alive or unresponsive): " KEY=VALUE" pairs as
	 * chan_stats writes them, from the device's instance.  Optional.
	 */
	void (*dev_stats)(const uint8_t *instance, const struct channel *open,
			  char *buf, size_t len);

	/* Control commands, ending with an entry whose name is NULL. */
	const struct vmbd_class_cmd *commands;
};

#define VMBD_BACKEND(cls)	const struct vmbd_backend vmbd_backend_##cls

/*
 * A device's options as parse_opt built them, shared by the device's
 * channels (a primary and its sub-channels) and freed with the last one.
 */
struct vmbd_conf {
	unsigned int refs;
	const struct vmbd_backend *be;
	void *conf;			/* parse_opt's */
};

/*
 * Parse n options (each "KEY" or "KEY=VALUE") for be, then its conf_done.
 * Returns 0 with *out (NULL if n is 0: no options, no conf; unless
 * be->conf_always), or -1 with *err.
 */
int vmbd_conf_parse(const struct vmbd_backend *be, char *const *opts,
		    unsigned int n, struct vmbd_conf **out, const char **err);
/*
 * The same one step at a time, for callers that must say which option
 * failed: an empty conf for be (NULL: out of memory), then each option,
 * then done.  On -1 (with *err) the caller still puts c.
 */
struct vmbd_conf *vmbd_conf_new(const struct vmbd_backend *be);
/* One "KEY" or "KEY=VALUE", for be->parse_opt. */
int vmbd_conf_add(struct vmbd_conf *c, const char *opt, const char **err);
/* One top-level option of the class's, --o->name arg, for o->parse. */
int vmbd_conf_add_cmdline(struct vmbd_conf *c, const struct vmbd_class_opt *o,
			  const char *arg, const char **err);
/* The last option is in: be->conf_done. */
int vmbd_conf_done(struct vmbd_conf *c, const char **err);
/* Another reference (NULL stays NULL). */
struct vmbd_conf *vmbd_conf_get(struct vmbd_conf *c);
/* Drop one; the last frees the back end's conf with free_conf. */
void vmbd_conf_put(struct vmbd_conf *c);

#endif
