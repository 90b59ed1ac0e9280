// SPDX-License-Identifier: GPL-2.0
/* vcoyod's netlink interface to the kernel; see kernel.h. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "nl.h"
#include "wire.h"
#include "vcoyod.h"

/* IDs are node addresses: the library's type and the uapi's are one. */
static_assert(sizeof(struct kad_id) == VCOYO_ADDR_LEN, "a kad ID is an address");

/*
 * The events socket's receive buffer.  A burst (every tunnel of a link that
 * went down failing at once, a storm of misses) must not overrun it; if it
 * does anyway, the daemon resynchronises (ENOBUFS).
 */
#define EVENTS_RCVBUF	(4 << 20)

static int helper_error(int err, char *buf, size_t len, const char *extack)
{
	switch (err) {
	case EBUSY:
		snprintf(buf, len, "another helper is running on this node");
		break;
	case EPERM:
		snprintf(buf, len, "registering as the routing helper needs CAP_NET_ADMIN");
		break;
	case EOPNOTSUPP:
		snprintf(buf, len, "vcoyo.ko has no routing helper support (HELPER_SET): "
			 "the module is older than this daemon");
		break;
	default:
		snprintf(buf, len, "registering as the routing helper: %s%s%s", strerror(err),
			 extack ? ": " : "", extack ? extack : "");
	}
	errno = err;
	return -1;
}

/* The events handle: helper, then group member, then nonblocking reader. */
static int events_open(struct kernel *k, char *err, size_t errlen)
{
	int size = EVENTS_RCVBUF, fd, flags;

	k->events = vcoyo_nl_open(err, errlen);
	if (!k->events)
		return -1;
	if (vcoyo_nl_request(k->events, VCOYO_CMD_HELPER_SET, NULL, NULL, NULL, NULL))
		return helper_error(errno, err, errlen, vcoyo_nl_extack(k->events));
	/* Subscribed before the first dump: no change can fall between the two. */
	if (vcoyo_nl_subscribe(k->events, VCOYO_MCGRP_EVENTS)) {
		snprintf(err, errlen, "joining the %s group: %s", VCOYO_MCGRP_EVENTS,
			 strerror(errno));
		return -1;
	}
	fd = vcoyo_nl_fd(k->events);
	/* FORCE (root) goes past rmem_max; else take what the system allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		snprintf(err, errlen, "events socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int kernel_open(struct kernel *k, char *err, size_t errlen)
{
	int e;

	memset(k, 0, sizeof(*k));
	if (events_open(k, err, errlen))
		goto fail;
	k->req = vcoyo_nl_open(err, errlen);
	if (!k->req)
		goto fail;
	return 0;
fail:
	e = errno;
	kernel_close(k);
	errno = e;
	return -1;
}

void kernel_close(struct kernel *k)
{
	/* Closing the events socket is what ends the helper registration. */
	vcoyo_nl_close(k->events);
	vcoyo_nl_close(k->req);
	k->events = k->req = NULL;
}

int kernel_events_fd(const struct kernel *k)
{
	return vcoyo_nl_fd(k->events);
}

const char *kernel_extack(const struct kernel *k)
{
	const char *e = vcoyo_nl_extack(k->req);

	return e ? e : "";
}

/* ---- Parsing what the kernel sends. ---- */

static void parse_identity(const struct vcoyo_nl_msg *msg, struct kernel_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->family = -1;
	if (msg->tb[VCOYO_A_ADDRESS]) {
		memcpy(&id->address, mnl_attr_get_payload(msg->tb[VCOYO_A_ADDRESS]),
		       VCOYO_ADDR_LEN);
		id->has_address = true;
	}
	if (msg->tb[VCOYO_A_FAMILY])
		id->family = mnl_attr_get_u16(msg->tb[VCOYO_A_FAMILY]);
}

