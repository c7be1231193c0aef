// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* TAP devices through /dev/net/tun: see backends/tap.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/tap.h"

static int tap_fail(const char **err, const char *name, unsigned int q,
		    unsigned int queues, const char *what, int e)
{
	static char msg[160];

	if (queues > 1)
		snprintf(msg, sizeof(msg), "TAP '%s' (queue %u of %u): %s: %s",
			 name, q + 1, queues, what, strerror(e));
	else
		snprintf(msg, sizeof(msg), "TAP '%s': %s: %s", name, what,
			 strerror(e));
	*err = msg;
	return -1;
}

static int tap_open_one(const char *name, unsigned int q, unsigned int queues,
			const char **err)
{
	int fd, e, sz = (int)TAP_VNET_HDR_LEN, le = 1;
	struct ifreq ifr;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tap_fail(err, name, q, queues, "cannot open /dev/net/tun",
				errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		return tap_fail(err, name, q, queues, e == EINVAL ?
				"cannot attach (TUNSETIFF; a TAP made beforehand needs multi_queue and vnet_hdr)" :
				"cannot attach (TUNSETIFF)", e);
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ||
	    ioctl(fd, TUNSETVNETLE, &le) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		e = errno;
		close(fd);
		return tap_fail(err, name, q, queues, "cannot set its vnet header",
				e);
	}
	return fd;
}

static int tap_linux_open(const char *name, unsigned int queues, int *fd,
			  const char **err)
{
	unsigned int q;

	for (q = 0; q < queues; q++) {
		fd[q] = tap_open_one(name, q, queues, err);
		if (fd[q] < 0) {
			while (q--)
				close(fd[q]);
			return -1;
		}
	}
	return 0;
}

static int tap_linux_set_offload(int fd, unsigned int flags)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0 ? -errno : 0;
}

static void tap_linux_close(int fd)
{
	close(fd);
}

const struct tap_ops tap_linux = {
	.open = tap_linux_open,
	.set_offload = tap_linux_set_offload,
	.close = tap_linux_close,
};
