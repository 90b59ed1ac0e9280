// SPDX-License-Identifier: GPL-2.0
/* The generic netlink client of vcoyo's family, on libmnl; see nl.h. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "addr.h"
#include "nl.h"

/* Large enough for any message the family sends, and for a dump's batch. */
#define NL_BUF_SIZE	32768
/* A family has few groups; vcoyo has one. */
#define NL_MCGRPS_MAX	8

struct nl_mcgrp {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

struct vcoyo_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	struct nl_mcgrp mcgrps[NL_MCGRPS_MAX];
	unsigned int n_mcgrps;
	char extack[256];
	char buf[NL_BUF_SIZE];
};

/* What each attribute must be: libmnl's type and, if nonzero, exact length. */
struct nl_policy {
	enum mnl_attr_data_type type;
	uint16_t len;
};

/* Mirrors the kernel's promises in uapi/linux/vcoyo.h. */
static const struct nl_policy vcoyo_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_PRIVATE_KEY] = { MNL_TYPE_BINARY, VCOYO_KEY_LEN },
	[VCOYO_A_PUBLIC_KEY] = { MNL_TYPE_BINARY, VCOYO_KEY_LEN },
	[VCOYO_A_ADDRESS] = { MNL_TYPE_BINARY, VCOYO_ADDR_LEN },
	[VCOYO_A_FAMILY] = { MNL_TYPE_U16 },
	[VCOYO_A_STATS] = { MNL_TYPE_NESTED },
	[VCOYO_A_LISTEN_PORT] = { MNL_TYPE_U16 },
	[VCOYO_A_HELLO_INTERVAL] = { MNL_TYPE_U32 },
	[VCOYO_A_LINK_TIMEOUT] = { MNL_TYPE_U32 },
	[VCOYO_A_LINK] = { MNL_TYPE_NESTED },
	[VCOYO_A_ROUTE] = { MNL_TYPE_NESTED },
	[VCOYO_A_SETUP_TIMEOUT] = { MNL_TYPE_U32 },
	[VCOYO_A_TUNNEL_IDLE] = { MNL_TYPE_U32 },
	[VCOYO_A_TUNNEL] = { MNL_TYPE_NESTED },
	[VCOYO_A_LABEL] = { MNL_TYPE_NESTED },
	[VCOYO_A_MISS_TIMEOUT] = { MNL_TYPE_U32 },
	[VCOYO_A_HELPER] = { MNL_TYPE_U8 },
};

/* The same inside VCOYO_A_ROUTE. */
static const struct nl_policy vcoyo_route_policy[VCOYO_ROUTE_A_MAX + 1] = {
	[VCOYO_ROUTE_A_DEST] = { MNL_TYPE_BINARY, VCOYO_ADDR_LEN },
	[VCOYO_ROUTE_A_LINK] = { MNL_TYPE_U32 },
	[VCOYO_ROUTE_A_ORIGIN] = { MNL_TYPE_U8 },
	[VCOYO_ROUTE_A_PATH] = { MNL_TYPE_BINARY },	/* whole tags: checked by the reader */
};

/* The same inside VCOYO_A_LINK.  The endpoint's length depends on its family. */
static const struct nl_policy vcoyo_link_policy[VCOYO_LINK_A_MAX + 1] = {
	[VCOYO_LINK_A_ID] = { MNL_TYPE_U32 },
	[VCOYO_LINK_A_ENDPOINT] = { MNL_TYPE_BINARY },
	[VCOYO_LINK_A_PEER_KEY] = { MNL_TYPE_BINARY, VCOYO_KEY_LEN },
	[VCOYO_LINK_A_STATE] = { MNL_TYPE_U8 },
	[VCOYO_LINK_A_REMOTE_KEY] = { MNL_TYPE_BINARY, VCOYO_KEY_LEN },
	[VCOYO_LINK_A_REMOTE_ADDRESS] = { MNL_TYPE_BINARY, VCOYO_ADDR_LEN },
	[VCOYO_LINK_A_RTT_US] = { MNL_TYPE_U32 },
	[VCOYO_LINK_A_TX_PACKETS] = { MNL_TYPE_U64 },
	[VCOYO_LINK_A_TX_BYTES] = { MNL_TYPE_U64 },
	[VCOYO_LINK_A_RX_PACKETS] = { MNL_TYPE_U64 },
	[VCOYO_LINK_A_RX_BYTES] = { MNL_TYPE_U64 },
	[VCOYO_LINK_A_LAST_RX_MS] = { MNL_TYPE_U32 },
};

