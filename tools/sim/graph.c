// SPDX-License-Identifier: GPL-2.0
/*
 * Graph generators, and the few graph algorithms the simulator needs
 * (adjacency, BFS, components).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

static const char *const type_names[GRAPH_TYPES] = {
	[GRAPH_GEOMETRIC] = "geometric",
	[GRAPH_POWERLAW] = "powerlaw",
	[GRAPH_GRID] = "grid",
	[GRAPH_LINE] = "line",
};

const char *graph_type_name(enum graph_type type)
{
	return type < GRAPH_TYPES ? type_names[type] : "?";
}

int graph_type_parse(const char *name)
{
	for (int t = 0; t < GRAPH_TYPES; t++)
		if (!strcmp(name, type_names[t]))
			return t;
	return -1;
}

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (!q)
		abort();	/* the simulator has no use for half a graph */
	return q;
}

static void add_half(struct graph *g, uint32_t u, uint32_t v)
{
	if (g->deg[u] == g->adj_cap[u]) {
		g->adj_cap[u] = g->adj_cap[u] ? 2 * g->adj_cap[u] : 4;
		g->adj[u] = xrealloc(g->adj[u], g->adj_cap[u] * sizeof(uint32_t));
	}
	g->adj[u][g->deg[u]++] = v;
}

static void add_edge(struct graph *g, uint32_t u, uint32_t v)
{
	add_half(g, u, v);
	add_half(g, v, u);
	g->edges++;
	if (g->ends) {
		g->ends[g->nends++] = u;
		g->ends[g->nends++] = v;
	}
}

bool graph_adjacent(const struct graph *g, uint32_t u, uint32_t v)
{
	/* Scan the shorter list: power-law hubs have thousands of links. */
	if (g->deg[u] > g->deg[v]) {
		uint32_t t = u;

		u = v;
		v = t;
	}
	for (uint32_t i = 0; i < g->deg[u]; i++)
		if (g->adj[u][i] == v)
			return true;
	return false;
}

uint64_t graph_live_edges(const struct graph *g)
{
	uint64_t twice = 0;

	for (uint32_t u = 0; u < g->n; u++) {
		if (!g->alive[u])
			continue;
		for (uint32_t i = 0; i < g->deg[u]; i++)
			twice += g->alive[g->adj[u][i]];
	}
	return twice / 2;
}

/* BFS over alive nodes, or over all nodes while the graph is being built. */
static uint32_t bfs(const struct graph *g, uint32_t src, int32_t *dist, uint32_t *queue,
		    bool all)
{
	uint32_t head = 0, tail = 0;

	for (uint32_t u = 0; u < g->n; u++)
		dist[u] = -1;
	if (!all && !g->alive[src])
		return 0;
	dist[src] = 0;
	queue[tail++] = src;
	while (head < tail) {
		uint32_t u = queue[head++];

		for (uint32_t i = 0; i < g->deg[u]; i++) {
			uint32_t v = g->adj[u][i];

			if (dist[v] >= 0 || (!all && !g->alive[v]))
				continue;
			dist[v] = dist[u] + 1;
			queue[tail++] = v;
		}
	}
	return tail;
}

uint32_t graph_bfs(const struct graph *g, uint32_t src, int32_t *dist, uint32_t *queue)
{
	return bfs(g, src, dist, queue, false);
}

static uint32_t components(const struct graph *g, uint32_t *comp, bool all)
{
	uint32_t *queue = xrealloc(NULL, (g->n + 1) * sizeof(uint32_t));
	uint32_t ncomp = 0;

	for (uint32_t u = 0; u < g->n; u++)
		comp[u] = UINT32_MAX;
	for (uint32_t s = 0; s < g->n; s++) {
		uint32_t head = 0, tail = 0;

		if (comp[s] != UINT32_MAX || (!all && !g->alive[s]))
			continue;
		comp[s] = ncomp;
		queue[tail++] = s;
		while (head < tail) {
			uint32_t u = queue[head++];

			for (uint32_t i = 0; i < g->deg[u]; i++) {
				uint32_t v = g->adj[u][i];

				if (comp[v] != UINT32_MAX || (!all && !g->alive[v]))
					continue;
				comp[v] = ncomp;
				queue[tail++] = v;
			}
		}
		ncomp++;
	}
	free(queue);
	return ncomp;
}

uint32_t graph_components(const struct graph *g, uint32_t *comp)
{
	return components(g, comp, false);
}

/*
 * Every generator makes a connected graph by construction; check it
 * anyway, since every figure the simulator reports assumes it.
 */
static int graph_check_connected(const struct graph *g)
{
	uint32_t *comp = xrealloc(NULL, (g->n + 1) * sizeof(uint32_t));
	uint32_t ncomp = components(g, comp, true);

	free(comp);
	if (ncomp > 1) {
		fprintf(stderr, "vcoyo-sim: the %s graph has %u components\n",
			graph_type_name(g->type), ncomp);
		abort();
	}
	return 0;
}

