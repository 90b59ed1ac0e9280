// SPDX-License-Identifier: GPL-2.0
/*
 * One Kademlia node over a graph of links: queries, lookups, timers.
 *
 * Lookups are iterative, as in Kademlia: the node that wants a target asks
 * the nodes it knows nearest to it (alpha at a time) for the nodes they know
 * nearest to it, and goes on with the answers.  What differs is reach: a
 * node can only talk to nodes it knows a path to.  An answer names each
 * node with the answering node's path to it; the asker joins its own path
 * to the answering node and that one, then shortens the result through
 * any node on a path it already knows (kad_table_shorten).  Only nodes that
 * answered, or asked, enter the table, so every path in it has carried a
 * message.
 *
 * A route lookup (a route miss) ends when the target itself answers: the
 * shortest path it answered along is the route, and the target is asked
 * again whenever an answer brings a shorter path to it.  A target in the
 * table, heard from within a refresh period, is answered at once.
 *
 * A query's deadline grows with its path (rpc_timeout), and a lookup's with
 * its slowest query's (lookup_allow).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "deadline.h"
#include "table.h"
#include "wire.h"

enum cand_state { CAND_NEW, CAND_ASKED, CAND_DONE, CAND_FAILED };

struct cand {
	struct kad_id id;
	uint8_t state;
	uint8_t depth;			/* queries in a row that led to it */
	uint8_t path_len;
	kad_tag *path;
};

struct lookup {
	struct kad_deadline dl;		/* first: the list's entries are lookups */
	struct kad_id target;
	kad_tag target_tag;
	bool route;			/* a route miss, to be answered */
	uint64_t cookie;
	uint64_t started;
	unsigned int inflight, rpcs;
	struct cand *c;			/* nearest first */
	size_t n, cap;
	/*
	 * A route lookup asks the target again whenever an answer brings a
	 * shorter path to it than the one it was asked along, and answers with
	 * the shortest path the target answered along.
	 */
	uint8_t asked_len;		/* the shortest path the target was asked along */
	uint8_t got_len, got_depth;	/* the shortest it answered along, 0 if none */
	kad_tag *got;
	/* The shortest other path heard of, to ask if those asked all fail. */
	uint8_t alt_len, alt_depth;
	kad_tag *alt;
};

struct rpc {
	struct kad_deadline dl;		/* first: the list's entries are queries */
	uint32_t txid;
	uint8_t type;
	struct kad_id peer;
	struct lookup *lookup;		/* a lookup's query, or NULL */
	uint8_t path_len;
	kad_tag path[];
};

struct out {
	struct out *next;
	enum kad_out_type type;
	struct kad_id peer;
	uint64_t cookie;
	unsigned int rounds, rpcs;
	uint8_t path_len;
	size_t len;
	kad_tag *path;
	uint8_t *msg;
};

/*
 * A neighbour whose link went down is presumed gone, with every path
 * through it, until it is heard from again or a refresh period passes:
 * the other nodes learn of its departure only as their queries fail, and
 * until then they keep answering with paths through it.
 */
#define GONE_MAX 8

struct gone {
	kad_tag tag;
	uint64_t until;			/* 0: the slot is free */
};

struct kad_node {
	struct kad_config cfg;
	struct kad_table table;
	struct gone gone[GONE_MAX];
	uint64_t rng;
	uint64_t now;
	bool bootstrap;			/* a self lookup is due */
	uint64_t next_refresh;
	struct kad_deadlines rpcs, lookups;
	struct out *out_head, *out_tail;
	struct kad_stats stats;
	uint8_t buf[KAD_MSG_MAX];
};

void kad_config_default(struct kad_config *cfg)
{
	cfg->k = 20;
	cfg->alpha = 3;
	cfg->rpc_timeout_ms = 1500;
	cfg->rpc_hop_ms = 40;
	cfg->lookup_timeout_ms = 4000;
	cfg->refresh_ms = 60000;
	cfg->max_fails = 2;
	cfg->path_max = KAD_PATH_MAX;
}

/* xorshift64*: the node's choices need to be reproducible, not secret. */
static uint64_t rnd(struct kad_node *node)
{
	node->rng ^= node->rng >> 12;
	node->rng ^= node->rng << 25;
	node->rng ^= node->rng >> 27;
	return node->rng * 0x2545f4914f6cdd1dULL;
}

struct kad_node *kad_new(const struct kad_id *self, const struct kad_config *cfg,
			 uint64_t seed, uint64_t now_ms)
{
	struct kad_node *node = calloc(1, sizeof(*node));

	if (!node)
		return NULL;
	node->cfg = *cfg;
	if (!node->cfg.k)
		node->cfg.k = 1;
	if (!node->cfg.alpha)
		node->cfg.alpha = 1;
	if (!node->cfg.max_fails)
		node->cfg.max_fails = 1;
	if (!node->cfg.path_max || node->cfg.path_max > KAD_PATH_MAX)
		node->cfg.path_max = KAD_PATH_MAX;
	if (kad_table_init(&node->table, self, node->cfg.k)) {
		free(node);
		return NULL;
	}
	node->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	node->now = now_ms;
	node->next_refresh = UINT64_MAX;
	return node;
}