/* The same inside VCOYO_A_TUNNEL. */
static const struct nl_policy vcoyo_tunnel_policy[VCOYO_TUNNEL_A_MAX + 1] = {
	[VCOYO_TUNNEL_A_REMOTE] = { MNL_TYPE_BINARY, VCOYO_ADDR_LEN },
	[VCOYO_TUNNEL_A_STATE] = { MNL_TYPE_U8 },
	[VCOYO_TUNNEL_A_INITIATOR] = { MNL_TYPE_U8 },
	[VCOYO_TUNNEL_A_LABEL] = { MNL_TYPE_U32 },
	[VCOYO_TUNNEL_A_PEER_LABEL] = { MNL_TYPE_U32 },
	[VCOYO_TUNNEL_A_LINK] = { MNL_TYPE_U32 },
	[VCOYO_TUNNEL_A_IDLE_MS] = { MNL_TYPE_U32 },
	[VCOYO_TUNNEL_A_QUEUED] = { MNL_TYPE_U32 },
	[VCOYO_TUNNEL_A_TX_PACKETS] = { MNL_TYPE_U64 },
	[VCOYO_TUNNEL_A_TX_BYTES] = { MNL_TYPE_U64 },
	[VCOYO_TUNNEL_A_RX_PACKETS] = { MNL_TYPE_U64 },
	[VCOYO_TUNNEL_A_RX_BYTES] = { MNL_TYPE_U64 },
	[VCOYO_TUNNEL_A_REASON] = { MNL_TYPE_U8 },
};

/* The same inside VCOYO_A_LABEL. */
static const struct nl_policy vcoyo_label_policy[VCOYO_LABEL_A_MAX + 1] = {
	[VCOYO_LABEL_A_ID] = { MNL_TYPE_U32 },
	[VCOYO_LABEL_A_ROLE] = { MNL_TYPE_U8 },
	[VCOYO_LABEL_A_UP_LINK] = { MNL_TYPE_U32 },
	[VCOYO_LABEL_A_UP_LABEL] = { MNL_TYPE_U32 },
	[VCOYO_LABEL_A_DOWN_LINK] = { MNL_TYPE_U32 },
	[VCOYO_LABEL_A_DOWN_LABEL] = { MNL_TYPE_U32 },
	[VCOYO_LABEL_A_IDLE_MS] = { MNL_TYPE_U32 },
	[VCOYO_LABEL_A_PACKETS] = { MNL_TYPE_U64 },
	[VCOYO_LABEL_A_BYTES] = { MNL_TYPE_U64 },
};

/* For "missing required attribute" messages. */
static const char *const vcoyo_attr_names[VCOYO_A_MAX + 1] = {
	[VCOYO_A_PRIVATE_KEY] = "private key",
	[VCOYO_A_PUBLIC_KEY] = "public key",
	[VCOYO_A_ADDRESS] = "address",
	[VCOYO_A_FAMILY] = "family",
	[VCOYO_A_STATS] = "stats",
	[VCOYO_A_LISTEN_PORT] = "listen port",
	[VCOYO_A_HELLO_INTERVAL] = "hello interval",
	[VCOYO_A_LINK_TIMEOUT] = "link timeout",
	[VCOYO_A_LINK] = "link",
	[VCOYO_A_ROUTE] = "route",
	[VCOYO_A_SETUP_TIMEOUT] = "setup timeout",
	[VCOYO_A_TUNNEL_IDLE] = "tunnel idle",
	[VCOYO_A_TUNNEL] = "tunnel",
	[VCOYO_A_LABEL] = "label",
	[VCOYO_A_MISS_TIMEOUT] = "miss timeout",
	[VCOYO_A_HELPER] = "helper",
};

/* The same inside VCOYO_A_LINK, the one nest requests carry. */
static const char *const vcoyo_link_attr_names[VCOYO_LINK_A_MAX + 1] = {
	[VCOYO_LINK_A_ID] = "link id",
	[VCOYO_LINK_A_ENDPOINT] = "endpoint",
	[VCOYO_LINK_A_PEER_KEY] = "peer key",
};

static const struct nl_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { MNL_TYPE_U16 },
	[CTRL_ATTR_MCAST_GROUPS] = { MNL_TYPE_NESTED },
};

static const struct nl_policy mcgrp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = { MNL_TYPE_NUL_STRING },
	[CTRL_ATTR_MCAST_GRP_ID] = { MNL_TYPE_U32 },
};

