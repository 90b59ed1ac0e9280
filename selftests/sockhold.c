// SPDX-License-Identifier: GPL-2.0
/*
 * sockhold [-n COUNT] [-x]: open AF_VCOYO datagram sockets for the lifecycle
 * tests.  Opens a socket bound to an ephemeral port and queues COUNT
 * datagrams on it (sent to itself), prints "ready", then waits for a signal
 * with the socket open, or exits at once with -x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "af.h"

int main(int argc, char **argv)
{
	struct sockaddr_vcoyo sa;
	socklen_t len = sizeof(sa);
	int family, fd, opt, count = 0, stay = 1;
	char payload[512];

	while ((opt = getopt(argc, argv, "n:x")) != -1) {
		switch (opt) {
		case 'n':
			count = atoi(optarg);
			break;
		case 'x':
			stay = 0;
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-x]\n", argv[0]);
			return 2;
		}
	}

	family = vcoyo_af();
	if (family < 0) {
		perror("sockhold: " VCOYO_FAMILY_PATH);
		return 1;
	}
	fd = socket(family, SOCK_DGRAM, 0);
	vcoyo_sockaddr(&sa, family, NULL, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		perror("sockhold: socket");
		return 1;
	}
	memset(payload, 'v', sizeof(payload));
	while (count-- > 0) {
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sa,
			   sizeof(sa)) < 0) {
			perror("sockhold: sendto");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (stay)
		pause();
	return 0;
}