/* ---- Outputs ---- */

static struct out *out_push(struct kad_node *node, enum kad_out_type type,
			    const struct kad_id *peer, const kad_tag *path, uint8_t path_len,
			    const uint8_t *msg, size_t len)
{
	struct out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->path = malloc((size_t)path_len * sizeof(*path) + 1);
	o->msg = malloc(len + 1);
	if (!o->path || !o->msg) {
		free(o->path);
		free(o->msg);
		free(o);
		return NULL;
	}
	o->type = type;
	o->peer = *peer;
	o->path_len = path_len;
	memcpy(o->path, path, (size_t)path_len * sizeof(*path));
	o->len = len;
	memcpy(o->msg, msg, len);
	if (node->out_tail)
		node->out_tail->next = o;
	else
		node->out_head = o;
	node->out_tail = o;
	return o;
}

bool kad_poll(struct kad_node *node, struct kad_out *out)
{
	struct out *o = node->out_head;

	if (!o)
		return false;
	node->out_head = o->next;
	if (!node->out_head)
		node->out_tail = NULL;
	out->type = o->type;
	out->peer = o->peer;
	out->cookie = o->cookie;
	out->rounds = o->rounds;
	out->rpcs = o->rpcs;
	out->path.len = o->path_len;
	memcpy(out->path.hop, o->path, (size_t)o->path_len * sizeof(*o->path));
	out->len = o->len;
	memcpy(out->msg, o->msg, o->len);
	free(o->path);
	free(o->msg);
	free(o);
	return true;
}

static void send_msg(struct kad_node *node, const struct kad_id *peer, const kad_tag *path,
		     uint8_t path_len, size_t len)
{
	if (!out_push(node, KAD_OUT_SEND, peer, path, path_len, node->buf, len))
		return;
	node->stats.msgs_sent++;
	node->stats.bytes_sent += len;
}

/* ---- Queries and their timeouts ---- */

/* The entries of the lists, from their first member. */
static struct rpc *rpc_of(struct kad_deadline *d)
{
	return (struct rpc *)d;
}

static struct lookup *lookup_of(struct kad_deadline *d)
{
	return (struct lookup *)d;
}

static struct rpc *rpc_find(struct kad_node *node, uint32_t txid, const struct kad_id *peer)
{
	for (struct kad_deadline *d = node->rpcs.head; d; d = d->next) {
		struct rpc *r = rpc_of(d);

		if (r->txid == txid && !memcmp(&r->peer, peer, sizeof(*peer)))
			return r;
	}
	return NULL;
}

/*
 * How long a query along @hops hops may wait for its answer.  The answer
 * crosses the path twice, so on a long path the round trip outgrows any
 * fixed timeout: rpc_hop_ms per hop then takes over.  Short paths keep
 * rpc_timeout_ms, which vcoyod sizes below the kernel's miss timeout.
 */
static uint64_t rpc_timeout(const struct kad_node *node, unsigned int hops)
{
	uint64_t per_hop = (uint64_t)hops * node->cfg.rpc_hop_ms;

	return per_hop > node->cfg.rpc_timeout_ms ? per_hop : node->cfg.rpc_timeout_ms;
}

/*
 * A lookup takes a few rounds of queries; when one of its queries gets
 * more time for a long path, the lookup gets as many times more.
 */
static void lookup_allow(struct kad_node *node, struct lookup *lk, uint64_t rpc_ms)
{
	uint64_t at;

	if (rpc_ms <= node->cfg.rpc_timeout_ms || !node->cfg.rpc_timeout_ms)
		return;
	at = lk->started + node->cfg.lookup_timeout_ms * rpc_ms / node->cfg.rpc_timeout_ms;
	if (at <= lk->dl.at)
		return;
	kad_deadline_unlink(&node->lookups, &lk->dl);
	kad_deadline_insert(&node->lookups, &lk->dl, at);
}

/* Sends a PING or FIND_NODE to @peer along @path and waits for the answer. */
static bool query(struct kad_node *node, uint8_t type, const struct kad_id *peer,
		  const kad_tag *path, uint8_t path_len, const struct kad_id *target,
		  struct lookup *lk)
{
	struct rpc *r = malloc(sizeof(*r) + (size_t)path_len * sizeof(*path));
	uint64_t timeout;
	size_t len;

	if (!r)
		return false;
	r->txid = (uint32_t)rnd(node);
	r->type = type;
	r->peer = *peer;
	r->lookup = lk;
	r->path_len = path_len;
	memcpy(r->path, path, (size_t)path_len * sizeof(*path));
	timeout = rpc_timeout(node, path_len);
	kad_deadline_insert(&node->rpcs, &r->dl, node->now + timeout);
	if (lk)
		lookup_allow(node, lk, timeout);

	len = kad_wire_request(node->buf, type, r->txid, path, path_len, target);
	send_msg(node, peer, path, path_len, len);
	node->stats.rpcs_sent++;
	return true;
}

/* ---- Neighbours presumed gone ---- */

