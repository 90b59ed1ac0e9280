// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyod: the routing helper of an IPvCoyo node (Documentation/vcoyod.rst).
 *
 * One thread, one epoll set of four descriptors: the kernel's events, the
 * AF_VCOYO socket the helpers talk on, a timerfd armed at kad's next timer,
 * and a signalfd.  Nothing polls: the loop sleeps until one of them is ready.
 * Exit status: 0 after SIGTERM or SIGINT, 1 on a failure, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include "addr.h"
#include "af.h"
#include "vcoyod.h"

/* ---- Logging, and the helpers every file uses. ---- */

int log_level = LVL_INFO;

void logmsg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *id_short(const struct kad_id *id, char buf[ID_SHORT_LEN])
{
	const uint8_t *b = id->b;

	snprintf(buf, ID_SHORT_LEN, "%x:%x:%x:%x:...", b[0] << 8 | b[1], b[2] << 8 | b[3],
		 b[4] << 8 | b[5], b[6] << 8 | b[7]);
	return buf;
}

const char *id_full(const struct kad_id *id, char buf[ID_FULL_LEN])
{
	vcoyo_addr_format((const struct vcoyo_addr *)id, buf);
	return buf;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Options. ---- */

enum {
	OPT_REFRESH = 256,
	OPT_RPC_TIMEOUT,
	OPT_RPC_HOP_TIMEOUT,
	OPT_LOOKUP_TIMEOUT,
};

static const struct option long_options[] = {
	{ "bucket-size", required_argument, NULL, 'k' },
	{ "alpha", required_argument, NULL, 'a' },
	{ "refresh-interval", required_argument, NULL, OPT_REFRESH },
	{ "rpc-timeout", required_argument, NULL, OPT_RPC_TIMEOUT },
	{ "rpc-hop-timeout", required_argument, NULL, OPT_RPC_HOP_TIMEOUT },
	{ "lookup-timeout", required_argument, NULL, OPT_LOOKUP_TIMEOUT },
	{ "port", required_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	struct kad_config def;

	kad_config_default(&def);
	fprintf(f,
		"usage: %s [OPTIONS]\n"
		"The routing helper of the IPvCoyo node of this network namespace.\n"
		"  -k, --bucket-size K        nodes per bucket and per answer (%u)\n"
		"  -a, --alpha N              queries in flight per lookup (%u)\n"
		"      --refresh-interval MS  bucket refresh period (%u)\n"
		"      --rpc-timeout MS       a query unanswered this long has failed (%u)\n"
		"      --rpc-hop-timeout MS   ... or this long per hop of its path, if longer (%u)\n"
		"      --lookup-timeout MS    a lookup gives up after this long (%u)\n"
		"  -p, --port PORT            the AF_VCOYO port helpers talk on (%u)\n"
		"  -v, --verbose              log one line per event; twice, per message\n"
		"  -q, --quiet                log errors only\n"
		"  -h, --help                 this text\n",
		PROG, def.k, def.alpha, def.refresh_ms, def.rpc_timeout_ms, def.rpc_hop_ms,
		def.lookup_timeout_ms, KAD_PORT);
}

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "usage: %s [OPTIONS]; %s --help lists them\n", PROG, PROG);
	exit(2);
}

/* A decimal number in [min, max], or a usage error naming the option. */
static unsigned int parse_uint(const char *opt, const char *arg, unsigned long min,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' || v < min || v > max)
		usage_error("%s: '%s' is not a number from %lu to %lu", opt, arg, min, max);
	return v;
}

