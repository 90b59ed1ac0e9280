// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyo-sim: many nodes running the kad routing library on a generated
 * graph, in simulated time.  Documentation/simulation.rst tells how to use
 * it and what the figures mean.  This file: options, reports, --check.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "scenario.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: vcoyo-sim [options]\n"
"       vcoyo-sim --check     200 nodes on each graph type, TAP output\n"
"                             (warm-up: three refresh periods unless -w)\n"
"  -g, --graph TYPE        geometric, powerlaw, grid or line (geometric)\n"
"  -n, --nodes N           nodes (1000)\n"
"  -d, --degree D          geometric: mean degree (8)\n"
"  -m, --links M           powerlaw: links per new node (2)\n"
"  -k, --k K               bucket size (the library's default)\n"
"  -a, --alpha A           lookup parallelism (the library's default)\n"
"  -r, --refresh S         bucket refresh period, seconds (the library's)\n"
"  -s, --seed S            seed of every random choice (1)\n"
"  -l, --hop-ms MS         latency of one link, ms (10)\n"
"  -J, --join-period S     nodes join at random times over S seconds (0)\n"
"  -w, --warmup S          simulated seconds to converge before measuring (600)\n"
"  -T, --measure S         window the lookups are spread over, seconds (60)\n"
"  -p, --pairs P           lookups to measure (1000)\n"
"  -L, --leave PCT         churn: PCT%% of the nodes leave at once\n"
"  -j, --join PCT          churn: PCT%% more nodes join at once\n"
"  -W, --churn-window S    seconds to sample after each churn event (300)\n"
"  -e, --sample-every S    sample period after churn, seconds (10)\n"
"  -P, --sample-pairs N    lookups per sample (100)\n"
"      --no-feedback       no kad_path_failed() for paths through departed nodes\n"
"      --csv FILE          append a CSV line (and a header if FILE is new)\n"
"  -v, --verbose           progress on stderr\n"
"  -h, --help\n");
}

static double wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double peak_rss_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;	/* KiB on Linux */
}