static void gone_add(struct kad_node *node, kad_tag tag)
{
	struct gone *slot = &node->gone[0];

	/* The same one again, a free slot, or else the one that expires first. */
	for (unsigned int i = 0; i < GONE_MAX; i++) {
		struct gone *g = &node->gone[i];

		if (g->until && g->tag == tag) {
			slot = g;
			break;
		}
		if (g->until < slot->until)
			slot = g;
	}
	slot->tag = tag;
	slot->until = node->now + node->cfg.refresh_ms;
}

static void gone_clear(struct kad_node *node, kad_tag tag)
{
	for (unsigned int i = 0; i < GONE_MAX; i++)
		if (node->gone[i].until && node->gone[i].tag == tag)
			node->gone[i].until = 0;
}

/* Whether @path goes through, or to, a node presumed gone. */
static bool through_gone(const struct kad_node *node, const kad_tag *path, unsigned int len)
{
	for (unsigned int i = 0; i < GONE_MAX; i++) {
		const struct gone *g = &node->gone[i];

		if (!g->until || g->until <= node->now)
			continue;
		for (unsigned int h = 0; h < len; h++)
			if (path[h] == g->tag)
				return true;
	}
	return false;
}

/* ---- The table, as messages teach it ---- */

/* Entries whose path goes through @tag (not to it) are in doubt. */
static void doubt_paths_through(struct kad_node *node, kad_tag tag)
{
	struct kad_table *t = &node->table;

	for (unsigned int b = 0; b <= t->top; b++) {
		struct kad_bucket *bk = t->bucket[b];

		for (unsigned int i = 0; bk && i < bk->count; i++) {
			struct kad_entry *e = bk->entries[i];

			for (unsigned int h = 0; h + 1 < e->path_len; h++) {
				if (e->path[h] == tag) {
					kad_table_doubt(t, e, true);
					break;
				}
			}
		}
	}
}

/* The bucket's spare takes the place of an evicted entry. */
static void take_spare(struct kad_node *node, unsigned int b)
{
	struct kad_bucket *bk = node->table.bucket[b];

	if (!bk || !bk->has_spare)
		return;
	bk->has_spare = false;
	kad_table_add(&node->table, &bk->spare, bk->spare_path, bk->spare_len, false, node->now);
}

static void evict(struct kad_node *node, struct kad_entry *e)
{
	unsigned int b = kad_table_bucket_of(&node->table, &e->id);
	kad_tag tag = e->tag;

	kad_table_remove(&node->table, e);
	node->stats.evictions++;
	doubt_paths_through(node, tag);
	take_spare(node, b);
}

/*
 * A query along @path to @peer failed.  If the path began with part of
 * other entries' paths, spliced on when it was shortened, that part may be
 * what broke: it is no longer spliced on until those nodes answer again.
 * Without this, every lookup would splice onto the same broken prefix.
 */
static void doubt_prefix(struct kad_node *node, const kad_tag *path, uint8_t len,
			 const struct kad_id *peer)
{
	kad_table_doubt_prefix(&node->table, path, len, kad_tag_of(peer));
}

/*
 * @id answered, or asked, along @path: it is alive and @path works.  A full
 * bucket keeps its nodes, as Kademlia does (long-lived nodes stay), unless
 * one of them has stopped answering; the least recently seen is pinged and
 * the newcomer waits as the bucket's spare.
 */
static void contact(struct kad_node *node, const struct kad_id *id, const kad_tag *path,
		    uint8_t path_len)
{
	struct kad_table *t = &node->table;
	struct kad_entry *e = kad_table_find(t, id);
	struct kad_bucket *bk;
	unsigned int b;

	/* Whoever answered, and every node on the way, is there after all. */
	gone_clear(node, kad_tag_of(id));
	for (unsigned int h = 0; h + 1 < path_len; h++)
		gone_clear(node, path[h]);
	if (e) {
		bool same = path_len == e->path_len &&
			    !memcmp(path, e->path, (size_t)path_len * sizeof(*path));

		e->last_seen = node->now;
		kad_table_trust(t, e);
		e->pinged = false;
		/*
		 * A shorter path is taken; so is one that works when the
		 * entry's own has carried nothing for a refresh period, for
		 * that one may go through a node that left.
		 */
		if (same)
			e->path_seen = node->now;
		else if (!e->neighbour &&
			 (path_len < e->path_len ||
			  node->now - e->path_seen >= node->cfg.refresh_ms) &&
			 !kad_table_set_path(t, e, path, path_len))
			e->path_seen = node->now;
		return;
	}
	if (kad_table_add(t, id, path, path_len, false, node->now))
		return;
	b = kad_table_bucket_of(t, id);
	bk = kad_table_bucket(t, b);
	if (!bk)
		return;
	/* One that stopped answering makes room at once. */
	for (unsigned int i = 0; i < bk->count; i++) {
		e = bk->entries[i];
		if (!e->neighbour && e->fails) {
			kad_table_remove(t, e);
			node->stats.evictions++;
			kad_table_add(t, id, path, path_len, false, node->now);
			return;
		}
	}
	e = kad_table_stalest(t, b);
	if (!e || e->pinged)
		return;
	kad_tag *sp = realloc(bk->spare_path, (size_t)path_len * sizeof(*sp) + 1);

	if (!sp)
		return;
	bk->spare_path = sp;
	memcpy(sp, path, (size_t)path_len * sizeof(*sp));
	bk->spare_len = path_len;
	bk->spare = *id;
	bk->has_spare = true;
	e->pinged = true;
	query(node, KAD_MSG_PING, &e->id, e->path, e->path_len, NULL, NULL);
}

