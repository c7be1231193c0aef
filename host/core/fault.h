/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Fault injection, for the tests (vmbusctl inject KIND [RELID]): messages
 * and ring contents a well-behaved host never produces, sent past all
 * validation, to show that the guest survives them.  One table: each fault
 * has a name, a line of help and a handler.  Faults either go to the
 * message queue (the channel table is not changed) or need an open
 * channel, whose rings they corrupt or to which they send what it does not
 * expect.
 */
#ifndef VMBUSD_FAULT_H
#define VMBUSD_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct chanmgr;
struct channel;

struct fault {
	const char *name;
	const char *help;
	bool on_channel;	/* inject NAME RELID: needs an open channel */
	/* ch: the open channel for on_channel faults, else NULL */
	int (*inject)(struct chanmgr *cm, struct channel *ch,
		      const char **err);
};

/* Every fault, ending with an entry whose name is NULL. */
extern const struct fault fault_table[];

/* The fault called name, or NULL. */
const struct fault *fault_find(const char *name);
/*
 * Inject f: on relid's open channel if f->on_channel (relid is ignored
 * otherwise).  Returns 0 or -1 with *err set.
 */
int fault_inject(struct chanmgr *cm, const struct fault *f, uint32_t relid,
		 const char **err);

#endif
