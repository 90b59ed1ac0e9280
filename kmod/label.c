// SPDX-License-Identifier: GPL-2.0
/*
 * Labels: this node's entries for the tunnels that cross it or end at it.
 *
 * A label is a number the node allocates for one tunnel and binds to the two
 * sides of that tunnel here (struct vcoyo_label).  Neighbours write it in
 * the packets they send this node for the tunnel, so the receive path finds
 * the tunnel by one lookup of a small integer.  The table is therefore a
 * dense xarray rather than a hash: the lookup is an RCU walk of a radix tree
 * without hashing, and numbers come from a cyclic allocator, so a released
 * label is not handed to another tunnel while stray packets for it may
 * still be on their way.  A list beside the xarray keeps dumps and scans
 * simple.
 */
#include <linux/slab.h>
#include "vcoyo.h"

void vcoyo_labels_init(struct vcoyo_net *vn)
{
	xa_init_flags(&vn->labels, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&vn->label_list);
}

/* Namespace exit, under conf_lock, with every tunnel gone already. */
void vcoyo_labels_exit(struct vcoyo_net *vn)
{
	struct vcoyo_label *lbl, *tmp;

	list_for_each_entry_safe(lbl, tmp, &vn->label_list, node)
		vcoyo_label_release(vn, lbl);
	xa_destroy(&vn->labels);
}

/*
 * Under conf_lock: a new label whose up side is @up (NULL: this node set the
 * tunnel up) with the neighbour's label @up_label, and whose down side is
 * @down (NULL: the tunnel ends here).  ERR_PTR(-ENOSPC) when every label is
 * taken.
 */
struct vcoyo_label *vcoyo_label_new(struct vcoyo_net *vn, u8 role, struct vcoyo_link *up,
				    u32 up_label, struct vcoyo_link *down)
{
	struct vcoyo_label *lbl;
	int err;

	lbl = kzalloc(sizeof(*lbl), GFP_KERNEL);
	if (!lbl)
		return ERR_PTR(-ENOMEM);
	lbl->role = role;
	lbl->up.link = up;
	lbl->up.label = up_label;
	lbl->down.link = down;
	lbl->created = jiffies;
	lbl->last_used = lbl->created;

	/* Stored last: the receive path may find the label from now on. */
	err = xa_alloc_cyclic(&vn->labels, &lbl->id, lbl, XA_LIMIT(1, VCOYO_LABEL_MAX),
			      &vn->next_label, GFP_KERNEL);
	if (err < 0) {
		kfree(lbl);
		return ERR_PTR(err == -EBUSY ? -ENOSPC : err);
	}
	list_add_tail_rcu(&lbl->node, &vn->label_list);
	WRITE_ONCE(vn->labels_seq, vn->labels_seq + 1);
	return lbl;
}

/* Under conf_lock: readers may hold @lbl until the grace period ends. */
void vcoyo_label_release(struct vcoyo_net *vn, struct vcoyo_label *lbl)
{
	xa_erase(&vn->labels, lbl->id);
	list_del_rcu(&lbl->node);
	WRITE_ONCE(vn->labels_seq, vn->labels_seq + 1);
	kfree_rcu(lbl, rcu);
}

/* Under RCU or conf_lock. */
struct vcoyo_label *vcoyo_label_find(struct vcoyo_net *vn, u32 id)
{
	return xa_load(&vn->labels, id);
}

static int vcoyo_label_put_hop(struct sk_buff *skb, const struct vcoyo_hop *hop,
			       int link_attr, int label_attr)
{
	u32 label = READ_ONCE(hop->label);

	if (!hop->link)
		return 0;
	if (nla_put_u32(skb, link_attr, hop->link->id))
		return -EMSGSIZE;
	return label ? nla_put_u32(skb, label_attr, label) : 0;
}

/* Under RCU: one label, as a VCOYO_A_LABEL nest. */
int vcoyo_label_fill(struct sk_buff *skb, struct list_head *entry)
{
	const struct vcoyo_label *lbl = list_entry(entry, struct vcoyo_label, node);
	unsigned long idle = jiffies - READ_ONCE(lbl->last_used);
	struct nlattr *nest;

	nest = nla_nest_start(skb, VCOYO_A_LABEL);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VCOYO_LABEL_A_ID, lbl->id) ||
	    nla_put_u8(skb, VCOYO_LABEL_A_ROLE, lbl->role) ||
	    vcoyo_label_put_hop(skb, &lbl->up, VCOYO_LABEL_A_UP_LINK, VCOYO_LABEL_A_UP_LABEL) ||
	    vcoyo_label_put_hop(skb, &lbl->down, VCOYO_LABEL_A_DOWN_LINK,
				VCOYO_LABEL_A_DOWN_LABEL) ||
	    nla_put_u32(skb, VCOYO_LABEL_A_IDLE_MS, jiffies_to_msecs(idle)) ||
	    nla_put_u64_64bit(skb, VCOYO_LABEL_A_PACKETS, atomic64_read(&lbl->packets),
			      VCOYO_LABEL_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_LABEL_A_BYTES, atomic64_read(&lbl->bytes),
			      VCOYO_LABEL_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
