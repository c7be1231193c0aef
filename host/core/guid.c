// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/guid.h"

/*
 * For byte i of the binary guid_t, the index of the byte in text order
 * (text byte 0 is the first two hex digits).  The first three fields are
 * stored little-endian, so their bytes are swapped.
 */
static const unsigned char guid_text_index[VMB_GUID_LEN] = {
	3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
};

/* Offset in the string of the two hex digits of text byte j. */
static const unsigned char guid_text_pos[VMB_GUID_LEN] = {
	0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int guid_parse(const char *s, uint8_t g[VMB_GUID_LEN])
{
	uint8_t text[VMB_GUID_LEN];
	int i;

	if (!s || strlen(s) != GUID_STR_LEN)
		return -1;
	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return -1;
	for (i = 0; i < VMB_GUID_LEN; i++) {
		int hi = hexval(s[guid_text_pos[i]]);
		int lo = hexval(s[guid_text_pos[i] + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		text[i] = (uint8_t)(hi << 4 | lo);
	}
	for (i = 0; i < VMB_GUID_LEN; i++)
		g[i] = text[guid_text_index[i]];
	return 0;
}

char *guid_format(const uint8_t g[VMB_GUID_LEN], char *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t text[VMB_GUID_LEN];
	int i;

	for (i = 0; i < VMB_GUID_LEN; i++)
		text[guid_text_index[i]] = g[i];
	memset(buf, '-', GUID_STR_LEN);
	for (i = 0; i < VMB_GUID_LEN; i++) {
		buf[guid_text_pos[i]] = hex[text[i] >> 4];
		buf[guid_text_pos[i] + 1] = hex[text[i] & 0xf];
	}
	buf[GUID_STR_LEN] = '\0';
	return buf;
}

static int read_urandom(uint8_t *buf, size_t len)
{
	size_t done = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

int guid_random(uint8_t g[VMB_GUID_LEN])
{
	ssize_t n;

	do
		n = getrandom(g, VMB_GUID_LEN, 0);
	while (n < 0 && errno == EINTR);
	if (n != VMB_GUID_LEN && read_urandom(g, VMB_GUID_LEN) < 0)
		return -1;
	/* Version 4: high nibble of the third field, stored little-endian. */
	g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);
	/* RFC 4122 variant: 10xxxxxx in byte 8. */
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);
	return 0;
}

bool guid_is_nil(const uint8_t g[VMB_GUID_LEN])
{
	int i;

	for (i = 0; i < VMB_GUID_LEN; i++)
		if (g[i])
			return false;
	return true;
}

bool guid_equal(const uint8_t a[VMB_GUID_LEN], const uint8_t b[VMB_GUID_LEN])
{
	return memcmp(a, b, VMB_GUID_LEN) == 0;
}
