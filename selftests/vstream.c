// SPDX-License-Identifier: GPL-2.0
/*
 * vstream: SOCK_STREAM sockets of AF_VCOYO.  Every subcommand runs over TCP
 * on IPv4 too (-f inet), so that the tool itself is checked against what it
 * expects of vcoyo: what Linux TCP does.
 *
 *   vstream sem [-f FAMILY] [-p PORT] ADDRESS
 *	socket semantics checks, printed as TAP, client and server in this
 *	process, on ADDRESS: the node's own address (127.0.0.1 for inet).
 *	Listeners take fresh ports from PORT up (default 20000), skipping any
 *	in use.  Every wait is bounded: sockets have SO_RCVTIMEO and
 *	SO_SNDTIMEO, polls have timeouts, and a watchdog ends the run.
 *   vstream recv [-f FAMILY] [-n CONNS] [-t MS] [-r FILE] [-e] PORT
 *	accept CONNS connections (default 1) on PORT and read each to EOF; -e
 *	sends every byte back and shuts down writing after EOF.  Then one line
 *	per connection, sorted by ID: "conn ID bytes N hash HEX" (ID: the
 *	8-byte big-endian number that starts the stream; HEX: BLAKE2b-256 of
 *	the whole stream, ID included) or "conn ID error WHAT" ("conn -" if
 *	the ID never came), and last "total bytes N conns C seconds S MBps M"
 *	(C connections complete, N their bytes, S from the first accept to the
 *	last EOF, M in 10^6 bytes per second).  -r creates FILE once listening.
 *	MS (default 30000) without progress on any connection ends the wait.
 *	Exits 1 unless CONNS connections completed without error.
 *   vstream send [-f FAMILY] [-n CONNS] [-b BYTES] [-t MS] [-e] ADDRESS PORT
 *	CONNS connections at once; each sends its ID (0 to CONNS - 1) and
 *	BYTES - 8 bytes (BYTES default 1000000) of a pseudo-random stream seeded
 *	by the ID, in sends of varying size, shuts down writing and waits for
 *	EOF.  With -e what comes back must be what was sent, else nothing may
 *	come back.  Prints the lines recv prints, for what it sent, so that the
 *	conn lines of the two compare equal; S runs from the first connect to
 *	the last EOF.  Exits 1 on any error.  The stream after the ID is the
 *	splitmix64 sequence from ID ^ 0x7673747265616d00, each word written
 *	little-endian, so its hash depends on ID and BYTES alone.
 *
 * FAMILY is vcoyo (the default; ADDRESS in the text form of addr.h) or inet
 * (ADDRESS a dotted IPv4 address).  Ports are numbers in host order.  Usage
 * errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "addr.h"
#include "af.h"
#include "tap.h"

static int af = -1;			/* AF_INET, or AF_VCOYO's number */
static const char *af_name = "vcoyo";
static struct in_addr host_in;		/* ADDRESS, for inet */
static struct vcoyo_addr host_vc;	/* ADDRESS, for vcoyo */

/* A socket address of the family in use. */
struct name {
	socklen_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_vcoyo vc;
		struct sockaddr_storage ss;
	};
};

static void usage(void)
{
	fprintf(stderr,
		"usage: vstream sem [-f inet|vcoyo] [-p PORT] ADDRESS\n"
		"       vstream recv [-f inet|vcoyo] [-n CONNS] [-t MS] [-u MS] [-q] [-r FILE] [-e] PORT\n"
		"       vstream send [-f inet|vcoyo] [-n CONNS] [-b BYTES] [-t MS] [-u MS] [-q] [-e]\n"
		"                    ADDRESS PORT\n"
		"       vstream hash FILE\n");
	exit(2);
}

static long long number(const char *text, long long min, long long max)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		fprintf(stderr, "vstream: bad number '%s' (%lld to %lld)\n", text, min, max);
		exit(2);
	}
	return v;
}

static void set_family(const char *text)
{
	af_name = text;
	if (!strcmp(text, "inet")) {
		af = AF_INET;
		return;
	}
	if (strcmp(text, "vcoyo")) {
		fprintf(stderr, "vstream: unknown family '%s'\n", text);
		usage();
	}
	af = vcoyo_af();
	if (af < 0) {
		fprintf(stderr, "vstream: AF_VCOYO not available: %s\n", strerror(errno));
		exit(1);
	}
}

static void set_host(const char *text)
{
	const char *err = "not a dotted IPv4 address";

	if (af == AF_INET ? inet_pton(AF_INET, text, &host_in) == 1 :
	    !vcoyo_addr_parse(text, &host_vc, &err))
		return;
	fprintf(stderr, "vstream: bad address '%s': %s\n", text, err);
	exit(2);
}

/* ADDRESS (or with @any the any address) and @port. */
static void make_name(struct name *n, bool any, uint16_t port)
{
	memset(n, 0, sizeof(*n));
	if (af == AF_INET) {
		n->in.sin_family = AF_INET;
		n->in.sin_port = htons(port);
		n->in.sin_addr.s_addr = any ? htonl(INADDR_ANY) : host_in.s_addr;
		n->len = sizeof(n->in);
	} else {
		vcoyo_sockaddr(&n->vc, af, any ? NULL : &host_vc, port);
		n->len = sizeof(n->vc);
	}
}

static uint16_t name_port(const struct name *n)
{
	return ntohs(af == AF_INET ? n->in.sin_port : n->vc.svc_port);
}

