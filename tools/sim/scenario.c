// SPDX-License-Identifier: GPL-2.0
/*
 * One run (scenario.h): the phases of a simulation and the figures made of
 * them.  Everything random is drawn from the run's seed, in an order that
 * depends on nothing else, so a run can be repeated exactly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"

void sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->graph = GRAPH_GEOMETRIC;
	o->n = 1000;
	o->degree = 8;
	o->m = 2;
	kad_config_default(&o->kad);
	o->seed = 1;
	o->hop_ms = 10;
	o->warmup_ms = 600000;
	o->measure_ms = 60000;
	o->pairs = 1000;
	o->churn_ms = 300000;
	o->sample_ms = 10000;
	o->sample_pairs = 100;
	o->feedback = true;
}

struct run {
	const struct sim_opts *o;
	struct graph g;
	struct net net;
	struct lookup_log log;
	struct rng rng;
	uint32_t *comp;		/* components, after churn */
	int32_t *dist;		/* BFS scratch */
	uint32_t *queue;
	struct timespec start;
};

static void progress(struct run *run, const char *what)
{
	struct timespec now;

	if (!run->o->verbose)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "vcoyo-sim: %7.1f s wall, %7.1f s simulated: %s\n",
		(double)(now.tv_sec - run->start.tv_sec) +
			(now.tv_nsec - run->start.tv_nsec) / 1e9,
		run->net.now / 1000.0, what);
}

static uint32_t pick_alive(struct run *run)
{
	uint32_t u;

	/* Most nodes are alive, so drawing until one is costs little. */
	do
		u = (uint32_t)rng_below(&run->rng, run->g.n);
	while (!run->g.alive[u]);
	return u;
}

/* Another alive node in @src's component, UINT32_MAX if there is none. */
static uint32_t pick_partner(struct run *run, uint32_t src)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t v = pick_alive(run);

		if (v != src && run->comp[v] == run->comp[src])
			return v;
	}
	return UINT32_MAX;
}

/* Runs on, a second at a time, until every lookup has its answer. */
static void wait_answers(struct run *run, uint64_t deadline)
{
	while (run->log.pending && run->net.now < deadline)
		net_run_until(&run->net, run->net.now + 1000);
}

static uint64_t answer_deadline(struct run *run)
{
	/* A lookup must give up by its timeout; a minute more is slack. */
	return run->net.now + run->o->kad.lookup_timeout_ms + 60000;
}

static void bring_up(struct run *run)
{
	uint32_t n = run->g.n, *order = malloc(n * sizeof(*order));
	uint64_t *at = malloc(n * sizeof(*at));

	if (!order || !at)
		abort();
	/* Join in random order: with join_ms 0 all at time 0, each node
	 * meeting only the neighbours that came before it. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = (uint32_t)rng_below(&run->rng, i + 1);

		order[i] = order[j];
		order[j] = i;
	}
	for (uint32_t i = 0; i < n; i++)
		at[i] = run->o->join_ms ? rng_below(&run->rng, run->o->join_ms + 1) : 0;
	for (uint32_t i = 1; i < n; i++) {	/* insertion sort is plenty: once */
		uint64_t t = at[i];
		uint32_t j = i;

		for (; j > 0 && at[j - 1] > t; j--)
			at[j] = at[j - 1];
		at[j] = t;
	}
	for (uint32_t i = 0; i < n; i++) {
		net_run_until(&run->net, at[i]);
		net_join(&run->net, order[i]);
	}
	free(order);
	free(at);
}

static int cmp_by_src(const void *a, const void *b, void *ctx)
{
	const struct lookup_rec *r = ctx;
	uint32_t x = r[*(const size_t *)a].src, y = r[*(const size_t *)b].src;

	return (x > y) - (x < y);
}

/* BFS distances for the successful lookups in [from, to): one BFS per source. */
static void fill_distances(struct run *run, size_t from, size_t to)
{
	struct lookup_rec *r = run->log.r;
	size_t *idx = malloc((to - from + 1) * sizeof(*idx)), n = 0;
	uint32_t last = UINT32_MAX;

	if (!idx)
		abort();
	for (size_t i = from; i < to; i++)
		if (r[i].state == LK_OK)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_by_src, r);
	for (size_t i = 0; i < n; i++) {
		struct lookup_rec *l = &r[idx[i]];

		if (l->src != last)
			graph_bfs(&run->g, l->src, run->dist, run->queue);
		last = l->src;
		l->dist = (uint16_t)run->dist[l->dst];
	}
	free(idx);
}

