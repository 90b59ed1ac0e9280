// SPDX-License-Identifier: GPL-2.0
/*
 * tun-gen: play vcoyo nodes from plain UDP sockets, speaking the wire format
 * of uapi/linux/vcoyo.h (hello, setup, ack, teardown, data), so that one
 * process can be the many neighbours of a node under test: the heads and
 * tails of thousands of tunnels through it, or the sender of packets no real
 * node would send.
 *
 *   tun-gen keys DIR
 *	Makes the identities of the two sockets of `many`: writes DIR/up.pub,
 *	DIR/down.pub (public keys, base64) and DIR/up.addr, DIR/down.addr
 *	(their addresses, text form), so that a test can add the node's route
 *	to the down side before any traffic.
 *
 *   tun-gen many -n N --up IP:PORT --down IP:PORT --node IP:PORT
 *		[--keys DIR] [--dst ADDRESS] [--window W] [--payload BYTES]
 *		[--timeout S] [--item-timeout MS] [--link-wait S] [--hello MS]
 *		[--linger S]
 *	Two sockets, bound to --up and --down, both neighbours of the node at
 *	--node (which must have a link to each, and a route to the tunnels'
 *	destination via the down one).  Both say hello every --hello MS
 *	(default 200: keep it well under the node's link timeout), with the
 *	keys of --keys DIR (or new ones), until the end.  Once the node's own
 *	hellos show it hears both, the up socket plays N tunnel heads: SETUPs
 *	with labels 1..N, made-up source addresses and destination --dst (by
 *	default the down socket's address); the down socket plays the tail,
 *	answering each setup the node forwards with an ACK carrying its own
 *	label 1000000+i.  Then one DATA per tunnel down (up socket to down
 *	socket) and one up, each checked for the label the far neighbour
 *	expects, its ports and its payload.  At most W (default 256) setups or
 *	data packets are in flight at a time: the node's control queue and the
 *	veth backlogs never overflow, so nothing is retransmitted; an answer
 *	that does not come within --item-timeout (default 5000 ms) is lost.
 *	Prints one line,
 *	  tunnels N setup S acked A down-ok D up-ok U in T s
 *	(S: setups that reached the tail; A: acks that reached the head; D, U:
 *	data packets that arrived intact), then one line of details; exits 0
 *	only if all four are N and nothing unexpected arrived.  With --linger,
 *	the two ends go on saying hello for S seconds after those lines, so
 *	that the node keeps its links to them, and the tunnels' labels, while
 *	a test sends it more (tun-gen send).
 *
 *   tun-gen send [-c COUNT] [-i MS] [-b SRC-IP] [-p SRC-PORT] [-r MS] KIND DST-IP DST-PORT [ARGS]
 *	Sends COUNT (default 1) hand-made packets of KIND (see `kinds` below
 *	or the usage) from a socket bound to SRC-IP:SRC-PORT if given, MS
 *	milliseconds apart with -i.  With -r, prints what comes back to that socket within MS milliseconds, one
 *	line per packet, hellos left out.  Exits 0 once sent.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sodium.h>
#include "addr.h"
#include "keys.h"

static_assert(sizeof(struct vcoyo_hello) == 56, "struct vcoyo_hello is 56 bytes");
static_assert(sizeof(struct vcoyo_setup) == 140, "struct vcoyo_setup is 140 bytes");
static_assert(sizeof(struct vcoyo_ack) == 12, "struct vcoyo_ack is 12 bytes");
static_assert(sizeof(struct vcoyo_teardown) == 12, "struct vcoyo_teardown is 12 bytes");
static_assert(sizeof(struct vcoyo_data) == 12, "struct vcoyo_data is 12 bytes");

#define HELLO_MS		200	/* default: well inside the default link timeout, 3500 ms */
#define LINK_SETTLE_NS		100000000u	/* a hello's trip to the node, with room */
#define TAIL_LABEL_BASE		1000000u	/* the tail's labels: base + i */
#define MAX_TUNNELS		(VCOYO_LABEL_MAX - TAIL_LABEL_BASE)
#define BATCH			64	/* packets per sendmmsg/recvmmsg */
#define PKT_MAX			2048	/* bigger than anything a node sends us here */
#define PAYLOAD_MAX		1024
#define RCVBUF			(16 << 20)	/* 10000 small skbs, with room */
#define COMPLAINTS_MAX		10	/* messages about bad packets, then quiet */
#define DATA_PORT		7777	/* the tails' port; each head's is 1024 + i */

/* Short packets: a common header and part of the fixed part of their type. */
#define DATA_SHORT_LEN		6
#define SETUP_SHORT_LEN		20
#define ACK_SHORT_LEN		8
#define TEARDOWN_SHORT_LEN	8

/* ---- small helpers ---- */

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("tun-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The clock of hellos; the node echoes it back, so only we read it. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static bool parse_ulong(const char *text, unsigned long min, unsigned long max,
			unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(text, &end, 10);
	return *text && !*end && !errno && *v >= min && *v <= max && text[0] != '-';
}

static unsigned long ulong_arg(const char *what, const char *text, unsigned long min,
			       unsigned long max)
{
	unsigned long v;

	if (!parse_ulong(text, min, max, &v))
		die("bad %s '%s' (%lu-%lu)", what, text, min, max);
	return v;
}

/* IPv4 or IPv6 address and port into ss; false if either is bad. */
static bool sockaddr_of(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
			const char *port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	unsigned long p;

	if (!parse_ulong(port, 0, 65535, &p))
		return false;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
		return true;
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
		return true;
	}
	return false;
}

