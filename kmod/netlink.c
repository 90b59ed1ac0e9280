// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink control interface.  One family, usable from any
 * network namespace, with a strict policy on every attribute; changes need
 * CAP_NET_ADMIN in the user namespace that owns the network namespace.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include "vcoyo.h"

/*
 * One policy per command: an attribute a command does not take is refused,
 * so is every attribute that only the kernel sends.
 */
static const struct nla_policy vcoyo_id_set_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(VCOYO_KEY_LEN),
};

static const struct nla_policy vcoyo_no_attr_policy[VCOYO_A_MAX + 1] = {
};

/* Not const: 6.1's struct nla_policy points to a mutable range. */
static struct netlink_range_validation vcoyo_hello_range = {
	.min = VCOYO_HELLO_MS_MIN, .max = VCOYO_HELLO_MS_MAX,
};

static struct netlink_range_validation vcoyo_timeout_range = {
	.min = VCOYO_LINK_TIMEOUT_MS_MIN, .max = VCOYO_LINK_TIMEOUT_MS_MAX,
};

static struct netlink_range_validation vcoyo_setup_timeout_range = {
	.min = VCOYO_SETUP_TIMEOUT_MS_MIN, .max = VCOYO_SETUP_TIMEOUT_MS_MAX,
};

static struct netlink_range_validation vcoyo_tunnel_idle_range = {
	.min = VCOYO_TUNNEL_IDLE_MS_MIN, .max = VCOYO_TUNNEL_IDLE_MS_MAX,
};

static struct netlink_range_validation vcoyo_miss_timeout_range = {
	.min = VCOYO_MISS_TIMEOUT_MS_MIN, .max = VCOYO_MISS_TIMEOUT_MS_MAX,
};

static const struct nla_policy vcoyo_node_set_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_LISTEN_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[VCOYO_A_HELLO_INTERVAL] = NLA_POLICY_FULL_RANGE(NLA_U32, &vcoyo_hello_range),
	[VCOYO_A_LINK_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vcoyo_timeout_range),
	[VCOYO_A_SETUP_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vcoyo_setup_timeout_range),
	[VCOYO_A_TUNNEL_IDLE] = NLA_POLICY_FULL_RANGE(NLA_U32, &vcoyo_tunnel_idle_range),
	[VCOYO_A_MISS_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vcoyo_miss_timeout_range),
};

/* The endpoint is a sockaddr_in or a sockaddr_in6: checked in the handler. */
static const struct nla_policy vcoyo_link_add_nest[VCOYO_LINK_A_MAX + 1] = {
	[VCOYO_LINK_A_ENDPOINT] = NLA_POLICY_MIN_LEN(sizeof(struct sockaddr_in)),
	[VCOYO_LINK_A_PEER_KEY] = NLA_POLICY_EXACT_LEN(VCOYO_KEY_LEN),
};

static const struct nla_policy vcoyo_link_add_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_LINK] = NLA_POLICY_NESTED(vcoyo_link_add_nest),
};

static const struct nla_policy vcoyo_link_del_nest[VCOYO_LINK_A_MAX + 1] = {
	[VCOYO_LINK_A_ID] = { .type = NLA_U32 },
};

static const struct nla_policy vcoyo_link_del_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_LINK] = NLA_POLICY_NESTED(vcoyo_link_del_nest),
};

/* A path's length must also be a multiple of VCOYO_TAG_LEN: the handler checks. */
static const struct nla_policy vcoyo_route_add_nest[VCOYO_ROUTE_A_MAX + 1] = {
	[VCOYO_ROUTE_A_DEST] = NLA_POLICY_EXACT_LEN(VCOYO_ADDR_LEN),
	[VCOYO_ROUTE_A_LINK] = NLA_POLICY_MIN(NLA_U32, 1),
	[VCOYO_ROUTE_A_ORIGIN] = NLA_POLICY_MAX(NLA_U8, VCOYO_ROUTE_HELPER),
	[VCOYO_ROUTE_A_PATH] = NLA_POLICY_RANGE(NLA_BINARY, VCOYO_TAG_LEN,
						VCOYO_PATH_MAX * VCOYO_TAG_LEN),
};

