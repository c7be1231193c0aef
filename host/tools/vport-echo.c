// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vport-echo: the host end of the virtio baseline in scripts/bench-channel.
 * Listens on a Unix socket, accepts one connection (QEMU's chardev behind a
 * virtio-serial port) and sends back every byte it receives, until the peer
 * closes.  Exits 0 then, 1 on an error, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tools/sockio.h"

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[64 * 1024];
	int lfd, fd;
	ssize_t n;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: vport-echo SOCKET (a path shorter than %zu bytes)\n",
			sizeof(sa.sun_path));
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0) {
		fprintf(stderr, "vport-echo: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		fprintf(stderr, "vport-echo: accept: %s\n", strerror(errno));
		return 1;
	}
	close(lfd);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return 0;
		if (n < 0 || sock_send_all(fd, buf, (size_t)n) < 0) {
			fprintf(stderr, "vport-echo: %s\n", strerror(errno));
			return 1;
		}
	}
}
