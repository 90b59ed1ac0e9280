// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_DGRAM of AF_VCOYO on one node: sockets of one network namespace
 * talking to the node's own address.  Every check is one TAP point.  The
 * expected behaviour is UDP's wherever UDP has an answer; where it does not,
 * the behaviour uapi/linux/vcoyo.h and kmod/dgram.c document.
 *
 * The program sets the node identity itself over generic netlink (a random
 * private key), so it should run in a network namespace of its own: dgram.sh
 * does that.  Nothing here may hang: every socket has receive and send
 * timeouts, and a watchdog ends the program with a failing point.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "af.h"
#include "tap.h"

#define WATCHDOG_S	480	/* the guest gives each test 600 s */
#define TIMEO_MS	2000	/* SO_RCVTIMEO and SO_SNDTIMEO of every socket */
#define EPH_COUNT	(VCOYO_PORT_EPHEMERAL_MAX - VCOYO_PORT_EPHEMERAL_MIN + 1)

static int af;				/* AF_VCOYO as loaded */
static struct vcoyo_addr node;		/* this node's address */
static const struct vcoyo_addr any;	/* all zeroes */
static volatile sig_atomic_t sigpipes;

/* ---- time ---- */

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

/* ---- generic netlink: just enough to set and read the node identity ---- */

struct nl_id {
	int family;		/* VCOYO_A_FAMILY, -1 if absent */
	bool has_addr;
	struct vcoyo_addr addr;
};

static uint32_t nl_seq;

/* Send @nlh, run @cb on each reply until the ack; 0 or -errno. */
static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	static char buf[32768];
	int n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		n = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, cb, data);
		if (n < 0)
			return errno ? -errno : -EPROTO;
		if (n == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *nl_req(char *buf, uint16_t type, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl_seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(int *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* A generic netlink socket of the current namespace; *id gets "vcoyo". */
static struct mnl_socket *nl_open(int *id)
{
	char buf[512];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	struct nlmsghdr *nlh;
	int err;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	nlh = nl_req(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VCOYO_GENL_NAME);
	*id = -1;
	err = nl_talk(nl, nlh, nl_family_cb, id);
	if (err || *id < 0) {
		errno = err ? -err : ENOENT;
		goto err;
	}
	return nl;
err:
	err = errno;
	mnl_socket_close(nl);
	errno = err;
	return NULL;
}

static int nl_id_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_id *id = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case VCOYO_A_FAMILY:
			id->family = mnl_attr_get_u16(a);
			break;
		case VCOYO_A_ADDRESS:
			if (mnl_attr_get_payload_len(a) == VCOYO_ADDR_LEN) {
				memcpy(&id->addr, mnl_attr_get_payload(a), VCOYO_ADDR_LEN);
				id->has_addr = true;
			}
			break;
		}
	}
	return MNL_CB_OK;
}

/* VCOYO_CMD_ID_GET in the current namespace: 0 or -errno. */
static int nl_id_get(struct nl_id *id)
{
	char buf[512];
	struct mnl_socket *nl;
	int fam, err;

	memset(id, 0, sizeof(*id));
	id->family = -1;
	nl = nl_open(&fam);
	if (!nl)
		return -errno;
	err = nl_talk(nl, nl_req(buf, fam, VCOYO_CMD_ID_GET, VCOYO_GENL_VERSION), nl_id_cb, id);
	mnl_socket_close(nl);
	return err;
}

/* VCOYO_CMD_ID_SET in the current namespace: 0 or -errno. */
static int nl_id_set(const uint8_t key[VCOYO_KEY_LEN])
{
	char buf[512];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int fam, err;

	nl = nl_open(&fam);
	if (!nl)
		return -errno;
	nlh = nl_req(buf, fam, VCOYO_CMD_ID_SET, VCOYO_GENL_VERSION);
	mnl_attr_put(nlh, VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, key);
	err = nl_talk(nl, nlh, NULL, NULL);
	mnl_socket_close(nl);
	return err;
}

/* The address a private key gives: SHA-512 of its Curve25519 public key. */
static void expected_addr(const uint8_t key[VCOYO_KEY_LEN], struct vcoyo_addr *addr)
{
	uint8_t pub[crypto_scalarmult_BYTES];

	crypto_scalarmult_base(pub, key);
	crypto_hash_sha512(addr->bytes, pub, sizeof(pub));
}

/* ---- sockets ---- */

static const char *fmt_addr(const struct vcoyo_addr *a)
{
	static char buf[4][VCOYO_ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	vcoyo_addr_format(a, buf[i]);
	return buf[i];
}

static bool same_addr(const struct vcoyo_addr *a, const struct vcoyo_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void random_addr(struct vcoyo_addr *a)
{
	do
		randombytes_buf(a, sizeof(*a));
	while (same_addr(a, &node) || same_addr(a, &any));
}

static struct sockaddr_vcoyo sav(const struct vcoyo_addr *a, uint16_t port)
{
	struct sockaddr_vcoyo sa;

	vcoyo_sockaddr(&sa, af, a, port);
	return sa;
}

static void set_timeo(int fd, int optname, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, optname, &tv, sizeof(tv)))
		tap_diag("setsockopt timeout: %s", strerror(errno));
}

/* A fresh SOCK_DGRAM socket with timeouts; -1 (and a diagnostic) on failure. */
static int dsock(void)
{
	int fd = socket(af, SOCK_DGRAM, 0);

	if (fd < 0) {
		tap_diag("socket(%d, SOCK_DGRAM, 0): %s", af, strerror(errno));
		return -1;
	}
	set_timeo(fd, SO_RCVTIMEO, TIMEO_MS);
	set_timeo(fd, SO_SNDTIMEO, TIMEO_MS);
	return fd;
}

static int do_bind(int fd, const struct vcoyo_addr *a, uint16_t port)
{
	struct sockaddr_vcoyo sa = sav(a, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int do_connect(int fd, const struct vcoyo_addr *a, uint16_t port)
{
	struct sockaddr_vcoyo sa = sav(a, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int disconnect(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	return connect(fd, &sa, sizeof(sa));
}

static ssize_t send_to(int fd, const struct vcoyo_addr *a, uint16_t port,
		       const void *buf, size_t len, int flags)
{
	struct sockaddr_vcoyo sa = sav(a, port);

	return sendto(fd, buf, len, flags, (struct sockaddr *)&sa, sizeof(sa));
}

/* Port of getsockname (host order), or -1. */
static int sock_port(int fd)
{
	struct sockaddr_vcoyo sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.svc_port);
}

/* A socket bound to an ephemeral port of the any address. */
static int dsock_bound(uint16_t *port)
{
	int fd = dsock(), p;

	if (fd < 0)
		return -1;
	if (do_bind(fd, &any, 0)) {
		tap_diag("bind to port 0: %s", strerror(errno));
		close(fd);
		return -1;
	}
	p = sock_port(fd);
	*port = p < 0 ? 0 : p;
	return fd;
}

/* A port nobody is bound to: bound once, then closed. */
static uint16_t closed_port(void)
{
	uint16_t port = 0;
	int fd = dsock_bound(&port);

	close(fd);
	return port;
}

struct rx {
	ssize_t n;
	int err;			/* errno when n < 0 */
	int flags;			/* msg_flags */
	socklen_t namelen;
	struct sockaddr_storage name;
	bool has_ovfl;			/* SO_RXQ_OVFL cmsg */
	uint32_t ovfl;
	bool has_tstamp;		/* SO_TIMESTAMP cmsg */
	struct timeval tstamp;
};

static ssize_t rx(int fd, void *buf, size_t len, int flags, struct rx *r)
{
	char cbuf[256];
	struct iovec iov = { buf, len };
	struct msghdr mh = {
		.msg_name = &r->name, .msg_namelen = sizeof(r->name),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;

	memset(r, 0, sizeof(*r));
	memset(&r->name, 0xa5, sizeof(r->name));
	r->n = recvmsg(fd, &mh, flags);
	r->err = r->n < 0 ? errno : 0;
	if (r->n < 0)
		return r->n;
	r->flags = mh.msg_flags;
	r->namelen = mh.msg_namelen;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
			r->has_ovfl = true;
			memcpy(&r->ovfl, CMSG_DATA(c), sizeof(r->ovfl));
		}
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMP) {
			r->has_tstamp = true;
			memcpy(&r->tstamp, CMSG_DATA(c), sizeof(r->tstamp));
		}
	}
	return r->n;
}

/* Did @r come from @a, @port, as a full, well-formed sockaddr_vcoyo? */
static bool from_is(const struct rx *r, const struct vcoyo_addr *a, uint16_t port)
{
	const struct sockaddr_vcoyo *sa = (const void *)&r->name;

	if (r->n < 0) {
		tap_diag("recvmsg failed: %s", strerror(r->err));
		return false;
	}
	if (r->namelen != sizeof(*sa) || sa->svc_family != af ||
	    ntohs(sa->svc_port) != port || sa->svc_reserved || !same_addr(&sa->svc_addr, a)) {
		tap_diag("msg_name: len %u family %u port %u reserved %u addr %s",
			 r->namelen, sa->svc_family, ntohs(sa->svc_port), sa->svc_reserved,
			 fmt_addr(&sa->svc_addr));
		tap_diag("wanted:   len %zu family %d port %u reserved 0 addr %s",
			 sizeof(*sa), af, port, fmt_addr(a));
		return false;
	}
	return true;
}

/* Receive a datagram and check its payload and source. */
static bool rx_is(int fd, const void *want, size_t len, const struct vcoyo_addr *a, uint16_t port)
{
	char buf[2048];
	struct rx r;

	rx(fd, buf, sizeof(buf), 0, &r);
	if (r.n != (ssize_t)len || memcmp(buf, want, len)) {
		tap_diag("received %zd bytes (%s), wanted %zu", r.n,
			 r.n < 0 ? strerror(r.err) : "content differs", len);
		return false;
	}
	return from_is(&r, a, port);
}

/* Nothing is queued: recv(MSG_DONTWAIT) fails with EAGAIN. */
static bool queue_empty(int fd)
{
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n >= 0 || errno != EAGAIN) {
		tap_diag("recv(MSG_DONTWAIT) returned %zd (%s), wanted EAGAIN", n,
			 n < 0 ? strerror(errno) : "a datagram");
		return false;
	}
	return true;
}