/* "IPv4:PORT" or "[IPv6]:PORT", as vcoyo-nl writes endpoints. */
static void endpoint_arg(struct sockaddr_storage *ss, socklen_t *len, const char *text)
{
	char ip[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	size_t n;

	if (!colon || (size_t)(colon - text) >= sizeof(ip))
		die("bad endpoint '%s' (IPv4:PORT or [IPv6]:PORT)", text);
	n = colon - text;
	memcpy(ip, text, n);
	ip[n] = '\0';
	if (ip[0] == '[' && n >= 2 && ip[n - 1] == ']') {
		memmove(ip, ip + 1, n - 2);
		ip[n - 2] = '\0';
	}
	if (!sockaddr_of(ss, len, ip, colon + 1))
		die("bad endpoint '%s' (IPv4:PORT or [IPv6]:PORT)", text);
}

static bool same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

static int udp_socket(int family, const struct sockaddr_storage *bind_to, socklen_t len)
{
	int fd = socket(family, SOCK_DGRAM, 0), size = RCVBUF;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* FORCE goes past rmem_max, as root; the plain one is the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind_to && bind(fd, (const struct sockaddr *)bind_to, len))
		die("bind: %s", strerror(errno));
	return fd;
}

static void addr_arg(struct vcoyo_addr *addr, const char *text)
{
	const char *err;

	if (vcoyo_addr_parse(text, addr, &err))
		die("bad address '%s': %s", text, err);
}

/* ---- packets: one builder per type, each returning its length ---- */

static struct vcoyo_hdr hdr_of(uint8_t type)
{
	return (struct vcoyo_hdr){ .version = VCOYO_WIRE_VERSION, .type = type };
}

static size_t put_hello(void *buf, const uint8_t *public_key, uint64_t tx_ns, uint64_t echo_ns)
{
	struct vcoyo_hello *h = buf;

	memset(h, 0, sizeof(*h));
	h->hdr = hdr_of(VCOYO_MSG_HELLO);
	memcpy(h->public_key, public_key, VCOYO_KEY_LEN);
	h->tx_ns = htobe64(tx_ns);
	h->echo_ns = htobe64(echo_ns);
	return sizeof(*h);
}

static size_t put_setup(void *buf, uint32_t label, uint8_t hops_left,
			const struct vcoyo_addr *src, const struct vcoyo_addr *dst)
{
	struct vcoyo_setup *s = buf;

	memset(s, 0, sizeof(*s));
	s->hdr = hdr_of(VCOYO_MSG_SETUP);
	s->label = htonl(label);
	s->hops_left = hops_left;
	s->src = *src;
	s->dst = *dst;
	return sizeof(*s);
}

static size_t put_ack(void *buf, uint32_t label, uint32_t peer_label)
{
	struct vcoyo_ack *a = buf;

	memset(a, 0, sizeof(*a));
	a->hdr = hdr_of(VCOYO_MSG_ACK);
	a->label = htonl(label);
	a->peer_label = htonl(peer_label);
	return sizeof(*a);
}

static size_t put_teardown(void *buf, uint32_t label, uint8_t reason)
{
	struct vcoyo_teardown *t = buf;

	memset(t, 0, sizeof(*t));
	t->hdr = hdr_of(VCOYO_MSG_TEARDOWN);
	t->label = htonl(label);
	t->reason = reason;
	return sizeof(*t);
}

static size_t put_data(void *buf, uint32_t label, uint16_t sport, uint16_t dport,
		       const void *payload, size_t len)
{
	struct vcoyo_data *d = buf;

	d->hdr = hdr_of(VCOYO_MSG_DATA);
	d->label = htonl(label);
	d->sport = htons(sport);
	d->dport = htons(dport);
	memcpy(d + 1, payload, len);
	return sizeof(*d) + len;
}

/* One line saying what a packet from a node is, for `send -r`. */
static void describe(const uint8_t *p, size_t len)
{
	const struct vcoyo_hdr *h = (const void *)p;
	char key[VCOYO_KEY_B64_SIZE];

	if (len < sizeof(*h)) {
		printf("short %zu bytes\n", len);
		return;
	}
	if (h->version != VCOYO_WIRE_VERSION) {
		printf("version %u type %u len %zu\n", h->version, h->type, len);
		return;
	}
	if (h->type == VCOYO_MSG_HELLO && len >= sizeof(struct vcoyo_hello)) {
		vcoyo_key_to_base64(key, ((const struct vcoyo_hello *)p)->public_key);
		printf("hello key %s\n", key);
	} else if (h->type == VCOYO_MSG_SETUP && len >= sizeof(struct vcoyo_setup)) {
		const struct vcoyo_setup *s = (const void *)p;

		printf("setup label %u hops %u\n", ntohl(s->label), s->hops_left);
	} else if (h->type == VCOYO_MSG_ACK && len >= sizeof(struct vcoyo_ack)) {
		const struct vcoyo_ack *a = (const void *)p;

		printf("ack label %u peer %u\n", ntohl(a->label), ntohl(a->peer_label));
	} else if (h->type == VCOYO_MSG_TEARDOWN && len >= sizeof(struct vcoyo_teardown)) {
		const struct vcoyo_teardown *t = (const void *)p;

		printf("teardown label %u reason %u\n", ntohl(t->label), t->reason);
	} else if (h->type == VCOYO_MSG_NO_LABEL && len >= sizeof(struct vcoyo_no_label)) {
		const struct vcoyo_no_label *n = (const void *)p;

		printf("no-label label %u\n", ntohl(n->label));
	} else if (h->type == VCOYO_MSG_DATA && len >= sizeof(struct vcoyo_data)) {
		const struct vcoyo_data *d = (const void *)p;

		printf("data label %u sport %u dport %u payload %zu\n", ntohl(d->label),
		       ntohs(d->sport), ntohs(d->dport), len - sizeof(*d));
	} else {
		printf("type %u len %zu\n", h->type, len);
	}
}

/* ---- many: N tunnels through the node under test ---- */

