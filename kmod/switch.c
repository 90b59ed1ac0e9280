// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: what a node does with a data packet, in the UDP receive
 * path, in softirq.
 *
 * The packet's label names one of this node's labels.  A label is bound to
 * the two sides of its tunnel here; the packet must come from the neighbour
 * on one of them and goes out on the other: rewritten with the next node's
 * label and sent on that link, or, where the tunnel ends at this node,
 * delivered: a datagram to the socket bound to its destination port, a
 * stream segment to its connection (stream_in.c).  One xarray lookup,
 * two endpoint comparisons and a header rewrite: no 512-bit address is
 * looked at, and no memory is allocated beyond the skb itself.
 */
#include <linux/skbuff.h>
#include "vcoyo.h"

/* The tunnel ends here: hand the payload to the destination port. */
static void vcoyo_data_deliver(struct vcoyo_net *vn, struct vcoyo_label *lbl,
			       struct sk_buff *skb)
{
	const struct vcoyo_data *dh = (const struct vcoyo_data *)skb->data;
	struct vcoyo_tunnel *t = READ_ONCE(lbl->tunnel);
	struct vcoyo_dgram_meta *meta;
	struct vcoyo_addr local;
	u16 sport, dport;

	/* A label of this node's whose tunnel is not made yet. */
	if (unlikely(!t)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_LABEL_PENDING);
		goto drop;
	}
	atomic64_inc(&t->rx_packets);
	atomic64_add(skb->len - sizeof(*dh), &t->rx_bytes);
	if (dh->hdr.type == VCOYO_MSG_STREAM) {
		skb_scrub_packet(skb, false);
		vcoyo_stream_rcv(vn, skb, &t->remote);
		return;
	}
	sport = ntohs(dh->sport);
	dport = ntohs(dh->dport);
	__skb_pull(skb, sizeof(*dh));

	/* Queued datagrams start with their source (dgram.c). */
	if (skb_cow_head(skb, sizeof(*meta)))
		goto drop;
	skb_scrub_packet(skb, false);
	meta = skb_push(skb, sizeof(*meta));
	meta->src = t->remote;
	meta->sport = sport;
	vcoyo_local_addr(vn, &local);
	vcoyo_dgram_deliver(vn, skb, &local, dport);
	return;

drop:
	kfree_skb(skb);
}

/* Softirq, under RCU: @skb->data is at its struct vcoyo_hdr.  Consumes @skb. */
void vcoyo_data_rcv(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
		    struct sk_buff *skb)
{
	const struct vcoyo_data *dh;
	struct vcoyo_link *in_link;
	struct vcoyo_label *lbl;
	struct vcoyo_hop *out;
	u32 label;

	if (!pskb_may_pull(skb, sizeof(*dh))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		goto drop;
	}
	dh = (const struct vcoyo_data *)skb->data;
	lbl = vcoyo_label_find(vn, ntohl(dh->label));
	if (unlikely(!lbl)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_LABEL);
		/* Its sender holds a tunnel this node has let go: say so. */
		vcoyo_signal_no_label(vn, from, skb, ntohl(dh->label));
		return;
	}
	/* A label is bound to its two links: from one, on to the other. */
	if (vcoyo_link_is_from(lbl->up.link, from)) {
		in_link = lbl->up.link;
		out = &lbl->down;
	} else if (vcoyo_link_is_from(lbl->down.link, from)) {
		in_link = lbl->down.link;
		out = &lbl->up;
	} else {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_WRONG_LINK);
		goto drop;
	}
	atomic64_inc(&in_link->rx_packets);
	atomic64_add(skb->len, &in_link->rx_bytes);
	atomic64_inc(&lbl->packets);
	atomic64_add(skb->len, &lbl->bytes);
	vcoyo_label_touch(lbl);

	if (!out->link) {
		vcoyo_data_deliver(vn, lbl, skb);
		return;
	}
	label = READ_ONCE(out->label);
	if (unlikely(!label)) {
		/* The setup's answer has not come back this far yet. */
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_LABEL_PENDING);
		goto drop;
	}
	if (!vcoyo_udp_xmit(vn, out->link, skb, label))
		vcoyo_stat_inc(vn, VCOYO_STAT_SWITCHED);
	return;

drop:
	kfree_skb(skb);
}
