// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vport-bench: the virtio baseline of scripts/bench-channel, run in the
 * guest against a virtio-serial port whose host end echoes every byte
 * (host/vport-echo).  Built static on the host; busybox has nothing like it.
 *
 *   vport-bench rtt DEV COUNT SIZE     COUNT round trips of SIZE bytes, one
 *                                      at a time (write, read it all back)
 *   vport-bench stream DEV COUNT SIZE  COUNT writes of SIZE bytes from one
 *                                      thread while another reads them back
 *
 * Every byte that comes back is checked.  Prints "elapsed_us N" (first write
 * to last byte read) and exits 0; on any error or mismatch prints why and
 * exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE	(1024 * 1024)

static int fd;
static unsigned long count;
static size_t size;

static uint8_t pattern(unsigned long long off)
{
	return (uint8_t)(off % 251);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "vport-bench: %s: %s\n", what,
		errno ? strerror(errno) : "unexpected end of data");
	exit(1);
}

static void write_all(const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		p += n;
		len -= (size_t)n;
	}
}

/* Reads len bytes and checks them against the stream's pattern at off. */
static void read_check(uint8_t *buf, size_t len, unsigned long long off)
{
	size_t got = 0, i;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		errno = n < 0 ? errno : 0;
		if (n <= 0)
			die("read");
		got += (size_t)n;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] != pattern(off + i)) {
			fprintf(stderr, "vport-bench: byte %llu came back as %u, sent %u\n",
				off + i, buf[i], pattern(off + i));
			exit(1);
		}
	}
}

static void fill(uint8_t *buf, size_t len, unsigned long long off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(off + i);
}

static void *writer(void *arg)
{
	uint8_t *buf = arg;
	unsigned long i;

	for (i = 0; i < count; i++) {
		fill(buf, size, (unsigned long long)i * size);
		write_all(buf, size);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint8_t *tx, *rx;
	unsigned long i;
	pthread_t t;
	uint64_t t0;
	char *end;

	if (argc != 5 || (strcmp(argv[1], "rtt") && strcmp(argv[1], "stream"))) {
		fprintf(stderr, "usage: vport-bench rtt|stream DEV COUNT SIZE\n");
		return 2;
	}
	count = strtoul(argv[3], &end, 10);
	if (*end || !count) {
		fprintf(stderr, "vport-bench: COUNT must be a positive number\n");
		return 2;
	}
	size = strtoul(argv[4], &end, 10);
	if (*end || !size || size > MAX_SIZE) {
		fprintf(stderr, "vport-bench: SIZE must be 1..%d\n", MAX_SIZE);
		return 2;
	}
	fd = open(argv[2], O_RDWR);
	if (fd < 0)
		die(argv[2]);
	tx = malloc(size);
	rx = malloc(size);
	if (!tx || !rx)
		die("malloc");

	t0 = now_us();
	if (!strcmp(argv[1], "rtt")) {
		for (i = 0; i < count; i++) {
			fill(tx, size, (unsigned long long)i * size);
			write_all(tx, size);
			read_check(rx, size, (unsigned long long)i * size);
		}
	} else {
		errno = pthread_create(&t, NULL, writer, tx);
		if (errno)
			die("pthread_create");
		for (i = 0; i < count; i++)
			read_check(rx, size, (unsigned long long)i * size);
		pthread_join(t, NULL);
	}
	printf("elapsed_us %llu\n", (unsigned long long)(now_us() - t0));
	return 0;
}