/* What became of one tunnel, bits of struct tunnel's flags. */
enum {
	T_SETUP_SENT = 1 << 0,	/* the head sent its SETUP */
	T_FORWARDED = 1 << 1,	/* the tail got it from the node, and acked */
	T_ACKED = 1 << 2,	/* the head got the node's ACK */
	T_REFUSED = 1 << 3,	/* the head got a TEARDOWN instead */
	T_DOWN_SENT = 1 << 4,	/* the head sent its DATA */
	T_DOWN_OK = 1 << 5,	/* it reached the tail, intact */
	T_UP_SENT = 1 << 6,	/* the tail sent its DATA */
	T_UP_OK = 1 << 7,	/* it reached the head, intact */
};

struct tunnel {
	struct vcoyo_addr src;	/* the made-up head's address */
	uint32_t label_to_node_up;	/* the node's label, from its ACK to the head */
	uint32_t label_to_node_down;	/* the node's label, from its SETUP to the tail */
	uint16_t flags;
	bool in_flight;		/* counted in the window of the current phase */
	double sent_ms;
};

/* Packets waiting to leave one socket in a single sendmmsg. */
struct outq {
	unsigned int n;
	uint8_t buf[BATCH][sizeof(struct vcoyo_data) + PAYLOAD_MAX];
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
};

/* One of the generator's two sockets: a neighbour of the node. */
struct end {
	const char *name;
	int fd;
	uint8_t public_key[VCOYO_KEY_LEN];
	struct vcoyo_addr addr;
	uint64_t node_tx_ns;	/* the node's last hello, to echo back */
	uint64_t node_rx_ns;
	bool heard;		/* the node hears this end: its link to it is up */
	unsigned long hellos;	/* node hellos received */
	struct outq out;
};

struct gen {
	struct end up, down;
	struct sockaddr_storage node;
	socklen_t node_len;
	struct vcoyo_addr dst;
	struct tunnel *t;	/* t[1..n] */
	uint32_t n;
	size_t payload;
	unsigned int window;
	double item_timeout_ms;
	double hello_ms;
	uint64_t first_hello_ns;
	double next_hello_ms;
	uint16_t done_flag;	/* what ends a tunnel's turn in the current phase */
	unsigned int in_flight;
	unsigned long stray, bad, refused, lost, complaints;
	uint32_t *order;	/* tunnels in the order the phase sent them */
};

__attribute__((format(printf, 2, 3)))
static void complain(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	if (g->complaints++ >= COMPLAINTS_MAX)
		return;
	fputs("tun-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A packet the node should not have sent: counted, and it fails the run. */
__attribute__((format(printf, 2, 3)))
static void bad(struct gen *g, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	g->bad++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	complain(g, "unexpected: %s", msg);
}

static void outq_flush(struct gen *g, struct end *e)
{
	unsigned int done = 0;
	int n;

	while (done < e->out.n) {
		n = sendmmsg(e->fd, e->out.msg + done, e->out.n - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Lost packets show as lost tunnels; say why once. */
			complain(g, "%s: sendmmsg: %s", e->name, strerror(errno));
			break;
		}
		done += n;
	}
	e->out.n = 0;
}

/* A slot of e's batch to build a packet in; send it with outq_commit. */
static void *outq_slot(struct gen *g, struct end *e)
{
	if (e->out.n == BATCH)
		outq_flush(g, e);
	return e->out.buf[e->out.n];
}

static void outq_commit(struct gen *g, struct end *e, size_t len)
{
	struct mmsghdr *m = &e->out.msg[e->out.n];

	e->out.iov[e->out.n] = (struct iovec){ e->out.buf[e->out.n], len };
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_name = &g->node;
	m->msg_hdr.msg_namelen = g->node_len;
	m->msg_hdr.msg_iov = &e->out.iov[e->out.n];
	m->msg_hdr.msg_iovlen = 1;
	e->out.n++;
}

/* The payload of tunnel i's data packet in one direction: checkable. */
static void payload_of(uint8_t *buf, size_t len, uint32_t i, bool down)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31 + k * 7 + (down ? 0 : 0x55) + (i >> 8));
}

static uint16_t head_port(uint32_t i)
{
	return 1024 + i % 60000;
}

/* The made-up source address of tunnel i: random, but for its last four
 * bytes, which are i, so that the tail finds the tunnel of a setup at once. */
static void make_src(struct vcoyo_addr *src, uint32_t i)
{
	uint32_t be = htonl(i);

	randombytes_buf(src->bytes, VCOYO_ADDR_LEN - sizeof(be));
	memcpy(src->bytes + VCOYO_ADDR_LEN - sizeof(be), &be, sizeof(be));
}

/* A tunnel's turn in the current phase is over: its window slot is free. */
static void settle(struct gen *g, struct tunnel *t, uint16_t flag)
{
	t->flags |= flag;
	if ((flag & g->done_flag) && t->in_flight) {
		t->in_flight = false;
		g->in_flight--;
	}
}

static void send_hello(struct gen *g, struct end *e)
{
	struct vcoyo_hello h;
	uint64_t now = now_ns(), echo = 0;

	if (e->node_tx_ns)
		echo = e->node_tx_ns + (now - e->node_rx_ns);
	put_hello(&h, e->public_key, now, echo);
	if (sendto(e->fd, &h, sizeof(h), 0, (struct sockaddr *)&g->node, g->node_len) < 0)
		complain(g, "%s: hello: %s", e->name, strerror(errno));
}

static void rcv_hello(struct gen *g, struct end *e, const uint8_t *p, size_t len)
{
	const struct vcoyo_hello *h = (const void *)p;
	uint64_t echo;

	if (len < sizeof(*h)) {
		bad(g, "%s: hello of %zu bytes", e->name, len);
		return;
	}
	e->hellos++;
	e->node_tx_ns = be64toh(h->tx_ns);
	e->node_rx_ns = now_ns();
	echo = be64toh(h->echo_ns);
	/*
	 * An echo says the node heard a hello from this endpoint, not which
	 * one (it is the last tx_ns it heard plus the time since, so an old
	 * one looks new).  A hello the node sent well after our first one
	 * reached it tells that its link to us is up now.
	 */
	if (echo && e->node_rx_ns > g->first_hello_ns + LINK_SETTLE_NS)
		e->heard = true;
}

