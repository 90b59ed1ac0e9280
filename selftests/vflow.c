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
 *   vflow mesh [-n COUNT] [-i MS] [-t MS] FILE
 *	many flows between the nodes of a test at once, from one process:
 *	FILE has a flow a line, "SRC-NETNS DST-NETNS ADDRESS PORT" (names in
 *	/run/netns).  For each, PORT is bound in DST-NETNS and a socket made
 *	in SRC-NETNS; then a round of one datagram into every flow goes every
 *	MS ms (-i, default 500), COUNT rounds (default 3, at most 64), and
 *	the receivers wait until every flow has all its datagrams or none
 *	came for MS ms (-t, default 20000).  One line per flow, "flow N SRC
 *	-> DST port P: received R bad B duplicates D sent S", then " failed"
 *	and "ROUND:ERRNO-NAME" for each send that failed; at the end,
 *	"flows F complete C".  A datagram of another flow counts as bad.
 *	Exits 1 unless every flow is complete.  One process instead of two
 *	per flow: on a debug kernel a process costs a second to start.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
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
	fprintf(stderr, "usage: vflow send [-n COUNT] [-i MS] [-s SIZE] [-c] [-r FILE -g FILE] ADDRESS PORT\n"
			"       vflow recv [-n COUNT] [-t MS] [-r FILE] PORT\n"
			"       vflow echo [-t MS] PORT\n"
			"       vflow mesh [-n COUNT] [-i MS] [-t MS] FILE\n");
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

/* Makes the empty file path: "ready", to a test waiting for it. */
static int touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fclose(f)) {
		perror("vflow: ready file");
		return -1;
	}
	return 0;
}

/* Waits (up to a minute) for the test to make the file path: "go". */
static int wait_go(const char *path)
{
	int i;

	for (i = 0; i < 12000; i++) {
		if (!access(path, F_OK))
			return 0;
		sleep_ms(5);
	}
	fprintf(stderr, "vflow: no %s after 60 s\n", path);
	return -1;
}