static double dist2(const struct graph *g, uint32_t u, uint32_t v)
{
	double dx = g->x[u] - g->x[v], dy = g->y[u] - g->y[v];

	return dx * dx + dy * dy;
}

/*
 * The radius that gives mean degree @degree to @n uniform points in the unit
 * square.  A disc near the edge is partly outside, so the mean area of the
 * disc inside the square, pi r^2 - 8/3 r^3 + 1/2 r^4, is what counts, not
 * pi r^2: without this, small graphs come out sparser than asked.
 */
static double geometric_radius(uint32_t n, double degree)
{
	double lo = 0, hi = 1;

	if (n < 2)
		return 1;
	for (int i = 0; i < 60; i++) {
		double r = (lo + hi) / 2;
		double area = M_PI * r * r - 8.0 / 3 * r * r * r + 0.5 * r * r * r * r;

		if ((n - 1) * area < degree)
			lo = r;
		else
			hi = r;
	}
	return (lo + hi) / 2;
}

static void build_geometric(struct graph *g, double degree, struct rng *rng)
{
	uint32_t n = g->n;
	double r = geometric_radius(n, degree), r2 = r * r;
	/* Cells of side >= r: a node's neighbours are in its cell's 3 x 3. */
	uint32_t side = (uint32_t)(1 / r);
	uint32_t *head, *next, *comp, ncomp, giant = 0, *size;

	if (side < 1)
		side = 1;
	g->radius = r;
	head = xrealloc(NULL, (size_t)side * side * sizeof(uint32_t));
	next = xrealloc(NULL, n * sizeof(uint32_t));
	for (uint32_t c = 0; c < side * side; c++)
		head[c] = UINT32_MAX;
	for (uint32_t u = 0; u < n; u++) {
		uint32_t cx, cy;

		g->x[u] = rng_double(rng);
		g->y[u] = rng_double(rng);
		cx = (uint32_t)(g->x[u] * side);
		cy = (uint32_t)(g->y[u] * side);
		next[u] = head[cy * side + cx];
		head[cy * side + cx] = u;
	}
	for (uint32_t u = 0; u < n; u++) {
		int cx = (int)(g->x[u] * side), cy = (int)(g->y[u] * side);

		for (int dy = -1; dy <= 1; dy++) {
			for (int dx = -1; dx <= 1; dx++) {
				int x = cx + dx, y = cy + dy;

				if (x < 0 || y < 0 || x >= (int)side || y >= (int)side)
					continue;
				for (uint32_t v = head[y * side + x]; v != UINT32_MAX;
				     v = next[v])
					if (v > u && dist2(g, u, v) <= r2)
						add_edge(g, u, v);
			}
		}
	}
	free(head);
	free(next);

	/*
	 * Join each stray component to the giant one by its shortest
	 * possible link, the way a real deployment would bridge an island.
	 * Components are few and small at mean degree 8, so the search over
	 * all pairs costs little.
	 */
	comp = xrealloc(NULL, n * sizeof(uint32_t));
	ncomp = components(g, comp, true);
	size = calloc(ncomp, sizeof(uint32_t));
	if (!size)
		abort();
	for (uint32_t u = 0; u < n; u++)
		size[comp[u]]++;
	for (uint32_t c = 1; c < ncomp; c++)
		if (size[c] > size[giant])
			giant = c;
	for (uint32_t c = 0; c < ncomp; c++) {
		uint32_t bu = 0, bv = 0;
		double best = INFINITY;

		if (c == giant)
			continue;
		for (uint32_t u = 0; u < n; u++) {
			if (comp[u] != c)
				continue;
			for (uint32_t v = 0; v < n; v++) {
				if (comp[v] == giant && dist2(g, u, v) < best) {
					best = dist2(g, u, v);
					bu = u;
					bv = v;
				}
			}
		}
		add_edge(g, bu, bv);
		for (uint32_t u = 0; u < n; u++)
			if (comp[u] == c)
				comp[u] = giant;
	}
	free(size);
	free(comp);
}

/* A node proportional to degree, alive (or any while building), not in @not. */
static uint32_t pick_preferential(struct graph *g, const uint32_t *not, unsigned int nnot,
				  bool building, struct rng *rng)
{
	for (;;) {
		uint32_t v = g->ends[rng_below(rng, g->nends)];
		bool taken = false;

		if (!building && !g->alive[v])
			continue;
		for (unsigned int i = 0; i < nnot; i++)
			taken |= not[i] == v;
		if (!taken)
			return v;
	}
}

