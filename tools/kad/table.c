// SPDX-License-Identifier: GPL-2.0
/*
 * The routing table: k-buckets over the 512-bit XOR metric.
 *
 * Bucket i holds the nodes whose ID first differs from this node's at bit
 * i, at most k of them, as in Kademlia.  Neighbours (nodes over one of this
 * node's own links) are kept in their buckets too, beyond the k: they cost
 * nothing to reach and anchor every path.  Each entry carries the path to
 * its node, a chain of hop tags.  The table indexes the entries by tag,
 * and every node on their paths by the shortest prefix that reaches it
 * (via.h): a path learned from another node can then be shortened through
 * any node this one already knows a shorter way to.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"
#include "wire.h"

kad_tag kad_tag_of(const struct kad_id *id)
{
	return kad_wire_tag(id->b);
}

unsigned int kad_common_prefix(const struct kad_id *a, const struct kad_id *b)
{
	for (unsigned int i = 0; i < KAD_ID_LEN; i++) {
		uint8_t x = a->b[i] ^ b->b[i];

		if (x)
			return i * 8 + (unsigned int)__builtin_clz(x) - 24;
	}
	return KAD_ID_BITS;
}

int kad_cmp_distance(const struct kad_id *target, const struct kad_id *a,
		     const struct kad_id *b)
{
	for (unsigned int i = 0; i < KAD_ID_LEN; i++) {
		uint8_t da = a->b[i] ^ target->b[i], db = b->b[i] ^ target->b[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

static size_t tag_slot(const struct kad_table *t, kad_tag tag)
{
	/* Tags are uniform already (hash output): mix only to spread low bits. */
	return (size_t)((tag * 0x9e3779b97f4a7c15ULL) >> 32) & (t->index_size - 1);
}

int kad_table_init(struct kad_table *t, const struct kad_id *self, unsigned int k)
{
	memset(t, 0, sizeof(*t));
	t->self = *self;
	t->self_tag = kad_tag_of(self);
	t->k = k;
	t->index_size = 64;
	t->index = calloc(t->index_size, sizeof(*t->index));
	kad_via_init(&t->via);
	return t->index ? 0 : -ENOMEM;
}

static void entry_free(struct kad_entry *e)
{
	free(e->path);
	free(e);
}

void kad_table_destroy(struct kad_table *t)
{
	for (unsigned int b = 0; b < KAD_ID_BITS; b++) {
		struct kad_bucket *bk = t->bucket[b];

		if (!bk)
			continue;
		for (unsigned int i = 0; i < bk->count; i++)
			entry_free(bk->entries[i]);
		free(bk->entries);
		free(bk->spare_path);
		free(bk);
	}
	free(t->index);
	kad_via_destroy(&t->via);
	memset(t, 0, sizeof(*t));
}

unsigned int kad_table_bucket_of(const struct kad_table *t, const struct kad_id *id)
{
	return kad_common_prefix(&t->self, id);
}

struct kad_bucket *kad_table_bucket(struct kad_table *t, unsigned int b)
{
	if (!t->bucket[b]) {
		t->bucket[b] = calloc(1, sizeof(*t->bucket[b]));
		if (t->bucket[b] && b > t->top)
			t->top = b;
	}
	return t->bucket[b];
}

static bool is_neighbour(const struct kad_table *t, kad_tag tag)
{
	const struct kad_entry *e;

	for (e = t->index[tag_slot(t, tag)]; e; e = e->tag_next)
		if (e->tag == tag && e->neighbour)
			return true;
	return false;
}

struct kad_entry *kad_table_find(const struct kad_table *t, const struct kad_id *id)
{
	kad_tag tag = kad_tag_of(id);
	struct kad_entry *e;

	for (e = t->index[tag_slot(t, tag)]; e; e = e->tag_next)
		if (e->tag == tag && !memcmp(&e->id, id, sizeof(*id)))
			return e;
	return NULL;
}

