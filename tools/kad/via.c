// SPDX-License-Identifier: GPL-2.0
/*
 * The via index (via.h): a hash from a node's tag to the shortest prefix of
 * a table path that ends at it.  Looked up once per hop of every path an
 * answer brings, so it is open-addressed, in three flat arrays, and never
 * deletes: the table clears and refills it when a path it refers to goes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "via.h"

void kad_via_init(struct kad_via *v)
{
	memset(v, 0, sizeof(*v));
}

void kad_via_destroy(struct kad_via *v)
{
	free(v->tag);
	free(v->entry);
	free(v->len);
	memset(v, 0, sizeof(*v));
}

void kad_via_clear(struct kad_via *v)
{
	if (v->size)
		memset(v->len, 0, v->size);
	v->used = 0;
}

static size_t slot_of(const struct kad_via *v, kad_tag tag)
{
	/* Tags are hash output already: mix only to use the high bits. */
	return (size_t)((tag * 0x9e3779b97f4a7c15ULL) >> 32) & (v->size - 1);
}

/* The slot holding @tag, or the free slot where it would go. */
static size_t probe(const struct kad_via *v, kad_tag tag)
{
	size_t s = slot_of(v, tag);

	while (v->len[s] && v->tag[s] != tag)
		s = (s + 1) & (v->size - 1);
	return s;
}

static int grow(struct kad_via *v)
{
	struct kad_via n = { .size = v->size ? v->size * 2 : 64 };

	n.tag = malloc(n.size * sizeof(*n.tag));
	n.entry = malloc(n.size * sizeof(*n.entry));
	n.len = calloc(n.size, 1);
	if (!n.tag || !n.entry || !n.len) {
		kad_via_destroy(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->size; i++) {
		size_t s;

		if (!v->len[i])
			continue;
		s = probe(&n, v->tag[i]);
		n.tag[s] = v->tag[i];
		n.entry[s] = v->entry[i];
		n.len[s] = v->len[i];
		n.used++;
	}
	kad_via_destroy(v);
	*v = n;
	return 0;
}

int kad_via_note(struct kad_via *v, const struct kad_entry *e, const kad_tag *path,
		 uint8_t path_len, kad_tag skip)
{
	for (unsigned int h = 0; h < path_len; h++) {
		size_t s;

		if (path[h] == skip)
			continue;
		/* At most three quarters full, so that probes stay short. */
		if (4 * (v->used + 1) > 3 * v->size && grow(v))
			return -ENOMEM;
		s = probe(v, path[h]);
		if (!v->len[s]) {
			v->tag[s] = path[h];
			v->used++;
		} else if (v->len[s] <= h + 1) {
			continue;
		}
		v->entry[s] = e;
		v->len[s] = (uint8_t)(h + 1);
	}
	return 0;
}

uint8_t kad_via_find(const struct kad_via *v, kad_tag tag, const struct kad_entry **e)
{
	size_t s;

	if (!v->size)
		return 0;
	s = probe(v, tag);
	if (!v->len[s])
		return 0;
	*e = v->entry[s];
	return v->len[s];
}