static int getsockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len))
		return -1;
	return v;
}

static int setsockopt_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* The int an ioctl gives, or -1 (with a diagnostic) if it fails. */
static int ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	if (ioctl(fd, req, &v)) {
		tap_diag("ioctl %#lx: %s", req, strerror(errno));
		return -1;
	}
	return v;
}

static short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* ---- threads and children ---- */

struct delayed {
	int fd, ms;
	struct sockaddr_vcoyo to;
	ssize_t ret;
};

static void *delayed_send(void *arg)
{
	struct delayed *d = arg;

	msleep(d->ms);
	d->ret = sendto(d->fd, "wake", 4, 0, (struct sockaddr *)&d->to, sizeof(d->to));
	return NULL;
}

struct blocked {
	int fd;
	ssize_t ret;
	int err;
	double ms;
};

static void *blocked_recv(void *arg)
{
	struct blocked *b = arg;
	char buf[64];
	double t0 = now_ms();

	b->ret = recv(b->fd, buf, sizeof(buf), 0);
	b->err = errno;
	b->ms = now_ms() - t0;
	return NULL;
}

/* Run @fn in a child; it fills @res (n ints).  Returns false if it failed. */
static bool in_child(void (*fn)(int *res, void *arg), void *arg, int *res, size_t n)
{
	int p[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe(p))
		return false;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		close(p[0]);
		for (size_t i = 0; i < n; i++)
			res[i] = -1000;
		fn(res, arg);
		got = write(p[1], res, n * sizeof(int));
		_exit(got == (ssize_t)(n * sizeof(int)) ? 0 : 1);
	}
	close(p[1]);
	got = read(p[0], res, n * sizeof(int));
	close(p[0]);
	waitpid(pid, &status, 0);
	if (got != (ssize_t)(n * sizeof(int)) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		tap_diag("child failed: read %zd, status %#x", got, status);
		return false;
	}
	return true;
}

/* ---- the tests ---- */

static void test_socket(void)
{
	struct sockaddr_vcoyo sa;
	socklen_t len = sizeof(sa) + 8;
	int fd, ok;

	fd = socket(af, SOCK_DGRAM, 0);
	tap_ok(fd >= 0, "socket(AF_VCOYO, SOCK_DGRAM, 0) succeeds");
	ok = getsockopt_int(fd, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM &&
	     getsockopt_int(fd, SOL_SOCKET, SO_DOMAIN) == af &&
	     getsockopt_int(fd, SOL_SOCKET, SO_PROTOCOL) == 0;
	tap_ok(ok, "SO_TYPE, SO_DOMAIN, SO_PROTOCOL give SOCK_DGRAM, AF_VCOYO, 0");

	memset(&sa, 0xa5, sizeof(sa));
	ok = !getsockname(fd, (struct sockaddr *)&sa, &len) && len == sizeof(sa) &&
	     sa.svc_family == af && !sa.svc_port && !sa.svc_reserved && same_addr(&sa.svc_addr, &any);
	tap_ok(ok, "getsockname of a fresh socket: any address, port 0, length %zu", sizeof(sa));
	tap_errno(getpeername(fd, (struct sockaddr *)&sa, &len), ENOTCONN,
		  "getpeername of an unconnected socket: ENOTCONN");
	close(fd);

	fd = socket(af, SOCK_STREAM, 0);
	tap_ok(fd >= 0, "SOCK_STREAM: a socket (streams are stream.sh's)");
	if (fd >= 0)
		close(fd);
	tap_errno(socket(af, SOCK_RAW, 0), ESOCKTNOSUPPORT, "SOCK_RAW: ESOCKTNOSUPPORT");
	tap_errno(socket(af, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT, "SOCK_SEQPACKET: ESOCKTNOSUPPORT");
	tap_errno(socket(af, SOCK_DGRAM, 17), EPROTONOSUPPORT, "SOCK_DGRAM, protocol 17: EPROTONOSUPPORT");

	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	       "SOCK_NONBLOCK | SOCK_CLOEXEC accepted");
	tap_errno(recv(fd, &sa, sizeof(sa), 0), EAGAIN, "recv on a SOCK_NONBLOCK socket with an empty queue: EAGAIN");
	close(fd);
}

struct caps_arg {
	uint16_t low, boundary;
};

static void nocap_child(int *res, void *arg)
{
	struct caps_arg *c = arg;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int idx = CAP_TO_INDEX(CAP_NET_BIND_SERVICE);
	__u32 mask = CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	int fd;

	if (syscall(SYS_capget, &hdr, data))
		return;
	data[idx].effective &= ~mask;
	data[idx].permitted &= ~mask;
	if (syscall(SYS_capset, &hdr, data))
		return;
	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return;
	res[0] = !(data[idx].effective & mask) && geteuid() == 0;

	fd = dsock();
	res[1] = do_bind(fd, &any, c->low) ? errno : 0;
	close(fd);
	fd = dsock();
	res[2] = do_bind(fd, &any, c->boundary) ? errno : 0;
	close(fd);
}

static void test_bind(void)
{
	struct sockaddr_vcoyo sa, got;
	socklen_t len;
	struct vcoyo_addr other;
	uint16_t p1;
	int s1, s2, s3, s4, fd;
	int res[3];
	bool ok;

	s1 = dsock();
	tap_call(do_bind(s1, &any, 0), "bind to port 0 of the any address");
	len = sizeof(got) + 8;
	memset(&got, 0xa5, sizeof(got));
	ok = !getsockname(s1, (struct sockaddr *)&got, &len) && len == sizeof(got) &&
	     got.svc_family == af && !got.svc_reserved && same_addr(&got.svc_addr, &any);
	p1 = ntohs(got.svc_port);
	tap_ok(ok && p1 >= VCOYO_PORT_EPHEMERAL_MIN && p1 <= VCOYO_PORT_EPHEMERAL_MAX,
	       "port 0 gives an ephemeral port in [%d, %d] (got %u)",
	       VCOYO_PORT_EPHEMERAL_MIN, VCOYO_PORT_EPHEMERAL_MAX, p1);
	tap_errno(do_bind(s1, &any, 0), EINVAL, "second bind of a bound socket: EINVAL");
	tap_errno(do_bind(s1, &any, 7001), EINVAL, "second bind of a bound socket, explicit port: EINVAL");
	tap_ok(sock_port(s1) == p1, "the failed second bind keeps the first port");

	s2 = dsock();
	tap_call(do_bind(s2, &any, 7000), "bind to explicit port 7000");
	tap_ok(sock_port(s2) == 7000, "getsockname gives port 7000");
	s3 = dsock();
	tap_errno(do_bind(s3, &any, 7000), EADDRINUSE, "port 7000 from another socket: EADDRINUSE");
	tap_errno(do_bind(s3, &node, 7000), EADDRINUSE,
		  "port 7000 of the node address, bound on the any address: EADDRINUSE");
	tap_errno(do_bind(s3, &any, p1), EADDRINUSE, "the other socket's ephemeral port: EADDRINUSE");
	tap_call(do_bind(s3, &any, 7002), "a socket whose bind failed can still bind");
	close(s3);

	s4 = dsock();
	random_addr(&other);
	tap_errno(do_bind(s4, &other, 7003), EADDRNOTAVAIL, "bind to another node's address: EADDRNOTAVAIL");
	tap_call(do_bind(s4, &node, 7003), "bind to the node's own address");
	len = sizeof(got);
	memset(&got, 0, sizeof(got));
	ok = !getsockname(s4, (struct sockaddr *)&got, &len) && len == sizeof(got) &&
	     ntohs(got.svc_port) == 7003 && same_addr(&got.svc_addr, &node);
	tap_ok(ok, "getsockname gives the node address and port 7003");
	fd = dsock();
	tap_errno(do_bind(fd, &any, 7003), EADDRINUSE,
		  "port 7003 of the any address, bound on the node address: EADDRINUSE");
	close(fd);
	close(s4);

	fd = dsock();
	sa = sav(&any, 7004);
	tap_errno(bind(fd, (struct sockaddr *)&sa, sizeof(sa) - 1), EINVAL, "bind with a short sockaddr: EINVAL");
	tap_errno(bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)), EINVAL,
		  "bind with only a family: EINVAL");
	sa.svc_family = AF_INET;
	tap_errno(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), EAFNOSUPPORT, "bind with family AF_INET: EAFNOSUPPORT");
	sa = sav(&any, 7004);
	sa.svc_reserved = 1;
	tap_errno(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), EINVAL, "bind with svc_reserved != 0: EINVAL");
	tap_ok(sock_port(fd) == 0, "the rejected binds left the socket unbound");
	struct sockaddr_storage ss = { 0 };

	sa = sav(&any, 7004);
	memcpy(&ss, &sa, sizeof(sa));
	tap_call(bind(fd, (struct sockaddr *)&ss, sizeof(ss)),
		 "bind with a longer address length (sockaddr_storage) succeeds");
	close(fd);

	fd = dsock();
	tap_call(do_bind(fd, &any, 80), "bind to port 80 as root (CAP_NET_BIND_SERVICE)");
	close(fd);
	fd = dsock();
	tap_call(do_bind(fd, &any, VCOYO_PORT_PRIVILEGED - 1), "bind to port %d as root", VCOYO_PORT_PRIVILEGED - 1);
	close(fd);

	struct caps_arg ca = { 1000, VCOYO_PORT_PRIVILEGED };

	ok = in_child(nocap_child, &ca, res, 3);
	tap_ok(ok && res[0] == 1, "child: root without CAP_NET_BIND_SERVICE (capset, checked by capget)");
	tap_ok(ok && res[1] == EACCES, "without CAP_NET_BIND_SERVICE, bind to port 1000: EACCES (got %s)",
	       res[1] >= 0 ? strerror(res[1]) : "nothing");
	tap_ok(ok && res[2] == 0, "without CAP_NET_BIND_SERVICE, bind to port %d succeeds (got %s)",
	       VCOYO_PORT_PRIVILEGED, res[2] >= 0 ? strerror(res[2]) : "nothing");

	close(s2);
	fd = dsock();
	tap_call(do_bind(fd, &any, 7000), "after close, port 7000 can be bound again");
	close(fd);
	close(s1);
	fd = dsock();
	tap_call(do_bind(fd, &any, p1), "after close, the ephemeral port %u can be bound explicitly", p1);
	close(fd);
}