static const struct nla_policy vcoyo_route_add_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_ROUTE] = NLA_POLICY_NESTED(vcoyo_route_add_nest),
};

static const struct nla_policy vcoyo_route_del_nest[VCOYO_ROUTE_A_MAX + 1] = {
	[VCOYO_ROUTE_A_DEST] = NLA_POLICY_EXACT_LEN(VCOYO_ADDR_LEN),
};

static const struct nla_policy vcoyo_route_del_policy[VCOYO_A_MAX + 1] = {
	[VCOYO_A_ROUTE] = NLA_POLICY_NESTED(vcoyo_route_del_nest),
};

/* ROUTE_UNREACHABLE names a destination, as ROUTE_DEL does. */
#define vcoyo_route_unreachable_policy vcoyo_route_del_policy

enum vcoyo_mcgrp {
	VCOYO_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group vcoyo_mcgrps[] = {
	[VCOYO_MCGRP_EVENTS_ID] = { .name = VCOYO_MCGRP_EVENTS },
};

static struct genl_family vcoyo_genl_family;

/* The VCOYO_CMD_ID_GET reply, also the identity event. */
static int vcoyo_fill_identity(struct sk_buff *skb, struct vcoyo_net *vn)
{
	const struct vcoyo_identity *id;
	int err = 0;

	if (nla_put_u16(skb, VCOYO_A_FAMILY, vcoyo_family))
		return -EMSGSIZE;
	rcu_read_lock();
	id = rcu_dereference(vn->identity);
	if (id && (nla_put(skb, VCOYO_A_PUBLIC_KEY, sizeof(id->public_key), id->public_key) ||
		   nla_put(skb, VCOYO_A_ADDRESS, sizeof(id->addr), &id->addr)))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
}

static int vcoyo_fill_stats(struct sk_buff *skb, struct vcoyo_net *vn)
{
	struct nlattr *nest;
	int stat;

	nest = nla_nest_start(skb, VCOYO_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (stat = VCOYO_STAT_FIRST; stat <= VCOYO_STAT_MAX; stat++)
		if (nla_put_u64_64bit(skb, stat, vcoyo_stat_read(vn, stat), VCOYO_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Build a message of @cmd filled by @fill, sized for every reply we send. */
static struct sk_buff *vcoyo_genl_build(struct vcoyo_net *vn, u32 portid, u32 seq, u8 cmd,
					int (*fill)(struct sk_buff *, struct vcoyo_net *))
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(skb, portid, seq, &vcoyo_genl_family, 0, cmd);
	if (!hdr || fill(skb, vn)) {
		nlmsg_free(skb);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(skb, hdr);
	return skb;
}

static int vcoyo_genl_reply(struct genl_info *info,
			    int (*fill)(struct sk_buff *, struct vcoyo_net *))
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct sk_buff *skb;

	skb = vcoyo_genl_build(vn, info->snd_portid, info->snd_seq,
			       info->genlhdr->cmd, fill);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	return genlmsg_reply(skb, info);
}

static int vcoyo_fill_node(struct sk_buff *skb, struct vcoyo_net *vn)
{
	if (nla_put_u16(skb, VCOYO_A_LISTEN_PORT, READ_ONCE(vn->listen_port)) ||
	    nla_put_u32(skb, VCOYO_A_HELLO_INTERVAL, READ_ONCE(vn->hello_ms)) ||
	    nla_put_u32(skb, VCOYO_A_LINK_TIMEOUT, READ_ONCE(vn->link_timeout_ms)) ||
	    nla_put_u32(skb, VCOYO_A_SETUP_TIMEOUT, READ_ONCE(vn->setup_timeout_ms)) ||
	    nla_put_u32(skb, VCOYO_A_TUNNEL_IDLE, READ_ONCE(vn->tunnel_idle_ms)) ||
	    nla_put_u32(skb, VCOYO_A_MISS_TIMEOUT, READ_ONCE(vn->miss_timeout_ms)) ||
	    nla_put_u8(skb, VCOYO_A_HELPER, vcoyo_helper_present(vn)))
		return -EMSGSIZE;
	return 0;
}

static int vcoyo_nl_id_get(struct sk_buff *skb, struct genl_info *info)
{
	return vcoyo_genl_reply(info, vcoyo_fill_identity);
}

static int vcoyo_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return vcoyo_genl_reply(info, vcoyo_fill_stats);
}

static int vcoyo_nl_id_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VCOYO_A_PRIVATE_KEY))
		return -EINVAL;
	err = vcoyo_identity_set(vcoyo_pernet(net),
				 nla_data(info->attrs[VCOYO_A_PRIVATE_KEY]),
				 info->extack);
	if (!err)
		vcoyo_genl_notify_identity(net);
	return err;
}