/* The library's own counters, summed over the alive nodes. */
static void sum_stats(struct run *run, struct kad_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint32_t u = 0; u < run->g.n; u++) {
		struct kad_stats st;

		if (!run->g.alive[u])
			continue;
		kad_get_stats(run->net.nodes[u].kad, &st);
		sum->msgs_sent += st.msgs_sent;
		sum->msgs_received += st.msgs_received;
		sum->bytes_sent += st.bytes_sent;
		sum->bytes_received += st.bytes_received;
		sum->rx_malformed += st.rx_malformed;
		sum->rpcs_sent += st.rpcs_sent;
		sum->rpcs_answered += st.rpcs_answered;
		sum->rpcs_timed_out += st.rpcs_timed_out;
		sum->lookups_started += st.lookups_started;
		sum->lookups_found += st.lookups_found;
		sum->lookups_failed += st.lookups_failed;
		sum->lookup_rounds += st.lookup_rounds;
		sum->evictions += st.evictions;
	}
}

static void measure(struct run *run, struct sim_result *res)
{
	const struct sim_opts *o = run->o;
	struct net *net = &run->net;
	uint64_t t0 = net->now;
	double minutes = o->measure_ms / 60000.0;
	struct net_counters c0 = net->c;
	size_t from = run->log.len, n;
	double *v[5];
	uint32_t alive = 0;

	for (uint32_t u = 0; u < run->g.n; u++)
		run->comp[u] = 0;	/* connected, all of it */
	for (uint32_t i = 0; i < o->pairs; i++) {
		uint32_t src, dst;

		net_run_until(net, t0 + (uint64_t)i * o->measure_ms / o->pairs);
		src = pick_alive(run);
		dst = pick_partner(run, src);
		if (dst != UINT32_MAX)
			lookup_start(&run->log, src, dst, 0);
	}
	net_run_until(net, t0 + o->measure_ms);

	/* Traffic over the window: refreshes and the lookups alike. */
	for (uint32_t u = 0; u < run->g.n; u++)
		alive += run->g.alive[u];
	res->msgs_per_node_min = (net->c.sent - c0.sent) / minutes / alive;
	res->bytes_per_node_min = (net->c.bytes - c0.bytes) / minutes / alive;
	res->link_msgs_per_node_min = (net->c.link_msgs - c0.link_msgs) / minutes / alive;

	res->table_max = 0;
	res->table_mean = 0;
	for (uint32_t u = 0; u < run->g.n; u++) {
		size_t size;

		if (!run->g.alive[u])
			continue;
		size = kad_table_size(net->nodes[u].kad);
		res->table_mean += size;
		if (size > res->table_max)
			res->table_max = size;
	}
	res->table_mean /= alive;

	wait_answers(run, answer_deadline(run));
	fill_distances(run, from, run->log.len);
	sum_stats(run, &res->kad);

	n = run->log.len - from;
	res->lookups = (uint32_t)n;
	for (int i = 0; i < 5; i++) {
		v[i] = malloc((n + 1) * sizeof(double));
		if (!v[i])
			abort();
	}
	n = 0;
	for (size_t i = from; i < run->log.len; i++) {
		const struct lookup_rec *l = &run->log.r[i];

		res->state[l->state]++;
		if (l->state != LK_OK)
			continue;
		v[0][n] = l->rounds;
		v[1][n] = l->rpcs;
		v[2][n] = l->path_len;
		v[3][n] = l->dist;
		v[4][n] = (double)l->path_len / l->dist;
		n++;
	}
	res->success = res->lookups ? (double)n / res->lookups : 0;
	summarize(v[0], n, &res->rounds);
	summarize(v[1], n, &res->rpcs);
	summarize(v[2], n, &res->hops);
	summarize(v[3], n, &res->dist);
	summarize(v[4], n, &res->stretch);
	for (int i = 0; i < 5; i++)
		free(v[i]);
}

/*
 * Samples lookups every sample_ms for churn_ms after a churn event.  The
 * nodes from index @first on are newcomers, and one end of each pair; with
 * @first past the last node, both ends are any alive nodes.
 */