static void test_sendrecv(void)
{
	uint16_t pr, ps, pu, pn;
	char big[1000], buf[2048];
	struct rx r;
	int rcv, snd, u, sn, rn, fd;
	ssize_t n;
	bool ok;

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);
	n = send_to(snd, &node, pr, "hello", 5, 0);
	tap_ok(n == 5, "sendto the node address returns the length (got %zd%s%s)", n,
	       n < 0 ? ", " : "", n < 0 ? strerror(errno) : "");
	rx(rcv, buf, sizeof(buf), 0, &r);
	tap_ok(r.n == 5 && !memcmp(buf, "hello", 5), "recvmsg gets the 5 bytes sent");
	tap_ok(from_is(&r, &node, ps), "msg_name is the node address and the sender's port, msg_namelen %zu",
	       sizeof(struct sockaddr_vcoyo));
	tap_ok(!(r.flags & MSG_TRUNC), "no MSG_TRUNC for a datagram that fits");

	randombytes_buf(big, sizeof(big));
	send_to(snd, &node, pr, big, sizeof(big), 0);
	tap_ok(rx_is(rcv, big, sizeof(big), &node, ps), "1000 random bytes arrive intact");

	send_to(snd, &node, pr, "one", 3, 0);
	send_to(snd, &node, pr, "twotwo", 6, 0);
	send_to(snd, &node, pr, "threethree", 10, 0);
	ok = recv(rcv, buf, sizeof(buf), 0) == 3 && recv(rcv, buf, sizeof(buf), 0) == 6 &&
	     recv(rcv, buf, sizeof(buf), 0) == 10 && !memcmp(buf, "threethree", 10);
	tap_ok(ok, "datagram boundaries are kept: 3, 6 and 10 bytes read as three datagrams");

	u = dsock();
	n = send_to(u, &node, pr, "auto", 4, 0);
	pu = sock_port(u);
	tap_ok(n == 4 && pu >= VCOYO_PORT_EPHEMERAL_MIN && pu <= VCOYO_PORT_EPHEMERAL_MAX,
	       "sendto from an unbound socket binds it to an ephemeral port (%u)", pu);
	tap_ok(rx_is(rcv, "auto", 4, &node, pu), "the datagram from the autobound socket names that port");
	n = send_to(u, &node, pr, "again", 5, 0);
	tap_ok(n == 5 && sock_port(u) == pu && rx_is(rcv, "again", 5, &node, pu),
	       "the autobound port stays for the next send");
	close(u);

	n = send_to(snd, &any, pr, "to-any", 6, 0);
	tap_ok(n == 6 && rx_is(rcv, "to-any", 6, &node, ps),
	       "sendto the any address reaches the local socket; the source is the node address");

	sn = dsock();
	do_bind(sn, &node, 0);
	pn = sock_port(sn);
	tap_ok(pn >= VCOYO_PORT_EPHEMERAL_MIN && pn <= VCOYO_PORT_EPHEMERAL_MAX,
	       "bind to the node address with port 0 gives an ephemeral port");
	send_to(sn, &any, pr, "from-node", 9, 0);
	tap_ok(rx_is(rcv, "from-node", 9, &node, pn), "a sender bound to the node address is named by it");

	rn = dsock();
	do_bind(rn, &node, 0);
	pn = sock_port(rn);
	send_to(snd, &node, pn, "exact", 5, 0);
	tap_ok(rx_is(rn, "exact", 5, &node, ps), "a socket bound to the node address receives datagrams sent to it");
	send_to(snd, &any, pn, "via-any", 7, 0);
	ok = rx_is(rn, "via-any", 7, &node, ps);
	tap_ok(ok, "a socket bound to the node address receives datagrams sent to the any address (as UDP: 0.0.0.0 means this host)");
	close(rn);
	close(sn);

	n = send_to(snd, &node, closed_port(), "void", 4, 0);
	tap_ok(n == 4, "sendto a port without a socket succeeds (silently dropped, as UDP)");
	tap_ok(queue_empty(snd) && getsockopt_int(snd, SOL_SOCKET, SO_ERROR) == 0,
	       "an unconnected sender gets no error for it (no ECONNREFUSED, SO_ERROR 0)");

	n = send_to(snd, &node, pr, "", 0, 0);
	tap_ok(n == 0, "sendto with length 0 returns 0");
	memset(buf, 'x', 8);
	rx(rcv, buf, sizeof(buf), 0, &r);
	tap_ok(r.n == 0 && from_is(&r, &node, ps), "a zero-length datagram is delivered: recvmsg returns 0 with a name");
	tap_ok(queue_empty(rcv), "and nothing else is queued");

	send_to(snd, &node, pr, "noname", 6, 0);
	n = recvfrom(rcv, buf, sizeof(buf), 0, NULL, NULL);
	tap_ok(n == 6 && !memcmp(buf, "noname", 6), "recvfrom without an address buffer works");

	struct sockaddr_vcoyo small;
	socklen_t slen = 4;

	send_to(snd, &node, pr, "short", 5, 0);
	memset(&small, 0xa5, sizeof(small));
	n = recvfrom(rcv, buf, sizeof(buf), 0, (struct sockaddr *)&small, &slen);
	tap_ok(n == 5 && slen == sizeof(struct sockaddr_vcoyo) && small.svc_family == af &&
	       small.svc_port == htons(ps) && small.svc_reserved == 0xa5a5a5a5,
	       "recvfrom with a 4-byte address buffer: 4 bytes of name written, length %zu reported",
	       sizeof(struct sockaddr_vcoyo));

	n = send_to(rcv, &node, pr, "self", 4, 0);
	tap_ok(n == 4 && rx_is(rcv, "self", 4, &node, pr), "a socket can send to its own port");

	/* sendmmsg and recvmmsg */
	struct mmsghdr mm[8];
	struct iovec iov[8];
	struct sockaddr_vcoyo to = sav(&node, pr), names[8];
	char data[8][16];

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 8; i++) {
		snprintf(data[i], sizeof(data[i]), "mmsg-%d", i);
		iov[i] = (struct iovec){ data[i], strlen(data[i]) };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &to;
		mm[i].msg_hdr.msg_namelen = sizeof(to);
	}
	tap_ok(sendmmsg(snd, mm, 8, 0) == 8, "sendmmsg sends 8 datagrams");
	char rbuf[8][32];

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 8; i++) {
		iov[i] = (struct iovec){ rbuf[i], sizeof(rbuf[i]) };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &names[i];
		mm[i].msg_hdr.msg_namelen = sizeof(names[i]);
	}
	n = recvmmsg(rcv, mm, 8, MSG_DONTWAIT, NULL);
	ok = n == 8;
	for (int i = 0; ok && i < 8; i++)
		ok = mm[i].msg_len == strlen(data[i]) && !memcmp(rbuf[i], data[i], mm[i].msg_len) &&
		     mm[i].msg_hdr.msg_namelen == sizeof(names[i]) && names[i].svc_port == htons(ps) &&
		     same_addr(&names[i].svc_addr, &node);
	tap_ok(ok, "recvmmsg receives the 8 datagrams in order, each with its name (got %zd)", n);

	/* sendmsg with several iovecs forms one datagram */
	struct iovec parts[3] = { { "ab", 2 }, { "cde", 3 }, { "f", 1 } };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = parts, .msg_iovlen = 3 };

	n = sendmsg(snd, &mh, 0);
	tap_ok(n == 6 && rx_is(rcv, "abcdef", 6, &node, ps), "sendmsg with three iovecs sends one datagram");

	/* the blocking recvfrom waits for a datagram */
	struct delayed d = { .fd = snd, .ms = 200, .to = sav(&node, pr) };
	pthread_t th;
	double t0 = now_ms(), dt;

	pthread_create(&th, NULL, delayed_send, &d);
	n = recv(rcv, buf, sizeof(buf), 0);
	dt = now_ms() - t0;
	pthread_join(th, NULL);
	tap_ok(n == 4 && dt >= 150, "a blocking recv waits for a datagram sent 200 ms later (%.0f ms)", dt);

	fd = dsock();
	tap_errno(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "recv(MSG_DONTWAIT) on an unbound socket: EAGAIN");
	close(fd);
	close(rcv);
	close(snd);
}