static int vcoyo_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	return vcoyo_genl_reply(info, vcoyo_fill_node);
}

static int vcoyo_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct nlattr **tb = info->attrs;
	u32 hello, timeout;
	int err = 0;

	mutex_lock(&vn->conf_lock);
	hello = tb[VCOYO_A_HELLO_INTERVAL] ? nla_get_u32(tb[VCOYO_A_HELLO_INTERVAL]) : vn->hello_ms;
	timeout = tb[VCOYO_A_LINK_TIMEOUT] ? nla_get_u32(tb[VCOYO_A_LINK_TIMEOUT]) :
		  vn->link_timeout_ms;
	if (timeout <= hello) {
		NL_SET_ERR_MSG(info->extack, "the link timeout must exceed the hello interval");
		err = -EINVAL;
		goto out;
	}
	if (tb[VCOYO_A_LISTEN_PORT] && vn->udp &&
	    nla_get_u16(tb[VCOYO_A_LISTEN_PORT]) != vn->listen_port) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VCOYO_A_LISTEN_PORT],
				    "the port is in use by links: delete them first");
		err = -EBUSY;
		goto out;
	}
	if (tb[VCOYO_A_LISTEN_PORT])
		WRITE_ONCE(vn->listen_port, nla_get_u16(tb[VCOYO_A_LISTEN_PORT]));
	WRITE_ONCE(vn->hello_ms, hello);
	WRITE_ONCE(vn->link_timeout_ms, timeout);
	if (tb[VCOYO_A_SETUP_TIMEOUT])
		WRITE_ONCE(vn->setup_timeout_ms, nla_get_u32(tb[VCOYO_A_SETUP_TIMEOUT]));
	if (tb[VCOYO_A_TUNNEL_IDLE])
		WRITE_ONCE(vn->tunnel_idle_ms, nla_get_u32(tb[VCOYO_A_TUNNEL_IDLE]));
	/* Misses already waiting keep the timeout they were given. */
	if (tb[VCOYO_A_MISS_TIMEOUT])
		WRITE_ONCE(vn->miss_timeout_ms, nla_get_u32(tb[VCOYO_A_MISS_TIMEOUT]));
	vcoyo_links_reschedule(vn);
out:
	mutex_unlock(&vn->conf_lock);
	return err;
}

/* A link endpoint from userspace, as the v4-mapped sockaddr_in6 links keep. */
static int vcoyo_nl_endpoint(const struct nlattr *attr, struct sockaddr_in6 *ep,
			     struct netlink_ext_ack *extack)
{
	const struct sockaddr_in6 *sin6 = nla_data(attr);
	const struct sockaddr_in *sin = nla_data(attr);

