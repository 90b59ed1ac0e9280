// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated network (net.h): carries messages, fires timers, and
 * drains every node's outputs after every input, as vcoyod does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

enum {
	EV_TIMER,		/* node's kad_tick(); arg: timer generation */
	EV_DELIVER,		/* kad_receive() at node; arg: sender; data: struct parcel */
	EV_PATH_FAILED,		/* kad_path_failed() at node; data: struct broken */
};

struct parcel {
	size_t len;
	uint8_t msg[];
};

struct broken {
	struct kad_id target;
	struct kad_path path;
};

/* Print this many invalid paths: enough to debug, not a flood. */
#define INVALID_SHOWN_MAX 5

int net_init(struct net *net, struct graph *g, const struct kad_config *cfg, uint64_t seed,
	     unsigned int hop_ms)
{
	struct rng ids;

	memset(net, 0, sizeof(*net));
	net->g = g;
	net->cfg = *cfg;
	net->seed = seed;
	net->hop_ms = hop_ms;
	net->feedback = true;
	evq_init(&net->q);
	rng_seed(&net->rng, rng_mix(seed ^ 0x6e6574));
	rng_seed(&ids, rng_mix(seed ^ 0x696473));
	net->nodes = calloc(g->cap, sizeof(*net->nodes));
	if (!net->nodes || tagmap_init(&net->tags, g->cap)) {
		net_free(net);
		return -1;
	}
	for (uint32_t u = 0; u < g->cap; u++) {
		struct sim_node *s = &net->nodes[u];

		/* Tags name hops, so they must be unique: draw again on the
		 * (2^-64-ish) chance of a repeat. */
		do {
			for (int i = 0; i < KAD_ID_LEN; i += 8) {
				uint64_t x = rng_next(&ids);

				memcpy(&s->id.b[i], &x, 8);
			}
		} while (tagmap_add(&net->tags, kad_tag_of(&s->id), u));
	}
	return 0;
}

void net_free(struct net *net)
{
	if (net->nodes && net->g)
		for (uint32_t u = 0; u < net->g->cap; u++)
			kad_free(net->nodes[u].kad);
	free(net->nodes);
	tagmap_free(&net->tags);
	evq_free(&net->q);
	net->nodes = NULL;
}

uint32_t net_index(const struct net *net, const struct kad_id *id)
{
	uint32_t u = tagmap_get(&net->tags, kad_tag_of(id));

	if (u == UINT32_MAX || memcmp(&net->nodes[u].id, id, sizeof(*id)))
		return UINT32_MAX;
	return u;
}

enum path_check net_check_path(const struct net *net, uint32_t from, const struct kad_path *p,
			       uint32_t to, unsigned int *bad)
{
	const struct graph *g = net->g;
	uint32_t prev = from, u = UINT32_MAX;

	if (!p->len || p->len > net->cfg.path_max)
		return PATH_INVALID;
	for (unsigned int i = 0; i < p->len; i++) {
		u = tagmap_get(&net->tags, p->hop[i]);
		if (u == UINT32_MAX || u >= g->n)
			return PATH_INVALID;
		/*
		 * A departed node explains any break; links between nodes
		 * that are both still there never go away, so a missing one
		 * is the library's invention.
		 */
		if (!g->alive[u]) {
			if (bad)
				*bad = i;
			return PATH_BROKEN;
		}
		if (!graph_adjacent(g, prev, u))
			return PATH_INVALID;
		prev = u;
	}
	if (u != to)
		return PATH_INVALID;
	if (!g->alive[to]) {
		if (bad)
			*bad = p->len - 1;
		return PATH_BROKEN;
	}
	return PATH_OK;
}

void net_path_failed_later(struct net *net, uint32_t node, const struct kad_id *target,
			   const struct kad_path *path, unsigned int bad)
{
	struct broken *b;

	if (!net->feedback)
		return;
	b = malloc(sizeof(*b));
	if (!b)
		abort();
	b->target = *target;
	b->path = *path;
	/* The set-up goes out to the break, its failure comes back. */
	evq_push(&net->q, net->now + 2ULL * (bad + 1) * net->hop_ms, EV_PATH_FAILED, node, 0, b);
}

static void show_invalid(struct net *net, uint32_t from, const struct kad_out *out)
{
	if (net->invalid_shown++ >= INVALID_SHOWN_MAX)
		return;
	fprintf(stderr, "vcoyo-sim: t=%" PRIu64 " ms: node %u (tag %016" PRIx64
		") sent %zu bytes to node %d (tag %016" PRIx64 ") along an invalid path of %u hops:",
		net->now, from, kad_tag_of(&net->nodes[from].id), out->len,
		(int)net_index(net, &out->peer), kad_tag_of(&out->peer), out->path.len);
	for (unsigned int i = 0; i < out->path.len; i++) {
		uint32_t u = tagmap_get(&net->tags, out->path.hop[i]);

		if (u == UINT32_MAX)
			fprintf(stderr, " ?%016" PRIx64, out->path.hop[i]);
		else
			fprintf(stderr, " %u", u);
	}
	fprintf(stderr, "\n");
}

