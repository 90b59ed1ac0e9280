// SPDX-License-Identifier: GPL-2.0
/*
 * miss-helper: a routing helper for the tests of route misses, so that shell
 * tests can drive the kernel's side of it without vcoyod.
 *
 *   miss-helper route PATH	answer each miss with a helper route along
 *				PATH (hop tags or addresses, comma separated,
 *				as `vcoyo-nl route add ... path` takes them)
 *   miss-helper unreachable	answer each miss "unreachable"
 *   miss-helper silent		never answer
 *
 * It registers as the node's helper (VCOYO_CMD_HELPER_SET), then prints
 * "miss ADDRESS" for each route miss, as it comes, and answers it.  Exits 0
 * on SIGTERM or SIGINT; 1 if it cannot register (EBUSY: another helper is).
 *
 * The helper's own socket only registers and listens: an answer goes on a
 * second socket, so that events are never read, and lost, by a request
 * waiting for its ACK.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "nl.h"

enum mode { MODE_ROUTE, MODE_UNREACHABLE, MODE_SILENT };

/* Misses seen in one batch of events, answered once the batch is read. */
#define BATCH_MAX	256

struct helper {
	enum mode mode;
	uint8_t path[VCOYO_PATH_MAX][VCOYO_TAG_LEN];
	size_t path_len;
	struct vcoyo_addr misses[BATCH_MAX];
	size_t n_misses;
};

/* One answer: a route to dest, or "unreachable". */
struct answer {
	const struct helper *h;
	const struct vcoyo_addr *dest;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: miss-helper route PATH\n"
			"       miss-helper unreachable\n"
			"       miss-helper silent\n");
	exit(2);
}

static int put_answer(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct answer *a = arg;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, VCOYO_A_ROUTE);
	if (!nest || !mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_DEST, VCOYO_ADDR_LEN, a->dest))
		goto full;
	if (a->h->mode == MODE_ROUTE &&
	    (!mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_PATH,
				 a->h->path_len * VCOYO_TAG_LEN, a->h->path) ||
	     !mnl_attr_put_u8_check(nlh, buflen, VCOYO_ROUTE_A_ORIGIN, VCOYO_ROUTE_HELPER)))
		goto full;
	mnl_attr_nest_end(nlh, nest);
	return 0;
full:
	errno = EMSGSIZE;
	return -1;
}

static int miss_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1];
	struct helper *h = arg;
	char text[VCOYO_ADDR_STRLEN];
	struct vcoyo_addr dest;

	if (msg->cmd != VCOYO_CMD_ROUTE_MISS || !msg->tb[VCOYO_A_ROUTE])
		return 0;
	if (vcoyo_nl_parse_route(msg->tb[VCOYO_A_ROUTE], tb) || !tb[VCOYO_ROUTE_A_DEST]) {
		fprintf(stderr, "miss-helper: malformed route miss ignored\n");
		return 0;
	}
	memcpy(&dest, mnl_attr_get_payload(tb[VCOYO_ROUTE_A_DEST]), sizeof(dest));
	vcoyo_addr_format(&dest, text);
	printf("miss %s\n", text);
	fflush(stdout);
	if (h->mode != MODE_SILENT && h->n_misses < BATCH_MAX)
		h->misses[h->n_misses++] = dest;
	return 0;
}

static void answer(struct vcoyo_nl *nl, struct helper *h)
{
	char text[VCOYO_ADDR_STRLEN];
	const char *why;
	size_t i;

	for (i = 0; i < h->n_misses; i++) {
		struct answer a = { h, &h->misses[i] };
		int err;

		if (h->mode == MODE_ROUTE)
			err = vcoyo_nl_request(nl, VCOYO_CMD_ROUTE_ADD, put_answer, &a, NULL,
					       NULL);
		else
			err = vcoyo_nl_request(nl, VCOYO_CMD_ROUTE_UNREACHABLE, put_answer, &a,
					       NULL, NULL);
		if (err) {
			why = vcoyo_nl_extack(nl);
			vcoyo_addr_format(a.dest, text);
			fprintf(stderr, "miss-helper: answer for %s: %s%s%s\n", text,
				strerror(errno), why ? ": " : "", why ? why : "");
		}
	}
	h->n_misses = 0;
}

static struct vcoyo_nl *open_nl(void)
{
	char err[256];
	struct vcoyo_nl *nl = vcoyo_nl_open(err, sizeof(err));

	if (!nl)
		fprintf(stderr, "miss-helper: %s\n", err);
	return nl;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static struct helper h;
	struct vcoyo_nl *nl, *ans;
	sigset_t block, orig;
	struct pollfd pfd;
	const char *err;
	int ret = 1;

	if (argc == 3 && !strcmp(argv[1], "route")) {
		h.mode = MODE_ROUTE;
		if (vcoyo_path_parse(argv[2], h.path, &h.path_len, &err)) {
			fprintf(stderr, "miss-helper: bad path '%s': %s\n", argv[2], err);
			return 2;
		}
	} else if (argc == 2 && !strcmp(argv[1], "unreachable")) {
		h.mode = MODE_UNREACHABLE;
	} else if (argc == 2 && !strcmp(argv[1], "silent")) {
		h.mode = MODE_SILENT;
	} else {
		usage();
	}

	/* Blocked but while waiting: a signal cannot slip in between check and wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	nl = open_nl();
	ans = nl ? open_nl() : NULL;
	if (!ans)
		goto out;
	if (vcoyo_nl_request(nl, VCOYO_CMD_HELPER_SET, NULL, NULL, NULL, NULL)) {
		err = vcoyo_nl_extack(nl);
		fprintf(stderr, "miss-helper: helper set: %s%s%s\n", strerror(errno),
			err ? ": " : "", err ? err : "");
		goto out;
	}
	if (vcoyo_nl_subscribe(nl, VCOYO_MCGRP_EVENTS)) {
		fprintf(stderr, "miss-helper: subscribe: %s\n", strerror(errno));
		goto out;
	}
	pfd.fd = vcoyo_nl_fd(nl);
	pfd.events = POLLIN;
	while (!stop) {
		int n = ppoll(&pfd, 1, NULL, &orig);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "miss-helper: poll: %s\n", strerror(errno));
			goto out;
		}
		if (vcoyo_nl_recv(nl, miss_cb, &h)) {
			/* Too many events at once: some misses will time out. */
			fprintf(stderr, "miss-helper: events: %s\n", strerror(errno));
			if (errno != ENOBUFS)
				goto out;
		}
		answer(ans, &h);
	}
	ret = 0;
out:
	if (ans)
		vcoyo_nl_close(ans);
	if (nl)
		vcoyo_nl_close(nl);
	return ret;
}
