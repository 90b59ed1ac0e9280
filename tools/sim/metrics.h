/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lookups and what became of them, and the statistics made of them.
 *
 * Each lookup the simulator starts is a record; its index is the cookie
 * given to kad_lookup(), so the answer finds its record.  An answer counts
 * as a success only if it is a route to the right node along a path that
 * is a path in the graph now.
 */
#ifndef VCOYO_SIM_METRICS_H
#define VCOYO_SIM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

enum lookup_state {
	LK_PENDING,		/* no answer yet */
	LK_OK,			/* a route along a valid path */
	LK_UNREACHABLE,		/* KAD_OUT_UNREACHABLE */
	LK_BROKEN,		/* a route through a departed node */
	LK_INVALID,		/* a route along something that is no path */
	LK_WRONG,		/* a route to another node than the target */
	LK_STATES
};

struct lookup_rec {
	uint32_t src, dst;
	uint32_t batch;		/* which sample it belongs to */
	uint8_t state;		/* enum lookup_state */
	uint8_t path_len;
	uint16_t dist;		/* BFS distance, filled in by the caller */
	uint32_t rounds, rpcs;
	uint64_t issued, answered;
};

struct lookup_log {
	struct net *net;
	struct lookup_rec *r;
	size_t len, cap;
	size_t pending;
	uint64_t duplicates;	/* a second answer for one cookie: a bug */
	uint64_t strays;	/* an answer with an unknown cookie, or from
				 * another node than the one asked: a bug */
	uint64_t loops;		/* valid routes that visit a node twice */
	uint32_t *seen;		/* per node: the last route that visited it */
	uint32_t epoch;
	unsigned int shown;
};

/* 0, or -1 if out of memory.  Sets itself as @net's answer callback. */
int lookup_log_init(struct lookup_log *log, struct net *net);
void lookup_log_free(struct lookup_log *log);
/* @src looks @dst up, now. */
void lookup_start(struct lookup_log *log, uint32_t src, uint32_t dst, uint32_t batch);

struct summary {
	size_t n;
	double mean, p50, p99, max;
};

/* Sorts @v in place.  All zero if @n is 0. */
void summarize(double *v, size_t n, struct summary *s);

#endif /* VCOYO_SIM_METRICS_H */