static int index_grow(struct kad_table *t)
{
	size_t old_size = t->index_size;
	struct kad_entry **old = t->index;

	t->index = calloc(old_size * 2, sizeof(*t->index));
	if (!t->index) {
		t->index = old;
		return -ENOMEM;
	}
	t->index_size = old_size * 2;
	for (size_t i = 0; i < old_size; i++) {
		struct kad_entry *e, *next;

		for (e = old[i]; e; e = next) {
			size_t s = tag_slot(t, e->tag);

			next = e->tag_next;
			e->tag_next = t->index[s];
			t->index[s] = e;
		}
	}
	free(old);
	return 0;
}

static int set_path(struct kad_entry *e, const kad_tag *path, uint8_t path_len)
{
	kad_tag *p = malloc((size_t)path_len * sizeof(*p));

	if (!p)
		return -ENOMEM;
	memcpy(p, path, (size_t)path_len * sizeof(*p));
	free(e->path);
	e->path = p;
	e->path_len = path_len;
	return 0;
}

int kad_table_set_path(struct kad_table *t, struct kad_entry *e, const kad_tag *path,
		       uint8_t path_len)
{
	int err = set_path(e, path, path_len);

	/* The index may point into the old path. */
	if (!err)
		t->via_stale = true;
	return err;
}

/* Whether @e's path may lend its prefixes: nothing says it broke. */
static bool lends(const struct kad_entry *e)
{
	return !e->fails && !e->doubted;
}

/*
 * Refills the via index from the entries if a path it refers to went, or
 * an entry stopped or started lending.
 */
static void via_fresh(struct kad_table *t)
{
	if (!t->via_stale)
		return;
	kad_via_clear(&t->via);
	for (unsigned int b = 0; b <= t->top; b++) {
		const struct kad_bucket *bk = t->bucket[b];

		for (unsigned int i = 0; bk && i < bk->count; i++) {
			const struct kad_entry *e = bk->entries[i];

			if (lends(e))
				kad_via_note(&t->via, e, e->path, e->path_len, t->self_tag);
		}
	}
	t->via_stale = false;
}

void kad_table_doubt(struct kad_table *t, struct kad_entry *e, bool fail)
{
	if (lends(e))
		t->via_stale = true;
	if (fail && e->fails < UINT8_MAX)
		e->fails++;
	else if (!fail)
		e->doubted = true;
}

void kad_table_trust(struct kad_table *t, struct kad_entry *e)
{
	bool was = lends(e);

	e->fails = 0;
	e->doubted = false;
	if (!was && !t->via_stale)
		kad_via_note(&t->via, e, e->path, e->path_len, t->self_tag);
}

void kad_table_doubt_prefix(struct kad_table *t, const kad_tag *path, unsigned int len,
			    kad_tag peer)
{
	unsigned int m = 0;

	via_fresh(t);
	/* How much of @path is a prefix the index holds: what a splice took. */
	for (unsigned int j = len; j > 0 && !m; j--) {
		const struct kad_entry *e;

		if (kad_via_find(&t->via, path[j - 1], &e) == j &&
		    !memcmp(e->path, path, j * sizeof(*path)))
			m = j;
	}
	/* Only a neighbour in common: nothing was spliced on. */
	if (m < 2)
		return;
	for (unsigned int b = 0; b <= t->top; b++) {
		struct kad_bucket *bk = t->bucket[b];

		for (unsigned int i = 0; bk && i < bk->count; i++) {
			struct kad_entry *e = bk->entries[i];

			if (!e->neighbour && e->tag != peer && lends(e) && e->path_len >= m &&
			    !memcmp(e->path, path, m * sizeof(*path)))
				kad_table_doubt(t, e, false);
		}
	}
}