/* The tail: the node forwarded a setup; answer it with the tail's label. */
static void rcv_setup(struct gen *g, const uint8_t *p, size_t len)
{
	const struct vcoyo_setup *s = (const void *)p;
	struct tunnel *t;
	uint32_t i, label;

	if (len != sizeof(*s)) {
		bad(g, "down: setup of %zu bytes", len);
		return;
	}
	memcpy(&i, s->src.bytes + VCOYO_ADDR_LEN - sizeof(i), sizeof(i));
	i = ntohl(i);
	label = ntohl(s->label);
	if (i < 1 || i > g->n || memcmp(&s->src, &g->t[i].src, sizeof(s->src))) {
		bad(g, "down: setup from a source no head used");
		return;
	}
	t = &g->t[i];
	if (t->flags & T_FORWARDED) {
		bad(g, "down: second setup of tunnel %u", i);
		return;
	}
	if (memcmp(&s->dst, &g->dst, sizeof(s->dst)) || s->hops_left != VCOYO_SETUP_HOPS - 1 ||
	    label < 1 || label > VCOYO_LABEL_MAX) {
		bad(g, "down: setup of tunnel %u: label %u, hops_left %u (want %u), dst %s", i,
		    label, s->hops_left, VCOYO_SETUP_HOPS - 1,
		    memcmp(&s->dst, &g->dst, sizeof(s->dst)) ? "changed" : "intact");
		return;
	}
	t->label_to_node_down = label;
	t->flags |= T_FORWARDED;
	outq_commit(g, &g->down, put_ack(outq_slot(g, &g->down), label, TAIL_LABEL_BASE + i));
}

/* The head: the node's answer to a setup. */
static void rcv_ack(struct gen *g, const uint8_t *p, size_t len)
{
	const struct vcoyo_ack *a = (const void *)p;
	uint32_t i = ntohl(a->label), peer = ntohl(a->peer_label);

	if (len != sizeof(*a)) {
		bad(g, "up: ack of %zu bytes", len);
		return;
	}
	if (i < 1 || i > g->n || !(g->t[i].flags & T_SETUP_SENT) ||
	    (g->t[i].flags & (T_ACKED | T_REFUSED))) {
		bad(g, "up: ack for label %u, which waits for none", i);
		return;
	}
	if (peer < 1 || peer > VCOYO_LABEL_MAX) {
		bad(g, "up: ack of tunnel %u names label %u", i, peer);
		return;
	}
	g->t[i].label_to_node_up = peer;
	settle(g, &g->t[i], T_ACKED);
}

static void rcv_teardown(struct gen *g, struct end *e, const uint8_t *p, size_t len)
{
	const struct vcoyo_teardown *td = (const void *)p;
	uint32_t label = ntohl(td->label);

	if (len != sizeof(*td)) {
		bad(g, "%s: teardown of %zu bytes", e->name, len);
		return;
	}
	if (e == &g->up && label >= 1 && label <= g->n && !(g->t[label].flags & T_ACKED)) {
		/* The node refused the setup: expected when testing refusals. */
		if (!g->refused++)
			complain(g, "tunnel %u refused, reason %u", label, td->reason);
		settle(g, &g->t[label], T_REFUSED);
		return;
	}
	bad(g, "%s: teardown of label %u, reason %u", e->name, label, td->reason);
}

/* Data at either end: the label must be this end's, the rest intact. */
static void rcv_data(struct gen *g, struct end *e, const uint8_t *p, size_t len)
{
	const struct vcoyo_data *d = (const void *)p;
	bool down = e == &g->down;
	uint16_t sent = down ? T_DOWN_SENT : T_UP_SENT, ok = down ? T_DOWN_OK : T_UP_OK;
	uint32_t label = ntohl(d->label), i = down ? label - TAIL_LABEL_BASE : label;
	uint16_t want_sport, want_dport;
	uint8_t want[PAYLOAD_MAX];

	if (len < sizeof(*d)) {
		bad(g, "%s: data of %zu bytes", e->name, len);
		return;
	}
	if (i < 1 || i > g->n || !(g->t[i].flags & sent) || (g->t[i].flags & ok)) {
		bad(g, "%s: data with label %u, which no tunnel waits for", e->name, label);
		return;
	}
	want_sport = down ? head_port(i) : DATA_PORT;
	want_dport = down ? DATA_PORT : head_port(i);
	payload_of(want, g->payload, i, down);
	if (ntohs(d->sport) != want_sport || ntohs(d->dport) != want_dport ||
	    len - sizeof(*d) != g->payload || memcmp(d + 1, want, g->payload)) {
		bad(g, "%s: data of tunnel %u: ports %u -> %u (want %u -> %u), payload %zu bytes%s",
		    e->name, i, ntohs(d->sport), ntohs(d->dport), want_sport, want_dport,
		    len - sizeof(*d),
		    len - sizeof(*d) == g->payload && memcmp(d + 1, want, g->payload) ?
		    ", changed" : "");
		return;
	}
	settle(g, &g->t[i], ok);
}

static void rcv(struct gen *g, struct end *e, const uint8_t *p, size_t len)
{
	const struct vcoyo_hdr *h = (const void *)p;

	if (len < sizeof(*h) || h->version != VCOYO_WIRE_VERSION) {
		bad(g, "%s: %zu bytes, not vcoyo version %u", e->name, len, VCOYO_WIRE_VERSION);
		return;
	}
	switch (h->type) {
	case VCOYO_MSG_HELLO:
		rcv_hello(g, e, p, len);
		break;
	case VCOYO_MSG_SETUP:
		if (e == &g->down)
			rcv_setup(g, p, len);
		else
			bad(g, "up: a setup");
		break;
	case VCOYO_MSG_ACK:
		if (e == &g->up)
			rcv_ack(g, p, len);
		else
			bad(g, "down: an ack");
		break;
	case VCOYO_MSG_TEARDOWN:
		rcv_teardown(g, e, p, len);
		break;
	case VCOYO_MSG_DATA:
		rcv_data(g, e, p, len);
		break;
	default:
		bad(g, "%s: type %u", e->name, h->type);
	}
}