static void send_msg(struct net *net, uint32_t from, const struct kad_out *out)
{
	uint32_t to = net_index(net, &out->peer);
	unsigned int bad = 0;
	enum path_check chk;
	struct parcel *p;
	uint64_t delay;

	net->c.sent++;
	net->c.bytes += out->len;
	chk = to == UINT32_MAX ? PATH_INVALID : net_check_path(net, from, &out->path, to, &bad);
	if (chk == PATH_INVALID) {
		net->c.invalid++;
		show_invalid(net, from, out);
		return;
	}
	if (chk == PATH_BROKEN) {
		net->c.broken++;
		net_path_failed_later(net, from, &out->peer, &out->path, bad);
		return;
	}
	net->c.link_msgs += out->path.len;
	p = malloc(sizeof(*p) + out->len);
	if (!p)
		abort();
	p->len = out->len;
	memcpy(p->msg, out->msg, out->len);
	delay = (uint64_t)out->path.len * net->hop_ms;
	delay += rng_below(&net->rng, delay / 10 + 1);
	evq_push(&net->q, net->now + delay, EV_DELIVER, to, from, p);
}

/* The node's timer event must fire no later than its next timer. */
static void arm_timer(struct net *net, uint32_t u, uint64_t floor)
{
	struct sim_node *s = &net->nodes[u];
	uint64_t t = kad_next_timer(s->kad);

	if (t == UINT64_MAX)
		return;
	if (t < floor)
		t = floor;
	if (s->timer_set && s->timer_at <= t)
		return;		/* the pending event comes first; it re-arms */
	s->timer_set = true;
	s->timer_at = t;
	evq_push(&net->q, t, EV_TIMER, u, ++s->timer_gen, NULL);
}

/* After every input: hand out what the node wants done. */
static void drain(struct net *net, uint32_t u, uint64_t floor)
{
	struct sim_node *s = &net->nodes[u];

	while (kad_poll(s->kad, &net->out)) {
		switch (net->out.type) {
		case KAD_OUT_SEND:
			send_msg(net, u, &net->out);
			break;
		case KAD_OUT_ROUTE:
		case KAD_OUT_UNREACHABLE:
			if (net->on_answer)
				net->on_answer(net->ctx, u, &net->out);
			break;
		}
	}
	arm_timer(net, u, floor);
}

void net_join(struct net *net, uint32_t u)
{
	struct graph *g = net->g;
	struct sim_node *s = &net->nodes[u];

	s->kad = kad_new(&s->id, &net->cfg, rng_mix(net->seed + u), net->now);
	if (!s->kad) {
		fprintf(stderr, "vcoyo-sim: kad_new: out of memory\n");
		abort();
	}
	g->alive[u] = true;
	for (uint32_t i = 0; i < g->deg[u]; i++) {
		uint32_t v = g->adj[u][i];

		if (!g->alive[v])
			continue;
		kad_link_up(s->kad, &net->nodes[v].id, net->now);
		drain(net, u, net->now);
		kad_link_up(net->nodes[v].kad, &s->id, net->now);
		drain(net, v, net->now);
	}
	drain(net, u, net->now);
}

void net_leave(struct net *net, uint32_t u)
{
	struct graph *g = net->g;
	struct sim_node *s = &net->nodes[u];

	g->alive[u] = false;
	for (uint32_t i = 0; i < g->deg[u]; i++) {
		uint32_t v = g->adj[u][i];

		if (!g->alive[v])
			continue;
		kad_link_down(net->nodes[v].kad, &s->id, net->now);
		drain(net, v, net->now);
	}
	kad_free(s->kad);
	s->kad = NULL;
	s->timer_set = false;
}

void net_lookup(struct net *net, uint32_t src, uint32_t dst, uint64_t cookie)
{
	kad_lookup(net->nodes[src].kad, &net->nodes[dst].id, cookie, net->now);
	drain(net, src, net->now);
}

static void run_event(struct net *net, struct event *ev)
{
	struct sim_node *s = &net->nodes[ev->node];

	if (!s->kad) {
		/* The node left: its timers die with it, messages to it are lost. */
		net->c.lost += ev->type == EV_DELIVER;
		return;
	}
	switch (ev->type) {
	case EV_TIMER:
		if (ev->arg != s->timer_gen)
			return;		/* superseded by an earlier one */
		s->timer_set = false;
		if (kad_next_timer(s->kad) <= net->now) {
			kad_tick(s->kad, net->now);
			net->c.ticks++;
		}
		/* Not again in the same ms: a timer that stays due would
		 * otherwise stop the clock. */
		drain(net, ev->node, net->now + 1);
		break;
	case EV_DELIVER: {
		const struct parcel *p = ev->data;

		net->c.delivered++;
		if (kad_receive(s->kad, &net->nodes[ev->arg].id, p->msg, p->len, net->now) < 0)
			net->c.rx_errors++;
		drain(net, ev->node, net->now);
		break;
	}
	case EV_PATH_FAILED: {
		const struct broken *b = ev->data;

		net->c.path_failed++;
		kad_path_failed(s->kad, &b->target, &b->path, net->now);
		drain(net, ev->node, net->now);
		break;
	}
	}
}

void net_run_until(struct net *net, uint64_t t)
{
	struct event ev;

	while (evq_next(&net->q) <= t) {
		evq_pop(&net->q, &ev);
		net->now = ev.at;
		run_event(net, &ev);
		free(ev.data);
	}
	if (net->now < t)
		net->now = t;
}