static void test_connect(void)
{
	struct sockaddr_vcoyo sa;
	socklen_t len;
	uint16_t pc, pp, pt, pq;
	struct vcoyo_addr other;
	char buf[64];
	int c, p, t, q, u, fd;
	ssize_t n;
	bool ok;

	c = dsock_bound(&pc);
	p = dsock_bound(&pp);
	t = dsock_bound(&pt);
	q = dsock_bound(&pq);

	tap_call(do_connect(c, &node, pp), "connect to the node address and a bound port");
	len = sizeof(sa) + 8;
	memset(&sa, 0xa5, sizeof(sa));
	ok = !getpeername(c, (struct sockaddr *)&sa, &len) && len == sizeof(sa) && sa.svc_family == af &&
	     ntohs(sa.svc_port) == pp && !sa.svc_reserved && same_addr(&sa.svc_addr, &node);
	tap_ok(ok, "getpeername gives the peer's address and port");
	tap_ok(sock_port(c) == pc, "connect keeps the bound port");

	n = send(c, "conn", 4, 0);
	tap_ok(n == 4 && rx_is(p, "conn", 4, &node, pc), "send without an address reaches the peer");
	n = write(c, "wr", 2);
	tap_ok(n == 2 && rx_is(p, "wr", 2, &node, pc), "write() on a connected socket sends a datagram");
	send_to(p, &node, pc, "reply", 5, 0);
	tap_ok(rx_is(c, "reply", 5, &node, pp), "the connected socket receives from its peer");
	send_to(p, &any, pc, "reply2", 6, 0);
	tap_ok(rx_is(c, "reply2", 6, &node, pp), "... also when the peer sends to the any address");
	send_to(t, &node, pc, "third", 5, 0);
	tap_ok(queue_empty(c), "a datagram from a third socket is not received by the connected socket");
	send_to(p, &node, pc, "after", 5, 0);
	n = read(c, buf, sizeof(buf));
	tap_ok(n == 5 && !memcmp(buf, "after", 5), "read() then gets the peer's next datagram, not the third's");

	n = send_to(c, &node, pt, "explicit", 8, 0);
	tap_ok(n == 8 && rx_is(t, "explicit", 8, &node, pc),
	       "sendto with an address on a connected socket goes to that address");

	tap_call(do_connect(c, &node, pq), "connect again, to another peer");
	len = sizeof(sa);
	ok = !getpeername(c, (struct sockaddr *)&sa, &len) && ntohs(sa.svc_port) == pq;
	tap_ok(ok, "getpeername gives the new peer");
	send_to(p, &node, pc, "old", 3, 0);
	tap_ok(queue_empty(c), "the old peer's datagrams are no longer received");
	send_to(q, &node, pc, "new", 3, 0);
	tap_ok(rx_is(c, "new", 3, &node, pq), "the new peer's are");

	tap_call(disconnect(c), "connect with AF_UNSPEC dissolves the association");
	tap_errno(getpeername(c, (struct sockaddr *)&sa, &len), ENOTCONN, "getpeername after AF_UNSPEC: ENOTCONN");
	tap_ok(sock_port(c) == pc, "an explicitly bound port stays after AF_UNSPEC");
	send_to(t, &node, pc, "any-again", 9, 0);
	tap_ok(rx_is(c, "any-again", 9, &node, pt), "after AF_UNSPEC datagrams from any socket are received");
	tap_errno(send(c, "x", 1, 0), EDESTADDRREQ, "send without an address after AF_UNSPEC: EDESTADDRREQ");
	tap_call(disconnect(c), "AF_UNSPEC on an unconnected socket succeeds");

	u = dsock();
	tap_call(do_connect(u, &node, pp), "connect an unbound socket");
	pc = sock_port(u);
	tap_ok(pc >= VCOYO_PORT_EPHEMERAL_MIN && pc <= VCOYO_PORT_EPHEMERAL_MAX,
	       "connect binds an unbound socket to an ephemeral port (%u)", pc);
	send(u, "ub", 2, 0);
	tap_ok(rx_is(p, "ub", 2, &node, pc), "its datagrams carry that port");
	disconnect(u);
	tap_ok(sock_port(u) == 0, "AF_UNSPEC gives up a port that connect picked (as UDP)");
	close(u);

	fd = dsock();
	tap_errno(send(fd, "x", 1, 0), EDESTADDRREQ, "send without an address on an unconnected socket: EDESTADDRREQ");
	tap_errno(write(fd, "x", 1), EDESTADDRREQ, "write on an unconnected socket: EDESTADDRREQ");
	tap_errno(send_to(fd, &node, 0, "x", 1, 0), EINVAL, "sendto port 0: EINVAL");
	tap_ok(do_connect(fd, &node, 0) == 0, "connect to port 0 is accepted (as UDP)");
	close(fd);
	fd = dsock();
	sa = sav(&node, pp);
	tap_errno(sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa) - 1), EINVAL,
		  "sendto with a short address: EINVAL");
	tap_errno(connect(fd, (struct sockaddr *)&sa, sizeof(sa) - 1), EINVAL, "connect with a short address: EINVAL");
	tap_errno(connect(fd, (struct sockaddr *)&sa, 1), EINVAL, "connect with a 1-byte address: EINVAL");
	sa.svc_family = AF_INET;
	tap_errno(sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), EAFNOSUPPORT,
		  "sendto with family AF_INET: EAFNOSUPPORT");
	tap_errno(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), EAFNOSUPPORT,
		  "connect with family AF_INET: EAFNOSUPPORT");
	sa = sav(&node, pp);
	sa.svc_reserved = 7;
	tap_errno(sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), EINVAL,
		  "sendto with svc_reserved != 0: EINVAL");
	tap_ok(queue_empty(p), "none of the rejected sends reached the peer");
	tap_errno(getpeername(fd, (struct sockaddr *)&sa, &len), ENOTCONN, "the rejected connects left it unconnected");

	random_addr(&other);
	tap_errno(send_to(fd, &other, pp, "x", 1, 0), EHOSTUNREACH, "sendto another node's address: EHOSTUNREACH");
	close(fd);
	fd = dsock();
	do_connect(fd, &other, pp);
	tap_errno(send(fd, "x", 1, 0), EHOSTUNREACH, "send on a socket connected to another node: EHOSTUNREACH");
	close(fd);

	/* connect to the any address: as UDP to 0.0.0.0, the peer is this node */
	fd = dsock();
	tap_call(do_connect(fd, &any, pp), "connect to the any address");
	pc = sock_port(fd);
	len = sizeof(sa);
	if (!getpeername(fd, (struct sockaddr *)&sa, &len))
		tap_diag("getpeername after connect to the any address: %s port %u (UDP gives the local address)",
			 fmt_addr(&sa.svc_addr), ntohs(sa.svc_port));
	send(fd, "to-any", 6, 0);
	tap_ok(rx_is(p, "to-any", 6, &node, pc), "a socket connected to the any address reaches the local peer");
	send_to(p, &node, pc, "back", 4, 0);
	tap_ok(rx_is(fd, "back", 4, &node, pp),
	       "and receives its replies (as UDP, where connecting to 0.0.0.0 connects to this host)");
	close(fd);

	close(c);
	close(p);
	close(t);
	close(q);
}