/* Read what is waiting on e, a batch at a time, without blocking. */
static void drain(struct gen *g, struct end *e)
{
	static uint8_t buf[BATCH][PKT_MAX];
	static struct sockaddr_storage from[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	int n, k, rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		memset(msg, 0, sizeof(msg));
		for (k = 0; k < BATCH; k++) {
			iov[k] = (struct iovec){ buf[k], PKT_MAX };
			msg[k].msg_hdr.msg_iov = &iov[k];
			msg[k].msg_hdr.msg_iovlen = 1;
			msg[k].msg_hdr.msg_name = &from[k];
			msg[k].msg_hdr.msg_namelen = sizeof(from[k]);
		}
		n = recvmmsg(e->fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (k = 0; k < n; k++) {
			if (!same_endpoint(&from[k], &g->node)) {
				g->stray++;
				continue;
			}
			rcv(g, e, buf[k], msg[k].msg_len);
		}
		if (n < BATCH)
			break;
	}
	/* The tail's acks go out together. */
	outq_flush(g, &g->down);
	outq_flush(g, &g->up);
}

/* Wait up to wait_ms for packets and handle them; say hello when due. */
static void pump(struct gen *g, double wait_ms)
{
	struct pollfd pfd[2] = { { g->up.fd, POLLIN, 0 }, { g->down.fd, POLLIN, 0 } };
	double now = now_ms();
	int timeout;

	if (now >= g->next_hello_ms) {
		send_hello(g, &g->up);
		send_hello(g, &g->down);
		g->next_hello_ms = now + g->hello_ms;
	}
	if (wait_ms > g->next_hello_ms - now)
		wait_ms = g->next_hello_ms - now;
	timeout = wait_ms < 0 ? 0 : (int)wait_ms + 1;
	if (poll(pfd, 2, timeout) <= 0)
		return;
	if (pfd[0].revents)
		drain(g, &g->up);
	if (pfd[1].revents)
		drain(g, &g->down);
}

/* One phase of `many`: a packet per tunnel, a window of them in flight. */
struct phase {
	const char *name;
	uint16_t need;		/* flags a tunnel must have to take part */
	uint16_t sent, done;
	bool from_down;
	size_t (*build)(struct gen *g, uint32_t i, void *buf);
};

static size_t build_setup(struct gen *g, uint32_t i, void *buf)
{
	return put_setup(buf, i, VCOYO_SETUP_HOPS, &g->t[i].src, &g->dst);
}

static size_t build_down(struct gen *g, uint32_t i, void *buf)
{
	uint8_t payload[PAYLOAD_MAX];

	payload_of(payload, g->payload, i, true);
	return put_data(buf, g->t[i].label_to_node_up, head_port(i), DATA_PORT, payload,
			g->payload);
}

static size_t build_up(struct gen *g, uint32_t i, void *buf)
{
	uint8_t payload[PAYLOAD_MAX];

	payload_of(payload, g->payload, i, false);
	return put_data(buf, g->t[i].label_to_node_down, DATA_PORT, head_port(i), payload,
			g->payload);
}

static const struct phase phases[] = {
	{ "setup", 0, T_SETUP_SENT, T_ACKED | T_REFUSED, false, build_setup },
	{ "down", T_ACKED, T_DOWN_SENT, T_DOWN_OK, false, build_down },
	{ "up", T_ACKED | T_FORWARDED, T_UP_SENT, T_UP_OK, true, build_up },
};

/* Runs a phase; false if the deadline passed. */
static bool run_phase(struct gen *g, const struct phase *ph, double deadline)
{
	struct end *e = ph->from_down ? &g->down : &g->up;
	uint32_t next = 1, pushed = 0, front = 0, i;
	struct tunnel *t;
	double now;

	g->done_flag = ph->done;
	g->in_flight = 0;
	while (next <= g->n || g->in_flight) {
		now = now_ms();
		if (now > deadline)
			return false;
		while (g->in_flight < g->window && next <= g->n) {
			i = next++;
			t = &g->t[i];
			if ((t->flags & ph->need) != ph->need)
				continue;
			outq_commit(g, e, ph->build(g, i, outq_slot(g, e)));
			t->flags |= ph->sent;
			t->in_flight = true;
			t->sent_ms = now;
			g->in_flight++;
			g->order[pushed++] = i;
		}
		outq_flush(g, e);
		pump(g, 50);
		/* No retransmission: an answer this late is not coming. */
		now = now_ms();
		while (front < pushed) {
			t = &g->t[g->order[front]];
			if (t->in_flight && now - t->sent_ms < g->item_timeout_ms)
				break;
			if (t->in_flight) {
				t->in_flight = false;
				g->in_flight--;
				if (!g->lost++)
					complain(g, "%s of tunnel %u: no answer within %.0f ms",
						 ph->name, g->order[front], g->item_timeout_ms);
			}
			front++;
		}
	}
	return true;
}

static unsigned long count_flag(const struct gen *g, uint16_t flag)
{
	unsigned long c = 0;
	uint32_t i;

	for (i = 1; i <= g->n; i++)
		c += !!(g->t[i].flags & flag);
	return c;
}

/* A new identity for one end, or the one `keys` wrote in dir. */
static void end_identity(struct end *e, const char *dir)
{
	uint8_t priv[VCOYO_KEY_LEN];
	char path[4096];
	const char *err = NULL;

	if (!dir) {
		if (vcoyo_key_generate(priv) || vcoyo_key_public(e->public_key, priv))
			die("cannot make a key");
		vcoyo_key_clear(priv, sizeof(priv));
	} else {
		snprintf(path, sizeof(path), "%s/%s.pub", dir, e->name);
		if (vcoyo_key_read_path(e->public_key, path, &err))
			die("%s: %s", path, err ? err : strerror(errno));
	}
	vcoyo_key_addr(&e->addr, e->public_key);
}

static int mode_keys(int argc, char **argv)
{
	const char *names[] = { "up", "down" };
	char path[4096], key[VCOYO_KEY_B64_SIZE], text[VCOYO_ADDR_STRLEN];
	struct end e;
	FILE *f;
	int k;

	if (argc != 2)
		die("usage: tun-gen keys DIR");
	for (k = 0; k < 2; k++) {
		e.name = names[k];
		end_identity(&e, NULL);
		vcoyo_key_to_base64(key, e.public_key);
		vcoyo_addr_format(&e.addr, text);
		snprintf(path, sizeof(path), "%s/%s.pub", argv[1], e.name);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%s\n", key) < 0 || fclose(f))
			die("%s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/%s.addr", argv[1], e.name);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f))
			die("%s: %s", path, strerror(errno));
	}
	return 0;
}

