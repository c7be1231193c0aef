/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The storage device backend (class VMB_CLASS_STORAGE_STR,
 * include/vmb_storage.h, docs/protocol.md "The storage device class"): a
 * SCSI controller whose LUNs are disk images, served through io_uring.
 *
 *   --offer storage[:INSTANCE][,disk=FILE[,ro][,lun=N][,serial=S][,direct]]...
 *   --disk FILE[,ro][,lun=N][,serial=S][,direct]	(repeatable)
 *
 * All --disk options together make one controller, a random instance,
 * offered where the first --disk stands among the --offer devices.
 * Each disk= starts a disk; ro, lun=, serial= and direct apply to the disk
 * before them.  FILE is a raw image or a block device (direct: O_DIRECT);
 * ro opens it read-only; a disk without lun= takes the lowest LUN free when
 * it is added; serial= defaults to VMBD and the LUN in four digits.  A
 * controller may be offered without disks and get them later:
 *
 *   disk [--relid RELID] add FILE[,ro][,lun=N][,serial=S][,direct]
 *   disk [--relid RELID] remove LUN
 *   disk [--relid RELID] list      (one line per LUN, key=value)
 *   storage-fault RELID KIND ...   (the class's fault injection)
 *
 * RELID is the controller's primary channel; disk needs it only when there
 * is more than one controller.  Adding or removing a disk sends
 * LUNS_CHANGED on the primary channel if it is open.
 *
 * Security model: every message is a private copy (core/channel.c copies
 * the packet out of the ring); it is checked whole (size, reserved fields,
 * lengths against each other and against the GPA ranges) before anything
 * is executed, and the guest's buffers are reached only through the GPA
 * walker.  A request that fails a check is answered with a status and
 * changes nothing.
 */
#ifndef VMBUSD_STORAGE_H
#define VMBUSD_STORAGE_H

#include <stdint.h>

#include "core/channel.h"
#include "vmb_storage.h"

extern VMBD_BACKEND(storage);

#define STOR_QUEUE_DEPTH	32		/* SRBs in flight per channel */
#define STOR_MAX_TRANSFER	(512u << 10)	/* bytes of one SRB */
#define STOR_MAX_LUNS		64
#define STOR_MAX_SUBCHANNELS	VMB_MAX_SUBCHANNELS

/* A channel's counters (vmbusctl status). */
struct stor_stats {
	uint64_t requests;		/* EXECUTE_SRB received */
	uint64_t read_bytes, write_bytes;
	uint64_t errors;		/* not OK, or not GOOD */
	uint64_t busy;			/* refused: queue_depth in flight */
	uint64_t dropped;		/* never answered (fault drop) */
	uint64_t injected;		/* completions malformed on purpose */
	uint64_t malformed;		/* guest messages answered INVALID */
	uint32_t in_flight;
};

/* A disk's counters, over all channels (vmbusctl disk list). */
struct stor_lun_stats {
	uint64_t reads, writes;		/* READ and WRITE commands */
	uint64_t read_bytes, write_bytes;	/* what they moved */
	uint64_t errors;		/* commands not answered OK and GOOD */
	uint64_t flushes, unmaps;	/* SYNCHRONIZE CACHE; UNMAP, WRITE SAME */
	uint64_t injected;		/* reads failed by a medium-error fault */
};

/* The counters of an open storage channel (NULL: not one). */
const struct stor_stats *storage_chan_stats(const struct channel *ch);

#endif
