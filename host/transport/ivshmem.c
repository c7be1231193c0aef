// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Setup sequence sent to a new client, one little-endian int64 per
 * sendmsg(), an fd attached with SCM_RIGHTS where noted:
 *   IVSHMEM_PROTOCOL_VERSION
 *   the client's own peer id
 *   -1, with the shared-memory fd
 *   nr_vectors x the host's peer id, each with one of the host's eventfds
 *   nr_vectors x the client's peer id, each with one of its own eventfds
 * The client never sends anything; EOF means it is gone.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "transport/ivshmem.h"

static void close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int ivshmem_server_init(struct ivshmem_server *s, const char *path,
			int shm_fd, unsigned int nr_vectors)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	unsigned int v;
	int err;

	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	s->client_fd = -1;
	s->shm_fd = -1;
	for (v = 0; v < VMB_MAX_VECTORS; v++)
		s->host_efd[v] = s->guest_efd[v] = -1;
	if (nr_vectors == 0 || nr_vectors > VMB_MAX_VECTORS)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	s->shm_fd = shm_fd;
	s->nr_vectors = nr_vectors;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	strcpy(sa.sun_path, path);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0)
		return -errno;
	if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->listen_fd, 4) < 0) {
		err = -errno;
		close(s->listen_fd);
		s->listen_fd = -1;
		return err;
	}
	s->path = strdup(path);
	if (!s->path) {
		ivshmem_server_fini(s);
		return -ENOMEM;
	}
	return 0;
}

void ivshmem_server_fini(struct ivshmem_server *s)
{
	ivshmem_drop_client(s);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
	if (s->path)
		unlink(s->path);
	free(s->path);
	s->path = NULL;
}

static int fcntl_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int send_int64(int sock, int64_t value, int fd)
{
	int64_t le = (int64_t)htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(le) ? 0 : -EIO;
}

static int send_setup(struct ivshmem_server *s)
{
	unsigned int v;
	int err;

	err = send_int64(s->client_fd, IVSHMEM_PROTOCOL_VERSION, -1);
	if (!err)
		err = send_int64(s->client_fd, IVSHMEM_GUEST_PEER_ID, -1);
	if (!err)
		err = send_int64(s->client_fd, -1, s->shm_fd);
	for (v = 0; !err && v < s->nr_vectors; v++)
		err = send_int64(s->client_fd, IVSHMEM_HOST_PEER_ID, s->host_efd[v]);
	for (v = 0; !err && v < s->nr_vectors; v++)
		err = send_int64(s->client_fd, IVSHMEM_GUEST_PEER_ID, s->guest_efd[v]);
	return err;
}

int ivshmem_server_accept(struct ivshmem_server *s)
{
	unsigned int v;
	int fd, err;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return 0;
		return -errno;
	}
	if (s->client_fd >= 0) {
		log_warn("ivshmem: refusing a second client (one guest only)");
		close(fd);
		return 0;
	}
	s->client_fd = fd;
	for (v = 0; v < s->nr_vectors; v++) {
		s->host_efd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		s->guest_efd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->host_efd[v] < 0 || s->guest_efd[v] < 0) {
			err = -errno;
			goto fail;
		}
	}
	/* The setup messages are few and small: send them blocking. */
	err = send_setup(s);
	if (err)
		goto fail;
	/* From now on we only read (EOF), and must never block. */
	if (fcntl_nonblock(fd) < 0) {
		err = -errno;
		goto fail;
	}
	log_info("ivshmem: client attached (peer %d, %u vectors)",
		 IVSHMEM_GUEST_PEER_ID, s->nr_vectors);
	return 1;
fail:
	log_warn("ivshmem: client setup failed: %s", strerror(-err));
	ivshmem_drop_client(s);
	return 0;
}

int ivshmem_client_input(struct ivshmem_server *s)
{
	char buf[256];
	ssize_t n;

	for (;;) {
		n = recv(s->client_fd, buf, sizeof(buf), 0);
		if (n > 0)
			continue;	/* the protocol has no client messages */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
}

void ivshmem_drop_client(struct ivshmem_server *s)
{
	if (s->client_fd >= 0)
		close(s->client_fd);
	s->client_fd = -1;
	close_fds(s->host_efd, VMB_MAX_VECTORS);
	close_fds(s->guest_efd, VMB_MAX_VECTORS);
}

int ivshmem_notify_guest(struct ivshmem_server *s, unsigned int v)
{
	uint64_t one = 1;
	ssize_t n;

	if (s->client_fd < 0 || v >= s->nr_vectors)
		return 0;
	n = write(s->guest_efd[v], &one, sizeof(one));
	/* EAGAIN: the counter is saturated, the interrupt is pending anyway. */
	if (n < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int ivshmem_ack_host(struct ivshmem_server *s, unsigned int v)
{
	uint64_t cnt;

	if (s->client_fd < 0 || v >= s->nr_vectors)
		return 0;
	return read(s->host_efd[v], &cnt, sizeof(cnt)) == sizeof(cnt);
}
