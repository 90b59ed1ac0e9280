// SPDX-License-Identifier: GPL-2.0
/* The cache of the routes vcoyod installed, a hash map by ID; see routes.h. */
#include <stdlib.h>
#include <string.h>
#include "routes.h"

/* Grow when the average chain would pass this length. */
#define ROUTES_LOAD	2
#define ROUTES_MIN	64

void routes_init(struct routes *r)
{
	memset(r, 0, sizeof(*r));
}

void routes_clear(struct routes *r)
{
	size_t i;

	for (i = 0; i < r->n_buckets; i++) {
		struct route *rt = r->buckets[i], *next;

		for (; rt; rt = next) {
			next = rt->next;
			free(rt);
		}
		r->buckets[i] = NULL;
	}
	r->count = 0;
}

void routes_free(struct routes *r)
{
	routes_clear(r);
	free(r->buckets);
	routes_init(r);
}

/* IDs are SHA-512 digests: any 8 of their bytes are already a good hash. */
static size_t routes_bucket(const struct routes *r, const struct kad_id *dst)
{
	uint64_t h;

	memcpy(&h, dst->b + 8, sizeof(h));
	return h & (r->n_buckets - 1);
}

struct route *routes_find(const struct routes *r, const struct kad_id *dst)
{
	struct route *rt;

	if (!r->n_buckets)
		return NULL;
	for (rt = r->buckets[routes_bucket(r, dst)]; rt; rt = rt->next)
		if (!memcmp(&rt->dst, dst, sizeof(*dst)))
			return rt;
	return NULL;
}

/* Double the table (or make the first one); on failure keep the old one. */
static void routes_grow(struct routes *r)
{
	size_t n = r->n_buckets ? 2 * r->n_buckets : ROUTES_MIN, i;
	struct routes bigger = { .n_buckets = n, .count = r->count };

	bigger.buckets = calloc(n, sizeof(*bigger.buckets));
	if (!bigger.buckets)
		return;
	for (i = 0; i < r->n_buckets; i++) {
		struct route *rt = r->buckets[i], *next;

		for (; rt; rt = next) {
			size_t b = routes_bucket(&bigger, &rt->dst);

			next = rt->next;
			rt->next = bigger.buckets[b];
			bigger.buckets[b] = rt;
		}
	}
	free(r->buckets);
	*r = bigger;
}

struct route *routes_get(struct routes *r, const struct kad_id *dst)
{
	struct route *rt = routes_find(r, dst);
	size_t b;

	if (rt)
		return rt;
	if (r->count >= r->n_buckets * ROUTES_LOAD)
		routes_grow(r);
	if (!r->n_buckets)
		return NULL;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	rt->dst = *dst;
	b = routes_bucket(r, dst);
	rt->next = r->buckets[b];
	r->buckets[b] = rt;
	r->count++;
	return rt;
}

bool routes_remove(struct routes *r, const struct kad_id *dst)
{
	struct route **p;

	if (!r->n_buckets)
		return false;
	for (p = &r->buckets[routes_bucket(r, dst)]; *p; p = &(*p)->next) {
		struct route *rt = *p;

		if (!memcmp(&rt->dst, dst, sizeof(*dst))) {
			*p = rt->next;
			free(rt);
			r->count--;
			return true;
		}
	}
	return false;
}

bool route_is_path(const struct route *rt, const struct kad_path *path)
{
	return rt->kind == ROUTE_PATH && rt->len == path->len &&
	       !memcmp(rt->hop, path->hop, path->len * sizeof(path->hop[0]));
}

void route_set_path(struct route *rt, const struct kad_path *path)
{
	rt->kind = ROUTE_PATH;
	rt->len = path->len;
	memcpy(rt->hop, path->hop, path->len * sizeof(path->hop[0]));
}

void route_get_path(const struct route *rt, struct kad_path *path)
{
	path->len = rt->len;
	memcpy(path->hop, rt->hop, rt->len * sizeof(rt->hop[0]));
}