	memset(ep, 0, sizeof(*ep));
	ep->sin6_family = AF_INET6;
	if (nla_len(attr) == sizeof(*sin) && sin->sin_family == AF_INET) {
		ep->sin6_port = sin->sin_port;
		ipv6_addr_set_v4mapped(sin->sin_addr.s_addr, &ep->sin6_addr);
	} else if (nla_len(attr) == sizeof(*sin6) && sin6->sin6_family == AF_INET6) {
		ep->sin6_port = sin6->sin6_port;
		ep->sin6_addr = sin6->sin6_addr;
		/* Only a link-local address needs its interface. */
		if (ipv6_addr_type(&ep->sin6_addr) & IPV6_ADDR_LINKLOCAL)
			ep->sin6_scope_id = sin6->sin6_scope_id;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint is not a sockaddr_in or sockaddr_in6");
		return -EINVAL;
	}
	if (!ep->sin6_port || ipv6_addr_any(&ep->sin6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint needs an address and a port");
		return -EINVAL;
	}
	return 0;
}

static int vcoyo_nl_link_add(struct sk_buff *skb, struct genl_info *info)
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct nlattr *tb[VCOYO_LINK_A_MAX + 1];
	struct sockaddr_in6 ep;
	struct sk_buff *reply;
	struct nlattr *nest;
	void *hdr;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VCOYO_A_LINK))
		return -EINVAL;
	err = nla_parse_nested(tb, VCOYO_LINK_A_MAX, info->attrs[VCOYO_A_LINK],
			       vcoyo_link_add_nest, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[VCOYO_A_LINK], tb,
			      VCOYO_LINK_A_ENDPOINT))
		return -EINVAL;
	err = vcoyo_nl_endpoint(tb[VCOYO_LINK_A_ENDPOINT], &ep, info->extack);
	if (err)
		return err;

	reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = vcoyo_link_add(vn, &ep, tb[VCOYO_LINK_A_PEER_KEY] ?
			     nla_data(tb[VCOYO_LINK_A_PEER_KEY]) : NULL, &id, info->extack);
	if (err)
		goto err_free;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(reply, info, &vcoyo_genl_family, 0, VCOYO_CMD_LINK_ADD);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(reply, VCOYO_A_LINK);
	if (!nest || nla_put_u32(reply, VCOYO_LINK_A_ID, id))
		goto err_free;
	nla_nest_end(reply, nest);
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

err_free:
	nlmsg_free(reply);
	return err;
}

static int vcoyo_nl_link_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct nlattr *tb[VCOYO_LINK_A_MAX + 1];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VCOYO_A_LINK))
		return -EINVAL;
	err = nla_parse_nested(tb, VCOYO_LINK_A_MAX, info->attrs[VCOYO_A_LINK],
			       vcoyo_link_del_nest, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[VCOYO_A_LINK], tb, VCOYO_LINK_A_ID))
		return -EINVAL;
	err = vcoyo_link_del(vn, nla_get_u32(tb[VCOYO_LINK_A_ID]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VCOYO_LINK_A_ID], "no such link");
	return err;
}

/*
 * Dump an RCU list, one message of @cmd per entry, filled by @fill.
 * cb->args[0] counts the entries already sent.  A change to the list (its
 * @seq moved) between two parts of the dump is flagged with NLM_F_DUMP_INTR
 * so that userspace can start again.
 */
static int vcoyo_nl_dump_list(struct sk_buff *skb, struct netlink_callback *cb,
			      struct list_head *head, const u32 *seq, u8 cmd,
			      int (*fill)(struct sk_buff *skb, struct list_head *entry))
{
	struct list_head *entry;
	long i = 0;
	void *hdr;

	rcu_read_lock();
	cb->seq = READ_ONCE(*seq);
	/* As list_for_each_entry_rcu() walks, for a list of any type. */
	for (entry = READ_ONCE(head->next); entry != head; entry = READ_ONCE(entry->next)) {
		if (i++ < cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &vcoyo_genl_family, NLM_F_MULTI, cmd);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fill(skb, entry)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
	rcu_read_unlock();
	return skb->len;
}

static int vcoyo_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(skb->sk));

	return vcoyo_nl_dump_list(skb, cb, &vn->links, &vn->links_seq, VCOYO_CMD_LINK_GET,
				  vcoyo_link_fill);
}

static int vcoyo_nl_route_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(skb->sk));

	return vcoyo_nl_dump_list(skb, cb, &vn->routes, &vn->routes_seq, VCOYO_CMD_ROUTE_GET,
				  vcoyo_route_fill);
}

static int vcoyo_nl_tunnel_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(skb->sk));

	return vcoyo_nl_dump_list(skb, cb, &vn->tunnels, &vn->tunnels_seq, VCOYO_CMD_TUNNEL_GET,
				  vcoyo_tunnel_fill);
}

static int vcoyo_nl_label_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(skb->sk));

	return vcoyo_nl_dump_list(skb, cb, &vn->label_list, &vn->labels_seq, VCOYO_CMD_LABEL_GET,
				  vcoyo_label_fill);
}

