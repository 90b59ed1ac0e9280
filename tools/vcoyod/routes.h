/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The routes vcoyod put in the kernel, by destination: so that a message to
 * a node whose path has not changed sends no ROUTE_ADD, and so that a tunnel
 * that fails can be told to kad with the path it failed along.
 *
 * A cache, not a mirror: an entry goes whenever the kernel may have dropped
 * the route (a tunnel to the destination failed or went down, a miss came for
 * it, events were lost), and the worst a missing entry costs is one ROUTE_ADD
 * that replaces a route with itself.
 */
#ifndef VCOYOD_ROUTES_H
#define VCOYOD_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vcoyo.h>
#include "kad.h"

enum route_kind {
	ROUTE_PATH,	/* a helper route along hop[] */
	ROUTE_LINK,	/* a helper route over a link, to a neighbour */
	ROUTE_STATIC,	/* the administrator's route: ours was refused (EEXIST) */
};

struct route {
	struct route *next;		/* in its hash bucket */
	struct kad_id dst;
	enum route_kind kind;
	/*
	 * A tunnel to dst is up: the kernel sends through it and not along
	 * the route, so the route stays as the tunnel's setup found it, and a
	 * teardown blames the path the tunnel really followed.
	 */
	bool tunnel_up;
	uint8_t len;			/* ROUTE_PATH: kad's path, destination last */
	kad_tag hop[VCOYO_PATH_MAX + 1];
};

struct routes {
	struct route **buckets;
	size_t n_buckets;		/* a power of two, or 0 before the first insert */
	size_t count;
};

void routes_init(struct routes *r);
void routes_free(struct routes *r);
struct route *routes_find(const struct routes *r, const struct kad_id *dst);
/* The entry of dst, added (kind ROUTE_PATH, len 0) if new.  NULL: no memory. */
struct route *routes_get(struct routes *r, const struct kad_id *dst);
/* True if there was an entry. */
bool routes_remove(struct routes *r, const struct kad_id *dst);
void routes_clear(struct routes *r);

/* Whether rt is a helper route along path. */
bool route_is_path(const struct route *rt, const struct kad_path *path);
/* Make rt a helper route along path (len at most VCOYO_PATH_MAX + 1). */
void route_set_path(struct route *rt, const struct kad_path *path);
/* The kad path of a ROUTE_PATH entry. */
void route_get_path(const struct route *rt, struct kad_path *path);

#endif /* VCOYOD_ROUTES_H */