/* ---- Lookups ---- */

static void lookup_free(struct kad_node *node, struct lookup *lk)
{
	for (struct kad_deadline *d = node->rpcs.head; d; d = d->next)
		if (rpc_of(d)->lookup == lk)
			rpc_of(d)->lookup = NULL;
	kad_deadline_unlink(&node->lookups, &lk->dl);
	for (size_t i = 0; i < lk->n; i++)
		free(lk->c[i].path);
	free(lk->c);
	free(lk->got);
	free(lk->alt);
	free(lk);
}

static unsigned int lookup_rounds(const struct lookup *lk)
{
	unsigned int rounds = 0;

	for (size_t i = 0; i < lk->n; i++)
		if (lk->c[i].state == CAND_DONE && lk->c[i].depth > rounds)
			rounds = lk->c[i].depth;
	return rounds;
}

static void answer(struct kad_node *node, enum kad_out_type type, const struct kad_id *target,
		   const kad_tag *path, uint8_t path_len, uint64_t cookie, unsigned int rounds,
		   unsigned int rpcs)
{
	struct out *o = out_push(node, type, target, path, path_len, NULL, 0);

	if (!o)
		return;
	o->cookie = cookie;
	o->rounds = rounds;
	o->rpcs = rpcs;
}

/* The lookup is over: a route lookup answers, with a route if the target answered. */
static void lookup_finish(struct kad_node *node, struct lookup *lk)
{
	unsigned int rounds = lk->got_len ? lk->got_depth : lookup_rounds(lk);

	node->stats.lookup_rounds += rounds;
	if (lk->got_len) {
		node->stats.lookups_found++;
		answer(node, KAD_OUT_ROUTE, &lk->target, lk->got, lk->got_len, lk->cookie,
		       rounds, lk->rpcs);
	} else {
		node->stats.lookups_failed++;
		if (lk->route)
			answer(node, KAD_OUT_UNREACHABLE, &lk->target, NULL, 0, lk->cookie, rounds,
			       lk->rpcs);
	}
	lookup_free(node, lk);
}

static struct cand *cand_find(struct lookup *lk, const struct kad_id *id)
{
	for (size_t i = 0; i < lk->n; i++)
		if (!memcmp(&lk->c[i].id, id, sizeof(*id)))
			return &lk->c[i];
	return NULL;
}

/* How many candidates a lookup keeps: enough for k answers past failures. */
static size_t shortlist_max(const struct kad_node *node)
{
	return (size_t)node->cfg.k * 3;
}

/*
 * Adds @id at @path to the shortlist, in distance order, or gives a known
 * candidate not yet asked a shorter path.
 */
static void cand_add(struct kad_node *node, struct lookup *lk, const struct kad_id *id,
		     const kad_tag *path, uint8_t path_len, uint8_t depth)
{
	struct cand *c = cand_find(lk, id);
	size_t pos, max = shortlist_max(node);
	kad_tag *p;

	if (c) {
		if (c->state == CAND_NEW && path_len < c->path_len) {
			p = realloc(c->path, (size_t)path_len * sizeof(*p));
			if (p) {
				memcpy(p, path, (size_t)path_len * sizeof(*p));
				c->path = p;
				c->path_len = path_len;
				c->depth = depth;
			}
		}
		return;
	}
	for (pos = lk->n; pos > 0; pos--)
		if (kad_cmp_distance(&lk->target, &lk->c[pos - 1].id, id) < 0)
			break;
	if (pos >= max)
		return;
	if (lk->n == max) {
		/* The farthest goes, unless a query to it is out. */
		if (lk->c[lk->n - 1].state == CAND_ASKED)
			return;
		free(lk->c[--lk->n].path);
	}
	if (lk->n == lk->cap) {
		size_t cap = lk->cap ? lk->cap * 2 : 8;
		struct cand *n = realloc(lk->c, cap * sizeof(*n));

		if (!n)
			return;
		lk->c = n;
		lk->cap = cap;
	}
	p = malloc((size_t)path_len * sizeof(*p) + 1);
	if (!p)
		return;
	memcpy(p, path, (size_t)path_len * sizeof(*p));
	memmove(lk->c + pos + 1, lk->c + pos, (lk->n - pos) * sizeof(*lk->c));
	lk->n++;
	c = &lk->c[pos];
	memset(c, 0, sizeof(*c));
	c->id = *id;
	c->path = p;
	c->path_len = path_len;
	c->depth = depth;
	c->state = CAND_NEW;
}

static bool is_target(const struct lookup *lk, const struct kad_id *id)
{
	return lk->route && !memcmp(id, &lk->target, sizeof(*id));
}