/* Same family, length, address and port; nothing else counts. */
static bool same_name(const struct name *a, const struct name *b)
{
	if (a->len != b->len || a->sa.sa_family != b->sa.sa_family || a->sa.sa_family != af)
		return false;
	if (af == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return a->vc.svc_port == b->vc.svc_port && !a->vc.svc_reserved && !b->vc.svc_reserved &&
	       !memcmp(&a->vc.svc_addr, &b->vc.svc_addr, sizeof(a->vc.svc_addr));
}

/* For diagnostics: a few at a time stay valid. */
static const char *fmt_name(const struct name *n)
{
	static char buf[4][VCOYO_ADDR_STRLEN + 32];
	static int i;
	char text[VCOYO_ADDR_STRLEN];

	i = (i + 1) % 4;
	if (n->sa.sa_family == AF_INET && af == AF_INET) {
		snprintf(buf[i], sizeof(buf[i]), "%s:%u", inet_ntoa(n->in.sin_addr), name_port(n));
	} else if (n->sa.sa_family == af && n->len == sizeof(n->vc)) {
		vcoyo_addr_format(&n->vc.svc_addr, text);
		snprintf(buf[i], sizeof(buf[i]), "[%s]:%u", text, name_port(n));
	} else {
		snprintf(buf[i], sizeof(buf[i]), "(family %u, length %u)", n->sa.sa_family, n->len);
	}
	return buf[i];
}

static bool sockname(int fd, struct name *n)
{
	memset(n, 0, sizeof(*n));
	n->len = sizeof(n->ss);
	return !getsockname(fd, &n->sa, &n->len);
}

static bool peername(int fd, struct name *n)
{
	memset(n, 0, sizeof(*n));
	n->len = sizeof(n->ss);
	return !getpeername(fd, &n->sa, &n->len);
}

static int connect_name(int fd, const struct name *n)
{
	return connect(fd, &n->sa, n->len);
}

static const char *errname(int err)
{
	const char *name = err ? strerrorname_np(err) : "0";

	return name ? name : "unknown errno";
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the pseudo-random stream: splitmix64, bytes little-endian ---- */

struct stream {
	uint64_t state;
	uint64_t word;
	unsigned int left;	/* bytes of word not given out yet */
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void stream_init(struct stream *st, uint64_t seed)
{
	st->state = seed;
	st->left = 0;
}

/* The next @len bytes; how they are asked for does not change them. */
static void stream_fill(struct stream *st, uint8_t *buf, size_t len)
{
	while (len) {
		if (!st->left) {
			st->word = splitmix64(&st->state);
			st->left = 8;
		}
		/* A whole word at once: the stream is also made at benchmark rates. */
		if (st->left == 8 && len >= 8) {
			for (int i = 0; i < 8; i++)
				buf[i] = (uint8_t)(st->word >> (8 * i));
			st->left = 0;
			buf += 8;
			len -= 8;
			continue;
		}
		*buf++ = (uint8_t)st->word;
		st->word >>= 8;
		st->left--;
		len--;
	}
}

/* ---- sem: helpers ---- */

#define WATCHDOG_S	300	/* the guest gives each test 600 s */
#define TIMEO_MS	2000	/* SO_RCVTIMEO and SO_SNDTIMEO of every socket */
#define CHUNK		65536

static uint16_t next_port = 20000;
static volatile sig_atomic_t sigpipes;

static int getint(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, level, name, &v, &len))
		return -1;
	return v;
}

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static void set_timeo(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		tap_diag("setsockopt SO_RCVTIMEO/SO_SNDTIMEO: %s", strerror(errno));
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* A stream socket with timeouts; -1 with a diagnostic if it fails. */
static int ssock(void)
{
	int fd = socket(af, SOCK_STREAM, 0);

	if (fd < 0) {
		tap_diag("socket(%s, SOCK_STREAM, 0): %s", af_name, strerror(errno));
		return -1;
	}
	set_timeo(fd, TIMEO_MS);
	return fd;
}

static uint16_t fresh_port(void)
{
	if (next_port < 1024)
		next_port = 20000;
	return next_port++;
}

/*
 * Bind a new socket to ADDRESS at a fresh port, skipping ports that are in
 * use (by other programs, or in TIME_WAIT from an earlier run); -1 if none.
 */
static int bound_socket(struct name *at, bool reuse)
{
	int fd, err, tries;

	for (tries = 0; tries < 200; tries++) {
		fd = ssock();
		if (fd < 0)
			return -1;
		if (reuse && setint(fd, SOL_SOCKET, SO_REUSEADDR, 1))
			tap_diag("SO_REUSEADDR: %s", strerror(errno));
		make_name(at, false, fresh_port());
		if (!bind(fd, &at->sa, at->len))
			return fd;
		err = errno;
		close(fd);
		if (err != EADDRINUSE) {
			tap_diag("bind to %s: %s", fmt_name(at), strerror(err));
			return -1;
		}
	}
	tap_diag("no free port from %u to %u", next_port - tries, next_port - 1);
	return -1;
}

/* A listener on ADDRESS at a fresh port. */
static int listener(int backlog, struct name *at)
{
	int fd = bound_socket(at, true);

	if (fd >= 0 && listen(fd, backlog)) {
		tap_diag("listen on %s: %s", fmt_name(at), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A port of ADDRESS nobody listens on: bound once, then closed. */
static uint16_t closed_port(void)
{
	struct name at = { 0 };
	int fd = bound_socket(&at, false);

	if (fd >= 0)
		close(fd);
	return name_port(&at);
}

/* A connected pair: client *c, accepted *s; false with a diagnostic if not. */
static bool pair(int *c, int *s)
{
	struct name at;
	int l = listener(1, &at);

	*c = *s = -1;
	if (l < 0)
		return false;
	*c = ssock();
	if (*c >= 0 && connect_name(*c, &at)) {
		tap_diag("connect to %s: %s", fmt_name(&at), strerror(errno));
	} else if (*c >= 0) {
		*s = accept(l, NULL, NULL);
		if (*s < 0)
			tap_diag("accept on %s: %s", fmt_name(&at), strerror(errno));
	}
	close(l);
	if (*s >= 0)
		return true;
	if (*c >= 0)
		close(*c);
	*c = -1;
	return false;
}

static void close_pair(int c, int s)
{
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
}

/*
 * Poll @fd for @events until all of @want show or @ms pass: the revents
 * then, or -1.  It sleeps in poll while nothing shows, else looks again
 * every 2 ms, as poll returns at once on the events already there.
 */
static int poll_until(int fd, short events, short want, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	double end = now_ms() + ms;
	int left;

	for (;;) {
		left = (int)(end - now_ms());
		if (left < 0)
			left = 0;
		if (poll(&p, 1, p.revents ? 0 : left) < 0) {
			if (errno != EINTR)
				return -1;
			p.revents = 0;
		}
		if ((p.revents & want) == want || !left)
			return p.revents;
		if (p.revents)
			msleep(2);
	}
}

/* The same for epoll, on an epoll set of @fd alone. */
static int epoll_until(int ep, uint32_t want, int ms)
{
	struct epoll_event ev = { 0 };
	double end = now_ms() + ms;
	int n, left;

	for (;;) {
		left = (int)(end - now_ms());
		if (left < 0)
			left = 0;
		n = epoll_wait(ep, &ev, 1, ev.events ? 0 : left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			ev.events = 0;
		if ((ev.events & want) == want || !left)
			return ev.events;
		if (ev.events)
			msleep(2);
	}
}

/* An epoll set watching @fd for @events; -1 with a diagnostic if not. */
static int epoll_of(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		tap_diag("epoll: %s", strerror(errno));
		if (ep >= 0)
			close(ep);
		return -1;
	}
	return ep;
}

/* poll and epoll flags have the same values: one way to print both. */
static const char *mask_text(int mask)
{
	static const struct { int bit; const char *name; } bits[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
		{ POLLHUP, "HUP" }, { POLLRDNORM, "RDNORM" }, { POLLRDBAND, "RDBAND" },
		{ POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" }, { POLLRDHUP, "RDHUP" },
	};
	static char buf[4][128];
	static int i;
	size_t k;

	i = (i + 1) % 4;
	if (mask < 0)
		return "poll failed";
	if (!mask)
		return "none";
	buf[i][0] = '\0';
	for (k = 0; k < sizeof(bits) / sizeof(bits[0]); k++)
		if (mask & bits[k].bit)
			snprintf(buf[i] + strlen(buf[i]), sizeof(buf[i]) - strlen(buf[i]), "%s%s",
				 buf[i][0] ? "|" : "", bits[k].name);
	return buf[i];
}

/* A check that a poll or epoll mask is exactly @want. */
static void mask_is(int got, int want, const char *what)
{
	if (got != want)
		tap_diag("got %s", mask_text(got));
	tap_ok(got == want, "%s: %s", what, mask_text(want));
}

/* A check that recv gives exactly @want (and nothing more yet). */
static void recv_is(int fd, const char *want, const char *what)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	size_t len = strlen(want);

	if (n < 0)
		tap_diag("recv: %s", strerror(errno));
	else if ((size_t)n != len || memcmp(buf, want, len))
		tap_diag("recv gave %zd bytes '%.*s', wanted '%s'", n, (int)n, buf, want);
	tap_ok(n >= 0 && (size_t)n == len && !memcmp(buf, want, len), "%s", what);
}

/* A check that a call (@ok) gave the name @want. */
static void name_is(bool ok, const struct name *got, const struct name *want, const char *what)
{
	ok = ok && same_name(got, want);
	if (!ok)
		tap_diag("got %s, wanted %s", fmt_name(got), fmt_name(want));
	tap_ok(ok, "%s", what);
}

static bool send_all(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

	if (n != (ssize_t)len)
		tap_diag("send of %zu bytes: %zd (%s)", len, n, n < 0 ? strerror(errno) : "short");
	return n == (ssize_t)len;
}

/* Reads of a stream, checked against what it should be. */
struct rx {
	struct stream st;
	long long got;
	long long bad_at;	/* offset of the first wrong byte, or -1 */
	int err;		/* errno of the read that failed, or 0 */
	bool eof;
};

static void rx_init(struct rx *r, uint64_t seed)
{
	stream_init(&r->st, seed);
	r->got = 0;
	r->bad_at = -1;
	r->err = 0;
	r->eof = false;
}

/* One recv of at most @max bytes: its result, and r updated. */
static ssize_t rx_read(int fd, struct rx *r, size_t max, int flags)
{
	/* A reader thread and the main one may both be reading. */
	static _Thread_local uint8_t buf[CHUNK], want[CHUNK];
	ssize_t n, i;

	if (max > CHUNK)
		max = CHUNK;
	do
		n = recv(fd, buf, max, flags);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->err = errno;
		return n;
	}
	r->eof = !n;
	stream_fill(&r->st, want, n);
	for (i = 0; i < n && r->bad_at < 0; i++)
		if (buf[i] != want[i])
			r->bad_at = r->got + i;
	r->got += n;
	return n;
}

/* Read to EOF (or an error); a check that exactly @len intact bytes came. */
static void rx_check(int fd, struct rx *r, long long len, const char *what)
{
	while (rx_read(fd, r, CHUNK, 0) > 0)
		;
	if (r->err)
		tap_diag("recv after %lld bytes: %s", r->got, strerror(r->err));
	if (r->bad_at >= 0)
		tap_diag("byte %lld differs", r->bad_at);
	if (r->got != len)
		tap_diag("%lld bytes came, wanted %lld", r->got, len);
	tap_ok(!r->err && r->eof && r->bad_at < 0 && r->got == len, "%s", what);
}

/* Writes of a stream, from a buffer that keeps what a send did not take. */
struct tx {
	struct stream st;
	uint8_t buf[CHUNK];
	size_t off, len;
	long long sent;
	uint64_t sizes;		/* if not 0: the state of random buffer sizes */
};

static void tx_init(struct tx *t, uint64_t seed)
{
	stream_init(&t->st, seed);
	t->off = t->len = 0;
	t->sent = 0;
	t->sizes = 0;
}

/*
 * Send until @limit bytes went in total or a send fails: 0, or its errno.
 * Each send offers what is left of a buffer of @chunk bytes, or with
 * t->sizes of 1 to @chunk bytes.
 */
static int tx_send(int fd, struct tx *t, long long limit, size_t chunk, int flags)
{
	ssize_t n;

	while (t->sent < limit) {
		if (t->off == t->len) {
			t->off = 0;
			t->len = t->sizes ? 1 + splitmix64(&t->sizes) % chunk : chunk;
			if ((long long)t->len > limit - t->sent)
				t->len = limit - t->sent;
			stream_fill(&t->st, t->buf, t->len);
		}
		n = send(fd, t->buf + t->off, t->len - t->off, flags | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		t->off += n;
		t->sent += n;
	}
	return 0;
}

/* ---- sem: the checks ---- */

static void test_socket(void)
{
	struct name peer;
	int fd, before;
	char c;

	fd = ssock();
	if (!tap_ok(fd >= 0, "socket(%s, SOCK_STREAM, 0) succeeds", af_name))
		return;
	tap_ok(getint(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM, "SO_TYPE is SOCK_STREAM");
	tap_ok(getint(fd, SOL_SOCKET, SO_DOMAIN) == af, "SO_DOMAIN is the family (%d)", af);
	tap_ok(getint(fd, SOL_SOCKET, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN is 0 on a new socket");
	tap_ok(getint(fd, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR is 0 on a new socket");
	peer.len = sizeof(peer.ss);
	tap_errno(getpeername(fd, &peer.sa, &peer.len), ENOTCONN,
		  "getpeername on an unconnected socket: ENOTCONN");
	/* Blocking: it must fail at once, not wait for SO_RCVTIMEO. */
	tap_errno(recv(fd, &c, 1, 0), ENOTCONN, "recv on an unconnected socket: ENOTCONN");
	before = sigpipes;
	tap_errno(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE,
		  "send(MSG_NOSIGNAL) on an unconnected socket: EPIPE");
	tap_ok(sigpipes == before, "... and no SIGPIPE (%d)", sigpipes - before);
	tap_errno(send(fd, "x", 1, 0), EPIPE, "send on an unconnected socket: EPIPE");
	tap_ok(sigpipes == before + 1, "... and one SIGPIPE (%d)", sigpipes - before);
	tap_errno(accept(fd, NULL, NULL), EINVAL, "accept on a socket not listening: EINVAL");
	tap_errno(shutdown(fd, SHUT_RDWR), ENOTCONN, "shutdown on an unconnected socket: ENOTCONN");
	close(fd);
}

static void test_bind(void)
{
	struct name at, got, bad;
	int fd, other, c, port;

	fd = ssock();
	make_name(&at, false, closed_port());
	bad = at;
	tap_errno(bind(fd, &bad.sa, bad.len - 1), EINVAL, "bind with a short address: EINVAL");
	bad.sa.sa_family = AF_UNIX;
	tap_errno(bind(fd, &bad.sa, bad.len), EAFNOSUPPORT,
		  "bind with another family's address: EAFNOSUPPORT");
	tap_diag("binding %s", fmt_name(&at));
	tap_call(bind(fd, &at.sa, at.len), "bind to ADDRESS and a free port");
	name_is(sockname(fd, &got), &got, &at, "getsockname gives the bound address and port");
	tap_errno(bind(fd, &at.sa, at.len), EINVAL, "bind of a bound socket: EINVAL");
	tap_call(listen(fd, 4), "listen with backlog 4");
	tap_ok(getint(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN is 1 on a listener");

	other = ssock();
	tap_errno(bind(other, &at.sa, at.len), EADDRINUSE,
		  "bind to the port of a listener: EADDRINUSE");
	setint(other, SOL_SOCKET, SO_REUSEADDR, 1);
	tap_errno(bind(other, &at.sa, at.len), EADDRINUSE, "... also with SO_REUSEADDR");
	make_name(&bad, true, name_port(&at));
	tap_errno(bind(other, &bad.sa, bad.len), EADDRINUSE,
		  "bind to the any address at a listener's port: EADDRINUSE");
	close(other);
	close(fd);

	fd = ssock();
	tap_call(listen(fd, 4), "listen on an unbound socket");
	port = sockname(fd, &got) ? name_port(&got) : 0;
	tap_ok(port != 0, "... binds it to a port (%d)", port);
	c = ssock();
	make_name(&at, false, port);
	tap_ok(port && !connect_name(c, &at), "a connect to that port succeeds");
	close(c);
	close(fd);
}

static bool no_fd_flags(int fd)
{
	return !(fcntl(fd, F_GETFL) & O_NONBLOCK) && !(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static void test_accept(int l, const struct name *at)
{
	struct name cname, got, from;
	int c, s;

	c = ssock();
	tap_call(connect_name(c, at), "blocking connect to a listener");
	from.len = sizeof(from.ss);
	s = accept(l, &from.sa, &from.len);
	if (!tap_ok(s >= 0, "accept gives the connection")) {
		tap_diag("accept: %s", strerror(errno));
		close(c);
		return;
	}
	sockname(c, &cname);
	make_name(&got, false, name_port(&cname));
	name_is(name_port(&cname), &cname, &got, "the client is bound to ADDRESS and a port");
	name_is(true, &from, &cname, "accept's address is the client's");
	name_is(peername(c, &got), &got, at, "getpeername of the client is the listener's address");
	name_is(peername(s, &got), &got, &cname,
		"getpeername of the accepted socket is the client's address");
	name_is(sockname(s, &got), &got, at,
		"getsockname of the accepted socket is the listener's address");
	tap_ok(no_fd_flags(s), "accept gives neither O_NONBLOCK nor FD_CLOEXEC");
	tap_ok(getint(s, SOL_SOCKET, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN is 0 on an accepted one");
	tap_errno(connect_name(c, at), EISCONN, "connect on a connected socket: EISCONN");
	tap_errno(listen(c, 4), EINVAL, "listen on a connected socket: EINVAL");
	close_pair(c, s);
}

static void test_connect(void)
{
	struct name at;
	int l, c, s;

	l = listener(4, &at);
	if (!tap_ok(l >= 0, "a listener for the connect checks"))
		return;
	test_accept(l, &at);

	c = ssock();
	connect_name(c, &at);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	tap_ok(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC),
	       "accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) sets both");
	close_pair(c, s);

	set_nonblock(l, true);
	tap_errno(accept(l, NULL, NULL), EAGAIN,
		  "accept on a nonblocking listener with nothing pending: EAGAIN");
	mask_is(poll_until(l, POLLIN | POLLOUT, POLLIN, 100), 0,
		"poll on a listener with nothing pending");
	c = ssock();
	connect_name(c, &at);
	mask_is(poll_until(l, POLLIN | POLLOUT, POLLIN, TIMEO_MS), POLLIN,
		"poll on a listener with a connection pending");
	s = accept(l, NULL, NULL);
	tap_ok(s >= 0 && no_fd_flags(s), "accept on a nonblocking listener: a blocking socket");
	mask_is(poll_until(l, POLLIN | POLLOUT, POLLIN, 0), 0, "poll on the listener after accept");
	close_pair(c, s);
	close(l);
}

static void test_nonblocking_connect(void)
{
	struct name at;
	int l, c, s;

	l = listener(4, &at);
	c = ssock();
	set_nonblock(c, true);
	tap_errno(connect_name(c, &at), EINPROGRESS, "nonblocking connect: EINPROGRESS");
	mask_is(poll_until(c, POLLIN | POLLOUT | POLLRDHUP, POLLOUT, TIMEO_MS), POLLOUT,
		"... then poll gives");
	tap_ok(getint(c, SOL_SOCKET, SO_ERROR) == 0, "... and SO_ERROR is 0");
	/* The second connect collects the result of the first, as TCP's does. */
	tap_call(connect_name(c, &at), "a second connect succeeds: it reports the first's result");
	tap_errno(connect_name(c, &at), EISCONN, "a third connect: EISCONN");
	s = accept(l, NULL, NULL);
	tap_ok(s >= 0, "the listener accepts it");
	close_pair(c, s);
	close(l);
}

static void test_refused(void)
{
	struct name at;
	int c, err;

	make_name(&at, false, closed_port());
	c = ssock();
	tap_errno(connect_name(c, &at), ECONNREFUSED, "connect to a closed port: ECONNREFUSED");
	close(c);

	c = ssock();
	set_nonblock(c, true);
	tap_errno(connect_name(c, &at), EINPROGRESS,
		  "nonblocking connect to a closed port: EINPROGRESS");
	mask_is(poll_until(c, POLLIN | POLLOUT | POLLRDHUP, POLLERR, TIMEO_MS),
		POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP, "... then poll gives");
	err = getint(c, SOL_SOCKET, SO_ERROR);
	tap_ok(err == ECONNREFUSED, "... and SO_ERROR is ECONNREFUSED (%s)", errname(err));
	err = getint(c, SOL_SOCKET, SO_ERROR);
	tap_ok(err == 0, "reading SO_ERROR clears it (%s)", errname(err));
	close(c);
}

/* Sends @count pieces of @size bytes of @data, @pause_ms apart. */
struct pieces {
	pthread_t thread;
	int fd, count, size, pause_ms;
	const uint8_t *data;
	bool ok;
};

static void *send_pieces(void *arg)
{
	struct pieces *p = arg;
	int i;

	p->ok = true;
	for (i = 0; i < p->count; i++) {
		msleep(p->pause_ms);
		if (send(p->fd, p->data + i * p->size, p->size, MSG_NOSIGNAL) != p->size)
			p->ok = false;
	}
	return NULL;
}

static bool start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err)
		tap_diag("pthread_create: %s", strerror(err));
	return !err;
}

static void test_waitall(int c, int s)
{
	uint8_t data[3000], buf[3000];
	struct stream st;
	struct pieces p = { .fd = c, .count = 3, .size = 1000, .pause_ms = 100, .data = data };
	ssize_t n;

	stream_init(&st, 1);
	stream_fill(&st, data, sizeof(data));
	if (!start(&p.thread, send_pieces, &p))
		return;
	n = recv(s, buf, sizeof(buf), MSG_WAITALL);
	pthread_join(p.thread, NULL);
	tap_ok(p.ok && n == 3000 && !memcmp(buf, data, n),
	       "MSG_WAITALL waits for all 3000 bytes sent in 3 pieces 100 ms apart (%zd)", n);

	if (!start(&p.thread, send_pieces, &p))
		return;
	n = recv(s, buf, sizeof(buf), 0);
	tap_ok(n == 1000 && !memcmp(buf, data, n),
	       "without MSG_WAITALL, recv gives the first piece alone (%zd)", n);
	n = recv(s, buf, 2000, MSG_WAITALL);
	pthread_join(p.thread, NULL);
	tap_ok(p.ok && n == 2000 && !memcmp(buf, data + 1000, n), "... and the rest follows (%zd)",
	       n);
}

static void test_iovecs(int c, int s)
{
	char a[] = "one,", b[5000], d[] = ",three", out[sizeof(a) + sizeof(b) + sizeof(d)];
	char in[sizeof(out)];
	struct iovec iv[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { d, sizeof(d) } };
	struct iovec ov[3] = { { in, 7 }, { in + 7, 1 }, { in + 8, sizeof(in) - 8 } };
	struct msghdr mh = { .msg_iov = iv, .msg_iovlen = 3 };
	ssize_t n;

	memset(b, 'b', sizeof(b));
	memcpy(out, a, sizeof(a));
	memcpy(out + sizeof(a), b, sizeof(b));
	memcpy(out + sizeof(a) + sizeof(b), d, sizeof(d));
	n = sendmsg(c, &mh, MSG_NOSIGNAL);
	tap_ok(n == (ssize_t)sizeof(out), "sendmsg of 3 iovecs sends them all (%zd)", n);
	mh = (struct msghdr){ .msg_iov = ov, .msg_iovlen = 3 };
	n = recvmsg(s, &mh, MSG_WAITALL);
	tap_ok(n == (ssize_t)sizeof(out) && !memcmp(in, out, n) && !mh.msg_flags,
	       "recvmsg into 3 iovecs of other sizes gets the bytes in order (%zd)", n);
}

static void test_data(void)
{
	char buf[64];
	double t0, dt;
	ssize_t n;
	int c, s;

	if (!tap_ok(pair(&c, &s), "a connected pair for the data checks"))
		return;
	send_all(c, "hello", 5);
	recv_is(s, "hello", "data from client to server");
	send_all(s, "world!", 6);
	recv_is(c, "world!", "data from server to client");

	send_all(c, "peek", 4);
	poll_until(s, POLLIN, POLLIN, TIMEO_MS);
	n = recv(s, buf, sizeof(buf), MSG_PEEK);
	tap_ok(n == 4 && !memcmp(buf, "peek", 4), "MSG_PEEK gives the data (%zd)", n);
	recv_is(s, "peek", "... and leaves it for the next recv");
	tap_errno(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN,
		  "recv(MSG_DONTWAIT) with nothing queued: EAGAIN");
	set_timeo(s, 200);
	t0 = now_ms();
	n = recv(s, buf, sizeof(buf), 0);
	dt = now_ms() - t0;
	tap_ok(n < 0 && errno == EAGAIN && dt >= 150 && dt < 1500,
	       "a blocking recv with nothing queued: EAGAIN after SO_RCVTIMEO (%.0f of 200 ms)",
	       dt);
	set_timeo(s, TIMEO_MS);

	test_waitall(c, s);
	test_iovecs(c, s);
	close_pair(c, s);
}

#define BULK_BYTES	(4 << 20)

/* Writes a stream in sends of varying size, then shuts down writing. */
struct writer {
	pthread_t thread;
	int fd;
	long long len;
	int err;
};

static void *write_stream(void *arg)
{
	struct writer *w = arg;
	struct tx *t = malloc(sizeof(*t));

	w->err = ENOMEM;
	if (!t)
		return NULL;
	tx_init(t, 2);
	t->sizes = 7;
	w->err = tx_send(w->fd, t, w->len, CHUNK, 0);
	if (!w->err && shutdown(w->fd, SHUT_WR))
		w->err = errno;
	free(t);
	return NULL;
}

static void test_bulk(void)
{
	struct writer w = { .len = BULK_BYTES };
	uint64_t sizes = 3;
	struct rx r;
	ssize_t n;
	int c, s, reads = 0;

	if (!tap_ok(pair(&c, &s), "a connected pair for a bulk transfer"))
		return;
	w.fd = c;
	rx_init(&r, 2);
	if (!start(&w.thread, write_stream, &w)) {
		close_pair(c, s);
		return;
	}
	/* A reader slower than the writer: the buffers fill and the writer waits. */
	msleep(200);
	do {
		n = rx_read(s, &r, 1 + splitmix64(&sizes) % 8192, 0);
		if (++reads % 64 == 0)
			msleep(1);
	} while (n > 0);
	pthread_join(w.thread, NULL);
	if (r.err || r.bad_at >= 0 || r.got != BULK_BYTES)
		tap_diag("%lld bytes, first bad %lld, %s", r.got, r.bad_at, errname(r.err));
	tap_ok(!w.err, "a writer of %d bytes to a slow reader: every send succeeds (%s)",
	       BULK_BYTES, errname(w.err));
	tap_ok(!r.err && r.eof && r.bad_at < 0 && r.got == BULK_BYTES,
	       "the reader gets all %d bytes intact, in order, then EOF", BULK_BYTES);
	close_pair(c, s);
}

/*
 * Fill the socket buffers of a writer whose peer does not read.  Acks may
 * still free space after the first EAGAIN, so fill again until a round
 * finds them full after a pause: 200 ms, for a debug kernel's loopback
 * (vcoyo's goes through a work item) was seen to take more than 20.
 */
static int fill_buffers(int c, struct tx *t)
{
	long long before;
	int err = 0, round;

	for (round = 0; round < 50; round++) {
		before = t->sent;
		err = tx_send(c, t, t->sent + (256 << 20), CHUNK, MSG_DONTWAIT);
		if (err != EAGAIN || (round && t->sent == before))
			break;
		msleep(200);
	}
	return err;
}

/* Read what the writer's buffers hold until it polls writable again. */
static int drain_until_writable(int c, int s, struct rx *r)
{
	double end = now_ms() + TIMEO_MS;
	int m;

	do {
		if (poll_until(s, POLLIN, POLLIN, 10) & POLLIN)
			rx_read(s, r, CHUNK, MSG_DONTWAIT);
		m = poll_until(c, POLLOUT, POLLOUT, 0);
	} while (!(m & POLLOUT) && now_ms() < end && (!r->err || r->err == EAGAIN));
	return m;
}

static void test_full(void)
{
	struct tx *t = malloc(sizeof(*t));
	struct rx r;
	int c, s, err;

	if (!t || !tap_ok(pair(&c, &s), "a connected pair for the full-buffer checks")) {
		free(t);
		return;
	}
	tx_init(t, 3);
	rx_init(&r, 3);
	set_nonblock(c, true);
	err = fill_buffers(c, t);
	tap_ok(err == EAGAIN, "a nonblocking writer to a peer not reading: EAGAIN (%s, %lld bytes)",
	       errname(err), t->sent);
	mask_is(poll_until(c, POLLOUT, POLLOUT, 100), 0, "while the buffers are full, POLLOUT");
	mask_is(drain_until_writable(c, s, &r), POLLOUT, "once the reader drains them, poll gives");
	err = tx_send(c, t, t->sent + 1, CHUNK, MSG_DONTWAIT);
	tap_ok(!err, "... and send takes data again (%s)", errname(err));
	shutdown(c, SHUT_WR);
	r.err = 0;
	rx_check(s, &r, t->sent, "the reader gets every byte written, intact, then EOF");
	close_pair(c, s);
	free(t);
}

static void test_shutdown(void)
{
	const int all = POLLIN | POLLOUT | POLLRDHUP;
	int c, s, ep;
	char buf[64];

	if (!tap_ok(pair(&c, &s), "a connected pair for the shutdown checks"))
		return;
	ep = epoll_of(s, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	send_all(c, "last words", 10);
	tap_call(shutdown(c, SHUT_WR), "shutdown(SHUT_WR) after sending");
	mask_is(epoll_until(ep, EPOLLRDHUP, TIMEO_MS), EPOLLIN | EPOLLOUT | EPOLLRDHUP,
		"the peer's epoll gives");
	recv_is(s, "last words", "the peer reads the data");
	tap_ok(recv(s, buf, sizeof(buf), 0) == 0, "... then 0: EOF");
	tap_ok(recv(s, buf, sizeof(buf), 0) == 0, "... and 0 again");
	tap_errno(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_WR: EPIPE");
	send_all(s, "reply", 5);
	recv_is(c, "reply", "the half-closed side still receives what the peer sends");
	tap_call(shutdown(s, SHUT_WR), "the peer shuts down writing too");
	tap_ok(recv(c, buf, sizeof(buf), 0) == 0, "... and the first side reads EOF");
	mask_is(poll_until(c, all, POLLHUP, TIMEO_MS), all | POLLHUP,
		"after both shut down, poll on the first side gives");
	mask_is(poll_until(s, all, POLLHUP, TIMEO_MS), all | POLLHUP, "... and on the second");
	tap_ok(!close(c) && !close(s), "both close without error");
	if (ep >= 0)
		close(ep);
}

static void test_sigpipe(void)
{
	const int all = POLLIN | POLLOUT | POLLRDHUP;
	int c, s, before;

	if (!tap_ok(pair(&c, &s), "a connected pair for the SIGPIPE checks"))
		return;
	close(s);
	poll_until(c, POLLRDHUP, POLLRDHUP, TIMEO_MS);
	tap_ok(send(c, "x", 1, MSG_NOSIGNAL) == 1,
	       "after the peer closed, the first send succeeds: its FIN only ended its sending");
	mask_is(poll_until(c, all, POLLERR, TIMEO_MS), all | POLLERR | POLLHUP,
		"the closed peer resets: poll gives");
	before = sigpipes;
	tap_errno(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "then send(MSG_NOSIGNAL): EPIPE");
	tap_ok(sigpipes == before, "... without SIGPIPE (%d)", sigpipes - before);
	tap_errno(send(c, "x", 1, 0), EPIPE, "send without MSG_NOSIGNAL: EPIPE");
	tap_ok(sigpipes == before + 1, "... with one SIGPIPE (%d)", sigpipes - before);
	close(c);
}

static void test_reset(void)
{
	struct linger lg = { 1, 0 }, got = { -1, -1 };
	socklen_t len = sizeof(got);
	int c, s, ep;
	char buf[16];

	if (!tap_ok(pair(&c, &s), "a connected pair for the reset checks"))
		return;
	ep = epoll_of(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	send_all(c, "unread", 6);
	poll_until(s, POLLIN, POLLIN, TIMEO_MS);
	close(s);
	mask_is(epoll_until(ep, EPOLLERR, TIMEO_MS),
		EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP,
		"a peer that closes with unread data resets: epoll gives");
	tap_errno(recv(c, buf, sizeof(buf), 0), ECONNRESET, "... and recv ECONNRESET");
	tap_ok(recv(c, buf, sizeof(buf), 0) == 0, "a second recv gives 0: EOF");
	tap_errno(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after the reset: EPIPE");
	if (ep >= 0)
		close(ep);
	close(c);

	if (!tap_ok(pair(&c, &s), "a connected pair for SO_LINGER {1, 0}"))
		return;
	tap_call(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), "set SO_LINGER {1, 0}");
	getsockopt(c, SOL_SOCKET, SO_LINGER, &got, &len);
	tap_ok(got.l_onoff == 1 && got.l_linger == 0, "SO_LINGER reads back {1, 0} ({%d, %d})",
	       got.l_onoff, got.l_linger);
	close(c);
	tap_errno(recv(s, buf, sizeof(buf), 0), ECONNRESET,
		  "close with SO_LINGER {1, 0} resets: the peer's recv gives ECONNRESET");
	close(s);
}

/* Reads a stream to EOF after a delay. */
struct slow_reader {
	pthread_t thread;
	int fd, delay_ms;
	struct rx r;
};

static void *read_later(void *arg)
{
	struct slow_reader *sr = arg;

	msleep(sr->delay_ms);
	while (rx_read(sr->fd, &sr->r, CHUNK, 0) > 0)
		;
	return NULL;
}

#define LINGER_BYTES	(128 << 10)
#define LINGER_DELAY_MS	800

/*
 * A connection whose accepted end (*s) has a small receive buffer, so that
 * the peer's window holds little of LINGER_BYTES; the client, or -1.
 */
static int small_window_pair(int *s)
{
	struct name at;
	int l = bound_socket(&at, true), c = -1;

	*s = -1;
	/* Before listen: the accepted socket inherits it. */
	if (l < 0 || setint(l, SOL_SOCKET, SO_RCVBUF, 4096) || listen(l, 1)) {
		tap_diag("a listener with a small SO_RCVBUF: %s", strerror(errno));
	} else {
		c = ssock();
		/* Room for all of LINGER_BYTES: the sends need not wait for the reader. */
		setint(c, SOL_SOCKET, SO_SNDBUF, 1 << 20);
		if (connect_name(c, &at))
			tap_diag("connect to %s: %s", fmt_name(&at), strerror(errno));
		else
			*s = accept(l, NULL, NULL);
	}
	if (l >= 0)
		close(l);
	if (*s < 0 && c >= 0) {
		close(c);
		c = -1;
	}
	return c;
}

/*
 * Send LINGER_BYTES to a reader that starts LINGER_DELAY_MS later, and
 * close: until the reader drains its small buffer, not all the data is
 * acknowledged.  Returns how long close took, or -1.
 */
static double close_unacked(int linger_s, struct slow_reader *sr)
{
	struct linger lg = { 1, linger_s };
	struct tx *t = malloc(sizeof(*t));
	double t0, dt = -1;
	int c, err;

	memset(sr, 0, sizeof(*sr));
	rx_init(&sr->r, 4);
	sr->delay_ms = LINGER_DELAY_MS;
	c = small_window_pair(&sr->fd);
	if (c < 0 || !t || !start(&sr->thread, read_later, sr)) {
		close_pair(c, sr->fd);
		free(t);
		return -1;
	}
	tx_init(t, 4);
	err = tx_send(c, t, LINGER_BYTES, CHUNK, 0);
	if (err)
		tap_diag("send: %s", strerror(err));
	if (linger_s && setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		tap_diag("SO_LINGER: %s", strerror(errno));
	t0 = now_ms();
	err = close(c);
	dt = now_ms() - t0;
	if (err)
		tap_diag("close: %s", strerror(errno));
	pthread_join(sr->thread, NULL);
	close(sr->fd);
	free(t);
	return err ? -1 : dt;
}

static void test_linger(void)
{
	struct slow_reader sr;
	double dt;

	dt = close_unacked(5, &sr);
	tap_ok(dt >= LINGER_DELAY_MS / 2 && dt < 4000,
	       "close with SO_LINGER {1, 5} waits until the peer has it all, not 5 s (%.0f ms)",
	       dt);
	tap_ok(dt >= 0 && !sr.r.err && sr.r.eof && sr.r.bad_at < 0 && sr.r.got == LINGER_BYTES,
	       "... and the peer got all %d bytes, then EOF (%lld)", LINGER_BYTES, sr.r.got);
	dt = close_unacked(0, &sr);
	tap_ok(dt >= 0 && dt < LINGER_DELAY_MS / 2,
	       "close without SO_LINGER returns at once (%.0f ms)", dt);
	tap_ok(dt >= 0 && !sr.r.err && sr.r.eof && sr.r.bad_at < 0 && sr.r.got == LINGER_BYTES,
	       "... and the data still all arrives, then EOF (%lld)", sr.r.got);
}

static void test_options(void)
{
	int c, s, v;

	if (!tap_ok(pair(&c, &s), "a connected pair for the option checks"))
		return;
	tap_call(setint(c, SOL_SOCKET, SO_SNDBUF, 65536), "set SO_SNDBUF to 65536");
	v = getint(c, SOL_SOCKET, SO_SNDBUF);
	tap_ok(v == 2 * 65536, "SO_SNDBUF reads back doubled, as Linux does (%d)", v);
	tap_call(setint(c, SOL_SOCKET, SO_RCVBUF, 65536), "set SO_RCVBUF to 65536");
	v = getint(c, SOL_SOCKET, SO_RCVBUF);
	tap_ok(v == 2 * 65536, "SO_RCVBUF reads back doubled (%d)", v);
	v = getint(c, SOL_SOCKET, SO_KEEPALIVE);
	tap_ok(v == 0, "SO_KEEPALIVE is 0 by default (%d)", v);
	tap_call(setint(c, SOL_SOCKET, SO_KEEPALIVE, 1), "set SO_KEEPALIVE to 1");
	v = getint(c, SOL_SOCKET, SO_KEEPALIVE);
	tap_ok(v == 1, "SO_KEEPALIVE reads back 1 (%d)", v);
	v = getint(s, SOL_SOCKET, SO_ERROR);
	tap_ok(v == 0, "SO_ERROR is 0 on a healthy connection (%s)", errname(v));
	v = getint(s, SOL_SOCKET, SO_TYPE);
	tap_ok(v == SOCK_STREAM, "SO_TYPE of an accepted socket is SOCK_STREAM (%d)", v);
	close_pair(c, s);
}

/* How many events @ep has within @ms. */
static int epoll_count(int ep, int ms)
{
	struct epoll_event ev[4];
	int n;

	do
		n = epoll_wait(ep, ev, 4, ms);
	while (n < 0 && errno == EINTR);
	return n;
}

static void test_epoll(void)
{
	int c, s, ep, et, n;
	char buf[16];

	if (!tap_ok(pair(&c, &s), "a connected pair for the epoll checks"))
		return;
	ep = epoll_of(s, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	mask_is(epoll_until(ep, EPOLLOUT, TIMEO_MS), EPOLLOUT, "epoll on a new connection gives");
	send_all(c, "a", 1);
	mask_is(epoll_until(ep, EPOLLIN, TIMEO_MS), EPOLLIN | EPOLLOUT, "epoll once data came");
	mask_is(epoll_until(ep, EPOLLIN, 0), EPOLLIN | EPOLLOUT,
		"level-triggered, again while it is unread");
	recv(s, buf, sizeof(buf), 0);
	if (ep >= 0)
		close(ep);

	et = epoll_of(s, EPOLLIN | EPOLLET);
	n = epoll_count(et, 100);
	tap_ok(n == 0, "EPOLLET: no event before data (%d)", n);
	send_all(c, "b", 1);
	n = epoll_count(et, TIMEO_MS);
	tap_ok(n == 1, "EPOLLET: one event when data comes (%d)", n);
	n = epoll_count(et, 100);
	tap_ok(n == 0, "EPOLLET: none more while it stays unread (%d)", n);
	send_all(c, "c", 1);
	n = epoll_count(et, TIMEO_MS);
	tap_ok(n == 1, "EPOLLET: one more when more data comes (%d)", n);
	n = recv(s, buf, sizeof(buf), 0);
	tap_ok(n == 2 && !memcmp(buf, "bc", 2), "both arrivals are there to read (%d)", n);
	if (et >= 0)
		close(et);
	close_pair(c, s);
}

#define BACKLOG	4

static void test_backlog(void)
{
	struct name at, cn[BACKLOG], from;
	int l, c[BACKLOG], s, i, done = 0, in_order = 0;

	l = listener(BACKLOG, &at);
	if (!tap_ok(l >= 0, "a listener with backlog %d", BACKLOG))
		return;
	for (i = 0; i < BACKLOG; i++) {
		c[i] = ssock();
		if (!connect_name(c[i], &at) && sockname(c[i], &cn[i]))
			done++;
		/* Each handshake ends on the server before the next begins. */
		msleep(10);
	}
	tap_ok(done == BACKLOG, "%d connects complete before any accept (%d)", BACKLOG, done);
	for (i = 0; i < done; i++) {
		from.len = sizeof(from.ss);
		s = accept(l, &from.sa, &from.len);
		in_order += s >= 0 && same_name(&from, &cn[i]);
		if (s >= 0)
			close(s);
	}
	tap_ok(in_order == BACKLOG, "accept gives them in the order they connected (%d)", in_order);
	for (i = 0; i < BACKLOG; i++)
		if (c[i] >= 0)
			close(c[i]);
	close(l);
}

static void test_listener_close(void)
{
	struct name at;
	int l, c, s;
	char buf[16];

	l = listener(4, &at);
	c = ssock();
	tap_call(connect_name(c, &at), "connect to a listener that will not accept");
	poll_until(l, POLLIN, POLLIN, TIMEO_MS);
	close(l);
	tap_errno(recv(c, buf, sizeof(buf), 0), ECONNRESET,
		  "closing the listener resets it: recv gives ECONNRESET");
	close(c);

	l = listener(4, &at);
	c = ssock();
	connect_name(c, &at);
	send_all(c, "bye", 3);
	close(c);
	msleep(50);
	s = accept(l, NULL, NULL);
	tap_ok(s >= 0, "a connection closed before accept is still accepted");
	recv_is(s, "bye", "... with its data");
	tap_ok(recv(s, buf, sizeof(buf), 0) == 0, "... then EOF");
	if (s >= 0)
		close(s);
	close(l);
}

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void on_alarm(int sig)
{
	char msg[160];
	ssize_t w;
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "not ok %d - watchdog: not done in %d s\n1..%d\n",
		     tap_count + 1, WATCHDOG_S, tap_count + 1);
	w = write(STDOUT_FILENO, msg, n);
	(void)w;
	_exit(EXIT_FAILURE);
}

static int do_sem(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigpipe, .sa_flags = SA_RESTART };
	int opt;

	while ((opt = getopt(argc, argv, "f:p:")) != -1) {
		switch (opt) {
		case 'f':
			set_family(optarg);
			break;
		case 'p':
			next_port = number(optarg, 1024, 65535);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (af < 0)
		set_family("vcoyo");
	set_host(argv[optind]);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	signal(SIGALRM, on_alarm);
	alarm(WATCHDOG_S);
	tap_diag("family %s (%d), address %s, ports from %u", af_name, af, argv[optind],
		 next_port);

	test_socket();
	test_bind();
	test_connect();
	test_nonblocking_connect();
	test_refused();
	test_data();
	test_bulk();
	test_full();
	test_shutdown();
	test_sigpipe();
	test_reset();
	test_linger();
	test_options();
	test_epoll();
	test_backlog();
	test_listener_close();
	return tap_done();
}

/* ---- recv and send: many connections, one epoll loop ---- */

#define BLOCK		65536	/* a sender's stream buffer; an echo buffer */
#define READ_MAX	(256 << 10)
#define EVENTS_MAX	256
#define TURNS		16	/* reads or sends for one connection per event */
#define CONNS_MAX	10000
#define ID_LEN		8

struct conn {
	crypto_generichash_state hash;	/* of the stream, as sent or received */
	crypto_generichash_state back;	/* send -e: of what came back */
	int fd;
	int err;			/* the errno it failed with */
	const char *why;		/* or what else went wrong; NULL if nothing */
	bool connecting, shut, eof, done;
	uint32_t events;		/* what epoll watches on fd */
	uint64_t id;
	unsigned int id_len;		/* bytes of the id known */
	uint8_t id_buf[ID_LEN];
	long long bytes;		/* of the stream, sent or received */
	long long made;			/* send: of the stream, made into buf */
	long long back_bytes;
	struct stream st;		/* send: the stream after the id */
	uint64_t sizes;			/* send: the sizes of its sends */
	uint8_t *buf;			/* send: made, not sent; recv -e: not echoed */
	size_t head, tail;
	uint8_t digest[crypto_generichash_BYTES];
};

struct bulk {
	struct conn *conns;
	int n;			/* connections wanted */
	int started;		/* accepted or connecting so far */
	int open;		/* started, not done */
	int ep;
	int listener;		/* recv, while accepting */
	bool echo;
	long idle_ms;
	int user_timeout_ms;	/* TCP_USER_TIMEOUT of every connection, 0: none */
	long long len;		/* send: BYTES */
	double start, end, progress;
};

static void progress(struct bulk *b)
{
	b->progress = now_ms();
}

static void conn_close(struct bulk *b, struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->done = true;
	b->open--;
	b->end = now_ms();
}

static void conn_fail(struct bulk *b, struct conn *c, int err, const char *why)
{
	if (c->done)
		return;
	c->err = err;
	c->why = why;
	conn_close(b, c);
}

static void conn_finish(struct bulk *b, struct conn *c)
{
	crypto_generichash_final(&c->hash, c->digest, sizeof(c->digest));
	conn_close(b, c);
}

static void conn_watch(struct bulk *b, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == c->events)
		return;
	if (epoll_ctl(b->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev))
		conn_fail(b, c, errno, NULL);
	else
		c->events = events;
}

/*
 * -q, for benchmarks: the stream is zeros after the id and nobody hashes it,
 * so that the programs at the ends cost little beside the network between.
 */
static bool quick;

/* Take @n bytes of the stream: the id out of the first 8, and the hash. */
static void conn_take(struct conn *c, const uint8_t *p, size_t n)
{
	size_t k;

	for (k = 0; c->id_len < ID_LEN && k < n; k++) {
		c->id_buf[c->id_len++] = p[k];
		c->id = c->id << 8 | p[k];
	}
	if (!quick)
		crypto_generichash_update(&c->hash, p, n);
	c->bytes += n;
}

/* After a call failed: EINTR calls again, EAGAIN ends the turn, others the connection. */
static bool again(struct bulk *b, struct conn *c)
{
	if (errno == EINTR)
		return true;
	if (errno != EAGAIN)
		conn_fail(b, c, errno, NULL);
	return false;
}

/* ---- recv ---- */

static void recv_read(struct bulk *b, struct conn *c)
{
	static uint8_t buf[READ_MAX];
	uint8_t *p;
	size_t room;
	ssize_t n;
	int turn;

	for (turn = 0; turn < TURNS && !c->done && !c->eof; turn++) {
		p = b->echo ? c->buf + c->tail : buf;
		room = b->echo ? BLOCK - c->tail : sizeof(buf);
		if (!room)
			return;
		n = recv(c->fd, p, room, 0);
		if (n < 0 && again(b, c))
			continue;
		if (n < 0)
			return;
		progress(b);
		c->eof = !n;
		conn_take(c, p, n);
		if (b->echo)
			c->tail += n;
	}
}

static void echo_write(struct bulk *b, struct conn *c)
{
	ssize_t n;
	int turn;

	for (turn = 0; turn < TURNS && !c->done && c->head < c->tail; turn++) {
		n = send(c->fd, c->buf + c->head, c->tail - c->head, MSG_NOSIGNAL);
		if (n < 0 && again(b, c))
			continue;
		if (n < 0)
			return;
		progress(b);
		c->head += n;
	}
	if (c->head == c->tail) {
		c->head = c->tail = 0;
	} else if (c->head >= BLOCK / 2) {
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
}

/* What a receiving connection waits for next, or its end. */
static void recv_next(struct bulk *b, struct conn *c)
{
	uint32_t events = 0;

	if (c->done)
		return;
	if (c->eof && c->head == c->tail) {
		if (c->id_len < ID_LEN)
			conn_fail(b, c, 0, "EOF before the id");
		else if (b->echo && shutdown(c->fd, SHUT_WR))
			conn_fail(b, c, errno, NULL);
		else
			conn_finish(b, c);
		return;
	}
	if (!c->eof && (!b->echo || c->tail < BLOCK))
		events |= EPOLLIN | EPOLLRDHUP;
	if (c->head < c->tail)
		events |= EPOLLOUT;
	conn_watch(b, c, events);
}

static void recv_event(struct bulk *b, struct conn *c)
{
	recv_read(b, c);
	if (b->echo && !c->done)
		echo_write(b, c);
	recv_next(b, c);
}

static void stop_accepting(struct bulk *b)
{
	close(b->listener);
	b->listener = -1;
}

static void recv_accept(struct bulk *b)
{
	struct conn *c;
	int fd;

	while (b->started < b->n) {
		fd = accept4(b->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && errno == EAGAIN)
			return;
		if (fd < 0) {
			fprintf(stderr, "vstream: accept: %s\n", strerrorname_np(errno));
			stop_accepting(b);
			return;
		}
		if (!b->started)
			b->start = now_ms();
		progress(b);
		c = &b->conns[b->started++];
		b->open++;
		c->fd = fd;
		if (b->user_timeout_ms &&
		    setint(fd, SOL_TCP, TCP_USER_TIMEOUT, b->user_timeout_ms)) {
			conn_fail(b, c, errno, NULL);
			continue;
		}
		if (b->echo) {
			c->buf = malloc(BLOCK);
			if (!c->buf) {
				conn_fail(b, c, ENOMEM, NULL);
				continue;
			}
		}
		recv_next(b, c);
	}
	/* All came: later connections are not ours, they are reset. */
	stop_accepting(b);
}

/* ---- send ---- */

/* Sizes of sends: most of them large, a quarter from 1 to 4096 bytes. */
static size_t send_size(uint64_t *state)
{
	uint64_t r = splitmix64(state);

	if (r % 4 == 0)
		return 1 + (r >> 8) % 4096;
	return BLOCK / 2 + 1 + (r >> 8) % (BLOCK / 2);
}

/* Make the next part of the stream into the empty buffer, and hash it. */
static void send_make(struct bulk *b, struct conn *c)
{
	long long left = b->len - c->made;
	size_t len = left < BLOCK ? left : BLOCK, off = 0;

	if (!c->made) {
		for (off = 0; off < ID_LEN; off++)
			c->buf[off] = (uint8_t)(c->id >> (8 * (ID_LEN - 1 - off)));
	}
	if (quick) {
		memset(c->buf + off, 0, len - off);
	} else {
		stream_fill(&c->st, c->buf + off, len - off);
		crypto_generichash_update(&c->hash, c->buf, len);
	}
	c->made += len;
	c->head = 0;
	c->tail = len;
}

static void send_write(struct bulk *b, struct conn *c)
{
	size_t len;
	ssize_t n;
	int turn;

	for (turn = 0; turn < TURNS && !c->done && !c->shut; turn++) {
		if (c->head == c->tail && c->made < b->len)
			send_make(b, c);
		if (c->head == c->tail) {
			if (shutdown(c->fd, SHUT_WR))
				conn_fail(b, c, errno, NULL);
			c->shut = true;
			return;
		}
		len = send_size(&c->sizes);
		if (len > c->tail - c->head)
			len = c->tail - c->head;
		n = send(c->fd, c->buf + c->head, len, MSG_NOSIGNAL);
		if (n < 0 && again(b, c))
			continue;
		if (n < 0)
			return;
		progress(b);
		c->head += n;
		c->bytes += n;
	}
}

static void send_read(struct bulk *b, struct conn *c)
{
	static uint8_t buf[READ_MAX];
	ssize_t n;
	int turn;

	for (turn = 0; turn < TURNS && !c->done && !c->eof; turn++) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && again(b, c))
			continue;
		if (n < 0)
			return;
		progress(b);
		c->eof = !n;
		if (n && !b->echo)
			conn_fail(b, c, 0, "data came back without -e");
		crypto_generichash_update(&c->back, buf, n);
		c->back_bytes += n;
		if (c->back_bytes > b->len)
			conn_fail(b, c, 0, "more came back than was sent");
	}
}

/* Done when all is sent and EOF came; with -e what came back must match. */
static void send_next(struct bulk *b, struct conn *c)
{
	uint8_t back[crypto_generichash_BYTES];

	if (c->done)
		return;
	if (!c->shut || !c->eof) {
		conn_watch(b, c, EPOLLIN | EPOLLRDHUP | (c->shut ? 0 : EPOLLOUT));
		return;
	}
	conn_finish(b, c);
	crypto_generichash_final(&c->back, back, sizeof(back));
	if (b->echo && (c->back_bytes != c->bytes || memcmp(back, c->digest, sizeof(back))))
		c->why = "what came back differs";
}

static void send_event(struct bulk *b, struct conn *c, uint32_t events)
{
	int err;

	if (c->connecting || (events & EPOLLERR)) {
		err = getint(c->fd, SOL_SOCKET, SO_ERROR);
		if (err) {
			conn_fail(b, c, err < 0 ? errno : err, NULL);
			return;
		}
		if (c->connecting)
			progress(b);
		c->connecting = false;
	}
	send_read(b, c);
	if (!c->done)
		send_write(b, c);
	send_next(b, c);
}

static void send_open(struct bulk *b, struct conn *c, const struct name *to)
{
	c->id = b->started++;
	b->open++;
	stream_init(&c->st, c->id ^ 0x7673747265616d00ull);
	c->sizes = c->id;
	crypto_generichash_init(&c->back, NULL, 0, crypto_generichash_BYTES);
	c->buf = malloc(BLOCK);
	c->fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!c->buf || c->fd < 0 || (b->user_timeout_ms &&
	    setint(c->fd, SOL_TCP, TCP_USER_TIMEOUT, b->user_timeout_ms))) {
		conn_fail(b, c, c->buf ? errno : ENOMEM, NULL);
		return;
	}
	/* EINTR: the connect goes on, as with EINPROGRESS. */
	if (connect_name(c->fd, to) && errno != EINPROGRESS && errno != EINTR) {
		conn_fail(b, c, errno, NULL);
		return;
	}
	c->connecting = true;
	conn_watch(b, c, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}

/* ---- the loop, and the report ---- */

/* Events until every connection is done, or none moved for idle_ms. */
static void bulk_loop(struct bulk *b, bool sending)
{
	struct epoll_event ev[EVENTS_MAX];
	int i, n, wait;

	progress(b);
	while (b->open || b->listener >= 0) {
		wait = (int)(b->idle_ms - (now_ms() - b->progress));
		n = wait > 0 ? epoll_wait(b->ep, ev, EVENTS_MAX, wait) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("vstream: epoll_wait");
			exit(1);
		}
		if (!n && now_ms() - b->progress >= b->idle_ms)
			break;
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			if (!c && b->listener >= 0)
				recv_accept(b);
			else if (!c)
				continue;
			else if (!c->done && sending)
				send_event(b, c, ev[i].events);
			else if (!c->done)
				recv_event(b, c);
		}
	}
	for (i = 0; i < b->started; i++)
		conn_fail(b, &b->conns[i], ETIMEDOUT, NULL);
	if (b->listener >= 0) {
		fprintf(stderr, "vstream: %d of %d connections came in time\n", b->started, b->n);
		stop_accepting(b);
	}
}

/* Connections by id; those whose id never came, last. */
static int by_id(const void *pa, const void *pb)
{
	const struct conn *a = *(struct conn * const *)pa, *b = *(struct conn * const *)pb;

	if ((a->id_len < ID_LEN) != (b->id_len < ID_LEN))
		return a->id_len < ID_LEN ? 1 : -1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static bool conn_print(const struct conn *c, const struct conn *prev)
{
	char hex[2 * crypto_generichash_BYTES + 1];
	char id[24] = "-";

	if (c->id_len == ID_LEN)
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->id);
	if (c->err || c->why) {
		printf("conn %s error %s\n", id, c->err ? errname(c->err) : c->why);
		return false;
	}
	if (prev && prev->id_len == ID_LEN && prev->id == c->id) {
		printf("conn %s error duplicate id\n", id);
		return false;
	}
	sodium_bin2hex(hex, sizeof(hex), c->digest, sizeof(c->digest));
	printf("conn %s bytes %lld hash %s\n", id, c->bytes, hex);
	return true;
}

/* The conn lines and the total line: 0 if all of b->n are complete. */
static int bulk_report(struct bulk *b)
{
	struct conn **sorted = calloc(b->started + 1, sizeof(*sorted));
	long long bytes = 0;
	double s;
	int i, complete = 0;

	if (!sorted) {
		perror("vstream");
		return 1;
	}
	for (i = 0; i < b->started; i++)
		sorted[i] = &b->conns[i];
	qsort(sorted, b->started, sizeof(*sorted), by_id);
	for (i = 0; i < b->started; i++) {
		if (conn_print(sorted[i], i ? sorted[i - 1] : NULL)) {
			complete++;
			bytes += sorted[i]->bytes;
		}
	}
	s = complete ? (b->end - b->start) / 1e3 : 0;
	printf("total bytes %lld conns %d seconds %.3f MBps %.1f\n", bytes, complete, s,
	       s > 0 ? bytes / s / 1e6 : 0);
	free(sorted);
	return complete != b->n;
}

static void bulk_free(struct bulk *b)
{
	int i;

	for (i = 0; i < b->started; i++)
		free(b->conns[i].buf);
	free(b->conns);
	close(b->ep);
}

/* Room for the connections' descriptors: the soft limit up to the hard one. */
static void raise_nofile(int conns)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= (rlim_t)conns + 64)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("vstream: setrlimit");
}

static void bulk_init(struct bulk *b, int n)
{
	int i;

	if (sodium_init() < 0) {
		fprintf(stderr, "vstream: sodium_init failed\n");
		exit(1);
	}
	raise_nofile(n);
	b->n = n;
	b->listener = -1;
	/* The hash state wants 64-byte alignment, and so struct conn. */
	b->conns = aligned_alloc(_Alignof(struct conn), n * sizeof(struct conn));
	b->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!b->conns || b->ep < 0) {
		perror("vstream");
		exit(1);
	}
	memset(b->conns, 0, n * sizeof(struct conn));
	for (i = 0; i < n; i++) {
		b->conns[i].fd = -1;
		crypto_generichash_init(&b->conns[i].hash, NULL, 0, crypto_generichash_BYTES);
	}
}

/* Options common to recv and send; false for one neither knows. */
static bool bulk_option(struct bulk *b, int opt, int *conns)
{
	switch (opt) {
	case 'f':
		set_family(optarg);
		return true;
	case 'n':
		*conns = number(optarg, 1, CONNS_MAX);
		return true;
	case 't':
		b->idle_ms = number(optarg, 1, 3600000);
		return true;
	case 'e':
		b->echo = true;
		return true;
	case 'u':
		b->user_timeout_ms = number(optarg, 1, 3600000);
		return true;
	case 'q':
		quick = true;
		return true;
	}
	return false;
}

static void ready_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fclose(f)) {
		perror("vstream: ready file");
		exit(1);
	}
}

static void recv_listen(struct bulk *b, uint16_t port)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct name at;
	int fd;

	make_name(&at, true, port);
	fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setint(fd, SOL_SOCKET, SO_REUSEADDR, 1) || bind(fd, &at.sa, at.len) ||
	    listen(fd, b->n + 16) || epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev)) {
		fprintf(stderr, "vstream: listen on port %u: %s\n", port, strerror(errno));
		exit(1);
	}
	b->listener = fd;
}

static int do_recv(int argc, char **argv)
{
	struct bulk b = { .idle_ms = 30000 };
	const char *ready = NULL;
	int opt, conns = 1, ret;
	uint16_t port;

	while ((opt = getopt(argc, argv, "f:n:t:u:qr:e")) != -1) {
		if (opt == 'r')
			ready = optarg;
		else if (!bulk_option(&b, opt, &conns))
			usage();
	}
	if (argc - optind != 1)
		usage();
	port = number(argv[optind], 1, 65535);
	if (af < 0)
		set_family("vcoyo");
	bulk_init(&b, conns);
	recv_listen(&b, port);
	if (ready)
		ready_file(ready);
	bulk_loop(&b, false);
	ret = bulk_report(&b);
	bulk_free(&b);
	return ret;
}

static int do_send(int argc, char **argv)
{
	struct bulk b = { .idle_ms = 30000, .len = 1000000 };
	int opt, conns = 1, ret, i;
	struct name to;

	while ((opt = getopt(argc, argv, "f:n:t:u:qb:e")) != -1) {
		if (opt == 'b')
			b.len = number(optarg, ID_LEN, 1ll << 50);
		else if (!bulk_option(&b, opt, &conns))
			usage();
	}
	if (argc - optind != 2)
		usage();
	if (af < 0)
		set_family("vcoyo");
	set_host(argv[optind]);
	make_name(&to, false, number(argv[optind + 1], 1, 65535));
	bulk_init(&b, conns);
	b.start = now_ms();
	for (i = 0; i < conns; i++) {
		b.conns[i].id_len = ID_LEN;
		send_open(&b, &b.conns[i], &to);
	}
	bulk_loop(&b, true);
	ret = bulk_report(&b);
	bulk_free(&b);
	return ret;
}

/*
 * vstream hash FILE: "bytes N hash HEX" of a file, as a conn line gives them
 * for a stream, so that a test can compare what another program (socat)
 * sent or received with what vstream did.
 */
static int do_hash(int argc, char **argv)
{
	unsigned char digest[crypto_generichash_BYTES], buf[65536];
	char hex[2 * crypto_generichash_BYTES + 1];
	crypto_generichash_state st;
	long long bytes = 0;
	size_t n;
	FILE *f;

	if (argc != 2)
		usage();
	f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "vstream: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(digest));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		crypto_generichash_update(&st, buf, n);
		bytes += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "vstream: %s: read error\n", argv[1]);
		fclose(f);
		return 1;
	}
	fclose(f);
	crypto_generichash_final(&st, digest, sizeof(digest));
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	printf("bytes %lld hash %s\n", bytes, hex);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "sem"))
		return do_sem(argc - 1, argv + 1);
	if (!strcmp(argv[1], "recv"))
		return do_recv(argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "hash"))
		return do_hash(argc - 1, argv + 1);
	usage();
	return 2;
}
