// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/log.h"
#include "testutil.h"

/*
 * A ring of 1 header + nd data pages, taken from fake guest RAM in
 * descending frame order, so consecutive data pages are never adjacent in
 * host memory.
 */
struct fx {
	struct gmem *m;
	uint8_t *pages[1 + 8];
	struct ring host, guest;	/* same pages, two views */
	struct gpa_scratch scratch;
	uint8_t buf[8 * 4096];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	log_init(NULL, VMBD_LOG_QUIET);
	f->m = test_ram_open();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	test_ram_close(f->m);
	free(f);
	return 0;
}

static void make_pages(struct fx *f, unsigned int nd)
{
	unsigned int i;

	for (i = 0; i <= nd; i++)
		f->pages[i] = test_page(f->m, 100 - 2 * i);
	memset(f->pages[0], 0, 4096);
}

/* host consumes, "guest" view produces */
static void rx_ring(struct fx *f, unsigned int nd)
{
	make_pages(f, nd);
	assert_int_equal(ring_init_rx(&f->host, f->pages, nd + 1), 0);
	assert_int_equal(ring_init_tx(&f->guest, f->pages, nd + 1), 0);
}

static void test_init_layout(void **state)
{
	struct fx *f = *state;

	make_pages(f, 4);
	assert_int_equal(ring_init_rx(&f->host, f->pages, 1), -1);	/* no data */
	assert_int_equal(ring_init_rx(&f->host, f->pages, 4), -1);	/* 3 pages */
	assert_int_equal(ring_init_rx(&f->host, f->pages, 5), 0);
	assert_int_equal(f->host.size, 4 * 4096);
	/* insane own index is reset */
	f->pages[0][64] = 3;	/* read_index = 3 */
	assert_int_equal(ring_init_rx(&f->host, f->pages, 5), 0);
	assert_int_equal(f->host.idx, 0);
	assert_int_equal(le32toh(f->host.hdr->read_index), 0);
}

static void test_copy_wrap(void **state)
{
	struct fx *f = *state;
	uint8_t in[300], out[300];
	unsigned int i;

	make_pages(f, 2);
	assert_int_equal(ring_init_tx(&f->host, f->pages, 3), 0);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	/* across the page boundary */
	ring_copy_to(&f->host, 4096 - 100, in, sizeof(in));
	assert_memory_equal(f->pages[1] + 4096 - 100, in, 100);
	assert_memory_equal(f->pages[2], in + 100, 200);
	ring_copy_from(&f->host, 4096 - 100, out, sizeof(out));
	assert_memory_equal(in, out, sizeof(in));
	/* across the end of the data area */
	ring_copy_to(&f->host, 8192 - 56, in, sizeof(in));
	assert_memory_equal(f->pages[2] + 4096 - 56, in, 56);
	assert_memory_equal(f->pages[1], in + 56, 244);
	memset(out, 0, sizeof(out));
	ring_copy_from(&f->host, 8192 - 56, out, sizeof(out));
	assert_memory_equal(in, out, sizeof(in));
}

static struct vmb_pkt_desc desc(uint16_t type, uint32_t plen, uint64_t tid)
{
	struct vmb_pkt_desc d = {
		.type = htole16(type), .offset8 = htole16(2),
		.len8 = htole16((uint16_t)((16 + ((plen + 7) & ~7u)) / 8)),
		.trans_id = htole64(tid),
	};

	return d;
}

