/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated network: one kad node per graph node, messages carried
 * along the paths the library chooses, timers, joins and departures.
 *
 * A message the library sends travels only if its path is a real path in
 * the graph as it is: the first hop a neighbour of the sender, each hop a
 * neighbour of the one before, every node on it alive, the last hop the
 * addressee.  It then arrives after hop_ms (plus up to a tenth of that in
 * jitter) per hop.  A path through a departed node is dropped, and its
 * sender hears so through kad_path_failed() after the time a tunnel set-up
 * would take to fail there and back, as vcoyod would tell it.  Any other
 * path that is not a path is a bug in the library: it is dropped, counted
 * and the first few are printed.
 */
#ifndef VCOYO_SIM_NET_H
#define VCOYO_SIM_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "graph.h"
#include "kad.h"
#include "rng.h"
#include "tagmap.h"

enum path_check {
	PATH_OK,
	PATH_BROKEN,		/* through a node that has left */
	PATH_INVALID,		/* not a path in the graph at all */
};

struct sim_node {
	struct kad_node *kad;	/* NULL until it joins and after it leaves */
	struct kad_id id;
	uint64_t timer_at;	/* when the pending timer event fires */
	uint32_t timer_gen;	/* timer events of older generations are stale */
	bool timer_set;
};

/* Totals over all nodes since the start; differences make rates. */
struct net_counters {
	uint64_t sent;		/* messages the library handed to the network */
	uint64_t bytes;		/* their bytes (the library's message only) */
	uint64_t link_msgs;	/* links they crossed: the load on relays */
	uint64_t delivered;
	uint64_t lost;		/* the addressee left while it was on its way */
	uint64_t broken;	/* dropped: the path went through a departed node */
	uint64_t invalid;	/* dropped: not a path at all (a library bug) */
	uint64_t rx_errors;	/* kad_receive() refused a message it built itself */
	uint64_t path_failed;	/* kad_path_failed() calls */
	uint64_t ticks;
};

/* A lookup's answer, KAD_OUT_ROUTE or KAD_OUT_UNREACHABLE, from @node. */
typedef void net_answer_fn(void *ctx, uint32_t node, const struct kad_out *out);

struct net {
	struct graph *g;
	struct sim_node *nodes;
	struct tagmap tags;
	struct evq q;
	struct rng rng;		/* latency jitter */
	struct kad_config cfg;
	uint64_t seed;
	uint64_t now;
	unsigned int hop_ms;
	bool feedback;		/* kad_path_failed() for broken paths */
	struct net_counters c;
	net_answer_fn *on_answer;
	void *ctx;
	unsigned int invalid_shown;
	struct kad_out out;	/* scratch for kad_poll(): 18 KiB, not on the stack */
};

/*
 * A network over @g (built, no node alive), with an ID for each of its
 * g->cap nodes drawn from @seed.  0, or -1 if out of memory.
 */
int net_init(struct net *net, struct graph *g, const struct kad_config *cfg, uint64_t seed,
	     unsigned int hop_ms);
void net_free(struct net *net);

/* Node @u comes up, with a link to each alive neighbour. */
void net_join(struct net *net, uint32_t u);
/* Node @u goes away: each alive neighbour sees its link go down. */
void net_leave(struct net *net, uint32_t u);
/* @src looks up @dst's ID; the answer goes to net->on_answer. */
void net_lookup(struct net *net, uint32_t src, uint32_t dst, uint64_t cookie);
/* Runs every event due at or before @t, then sets the clock to @t. */
void net_run_until(struct net *net, uint64_t t);

/*
 * Whether @p leads from @from to @to in the graph as it is now.  For
 * PATH_BROKEN, *@bad is the index of the first departed hop.
 */
enum path_check net_check_path(const struct net *net, uint32_t from, const struct kad_path *p,
			       uint32_t to, unsigned int *bad);
/*
 * @node found @path to @target broken at hop @bad: it hears so, as from a
 * failed tunnel set-up, once the failure would have come back.
 */
void net_path_failed_later(struct net *net, uint32_t node, const struct kad_id *target,
			   const struct kad_path *path, unsigned int bad);
/* The index of the node with @id, UINT32_MAX if none. */
uint32_t net_index(const struct net *net, const struct kad_id *id);

#endif /* VCOYO_SIM_NET_H */