static int do_send(int argc, char **argv)
{
	long count = 1, interval = 0, size = 64, n;
	const char *ready = NULL, *go = NULL;
	struct sockaddr_vcoyo sa;
	struct vcoyo_addr addr;
	bool connected = false;
	const char *err;
	socklen_t len;
	uint8_t *buf;
	int fd, opt, so_error;

	while ((opt = getopt(argc, argv, "n:i:s:cr:g:")) != -1) {
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
		case 'r':
			ready = optarg;
			break;
		case 'g':
			go = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || !ready != !go)
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
	/* Started, the sender sends only when told: the test orders senders. */
	if (ready && (touch(ready) || wait_go(go)))
		return 1;
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
	if (ready && touch(ready))
		return 1;
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

/* ---- mesh: many flows, each between two network namespaces ---- */

#define MESH_MAX	1024
#define MESH_ROUNDS_MAX	64
#define MESH_SIZE	64

struct flow {
	char src[64], dst[64];
	struct sockaddr_vcoyo to;
	int rx, tx;
	long sent, got, bad;
	uint64_t seen;		/* bit n: datagram n arrived */
	char errors[256];	/* the errno names of failed sends */
};

/* Enter the network namespace /run/netns/@name, or the one @fd is of. */
static void enter_netns(const char *name, int fd)
{
	char path[128];
	int nsfd = fd;

	if (name) {
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			fprintf(stderr, "vflow: %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	if (setns(nsfd, CLONE_NEWNET)) {
		perror("vflow: setns");
		exit(1);
	}
	if (name)
		close(nsfd);
}

/* A socket stays in the namespace it was made in: make both, then return. */
static void flow_open(struct flow *f, int home)
{
	enter_netns(f->dst, -1);
	f->rx = open_socket();
	bind_port(f->rx, ntohs(f->to.svc_port));
	enter_netns(f->src, -1);
	f->tx = open_socket();
	enter_netns(NULL, home);
}

static int mesh_read(const char *file, struct flow *flows)
{
	char addr[256], line[512];
	struct vcoyo_addr a;
	const char *err;
	FILE *in = fopen(file, "r");
	long port;
	int n = 0;

	if (!in) {
		perror(file);
		exit(1);
	}
	while (fgets(line, sizeof(line), in)) {
		struct flow *f = &flows[n];

		line[strcspn(line, "\n")] = '\0';
		if (n == MESH_MAX || sscanf(line, "%63s %63s %255s %ld", f->src, f->dst, addr,
					    &port) != 4 || port < 1 || port > 65535 ||
		    vcoyo_addr_parse(addr, &a, &err)) {
			fprintf(stderr, "vflow: %s: bad flow '%s'\n", file, line);
			exit(2);
		}
		vcoyo_sockaddr(&f->to, family, &a, port);
		n++;
	}
	fclose(in);
	return n;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Take what arrived within @ms; false if nothing did. */
static bool mesh_receive(struct flow *flows, int n, long ms)
{
	static struct pollfd pfd[MESH_MAX];
	uint8_t buf[MESH_SIZE + 1];
	uint64_t seq;
	bool any = false;
	ssize_t len;
	int i;

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = flows[i].rx, .events = POLLIN };
	if (poll(pfd, n, ms) <= 0)
		return false;
	for (i = 0; i < n; i++) {
		struct flow *f = &flows[i];

		while ((len = recv(f->rx, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
			any = true;
			f->got++;
			memcpy(&seq, buf, sizeof(seq));
			/* The flow's number is in the high half of each seq. */
			if (!intact(buf, len) || seq >> 32 != (uint64_t)i ||
			    (seq & 0xffffffff) >= MESH_ROUNDS_MAX)
				f->bad++;
			else
				f->seen |= 1ull << (seq & 0xffffffff);
		}
	}
	return any;
}

static int do_mesh(int argc, char **argv)
{
	static struct flow flows[MESH_MAX];
	long rounds = 3, interval = 500, idle = 20000, r;
	int home, opt, n, i, complete = 0;
	uint8_t buf[MESH_SIZE];
	struct timespec t0;
	long left;

	while ((opt = getopt(argc, argv, "n:i:t:")) != -1) {
		switch (opt) {
		case 'n':
			rounds = number(optarg, 1, MESH_ROUNDS_MAX);
			break;
		case 'i':
			interval = number(optarg, 0, 60000);
			break;
		case 't':
			idle = number(optarg, 1, 600000);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	family = vcoyo_af();
	n = mesh_read(argv[optind], flows);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		perror("vflow: /proc/self/ns/net");
		return 1;
	}
	for (i = 0; i < n; i++)
		flow_open(&flows[i], home);

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			struct flow *f = &flows[i];

			fill(buf, sizeof(buf), (uint64_t)i << 32 | r);
			if (sendto(f->tx, buf, sizeof(buf), 0, (struct sockaddr *)&f->to,
				   sizeof(f->to)) == sizeof(buf))
				f->sent++;
			else if (strlen(f->errors) < sizeof(f->errors) - 32)
				snprintf(f->errors + strlen(f->errors), 32, " %ld:%s", r,
					 strerrorname_np(errno));
		}
		/* Receive while the round's interval goes by. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while ((left = interval - ms_since(&t0)) > 0)
			mesh_receive(flows, n, left);
	}
	for (;;) {
		for (i = 0; i < n; i++)
			if (flows[i].seen != (rounds == 64 ? ~0ull : (1ull << rounds) - 1))
				break;
		if (i == n || !mesh_receive(flows, n, idle))
			break;
	}

	for (i = 0; i < n; i++) {
		struct flow *f = &flows[i];
		int arrived = __builtin_popcountll(f->seen);

		printf("flow %d %s -> %s port %u: received %d bad %ld duplicates %ld sent %ld%s%s\n",
		       i, f->src, f->dst, ntohs(f->to.svc_port), arrived, f->bad,
		       f->got - f->bad - arrived, f->sent, *f->errors ? " failed" : "", f->errors);
		complete += arrived == rounds && !f->bad;
	}
	printf("flows %d complete %d\n", n, complete);
	return complete != n;
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
	if (!strcmp(argv[1], "mesh"))
		return do_mesh(argc - 1, argv + 1);
	usage();
	return 2;
}