/* The VCOYO_A_ROUTE nest of a request, parsed; the destination required. */
static int vcoyo_nl_route_parse(struct genl_info *info, struct nlattr **tb,
				const struct nla_policy *policy)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VCOYO_A_ROUTE))
		return -EINVAL;
	err = nla_parse_nested(tb, VCOYO_ROUTE_A_MAX, info->attrs[VCOYO_A_ROUTE], policy,
			       info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[VCOYO_A_ROUTE], tb, VCOYO_ROUTE_A_DEST))
		return -EINVAL;
	return 0;
}

static int vcoyo_nl_route_add(struct sk_buff *skb, struct genl_info *info)
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1];
	struct vcoyo_route_spec spec = {};
	struct nlattr *path;
	int err;

	err = vcoyo_nl_route_parse(info, tb, vcoyo_route_add_nest);
	if (err)
		return err;
	path = tb[VCOYO_ROUTE_A_PATH];
	if (!tb[VCOYO_ROUTE_A_LINK] == !path) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VCOYO_A_ROUTE],
				    "a route needs either a link or a path, not both");
		return -EINVAL;
	}
	if (path && nla_len(path) % VCOYO_TAG_LEN) {
		NL_SET_ERR_MSG_ATTR(info->extack, path, "a path is a whole number of hop tags");
		return -EINVAL;
	}
	if (path) {
		spec.path = nla_data(path);
		spec.path_len = nla_len(path) / VCOYO_TAG_LEN;
	} else {
		spec.link_id = nla_get_u32(tb[VCOYO_ROUTE_A_LINK]);
	}
	if (tb[VCOYO_ROUTE_A_ORIGIN])
		spec.origin = nla_get_u8(tb[VCOYO_ROUTE_A_ORIGIN]);
	return vcoyo_route_add(vn, nla_data(tb[VCOYO_ROUTE_A_DEST]), &spec, info->extack);
}

static int vcoyo_nl_helper_set(struct sk_buff *skb, struct genl_info *info)
{
	return vcoyo_helper_set(vcoyo_pernet(genl_info_net(info)), info->snd_portid,
				info->extack);
}

static int vcoyo_nl_route_unreachable(struct sk_buff *skb, struct genl_info *info)
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1];
	int err;

	err = vcoyo_nl_route_parse(info, tb, vcoyo_route_del_nest);
	if (err)
		return err;
	err = vcoyo_tunnel_unreachable(vn, nla_data(tb[VCOYO_ROUTE_A_DEST]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VCOYO_ROUTE_A_DEST],
				    "no route miss is waiting for this destination");
	return err;
}

static int vcoyo_nl_route_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vcoyo_net *vn = vcoyo_pernet(genl_info_net(info));
	struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1];
	int err;

	err = vcoyo_nl_route_parse(info, tb, vcoyo_route_del_nest);
	if (err)
		return err;
	err = vcoyo_route_del(vn, nla_data(tb[VCOYO_ROUTE_A_DEST]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VCOYO_ROUTE_A_DEST], "no such route");
	return err;
}

void vcoyo_genl_notify_identity(struct net *net)
{
	struct sk_buff *skb;

	skb = vcoyo_genl_build(vcoyo_pernet(net), 0, 0, VCOYO_CMD_ID_SET,
			       vcoyo_fill_identity);
	if (IS_ERR(skb))
		return;
	genlmsg_multicast_netns(&vcoyo_genl_family, net, skb, 0,
				VCOYO_MCGRP_EVENTS_ID, GFP_KERNEL);
}

/* An event of @cmd for the group, if anyone listens; @fill adds its nest. */
static void vcoyo_genl_notify(struct vcoyo_net *vn, u8 cmd, gfp_t gfp,
			      int (*fill)(struct sk_buff *skb, void *obj, u8 arg),
			      void *obj, u8 arg)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&vcoyo_genl_family, vn->net, VCOYO_MCGRP_EVENTS_ID))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &vcoyo_genl_family, 0, cmd);
	if (!hdr || fill(skb, obj, arg)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&vcoyo_genl_family, vn->net, skb, 0, VCOYO_MCGRP_EVENTS_ID, gfp);
}

