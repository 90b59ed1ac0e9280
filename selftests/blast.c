// SPDX-License-Identifier: GPL-2.0
/*
 * blast: datagrams as fast as one socket can send them, and a receiver that
 * counts them: the two ends of `make bench` (selftests/vm/bench.sh), over
 * UDP or over AF_VCOYO datagram sockets, so that both are measured by the
 * same loop.
 *
 *   blast send udp|vcoyo ADDRESS PORT [-t SECONDS] [-s SIZE]
 *	Sends SIZE-byte datagrams (default 64) to ADDRESS (IPv4 or IPv6 for
 *	udp, an IPvCoyo address for vcoyo) for SECONDS (default 5), a batch
 *	of sendmmsg at a time, from a connected socket.  Prints
 *	  sent N datagrams of SIZE bytes in T s: P pps, E errors
 *
 *   blast recv udp|vcoyo PORT [-t SECONDS] [-s SIZE] [-i IDLE-MS] [-w WAIT-S]
 *	Counts the datagrams arriving on PORT.  Starts counting at the first,
 *	which it waits for WAIT-S seconds (default 30); stops SECONDS + 1 s
 *	after it, or after IDLE-MS (default 1000) without any.  Prints
 *	  received N datagrams in T s: P pps
 *	T running from the first datagram to the last.  With -s, datagrams of
 *	another size are left out and counted apart.
 *
 * Exits 0, or 1 with a message (for recv: also if nothing arrived).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "addr.h"
#include "af.h"

#define BATCH		64	/* datagrams per sendmmsg/recvmmsg call */
#define SIZE_MAX_	VCOYO_DGRAM_MAX
#define RCVBUF		(8 << 20)	/* bursts must not be lost to the buffer */

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "blast: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: blast send udp|vcoyo ADDRESS PORT [-t SECONDS] [-s SIZE]\n"
			"       blast recv udp|vcoyo PORT [-t SECONDS] [-s SIZE] [-i IDLE-MS] "
			"[-w WAIT-S]\n");
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long number(const char *text, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max || text[0] == '-')
		die("bad number '%s'", text);
	return v;
}

struct opts {
	bool vcoyo;
	double seconds;
	size_t size;
	bool size_given;
	double idle_s, wait_s;
};

/* Parse options after the positional arguments (getopt would stop at them). */
static void parse_opts(struct opts *o, int argc, char **argv)
{
	int k;

	for (k = 0; k < argc; k += 2) {
		if (k + 1 >= argc)
			usage();
		if (!strcmp(argv[k], "-t")) {
			o->seconds = number(argv[k + 1], 1, 3600);
		} else if (!strcmp(argv[k], "-s")) {
			o->size = number(argv[k + 1], 8, SIZE_MAX_);
			o->size_given = true;
		} else if (!strcmp(argv[k], "-i")) {
			o->idle_s = number(argv[k + 1], 1, 600000) / 1e3;
		} else if (!strcmp(argv[k], "-w")) {
			o->wait_s = number(argv[k + 1], 1, 3600);
		} else {
			usage();
		}
	}
}

/*
 * The socket and the peer or local address of either kind: the rest of
 * the program does not care which family it measures.
 */
static int open_socket(const struct opts *o, const char *address, const char *port,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	uint16_t p = number(port, 1, 65535);
	struct vcoyo_addr addr;
	const char *err;
	int family;

	memset(ss, 0, sizeof(*ss));
	if (o->vcoyo) {
		family = vcoyo_af();
		if (family < 0)
			die("%s: is vcoyo.ko loaded?", VCOYO_FAMILY_PATH);
		if (address && vcoyo_addr_parse(address, &addr, &err))
			die("bad address '%s'", address);
		vcoyo_sockaddr((struct sockaddr_vcoyo *)ss, family, address ? &addr : NULL, p);
		*len = sizeof(struct sockaddr_vcoyo);
	} else if (!address || inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		family = sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		family = sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
	} else {
		die("bad address '%s'", address);
	}
	family = socket(family, SOCK_DGRAM, 0);
	if (family < 0)
		die("socket: %s", strerror(errno));
	return family;
}