static void ask(struct kad_node *node, struct lookup *lk, struct cand *c)
{
	if (!query(node, KAD_MSG_FIND_NODE, &c->id, c->path, c->path_len, &lk->target, lk)) {
		c->state = CAND_FAILED;
		return;
	}
	c->state = CAND_ASKED;
	lk->inflight++;
	lk->rpcs++;
	if (is_target(lk, &c->id))
		lk->asked_len = c->path_len;
}

/*
 * Asks the nearest candidates not yet asked, alpha at a time, and ends the
 * lookup once the k nearest that answer have all answered.  The target
 * itself, once known, is asked at once: its answer ends a route lookup.
 */
static void lookup_advance(struct kad_node *node, struct lookup *lk)
{
	unsigned int live = 0;
	bool waiting = false;

	for (size_t i = 0; i < lk->n && live < node->cfg.k; i++) {
		struct cand *c = &lk->c[i];

		if (c->state == CAND_FAILED)
			continue;
		live++;
		if (c->state == CAND_DONE)
			continue;
		if (c->state == CAND_NEW) {
			bool is_target = !memcmp(&c->id, &lk->target, sizeof(c->id));

			if (lk->inflight < node->cfg.alpha || is_target)
				ask(node, lk, c);
			if (c->state == CAND_FAILED) {
				live--;
				continue;
			}
		}
		waiting = true;
	}
	if (!waiting && !lk->inflight)
		lookup_finish(node, lk);
}

static struct lookup *lookup_start(struct kad_node *node, const struct kad_id *target,
				   bool route, uint64_t cookie)
{
	struct kad_entry **near;
	struct lookup *lk;
	size_t n;
	unsigned int b = kad_table_bucket_of(&node->table, target);

	node->stats.lookups_started++;
	if (b < KAD_ID_BITS) {
		struct kad_bucket *bk = kad_table_bucket(&node->table, b);

		/* A lookup into a bucket's range refreshes it, as in Kademlia. */
		if (bk)
			bk->refresh_at = node->now + node->cfg.refresh_ms;
	}
	lk = calloc(1, sizeof(*lk));
	near = malloc(node->cfg.k * sizeof(*near));
	if (!lk || !near) {
		free(lk);
		free(near);
		return NULL;
	}
	lk->target = *target;
	lk->target_tag = kad_tag_of(target);
	lk->route = route;
	lk->cookie = cookie;
	lk->started = node->now;
	kad_deadline_insert(&node->lookups, &lk->dl, node->now + node->cfg.lookup_timeout_ms);

	n = kad_table_closest(&node->table, target, near, node->cfg.k);
	for (size_t i = 0; i < n; i++)
		cand_add(node, lk, &near[i]->id, near[i]->path, near[i]->path_len, 1);
	free(near);
	lookup_advance(node, lk);
	return lk;
}

void kad_lookup(struct kad_node *node, const struct kad_id *target, uint64_t cookie,
		uint64_t now_ms)
{
	struct kad_entry *e;

	node->now = now_ms;
	if (!memcmp(target, &node->table.self, sizeof(*target))) {
		answer(node, KAD_OUT_UNREACHABLE, target, NULL, 0, cookie, 0, 0);
		return;
	}
	/*
	 * What the table knows is answered at once if it is fresh: a path
	 * that has not carried a message for a refresh period may go through
	 * a node that has left since, and nobody on it would say so.
	 */
	e = kad_table_find(&node->table, target);
	if (e && e->path_len <= node->cfg.path_max &&
	    (e->neighbour || now_ms - e->path_seen < node->cfg.refresh_ms)) {
		answer(node, KAD_OUT_ROUTE, target, e->path, e->path_len, cookie, 0, 0);
		return;
	}
	if (!lookup_start(node, target, true, cookie))
		answer(node, KAD_OUT_UNREACHABLE, target, NULL, 0, cookie, 0, 0);
}

/* ---- Messages ---- */

/*
 * A route lookup's target, asked already, comes with a path shorter than
 * any it was asked along: it is asked along this one too.  The route is
 * then still a path the target answered along, only a shorter one.
 */
static void ask_target_again(struct kad_node *node, struct lookup *lk, struct cand *c,
			     const kad_tag *path, uint8_t len, uint8_t depth)
{
	if (lk->asked_len && len >= lk->asked_len)
		return;
	if (!query(node, KAD_MSG_FIND_NODE, &c->id, path, len, &lk->target, lk))
		return;
	c->state = CAND_ASKED;
	c->depth = depth;
	lk->asked_len = len;
	lk->inflight++;
	lk->rpcs++;
}

/* Keeps @path in *@keep if it is shorter than what is there (*@keep_len). */
static bool keep_shorter(kad_tag **keep, uint8_t *keep_len, const kad_tag *path, uint8_t len)
{
	kad_tag *p;

	if (*keep_len && *keep_len <= len)
		return false;
	p = realloc(*keep, (size_t)len * sizeof(*p));
	if (!p)
		return false;
	memcpy(p, path, (size_t)len * sizeof(*p));
	*keep = p;
	*keep_len = len;
	return true;
}