/* One transaction: how to parse its data messages and whom to give them. */
struct nl_call {
	struct vcoyo_nl *nl;
	int (*parse)(const struct nlmsghdr *nlh, struct nl_call *call);
	vcoyo_nl_msg_t cb;
	void *arg;
	int err;	/* first errno of parse or cb; the ACK is still read */
};

struct nl_table {
	const struct nl_policy *policy;
	unsigned int max;
	const struct nlattr **tb;
};

/* Check each attribute against the policy; newer ones are skipped, not refused. */
static int nl_table_cb(const struct nlattr *attr, void *data)
{
	const struct nl_table *t = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct nl_policy *pol;

	if (!type || type > t->max)
		return MNL_CB_OK;
	pol = &t->policy[type];
	if (mnl_attr_validate(attr, pol->type) < 0 ||
	    (pol->len && mnl_attr_get_payload_len(attr) != pol->len)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static int nl_parse_genl(const struct nlmsghdr *nlh, const struct nl_policy *policy,
			 unsigned int max, const struct nlattr **tb)
{
	struct nl_table t = { policy, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		errno = EPROTO;
		return -1;
	}
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_table_cb, &t) == MNL_CB_ERROR)
		return -1;
	return 0;
}

static int nl_parse_nested(const struct nlattr *nest, const struct nl_policy *policy,
			   unsigned int max, const struct nlattr **tb)
{
	struct nl_table t = { policy, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, nl_table_cb, &t) == MNL_CB_ERROR)
		return -1;
	return 0;
}

/* What an extended ACK said. */
struct nl_extack {
	struct vcoyo_nl *nl;
	bool has_msg;
	bool has_miss_type;
	bool has_miss_nest;	/* the missing attribute is inside VCOYO_A_LINK */
	uint32_t miss_type;
};

/* NLMSGERR_ATTR_MISS_TYPE comes without a message: say it in words. */
static void nl_extack_missing(struct vcoyo_nl *nl, uint32_t type, bool nested)
{
	const char *name = NULL;

	if (nested && type <= VCOYO_LINK_A_MAX)
		name = vcoyo_link_attr_names[type];
	else if (!nested && type <= VCOYO_A_MAX)
		name = vcoyo_attr_names[type];
	if (name)
		snprintf(nl->extack, sizeof(nl->extack), "missing required attribute: %s", name);
	else
		snprintf(nl->extack, sizeof(nl->extack), "missing required attribute %u%s",
			 type, nested ? " of the link" : "");
}

static int nl_extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_extack *x = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING)) {
			snprintf(x->nl->extack, sizeof(x->nl->extack), "%s",
				 mnl_attr_get_str(attr));
			x->has_msg = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (!mnl_attr_validate(attr, MNL_TYPE_U32)) {
			x->miss_type = mnl_attr_get_u32(attr);
			x->has_miss_type = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		x->has_miss_nest = true;
		break;
	}
	return MNL_CB_OK;
}

/* Extended ACK TLVs from offset off of nlh's payload. */
static void nl_extack_tlvs(struct vcoyo_nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	struct nl_extack x = { .nl = nl };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, off, nl_extack_attr_cb, &x);
	/* A message, if the kernel also gave one, says more. */
	if (!x.has_msg && x.has_miss_type)
		nl_extack_missing(nl, x.miss_type, x.has_miss_nest);
}

/* The extended ACK TLVs follow the nlmsgerr and, unless capped, our request. */
static void nl_extack_parse(struct vcoyo_nl *nl, const struct nlmsghdr *nlh,
			    const struct nlmsgerr *e)
{
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(e->msg))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	nl_extack_tlvs(nl, nlh, off);
}

/* NLMSG_ERROR: an ACK (error 0) ends the transaction, an error fails it. */
static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_call *call = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	nl_extack_parse(call->nl, nlh, e);
	if (!e->error)
		return MNL_CB_STOP;
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/*
 * NLMSG_DONE ends a dump; its payload is the error that stopped the dump (0
 * when it completed), then, if the kernel had more to say, its extended ACK.
 */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *call = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	nl_extack_tlvs(call->nl, nlh, sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

/* NLMSG_NOOP keeps libmnl's default (ignore).  Not const: mnl_cb_run2() takes a plain pointer. */
static mnl_cb_t nl_ctl_cbs[NLMSG_DONE + 1] = {
	[NLMSG_ERROR] = nl_error_cb,
	[NLMSG_DONE] = nl_done_cb,
};

/* A failing reply must not end the loop early: the ACK would be left queued. */
static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *call = data;

	if (!call->err && call->parse(nlh, call))
		call->err = errno ? errno : EPROTO;
	return MNL_CB_OK;
}

