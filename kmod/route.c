// SPDX-License-Identifier: GPL-2.0
/*
 * Routes: how a tunnel towards a destination node leaves this node.
 *
 * A route maps a 512-bit address either to the link of the next hop, or to
 * a path: the hop tags of the nodes to go through, the first a neighbour of
 * this node.  A tunnel set up along a path route carries the rest of the
 * path in its setup (source routing, signal.c).  Routes are static (the
 * administrator's) or the routing helper's, which answers route misses
 * (tunnel.c); a helper route never replaces a static one.
 *
 * Tunnel setup consults the table once per tunnel, never per packet, but the
 * helper may fill it with many destinations, so lookups go through an
 * rhashtable keyed by the whole address.  A list beside it keeps dumps
 * simple and resumable.  Both change under the node's conf_lock; dumps run
 * under RCU.  Deleting a link deletes the routes through it.
 *
 * Which way a tunnel goes (vcoyo_route_resolve()): a static route first,
 * then a neighbour that is the destination itself, then a helper route.
 * A neighbour needs no route at all, and this is also how the last node of
 * a path reaches the destination.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include "vcoyo.h"

struct vcoyo_route {
	struct rhash_head hnode;
	struct list_head node;		/* in vcoyo_net.routes, RCU */
	struct vcoyo_addr dest;
	u32 link_id;			/* 0 for a path route */
	u8 origin;			/* enum vcoyo_route_origin */
	u8 path_len;			/* hop tags in @path */
	u64 id;				/* this node's name for it, never reused */
	struct rcu_head rcu;
	u8 path[][VCOYO_TAG_LEN];
};

static const struct rhashtable_params vcoyo_route_params = {
	.key_len = sizeof(struct vcoyo_addr),
	.key_offset = offsetof(struct vcoyo_route, dest),
	.head_offset = offsetof(struct vcoyo_route, hnode),
	.automatic_shrinking = true,
};

int vcoyo_routes_init(struct vcoyo_net *vn)
{
	INIT_LIST_HEAD(&vn->routes);
	vn->next_route_id = 1;
	return rhashtable_init(&vn->route_table, &vcoyo_route_params);
}

/* Under conf_lock. */
static void vcoyo_route_unlink(struct vcoyo_net *vn, struct vcoyo_route *rt)
{
	rhashtable_remove_fast(&vn->route_table, &rt->hnode, vcoyo_route_params);
	list_del_rcu(&rt->node);
	WRITE_ONCE(vn->routes_seq, vn->routes_seq + 1);
	kfree_rcu(rt, rcu);
}

void vcoyo_routes_exit(struct vcoyo_net *vn)
{
	struct vcoyo_route *rt, *tmp;

	mutex_lock(&vn->conf_lock);
	list_for_each_entry_safe(rt, tmp, &vn->routes, node)
		vcoyo_route_unlink(vn, rt);
	mutex_unlock(&vn->conf_lock);
	rhashtable_destroy(&vn->route_table);
}

/*
 * Under conf_lock: may @new take the place of @old?  A helper route gives
 * way to any new route: the helper's newer answer, or the administrator's
 * static route, which takes precedence.  A static route stays until it is
 * deleted.
 */
static int vcoyo_route_may_replace(const struct vcoyo_route *old, const struct vcoyo_route *new,
				   struct netlink_ext_ack *extack)
{
	if (old->origin == VCOYO_ROUTE_HELPER)
		return 0;
	if (new->origin == VCOYO_ROUTE_HELPER)
		NL_SET_ERR_MSG(extack, "a static route to this destination exists");
	else
		NL_SET_ERR_MSG(extack, "a route to this destination exists");
	return -EEXIST;
}

/* Under conf_lock: put @rt in the table, in the place of any older route. */
static int vcoyo_route_insert(struct vcoyo_net *vn, struct vcoyo_route *rt,
			      struct netlink_ext_ack *extack)
{
	struct vcoyo_route *old;
	int err;

	old = rhashtable_lookup_fast(&vn->route_table, &rt->dest, vcoyo_route_params);
	if (old) {
		err = vcoyo_route_may_replace(old, rt, extack);
		if (err)
			return err;
		err = rhashtable_replace_fast(&vn->route_table, &old->hnode, &rt->hnode,
					      vcoyo_route_params);
		if (err)
			return err;
		list_replace_rcu(&old->node, &rt->node);
		kfree_rcu(old, rcu);
	} else {
		err = rhashtable_lookup_insert_fast(&vn->route_table, &rt->hnode,
						    vcoyo_route_params);
		if (err)
			return err;
		list_add_tail_rcu(&rt->node, &vn->routes);
	}
	rt->id = vn->next_route_id++;
	WRITE_ONCE(vn->routes_seq, vn->routes_seq + 1);
	return 0;
}