static void many_usage(void)
{
	die("usage: tun-gen many -n N --up IP:PORT --down IP:PORT --node IP:PORT [--keys DIR]\n"
	    "\t[--dst ADDRESS] [--window W] [--payload BYTES] [--timeout S]\n"
	    "\t[--item-timeout MS] [--link-wait S] [--hello MS] [--linger S]");
}

static int mode_many(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "up", required_argument, NULL, 'u' },
		{ "down", required_argument, NULL, 'd' },
		{ "node", required_argument, NULL, 'N' },
		{ "keys", required_argument, NULL, 'k' },
		{ "dst", required_argument, NULL, 'D' },
		{ "window", required_argument, NULL, 'w' },
		{ "payload", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 't' },
		{ "item-timeout", required_argument, NULL, 'i' },
		{ "link-wait", required_argument, NULL, 'l' },
		{ "hello", required_argument, NULL, 'h' },
		{ "linger", required_argument, NULL, 'L' },
		{ 0 }
	};
	static struct gen g;
	struct sockaddr_storage up_ss, down_ss;
	socklen_t up_len = 0, down_len = 0;
	const char *keys = NULL, *dst = NULL;
	double start, t_links, t_setup, t_down, t_up, deadline, timeout_s = 300, link_wait_s = 20;
	double linger_s = 0;
	unsigned long setup, acked, down_ok, up_ok;
	bool ok = true, timed_out = false;
	size_t k;
	int opt;

	g.window = 256;
	g.payload = 32;
	g.item_timeout_ms = 5000;
	g.hello_ms = HELLO_MS;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			g.n = ulong_arg("-n", optarg, 1, MAX_TUNNELS);
			break;
		case 'u':
			endpoint_arg(&up_ss, &up_len, optarg);
			break;
		case 'd':
			endpoint_arg(&down_ss, &down_len, optarg);
			break;
		case 'N':
			endpoint_arg(&g.node, &g.node_len, optarg);
			break;
		case 'k':
			keys = optarg;
			break;
		case 'D':
			dst = optarg;
			break;
		case 'w':
			g.window = ulong_arg("--window", optarg, 1, 4096);
			break;
		case 'P':
			g.payload = ulong_arg("--payload", optarg, 0, PAYLOAD_MAX);
			break;
		case 't':
			timeout_s = ulong_arg("--timeout", optarg, 1, 86400);
			break;
		case 'i':
			g.item_timeout_ms = ulong_arg("--item-timeout", optarg, 1, 600000);
			break;
		case 'l':
			link_wait_s = ulong_arg("--link-wait", optarg, 1, 3600);
			break;
		case 'h':
			g.hello_ms = ulong_arg("--hello", optarg, 10, 60000);
			break;
		case 'L':
			linger_s = ulong_arg("--linger", optarg, 0, 3600);
			break;
		default:
			many_usage();
		}
	}
	if (optind != argc || !g.n || !up_len || !down_len || !g.node_len)
		many_usage();
	if (up_ss.ss_family != g.node.ss_family || down_ss.ss_family != g.node.ss_family)
		die("--up, --down and --node must be all IPv4 or all IPv6");

	g.up.name = "up";
	g.down.name = "down";
	end_identity(&g.up, keys);
	end_identity(&g.down, keys);
	if (dst)
		addr_arg(&g.dst, dst);
	else
		g.dst = g.down.addr;
	g.t = calloc(g.n + 1, sizeof(*g.t));
	g.order = calloc(g.n, sizeof(*g.order));
	if (!g.t || !g.order)
		die("out of memory");
	for (k = 1; k <= g.n; k++)
		make_src(&g.t[k].src, k);
	g.up.fd = udp_socket(g.node.ss_family, &up_ss, up_len);
	g.down.fd = udp_socket(g.node.ss_family, &down_ss, down_len);

	/* Links first: the node must hear both ends before a setup can cross. */
	start = now_ms();
	g.first_hello_ns = now_ns();
	while (!(g.up.heard && g.down.heard)) {
		if (now_ms() - start > link_wait_s * 1000)
			die("the node's hellos do not echo ours within %.0f s (up: %lu hellos, "
			    "down: %lu): does it have an identity, and links to both?",
			    link_wait_s, g.up.hellos, g.down.hellos);
		pump(&g, g.hello_ms);
	}
	t_links = now_ms();
	deadline = t_links + timeout_s * 1000;

	timed_out = !run_phase(&g, &phases[0], deadline);
	t_setup = now_ms();
	timed_out = timed_out || !run_phase(&g, &phases[1], deadline);
	t_down = now_ms();
	timed_out = timed_out || !run_phase(&g, &phases[2], deadline);
	t_up = now_ms();
	/* Stragglers, duplicates and stray teardowns show in a short while. */
	while (!timed_out && now_ms() - t_up < 100)
		pump(&g, 100);
	if (timed_out)
		complain(&g, "gave up after %.0f s", timeout_s);

	setup = count_flag(&g, T_FORWARDED);
	acked = count_flag(&g, T_ACKED);
	down_ok = count_flag(&g, T_DOWN_OK);
	up_ok = count_flag(&g, T_UP_OK);
	printf("tunnels %u setup %lu acked %lu down-ok %lu up-ok %lu in %.1f s\n", g.n, setup,
	       acked, down_ok, up_ok, (t_up - t_links) / 1000);
	printf("links %.2f s, setup %.2f s, down %.2f s, up %.2f s; refused %lu, lost %lu, "
	       "unexpected %lu, stray %lu, node hellos %lu+%lu\n",
	       (t_links - start) / 1000, (t_setup - t_links) / 1000, (t_down - t_setup) / 1000,
	       (t_up - t_down) / 1000, g.refused, g.lost, g.bad, g.stray, g.up.hellos,
	       g.down.hellos);
	ok = !timed_out && setup == g.n && acked == g.n && down_ok == g.n && up_ok == g.n &&
	     !g.bad;
	fflush(stdout);
	for (start = now_ms(); now_ms() - start < linger_s * 1000;)
		pump(&g, 100);
	free(g.t);
	free(g.order);
	close(g.up.fd);
	close(g.down.fd);
	return ok ? 0 : 1;
}

