// SPDX-License-Identifier: GPL-2.0
/*
 * Routes: which link leads towards a destination node.
 *
 * A route maps a 512-bit address to the link of the next hop.  Tunnel setup
 * consults it once per tunnel, never per packet, but the routing helper may
 * fill it with many destinations, so lookups go through an rhashtable keyed
 * by the whole address.  A list beside it keeps dumps simple and resumable.
 * Both change under the node's conf_lock; lookups run under RCU.  Deleting
 * a link deletes the routes through it.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include "vcoyo.h"

struct vcoyo_route {
	struct rhash_head hnode;
	struct list_head node;		/* in vcoyo_net.routes, RCU */
	struct vcoyo_addr dest;
	u32 link_id;
	u8 origin;			/* enum vcoyo_route_origin */
	struct rcu_head rcu;
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

int vcoyo_route_add(struct vcoyo_net *vn, const struct vcoyo_addr *dest, u32 link_id,
		    struct netlink_ext_ack *extack)
{
	struct vcoyo_route *rt;
	int err;

	if (vcoyo_addr_is_any(dest) || vcoyo_addr_is_local(vn, dest)) {
		NL_SET_ERR_MSG(extack, "no route to this node itself");
		return -EINVAL;
	}
	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	rt->dest = *dest;
	rt->link_id = link_id;
	rt->origin = VCOYO_ROUTE_STATIC;

	mutex_lock(&vn->conf_lock);
	if (!vcoyo_link_exists(vn, link_id)) {
		NL_SET_ERR_MSG(extack, "no such link");
		err = -ENOENT;
		goto err_unlock;
	}
	err = rhashtable_lookup_insert_fast(&vn->route_table, &rt->hnode, vcoyo_route_params);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack, "a route to this destination exists");
		goto err_unlock;
	}
	list_add_tail_rcu(&rt->node, &vn->routes);
	WRITE_ONCE(vn->routes_seq, vn->routes_seq + 1);
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

/* Under conf_lock: a link is going away, and its routes with it. */
void vcoyo_routes_flush_link(struct vcoyo_net *vn, u32 link_id)
{
	struct vcoyo_route *rt, *tmp;

	list_for_each_entry_safe(rt, tmp, &vn->routes, node)
		if (rt->link_id == link_id)
			vcoyo_route_unlink(vn, rt);
}

/* Under RCU: the link towards @dest, or 0 if there is no route. */
u32 vcoyo_route_lookup(struct vcoyo_net *vn, const struct vcoyo_addr *dest)
{
	struct vcoyo_route *rt;

	rt = rhashtable_lookup(&vn->route_table, dest, vcoyo_route_params);
	return rt ? rt->link_id : 0;
}

/* Under RCU: one route, as a VCOYO_A_ROUTE nest. */
int vcoyo_route_fill(struct sk_buff *skb, struct list_head *entry)
{
	const struct vcoyo_route *rt = list_entry(entry, struct vcoyo_route, node);
	struct nlattr *nest;

	nest = nla_nest_start(skb, VCOYO_A_ROUTE);
	if (!nest || nla_put(skb, VCOYO_ROUTE_A_DEST, sizeof(rt->dest), &rt->dest) ||
	    nla_put_u32(skb, VCOYO_ROUTE_A_LINK, rt->link_id) ||
	    nla_put_u8(skb, VCOYO_ROUTE_A_ORIGIN, rt->origin))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}
