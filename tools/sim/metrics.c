// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define SHOWN_MAX 5

static void on_answer(void *ctx, uint32_t node, const struct kad_out *out);

int lookup_log_init(struct lookup_log *log, struct net *net)
{
	memset(log, 0, sizeof(*log));
	log->net = net;
	log->seen = calloc(net->g->cap, sizeof(*log->seen));
	if (!log->seen)
		return -1;
	net->on_answer = on_answer;
	net->ctx = log;
	return 0;
}

void lookup_log_free(struct lookup_log *log)
{
	free(log->r);
	free(log->seen);
	memset(log, 0, sizeof(*log));
}

void lookup_start(struct lookup_log *log, uint32_t src, uint32_t dst, uint32_t batch)
{
	struct lookup_rec *r;
	size_t cookie;

	if (log->len == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 1024;

		r = realloc(log->r, cap * sizeof(*r));
		if (!r)
			abort();
		log->r = r;
		log->cap = cap;
	}
	cookie = log->len++;
	r = &log->r[cookie];
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->dst = dst;
	r->batch = batch;
	r->state = LK_PENDING;
	r->issued = log->net->now;
	log->pending++;
	/* The answer may come at once, from the table: the record is ready. */
	net_lookup(log->net, src, dst, cookie);
}

static bool path_is_simple(struct lookup_log *log, uint32_t src, const struct kad_path *p)
{
	const struct net *net = log->net;

	log->epoch++;
	log->seen[src] = log->epoch;
	for (unsigned int i = 0; i < p->len; i++) {
		uint32_t u = tagmap_get(&net->tags, p->hop[i]);

		if (log->seen[u] == log->epoch)
			return false;
		log->seen[u] = log->epoch;
	}
	return true;
}

static void show(struct lookup_log *log, const struct lookup_rec *r, const char *what,
		 const struct kad_out *out)
{
	if (log->shown++ >= SHOWN_MAX)
		return;
	fprintf(stderr, "vcoyo-sim: t=%" PRIu64 " ms: lookup of node %u by node %u: %s",
		log->net->now, r->dst, r->src, what);
	for (unsigned int i = 0; i < out->path.len; i++)
		fprintf(stderr, " %d", (int)tagmap_get(&log->net->tags, out->path.hop[i]));
	fprintf(stderr, "\n");
}

static void on_answer(void *ctx, uint32_t node, const struct kad_out *out)
{
	struct lookup_log *log = ctx;
	struct net *net = log->net;
	struct lookup_rec *r;
	unsigned int bad = 0;

	if (out->cookie >= log->len || log->r[out->cookie].src != node) {
		log->strays++;
		return;
	}
	r = &log->r[out->cookie];
	if (r->state != LK_PENDING) {
		log->duplicates++;
		return;
	}
	log->pending--;
	r->answered = net->now;
	r->rounds = out->rounds;
	r->rpcs = out->rpcs;
	if (out->type == KAD_OUT_UNREACHABLE) {
		r->state = LK_UNREACHABLE;
		return;
	}
	if (memcmp(&out->peer, &net->nodes[r->dst].id, sizeof(out->peer))) {
		r->state = LK_WRONG;
		show(log, r, "route to another node", out);
		return;
	}
	switch (net_check_path(net, node, &out->path, r->dst, &bad)) {
	case PATH_OK:
		r->state = LK_OK;
		r->path_len = out->path.len;
		log->loops += !path_is_simple(log, node, &out->path);
		break;
	case PATH_BROKEN:
		/* vcoyod would find out when the tunnel set-up fails. */
		r->state = LK_BROKEN;
		net_path_failed_later(net, node, &out->peer, &out->path, bad);
		break;
	case PATH_INVALID:
		r->state = LK_INVALID;
		show(log, r, "invalid path", out);
		break;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least @q of the values at or below. */
static double quantile(const double *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * n);

	return v[rank ? rank - 1 : 0];
}

void summarize(double *v, size_t n, struct summary *s)
{
	double sum = 0;

	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->n = n;
	s->mean = sum / n;
	s->p50 = quantile(v, n, 0.50);
	s->p99 = quantile(v, n, 0.99);
	s->max = v[n - 1];
}
