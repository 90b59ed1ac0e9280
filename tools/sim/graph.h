/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The graph of links the simulated nodes sit on.  Nodes are indices
 * 0..n-1; a node that has not joined yet, or has left, is not "alive" and
 * its links count for nothing (they stay in the lists so that a departure
 * is one flag, not a search through every neighbour's list).
 */
#ifndef VCOYO_SIM_GRAPH_H
#define VCOYO_SIM_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

enum graph_type {
	GRAPH_GEOMETRIC,	/* random geometric graph in the unit square */
	GRAPH_POWERLAW,		/* Barabasi-Albert preferential attachment */
	GRAPH_GRID,		/* sqrt(n) x sqrt(n), 4 neighbours */
	GRAPH_LINE,
	GRAPH_TYPES
};

struct graph {
	enum graph_type type;
	uint32_t n;		/* nodes so far */
	uint32_t cap;		/* nodes there is room for (joins included) */
	uint32_t **adj;		/* adj[u]: the neighbours of u */
	uint32_t *deg, *adj_cap;
	bool *alive;
	uint64_t edges;		/* links ever made */

	/* geometric: positions and the link radius */
	double *x, *y;
	double radius;
	/* powerlaw: links per new node, and every link's two ends, so that
	 * a uniform pick from it is a pick proportional to degree */
	unsigned int m;
	uint32_t *ends;
	uint64_t nends;
};

/*
 * Makes a connected graph of @n nodes with room for @cap, none alive yet.
 * @degree: the geometric graph's mean degree; @m: the power-law graph's
 * links per node.  0, or -1 if out of memory.
 */
int graph_build(struct graph *g, enum graph_type type, uint32_t n, uint32_t cap,
		double degree, unsigned int m, struct rng *rng);
/*
 * A new node linked to alive nodes as the graph's type would link it:
 * geometric, to all within the radius of a random point (at least the
 * nearest); powerlaw, m by preferential attachment; grid and line, one
 * random node.  Its index, not alive yet.
 */
uint32_t graph_add_node(struct graph *g, struct rng *rng);
void graph_free(struct graph *g);

bool graph_adjacent(const struct graph *g, uint32_t u, uint32_t v);
/* Links between alive nodes. */
uint64_t graph_live_edges(const struct graph *g);
/*
 * Hop distances from @src over alive nodes into @dist (-1: not reached);
 * @queue has room for g->n.  How many nodes were reached.
 */
uint32_t graph_bfs(const struct graph *g, uint32_t src, int32_t *dist, uint32_t *queue);
/*
 * Labels each alive node with its connected component (dead ones get
 * UINT32_MAX).  The number of components.
 */
uint32_t graph_components(const struct graph *g, uint32_t *comp);

const char *graph_type_name(enum graph_type type);
/* -1 if @name is no graph type. */
int graph_type_parse(const char *name);

#endif /* VCOYO_SIM_GRAPH_H */