/* Whether a query to @lk's target along fewer than @hops hops is out. */
static bool target_query_out(const struct kad_node *node, const struct lookup *lk,
			     unsigned int hops)
{
	for (const struct kad_deadline *d = node->rpcs.head; d; d = d->next) {
		const struct rpc *r = (const struct rpc *)d;

		if (r->lookup == lk && r->path_len < hops &&
		    !memcmp(&r->peer, &lk->target, sizeof(r->peer)))
			return true;
	}
	return false;
}

/*
 * Whether a route lookup has its answer: the target answered, and no query
 * to it along a shorter path than that is still out.
 */
static bool route_settled(const struct kad_node *node, const struct lookup *lk)
{
	return lk->got_len && !target_query_out(node, lk, lk->got_len);
}

/* The target answered along @path, for the route lookup @lk. */
static void target_answered(struct kad_node *node, struct lookup *lk, const struct cand *c,
			    const kad_tag *path, uint8_t len)
{
	if (keep_shorter(&lk->got, &lk->got_len, path, len))
		lk->got_depth = c->depth;
	if (route_settled(node, lk))
		lookup_finish(node, lk);
}

/*
 * A query to the route lookup's target along @path went unanswered.  If
 * every query to it has now failed, it is asked along the other path heard
 * of, if any: the first path may have gone through a node that left.
 */
static void target_failed(struct kad_node *node, struct lookup *lk, struct cand *c,
			  const kad_tag *path, uint8_t len)
{
	if (route_settled(node, lk)) {
		lookup_finish(node, lk);
		return;
	}
	if (!lk->got_len && !target_query_out(node, lk, UINT_MAX)) {
		bool same = lk->alt_len == len && !memcmp(lk->alt, path, (size_t)len * sizeof(*path));

		c->state = CAND_FAILED;
		if (lk->alt_len && !same) {
			lk->asked_len = 0;
			ask_target_again(node, lk, c, lk->alt, lk->alt_len, lk->alt_depth);
		}
		lk->alt_len = 0;
	}
	lookup_advance(node, lk);
}

/* The nodes of a NODES answer from @c join @lk's shortlist. */
static void merge_nodes(struct kad_node *node, struct lookup *lk, struct cand *c,
			const struct kad_msg *msg)
{
	const uint8_t *pos = msg->nodes;
	kad_tag base[KAD_PATH_MAX], path[2 * KAD_PATH_MAX];
	uint8_t depth = c->depth < UINT8_MAX ? c->depth + 1 : UINT8_MAX;
	uint8_t base_len = c->path_len;
	size_t max = shortlist_max(node);
	struct cand *have;

	/* Adding candidates moves them: @c is only valid until the first. */
	memcpy(base, c->path, (size_t)base_len * sizeof(*base));
	for (unsigned int i = 0; i < msg->count; i++) {
		struct kad_wire_node wn;
		unsigned int len;
		bool target;

		kad_wire_next_node(&pos, &wn);
		if (!memcmp(&wn.id, &node->table.self, sizeof(wn.id)))
			continue;
		/*
		 * Skip what could not change the shortlist before working on it;
		 * a route lookup's target, though, may come with a shorter path
		 * after it was asked, and is then asked again.
		 */
		target = is_target(lk, &wn.id);
		have = cand_find(lk, &wn.id);
		if (target ? lk->asked_len == 1 : have ? have->state != CAND_NEW || have->path_len <= 1 :
		    lk->n == max && kad_cmp_distance(&lk->target, &lk->c[lk->n - 1].id, &wn.id) < 0)
			continue;
		memcpy(path, base, (size_t)base_len * sizeof(*path));
		for (unsigned int h = 0; h < wn.path_len; h++)
			path[base_len + h] = kad_wire_tag(wn.path + 8 * h);
		len = kad_table_shorten(&node->table, path, base_len + wn.path_len,
					kad_tag_of(&wn.id));
		if (!len || len > node->cfg.path_max || through_gone(node, path, len))
			continue;
		if (target && have && have->state != CAND_NEW) {
			if (len < lk->asked_len)
				ask_target_again(node, lk, have, path, (uint8_t)len, depth);
			else if (keep_shorter(&lk->alt, &lk->alt_len, path, (uint8_t)len))
				lk->alt_depth = depth;
		} else
			cand_add(node, lk, &wn.id, path, (uint8_t)len, depth);
	}
}

static void on_answer(struct kad_node *node, const struct kad_id *from, const struct kad_msg *msg)
{
	struct rpc *r = rpc_find(node, msg->txid, from);
	struct lookup *lk;
	struct cand *c;

	/* Late, or not ours: its rpc is gone, and so is what it would tell. */
	if (!r || (msg->type == KAD_MSG_PONG) != (r->type == KAD_MSG_PING))
		return;
	kad_deadline_unlink(&node->rpcs, &r->dl);
	node->stats.rpcs_answered++;
	contact(node, from, r->path, r->path_len);
	lk = r->lookup;
	c = lk ? cand_find(lk, from) : NULL;
	if (lk)
		lk->inflight--;
	if (c) {
		c->state = CAND_DONE;
		/* The target's answer may end the lookup (and free it). */
		if (is_target(lk, from)) {
			target_answered(node, lk, c, r->path, r->path_len);
		} else {
			merge_nodes(node, lk, c, msg);
			lookup_advance(node, lk);
		}
	}
	free(r);
}