/* Receive until the ACK of seq (or, with seq 0, one batch of events). */
static int nl_run(struct vcoyo_nl *nl, struct nl_call *call, unsigned int seq)
{
	ssize_t n;
	int ret;

	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run2(nl->buf, n, seq, seq ? nl->portid : 0, nl_data_cb, call,
				  nl_ctl_cbs, MNL_ARRAY_SIZE(nl_ctl_cbs));
	} while (seq && ret > MNL_CB_STOP);
	if (ret == MNL_CB_ERROR)
		return -1;
	if (call->err) {
		errno = call->err;
		return -1;
	}
	return 0;
}

static struct nlmsghdr *nl_msg_start(struct vcoyo_nl *nl, uint16_t family, uint8_t cmd,
				     uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	/* A new transaction: the last one's explanation no longer applies. */
	nl->extack[0] = '\0';
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static int nl_transact(struct vcoyo_nl *nl, struct nlmsghdr *nlh, struct nl_call *call)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t sent;

	sent = mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len);
	/* The request may carry a private key: leave no copy behind. */
	explicit_bzero(nlh, nlh->nlmsg_len);
	if (sent < 0)
		return -1;
	return nl_run(nl, call, seq);
}

static void nl_mcgrp_add(struct vcoyo_nl *nl, const char *name, uint32_t id)
{
	struct nl_mcgrp *g;

	if (nl->n_mcgrps == NL_MCGRPS_MAX)
		return;
	g = &nl->mcgrps[nl->n_mcgrps++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->id = id;
}

static int ctrl_parse_mcgrps(struct vcoyo_nl *nl, const struct nlattr *groups)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, groups) {
		if (nl_parse_nested(grp, mcgrp_policy, CTRL_ATTR_MCAST_GRP_MAX, tb))
			return -1;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID])
			nl_mcgrp_add(nl, mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
				     mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]));
	}
	return 0;
}

/* The CTRL_CMD_GETFAMILY reply: our family's id and multicast groups. */
static int ctrl_parse(const struct nlmsghdr *nlh, struct nl_call *call)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct vcoyo_nl *nl = call->nl;

	if (nl_parse_genl(nlh, ctrl_policy, CTRL_ATTR_MAX, tb))
		return -1;
	if (!tb[CTRL_ATTR_FAMILY_ID]) {
		errno = EPROTO;
		return -1;
	}
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	return ctrl_parse_mcgrps(nl, tb[CTRL_ATTR_MCAST_GROUPS]);
}

