/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcoyod, the routing helper of an IPvCoyo node: what its files share.
 *
 * The daemon is a thin shell around the routing library (kad/kad.h): it turns
 * kernel events, DHT datagrams and timer expiries into kad inputs, and kad's
 * outputs into netlink requests and datagrams.  main.c holds the options and
 * the event loop, daemon.c the glue between the kernel and kad, kernel.c the
 * netlink interface, routes.c the cache of the routes it installed.
 * Documentation/vcoyod.rst is the manual.
 */
#ifndef VCOYOD_H
#define VCOYOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kad.h"
#include "kernel.h"
#include "routes.h"

#define PROG	"vcoyod"

/* The port vcoyod instances talk to each other on (in kad.h one day?). */
#ifndef KAD_PORT
#define KAD_PORT	1
#endif

/* A kad path the kernel can hold: the destination, and up to VCOYO_PATH_MAX before it. */
#define VCOYOD_PATH_MAX	(VCOYO_PATH_MAX + 1)

/* Log levels: -q keeps errors only, -v adds one line per event, -vv more. */
enum {
	LVL_ERR,
	LVL_INFO,
	LVL_DEBUG,
	LVL_TRACE,
};

extern int log_level;

__attribute__((format(printf, 2, 3)))
void logmsg(int level, const char *fmt, ...);

#define log_err(...)	logmsg(LVL_ERR, __VA_ARGS__)
#define log_info(...)	logmsg(LVL_INFO, __VA_ARGS__)
#define log_debug(...)	logmsg(LVL_DEBUG, __VA_ARGS__)
#define log_trace(...)	logmsg(LVL_TRACE, __VA_ARGS__)

/* "6d1b:7e2:91c2:a21:...": the first four groups of an address, its hop tag. */
#define ID_SHORT_LEN	24
const char *id_short(const struct kad_id *id, char buf[ID_SHORT_LEN]);
/* The full canonical text form (addr.h). */
#define ID_FULL_LEN	(VCOYO_ADDR_LEN / 2 * 5)
const char *id_full(const struct kad_id *id, char buf[ID_FULL_LEN]);

/* Milliseconds of CLOCK_MONOTONIC: kad's clock and the timerfd's. */
uint64_t now_ms(void);

/* What a link of this node looks like to the daemon. */
struct link {
	uint32_t id;
	bool up;		/* UP, with a remote address: a kad neighbour */
	bool seen;		/* in the dump being applied (resync) */
	struct kad_id remote;	/* valid while up */
};

/* What the daemon counts, beyond kad's own statistics. */
struct vcoyod_stats {
	uint64_t misses;		/* route misses from the kernel */
	uint64_t routes;		/* answered with a route */
	uint64_t unreachable;		/* answered unreachable */
	uint64_t route_adds;		/* ROUTE_ADD requests sent */
	uint64_t route_errors;		/* ... that the kernel refused (EEXIST aside) */
	uint64_t send_errors;		/* DHT datagrams sendto() refused */
	uint64_t rx_malformed;		/* DHT datagrams kad (or the length) refused */
	uint64_t rx_foreign;		/* datagrams from another port than ours */
	uint64_t path_failed;		/* tunnel failures passed to kad */
	uint64_t overruns;		/* events lost: the events socket overflowed */
};

struct vcoyod_options {
	struct kad_config kad;
	uint16_t port;
	bool lookup_timeout_set;
};

struct vcoyod {
	struct vcoyod_options opt;
	struct kernel kernel;
	int family;			/* AF_VCOYO's number */
	int sock;			/* AF_VCOYO datagram socket, bound to opt.port */

	bool has_identity;
	struct kad_id self;
	struct kad_node *kad;		/* NULL until the node has an identity */
	uint64_t next_cookie;

	struct link *links;
	size_t n_links, links_cap;
	struct routes routes;

	struct vcoyod_stats stats;
	/* Large: kept here rather than on the stack. */
	struct kad_out out;
	uint8_t rx[KAD_MSG_MAX + 1];
};

/* daemon.c: everything that happens, each followed by a drain of kad's outputs. */
int daemon_identity(struct vcoyod *d, const struct kernel_identity *id);
int daemon_resync_links(struct vcoyod *d);
int daemon_kernel_events(struct vcoyod *d);
void daemon_dht_readable(struct vcoyod *d);
void daemon_tick(struct vcoyod *d);
void daemon_log_stats(const struct vcoyod *d);
void daemon_free(struct vcoyod *d);

#endif /* VCOYOD_H */
