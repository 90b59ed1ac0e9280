// SPDX-License-Identifier: GPL-2.0
/*
 * wire-gen: send hand-made packets of vcoyo's wire format (struct vcoyo_hdr,
 * struct vcoyo_hello in uapi/linux/vcoyo.h) to a node's UDP port, from a
 * plain UDP socket, for the tests of what a node does with them.
 *
 *   wire-gen [-c COUNT] [-b SRC-IP] [-p SRC-PORT] MODE DST-IP DST-PORT [PUBLIC-KEY]
 *
 * MODE:
 *   short        2 bytes: shorter than struct vcoyo_hdr
 *   version      a hello of wire version 9
 *   type         a hello-sized packet of unknown type 200
 *   hello-short  a hello truncated to 20 bytes
 *   hello        a well-formed hello carrying PUBLIC-KEY (base64, required)
 *
 * The packets other than hello carry PUBLIC-KEY too when it is given, zeroes
 * otherwise.  -b and -p bind the socket first, to send from a given endpoint.
 * Sends COUNT (default 1) packets; exits 0, or 1 with a message.
 */
#include <assert.h>
#include <endian.h>
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
#include "keys.h"

static_assert(sizeof(struct vcoyo_hdr) == 4, "struct vcoyo_hdr is 4 bytes");
static_assert(sizeof(struct vcoyo_hello) == 56, "struct vcoyo_hello is 56 bytes");

#define HELLO_SHORT_LEN	20
#define BAD_VERSION	9
#define BAD_TYPE	200

static void usage(void)
{
	fprintf(stderr, "usage: wire-gen [-c COUNT] [-b SRC-IP] [-p SRC-PORT] "
		"short|version|type|hello-short|hello DST-IP DST-PORT [PUBLIC-KEY]\n");
	exit(1);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* An IPv4 or IPv6 address and a port into ss; 0, or -1. */
static int sockaddr_of(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
		       const char *port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char *end;
	long p = strtol(port, &end, 10);

	if (!*port || *end || p < 0 || p > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* The packet of mode into hello; its length, or 0 for an unknown mode. */
static size_t packet(struct vcoyo_hello *hello, const char *mode, const uint8_t *key)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(hello, 0, sizeof(*hello));
	hello->hdr.version = VCOYO_WIRE_VERSION;
	hello->hdr.type = VCOYO_MSG_HELLO;
	memcpy(hello->public_key, key, VCOYO_KEY_LEN);
	hello->tx_ns = htobe64((uint64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	hello->echo_ns = 0;
	if (!strcmp(mode, "hello"))
		return sizeof(*hello);
	if (!strcmp(mode, "short"))
		return 2;
	if (!strcmp(mode, "hello-short"))
		return HELLO_SHORT_LEN;
	if (!strcmp(mode, "version")) {
		hello->hdr.version = BAD_VERSION;
		return sizeof(*hello);
	}
	if (!strcmp(mode, "type")) {
		hello->hdr.type = BAD_TYPE;
		return sizeof(*hello);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *src_ip = NULL, *src_port = NULL, *mode, *err;
	struct sockaddr_storage dst, src;
	uint8_t key[VCOYO_KEY_LEN] = { 0 };
	struct vcoyo_hello hello;
	socklen_t dst_len, src_len;
	long count = 1, i;
	size_t len;
	int opt, fd;

	while ((opt = getopt(argc, argv, "c:b:p:")) != -1) {
		switch (opt) {
		case 'c':
			count = strtol(optarg, NULL, 10);
			if (count < 1)
				usage();
			break;
		case 'b':
			src_ip = optarg;
			break;
		case 'p':
			src_port = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 3 || argc - optind > 4)
		usage();
	mode = argv[optind];
	if (sockaddr_of(&dst, &dst_len, argv[optind + 1], argv[optind + 2])) {
		fprintf(stderr, "wire-gen: bad destination %s port %s\n", argv[optind + 1],
			argv[optind + 2]);
		return 1;
	}
	if (argc - optind == 4 && vcoyo_key_from_base64(key, argv[optind + 3], &err)) {
		fprintf(stderr, "wire-gen: bad key: %s\n", err);
		return 1;
	}
	if (!strcmp(mode, "hello") && argc - optind < 4) {
		fprintf(stderr, "wire-gen: hello needs a PUBLIC-KEY\n");
		return 1;
	}
	if (!packet(&hello, mode, key)) {
		fprintf(stderr, "wire-gen: unknown mode '%s'\n", mode);
		usage();
	}

	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("wire-gen: socket");
	if (src_ip || src_port) {
		if (sockaddr_of(&src, &src_len,
				src_ip ? src_ip : dst.ss_family == AF_INET ? "0.0.0.0" : "::",
				src_port ? src_port : "0") || src.ss_family != dst.ss_family) {
			fprintf(stderr, "wire-gen: bad source %s port %s\n",
				src_ip ? src_ip : "any", src_port ? src_port : "any");
			return 1;
		}
		if (bind(fd, (struct sockaddr *)&src, src_len))
			die("wire-gen: bind");
	}
	for (i = 0; i < count; i++) {
		len = packet(&hello, mode, key);
		if (sendto(fd, &hello, len, 0, (struct sockaddr *)&dst, dst_len) != (ssize_t)len)
			die("wire-gen: sendto");
	}
	close(fd);
	return 0;
}