static int do_send(const struct opts *o, const char *address, const char *port)
{
	static uint8_t buf[BATCH][2048];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage to;
	unsigned long sent = 0, errors = 0;
	uint64_t seq = 0;
	int first_errno = 0, n, k;
	double start, end, now;
	static uint8_t *big;
	socklen_t len;
	int fd = open_socket(o, address, port, &to, &len);

	if (connect(fd, (struct sockaddr *)&to, len))
		die("connect: %s", strerror(errno));
	/* Large datagrams share one buffer: only small ones carry a number. */
	if (o->size > sizeof(buf[0])) {
		big = calloc(1, o->size);
		if (!big)
			die("%s", "out of memory");
	}
	memset(msg, 0, sizeof(msg));
	for (k = 0; k < BATCH; k++) {
		iov[k].iov_base = big ? big : buf[k];
		iov[k].iov_len = o->size;
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
	}
	start = now_s();
	end = start + o->seconds;
	do {
		/* A sequence number in each, so that a capture can tell losses. */
		for (k = 0; !big && k < BATCH; k++, seq++)
			memcpy(buf[k], &seq, sizeof(seq));
		n = sendmmsg(fd, msg, BATCH, 0);
		if (n < 0) {
			/* ENOBUFS, a queued ICMP error...: count it, go on. */
			if (!first_errno)
				first_errno = errno;
			errors++;
		} else {
			sent += n;
		}
		now = now_s();
	} while (now < end);
	printf("sent %lu datagrams of %zu bytes in %.3f s: %.0f pps, %lu errors%s%s\n", sent,
	       o->size, now - start, sent / (now - start), errors,
	       first_errno ? ", the first: " : "", first_errno ? strerror(first_errno) : "");
	free(big);
	close(fd);
	return 0;
}

static int do_recv(const struct opts *o, const char *port)
{
	static uint8_t buf[BATCH][2048];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage local;
	unsigned long count = 0, other = 0;
	double first = 0, last = 0, now, limit;
	int size = RCVBUF, fd, n, k;
	struct pollfd pfd;
	socklen_t len;

	fd = open_socket(o, NULL, port, &local, &len);
	/* FORCE goes past rmem_max, as root; the plain one is the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&local, len))
		die("bind: %s", strerror(errno));
	/* Say we are ready: the script starts the sender after this line. */
	printf("listening\n");
	fflush(stdout);
	memset(msg, 0, sizeof(msg));
	for (k = 0; k < BATCH; k++) {
		iov[k] = (struct iovec){ buf[k], sizeof(buf[k]) };
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
	}
	pfd = (struct pollfd){ fd, POLLIN, 0 };
	limit = now_s() + o->wait_s;
	for (;;) {
		now = now_s();
		if (count && now >= first + o->seconds + 1)
			break;
		if (now >= limit)
			break;
		if (poll(&pfd, 1, (int)((limit - now) * 1000) + 1) <= 0)
			continue;
		/* MSG_TRUNC: the real length of a datagram bigger than buf. */
		n = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			continue;
		now = now_s();
		limit = now + o->idle_s;
		for (k = 0; k < n; k++) {
			/* Others (a late first datagram of bench.sh) start no clock. */
			if (o->size_given && msg[k].msg_len != o->size) {
				other++;
				continue;
			}
			if (!count)
				first = now;
			last = now;
			count++;
		}
	}
	printf("received %lu datagrams in %.3f s: %.0f pps", count, last - first,
	       last > first ? count / (last - first) : 0.0);
	if (other)
		printf(", %lu of another size", other);
	putchar('\n');
	close(fd);
	if (!count)
		die("%s", "nothing arrived");
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .seconds = 5, .size = 64, .idle_s = 1, .wait_s = 30 };

	if (argc < 4)
		usage();
	if (!strcmp(argv[2], "vcoyo"))
		o.vcoyo = true;
	else if (strcmp(argv[2], "udp"))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "send") && argc >= 5) {
		parse_opts(&o, argc - 5, argv + 5);
		return do_send(&o, argv[3], argv[4]);
	}
	if (!strcmp(argv[1], "recv")) {
		parse_opts(&o, argc - 4, argv + 4);
		return do_recv(&o, argv[3]);
	}
	usage();
	return 1;
}