/* -1 (errno EPROTO) unless the message holds a link with an id and a state. */
static int parse_link(const struct vcoyo_nl_msg *msg, struct kernel_link *link)
{
	const struct nlattr *tb[VCOYO_LINK_A_MAX + 1];

	if (!msg->tb[VCOYO_A_LINK] || vcoyo_nl_parse_link(msg->tb[VCOYO_A_LINK], tb))
		goto bad;
	if (!tb[VCOYO_LINK_A_ID] || !tb[VCOYO_LINK_A_STATE])
		goto bad;
	memset(link, 0, sizeof(*link));
	link->id = mnl_attr_get_u32(tb[VCOYO_LINK_A_ID]);
	link->state = mnl_attr_get_u8(tb[VCOYO_LINK_A_STATE]);
	if (tb[VCOYO_LINK_A_REMOTE_ADDRESS]) {
		memcpy(&link->remote, mnl_attr_get_payload(tb[VCOYO_LINK_A_REMOTE_ADDRESS]),
		       VCOYO_ADDR_LEN);
		link->has_remote = true;
	}
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

static int parse_miss(const struct vcoyo_nl_msg *msg, struct kad_id *dst)
{
	const struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1];

	if (!msg->tb[VCOYO_A_ROUTE] || vcoyo_nl_parse_route(msg->tb[VCOYO_A_ROUTE], tb) ||
	    !tb[VCOYO_ROUTE_A_DEST]) {
		errno = EPROTO;
		return -1;
	}
	memcpy(dst, mnl_attr_get_payload(tb[VCOYO_ROUTE_A_DEST]), VCOYO_ADDR_LEN);
	return 0;
}

static int parse_tunnel(const struct vcoyo_nl_msg *msg, struct kernel_tunnel *t)
{
	const struct nlattr *tb[VCOYO_TUNNEL_A_MAX + 1];

	if (!msg->tb[VCOYO_A_TUNNEL] || vcoyo_nl_parse_tunnel(msg->tb[VCOYO_A_TUNNEL], tb) ||
	    !tb[VCOYO_TUNNEL_A_REMOTE] || !tb[VCOYO_TUNNEL_A_STATE]) {
		errno = EPROTO;
		return -1;
	}
	memset(t, 0, sizeof(*t));
	memcpy(&t->remote, mnl_attr_get_payload(tb[VCOYO_TUNNEL_A_REMOTE]), VCOYO_ADDR_LEN);
	t->state = mnl_attr_get_u8(tb[VCOYO_TUNNEL_A_STATE]);
	if (tb[VCOYO_TUNNEL_A_REASON])
		t->reason = mnl_attr_get_u8(tb[VCOYO_TUNNEL_A_REASON]);
	if (tb[VCOYO_TUNNEL_A_INITIATOR])
		t->initiator = mnl_attr_get_u8(tb[VCOYO_TUNNEL_A_INITIATOR]);
	return 0;
}

/* ---- Events. ---- */

struct event_call {
	kernel_event_cb cb;
	void *arg;
};

/*
 * One event.  A malformed one is logged and skipped (returning -1 here would
 * look like a socket error to the caller); the callback's -1 is passed on.
 */
static int event_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	struct event_call *call = arg;
	struct kernel_event ev;
	int ret;

	switch (msg->cmd) {
	case VCOYO_CMD_LINK_GET:
		ev.type = KEV_LINK;
		ret = parse_link(msg, &ev.link);
		break;
	case VCOYO_CMD_ROUTE_MISS:
		ev.type = KEV_MISS;
		ret = parse_miss(msg, &ev.miss);
		break;
	case VCOYO_CMD_TUNNEL_GET:
		ev.type = KEV_TUNNEL;
		ret = parse_tunnel(msg, &ev.tunnel);
		break;
	case VCOYO_CMD_ID_SET:
		ev.type = KEV_IDENTITY;
		parse_identity(msg, &ev.identity);
		ret = 0;
		break;
	default:
		return 0;
	}
	if (ret) {
		log_info("kernel event %u: malformed, ignored", msg->cmd);
		return 0;
	}
	return call->cb(&ev, call->arg);
}

int kernel_read_events(struct kernel *k, kernel_event_cb cb, void *arg)
{
	struct event_call call = { cb, arg };

	for (;;) {
		if (!vcoyo_nl_recv(k->events, event_cb, &call))
			continue;
		switch (errno) {
		case EAGAIN:
			return 0;
		case EINTR:
			continue;
		case EPROTO:
		case EBADMSG:
			/* A message nl.c could not parse: it is consumed, go on. */
			log_info("kernel event: %s, ignored", strerror(errno));
			continue;
		default:
			return -1;
		}
	}
}

/* ---- Requests. ---- */

static int identity_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	parse_identity(msg, arg);
	return 0;
}