static int vcoyo_fill_link_event(struct sk_buff *skb, void *link, u8 unused)
{
	return vcoyo_link_fill(skb, &((struct vcoyo_link *)link)->node);
}

/* A link changed state: any context, under RCU or conf_lock. */
void vcoyo_genl_notify_link(struct vcoyo_net *vn, struct vcoyo_link *link, gfp_t gfp)
{
	vcoyo_genl_notify(vn, VCOYO_CMD_LINK_GET, gfp, vcoyo_fill_link_event, link, 0);
}

static int vcoyo_fill_tunnel_event(struct sk_buff *skb, void *t, u8 state)
{
	return vcoyo_tunnel_fill_event(skb, t, state);
}

/* A tunnel came up, failed or went: under conf_lock. */
void vcoyo_genl_notify_tunnel(struct vcoyo_net *vn, struct vcoyo_tunnel *t, u8 state)
{
	vcoyo_genl_notify(vn, VCOYO_CMD_TUNNEL_GET, GFP_KERNEL, vcoyo_fill_tunnel_event, t, state);
}

static int vcoyo_fill_miss(struct sk_buff *skb, void *dest, u8 unused)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VCOYO_A_ROUTE);
	if (!nest || nla_put(skb, VCOYO_ROUTE_A_DEST, VCOYO_ADDR_LEN, dest))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* No route to @dest: ask the helper, which listens to the group.  Under conf_lock. */
void vcoyo_genl_notify_miss(struct vcoyo_net *vn, const struct vcoyo_addr *dest)
{
	vcoyo_genl_notify(vn, VCOYO_CMD_ROUTE_MISS, GFP_KERNEL, vcoyo_fill_miss, (void *)dest, 0);
}

static const struct genl_ops vcoyo_genl_ops[] = {
	{
		.cmd = VCOYO_CMD_ID_GET,
		.doit = vcoyo_nl_id_get,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_ID_SET,
		.doit = vcoyo_nl_id_set,
		.policy = vcoyo_id_set_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_STATS_GET,
		.doit = vcoyo_nl_stats_get,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_NODE_GET,
		.doit = vcoyo_nl_node_get,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_NODE_SET,
		.doit = vcoyo_nl_node_set,
		.policy = vcoyo_node_set_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_LINK_ADD,
		.doit = vcoyo_nl_link_add,
		.policy = vcoyo_link_add_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_LINK_DEL,
		.doit = vcoyo_nl_link_del,
		.policy = vcoyo_link_del_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_LINK_GET,
		.dumpit = vcoyo_nl_link_dump,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_ROUTE_ADD,
		.doit = vcoyo_nl_route_add,
		.policy = vcoyo_route_add_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_ROUTE_DEL,
		.doit = vcoyo_nl_route_del,
		.policy = vcoyo_route_del_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_ROUTE_GET,
		.dumpit = vcoyo_nl_route_dump,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_TUNNEL_GET,
		.dumpit = vcoyo_nl_tunnel_dump,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_LABEL_GET,
		.dumpit = vcoyo_nl_label_dump,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
	},
	{
		.cmd = VCOYO_CMD_HELPER_SET,
		.doit = vcoyo_nl_helper_set,
		.policy = vcoyo_no_attr_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = VCOYO_CMD_ROUTE_UNREACHABLE,
		.doit = vcoyo_nl_route_unreachable,
		.policy = vcoyo_route_unreachable_policy,
		.maxattr = VCOYO_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family vcoyo_genl_family __ro_after_init = {
	.name = VCOYO_GENL_NAME,
	.version = VCOYO_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = vcoyo_genl_ops,
	.n_ops = ARRAY_SIZE(vcoyo_genl_ops),
	.mcgrps = vcoyo_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vcoyo_mcgrps),
};

int vcoyo_genl_init(void)
{
	return genl_register_family(&vcoyo_genl_family);
}

void vcoyo_genl_exit(void)
{
	genl_unregister_family(&vcoyo_genl_family);
}
MODULE_ALIAS_GENL_FAMILY(VCOYO_GENL_NAME);
