/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One simulation run, start to end: build the graph, bring the nodes up,
 * let the tables converge, measure lookups, then optionally take nodes
 * away and add new ones and watch lookups recover.
 */
#ifndef VCOYO_SIM_SCENARIO_H
#define VCOYO_SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"
#include "kad.h"
#include "metrics.h"
#include "net.h"

struct sim_opts {
	enum graph_type graph;
	uint32_t n;
	double degree;		/* geometric: mean degree */
	unsigned int m;		/* powerlaw: links per new node */
	struct kad_config kad;
	uint64_t seed;
	unsigned int hop_ms;	/* latency of one link */
	uint64_t join_ms;	/* nodes join at random times in [0, join_ms] */
	uint64_t warmup_ms;	/* then the tables converge for this long */
	uint64_t measure_ms;	/* the window the lookups are spread over */
	uint32_t pairs;		/* lookups measured */
	double leave_pct;	/* churn: nodes that leave at once, % */
	double join_pct;	/* churn: nodes that join at once, % */
	uint64_t churn_ms;	/* how long to sample after each */
	uint64_t sample_ms;	/* sample period */
	uint32_t sample_pairs;	/* lookups per sample */
	bool feedback;		/* kad_path_failed() for broken paths */
	bool verbose;		/* progress on stderr */
};

void sim_opts_default(struct sim_opts *o);

/* After a churn event: how the samples went. */
struct churn_result {
	uint32_t nodes;		/* that left, or joined */
	uint32_t samples;
	uint32_t state[LK_STATES];	/* the samples' lookups by outcome */
	double first_success;	/* the first sample's success rate */
	double min_success;
	/* Seconds from the event to the first sample from which on every
	 * sample was a full success; -1: the last one was not. */
	double converge_s;
};

struct sim_result {
	uint32_t n;
	uint64_t edges;
	double avg_degree;
	uint32_t lookups;
	uint32_t state[LK_STATES];	/* lookups by what became of them */
	uint64_t loops, duplicates, strays;
	double success;			/* fraction of lookups that are LK_OK */
	struct summary rounds, rpcs, hops, dist, stretch;
	double table_mean;
	size_t table_max;
	double msgs_per_node_min, bytes_per_node_min, link_msgs_per_node_min;
	struct kad_stats kad;		/* summed over the nodes, after measuring */
	bool left, joined;		/* whether there was churn of each kind */
	struct churn_result leave, join;
	struct net_counters c;		/* at the end of the run */
	uint64_t sim_ms;		/* simulated time at the end */
};

/* 0, or -1 if out of memory. */
int sim_run(const struct sim_opts *o, struct sim_result *r);

#endif /* VCOYO_SIM_SCENARIO_H */
