// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The network back end on a real TAP, in a network namespace of its own
 * (unshare(CLONE_NEWNET); skipped where that or /dev/net/tun is not
 * available): the TAP is created multi-queue with a vnet header, takes
 * the TSO offload when RX_GSO is granted, accepts a GSO frame a SEND
 * carries, and a frame the host's stack sends on it reaches the guest in
 * a RECV, whichever TAP queue the kernel picked.
 *
 *   guest (net_fx.h) --channel--> net.c --fds--> vt0 (TAP) <-- AF_PACKET socket
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <cmocka.h>

#include "net_fx.h"

static bool have_netns;

static int group_setup(void **state)
{
	(void)state;
	have_netns = access("/dev/net/tun", R_OK | W_OK) == 0 &&
		unshare(CLONE_NEWNET) == 0;
	net_fx_real_tap = true;
	return 0;
}

static int setup(void **state)
{
	if (!have_netns) {
		*state = NULL;
		return 0;
	}
	*state = net_fx_create("tap=vt0,queues=2,mac=02:00:00:00:00:01");
	return 0;
}

static int teardown(void **state)
{
	if (*state)
		net_fx_destroy(*state);
	return 0;
}

static void link_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

/* The interface's received packets, from /proc/net/dev (this netns's). */
static unsigned long long rx_packets(const char *name)
{
	unsigned long long bytes, pkts;
	char line[512], want[32];
	FILE *fp = fopen("/proc/net/dev", "r");

	assert_non_null(fp);
	snprintf(want, sizeof(want), "%s:", name);
	while (fgets(line, sizeof(line), fp)) {
		char *p = strstr(line, want);

		if (p && sscanf(p + strlen(want), "%llu %llu", &bytes, &pkts) == 2) {
			fclose(fp);
			return pkts;
		}
	}
	fclose(fp);
	fail_msg("no %s in /proc/net/dev", name);
	return 0;
}

/* An IPv4/TCP frame of len bytes from the port's MAC. */
static void tcp_frame(uint8_t *fr, uint32_t len)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t src[6] = { 2, 0, 0, 0, 0, 1 };
	uint16_t tot = (uint16_t)(len - 14);

	memset(fr, 0, len);
	memcpy(fr, dst, 6);
	memcpy(fr + 6, src, 6);
	fr[12] = 0x08;
	fr[14] = 0x45;
	fr[16] = (uint8_t)(tot >> 8);
	fr[17] = (uint8_t)tot;
	fr[22] = 64;
	fr[23] = 6;
	memcpy(fr + 26, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	fr[34] = 0x30;			/* ports 12345 -> 80 */
	fr[35] = 0x39;
	fr[37] = 80;
	fr[46] = 0x50;			/* data offset 5 */
	fr[47] = 0x18;			/* PSH ACK */
	fr[48] = 0xff;
}

static void test_tap_created(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_config c;

	if (!f)
		skip();
	assert_true(if_nametoindex("vt0") > 0);
	net_fx_open(f, 0);
	assert_int_equal(net_fx_init_msg(f, VMB_NET_VERSION_1_1), VMB_NET_S_OK);
	/* TUNSETOFFLOAD with TSO took: RX_GSO is granted */
	assert_int_equal(net_fx_config(f, VMB_NET_CAP_ALL, &c), VMB_NET_S_OK);
	assert_int_equal(le32toh(c.caps), VMB_NET_CAP_ALL);
	/* a second port on it is refused */
	assert_int_equal(net_fx_cmd(f, "nic add tap=vt0"), -1);
	assert_non_null(strstr(f->err, "another port's"));
}

static void test_tap_send_gso(void **state)
{
	struct net_fx *f = *state;
	struct vmb_net_send s = { .hdr.type = htole32(VMB_NET_SEND),
				  .len = htole32(2014) };
	static uint8_t fr[2014];
	unsigned long long before;
	uint32_t i;

	if (!f)
		skip();
	link_up("vt0");
	net_fx_up(f, VMB_NET_CAP_ALL, 4096, 100, VMB_NET_RXF_UNICAST);
	tcp_frame(fr, sizeof(fr));
	for (i = 0; i < sizeof(fr); i++)
		*net_fx_send_at(f, 0, i) = fr[i];
	s.meta.flags = htole16(VMB_NET_M_CSUM_NEEDED);
	s.meta.gso_type = VMB_NET_GSO_TCPV4;
	s.meta.gso_size = htole16(1000);
	s.meta.hdr_len = htole16(54);
	s.meta.csum_start = htole16(34);
	s.meta.csum_offset = htole16(16);
	before = rx_packets("vt0");
	assert_int_equal(net_fx_req(f, 0, &s, sizeof(s)), VMB_NET_S_OK);
	assert_int_equal(net_fx_counter(f, "tx_gso"), 1);
	assert_int_equal(net_fx_stat(f, "tx_drop_tap"), 0);
	assert_true(rx_packets("vt0") > before);
}

static void test_tap_receive(void **state)
{
	struct net_fx *f = *state;
	struct sockaddr_ll sll;
	const struct vmb_net_recv *r;
	uint8_t fr[200];
	unsigned int i;
	int s;

	if (!f)
		skip();
	link_up("vt0");
	net_fx_up(f, VMB_NET_CAP_ALL & ~VMB_NET_CAP_RX_GSO, 2048, 64,
		  VMB_NET_RXF_UNICAST);
	s = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(s >= 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex("vt0");
	sll.sll_halen = 6;
	net_fx_frame(fr, sizeof(fr), (const uint8_t[]){ 2, 0, 0, 0, 0, 1 }, 4);
	memcpy(sll.sll_addr, fr, 6);
	assert_int_equal(sendto(s, fr, sizeof(fr), 0, (struct sockaddr *)&sll,
				sizeof(sll)), (ssize_t)sizeof(fr));
	close(s);
	for (i = 0; i < 50 && !net_fx_get(f, 0); i++)
		evl_run_once(f->env.loop, 20);
	assert_true(i < 50);
	r = (const void *)f->pkt.payload;
	assert_int_equal(le32toh(r->hdr.type), VMB_NET_RECV);
	assert_int_equal(le32toh(r->desc[0].len), sizeof(fr));
	assert_memory_equal(net_fx_recv_at(f, 0, (uint64_t)le32toh(r->desc[0].section) * 2048),
			    fr, sizeof(fr));
}

static void test_tap_errors(void **state)
{
	const char *err = NULL;
	int fd[2];

	(void)state;
	if (!have_netns)
		skip();
	/* a name the kernel refuses: one line naming it, with errno's text */
	assert_int_equal(tap_linux.open("bad/name", 1, fd, &err), -1);
	assert_non_null(strstr(err, "TAP 'bad/name'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tap_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap_send_gso, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap_receive, setup, teardown),
		cmocka_unit_test(test_tap_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
