/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A SCSI direct-access target (SBC-3 / SPC-4 subset), pure: no I/O, no
 * guest memory.  scsi_exec() looks at one CDB and a LUN's properties and
 * says what happens: a status and sense now, parameter data to hand to the
 * initiator (data-in, built in the caller's buffer), or a block operation
 * the caller performs (read, write, flush, unmap) and then completes with
 * scsi_set_sense() on failure.  Every allocation length is honoured: data
 * is truncated, never overrun.
 */
#ifndef VMBUSD_SCSI_H
#define VMBUSD_SCSI_H

#include <stdbool.h>
#include <stdint.h>

#define SCSI_BLOCK_SIZE		512
#define SCSI_SENSE_LEN		18	/* fixed format, response code 0x70 */
#define SCSI_BUF_MAX		4096	/* largest parameter data we build */
#define SCSI_UNMAP_MAX_DESC	64	/* block descriptors in one UNMAP */

/* SAM status */
#define SCSI_GOOD		0x00
#define SCSI_CHECK_CONDITION	0x02
#define SCSI_BUSY		0x08

/* sense keys */
#define SCSI_KEY_NO_SENSE	0x0
#define SCSI_KEY_MEDIUM_ERROR	0x3
#define SCSI_KEY_HARDWARE_ERROR	0x4
#define SCSI_KEY_ILLEGAL_REQUEST 0x5
#define SCSI_KEY_DATA_PROTECT	0x7

/* additional sense codes */
#define SCSI_ASC_WRITE_ERROR	0x0c
#define SCSI_ASC_UNRECOVERED_READ 0x11
#define SCSI_ASC_PARAM_LIST_LEN	0x1a
#define SCSI_ASC_INVALID_OPCODE	0x20
#define SCSI_ASC_LBA_RANGE	0x21
#define SCSI_ASC_INVALID_FIELD	0x24
#define SCSI_ASC_LUN_NOT_SUPPORTED 0x25
#define SCSI_ASC_INVALID_PARAM	0x26
#define SCSI_ASC_WRITE_PROTECTED 0x27
#define SCSI_ASC_SAVING_PARAMS	0x39

/* One logical unit, as the target sees it. */
struct scsi_lun {
	uint64_t blocks;		/* capacity, in SCSI_BLOCK_SIZE blocks */
	bool read_only;
	bool write_cache;		/* WCE in the caching mode page */
	const char *serial;		/* unit serial number, printable ASCII */
};

/* The target: which LUNs exist (for REPORT LUNS) and its limits. */
struct scsi_target {
	const uint16_t *luns;		/* ascending */
	unsigned int nr_luns;
	uint32_t max_xfer_blocks;	/* VPD 0xb0 */
};

/* What the caller does after scsi_exec(). */
enum scsi_action {
	SCSI_ACT_DONE,		/* status and sense set; data_in bytes of buf */
	SCSI_ACT_READ,		/* read blocks at lba into the data-in buffer */
	SCSI_ACT_WRITE,		/* write the data-out buffer at lba */
	SCSI_ACT_FLUSH,		/* make every completed write durable */
	SCSI_ACT_UNMAP,		/* data-out is an UNMAP list: scsi_unmap_parse() */
	SCSI_ACT_WRITE_SAME_UNMAP, /* deallocate nblocks at lba (data: one zero block) */
};

enum scsi_dir {
	SCSI_DIR_NONE,
	SCSI_DIR_IN,		/* device to initiator */
	SCSI_DIR_OUT,		/* initiator to device */
};

struct scsi_result {
	uint8_t status;			/* SAM status */
	uint8_t sense_len;		/* 0 or SCSI_SENSE_LEN */
	uint8_t sense[SCSI_SENSE_LEN];
	enum scsi_action action;
	enum scsi_dir dir;		/* the data phase the command has */
	/*
	 * DONE: bytes of parameter data in buf (already cut to the
	 * allocation length).  Other actions: the exact transfer the CDB
	 * asks for, in bytes.
	 */
	uint32_t xfer;
	uint64_t lba;
	uint32_t nblocks;
	bool fua;			/* WRITE: durable before completion */
};

/* The CDB length opcode's group requires (6, 10, 12 or 16), or 0: unknown. */
unsigned int scsi_cdb_len(uint8_t opcode);

/*
 * The block operation a command with this opcode asks for (DONE: none),
 * whatever becomes of it: for counting commands by kind.
 */
enum scsi_action scsi_cdb_action(uint8_t opcode);

/*
 * Execute cdb (cdb_len bytes, at least scsi_cdb_len(cdb[0])) on lun (NULL:
 * the target has no such LUN; lun_id is its number).  Parameter data goes
 * to buf (SCSI_BUF_MAX bytes).
 */
void scsi_exec(const struct scsi_target *t, uint16_t lun_id,
	       const struct scsi_lun *lun, const uint8_t *cdb,
	       unsigned int cdb_len, uint8_t *buf, struct scsi_result *r);

/* Complete r with CHECK CONDITION and fixed-format sense. */
void scsi_set_sense(struct scsi_result *r, uint8_t key, uint8_t asc,
		    uint8_t ascq);
/* The same with the INFORMATION field (the failing LBA) valid. */
void scsi_set_sense_info(struct scsi_result *r, uint8_t key, uint8_t asc,
			 uint8_t ascq, uint32_t info);

struct scsi_extent {
	uint64_t lba;
	uint32_t nblocks;
};

/*
 * The parameter list of an UNMAP (len bytes, as the CDB's parameter list
 * length said), checked against lun: descriptors are bounds-checked, at
 * most SCSI_UNMAP_MAX_DESC.  Returns the number of extents in ext (those of
 * 0 blocks left out), or -1 with r completed with the sense.
 */
int scsi_unmap_parse(const struct scsi_lun *lun, const uint8_t *list,
		     uint32_t len, struct scsi_extent *ext,
		     struct scsi_result *r);

#endif