static void test_refused(void)
{
	uint16_t pc, pp, pt;
	struct blocked b;
	pthread_t th;
	char buf[64];
	int c, p, t;
	ssize_t n;
	short ev;

	c = dsock_bound(&pc);
	do_connect(c, &node, closed_port());
	n = send(c, "x", 1, 0);
	tap_ok(n == 1, "send on a socket connected to a closed port succeeds");
	tap_errno(recv(c, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED, "the next recv reports ECONNREFUSED");
	tap_ok(queue_empty(c), "the error is reported once");

	n = send(c, "x", 1, 0);
	tap_ok(n == 1, "send again succeeds");
	tap_errno(send(c, "x", 1, 0), ECONNREFUSED, "the next send reports ECONNREFUSED");
	tap_ok(send(c, "x", 1, 0) == 1, "the send after that succeeds again");
	ev = poll_events(c);
	tap_ok(ev > 0 && (ev & POLLERR), "poll reports POLLERR for the pending error (revents %#x)", ev);
	tap_ok(getsockopt_int(c, SOL_SOCKET, SO_ERROR) == ECONNREFUSED, "SO_ERROR gives ECONNREFUSED");
	tap_ok(getsockopt_int(c, SOL_SOCKET, SO_ERROR) == 0, "and then 0");

	b.fd = c;
	pthread_create(&th, NULL, blocked_recv, &b);
	msleep(200);
	send(c, "x", 1, 0);
	pthread_join(th, NULL);
	tap_ok(b.ret < 0 && b.err == ECONNREFUSED && b.ms < 1500,
	       "a recv blocked in another thread is woken with ECONNREFUSED (%zd, %s, %.0f ms)",
	       b.ret, b.ret < 0 ? strerror(b.err) : "-", b.ms);
	close(c);

	/* An error about another destination is not the connection's (UDP matches ICMP to the 4-tuple). */
	p = dsock_bound(&pp);
	c = dsock_bound(&pc);
	do_connect(c, &node, pp);
	n = send_to(c, &node, closed_port(), "x", 1, 0);
	tap_ok(n == 1 && queue_empty(c) && getsockopt_int(c, SOL_SOCKET, SO_ERROR) == 0,
	       "connected socket: sendto another, closed port leaves no pending error (as UDP)");

	/* A datagram refused by a connected receiver: the connected sender hears of it. */
	t = dsock_bound(&pt);
	do_connect(t, &node, pc);
	n = send(t, "x", 1, 0);
	tap_ok(n == 1 && queue_empty(c), "a connected receiver drops a datagram from a non-peer");
	tap_errno(recv(t, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED,
		  "the connected sender of that datagram gets ECONNREFUSED (as UDP's port unreachable)");
	close(t);
	close(c);
	close(p);
}

static void test_flags(void)
{
	uint16_t pr, ps;
	char buf[128], a[100], b[50];
	struct rx r;
	int rcv, snd, fd;
	ssize_t n;
	double t0, dt;
	bool ok;

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);

	send_to(snd, &node, pr, "peekaboo", 8, 0);
	memset(buf, 0, sizeof(buf));
	rx(rcv, buf, sizeof(buf), MSG_PEEK, &r);
	tap_ok(r.n == 8 && !memcmp(buf, "peekaboo", 8) && from_is(&r, &node, ps),
	       "MSG_PEEK returns the datagram and its name");
	memset(buf, 0, sizeof(buf));
	n = recv(rcv, buf, 4, MSG_PEEK);
	tap_ok(n == 4 && !memcmp(buf, "peek", 4), "MSG_PEEK again, into 4 bytes: the same datagram");
	tap_ok(rx_is(rcv, "peekaboo", 8, &node, ps), "a plain recv then gets all of it: peeking left it queued");
	tap_ok(queue_empty(rcv), "and it is gone after that");

	memset(a, 'A', sizeof(a));
	memset(b, 'B', sizeof(b));
	send_to(snd, &node, pr, a, sizeof(a), 0);
	send_to(snd, &node, pr, b, sizeof(b), 0);
	rx(rcv, buf, 10, 0, &r);
	tap_ok(r.n == 10 && !memcmp(buf, a, 10), "recv into 10 bytes of a 100-byte datagram returns 10");
	tap_ok(r.n >= 0 && (r.flags & MSG_TRUNC), "and sets MSG_TRUNC in msg_flags");
	rx(rcv, buf, sizeof(buf), 0, &r);
	tap_ok(r.n == 50 && !memcmp(buf, b, 50) && !(r.flags & MSG_TRUNC),
	       "the rest of the truncated datagram is discarded: the next recv gets the next datagram");

	send_to(snd, &node, pr, a, sizeof(a), 0);
	rx(rcv, buf, 10, MSG_TRUNC, &r);
	tap_ok(r.n == 100 && (r.flags & MSG_TRUNC) && !memcmp(buf, a, 10),
	       "recv with MSG_TRUNC into 10 bytes returns the full length 100 (got %zd)", r.n);
	send_to(snd, &node, pr, a, 77, 0);
	n = recv(rcv, NULL, 0, MSG_TRUNC | MSG_PEEK);
	tap_ok(n == 77, "recv(NULL, 0, MSG_TRUNC | MSG_PEEK) gives the size of the next datagram (%zd)", n);
	n = recv(rcv, buf, sizeof(buf), 0);
	tap_ok(n == 77, "which is then still there");

	tap_errno(recv(rcv, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN, "MSG_DONTWAIT on an empty queue: EAGAIN");

	set_timeo(rcv, SO_RCVTIMEO, 300);
	t0 = now_ms();
	n = recv(rcv, buf, sizeof(buf), 0);
	dt = now_ms() - t0;
	tap_ok(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "blocking recv with SO_RCVTIMEO 300 ms: EAGAIN");
	tap_ok(dt >= 270 && dt < 1500, "after about the timeout (%.0f ms)", dt);
	set_timeo(rcv, SO_RCVTIMEO, TIMEO_MS);

	tap_errno(send_to(snd, &node, pr, "oob", 3, MSG_OOB), EOPNOTSUPP, "sendto with MSG_OOB: EOPNOTSUPP");
	tap_ok(queue_empty(rcv), "and nothing was sent");
	send_to(snd, &node, pr, "q", 1, 0);
	tap_errno(recv(rcv, buf, sizeof(buf), MSG_ERRQUEUE), EAGAIN,
		  "recv with MSG_ERRQUEUE: EAGAIN, the error queue is empty (as UDP)");
	tap_ok(rx_is(rcv, "q", 1, &node, ps), "and the queued datagram stays");
	send_to(snd, &node, pr, "o", 1, 0);
	n = recv(rcv, buf, sizeof(buf), MSG_OOB);
	tap_ok(n == 1 && buf[0] == 'o', "recv ignores MSG_OOB and gets the datagram (as UDP)");

	/* The largest datagram. */
	static char huge[VCOYO_DGRAM_MAX + 1], huge2[VCOYO_DGRAM_MAX + 100];

	randombytes_buf(huge, sizeof(huge));
	fd = dsock();
	tap_errno(send_to(fd, &node, pr, huge, VCOYO_DGRAM_MAX + 1, 0), EMSGSIZE,
		  "sendto of %d bytes: EMSGSIZE", VCOYO_DGRAM_MAX + 1);
	tap_errno(send_to(fd, &node, pr, huge, 1 << 20, 0), EMSGSIZE, "sendto of 1 MiB: EMSGSIZE");
	setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);
	setsockopt_int(rcv, SOL_SOCKET, SO_RCVBUF, 1 << 20);
	tap_ok(queue_empty(rcv), "the too large datagrams were not delivered");
	n = send_to(fd, &node, pr, huge, VCOYO_DGRAM_MAX, 0);
	tap_ok(n == VCOYO_DGRAM_MAX, "sendto of exactly %d bytes succeeds (%zd %s)", VCOYO_DGRAM_MAX,
	       n, n < 0 ? strerror(errno) : "");
	rx(rcv, huge2, sizeof(huge2), 0, &r);
	ok = r.n == VCOYO_DGRAM_MAX && !memcmp(huge, huge2, VCOYO_DGRAM_MAX) && !(r.flags & MSG_TRUNC);
	tap_ok(ok, "and the %d bytes arrive intact (got %zd)", VCOYO_DGRAM_MAX, r.n);
	do_connect(fd, &node, pr);
	tap_errno(send(fd, huge, VCOYO_DGRAM_MAX + 1, 0), EMSGSIZE, "send of %d bytes on a connected socket: EMSGSIZE",
		  VCOYO_DGRAM_MAX + 1);
	close(fd);

	/* SO_TIMESTAMP: the time the datagram arrived, not the time it was read. */
	struct timeval before, latest;

	setsockopt_int(rcv, SOL_SOCKET, SO_TIMESTAMP, 1);
	gettimeofday(&before, NULL);
	send_to(snd, &node, pr, "ts", 2, 0);
	msleep(300);
	gettimeofday(&latest, NULL);
	rx(rcv, buf, sizeof(buf), 0, &r);
	double ts = r.tstamp.tv_sec * 1e3 + r.tstamp.tv_usec / 1e3;
	double t_send = before.tv_sec * 1e3 + before.tv_usec / 1e3;
	double t_read = latest.tv_sec * 1e3 + latest.tv_usec / 1e3;

	tap_ok(r.n == 2 && r.has_tstamp, "SO_TIMESTAMP gives a timestamp cmsg");
	tap_ok(r.has_tstamp && ts >= t_send - 1 && ts < t_read - 100,
	       "the timestamp is the arrival time (%.0f ms after send; read 300 ms after send)", ts - t_send);
	close(rcv);
	close(snd);
}

static void test_poll(void)
{
	uint16_t pr, ps;
	struct epoll_event ev = { 0 }, out[4];
	struct delayed d;
	struct blocked b;
	pthread_t th;
	char buf[64];
	int rcv, snd, ep, n, fd;
	double t0, dt;
	short re;

	fd = dsock();
	re = poll_events(fd);
	tap_ok(re == POLLOUT, "a fresh socket polls POLLOUT only (revents %#x)", re);
	close(fd);

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);
	re = poll_events(rcv);
	tap_ok(re > 0 && !(re & POLLIN), "no POLLIN on an empty queue (revents %#x)", re);
	send_to(snd, &node, pr, "p", 1, 0);
	re = poll_events(rcv);
	tap_ok(re > 0 && (re & POLLIN) && (re & POLLOUT), "POLLIN once a datagram arrived (revents %#x)", re);
	recv(rcv, buf, sizeof(buf), 0);
	re = poll_events(rcv);
	tap_ok(re > 0 && !(re & POLLIN), "no POLLIN after it was read (revents %#x)", re);

	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.fd = rcv;
	tap_call(epoll_ctl(ep, EPOLL_CTL_ADD, rcv, &ev), "epoll_ctl ADD of an AF_VCOYO socket");
	tap_ok(epoll_wait(ep, out, 4, 0) == 0, "epoll_wait on an empty queue: no event");
	d = (struct delayed){ .fd = snd, .ms = 200, .to = sav(&node, pr) };
	t0 = now_ms();
	pthread_create(&th, NULL, delayed_send, &d);
	n = epoll_wait(ep, out, 4, 5000);
	dt = now_ms() - t0;
	pthread_join(th, NULL);
	tap_ok(n == 1 && out[0].data.fd == rcv && (out[0].events & EPOLLIN) && dt >= 150 && dt < 4000,
	       "epoll_wait wakes with EPOLLIN when another thread sends 200 ms later (%d, %.0f ms)", n, dt);
	recv(rcv, buf, sizeof(buf), 0);
	close(ep);

	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_ADD, rcv, &ev);
	send_to(snd, &node, pr, "e1", 2, 0);
	n = epoll_wait(ep, out, 4, 1000);
	tap_ok(n == 1 && (out[0].events & EPOLLIN), "EPOLLET: an event for the first datagram");
	n = epoll_wait(ep, out, 4, 0);
	tap_ok(n == 0, "EPOLLET: no second event while nothing new arrives (%d)", n);
	send_to(snd, &node, pr, "e2", 2, 0);
	n = epoll_wait(ep, out, 4, 1000);
	tap_ok(n == 1 && (out[0].events & EPOLLIN), "EPOLLET: a new datagram gives a new edge");
	close(ep);
	recv(rcv, buf, sizeof(buf), 0);
	recv(rcv, buf, sizeof(buf), 0);

	/* A child process sending after a delay wakes epoll_wait too. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_ADD, rcv, &ev);
	fflush(stdout);
	pid_t pid = fork();

	if (!pid) {
		msleep(200);
		_exit(send_to(snd, &node, pr, "child", 5, 0) == 5 ? 0 : 1);
	}
	t0 = now_ms();
	n = epoll_wait(ep, out, 4, 5000);
	dt = now_ms() - t0;
	waitpid(pid, NULL, 0);
	tap_ok(n == 1 && dt >= 150 && rx_is(rcv, "child", 5, &node, ps),
	       "epoll_wait wakes for a datagram a child process sends 200 ms later (%.0f ms)", dt);
	close(ep);

	fd = dsock_bound(&pr);
	shutdown(fd, SHUT_RD);
	re = poll_events(fd);
	tap_ok(re > 0 && (re & POLLIN) && (re & POLLRDHUP) && !(re & POLLHUP),
	       "after SHUT_RD: POLLIN | POLLRDHUP, no POLLHUP (revents %#x)", re);
	shutdown(fd, SHUT_WR);
	re = poll_events(fd);
	tap_ok(re > 0 && (re & POLLHUP), "after SHUT_RD and SHUT_WR: POLLHUP (revents %#x)", re);
	close(fd);
	fd = dsock_bound(&pr);
	shutdown(fd, SHUT_RDWR);
	re = poll_events(fd);
	tap_ok(re > 0 && (re & POLLHUP), "after SHUT_RDWR: POLLHUP (revents %#x)", re);
	close(fd);

	/* shutdown(SHUT_RD) wakes a reader blocked in another thread. */
	fd = dsock_bound(&pr);
	set_timeo(fd, SO_RCVTIMEO, 3000);
	b.fd = fd;
	pthread_create(&th, NULL, blocked_recv, &b);
	msleep(200);
	shutdown(fd, SHUT_RD);
	pthread_join(th, NULL);
	tap_ok(b.ret == 0 && b.ms < 2000, "shutdown(SHUT_RD) wakes a blocked recv, which returns 0 (%zd %s, %.0f ms)",
	       b.ret, b.ret < 0 ? strerror(b.err) : "", b.ms);
	close(fd);

	close(rcv);
	close(snd);
}

