// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyo-cat: netcat for AF_VCOYO datagrams.
 *
 *   vcoyo-cat -l PORT [-c COUNT]     print each datagram received on PORT,
 *                                    with its sender, COUNT times (default: forever)
 *   vcoyo-cat ADDRESS PORT           send each line of stdin as one datagram
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "addr.h"
#include "af.h"

static void usage(void)
{
	fprintf(stderr, "usage: vcoyo-cat -l PORT [-c COUNT]\n"
			"       vcoyo-cat ADDRESS PORT\n");
	exit(1);
}

static int parse_port(const char *text)
{
	char *end;
	long port = strtol(text, &end, 10);

	if (*end || end == text || port < 0 || port > 65535) {
		fprintf(stderr, "vcoyo-cat: invalid port '%s'\n", text);
		exit(1);
	}
	return port;
}

static int do_listen(int fd, int family, int port, long count)
{
	char buf[VCOYO_DGRAM_MAX + 1], from[VCOYO_ADDR_STRLEN];
	struct sockaddr_vcoyo sa;
	socklen_t len;
	ssize_t n;

	vcoyo_sockaddr(&sa, family, NULL, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vcoyo-cat: bind port %d: %s\n", port, strerror(errno));
		return 1;
	}
	while (count < 0 || count-- > 0) {
		len = sizeof(sa);
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&sa, &len);
		if (n < 0) {
			fprintf(stderr, "vcoyo-cat: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		buf[n] = '\0';
		vcoyo_addr_format(&sa.svc_addr, from);
		printf("[%s]:%u %s%s", from, ntohs(sa.svc_port), buf,
		       n && buf[n - 1] == '\n' ? "" : "\n");
		fflush(stdout);
	}
	return 0;
}

static int do_send(int fd, int family, const char *address, int port)
{
	struct sockaddr_vcoyo sa;
	struct vcoyo_addr addr;
	char *line = NULL;
	size_t cap = 0;
	const char *err;
	ssize_t n;

	if (vcoyo_addr_parse(address, &addr, &err)) {
		fprintf(stderr, "vcoyo-cat: invalid address '%s': %s\n", address, err);
		return 1;
	}
	vcoyo_sockaddr(&sa, family, &addr, port);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (sendto(fd, line, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "vcoyo-cat: sendto: %s\n", strerror(errno));
			free(line);
			return 1;
		}
	}
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	long count = -1;
	int opt, port = -1, family, fd;

	while ((opt = getopt(argc, argv, "l:c:h")) != -1) {
		switch (opt) {
		case 'l':
			port = parse_port(optarg);
			break;
		case 'c':
			count = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if ((port >= 0) != (argc - optind == 0) || (port < 0 && argc - optind != 2))
		usage();

	family = vcoyo_af();
	if (family < 0) {
		fprintf(stderr, "vcoyo-cat: %s: %s (is vcoyo.ko loaded?)\n",
			VCOYO_FAMILY_PATH, strerror(errno));
		return 1;
	}
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0) {
		fprintf(stderr, "vcoyo-cat: socket: %s\n", strerror(errno));
		return 1;
	}
	if (port >= 0)
		return do_listen(fd, family, port, count);
	return do_send(fd, family, argv[optind], parse_port(argv[optind + 1]));
}