int vcoyo_route_add(struct vcoyo_net *vn, const struct vcoyo_addr *dest,
		    const struct vcoyo_route_spec *spec, struct netlink_ext_ack *extack)
{
	struct vcoyo_route *rt;
	int err;

	if (vcoyo_addr_is_any(dest) || vcoyo_addr_is_local(vn, dest)) {
		NL_SET_ERR_MSG(extack, "no route to this node itself");
		return -EINVAL;
	}
	if (spec->path_len > VCOYO_PATH_MAX || (!spec->path_len == !spec->link_id)) {
		NL_SET_ERR_MSG(extack, "a route needs either a link or a path");
		return -EINVAL;
	}
	rt = kzalloc(struct_size(rt, path, spec->path_len), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	rt->dest = *dest;
	rt->link_id = spec->link_id;
	rt->origin = spec->origin;
	rt->path_len = spec->path_len;
	memcpy(rt->path, spec->path, spec->path_len * VCOYO_TAG_LEN);

	mutex_lock(&vn->conf_lock);
	if (rt->link_id && !vcoyo_link_exists(vn, rt->link_id)) {
		NL_SET_ERR_MSG(extack, "no such link");
		err = -ENOENT;
		goto err_unlock;
	}
	err = vcoyo_route_insert(vn, rt, extack);
	if (err)
		goto err_unlock;
	/* A datagram may be waiting for this very route: the helper's answer. */
	vcoyo_tunnel_route_added(vn, dest);
	mutex_unlock(&vn->conf_lock);
	return 0;

err_unlock:
	mutex_unlock(&vn->conf_lock);
	kfree(rt);
	return err;
}

int vcoyo_route_del(struct vcoyo_net *vn, const struct vcoyo_addr *dest)
{
	struct vcoyo_route *rt;
	int err = -ENOENT;

	mutex_lock(&vn->conf_lock);
	rt = rhashtable_lookup_fast(&vn->route_table, dest, vcoyo_route_params);
	if (rt) {
		vcoyo_route_unlink(vn, rt);
		err = 0;
	}
	mutex_unlock(&vn->conf_lock);
	return err;
}

/*
 * Under conf_lock: a tunnel along the helper route @route_id to @dest
 * failed, so the route is wrong; without it, the next datagram asks the
 * helper again.  A route put in its place since then stays.
 */
void vcoyo_route_forget(struct vcoyo_net *vn, const struct vcoyo_addr *dest, u64 route_id)
{
	struct vcoyo_route *rt;

	rt = rhashtable_lookup_fast(&vn->route_table, dest, vcoyo_route_params);
	if (rt && rt->id == route_id && rt->origin == VCOYO_ROUTE_HELPER)
		vcoyo_route_unlink(vn, rt);
}

/* Under conf_lock: a link is going away, and its routes with it. */
void vcoyo_routes_flush_link(struct vcoyo_net *vn, u32 link_id)
{
	struct vcoyo_route *rt, *tmp;

	list_for_each_entry_safe(rt, tmp, &vn->routes, node)
		if (rt->link_id == link_id)
			vcoyo_route_unlink(vn, rt);
}

/* Under conf_lock: the first hop of @rt, or why there is none. */
static int vcoyo_route_first_hop(struct vcoyo_net *vn, const struct vcoyo_route *rt,
				 const struct vcoyo_link *from, struct vcoyo_route_hop *hop)
{
	if (rt->path_len) {
		hop->link = vcoyo_link_by_neighbour(vn, rt->path[0], VCOYO_TAG_LEN, from);
		if (!hop->link) {
			hop->reason = VCOYO_REASON_NO_NEIGHBOUR;
			return -EHOSTUNREACH;
		}
		hop->path = rt->path[1];
		hop->path_len = rt->path_len - 1;
		return 0;
	}
	hop->link = vcoyo_link_by_id(vn, rt->link_id);
	/* Back where a setup came from is no way forward either. */
	if (!hop->link || hop->link == from) {
		hop->link = NULL;
		hop->reason = VCOYO_REASON_NO_ROUTE;
		return -EHOSTUNREACH;
	}
	if (!vcoyo_link_is_up(hop->link)) {
		hop->link = NULL;
		hop->reason = VCOYO_REASON_LINK_DOWN;
		return -EHOSTUNREACH;
	}
	return 0;
}

/*
 * Under conf_lock: where a tunnel to @dest leaves this node, the setup
 * having come on @from (NULL at the initiator).  0 with @hop filled;
 * -ENOENT if there is no route at all (a route miss at the initiator);
 * -EHOSTUNREACH if the route leads nowhere now, @hop->reason saying why and
 * @hop->route_id naming a helper route.
 */
int vcoyo_route_resolve(struct vcoyo_net *vn, const struct vcoyo_addr *dest,
			const struct vcoyo_link *from, struct vcoyo_route_hop *hop)
{
	struct vcoyo_route *rt;

	memset(hop, 0, sizeof(*hop));
	rt = rhashtable_lookup_fast(&vn->route_table, dest, vcoyo_route_params);
	if (!rt || rt->origin != VCOYO_ROUTE_STATIC) {
		hop->link = vcoyo_link_by_neighbour(vn, dest->bytes, VCOYO_ADDR_LEN, from);
		if (hop->link)
			return 0;
	}
	if (!rt)
		return -ENOENT;
	if (rt->origin == VCOYO_ROUTE_HELPER)
		hop->route_id = rt->id;
	return vcoyo_route_first_hop(vn, rt, from, hop);
}

/* Under RCU: one route, as a VCOYO_A_ROUTE nest. */
int vcoyo_route_fill(struct sk_buff *skb, struct list_head *entry)
{
	const struct vcoyo_route *rt = list_entry(entry, struct vcoyo_route, node);
	struct nlattr *nest;

	nest = nla_nest_start(skb, VCOYO_A_ROUTE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, VCOYO_ROUTE_A_DEST, sizeof(rt->dest), &rt->dest) ||
	    (rt->link_id && nla_put_u32(skb, VCOYO_ROUTE_A_LINK, rt->link_id)) ||
	    (rt->path_len &&
	     nla_put(skb, VCOYO_ROUTE_A_PATH, rt->path_len * VCOYO_TAG_LEN, rt->path)) ||
	    nla_put_u8(skb, VCOYO_ROUTE_A_ORIGIN, rt->origin)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
