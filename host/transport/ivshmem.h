/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A minimal ivshmem server (QEMU docs/specs/ivshmem-spec.rst) for exactly
 * one client, QEMU's ivshmem-doorbell device.  The host is peer 0, the
 * client peer 1.  Per client it creates nr_vectors eventfds for each peer:
 * QEMU writes host_efd[v] when the guest rings Doorbell (0 << 16) | v, and
 * vmbusd writes guest_efd[v] to raise the guest's MSI-X vector v.
 */
#ifndef VMBUSD_IVSHMEM_H
#define VMBUSD_IVSHMEM_H

#include <stdbool.h>

#include "vmb_protocol.h"

#define IVSHMEM_PROTOCOL_VERSION	0
#define IVSHMEM_HOST_PEER_ID		0
#define IVSHMEM_GUEST_PEER_ID		1

struct ivshmem_server {
	int listen_fd;
	char *path;
	int shm_fd;
	unsigned int nr_vectors;
	int client_fd;			/* -1: no client */
	int host_efd[VMB_MAX_VECTORS];
	int guest_efd[VMB_MAX_VECTORS];
};

/* Listen on path (a stale socket there is removed).  Returns 0 or -errno. */
int ivshmem_server_init(struct ivshmem_server *s, const char *path,
			int shm_fd, unsigned int nr_vectors);
/* Close everything and unlink the socket. */
void ivshmem_server_fini(struct ivshmem_server *s);
/*
 * Accept a connection.  Returns 1 if it became the client (eventfds created,
 * setup messages sent), 0 if it was refused (a client exists already, or
 * the setup failed) or there was nothing to accept, -errno on a listen
 * socket error.
 */
int ivshmem_server_accept(struct ivshmem_server *s);
static inline bool ivshmem_has_client(const struct ivshmem_server *s)
{
	return s->client_fd >= 0;
}
/* Handle input on the client socket.  Returns -1 if the client went away. */
int ivshmem_client_input(struct ivshmem_server *s);
/* Close the client's socket and eventfds. */
void ivshmem_drop_client(struct ivshmem_server *s);
/* Raise guest vector v (no-op without a client).  Returns 0 or -errno. */
int ivshmem_notify_guest(struct ivshmem_server *s, unsigned int v);
/* Consume a pending doorbell on host vector v; returns 1 if one was pending. */
int ivshmem_ack_host(struct ivshmem_server *s, unsigned int v);

#endif