struct kad_entry *kad_table_add(struct kad_table *t, const struct kad_id *id,
				const kad_tag *path, uint8_t path_len, bool neighbour,
				uint64_t now)
{
	unsigned int b = kad_table_bucket_of(t, id);
	struct kad_bucket *bk;
	struct kad_entry *e;
	size_t s;

	if (b >= KAD_ID_BITS || !path_len)
		return NULL;
	bk = kad_table_bucket(t, b);
	if (!bk)
		return NULL;
	if (!neighbour && bk->others >= t->k)
		return NULL;
	if (t->count >= t->index_size && index_grow(t))
		return NULL;
	if (bk->count == bk->cap) {
		unsigned int cap = bk->cap ? bk->cap * 2 : 4;
		struct kad_entry **n = realloc(bk->entries, cap * sizeof(*n));

		if (!n)
			return NULL;
		bk->entries = n;
		bk->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e || set_path(e, path, path_len)) {
		free(e);
		return NULL;
	}
	e->id = *id;
	e->tag = kad_tag_of(id);
	e->neighbour = neighbour;
	e->last_seen = now;
	e->path_seen = now;
	bk->entries[bk->count++] = e;
	if (!neighbour)
		bk->others++;
	s = tag_slot(t, e->tag);
	e->tag_next = t->index[s];
	t->index[s] = e;
	t->count++;
	/* A stale index gets this entry when it is refilled. */
	if (!t->via_stale)
		kad_via_note(&t->via, e, e->path, e->path_len, t->self_tag);
	return e;
}

void kad_table_remove(struct kad_table *t, struct kad_entry *e)
{
	struct kad_bucket *bk = t->bucket[kad_table_bucket_of(t, &e->id)];
	struct kad_entry **pp;

	for (unsigned int i = 0; i < bk->count; i++) {
		if (bk->entries[i] == e) {
			bk->entries[i] = bk->entries[--bk->count];
			break;
		}
	}
	if (!e->neighbour)
		bk->others--;
	for (pp = &t->index[tag_slot(t, e->tag)]; *pp; pp = &(*pp)->tag_next) {
		if (*pp == e) {
			*pp = e->tag_next;
			break;
		}
	}
	t->count--;
	entry_free(e);
	t->via_stale = true;
}

struct kad_entry *kad_table_stalest(const struct kad_table *t, unsigned int b)
{
	const struct kad_bucket *bk = t->bucket[b];
	struct kad_entry *best = NULL;

	if (!bk)
		return NULL;
	for (unsigned int i = 0; i < bk->count; i++) {
		struct kad_entry *e = bk->entries[i];

		if (!e->neighbour && (!best || e->last_seen < best->last_seen))
			best = e;
	}
	return best;
}

static int cmp_entry(const void *a, const void *b, void *target)
{
	const struct kad_entry *ea = *(struct kad_entry *const *)a;
	const struct kad_entry *eb = *(struct kad_entry *const *)b;

	return kad_cmp_distance(target, &ea->id, &eb->id);
}

/*
 * Appends bucket @b to out[*n...], growing nothing: the caller sized it.
 */
static void take_bucket(const struct kad_table *t, unsigned int b, struct kad_entry **out,
			size_t *n)
{
	const struct kad_bucket *bk = t->bucket[b];

	for (unsigned int i = 0; bk && i < bk->count; i++)
		out[(*n)++] = bk->entries[i];
}

static void sort_from(struct kad_entry **out, size_t from, size_t n, const struct kad_id *target)
{
	qsort_r(out + from, n - from, sizeof(*out), cmp_entry, (void *)target);
}

/*
 * For a target whose ID first differs from ours at bit c, XOR distance
 * orders the buckets in groups: bucket c is nearest (its nodes agree with
 * the target at bit c), then all buckets beyond c together (they differ
 * from the target first at bit c, and are ordered by later bits), then
 * c-1, c-2, ... down to 0, each further than the one before.  So only the
 * groups needed are gathered, each sorted on its own.
 */
size_t kad_table_closest(const struct kad_table *t, const struct kad_id *target,
			 struct kad_entry **out, size_t max)
{
	unsigned int c = kad_common_prefix(&t->self, target);
	struct kad_entry **tmp;
	size_t n = 0, from, total = t->count;