static void test_buffers(void)
{
	uint16_t pr, ps;
	char buf[1000];
	struct rx r;
	int rcv, snd, fd, v, got, sent, i;
	bool ok;

	fd = dsock();
	setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, 32768);
	v = getsockopt_int(fd, SOL_SOCKET, SO_SNDBUF);
	tap_ok(v == 65536, "SO_SNDBUF 32768 reads back doubled, 65536 (got %d)", v);
	setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, 32768);
	v = getsockopt_int(fd, SOL_SOCKET, SO_RCVBUF);
	tap_ok(v == 65536, "SO_RCVBUF 32768 reads back doubled, 65536 (got %d)", v);
	close(fd);

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);
	setsockopt_int(rcv, SOL_SOCKET, SO_RCVBUF, 4096);
	tap_call(setsockopt_int(rcv, SOL_SOCKET, SO_RXQ_OVFL, 1), "SO_RXQ_OVFL can be enabled");
	memset(buf, 'r', sizeof(buf));
	sent = 0;
	for (i = 0; i < 64; i++)
		sent += send_to(snd, &node, pr, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);
	tap_ok(sent == 64, "64 sends of 1000 bytes to a receiver with SO_RCVBUF 4096 all succeed (%d)", sent);
	got = 0;
	ok = true;
	while (rx(rcv, buf, sizeof(buf), MSG_DONTWAIT, &r) >= 0) {
		got++;
		if (r.n != sizeof(buf))
			ok = false;
	}
	tap_ok(ok && got > 0 && got < 64, "the receiver got some but not all of them (%d of 64)", got);
	send_to(snd, &node, pr, "last", 4, 0);
	rx(rcv, buf, sizeof(buf), 0, &r);
	tap_ok(r.n == 4 && r.has_ovfl, "after the overflow, the next datagram carries an SO_RXQ_OVFL cmsg");
	tap_ok(r.has_ovfl && r.ovfl == (uint32_t)(64 - got),
	       "the drop counter is sent - received: %u == 64 - %d", r.ovfl, got);
	close(rcv);

	/* Delivery frees the send buffer: a small SO_SNDBUF never blocks. */
	setsockopt_int(snd, SOL_SOCKET, SO_SNDBUF, 1);
	v = getsockopt_int(snd, SOL_SOCKET, SO_SNDBUF);
	tap_diag("SO_SNDBUF 1 gives %d", v);
	rcv = dsock_bound(&pr);
	setsockopt_int(rcv, SOL_SOCKET, SO_RCVBUFFORCE, 1 << 20);
	sent = 0;
	for (i = 0; i < 200; i++)
		sent += send_to(snd, &node, pr, buf, sizeof(buf), MSG_DONTWAIT) == (ssize_t)sizeof(buf);
	tap_ok(sent == 200, "with the smallest SO_SNDBUF (%d), 200 MSG_DONTWAIT sends of 1000 bytes succeed (%d)",
	       v, sent);
	v = ioctl_int(snd, SIOCOUTQ);
	tap_ok(v == 0, "SIOCOUTQ is 0: sent datagrams hold no send buffer (%d)", v);
	for (got = 0; recv(rcv, buf, sizeof(buf), MSG_DONTWAIT) >= 0; got++)
		;
	tap_ok(got == 200, "the receiver with a 2 MiB buffer (SO_RCVBUFFORCE) got all 200 (%d)", got);
	close(rcv);

	/* FIONREAD / SIOCINQ: the size of the next datagram. */
	rcv = dsock_bound(&pr);
	v = ioctl_int(rcv, FIONREAD);
	tap_ok(v == 0, "FIONREAD on an empty queue: 0 (%d)", v);
	send_to(snd, &node, pr, buf, 100, 0);
	send_to(snd, &node, pr, buf, 40, 0);
	v = ioctl_int(rcv, FIONREAD);
	tap_ok(v == 100, "FIONREAD gives the size of the next datagram, 100 (%d)", v);
	v = ioctl_int(rcv, SIOCINQ);
	tap_ok(v == 100, "SIOCINQ too (%d)", v);
	recv(rcv, buf, sizeof(buf), 0);
	v = ioctl_int(rcv, FIONREAD);
	tap_ok(v == 40, "after one recv, FIONREAD gives 40 (%d)", v);
	recv(rcv, buf, sizeof(buf), 0);
	v = ioctl_int(rcv, SIOCOUTQ);
	tap_ok(v == 0, "SIOCOUTQ of a socket that never sent: 0 (%d)", v);
	tap_errno(ioctl(rcv, SIOCATMARK, &v), ENOTTY, "an ioctl the socket does not know (SIOCATMARK): ENOTTY");
	close(rcv);
	close(snd);
}