int kernel_identity(struct kernel *k, struct kernel_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->family = -1;
	return vcoyo_nl_request(k->req, VCOYO_CMD_ID_GET, NULL, NULL, identity_cb, id);
}

static int miss_timeout_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *a = msg->tb[VCOYO_A_MISS_TIMEOUT];

	/* nl.c's policy predates this attribute: check its type here. */
	if (a && !mnl_attr_validate(a, MNL_TYPE_U32))
		*(int64_t *)arg = mnl_attr_get_u32(a);
	return 0;
}

int kernel_miss_timeout(struct kernel *k, uint32_t *ms)
{
	int64_t v = -1;

	if (vcoyo_nl_request(k->req, VCOYO_CMD_NODE_GET, NULL, NULL, miss_timeout_cb, &v))
		return -1;
	if (v < 0) {
		errno = ENOENT;
		return -1;
	}
	*ms = v;
	return 0;
}

struct links_call {
	kernel_link_cb cb;
	void *arg;
};

static int link_dump_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	struct links_call *call = arg;
	struct kernel_link link;

	if (parse_link(msg, &link)) {
		log_info("link dump: a malformed link, ignored");
		return 0;
	}
	return call->cb(&link, call->arg);
}

int kernel_links(struct kernel *k, kernel_link_cb cb, void *arg)
{
	struct links_call call = { cb, arg };

	return vcoyo_nl_dump(k->req, VCOYO_CMD_LINK_GET, NULL, NULL, link_dump_cb, &call);
}

/* What a VCOYO_A_ROUTE nest of a request holds. */
struct route_req {
	const struct kad_id *dst;
	const kad_tag *hops;		/* VCOYO_ROUTE_A_PATH, if n_hops */
	unsigned int n_hops;
	bool has_link;			/* VCOYO_ROUTE_A_LINK */
	uint32_t link;
	bool helper;			/* ROUTE_ADD: origin helper */
};

static int put_route(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct route_req *r = arg;
	uint8_t path[VCOYO_PATH_MAX * VCOYO_TAG_LEN];
	struct nlattr *nest;
	unsigned int i;

	nest = mnl_attr_nest_start_check(nlh, buflen, VCOYO_A_ROUTE);
	if (!nest || !mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_DEST, VCOYO_ADDR_LEN, r->dst))
		goto full;
	if (r->n_hops) {
		/* Hop tags travel as they do in DHT messages: the address's first bytes. */
		for (i = 0; i < r->n_hops; i++)
			kad_wire_put_tag(path + i * VCOYO_TAG_LEN, r->hops[i]);
		if (!mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_PATH,
					r->n_hops * VCOYO_TAG_LEN, path))
			goto full;
	}
	if (r->has_link && !mnl_attr_put_u32_check(nlh, buflen, VCOYO_ROUTE_A_LINK, r->link))
		goto full;
	if (r->helper &&
	    !mnl_attr_put_u8_check(nlh, buflen, VCOYO_ROUTE_A_ORIGIN, VCOYO_ROUTE_HELPER))
		goto full;
	mnl_attr_nest_end(nlh, nest);
	return 0;
full:
	errno = EMSGSIZE;
	return -1;
}

int kernel_route_path(struct kernel *k, const struct kad_id *dst, const kad_tag *hops,
		      unsigned int n)
{
	struct route_req r = { .dst = dst, .hops = hops, .n_hops = n, .helper = true };

	if (!n || n > VCOYO_PATH_MAX) {
		errno = EINVAL;
		return -1;
	}
	return vcoyo_nl_request(k->req, VCOYO_CMD_ROUTE_ADD, put_route, &r, NULL, NULL);
}

int kernel_route_link(struct kernel *k, const struct kad_id *dst, uint32_t link_id)
{
	struct route_req r = { .dst = dst, .has_link = true, .link = link_id, .helper = true };

	return vcoyo_nl_request(k->req, VCOYO_CMD_ROUTE_ADD, put_route, &r, NULL, NULL);
}

int kernel_route_unreachable(struct kernel *k, const struct kad_id *dst)
{
	struct route_req r = { .dst = dst };

	return vcoyo_nl_request(k->req, VCOYO_CMD_ROUTE_UNREACHABLE, put_route, &r, NULL, NULL);
}
