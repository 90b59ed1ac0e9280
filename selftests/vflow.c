// SPDX-License-Identifier: GPL-2.0
/*
 * vflow: flows of AF_VCOYO datagrams for the tunnel tests, each datagram
 * numbered and filled with a pattern of its number, so that the receiver
 * checks every byte.
 *
 *   vflow send [-n COUNT] [-i MS] [-s SIZE] [-c] ADDRESS PORT
 *	send COUNT (default 1) datagrams of SIZE bytes (default 64, at least
 *	8), one every MS milliseconds (default 0); -c connects first.  Prints
 *	one line per datagram: its number and "ok" or the errno name, e.g.
 *	"7 EHOSTUNREACH".  A connected socket also reports a pending error
 *	(SO_ERROR) as "N so_error NAME".
 *   vflow recv [-n COUNT] [-t MS] [-r FILE] PORT
 *	receive until COUNT datagrams came (default: no limit) or none came for
 *	MS milliseconds (default 3000), then print "received N bad B bytes T"
 *	and the sender of the last one, "from ADDRESS:PORT".  Exits 1 if a
 *	datagram was damaged or COUNT was not reached.  -r creates FILE once
 *	the port is bound: a test waits for it before it sends.  A datagram
 *	that came twice counts twice in N, and "duplicates D" follows; COUNT
 *	counts different datagrams.
 *   vflow echo [-t MS] PORT
 *	send every datagram back to its sender, until none came for MS.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "addr.h"
#include "af.h"

static int family;

static void usage(void)
{
	fprintf(stderr, "usage: vflow send [-n COUNT] [-i MS] [-s SIZE] [-c] ADDRESS PORT\n"
			"       vflow recv [-n COUNT] [-t MS] [-r FILE] PORT\n"
			"       vflow echo [-t MS] PORT\n");
	exit(2);
}

static long number(const char *text, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		fprintf(stderr, "vflow: bad number '%s'\n", text);
		exit(2);
	}
	return v;
}

static int open_socket(void)
{
	int fd;

	family = vcoyo_af();
	if (family < 0) {
		fprintf(stderr, "vflow: AF_VCOYO not available\n");
		exit(1);
	}
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("vflow: socket");
		exit(1);
	}
	return fd;
}

static void bind_port(int fd, uint16_t port)
{
	struct sockaddr_vcoyo sa;
	struct vcoyo_addr any = { 0 };

	vcoyo_sockaddr(&sa, family, &any, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("vflow: bind");
		exit(1);
	}
}

/* Byte i of datagram seq: its number first, then a pattern of both. */
/* Duplicates are caught among the first this many datagrams of a flow. */
#define DUP_WINDOW	(1 << 20)

static uint8_t pattern(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 31 + i * 7);
}

static void fill(uint8_t *buf, size_t size, uint64_t seq)
{
	size_t i;

	memcpy(buf, &seq, sizeof(seq));
	for (i = sizeof(seq); i < size; i++)
		buf[i] = pattern(seq, i);
}

static bool intact(const uint8_t *buf, size_t size)
{
	uint64_t seq;
	size_t i;

	if (size < sizeof(seq))
		return false;
	memcpy(&seq, buf, sizeof(seq));
	for (i = sizeof(seq); i < size; i++)
		if (buf[i] != pattern(seq, i))
			return false;
	return true;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

static int do_send(int argc, char **argv)
{
	long count = 1, interval = 0, size = 64, n;
	struct sockaddr_vcoyo sa;
	struct vcoyo_addr addr;
	bool connected = false;
	const char *err;
	socklen_t len;
	uint8_t *buf;
	int fd, opt, so_error;

	while ((opt = getopt(argc, argv, "n:i:s:c")) != -1) {
		switch (opt) {
		case 'n':
			count = number(optarg, 1, 10000000);
			break;
		case 'i':
			interval = number(optarg, 0, 60000);
			break;
		case 's':
			size = number(optarg, 8, VCOYO_DGRAM_MAX);
			break;
		case 'c':
			connected = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if (vcoyo_addr_parse(argv[optind], &addr, &err)) {
		fprintf(stderr, "vflow: bad address '%s': %s\n", argv[optind], err);
		return 2;
	}
	fd = open_socket();
	vcoyo_sockaddr(&sa, family, &addr, number(argv[optind + 1], 1, 65535));
	if (connected && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("vflow: connect");
		return 1;
	}
	buf = malloc(size);
	if (!buf)
		return 1;
	for (n = 0; n < count; n++) {
		ssize_t ret;

		if (n && interval)
			sleep_ms(interval);
		fill(buf, size, n);
		if (connected)
			ret = send(fd, buf, size, 0);
		else
			ret = sendto(fd, buf, size, 0, (struct sockaddr *)&sa, sizeof(sa));
		printf("%ld %s\n", n, ret < 0 ? strerrorname_np(errno) : "ok");
		len = sizeof(so_error);
		if (connected && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) &&
		    so_error)
			printf("%ld so_error %s\n", n, strerrorname_np(so_error));
		fflush(stdout);
	}
	free(buf);
	close(fd);
	return 0;
}

/* Waits up to ms for a datagram; false on silence. */
static bool readable(int fd, long ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

static int do_recv(int argc, char **argv, bool echo)
{
	static uint8_t buf[VCOYO_DGRAM_MAX + 1];
	long count = 0, idle = 3000, got = 0, bad = 0, bytes = 0, dups = 0;
	static uint8_t seen[DUP_WINDOW / 8];
	const char *ready = NULL;
	uint64_t seq;
	char text[VCOYO_ADDR_STRLEN];
	struct sockaddr_vcoyo from;
	socklen_t len;
	ssize_t n;
	int fd, opt;

	while ((opt = getopt(argc, argv, "n:t:r:")) != -1) {
		switch (opt) {
		case 'n':
			count = number(optarg, 1, 10000000);
			break;
		case 't':
			idle = number(optarg, 1, 600000);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	fd = open_socket();
	bind_port(fd, number(argv[optind], 1, 65535));
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f || fclose(f)) {
			perror("vflow: ready file");
			return 1;
		}
	}
	memset(&from, 0, sizeof(from));
	while ((!count || got - dups < count) && readable(fd, idle)) {
		len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0) {
			perror("vflow: recvfrom");
			return 1;
		}
		got++;
		bytes += n;
		if (!intact(buf, n)) {
			bad++;
		} else {
			/* A datagram seen before: the network duplicated it. */
			memcpy(&seq, buf, sizeof(seq));
			if (seq < DUP_WINDOW && (seen[seq / 8] & (1u << (seq % 8))))
				dups++;
			else if (seq < DUP_WINDOW)
				seen[seq / 8] |= 1u << (seq % 8);
		}
		if (echo && sendto(fd, buf, n, 0, (struct sockaddr *)&from, len) < 0)
			printf("echo %s\n", strerrorname_np(errno));
	}
	vcoyo_addr_format(&from.svc_addr, text);
	printf("received %ld bad %ld bytes %ld\nfrom [%s]:%u\n", got, bad, bytes, text,
	       ntohs(from.svc_port));
	if (dups)
		printf("duplicates %ld\n", dups);
	return bad || (count && got < count);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "recv"))
		return do_recv(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "echo"))
		return do_recv(argc - 1, argv + 1, true);
	usage();
	return 2;
}