static void test_shutdown(void)
{
	uint16_t pr, ps, pc;
	char buf[64];
	int rcv, snd, c, fd;
	ssize_t n;
	double t0, dt;

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);
	do_connect(snd, &node, pr);
	sigpipes = 0;
	tap_call(shutdown(snd, SHUT_WR), "shutdown(SHUT_WR) on a connected socket");
	tap_errno(send(snd, "x", 1, 0), EPIPE, "send after SHUT_WR: EPIPE");
	tap_errno(send_to(snd, &node, pr, "x", 1, 0), EPIPE, "sendto after SHUT_WR: EPIPE");
	tap_ok(sigpipes == 0, "no SIGPIPE for a datagram socket (%d)", (int)sigpipes);
	tap_ok(queue_empty(rcv), "nothing was sent");
	send_to(rcv, &node, ps, "in", 2, 0);
	tap_ok(rx_is(snd, "in", 2, &node, pr), "SHUT_WR does not stop receiving");

	c = dsock_bound(&pc);
	do_connect(c, &node, pr);
	send_to(rcv, &node, pc, "queued", 6, 0);
	tap_call(shutdown(c, SHUT_RD), "shutdown(SHUT_RD) on a connected socket");
	n = recv(c, buf, sizeof(buf), MSG_DONTWAIT);
	tap_ok(n == 6 && !memcmp(buf, "queued", 6), "a datagram queued before SHUT_RD can still be read (%zd)", n);
	t0 = now_ms();
	n = recv(c, buf, sizeof(buf), 0);
	dt = now_ms() - t0;
	tap_ok(n == 0 && dt < 1000, "after SHUT_RD, recv on an empty queue returns 0 at once (%zd, %.0f ms)", n, dt);
	tap_ok(send(c, "y", 1, 0) == 1 && rx_is(rcv, "y", 1, &node, pc), "SHUT_RD does not stop sending");
	close(c);

	fd = dsock_bound(&pc);
	tap_errno(shutdown(fd, SHUT_WR), ENOTCONN, "shutdown(SHUT_WR) on an unconnected socket: ENOTCONN");
	tap_errno(send_to(fd, &node, pr, "x", 1, 0), EPIPE, "yet it took effect: sendto gives EPIPE");
	close(fd);
	fd = dsock_bound(&pc);
	tap_errno(shutdown(fd, SHUT_RD), ENOTCONN, "shutdown(SHUT_RD) on an unconnected socket: ENOTCONN");
	t0 = now_ms();
	n = recv(fd, buf, sizeof(buf), 0);
	dt = now_ms() - t0;
	tap_ok(n == 0 && dt < 1000, "yet it took effect: recv returns 0 at once (%zd, %.0f ms)", n, dt);
	tap_errno(shutdown(fd, 3), EINVAL, "shutdown(how = 3): EINVAL");
	tap_errno(shutdown(fd, -1), EINVAL, "shutdown(how = -1): EINVAL");
	close(fd);

	close(rcv);
	close(snd);
}

static void test_close(void)
{
	uint16_t pr, ps;
	int rcv, snd, i;

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);
	for (i = 0; i < 5; i++)
		send_to(snd, &node, pr, "stale", 5, 0);
	tap_call(close(rcv), "close a socket with 5 datagrams queued");
	rcv = dsock();
	tap_call(do_bind(rcv, &any, pr), "its port (%u) can be bound again at once", pr);
	tap_ok(queue_empty(rcv), "the new socket does not see the old socket's datagrams");
	send_to(snd, &node, pr, "fresh", 5, 0);
	tap_ok(rx_is(rcv, "fresh", 5, &node, ps), "and receives the datagrams sent to it now");
	close(rcv);
	close(snd);
}

static void raise_nofile(rlim_t n)
{
	struct rlimit rl = { n, n };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		tap_diag("setrlimit(RLIMIT_NOFILE, %lu): %s", (unsigned long)n, strerror(errno));
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void test_many(void)
{
	enum { N = 1000 };
	static int fds[N], ports[N];
	int bound = 0, in_range = 0, distinct = 1, i;
	uint16_t ps;
	int rcv, snd, ok;

	raise_nofile(EPH_COUNT + 4096);
	for (i = 0; i < N; i++) {
		fds[i] = dsock();
		if (fds[i] >= 0 && !do_bind(fds[i], &any, 0))
			bound++;
		ports[i] = sock_port(fds[i]);
		in_range += ports[i] >= VCOYO_PORT_EPHEMERAL_MIN && ports[i] <= VCOYO_PORT_EPHEMERAL_MAX;
	}
	tap_ok(bound == N, "%d sockets bind to port 0 (%d did)", N, bound);
	tap_ok(in_range == N, "all their ports are in the ephemeral range (%d are)", in_range);
	qsort(ports, N, sizeof(int), cmp_int);
	for (i = 1; i < N; i++)
		if (ports[i] == ports[i - 1])
			distinct = 0;
	tap_ok(distinct, "all %d ports are distinct", N);

	/* Each of them can be reached. */
	snd = dsock_bound(&ps);
	ok = 1;
	for (i = 0; i < N && ok; i += 37) {
		char tag[16];
		int p = sock_port(fds[i]);

		snprintf(tag, sizeof(tag), "n%d", i);
		send_to(snd, &node, p, tag, strlen(tag), 0);
		ok = rx_is(fds[i], tag, strlen(tag), &node, ps);
	}
	tap_ok(ok, "a datagram to each of a sample of them arrives at that socket");
	close(snd);

	for (i = 0, ok = 1; i < N; i++)
		if (close(fds[i]))
			ok = 0;
	tap_ok(ok, "closing the %d sockets succeeds", N);
	rcv = dsock();
	tap_call(do_bind(rcv, &any, ports[N / 2]), "a port of a closed one can be bound again");
	close(rcv);
}

/* Fill the ephemeral range: bind(0) gives EADDRINUSE, autobind EAGAIN (as UDP). */
static void test_exhaust(void)
{
	static int fds[EPH_COUNT + 16];
	int n = 0, err = 0, fd, i;
	double t0 = now_ms();
	uint16_t p;

	raise_nofile(EPH_COUNT + 4096);
	for (i = 0; i < EPH_COUNT + 16; i++) {
		fd = socket(af, SOCK_DGRAM, 0);
		if (fd < 0) {
			err = errno;
			tap_diag("socket %d: %s", i, strerror(errno));
			break;
		}
		if (do_bind(fd, &any, 0)) {
			err = errno;
			close(fd);
			break;
		}
		fds[n++] = fd;
	}
	tap_diag("%d ephemeral binds in %.0f ms", n, now_ms() - t0);
	tap_ok(err == EADDRINUSE && n == EPH_COUNT,
	       "binding port 0 until the range of %d ports is full ends with EADDRINUSE (after %d, %s)",
	       EPH_COUNT, n, strerror(err));
	fd = dsock();
	tap_errno(send_to(fd, &node, 7, "x", 1, 0), EAGAIN, "full range: sendto from an unbound socket: EAGAIN");
	tap_ok(sock_port(fd) == 0, "and the socket stays unbound");
	tap_errno(do_connect(fd, &node, 7), EAGAIN, "full range: connect of an unbound socket: EAGAIN");
	tap_call(do_bind(fd, &any, 7), "an explicit port below the range can still be bound");
	close(fd);
	if (n > 0) {
		p = sock_port(fds[n / 3]);
		close(fds[n / 3]);
		fds[n / 3] = -1;
		fd = dsock();
		tap_call(do_bind(fd, &any, 0), "after one close, bind to port 0 succeeds again");
		tap_ok(sock_port(fd) == p, "with the one port that was freed (%u, got %d)", p, sock_port(fd));
		close(fd);
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fd = dsock();
	tap_call(do_bind(fd, &any, 0), "after closing them all, port 0 binds again");
	close(fd);
}

/* ---- concurrency ---- */

enum { SENDERS = 4, PER_SENDER = 500 };

struct sender {
	int idx;
	uint16_t port;
	int ok;
};

static void *sender_thread(void *arg)
{
	struct sender *s = arg;
	int fd = dsock();
	uint32_t msg[16];

	for (int i = 0; i < PER_SENDER; i++) {
		memset(msg, 0, sizeof(msg));
		msg[0] = s->idx;
		msg[1] = i;
		if (send_to(fd, &node, s->port, msg, sizeof(msg), 0) == sizeof(msg))
			s->ok++;
	}
	close(fd);
	return NULL;
}

struct churn {
	atomic_int stop;
	atomic_long rounds, sends, bad;
};

enum { CHURN_BASE = 20000, CHURN_PORTS = 16 };

/* Bind, connect, disconnect and close sockets on a few ports, over and over. */
static void *churn_binder(void *arg)
{
	struct churn *c = arg;
	char buf[64];

	while (!atomic_load(&c->stop)) {
		int fds[CHURN_PORTS];

		for (int i = 0; i < CHURN_PORTS; i++) {
			fds[i] = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, 0);
			if (fds[i] < 0 || (do_bind(fds[i], &any, CHURN_BASE + i) && errno != EADDRINUSE))
				atomic_fetch_add(&c->bad, 1);
			setsockopt_int(fds[i], SOL_SOCKET, SO_RCVBUF, 1);
		}
		for (int i = 0; i < CHURN_PORTS; i += 2) {
			do_connect(fds[i], &node, CHURN_BASE + (i + 1) % CHURN_PORTS);
			recv(fds[i], buf, sizeof(buf), 0);
			disconnect(fds[i]);
		}
		for (int i = 0; i < CHURN_PORTS; i++)
			close(fds[i]);
		atomic_fetch_add(&c->rounds, 1);
	}
	return NULL;
}

static void *churn_sender(void *arg)
{
	struct churn *c = arg;
	int fd = dsock();

	while (!atomic_load(&c->stop)) {
		for (int i = 0; i < CHURN_PORTS; i++) {
			ssize_t n = send_to(fd, i & 1 ? &node : &any, CHURN_BASE + i, "churn", 5, MSG_DONTWAIT);

			if (n != 5)
				atomic_fetch_add(&c->bad, 1);
			atomic_fetch_add(&c->sends, 1);
		}
	}
	close(fd);
	return NULL;
}

static void test_concurrency(void)
{
	static bool seen[SENDERS][PER_SENDER];
	struct sender s[SENDERS];
	pthread_t th[SENDERS];
	uint32_t msg[16];
	int rcv, got = 0, dup = 0, bad = 0, sent = 0, out_of_order = 0, last[SENDERS];
	uint16_t pr;
	struct rx r;

	rcv = dsock_bound(&pr);
	if (setsockopt_int(rcv, SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20))
		setsockopt_int(rcv, SOL_SOCKET, SO_RCVBUF, 32 << 20);
	setsockopt_int(rcv, SOL_SOCKET, SO_RXQ_OVFL, 1);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < SENDERS; i++) {
		s[i] = (struct sender){ .idx = i, .port = pr };
		last[i] = -1;
		pthread_create(&th[i], NULL, sender_thread, &s[i]);
	}
	while (got + bad < SENDERS * PER_SENDER) {
		if (rx(rcv, msg, sizeof(msg), 0, &r) < 0)
			break;
		if (r.n != sizeof(msg) || msg[0] >= SENDERS || msg[1] >= PER_SENDER || r.has_ovfl) {
			bad++;
			continue;
		}
		if (seen[msg[0]][msg[1]])
			dup++;
		seen[msg[0]][msg[1]] = true;
		if ((int)msg[1] < last[msg[0]])
			out_of_order++;
		last[msg[0]] = msg[1];
		got++;
	}
	for (int i = 0; i < SENDERS; i++) {
		pthread_join(th[i], NULL);
		sent += s[i].ok;
	}
	tap_ok(sent == SENDERS * PER_SENDER, "%d threads send %d datagrams each in parallel (%d sent)",
	       SENDERS, PER_SENDER, sent);
	tap_ok(got == SENDERS * PER_SENDER && !dup && !bad,
	       "the receiver gets every one exactly once, none damaged (%d received, %d duplicates, %d bad)",
	       got, dup, bad);
	tap_ok(queue_empty(rcv), "and nothing more");
	if (out_of_order)
		tap_diag("%d datagrams overtook an earlier one of the same sender", out_of_order);
	close(rcv);

	/* Sockets binding and closing while others send to their ports. */
	struct churn c = { 0 };
	pthread_t cb[2], cs[2];

	for (int i = 0; i < 2; i++) {
		pthread_create(&cb[i], NULL, churn_binder, &c);
		pthread_create(&cs[i], NULL, churn_sender, &c);
	}
	msleep(1500);
	atomic_store(&c.stop, 1);
	for (int i = 0; i < 2; i++) {
		pthread_join(cb[i], NULL);
		pthread_join(cs[i], NULL);
	}
	tap_ok(atomic_load(&c.bad) == 0 && atomic_load(&c.rounds) > 0 && atomic_load(&c.sends) > 0,
	       "sockets bound, connected and closed while others send to their ports: no error (%ld rounds, %ld sends, %ld errors)",
	       atomic_load(&c.rounds), atomic_load(&c.sends), atomic_load(&c.bad));
	int fd = dsock();

	tap_call(do_bind(fd, &any, CHURN_BASE), "afterwards the churned ports are free");
	close(fd);
}