static void on_request(struct kad_node *node, const struct kad_id *from, const struct kad_msg *msg)
{
	kad_tag back[KAD_PATH_MAX];
	unsigned int n = msg->path_len;
	struct kad_entry *near[UINT8_MAX];
	struct kad_id target;
	size_t len, count;

	/* The way back is the way it came, reversed, ending at the asker. */
	for (unsigned int i = 0; i + 1 < n; i++)
		back[i] = kad_wire_tag(msg->path + 8 * (n - 2 - i));
	back[n - 1] = kad_tag_of(from);
	contact(node, from, back, (uint8_t)n);

	if (msg->type == KAD_MSG_PING) {
		len = kad_wire_pong(node->buf, msg->txid);
		send_msg(node, from, back, (uint8_t)n, len);
		return;
	}
	memcpy(target.b, msg->target, KAD_ID_LEN);
	count = kad_table_closest(&node->table, &target, near,
				  node->cfg.k < UINT8_MAX ? node->cfg.k : UINT8_MAX);
	len = kad_wire_nodes_start(node->buf, msg->txid);
	for (size_t i = 0; i < count; i++) {
		if (!memcmp(&near[i]->id, from, sizeof(*from)))
			continue;
		len = kad_wire_add_node(node->buf, len, &near[i]->id, near[i]->path,
					near[i]->path_len);
	}
	send_msg(node, from, back, (uint8_t)n, len);
}

int kad_receive(struct kad_node *node, const struct kad_id *from, const void *buf,
		size_t len, uint64_t now_ms)
{
	struct kad_msg msg;
	int err;

	node->now = now_ms;
	err = kad_wire_parse(&msg, buf, len);
	/* A request must have come along a path that ends here, from elsewhere. */
	if (!err && msg.path_len &&
	    (kad_wire_tag(msg.path + 8 * (msg.path_len - 1)) != node->table.self_tag ||
	     kad_tag_of(from) == node->table.self_tag))
		err = -EBADMSG;
	if (err) {
		node->stats.rx_malformed++;
		return err;
	}
	node->stats.msgs_received++;
	node->stats.bytes_received += len;
	if (msg.type == KAD_MSG_PING || msg.type == KAD_MSG_FIND_NODE)
		on_request(node, from, &msg);
	else
		on_answer(node, from, &msg);
	return 0;
}

/* ---- Links ---- */

void kad_link_up(struct kad_node *node, const struct kad_id *id, uint64_t now_ms)
{
	struct kad_entry *e = kad_table_find(&node->table, id);
	kad_tag tag = kad_tag_of(id);

	node->now = now_ms;
	if (!memcmp(id, &node->table.self, sizeof(*id)))
		return;
	if (e && e->neighbour)
		return;
	if (e)
		kad_table_remove(&node->table, e);
	gone_clear(node, tag);
	if (kad_table_add(&node->table, id, &tag, 1, true, now_ms))
		node->bootstrap = true;
}

void kad_link_down(struct kad_node *node, const struct kad_id *id, uint64_t now_ms)
{
	struct kad_table *t = &node->table;
	kad_tag tag = kad_tag_of(id);
	struct kad_entry *e = kad_table_find(t, id);

	node->now = now_ms;
	if (!e || !e->neighbour)
		return;
	kad_table_remove(t, e);
	gone_add(node, tag);
	/* Every path through it is gone with it, not only those that left by it. */
	for (unsigned int b = 0; b <= t->top; b++) {
		struct kad_bucket *bk = t->bucket[b];

		for (unsigned int i = 0; bk && i < bk->count;) {
			e = bk->entries[i];
			if (!e->neighbour && through_gone(node, e->path, e->path_len))
				kad_table_remove(t, e);
			else
				i++;
		}
	}
}

void kad_path_failed(struct kad_node *node, const struct kad_id *target,
		     const struct kad_path *path, uint64_t now_ms)
{
	struct kad_entry *e = kad_table_find(&node->table, target);

	node->now = now_ms;
	if (!path->len)
		return;
	doubt_prefix(node, path->hop, path->len, target);
	if (!e || e->neighbour || e->path_len != path->len ||
	    memcmp(e->path, path->hop, (size_t)path->len * sizeof(*e->path)))
		return;
	evict(node, e);
}

/* ---- Timers ---- */

static void expire_rpcs(struct kad_node *node)
{
	while (kad_deadline_first(&node->rpcs) <= node->now) {
		struct rpc *r = rpc_of(node->rpcs.head);
		struct kad_entry *e = kad_table_find(&node->table, &r->peer);
		struct lookup *lk = r->lookup;

		kad_deadline_unlink(&node->rpcs, &r->dl);
		node->stats.rpcs_timed_out++;
		doubt_prefix(node, r->path, r->path_len, &r->peer);
		if (e && !e->neighbour) {
			kad_table_doubt(&node->table, e, true);
			if (e->fails >= node->cfg.max_fails || r->type == KAD_MSG_PING)
				evict(node, e);
		}
		if (lk) {
			struct cand *c = cand_find(lk, &r->peer);

			lk->inflight--;
			if (c && is_target(lk, &r->peer)) {
				target_failed(node, lk, c, r->path, r->path_len);
			} else {
				if (c)
					c->state = CAND_FAILED;
				lookup_advance(node, lk);
			}
		}
		free(r);
	}
}

