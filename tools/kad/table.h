/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The routing table of one node: k-buckets by XOR distance, each entry a
 * node with the path to reach it, an index of the entries by tag, and an
 * index of every node on their paths (via.h), so that paths can be
 * shortened through any node the table knows a way to.
 */
#ifndef VCOYO_KAD_TABLE_H
#define VCOYO_KAD_TABLE_H

#include "kad.h"
#include "via.h"

struct kad_entry {
	struct kad_id id;
	kad_tag tag;
	struct kad_entry *tag_next;	/* in the tag index */
	uint64_t last_seen;		/* ms: it last answered or asked us */
	uint64_t path_seen;		/* ms: a message last came along path */
	uint8_t fails;			/* queries unanswered in a row */
	bool neighbour;			/* over one of this node's links */
	bool pinged;			/* a ping asks whether it may stay */
	bool doubted;			/* a path through its path failed */
	uint8_t path_len;
	kad_tag *path;
};

/* Bucket i holds the nodes whose ID first differs from ours at bit i. */
struct kad_bucket {
	struct kad_entry **entries;
	unsigned int count, cap;
	unsigned int others;		/* entries that are not neighbours: <= k */
	uint64_t refresh_at;		/* ms: when a lookup should visit it */
	/* The newest node that found the bucket full, while a ping decides. */
	bool has_spare;
	struct kad_id spare;
	uint8_t spare_len;
	kad_tag *spare_path;
};

struct kad_table {
	struct kad_id self;
	kad_tag self_tag;
	unsigned int k;
	/* Allocated when first used: a node fills only about log2(n) of them. */
	struct kad_bucket *bucket[KAD_ID_BITS];
	unsigned int top;		/* highest bucket ever allocated */
	struct kad_entry **index;	/* by tag, chained */
	size_t index_size, count;
	/*
	 * The nodes on the entries' paths.  A path that changes or goes
	 * leaves references to it behind: the index is then stale, and is
	 * refilled from the entries before its next use.
	 */
	struct kad_via via;
	bool via_stale;
};

int kad_table_init(struct kad_table *t, const struct kad_id *self, unsigned int k);
void kad_table_destroy(struct kad_table *t);

struct kad_entry *kad_table_find(const struct kad_table *t, const struct kad_id *id);
unsigned int kad_table_bucket_of(const struct kad_table *t, const struct kad_id *id);
/* Bucket @b, allocated if it was not; NULL if out of memory. */
struct kad_bucket *kad_table_bucket(struct kad_table *t, unsigned int b);

/*
 * Adds a node that answered or asked, reached along @path.  The entry, or
 * NULL if its bucket is full (then the caller may ping the bucket's least
 * recently seen entry, kad_table_stalest(), and keep the node as the spare).
 */
struct kad_entry *kad_table_add(struct kad_table *t, const struct kad_id *id,
				const kad_tag *path, uint8_t path_len, bool neighbour,
				uint64_t now);
/* Gives an entry a new path. 0, or -ENOMEM (the old path stays). */
int kad_table_set_path(struct kad_table *t, struct kad_entry *e, const kad_tag *path,
		       uint8_t path_len);
void kad_table_remove(struct kad_table *t, struct kad_entry *e);
/*
 * An entry's path may have broken: a query along it went unanswered
 * (kad_table_doubt(@fail true), which counts a failure against the node)
 * or a query along a path that began with a part of it did (@fail false).
 * Either way it lends no prefix to other paths (via.h) until the node is
 * heard from again, kad_table_trust().
 */
void kad_table_doubt(struct kad_table *t, struct kad_entry *e, bool fail);
void kad_table_trust(struct kad_table *t, struct kad_entry *e);
/*
 * A query along @path to the node @peer went unanswered.  The longest
 * start of @path that the via index holds is what a splice would have
 * taken; every other entry whose path starts with it is doubted.
 */
void kad_table_doubt_prefix(struct kad_table *t, const kad_tag *path, unsigned int len,
			    kad_tag peer);

/* The entry of bucket @b seen longest ago, neighbours aside; NULL if none. */
struct kad_entry *kad_table_stalest(const struct kad_table *t, unsigned int b);

/* Up to @max entries closest to @target, nearest first; how many. */
size_t kad_table_closest(const struct kad_table *t, const struct kad_id *target,
			 struct kad_entry **out, size_t max);

/*
 * Shortens @path (to the node whose tag is @dst_tag) in place with what
 * the table knows: cuts loops and any return through this node, stops at
 * the destination's first appearance, and splices it at the node on it
 * that gives the shortest whole, a node on any path of the table (via.h).
 * Returns the new length (0: no usable path).
 */
uint8_t kad_table_shorten(struct kad_table *t, kad_tag *path, unsigned int len,
			  kad_tag dst_tag);

#endif /* VCOYO_KAD_TABLE_H */