static void attach_preferential(struct graph *g, uint32_t u, bool building, struct rng *rng)
{
	uint32_t chosen[16];
	unsigned int m = g->m, live = 0;

	/* Never more links than there are nodes to link to. */
	for (uint32_t v = 0; v < u && live < m; v++)
		live += building || g->alive[v];
	m = live < m ? live : m;
	/* Pick them all first: the node's own ends must not weigh in. */
	for (unsigned int i = 0; i < m; i++)
		chosen[i] = pick_preferential(g, chosen, i, building, rng);
	for (unsigned int i = 0; i < m; i++)
		add_edge(g, u, chosen[i]);
}

static void build_powerlaw(struct graph *g, struct rng *rng)
{
	uint32_t core = g->m + 1 < g->n ? g->m + 1 : g->n;

	/* A clique of m + 1 nodes to start from, then attachment. */
	for (uint32_t u = 0; u < core; u++)
		for (uint32_t v = 0; v < u; v++)
			add_edge(g, u, v);
	for (uint32_t u = core; u < g->n; u++)
		attach_preferential(g, u, true, rng);
}

static void build_grid(struct graph *g)
{
	uint32_t w = (uint32_t)ceil(sqrt(g->n));

	/* Row by row; a partial last row still hangs from the row above. */
	for (uint32_t u = 0; u < g->n; u++) {
		g->x[u] = (double)(u % w) / w;
		g->y[u] = (double)(u / w) / w;
		if (u % w)
			add_edge(g, u, u - 1);
		if (u >= w)
			add_edge(g, u, u - w);
	}
}

static void build_line(struct graph *g)
{
	for (uint32_t u = 1; u < g->n; u++)
		add_edge(g, u, u - 1);
}

int graph_build(struct graph *g, enum graph_type type, uint32_t n, uint32_t cap,
		double degree, unsigned int m, struct rng *rng)
{
	memset(g, 0, sizeof(*g));
	if (cap < n)
		cap = n;
	if (m < 1)
		m = 1;
	if (m > 16)
		m = 16;
	g->type = type;
	g->n = n;
	g->cap = cap;
	g->m = m;
	g->adj = calloc(cap, sizeof(*g->adj));
	g->deg = calloc(cap, sizeof(*g->deg));
	g->adj_cap = calloc(cap, sizeof(*g->adj_cap));
	g->alive = calloc(cap, sizeof(*g->alive));
	g->x = calloc(cap, sizeof(*g->x));
	g->y = calloc(cap, sizeof(*g->y));
	if (type == GRAPH_POWERLAW)
		g->ends = calloc(2 * ((uint64_t)m * cap + (uint64_t)m * m), sizeof(*g->ends));
	if (!g->adj || !g->deg || !g->adj_cap || !g->alive || !g->x || !g->y ||
	    (type == GRAPH_POWERLAW && !g->ends)) {
		graph_free(g);
		return -1;
	}
	switch (type) {
	case GRAPH_GEOMETRIC:
		build_geometric(g, degree, rng);
		break;
	case GRAPH_POWERLAW:
		build_powerlaw(g, rng);
		break;
	case GRAPH_GRID:
		build_grid(g);
		break;
	default:
		build_line(g);
		break;
	}
	return graph_check_connected(g);
}

static void attach_geometric(struct graph *g, uint32_t u, struct rng *rng)
{
	double r2 = g->radius * g->radius, best = INFINITY;
	uint32_t nearest = UINT32_MAX;
	bool linked = false;

	g->x[u] = rng_double(rng);
	g->y[u] = rng_double(rng);
	for (uint32_t v = 0; v < u; v++) {
		if (!g->alive[v])
			continue;
		if (dist2(g, u, v) <= r2) {
			add_edge(g, u, v);
			linked = true;
		}
		if (dist2(g, u, v) < best) {
			best = dist2(g, u, v);
			nearest = v;
		}
	}
	if (!linked && nearest != UINT32_MAX)
		add_edge(g, u, nearest);
}

uint32_t graph_add_node(struct graph *g, struct rng *rng)
{
	uint32_t u = g->n++, live = 0;

	switch (g->type) {
	case GRAPH_GEOMETRIC:
		attach_geometric(g, u, rng);
		break;
	case GRAPH_POWERLAW:
		attach_preferential(g, u, false, rng);
		break;
	default:
		for (uint32_t v = 0; v < u; v++)
			live += g->alive[v];
		if (live) {
			uint32_t v;

			do
				v = (uint32_t)rng_below(rng, u);
			while (!g->alive[v]);
			add_edge(g, u, v);
		}
		break;
	}
	return u;
}

void graph_free(struct graph *g)
{
	if (g->adj)
		for (uint32_t u = 0; u < g->cap; u++)
			free(g->adj[u]);
	free(g->adj);
	free(g->deg);
	free(g->adj_cap);
	free(g->alive);
	free(g->x);
	free(g->y);
	free(g->ends);
	memset(g, 0, sizeof(*g));
}