static void random_in_bucket(struct kad_node *node, unsigned int b, struct kad_id *id)
{
	for (unsigned int i = 0; i < KAD_ID_LEN; i += 8) {
		uint64_t v = rnd(node);

		memcpy(id->b + i, &v, 8);
	}
	/* The first b bits are ours, bit b is not, the rest is random. */
	for (unsigned int i = 0; i <= b; i++) {
		uint8_t mask = 0x80 >> (i % 8);
		uint8_t ours = node->table.self.b[i / 8] & mask;

		if (i == b)
			ours ^= mask;
		id->b[i / 8] = (id->b[i / 8] & ~mask) | ours;
	}
}

/*
 * Buckets up to the deepest one in use that no lookup visited for a refresh
 * period get a lookup of a random ID in their range; it finds the nodes
 * that joined, and its queries find those that left.
 */
static void refresh(struct kad_node *node)
{
	struct kad_table *t = &node->table;
	uint64_t next = UINT64_MAX;

	if (!t->count)
		return;
	for (unsigned int b = 0; b <= t->top; b++) {
		struct kad_bucket *bk = kad_table_bucket(t, b);
		struct kad_id target;

		if (!bk)
			continue;
		if (!bk->refresh_at) {
			/* Spread the first refreshes over a period. */
			bk->refresh_at = node->now + node->cfg.refresh_ms / 2 +
					 rnd(node) % (node->cfg.refresh_ms / 2 + 1);
		} else if (bk->refresh_at <= node->now) {
			/*
			 * The deepest bucket's refresh looks up this node itself:
			 * nodes nearest to it that joined, or were missed when it
			 * joined, learn of it and it of them.
			 */
			if (b == t->top)
				target = t->self;
			else
				random_in_bucket(node, b, &target);
			lookup_start(node, &target, false, 0);
			bk->refresh_at = node->now + node->cfg.refresh_ms -
					 rnd(node) % (node->cfg.refresh_ms / 4 + 1);
		}
		if (bk->refresh_at < next)
			next = bk->refresh_at;
	}
	node->next_refresh = next;
}

void kad_tick(struct kad_node *node, uint64_t now_ms)
{
	node->now = now_ms;
	expire_rpcs(node);
	while (kad_deadline_first(&node->lookups) <= now_ms)
		lookup_finish(node, lookup_of(node->lookups.head));
	if (node->bootstrap) {
		/* Joining: a lookup of itself finds the nodes nearest to it. */
		node->bootstrap = false;
		lookup_start(node, &node->table.self, false, 0);
		node->next_refresh = now_ms;
	}
	if (node->next_refresh <= now_ms)
		refresh(node);
}

uint64_t kad_next_timer(const struct kad_node *node)
{
	uint64_t next = node->next_refresh;

	if (node->bootstrap)
		return node->now;
	if (kad_deadline_first(&node->rpcs) < next)
		next = kad_deadline_first(&node->rpcs);
	if (kad_deadline_first(&node->lookups) < next)
		next = kad_deadline_first(&node->lookups);
	return next;
}

/* ---- Introspection ---- */

void kad_get_stats(const struct kad_node *node, struct kad_stats *stats)
{
	*stats = node->stats;
}

size_t kad_table_size(const struct kad_node *node)
{
	return node->table.count;
}

size_t kad_closest(const struct kad_node *node, const struct kad_id *target, size_t max,
		   struct kad_id *ids, struct kad_path *paths)
{
	struct kad_entry **near = malloc((max ? max : 1) * sizeof(*near));
	size_t n;

	if (!near)
		return 0;
	n = kad_table_closest(&node->table, target, near, max);
	for (size_t i = 0; i < n; i++) {
		if (ids)
			ids[i] = near[i]->id;
		if (paths) {
			paths[i].len = near[i]->path_len;
			memcpy(paths[i].hop, near[i]->path,
			       (size_t)near[i]->path_len * sizeof(*near[i]->path));
		}
	}
	free(near);
	return n;
}

bool kad_find(const struct kad_node *node, const struct kad_id *id, struct kad_path *path)
{
	const struct kad_entry *e = kad_table_find(&node->table, id);

	if (!e)
		return false;
	if (path) {
		path->len = e->path_len;
		memcpy(path->hop, e->path, (size_t)e->path_len * sizeof(*e->path));
	}
	return true;
}

void kad_free(struct kad_node *node)
{
	struct out *o;

	if (!node)
		return;
	while (node->lookups.head)
		lookup_free(node, lookup_of(node->lookups.head));
	while (node->rpcs.head) {
		struct rpc *r = rpc_of(node->rpcs.head);

		kad_deadline_unlink(&node->rpcs, &r->dl);
		free(r);
	}
	while ((o = node->out_head)) {
		node->out_head = o->next;
		free(o->path);
		free(o->msg);
		free(o);
	}
	kad_table_destroy(&node->table);
	free(node);
}