/* CPU time: on a shared machine, wall time says more about the others. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double arg_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "vcoyo-sim: %s: %s is not a number in [%g, %g]\n", opt, s,
			min, max);
		exit(2);
	}
	return v;
}

static uint64_t arg_ms(const char *opt, const char *s)
{
	return (uint64_t)llround(arg_num(opt, s, 0, 1e9) * 1000);
}

static const char *const state_names[LK_STATES] = {
	[LK_PENDING] = "no answer",
	[LK_OK] = "ok",
	[LK_UNREACHABLE] = "unreachable",
	[LK_BROKEN] = "broken path",
	[LK_INVALID] = "invalid path",
	[LK_WRONG] = "wrong node",
};

static void print_churn(const char *what, const struct churn_result *c)
{
	printf("%-9s %u nodes; %u samples; success first %.1f%%, lowest %.1f%%; ", what,
	       c->nodes, c->samples, 100 * c->first_success, 100 * c->min_success);
	if (c->converge_s < 0)
		printf("not back at 100%% by the end\n");
	else
		printf("back at 100%% after %.0f s\n", c->converge_s);
	printf("         ");
	for (int s = 0; s < LK_STATES; s++)
		if (c->state[s])
			printf(" %s %u", state_names[s], c->state[s]);
	printf("\n");
}

static void print_summary(const struct sim_opts *o, const struct sim_result *r, double wall,
			  double cpu, double rss)
{
	printf("graph     %s, %u nodes, %llu links, mean degree %.2f\n",
	       graph_type_name(o->graph), r->n, (unsigned long long)r->edges, r->avg_degree);
	printf("kad       k %u, alpha %u, refresh %u s; seed %llu\n", o->kad.k, o->kad.alpha,
	       o->kad.refresh_ms / 1000, (unsigned long long)o->seed);
	printf("lookups   %u, success %.2f%%:", r->lookups, 100 * r->success);
	for (int s = 0; s < LK_STATES; s++)
		if (r->state[s])
			printf(" %s %u", state_names[s], r->state[s]);
	printf("\n");
	printf("          %-12s %8s %8s %8s %8s\n", "", "mean", "median", "p99", "max");
	printf("          %-12s %8.2f %8.0f %8.0f %8.0f\n", "rounds", r->rounds.mean, r->rounds.p50,
	       r->rounds.p99, r->rounds.max);
	printf("          %-12s %8.2f %8.0f %8.0f %8.0f\n", "rpcs", r->rpcs.mean, r->rpcs.p50,
	       r->rpcs.p99, r->rpcs.max);
	printf("          %-12s %8.2f %8.0f %8.0f %8.0f\n", "path hops", r->hops.mean, r->hops.p50,
	       r->hops.p99, r->hops.max);
	printf("          %-12s %8.2f %8.0f %8.0f %8.0f\n", "shortest", r->dist.mean, r->dist.p50,
	       r->dist.p99, r->dist.max);
	printf("          %-12s %8.3f %8.3f %8.3f %8.3f\n", "stretch", r->stretch.mean,
	       r->stretch.p50, r->stretch.p99, r->stretch.max);
	printf("table     %.1f entries per node on average, %zu at most\n", r->table_mean,
	       r->table_max);
	printf("traffic   per node per minute: %.1f messages, %.0f bytes, %.1f link crossings\n",
	       r->msgs_per_node_min, r->bytes_per_node_min, r->link_msgs_per_node_min);
	if (r->left)
		print_churn("departure", &r->leave);
	if (r->joined)
		print_churn("join", &r->join);
	printf("network   %llu sent, %llu delivered, %llu lost, %llu broken, %llu INVALID, "
	       "%llu refused, %llu path failures told\n",
	       (unsigned long long)r->c.sent, (unsigned long long)r->c.delivered,
	       (unsigned long long)r->c.lost, (unsigned long long)r->c.broken,
	       (unsigned long long)r->c.invalid, (unsigned long long)r->c.rx_errors,
	       (unsigned long long)r->c.path_failed);
	printf("kad       all nodes, all along: %llu queries, %llu answered, %llu timed out; "
	       "%llu lookups, %llu failed; %llu evictions; %llu malformed\n",
	       (unsigned long long)r->kad.rpcs_sent, (unsigned long long)r->kad.rpcs_answered,
	       (unsigned long long)r->kad.rpcs_timed_out, (unsigned long long)r->kad.lookups_started,
	       (unsigned long long)r->kad.lookups_failed, (unsigned long long)r->kad.evictions,
	       (unsigned long long)r->kad.rx_malformed);
	if (r->loops || r->duplicates || r->strays)
		printf("oddities  %llu routes with a loop, %llu duplicate answers, "
		       "%llu stray answers\n",
		       (unsigned long long)r->loops, (unsigned long long)r->duplicates,
		       (unsigned long long)r->strays);
	printf("run       %.1f s simulated in %.1f s wall, %.1f s CPU, peak RSS %.0f MB\n",
	       r->sim_ms / 1000.0, wall, cpu, rss);
}

static void csv_converge(FILE *f, bool had, const struct churn_result *c)
{
	if (had)
		fprintf(f, "%g", c->converge_s);
	fputc(',', f);
}

static int write_csv(const char *path, const struct sim_opts *o, const struct sim_result *r,
		     double wall, double cpu, double rss)
{
	FILE *f = fopen(path, "a");

	if (!f) {
		perror(path);
		return -1;
	}
	if (ftell(f) == 0)
		fprintf(f, "graph,n,k,alpha,edges,avg_degree,success_rate,"
			"rounds_mean,rounds_p50,rounds_p99,stretch_p50,stretch_mean,stretch_p99,"
			"table_mean,table_max,msgs_per_node_min,bytes_per_node_min,"
			"leave_converge_s,join_converge_s,wall_seconds,peak_rss_mb,"
			"seed,lookups,invalid_paths,hops_mean,dist_mean,link_msgs_per_node_min,"
			"cpu_seconds\n");
	fprintf(f, "%s,%u,%u,%u,%llu,%.3f,%.4f,%.3f,%g,%g,%.3f,%.3f,%.3f,%.1f,%zu,%.1f,%.0f,",
		graph_type_name(o->graph), r->n, o->kad.k, o->kad.alpha,
		(unsigned long long)r->edges, r->avg_degree, r->success, r->rounds.mean,
		r->rounds.p50, r->rounds.p99, r->stretch.p50, r->stretch.mean, r->stretch.p99,
		r->table_mean, r->table_max, r->msgs_per_node_min, r->bytes_per_node_min);
	csv_converge(f, r->left, &r->leave);
	csv_converge(f, r->joined, &r->join);
	fprintf(f, "%.1f,%.0f,%llu,%u,%llu,%.3f,%.3f,%.1f,%.1f\n", wall, rss,
		(unsigned long long)o->seed, r->lookups,
		(unsigned long long)(r->c.invalid + r->state[LK_INVALID]), r->hops.mean,
		r->dist.mean, r->link_msgs_per_node_min, cpu);
	return fclose(f) ? -1 : 0;
}

/* The smoke test: every graph type, small, must route every lookup. */
static int check(const struct sim_opts *base)
{
	int failed = 0;

	printf("1..%d\n", GRAPH_TYPES);
	for (int t = 0; t < GRAPH_TYPES; t++) {
		struct sim_opts o = *base;
		struct sim_result r;
		bool ok;

		o.graph = t;
		o.n = 200;
		o.pairs = 200;
		o.leave_pct = 0;
		o.join_pct = 0;
		if (sim_run(&o, &r)) {
			printf("not ok %d - %s: out of memory\n", t + 1, graph_type_name(t));
			failed++;
			continue;
		}
		ok = r.success == 1 && r.lookups == o.pairs && !r.c.invalid &&
		     !r.c.rx_errors && !r.duplicates && !r.strays;
		failed += !ok;
		printf("%s %d - %s: %u nodes, %u/%u lookups routed, rounds %.2f, "
		       "median stretch %.2f, %llu invalid paths sent, %llu messages refused\n",
		       ok ? "ok" : "not ok", t + 1, graph_type_name(t), r.n, r.state[LK_OK],
		       r.lookups, r.rounds.mean, r.stretch.p50,
		       (unsigned long long)r.c.invalid, (unsigned long long)r.c.rx_errors);
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

enum { OPT_CSV = 256, OPT_CHECK, OPT_NO_FEEDBACK };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "graph", required_argument, NULL, 'g' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "degree", required_argument, NULL, 'd' },
		{ "links", required_argument, NULL, 'm' },
		{ "k", required_argument, NULL, 'k' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "refresh", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "hop-ms", required_argument, NULL, 'l' },
		{ "join-period", required_argument, NULL, 'J' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "measure", required_argument, NULL, 'T' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "leave", required_argument, NULL, 'L' },
		{ "join", required_argument, NULL, 'j' },
		{ "churn-window", required_argument, NULL, 'W' },
		{ "sample-every", required_argument, NULL, 'e' },
		{ "sample-pairs", required_argument, NULL, 'P' },
		{ "no-feedback", no_argument, NULL, OPT_NO_FEEDBACK },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct sim_opts o;
	struct sim_result r;
	const char *csv = NULL;
	bool smoke = false, warmup_set = false;
	double wall, cpu, rss;
	int c, type;

	sim_opts_default(&o);
	while ((c = getopt_long(argc, argv, "g:n:d:m:k:a:r:s:l:J:w:T:p:L:j:W:e:P:vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'g':
			type = graph_type_parse(optarg);
			if (type < 0) {
				fprintf(stderr, "vcoyo-sim: no graph type %s\n", optarg);
				return 2;
			}
			o.graph = type;
			break;
		case 'n':
			o.n = (uint32_t)arg_num("-n", optarg, 2, 1e8);
			break;
		case 'd':
			o.degree = arg_num("-d", optarg, 1, 1e4);
			break;
		case 'm':
			o.m = (unsigned int)arg_num("-m", optarg, 1, 16);
			break;
		case 'k':
			o.kad.k = (unsigned int)arg_num("-k", optarg, 1, 1000);
			break;
		case 'a':
			o.kad.alpha = (unsigned int)arg_num("-a", optarg, 1, 100);
			break;
		case 'r':
			o.kad.refresh_ms = (unsigned int)arg_ms("-r", optarg);
			break;
		case 's':
			o.seed = (uint64_t)arg_num("-s", optarg, 0, 1e18);
			break;
		case 'l':
			o.hop_ms = (unsigned int)arg_num("-l", optarg, 1, 1e6);
			break;
		case 'J':
			o.join_ms = arg_ms("-J", optarg);
			break;
		case 'w':
			o.warmup_ms = arg_ms("-w", optarg);
			warmup_set = true;
			break;
		case 'T':
			o.measure_ms = arg_ms("-T", optarg);
			if (!o.measure_ms)
				o.measure_ms = 1;
			break;
		case 'p':
			o.pairs = (uint32_t)arg_num("-p", optarg, 1, 1e8);
			break;
		case 'L':
			o.leave_pct = arg_num("-L", optarg, 0, 90);
			break;
		case 'j':
			o.join_pct = arg_num("-j", optarg, 0, 1000);
			break;
		case 'W':
			o.churn_ms = arg_ms("-W", optarg);
			break;
		case 'e':
			o.sample_ms = arg_ms("-e", optarg);
			if (!o.sample_ms)
				o.sample_ms = 1;
			break;
		case 'P':
			o.sample_pairs = (uint32_t)arg_num("-P", optarg, 1, 1e8);
			break;
		case OPT_NO_FEEDBACK:
			o.feedback = false;
			break;
		case OPT_CSV:
			csv = optarg;
			break;
		case OPT_CHECK:
			smoke = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (smoke) {
		/* Three refresh periods settle 200 nodes: the test stays quick. */
		if (!warmup_set)
			o.warmup_ms = 3ULL * o.kad.refresh_ms;
		return check(&o);
	}

	wall = wall_now();
	if (sim_run(&o, &r)) {
		fprintf(stderr, "vcoyo-sim: out of memory\n");
		return 1;
	}
	wall = wall_now() - wall;
	cpu = cpu_seconds();
	rss = peak_rss_mb();
	print_summary(&o, &r, wall, cpu, rss);
	if (csv && write_csv(csv, &o, &r, wall, cpu, rss))
		return 1;
	return 0;
}
