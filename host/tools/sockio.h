/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Blocking stream-socket helpers shared by the small host tools. */
#ifndef VMBUSD_SOCKIO_H
#define VMBUSD_SOCKIO_H

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Sends all @len bytes; -1 on an error or a peer that went away. */
static inline int sock_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
