// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vmbusctl: send one command to vmbusd's control socket and print the
 * answer.  Exit 0 on OK, 1 on ERR (message on stderr), 2 on usage or
 * connection errors.  It knows no device class: vmbusd's "classes" and
 * "help" list them and their commands, from vmbusd's registry.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "tools/sockio.h"

#define DEFAULT_SOCKET	"./vmbusd.ctl"
#define LINE_MAX_LEN	1023
#define TIMEOUT_SEC	30

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmbusctl [-s|--socket PATH] COMMAND [ARGS]\n"
"  default socket: $VMBUSD_CONTROL, else " DEFAULT_SOCKET "\n"
"commands:\n"
"  status                   connection state, counters, channels (state offered|open|\n"
"                           rescinding; open ones with rx_pkts= tx_pkts= rx_bytes=\n"
"                           tx_bytes= doorbells= interrupts= ring_full= ... vector=\n"
"                           (signalled vector) retargets=, then the class's own,\n"
"                           tagged (stor_requests= ...); every one ends sub=N:\n"
"                           0 for a primary, 1.. for a sub-channel)\n"
"  classes                  the device classes vmbusd serves: name, class GUID, what\n"
"                           it does\n"
"  offer CLASS [INSTANCE] [OPTION...]\n"
"                           offer a channel (CLASS: a name from 'classes', or a GUID;\n"
"                           OPTION: KEY or KEY=VALUE, the class's own)\n"
"  rescind RELID|INSTANCE   hot-remove a channel (a primary: its sub-channels first;\n"
"                           INSTANCE names the primary)\n"
"  inject KIND              send a malformed message to the guest (tests)\n"
"  inject KIND RELID        corrupt an open channel (ring-index, ring-len, ring-offset,\n"
"                           unknown-completion, gpadl-unknown); after ring-* the\n"
"                           guest must mark the channel broken and close it\n"
"  help                     list every command vmbusd knows, the device classes'\n"
"                           own included (such as disk add|remove|list)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_SEC };
	const char *path = getenv("VMBUSD_CONTROL");
	char cmd[LINE_MAX_LEN + 2], *line = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	FILE *in;
	int c, i, fd;

	if (!path || !*path)
		path = DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd[0] = '\0';
	for (i = optind; i < argc; i++) {
		if (strpbrk(argv[i], "\n\r") ||
		    len + strlen(argv[i]) + 1 > LINE_MAX_LEN) {
			fprintf(stderr, "vmbusctl: command too long or contains a newline\n");
			return 2;
		}
		len += (size_t)sprintf(cmd + len, "%s%s", i > optind ? " " : "", argv[i]);
	}
	cmd[len++] = '\n';
	cmd[len] = '\0';

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vmbusctl: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vmbusctl: socket: %s\n", strerror(errno));
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vmbusctl: cannot connect to %s: %s (is vmbusd running?)\n",
			path, strerror(errno));
		close(fd);
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (sock_send_all(fd, cmd, len) < 0) {
		fprintf(stderr, "vmbusctl: cannot send to %s: %s\n", path,
			strerror(errno));
		close(fd);
		return 2;
	}
	in = fdopen(fd, "r");
	if (!in) {
		fprintf(stderr, "vmbusctl: fdopen: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (strcmp(line, "OK") == 0) {
			free(line);
			fclose(in);
			return 0;
		}
		if (strncmp(line, "ERR", 3) == 0 && (line[3] == ' ' || !line[3])) {
			fprintf(stderr, "vmbusctl: %s\n",
				line[3] ? line + 4 : "error");
			free(line);
			fclose(in);
			return 1;
		}
		printf("%s\n", line);
	}
	if (ferror(in))
		fprintf(stderr, "vmbusctl: reading from %s: %s\n", path,
			errno == EAGAIN ? "timed out" : strerror(errno));
	else
		fprintf(stderr, "vmbusctl: vmbusd closed the connection without an answer\n");
	free(line);
	fclose(in);
	return 2;
}