static void sample_churn(struct run *run, uint32_t first, struct churn_result *cr)
{
	const struct sim_opts *o = run->o;
	struct net *net = &run->net;
	uint64_t t0 = net->now;
	uint32_t samples = (uint32_t)(o->churn_ms / o->sample_ms) + 1;
	size_t from = run->log.len;
	uint32_t *ok = calloc(samples, sizeof(*ok)), *all = calloc(samples, sizeof(*all));

	if (!ok || !all)
		abort();
	graph_components(&run->g, run->comp);
	for (uint32_t b = 0; b < samples; b++) {
		net_run_until(net, t0 + (uint64_t)b * o->sample_ms);
		for (uint32_t i = 0; i < o->sample_pairs; i++) {
			uint32_t src, dst;

			if (first < run->g.n)
				src = first + (uint32_t)rng_below(&run->rng, run->g.n - first);
			else
				src = pick_alive(run);
			dst = pick_partner(run, src);
			if (dst == UINT32_MAX)
				continue;
			/* Newcomers look up, and are looked up, alike. */
			if (i % 2)
				lookup_start(&run->log, src, dst, b);
			else
				lookup_start(&run->log, dst, src, b);
		}
	}
	net_run_until(net, t0 + o->churn_ms);
	wait_answers(run, answer_deadline(run));

	for (size_t i = from; i < run->log.len; i++) {
		cr->state[run->log.r[i].state]++;
		all[run->log.r[i].batch]++;
		ok[run->log.r[i].batch] += run->log.r[i].state == LK_OK;
	}
	cr->samples = samples;
	cr->first_success = all[0] ? (double)ok[0] / all[0] : 0;
	cr->min_success = 1;
	for (uint32_t b = 0; b < samples; b++)
		if (all[b] && (double)ok[b] / all[b] < cr->min_success)
			cr->min_success = (double)ok[b] / all[b];
	/* Back from the last sample while they all succeed. */
	cr->converge_s = -1;
	for (uint32_t b = samples; b-- > 0 && ok[b] == all[b];)
		cr->converge_s = b * o->sample_ms / 1000.0;
	free(ok);
	free(all);
}

static void leave(struct run *run, struct churn_result *cr)
{
	uint32_t alive = 0, count;

	for (uint32_t u = 0; u < run->g.n; u++)
		alive += run->g.alive[u];
	count = (uint32_t)(alive * run->o->leave_pct / 100);
	if (count >= alive - 1)
		count = alive > 2 ? alive - 2 : 0;
	for (uint32_t i = 0; i < count; i++)
		net_leave(&run->net, pick_alive(run));
	cr->nodes = count;
	sample_churn(run, UINT32_MAX, cr);
}

static void join(struct run *run, struct churn_result *cr)
{
	uint32_t alive = 0, count, first = run->g.n;

	for (uint32_t u = 0; u < run->g.n; u++)
		alive += run->g.alive[u];
	count = (uint32_t)(alive * run->o->join_pct / 100);
	if (count > run->g.cap - run->g.n)
		count = run->g.cap - run->g.n;
	for (uint32_t i = 0; i < count; i++)
		net_join(&run->net, graph_add_node(&run->g, &run->rng));
	cr->nodes = count;
	if (count)
		sample_churn(run, first, cr);
}

int sim_run(const struct sim_opts *o, struct sim_result *res)
{
	struct run run = { .o = o };
	uint32_t cap = o->n + (uint32_t)(o->n * o->join_pct / 100) + 1;
	int err = -1;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &run.start);
	rng_seed(&run.rng, o->seed);
	if (graph_build(&run.g, o->graph, o->n, cap, o->degree, o->m, &run.rng))
		return -1;
	if (net_init(&run.net, &run.g, &o->kad, o->seed, o->hop_ms))
		goto out_graph;
	run.net.feedback = o->feedback;
	if (lookup_log_init(&run.log, &run.net))
		goto out_net;
	run.comp = malloc(cap * sizeof(*run.comp));
	run.dist = malloc(cap * sizeof(*run.dist));
	run.queue = malloc(cap * sizeof(*run.queue));
	if (!run.comp || !run.dist || !run.queue)
		goto out;

	res->n = o->n;
	res->edges = run.g.edges;
	res->avg_degree = 2.0 * run.g.edges / o->n;

	progress(&run, "joining");
	bring_up(&run);
	progress(&run, "warming up");
	net_run_until(&run.net, o->join_ms + o->warmup_ms);
	progress(&run, "measuring");
	measure(&run, res);
	if (o->leave_pct > 0) {
		progress(&run, "departures");
		res->left = true;
		leave(&run, &res->leave);
	}
	if (o->join_pct > 0) {
		progress(&run, "joins");
		res->joined = true;
		join(&run, &res->join);
	}
	progress(&run, "done");
	res->loops = run.log.loops;
	res->duplicates = run.log.duplicates;
	res->strays = run.log.strays;
	res->c = run.net.c;
	res->sim_ms = run.net.now;
	err = 0;
out:
	free(run.comp);
	free(run.dist);
	free(run.queue);
	lookup_log_free(&run.log);
out_net:
	net_free(&run.net);
out_graph:
	graph_free(&run.g);
	return err;
}