static int nl_family_resolve(struct vcoyo_nl *nl)
{
	struct nlmsghdr *nlh = nl_msg_start(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	struct nl_call call = { .nl = nl, .parse = ctrl_parse };

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VCOYO_GENL_NAME);
	if (nl_transact(nl, nlh, &call))
		return -1;
	if (!nl->family) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Returns NULL, or the step that failed with errno set. */
static const char *nl_socket_open(struct vcoyo_nl *nl)
{
	int one = 1;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return "netlink socket";
	/*
	 * Extended ACKs carry the kernel's reasons; capped ACKs do not echo our
	 * request (nor a private key in it).  Kernels without them still work,
	 * with terser errors, so failing to set them is not fatal.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return "netlink bind";
	nl->portid = mnl_socket_get_portid(nl->sock);
	return NULL;
}

struct vcoyo_nl *vcoyo_nl_open(char *errbuf, size_t errlen)
{
	struct vcoyo_nl *nl = calloc(1, sizeof(*nl));
	const char *step = "memory";
	int err;

	if (nl) {
		step = nl_socket_open(nl);
		if (!step && nl_family_resolve(nl))
			step = "generic netlink family lookup";
		if (!step)
			return nl;
	}
	err = errno;
	if (err == ENOENT)
		snprintf(errbuf, errlen,
			 "vcoyo: generic netlink family not found: is vcoyo.ko loaded?");
	else
		snprintf(errbuf, errlen, "%s: %s", step, strerror(err));
	vcoyo_nl_close(nl);
	errno = err;
	return NULL;
}

void vcoyo_nl_close(struct vcoyo_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

/* A reply or an event of our family: attributes checked, then to the caller. */
static int vcoyo_parse(const struct nlmsghdr *nlh, struct nl_call *call)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct vcoyo_nl_msg msg;

	if (nlh->nlmsg_type != call->nl->family)
		return 0;
	if (nl_parse_genl(nlh, vcoyo_policy, VCOYO_A_MAX, msg.tb))
		return -1;
	msg.cmd = genl->cmd;
	return call->cb ? call->cb(&msg, call->arg) : 0;
}

/*
 * A request, or with NLM_F_DUMP a dump: the kernel answers a dump with its
 * messages and NLMSG_DONE instead of an ACK (unless it refuses the request).
 */
static int nl_request(struct vcoyo_nl *nl, uint8_t cmd, uint16_t flags, vcoyo_nl_put_t put,
		      void *put_arg, vcoyo_nl_msg_t cb, void *cb_arg)
{
	struct nlmsghdr *nlh = nl_msg_start(nl, nl->family, cmd, VCOYO_GENL_VERSION, flags);
	struct nl_call call = { .nl = nl, .parse = vcoyo_parse, .cb = cb, .arg = cb_arg };

	if (put && put(nlh, sizeof(nl->buf), put_arg)) {
		explicit_bzero(nlh, nlh->nlmsg_len);
		return -1;
	}
	return nl_transact(nl, nlh, &call);
}

int vcoyo_nl_request(struct vcoyo_nl *nl, uint8_t cmd, vcoyo_nl_put_t put, void *put_arg,
		     vcoyo_nl_msg_t cb, void *cb_arg)
{
	return nl_request(nl, cmd, 0, put, put_arg, cb, cb_arg);
}

/* As on the wire and in teardowns: what the kernel says of a failure. */
static const char *const reason_names[] = {
	[VCOYO_REASON_NONE] = "none",
	[VCOYO_REASON_NO_ROUTE] = "no-route",
	[VCOYO_REASON_LINK_DOWN] = "link-down",
	[VCOYO_REASON_HOP_LIMIT] = "hop-limit",
	[VCOYO_REASON_NO_LABELS] = "no-labels",
	[VCOYO_REASON_IDLE] = "idle",
	[VCOYO_REASON_TIMEOUT] = "timeout",
	[VCOYO_REASON_REPLACED] = "replaced",
	[VCOYO_REASON_INVALID] = "invalid",
	[VCOYO_REASON_NO_LABEL] = "no-label",
	[VCOYO_REASON_UNREACHABLE] = "unreachable",
	[VCOYO_REASON_NO_HELPER] = "no-helper",
	[VCOYO_REASON_MISS_TIMEOUT] = "miss-timeout",
	[VCOYO_REASON_NO_NEIGHBOUR] = "no-neighbour",
};

const char *vcoyo_reason_name(unsigned int reason)
{
	if (reason < sizeof(reason_names) / sizeof(reason_names[0]))
		return reason_names[reason];
	return NULL;
}

int vcoyo_nl_dump(struct vcoyo_nl *nl, uint8_t cmd, vcoyo_nl_put_t put, void *put_arg,
		  vcoyo_nl_msg_t cb, void *cb_arg)
{
	return nl_request(nl, cmd, NLM_F_DUMP, put, put_arg, cb, cb_arg);
}

/* A nest of the uapi: EPROTO whatever libmnl found wrong with it. */
static int nl_parse_uapi_nest(const struct nlattr *nest, const struct nl_policy *policy,
			      unsigned int max, const struct nlattr **tb)
{
	if (nl_parse_nested(nest, policy, max, tb)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int vcoyo_nl_parse_link(const struct nlattr *nest, const struct nlattr *tb[VCOYO_LINK_A_MAX + 1])
{
	return nl_parse_uapi_nest(nest, vcoyo_link_policy, VCOYO_LINK_A_MAX, tb);
}

int vcoyo_nl_parse_route(const struct nlattr *nest,
			 const struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1])
{
	return nl_parse_uapi_nest(nest, vcoyo_route_policy, VCOYO_ROUTE_A_MAX, tb);
}

int vcoyo_nl_parse_tunnel(const struct nlattr *nest,
			  const struct nlattr *tb[VCOYO_TUNNEL_A_MAX + 1])
{
	return nl_parse_uapi_nest(nest, vcoyo_tunnel_policy, VCOYO_TUNNEL_A_MAX, tb);
}

int vcoyo_nl_parse_label(const struct nlattr *nest,
			 const struct nlattr *tb[VCOYO_LABEL_A_MAX + 1])
{
	return nl_parse_uapi_nest(nest, vcoyo_label_policy, VCOYO_LABEL_A_MAX, tb);
}

struct nl_attrs {
	const struct vcoyo_nl_attr *attrs;
	size_t n;
};

static int nl_put_attrs(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct nl_attrs *a = arg;
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (!mnl_attr_put_check(nlh, buflen, a->attrs[i].type, a->attrs[i].len,
					a->attrs[i].data)) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	return 0;
}

int vcoyo_nl_request_attrs(struct vcoyo_nl *nl, uint8_t cmd, const struct vcoyo_nl_attr *attrs,
			   size_t n_attrs, vcoyo_nl_msg_t cb, void *cb_arg)
{
	struct nl_attrs a = { attrs, n_attrs };

	return vcoyo_nl_request(nl, cmd, nl_put_attrs, &a, cb, cb_arg);
}

const char *vcoyo_nl_extack(const struct vcoyo_nl *nl)
{
	return nl->extack[0] ? nl->extack : NULL;
}

int vcoyo_nl_mcast_group(const struct vcoyo_nl *nl, const char *name)
{
	unsigned int i;

	for (i = 0; i < nl->n_mcgrps; i++)
		if (!strcmp(nl->mcgrps[i].name, name))
			return nl->mcgrps[i].id;
	errno = ENOENT;
	return -1;
}

int vcoyo_nl_subscribe(struct vcoyo_nl *nl, const char *name)
{
	int group = vcoyo_nl_mcast_group(nl, name);

	if (group < 0)
		return -1;
	return mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group));
}