static void test_tx_rx_wrap_full_signal(void **state)
{
	struct fx *f = *state;
	struct vmb_pkt_desc d;
	uint8_t pl[1000];
	const char *why;
	uint32_t w, len, free_bytes, i, n = 0;
	struct ring_pkt p;
	int r;

	make_pages(f, 1);
	assert_int_equal(ring_init_tx(&f->host, f->pages, 2), 0);
	assert_int_equal(ring_init_rx(&f->guest, f->pages, 2), 0);
	memset(pl, 0xab, sizeof(pl));
	/* empty ring: the first packet signals, the next does not */
	d = desc(VMB_PKT_INBAND, 1000, 1);
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 1000, &why), 1);
	d = desc(VMB_PKT_INBAND, 1000, 2);
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 1000, &why), 0);
	/* fill it: 4096 - 8 bytes usable, 1024 per packet -> 3 fit */
	d = desc(VMB_PKT_INBAND, 1000, 3);
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 1000, &why), 0);
	d = desc(VMB_PKT_INBAND, 1000, 4);
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 1000, &why), -EAGAIN);
	assert_int_equal(ring_tx_space(&f->host, &free_bytes, &why), 0);
	assert_int_equal(free_bytes, 4096 - 8 - 3 * 1024);
	/* never fits */
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 4096, &why), -EMSGSIZE);
	/* pending_send_sz */
	assert_false(ring_tx_want(&f->host, 1024));
	assert_int_equal(le32toh(f->host.hdr->pending_send_sz), 1024);
	/* guest consumes two; our producer now wraps around the end */
	assert_int_equal(ring_rx_begin(&f->guest, &w, &why), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ring_rx_next(&f->guest, w, f->buf, sizeof(f->buf),
					      &len, &why), 1);
		assert_int_equal(ring_pkt_parse(f->buf, len, f->m, &f->scratch,
						&p, &why), 0);
		assert_int_equal(p.trans_id, i + 1);
		ring_rx_advance(&f->guest, len);
	}
	ring_rx_end(&f->guest, w, true);
	assert_true(ring_tx_want(&f->host, 1024));
	ring_tx_want(&f->host, 0);
	assert_int_equal(le32toh(f->host.hdr->pending_send_sz), 0);
	for (i = 0; i < 2; i++) {
		d = desc(VMB_PKT_INBAND, 1000, 10 + i);
		for (r = 0; r < 1000; r++)
			pl[r] = (uint8_t)(r + i);
		assert_int_equal(ring_tx_put(&f->host, &d, pl, 1000, &why), 0);
	}
	assert_true(f->host.idx < 3 * 1024);	/* wrapped */
	/* guest reads everything; the wrapped packets come back intact */
	assert_int_equal(ring_rx_begin(&f->guest, &w, &why), 0);
	while (ring_rx_next(&f->guest, w, f->buf, sizeof(f->buf), &len, &why) == 1) {
		assert_int_equal(ring_pkt_parse(f->buf, len, f->m, &f->scratch,
						&p, &why), 0);
		if (p.trans_id >= 10)
			for (r = 0; r < 1000; r++)
				assert_int_equal(p.payload[r],
						 (uint8_t)(r + p.trans_id - 10));
		assert_int_equal(p.payload_len, 1000 + 0 /* padded to 1000 */);
		ring_rx_advance(&f->guest, len);
		n++;
	}
	assert_int_equal(n, 3);
	ring_rx_end(&f->guest, w, true);
	/* empty again: a write signals, unless the guest masked interrupts */
	f->host.hdr->interrupt_mask = htole32(1);
	d = desc(VMB_PKT_COMPLETION, 8, 20);
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 8, &why), 0);
	/* bad read_index from the guest */
	f->host.hdr->read_index = htole32(4);
	assert_int_equal(ring_tx_put(&f->host, &d, pl, 8, &why), -1);
	f->host.hdr->read_index = htole32(8192);
	assert_int_equal(ring_tx_space(&f->host, &free_bytes, &why), -1);
}

static void test_rx_pending_send(void **state)
{
	struct fx *f = *state;
	uint8_t pl[64] = { 0 };
	const char *why;
	uint32_t w, len;

	rx_ring(f, 1);
	guest_put_inband(&f->guest, 0, 1, pl, 64);
	guest_put_inband(&f->guest, 0, 2, pl, 64);
	/* nothing consumed: never signal */
	f->host.hdr->pending_send_sz = htole32(100);
	assert_int_equal(ring_rx_begin(&f->host, &w, &why), 0);
	assert_false(ring_rx_end(&f->host, w, false));
	/* consume all: free = size - 8 >= 100 -> signal */
	while (ring_rx_next(&f->host, w, f->buf, sizeof(f->buf), &len, &why) == 1)
		ring_rx_advance(&f->host, len);
	assert_true(ring_rx_end(&f->host, w, true));
	assert_int_equal(le32toh(f->host.hdr->read_index), w);
	/* asks for more than can be free: no signal */
	guest_put_inband(&f->guest, 0, 3, pl, 64);
	f->host.hdr->pending_send_sz = htole32(4096);
	assert_int_equal(ring_rx_begin(&f->host, &w, &why), 0);
	assert_int_equal(ring_rx_next(&f->host, w, f->buf, sizeof(f->buf), &len, &why), 1);
	ring_rx_advance(&f->host, len);
	assert_false(ring_rx_end(&f->host, w, true));
	/* pending 0: no signal */
	guest_put_inband(&f->guest, 0, 4, pl, 64);
	f->host.hdr->pending_send_sz = 0;
	assert_int_equal(ring_rx_begin(&f->host, &w, &why), 0);
	assert_int_equal(ring_rx_next(&f->host, w, f->buf, sizeof(f->buf), &len, &why), 1);
	ring_rx_advance(&f->host, len);
	assert_false(ring_rx_end(&f->host, w, true));
}

/* Expect ring_rx_begin/next/parse to fail with a reason containing s. */
static void expect_bad(struct fx *f, const char *s)
{
	const char *why = NULL;
	struct ring_pkt p;
	uint32_t w, len;

	if (ring_rx_begin(&f->host, &w, &why) == 0) {
		int r = ring_rx_next(&f->host, w, f->buf, sizeof(f->buf), &len, &why);

		if (r == 1) {
			assert_int_equal(ring_pkt_parse(f->buf, len, f->m,
							&f->scratch, &p, &why), -1);
		} else {
			assert_int_equal(r, -1);
		}
	}
	assert_non_null(why);
	if (!strstr(why, s))
		fail_msg("reason '%s' does not contain '%s'", why, s);
}