/* ---- send: one hand-made packet of a kind ---- */

/* Builds the packet from the kind's arguments into buf; its length. */
typedef size_t (*kind_fn)(uint8_t *buf, int argc, char **argv);

static uint32_t label_arg(const char *text)
{
	return ulong_arg("label", text, 0, UINT32_MAX);
}

static void random_addr(struct vcoyo_addr *a)
{
	randombytes_buf(a->bytes, sizeof(a->bytes));
}

static size_t kind_hello(uint8_t *buf, int argc, char **argv)
{
	uint8_t key[VCOYO_KEY_LEN];
	const char *err;

	(void)argc;
	if (vcoyo_key_from_base64(key, argv[0], &err))
		die("bad key: %s", err);
	return put_hello(buf, key, now_ns(), 0);
}

static size_t kind_setup(uint8_t *buf, int argc, char **argv)
{
	struct vcoyo_addr src, dst;

	addr_arg(&src, argv[1]);
	addr_arg(&dst, argv[2]);
	return put_setup(buf, label_arg(argv[0]),
			 argc > 3 ? ulong_arg("hops", argv[3], 0, 255) : VCOYO_SETUP_HOPS,
			 &src, &dst);
}

static size_t kind_setup_short(uint8_t *buf, int argc, char **argv)
{
	struct vcoyo_addr src, dst;

	random_addr(&src);
	random_addr(&dst);
	put_setup(buf, argc ? label_arg(argv[0]) : 1, VCOYO_SETUP_HOPS, &src, &dst);
	return SETUP_SHORT_LEN;
}

/*
 * Setups no node may pass on.  hops0: the hop limit is reached (refused,
 * HOP_LIMIT); label0: 0 is "no label"; src-zero, dst-zero: the any address
 * names no node; src-is-dst: a tunnel from a node to itself.  The last
 * three are the "impossible endpoints" of VCOYO_REASON_INVALID.
 */
static size_t kind_setup_bad(uint8_t *buf, int argc, char **argv)
{
	struct vcoyo_addr src, dst;
	uint32_t label = 1;
	uint8_t hops = VCOYO_SETUP_HOPS;
	const char *how = argv[0];

	random_addr(&src);
	if (argc > 1)
		addr_arg(&dst, argv[1]);
	else
		random_addr(&dst);
	if (!strcmp(how, "hops0"))
		hops = 0;
	else if (!strcmp(how, "label0"))
		label = 0;
	else if (!strcmp(how, "src-zero"))
		memset(&src, 0, sizeof(src));
	else if (!strcmp(how, "dst-zero"))
		memset(&dst, 0, sizeof(dst));
	else if (!strcmp(how, "src-is-dst"))
		src = dst;
	else
		die("setup-bad: unknown '%s' (hops0, label0, src-zero, dst-zero, src-is-dst)",
		    how);
	return put_setup(buf, label, hops, &src, &dst);
}

static size_t kind_ack(uint8_t *buf, int argc, char **argv)
{
	(void)argc;
	return put_ack(buf, label_arg(argv[0]), label_arg(argv[1]));
}

static size_t kind_ack_short(uint8_t *buf, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	put_ack(buf, 1, 1);
	return ACK_SHORT_LEN;
}

static size_t kind_teardown(uint8_t *buf, int argc, char **argv)
{
	return put_teardown(buf, label_arg(argv[0]),
			    argc > 1 ? ulong_arg("reason", argv[1], 0, 255) : VCOYO_REASON_NONE);
}

static size_t kind_teardown_short(uint8_t *buf, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	put_teardown(buf, 1, VCOYO_REASON_NONE);
	return TEARDOWN_SHORT_LEN;
}

static size_t kind_no_label(uint8_t *buf, int argc, char **argv)
{
	struct vcoyo_no_label msg = {
		.hdr = { .version = VCOYO_WIRE_VERSION, .type = VCOYO_MSG_NO_LABEL },
	};

	(void)argc;
	msg.label = htonl(label_arg(argv[0]));
	memcpy(buf, &msg, sizeof(msg));
	return sizeof(msg);
}

static size_t kind_data(uint8_t *buf, int argc, char **argv)
{
	const char *text = argc > 3 ? argv[3] : "tun-gen data\n";
	size_t len = strlen(text);

	if (len > PAYLOAD_MAX)
		die("payload longer than %d bytes", PAYLOAD_MAX);
	return put_data(buf, label_arg(argv[0]),
			argc > 1 ? ulong_arg("sport", argv[1], 0, 65535) : DATA_PORT,
			argc > 2 ? ulong_arg("dport", argv[2], 0, 65535) : DATA_PORT, text, len);
}