int vcoyo_nl_fd(const struct vcoyo_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int vcoyo_nl_recv(struct vcoyo_nl *nl, vcoyo_nl_msg_t cb, void *cb_arg)
{
	struct nl_call call = { .nl = nl, .parse = vcoyo_parse, .cb = cb, .arg = cb_arg };

	return nl_run(nl, &call, 0);
}

/* One tag: 16 hexadecimal digits, or the start of an address with colons. */
static int path_tag_parse(const char *text, size_t len, uint8_t tag[VCOYO_TAG_LEN],
			  const char **err)
{
	char word[VCOYO_ADDR_STRLEN];
	struct vcoyo_addr addr;
	size_t i;

	if (!len) {
		*err = "empty hop tag";
		return -1;
	}
	if (memchr(text, ':', len)) {
		if (len >= sizeof(word)) {
			*err = "hop address too long";
			return -1;
		}
		memcpy(word, text, len);
		word[len] = '\0';
		if (vcoyo_addr_parse(word, &addr, err))
			return -1;
		memcpy(tag, addr.bytes, VCOYO_TAG_LEN);
		return 0;
	}
	if (len != 2 * VCOYO_TAG_LEN) {
		*err = "a hop tag is 16 hexadecimal digits";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)text[i])) {
			*err = "a hop tag is 16 hexadecimal digits";
			return -1;
		}
	}
	for (i = 0; i < VCOYO_TAG_LEN; i++) {
		char byte[3] = { text[2 * i], text[2 * i + 1], '\0' };

		tag[i] = strtoul(byte, NULL, 16);
	}
	return 0;
}

int vcoyo_path_parse(const char *text, uint8_t path[][VCOYO_TAG_LEN], size_t *n_tags,
		     const char **err)
{
	const char *end;
	size_t n = 0;

	for (;;) {
		end = strchr(text, ',');
		if (!end)
			end = text + strlen(text);
		if (n == VCOYO_PATH_MAX) {
			*err = "more than 63 hop tags";
			return -1;
		}
		if (path_tag_parse(text, end - text, path[n], err))
			return -1;
		n++;
		if (!*end)
			break;
		text = end + 1;
	}
	*n_tags = n;
	return 0;
}

void vcoyo_path_format(const uint8_t *path, size_t n_tags, char *buf)
{
	size_t i, j;
	char *p = buf;

	if (n_tags > VCOYO_PATH_MAX)
		n_tags = VCOYO_PATH_MAX;
	*p = '\0';
	for (i = 0; i < n_tags; i++) {
		if (i)
			*p++ = ',';
		for (j = 0; j < VCOYO_TAG_LEN; j++)
			p += sprintf(p, "%02x", path[i * VCOYO_TAG_LEN + j]);
	}
}