static void reset_rx(struct fx *f)
{
	memset(f->pages[0], 0, 4096);
	assert_int_equal(ring_init_rx(&f->host, f->pages, 3), 0);
	assert_int_equal(ring_init_tx(&f->guest, f->pages, 3), 0);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void test_rx_validation(void **state)
{
	struct fx *f = *state;
	uint8_t pl[256];

	memset(pl, 0, sizeof(pl));
	rx_ring(f, 2);
	f->host.hdr->write_index = htole32(12);
	expect_bad(f, "aligned");
	f->host.hdr->write_index = htole32(8192);
	expect_bad(f, "beyond");
	reset_rx(f);
	guest_put(&f->guest, VMB_PKT_INBAND, 2, 1, 0, 1, NULL, 0);
	f->host.hdr->write_index = htole32(32);
	expect_bad(f, "len8 < 2");
	reset_rx(f);
	guest_put(&f->guest, VMB_PKT_INBAND, 2, 4, 0, 1, pl, 16);
	f->host.hdr->write_index = htole32(24);		/* 32 + 8 announced */
	expect_bad(f, "beyond the bytes available");
	reset_rx(f);
	guest_put(&f->guest, VMB_PKT_INBAND, 1, 4, 0, 1, pl, 16);
	expect_bad(f, "offset8");
	reset_rx(f);
	guest_put(&f->guest, VMB_PKT_INBAND, 5, 4, 0, 1, pl, 16);
	expect_bad(f, "offset8");
	reset_rx(f);
	guest_put(&f->guest, 7, 2, 4, 0, 1, pl, 16);
	expect_bad(f, "unknown packet type");

	/* GPA ranges: count, then {byte_count, byte_offset, pfns} */
	reset_rx(f);
	put_le32(pl, 1);
	put_le32(pl + 8, 100);
	put_le32(pl + 12, 4096);
	put_le64(pl + 16, 5);
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 5, 5, 0, 1, pl, 24);
	expect_bad(f, "byte_offset");
	/* 5000 bytes at offset 0 need 2 frames; only 1 inside offset8 */
	reset_rx(f);
	put_le32(pl + 8, 5000);
	put_le32(pl + 12, 0);
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 5, 6, 0, 1, pl, 32);
	expect_bad(f, "beyond offset8");
	/* a frame outside RAM */
	reset_rx(f);
	put_le32(pl + 8, 100);
	put_le64(pl + 16, TEST_RAM_SIZE / 4096);
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 5, 5, 0, 1, pl, 24);
	expect_bad(f, "outside guest RAM");
	reset_rx(f);
	put_le64(pl + 16, UINT64_MAX / 16);	/* pfn * 4096 wraps */
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 5, 5, 0, 1, pl, 24);
	expect_bad(f, "outside guest RAM");
	/* too many ranges; range header beyond offset8 */
	reset_rx(f);
	put_le32(pl, GPA_MAX_RANGES + 1);
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 5, 5, 0, 1, pl, 24);
	expect_bad(f, "too many GPA ranges");
	reset_rx(f);
	put_le32(pl, 2);
	put_le64(pl + 16, 5);
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 5, 5, 0, 1, pl, 24);
	expect_bad(f, "GPA range beyond offset8");
	reset_rx(f);
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 2, 2, 0, 1, NULL, 0);
	expect_bad(f, "range header beyond offset8");
}

static void test_rx_gpa_ok(void **state)
{
	struct fx *f = *state;
	uint8_t pl[64];
	const char *why;
	struct ring_pkt p;
	uint32_t w, len;

	memset(pl, 0, sizeof(pl));
	rx_ring(f, 2);
	/* 2 ranges: 5000 bytes at 4000 (3 frames), 10 bytes at 0 (1 frame) */
	put_le32(pl, 2);
	put_le32(pl + 8, 5000);
	put_le32(pl + 12, 4000);
	put_le64(pl + 16, 7);
	put_le64(pl + 24, 9);
	put_le64(pl + 32, 8);
	put_le32(pl + 40, 10);
	put_le32(pl + 44, 0);
	put_le64(pl + 48, 200);
	put_le64(pl + 56, 0x1122334455667788ULL);	/* payload */
	guest_put(&f->guest, VMB_PKT_GPA_RANGE, 9, 10, 0, 42, pl, 64);
	assert_int_equal(ring_rx_begin(&f->host, &w, &why), 0);
	assert_int_equal(ring_rx_next(&f->host, w, f->buf, sizeof(f->buf), &len, &why), 1);
	assert_int_equal(ring_pkt_parse(f->buf, len, f->m, &f->scratch, &p, &why), 0);
	assert_int_equal(p.type, VMB_PKT_GPA_RANGE);
	assert_int_equal(p.trans_id, 42);
	assert_int_equal(p.gpa.nr_ranges, 2);
	assert_int_equal(p.gpa.nr_pfns, 4);
	assert_int_equal(p.gpa.range[0].nr_pfns, 3);
	assert_ptr_equal(p.gpa.page[1], test_page(f->m, 9));
	assert_ptr_equal(p.gpa.page[3], test_page(f->m, 200));
	assert_int_equal(p.payload_len, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_rx_wrap_full_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_pending_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_gpa_ok, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