static void parse_options(int argc, char **argv, struct vcoyod_options *opt)
{
	int c;

	memset(opt, 0, sizeof(*opt));
	kad_config_default(&opt->kad);
	/* kad must never find a path the kernel cannot hold. */
	if (opt->kad.path_max > VCOYOD_PATH_MAX)
		opt->kad.path_max = VCOYOD_PATH_MAX;
	opt->port = KAD_PORT;

	while ((c = getopt_long(argc, argv, "k:a:p:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'k':
			opt->kad.k = parse_uint("--bucket-size", optarg, 1, 1024);
			break;
		case 'a':
			opt->kad.alpha = parse_uint("--alpha", optarg, 1, 64);
			break;
		case OPT_REFRESH:
			opt->kad.refresh_ms = parse_uint("--refresh-interval", optarg, 100,
							 86400000);
			break;
		case OPT_RPC_TIMEOUT:
			opt->kad.rpc_timeout_ms = parse_uint("--rpc-timeout", optarg, 10, 600000);
			break;
		case OPT_RPC_HOP_TIMEOUT:
			opt->kad.rpc_hop_ms = parse_uint("--rpc-hop-timeout", optarg, 0, 60000);
			break;
		case OPT_LOOKUP_TIMEOUT:
			opt->kad.lookup_timeout_ms = parse_uint("--lookup-timeout", optarg, 10,
								3600000);
			opt->lookup_timeout_set = true;
			break;
		case 'p':
			opt->port = parse_uint("--port", optarg, 1, 65535);
			break;
		case 'v':
			log_level++;
			break;
		case 'q':
			log_level = LVL_ERR;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:	/* getopt_long said what was wrong */
			fprintf(stderr, "usage: %s [OPTIONS]; %s --help lists them\n", PROG,
				PROG);
			exit(2);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (opt->kad.alpha > opt->kad.k)
		usage_error("--alpha %u: more queries in flight than --bucket-size %u",
			    opt->kad.alpha, opt->kad.k);
}

/* ---- Descriptors and the loop. ---- */

/* What each epoll event is for. */
enum {
	EV_KERNEL,
	EV_DHT,
	EV_TIMER,
	EV_SIGNAL,
};

struct loop {
	struct vcoyod *d;
	int epfd, tfd, sfd;
	bool armed;
	uint64_t armed_at;
};

static int epoll_add(int epfd, int fd, uint64_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = what };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The AF_VCOYO socket, nonblocking, bound to the helpers' port on every address. */
static int dht_socket(struct vcoyod *d)
{
	struct sockaddr_vcoyo sa;

	d->sock = socket(d->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->sock < 0) {
		log_err("AF_VCOYO (%d) socket: %s", d->family, strerror(errno));
		return -1;
	}
	vcoyo_sockaddr(&sa, d->family, NULL, d->opt.port);
	if (bind(d->sock, (struct sockaddr *)&sa, sizeof(sa))) {
		log_err("bind to port %u: %s%s", d->opt.port, strerror(errno),
			errno == EADDRINUSE ? " (another program holds the port)" :
			errno == EACCES ? " (ports below 1024 need CAP_NET_BIND_SERVICE)" : "");
		return -1;
	}
	return 0;
}

/* Signals arrive as reads on a descriptor, never interrupting the loop. */
static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Arms the timer at kad's next deadline, if it moved. */
static void timer_arm(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t at;

	if (!l->d->kad) {
		at = UINT64_MAX;	/* no node, no timers */
	} else {
		at = kad_next_timer(l->d->kad);
	}
	if (l->armed ? at == l->armed_at : at == UINT64_MAX)
		return;
	if (at != UINT64_MAX) {
		its.it_value.tv_sec = at / 1000;
		its.it_value.tv_nsec = at % 1000 * 1000000;
		/* Zero would disarm; a time in the past fires at once, as meant. */
		if (!at)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL)) {
		log_err("timerfd: %s", strerror(errno));
		return;
	}
	l->armed = at != UINT64_MAX;
	l->armed_at = at;
}

static void timer_expired(struct loop *l)
{
	uint64_t n;

	/* Reading clears readiness; the value (expiries) does not matter. */
	if (read(l->tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_info("timerfd: %s", strerror(errno));
	l->armed = false;
	daemon_tick(l->d);
}

/* 1: stop.  0: go on. */
static int signal_received(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			daemon_log_stats(l->d);
			continue;
		}
		log_info("%s: shutting down", strsignal(si.ssi_signo));
		return 1;
	}
	return 0;
}

/* Returns the exit status. */
static int run(struct loop *l)
{
	struct epoll_event evs[8];
	int n, i;

	for (;;) {
		timer_arm(l);
		n = epoll_wait(l->epfd, evs, sizeof(evs) / sizeof(evs[0]), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case EV_KERNEL:
				if (daemon_kernel_events(l->d))
					return 1;
				break;
			case EV_DHT:
				daemon_dht_readable(l->d);
				break;
			case EV_TIMER:
				timer_expired(l);
				break;
			case EV_SIGNAL:
				if (signal_received(l))
					return 0;
				break;
			}
		}
	}
}

/* Everything up to the loop: 0, or the exit status of a failure. */
static int start(struct vcoyod *d, struct loop *l)
{
	struct kernel_identity id;
	uint32_t miss_ms;
	char err[256];

	l->sfd = signal_fd();
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->sfd < 0 || l->tfd < 0 || l->epfd < 0) {
		log_err("signalfd, timerfd, epoll: %s", strerror(errno));
		return 1;
	}
	if (kernel_open(&d->kernel, err, sizeof(err))) {
		log_err("%s", err);
		return 1;
	}
	if (kernel_identity(&d->kernel, &id)) {
		log_err("reading the node identity: %s", strerror(errno));
		return 1;
	}
	d->family = id.family >= 0 ? id.family : vcoyo_af();
	if (d->family < 0) {
		log_err("AF_VCOYO's number: %s", strerror(errno));
		return 1;
	}
	if (dht_socket(d))
		return 1;
	/* A lookup the kernel stops waiting for still fills the table; say so. */
	if (!kernel_miss_timeout(&d->kernel, &miss_ms) && d->opt.kad.lookup_timeout_ms > miss_ms)
		logmsg(d->opt.lookup_timeout_set ? LVL_INFO : LVL_DEBUG,
		       "lookup timeout %u ms > the kernel's miss timeout %" PRIu32 " ms: "
		       "datagrams waiting for a slow lookup fail before it ends",
		       d->opt.kad.lookup_timeout_ms, miss_ms);
	/* The identity first: links found then go straight into the new table. */
	if (daemon_identity(d, &id) || daemon_resync_links(d))
		return 1;
	if (epoll_add(l->epfd, kernel_events_fd(&d->kernel), EV_KERNEL) ||
	    epoll_add(l->epfd, d->sock, EV_DHT) || epoll_add(l->epfd, l->tfd, EV_TIMER) ||
	    epoll_add(l->epfd, l->sfd, EV_SIGNAL)) {
		log_err("epoll: %s", strerror(errno));
		return 1;
	}
	log_info("helper of this node, DHT on port %u (k %u, alpha %u)", d->opt.port,
		 d->opt.kad.k, d->opt.kad.alpha);
	return 0;
}

/* Kernel routes stay: the kernel drops those that fail, a new helper re-learns. */
static void stop(struct vcoyod *d, struct loop *l)
{
	if (d->sock >= 0)
		close(d->sock);
	kernel_close(&d->kernel);
	daemon_free(d);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->sfd >= 0)
		close(l->sfd);
}

int main(int argc, char **argv)
{
	struct loop l = { .epfd = -1, .tfd = -1, .sfd = -1 };
	struct vcoyod_options opt;
	struct vcoyod *d;
	int status;

	/* Before anything is allocated: a usage error exits from in there. */
	parse_options(argc, argv, &opt);
	d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		return 1;
	}
	d->opt = opt;
	d->sock = -1;
	routes_init(&d->routes);
	l.d = d;

	status = start(d, &l);
	if (!status) {
		status = run(&l);
		if (log_level >= LVL_DEBUG)
			daemon_log_stats(d);
	}
	stop(d, &l);
	free(d);
	return status;
}