	if (!max || !total)
		return 0;
	tmp = malloc(total * sizeof(*tmp));
	if (!tmp)
		return 0;
	if (c < KAD_ID_BITS) {
		take_bucket(t, c, tmp, &n);
		sort_from(tmp, 0, n, target);
	}
	from = n;
	if (n < max) {
		for (unsigned int b = c + 1; b <= t->top; b++)
			take_bucket(t, b, tmp, &n);
		sort_from(tmp, from, n, target);
	}
	for (unsigned int b = c < KAD_ID_BITS ? c : KAD_ID_BITS; b-- > 0 && n < max;) {
		from = n;
		take_bucket(t, b, tmp, &n);
		sort_from(tmp, from, n, target);
	}
	if (n > max)
		n = max;
	memcpy(out, tmp, n * sizeof(*out));
	free(tmp);
	return n;
}

/*
 * The simple cuts: stop at the destination's first appearance, start again
 * after the last return through this node, and pass a node seen twice only
 * once.  The new length; 0 if the path does not reach the destination.
 *
 * One pass, with an open-addressed map from tag to its place in the path
 * kept so far: a tag met again cuts the path back to its first place.  The
 * map is never cleared: a generation number retires a whole pass, and an
 * entry a cut left behind is stale when its place holds another tag.
 */
#define SEEN_SLOTS	1024		/* > 2 * KAD_PATH_MAX, a power of two */

static _Thread_local struct {
	kad_tag tag[SEEN_SLOTS];
	uint16_t pos[SEEN_SLOTS];
	uint32_t gen[SEEN_SLOTS];
	uint32_t cur;
} seen;

static unsigned int untangle(kad_tag self_tag, kad_tag *path, unsigned int len, kad_tag dst_tag)
{
	unsigned int out = 0;

	if (++seen.cur == 0) {
		memset(seen.gen, 0, sizeof(seen.gen));
		seen.cur = 1;
	}
	for (unsigned int i = 0; i < len; i++) {
		kad_tag tag = path[i];
		size_t slot = (size_t)((tag * 0x9e3779b97f4a7c15ULL) >> 54);

		if (tag == self_tag) {
			out = 0;
			continue;
		}
		while (seen.gen[slot] == seen.cur && seen.tag[slot] != tag)
			slot = (slot + 1) & (SEEN_SLOTS - 1);
		if (seen.gen[slot] == seen.cur && seen.pos[slot] < out &&
		    path[seen.pos[slot]] == tag) {
			/* Seen before: the loop since then goes. */
			out = seen.pos[slot] + 1;
		} else {
			seen.gen[slot] = seen.cur;
			seen.tag[slot] = tag;
			seen.pos[slot] = (uint16_t)out;
			path[out++] = tag;
		}
		if (tag == dst_tag)
			return out;
	}
	return 0;
}

uint8_t kad_table_shorten(struct kad_table *t, kad_tag *path, unsigned int len,
			  kad_tag dst_tag)
{
	unsigned int best_len, best_i, best_via = 0, i;
	const struct kad_entry *best_e = NULL;

	len = untangle(t->self_tag, path, len, dst_tag);
	via_fresh(t);
	/*
	 * A shortcut: a node on the path that some path of the table reaches
	 * in fewer hops than this path does.  The one that saves the most
	 * wins; since the index holds the shortest known way to each node,
	 * no second splice could save more.
	 */
	best_len = len;
	best_i = 0;
	/*
	 * A path that came back through this node starts after it, and its
	 * first hop need not be a neighbour (any more): then it must be
	 * spliced, or it is no path.
	 */
	if (len && !is_neighbour(t, path[0]))
		best_len = UINT_MAX;
	for (i = 0; i < len; i++) {
		const struct kad_entry *e;
		unsigned int via = kad_via_find(&t->via, path[i], &e);

		if (via && via + (len - i - 1) < best_len) {
			best_len = via + (len - i - 1);
			best_i = i;
			best_via = via;
			best_e = e;
		}
	}
	if (best_len == UINT_MAX)
		return 0;
	if (best_e) {
		kad_tag *tail = path + best_i + 1;
		unsigned int tail_len = len - best_i - 1;

		memmove(path + best_via, tail, tail_len * sizeof(*path));
		memcpy(path, best_e->path, best_via * sizeof(*path));
		/* The splice may have brought a node in twice. */
		len = untangle(t->self_tag, path, best_len, dst_tag);
	}
	return len > KAD_PATH_MAX ? 0 : (uint8_t)len;
}