static size_t kind_data_short(uint8_t *buf, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	put_data(buf, 1, DATA_PORT, DATA_PORT, "", 0);
	return DATA_SHORT_LEN;
}

static const struct kind {
	const char *name;
	const char *args;
	int min_args, max_args;
	kind_fn build;
} kinds[] = {
	{ "hello", "PUBLIC-KEY", 1, 1, kind_hello },
	{ "setup", "LABEL SRC-ADDRESS DST-ADDRESS [HOPS]", 3, 4, kind_setup },
	{ "setup-short", "[LABEL]   (20 bytes)", 0, 1, kind_setup_short },
	{ "setup-bad", "hops0|label0|src-zero|dst-zero|src-is-dst [DST-ADDRESS]", 1, 2,
	  kind_setup_bad },
	{ "ack", "LABEL PEER-LABEL", 2, 2, kind_ack },
	{ "ack-short", "  (8 bytes)", 0, 0, kind_ack_short },
	{ "teardown", "LABEL [REASON]", 1, 2, kind_teardown },
	{ "teardown-short", "  (8 bytes)", 0, 0, kind_teardown_short },
	{ "no-label", "LABEL", 1, 1, kind_no_label },
	{ "data", "LABEL [SPORT [DPORT [PAYLOAD]]]", 1, 4, kind_data },
	{ "data-short", "  (6 bytes)", 0, 0, kind_data_short },
};

static void send_usage(void)
{
	size_t k;

	fprintf(stderr, "usage: tun-gen send [-c COUNT] [-i MS] [-b SRC-IP] [-p SRC-PORT] [-r MS] "
		"KIND DST-IP DST-PORT [ARGS]\nKIND ARGS:\n");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		fprintf(stderr, "  %s %s\n", kinds[k].name, kinds[k].args);
	exit(1);
}

/* Print what the node sends back to fd within ms milliseconds. */
static void replies(int fd, unsigned long ms)
{
	static uint8_t buf[65536];
	double end = now_ms() + ms;
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	while (now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - now_ms()) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		/* The node's hellos to a linked endpoint are no answer. */
		if (n >= 2 && buf[0] == VCOYO_WIRE_VERSION && buf[1] == VCOYO_MSG_HELLO)
			continue;
		if (n >= 0)
			describe(buf, n);
	}
	fflush(stdout);
}

static int mode_send(int argc, char **argv)
{
	const char *src_ip = NULL, *src_port = NULL;
	unsigned long count = 1, reply_ms = 0, gap_ms = 0, c;
	static uint8_t buf[sizeof(struct vcoyo_data) + PAYLOAD_MAX];
	struct sockaddr_storage dst, src;
	socklen_t dst_len, src_len = 0;
	const struct kind *kind = NULL;
	int opt, fd, nargs;
	size_t k, len;

	optind = 1;
	while ((opt = getopt(argc, argv, "+c:i:b:p:r:")) != -1) {
		switch (opt) {
		case 'c':
			count = ulong_arg("count", optarg, 1, 100000000);
			break;
		case 'b':
			src_ip = optarg;
			break;
		case 'p':
			src_port = optarg;
			break;
		case 'r':
			reply_ms = ulong_arg("-r", optarg, 0, 3600000);
			break;
		case 'i':
			gap_ms = ulong_arg("-i", optarg, 0, 3600000);
			break;
		default:
			send_usage();
		}
	}
	if (argc - optind < 3)
		send_usage();
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(kinds[k].name, argv[optind]))
			kind = &kinds[k];
	nargs = argc - optind - 3;
	if (!kind) {
		fprintf(stderr, "tun-gen: unknown kind '%s'\n", argv[optind]);
		send_usage();
	}
	if (nargs < kind->min_args || nargs > kind->max_args) {
		fprintf(stderr, "tun-gen: %s takes %s\n", kind->name, kind->args);
		send_usage();
	}
	if (!sockaddr_of(&dst, &dst_len, argv[optind + 1], argv[optind + 2]))
		die("bad destination %s port %s", argv[optind + 1], argv[optind + 2]);
	if ((src_ip || src_port) &&
	    (!sockaddr_of(&src, &src_len,
			  src_ip ? src_ip : dst.ss_family == AF_INET ? "0.0.0.0" : "::",
			  src_port ? src_port : "0") || src.ss_family != dst.ss_family))
		die("bad source %s port %s", src_ip ? src_ip : "any", src_port ? src_port : "any");

	fd = udp_socket(dst.ss_family, src_ip || src_port ? &src : NULL, src_len);
	for (c = 0; c < count; c++) {
		if (c && gap_ms) {
			struct timespec ts = { .tv_sec = gap_ms / 1000,
					       .tv_nsec = gap_ms % 1000 * 1000000 };

			nanosleep(&ts, NULL);
		}
		len = kind->build(buf, nargs, argv + optind + 3);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst, dst_len) != (ssize_t)len)
			die("sendto: %s", strerror(errno));
	}
	if (reply_ms)
		replies(fd, reply_ms);
	close(fd);
	return 0;
}

static const struct mode {
	const char *name;
	int (*run)(int argc, char **argv);
} modes[] = {
	{ "keys", mode_keys },
	{ "many", mode_many },
	{ "send", mode_send },
};

int main(int argc, char **argv)
{
	size_t k;

	if (sodium_init() < 0)
		die("cannot initialise libsodium");
	for (k = 0; argc > 1 && k < sizeof(modes) / sizeof(modes[0]); k++)
		if (!strcmp(modes[k].name, argv[1]))
			return modes[k].run(argc - 1, argv + 1);
	fprintf(stderr, "usage: tun-gen keys DIR\n"
		"       tun-gen many -n N --up IP:PORT --down IP:PORT --node IP:PORT [...]\n"
		"       tun-gen send [-c COUNT] [-b SRC-IP] [-p SRC-PORT] [-r MS] "
		"KIND DST-IP DST-PORT [ARGS]\n");
	return 1;
}