/* ---- namespaces and identity ---- */

struct ns_arg {
	uint16_t port;
};

static void netns_child(int *res, void *arg)
{
	struct ns_arg *a = arg;
	struct nl_id id;
	char buf[64];
	struct rx r;
	int s, t;

	res[0] = unshare(CLONE_NEWNET) ? errno : 0;
	res[1] = nl_id_get(&id) ? 2 : id.has_addr;
	s = dsock();
	res[2] = do_bind(s, &any, a->port) ? errno : 0;
	t = dsock();
	res[3] = send_to(t, &node, a->port, "x", 1, 0) < 0 ? errno : 0;
	res[4] = send_to(t, &any, a->port, "ns2", 3, 0) == 3 ? 0 : errno;
	rx(s, buf, sizeof(buf), 0, &r);
	res[5] = r.n == 3 && !memcmp(buf, "ns2", 3) ? 0 : r.n < 0 ? r.err : -1;
	res[6] = r.n >= 0 && same_addr(&((struct sockaddr_vcoyo *)&r.name)->svc_addr, &any);
	res[7] = sock_port(t) >= VCOYO_PORT_EPHEMERAL_MIN;
	close(s);
	close(t);
}

static void test_netns(void)
{
	struct ns_arg a;
	int res[8];
	int p;
	bool ok;

	p = dsock_bound(&a.port);
	ok = in_child(netns_child, &a, res, 8);
	tap_ok(ok && res[0] == 0, "a child enters a new network namespace");
	tap_ok(ok && res[1] == 0, "the new namespace is a node without identity (ID_GET has no address)");
	tap_ok(ok && res[2] == 0, "there, the port bound here (%u) is free", a.port);
	tap_ok(ok && res[3] == EHOSTUNREACH, "there, this node's address is another node's: EHOSTUNREACH (%s)",
	       ok && res[3] > 0 ? strerror(res[3]) : "-");
	tap_ok(ok && res[4] == 0 && res[5] == 0 && res[7],
	       "there, a datagram to the any address reaches that namespace's own socket");
	tap_ok(ok && res[6], "its source is the any address while that node has no identity");
	tap_ok(queue_empty(p), "the datagram sent in the other namespace did not arrive here");
	close(p);
}

static void test_identity_change(const struct vcoyo_addr *old)
{
	uint8_t key[VCOYO_KEY_LEN];
	struct vcoyo_addr want;
	struct nl_id id;
	uint16_t pr, ps, po;
	int rcv, snd, fd, err, ob;
	char buf[64];
	ssize_t n;

	rcv = dsock_bound(&pr);
	snd = dsock_bound(&ps);
	ob = dsock();
	do_bind(ob, old, 0);
	po = sock_port(ob);
	randombytes_buf(key, sizeof(key));
	expected_addr(key, &want);
	err = nl_id_set(key);
	tap_ok(!err, "ID_SET with a second private key (%s)", strerror(-err));
	err = nl_id_get(&id);
	tap_ok(!err && id.has_addr && same_addr(&id.addr, &want) && !same_addr(&id.addr, old),
	       "ID_GET gives the new address");
	node = id.addr;
	send_to(snd, &node, pr, "new", 3, 0);
	tap_ok(rx_is(rcv, "new", 3, &node, ps), "sockets bound to the any address go on; datagrams carry the new address");
	tap_errno(send_to(snd, old, pr, "x", 1, 0), EHOSTUNREACH, "the old address is no longer this node's: EHOSTUNREACH");
	fd = dsock();
	tap_errno(do_bind(fd, old, 0), EADDRNOTAVAIL, "bind to the old address: EADDRNOTAVAIL");
	tap_call(do_bind(fd, &node, 0), "bind to the new address");
	close(fd);
	send_to(snd, &node, po, "x", 1, 0);
	tap_ok(queue_empty(ob), "a socket bound to the old address receives nothing sent to the new one");
	n = send_to(ob, &node, pr, "stale", 5, 0);
	if (n >= 0)
		tap_diag("sendto returned %zd; the receiver %s", n,
			 recv(rcv, buf, sizeof(buf), MSG_DONTWAIT) < 0 ? "got nothing" :
			 "got a datagram from the old address");
	else
		tap_diag("sendto failed: %s", strerror(errno));
	tap_ok(n < 0 && errno == EADDRNOTAVAIL,
	       "a socket bound to the old address can no longer send from it: EADDRNOTAVAIL");
	close(ob);
	close(rcv);
	close(snd);
}

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void on_alarm(int sig)
{
	char msg[160];
	int n;
	ssize_t w;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "not ok %d - watchdog: the test did not finish in %d s\n1..%d\n",
		     tap_count + 1, WATCHDOG_S, tap_count + 1);
	w = write(STDOUT_FILENO, msg, n);
	(void)w;
	_exit(EXIT_FAILURE);
}

int main(void)
{
	uint8_t key[VCOYO_KEY_LEN];
	struct vcoyo_addr want;
	struct nl_id id;
	int err;

	signal(SIGPIPE, on_sigpipe);
	signal(SIGALRM, on_alarm);
	alarm(WATCHDOG_S);
	setvbuf(stdout, NULL, _IOLBF, 0);

	af = vcoyo_af();
	if (!tap_ok(af > 0, "AF_VCOYO is registered (family %d, read from %s)", af, VCOYO_FAMILY_PATH))
		return tap_done();
	if (sodium_init() < 0)
		tap_diag("sodium_init failed");

	/* This node's identity: a random private key. */
	randombytes_buf(key, sizeof(key));
	expected_addr(key, &want);
	err = nl_id_set(key);
	tap_ok(!err, "identity set over generic netlink (VCOYO_CMD_ID_SET: %s)", strerror(-err));
	err = nl_id_get(&id);
	tap_ok(!err && id.has_addr && id.family == af, "VCOYO_CMD_ID_GET gives an address and family %d", af);
	tap_ok(id.has_addr && same_addr(&id.addr, &want), "the address is SHA-512 of the Curve25519 public key");
	node = id.addr;
	tap_diag("node address %s", fmt_addr(&node));

	test_socket();
	test_bind();
	test_sendrecv();
	test_connect();
	test_refused();
	test_flags();
	test_poll();
	test_buffers();
	test_shutdown();
	test_close();
	test_many();
	test_exhaust();
	test_concurrency();
	test_netns();
	test_identity_change(&want);
	return tap_done();
}
