// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnel signalling between neighbours, and the timers that end tunnels.
 *
 * A setup travels hop by hop along the routes, like an RSVP-TE path message
 * carrying an upstream label: each node allocates its label for the tunnel,
 * binds it to the link the setup came from (with the sender's label) and to
 * the link it forwards it on, and puts its own label in what it forwards.
 * The destination allocates its label and answers with an ACK, which walks
 * back giving each node the label of its downstream neighbour.  When the
 * ACK reaches the initiator both directions are ready: one round trip.
 *
 *	S            T1            T2            D
 *	|--SETUP(a)-->|             |             |
 *	|             |--SETUP(b)-->|             |
 *	|             |             |--SETUP(c)-->|
 *	|             |             |<-ACK(c,d)---|
 *	|             |<-ACK(b,c)---|             |
 *	|<-ACK(a,b)---|             |             |
 *
 * A setup may carry a path: the hop tags of the nodes it must go through
 * (source routing, for the routing helper's routes).  Each node takes the
 * first tag off and forwards the setup to the neighbour it names; with no
 * tag left, a node follows its own routes, or its neighbour that is the
 * destination.
 *
 * A TEARDOWN releases a label and goes on to the other side; a node that
 * cannot forward a setup answers it with one.  A link that goes down takes
 * the labels bound to it, and a TEARDOWN goes the other way from each.
 *
 * Control packets arrive in softirq and are queued (bounded) to a work item
 * that handles them under conf_lock, in process context: setups allocate
 * memory and consult the routes, and the rare control packet can wait for a
 * worker.  Data never does.
 */
#include <linux/skbuff.h>
#include "vcoyo.h"

/* Control packets waiting for the worker; more are dropped and counted. */
#define VCOYO_CTL_QUEUE_MAX	4096
/* Control packets handled per hold of conf_lock. */
#define VCOYO_CTL_BATCH		64

/* At most one NO_LABEL per this many jiffies: it answers data. */
#define VCOYO_NO_LABEL_GAP	(HZ / 20)

/*
 * What the receive path keeps of a control packet, in skb->cb.  A data
 * packet for a label this node does not hold comes this way too, with
 * @no_label set: the worker answers it.
 */
struct vcoyo_ctl_cb {
	struct sockaddr_in6 from;
	u32 no_label;
};

static struct vcoyo_ctl_cb *vcoyo_ctl_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct vcoyo_ctl_cb) > sizeof(skb->cb));
	return (struct vcoyo_ctl_cb *)skb->cb;
}

/* Under conf_lock: one control packet to the neighbour on @link. */
static void vcoyo_signal_send(struct vcoyo_net *vn, struct vcoyo_link *link,
			      const void *msg, size_t len)
{
	if (vcoyo_udp_send(vn, &link->endpoint, msg, len) < 0) {
		vcoyo_stat_inc(vn, VCOYO_STAT_TX_ERROR);
		return;
	}
	atomic64_inc(&link->tx_packets);
	atomic64_add(len, &link->tx_bytes);
}

static void vcoyo_signal_hdr(struct vcoyo_hdr *hdr, u8 type)
{
	hdr->version = VCOYO_WIRE_VERSION;
	hdr->type = type;
	hdr->reserved = 0;
}

/* The longest setup: every hop tag a path may carry. */
#define VCOYO_SETUP_MAX_LEN	(sizeof(struct vcoyo_setup) + VCOYO_PATH_MAX * VCOYO_TAG_LEN)

static void vcoyo_signal_send_setup(struct vcoyo_net *vn, struct vcoyo_link *link, u32 label,
				    u8 hops_left, const struct vcoyo_addr *src,
				    const struct vcoyo_addr *dst,
				    const u8 *path, u8 path_len)
{
	union {
		struct vcoyo_setup msg;
		u8 bytes[VCOYO_SETUP_MAX_LEN];
	} buf;
	struct vcoyo_setup *msg = &buf.msg;

	memset(msg, 0, sizeof(*msg));
	vcoyo_signal_hdr(&msg->hdr, VCOYO_MSG_SETUP);
	msg->label = htonl(label);
	msg->hops_left = hops_left;
	msg->path_len = path_len;
	msg->src = *src;
	msg->dst = *dst;
	if (path_len)
		memcpy(msg->path, path, path_len * VCOYO_TAG_LEN);
	vcoyo_signal_send(vn, link, msg, struct_size(msg, path, path_len));
}

static void vcoyo_signal_send_ack(struct vcoyo_net *vn, struct vcoyo_link *link, u32 label,
				  u32 peer_label)
{
	struct vcoyo_ack msg = {
		.label = htonl(label),
		.peer_label = htonl(peer_label),
	};

	vcoyo_signal_hdr(&msg.hdr, VCOYO_MSG_ACK);
	vcoyo_signal_send(vn, link, &msg, sizeof(msg));
}

/* A TEARDOWN to the neighbour on @hop, if there is one that knows the tunnel. */
static void vcoyo_signal_send_teardown(struct vcoyo_net *vn, const struct vcoyo_hop *hop,
				       u8 reason)
{
	struct vcoyo_teardown msg = {
		.label = htonl(hop->label),
		.reason = reason,
	};

	if (!hop->link || !hop->label)
		return;
	vcoyo_signal_hdr(&msg.hdr, VCOYO_MSG_TEARDOWN);
	vcoyo_signal_send(vn, hop->link, &msg, sizeof(msg));
}

/*
 * Under conf_lock: this node starts the tunnel of @lbl, a head label, to go
 * through the @path_len nodes of @path after the first hop.
 */
void vcoyo_signal_setup(struct vcoyo_net *vn, struct vcoyo_label *lbl,
			const struct vcoyo_addr *src, const struct vcoyo_addr *dst,
			const u8 *path, u8 path_len)
{
	vcoyo_signal_send_setup(vn, lbl->down.link, lbl->id, VCOYO_SETUP_HOPS, src, dst,
				path, path_len);
}

/* Under conf_lock: tell both neighbours of @lbl that its tunnel is gone. */
void vcoyo_signal_teardown(struct vcoyo_net *vn, struct vcoyo_label *lbl, u8 reason)
{
	vcoyo_signal_send_teardown(vn, &lbl->up, reason);
	vcoyo_signal_send_teardown(vn, &lbl->down, reason);
}

/*
 * The side of @lbl away from @link, where a message that came on @link goes
 * on; NULL if @lbl is not bound to @link.
 */
static struct vcoyo_hop *vcoyo_label_across(struct vcoyo_label *lbl,
					    const struct vcoyo_link *link)
{
	if (lbl->up.link == link)
		return &lbl->down;
	if (lbl->down.link == link)
		return &lbl->up;
	return NULL;
}

/* Under conf_lock: @lbl goes, with its tunnel if it has one. */
static void vcoyo_signal_release(struct vcoyo_net *vn, struct vcoyo_label *lbl, u8 reason)
{
	if (lbl->role == VCOYO_LABEL_TRANSIT)
		vcoyo_label_release(vn, lbl);
	else
		vcoyo_tunnel_end(vn, lbl->tunnel, reason);
}

/* Under conf_lock: refuse a setup, back on the link it came from. */
static void vcoyo_signal_refuse(struct vcoyo_net *vn, struct vcoyo_link *link, u32 label,
				u8 reason)
{
	struct vcoyo_hop back = { .link = link, .label = label };

	vcoyo_stat_inc(vn, VCOYO_STAT_SETUP_REFUSED);
	vcoyo_signal_send_teardown(vn, &back, reason);
}

/* Under conf_lock: a setup reached its destination, this node. */
static void vcoyo_signal_accept(struct vcoyo_net *vn, struct vcoyo_link *link,
				const struct vcoyo_setup *msg, u32 up_label)
{
	struct vcoyo_tunnel *old = vcoyo_tunnel_find(vn, &msg->src);
	struct vcoyo_label *lbl;

	/*
	 * One tunnel per pair: of two setups, the one from the lower address
	 * wins.  When this node is the lower and holds a tunnel of its own,
	 * the other end set one up at the same time, or because it lost ours.
	 * At the same time: ours, still pending, is on its way to it, or, up
	 * already, was taken there after the other end had sent its setup,
	 * which may come up to a setup timeout later along a slower path.  Our
	 * tunnel stays.  Later than that, the other end lost ours: ours is
	 * stale, and a new one replaces it.
	 */
	if (old && old->initiator && old->label &&
	    memcmp(&msg->dst, &msg->src, sizeof(msg->src)) < 0) {
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_REPLACED);
		if (old->state == VCOYO_TUNNEL_UP && time_after_eq(jiffies, old->deadline))
			vcoyo_tunnel_renew(vn, old);
		return;
	}
	lbl = vcoyo_label_new(vn, VCOYO_LABEL_TAIL, link, up_label, NULL);
	if (IS_ERR(lbl)) {
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_NO_LABELS);
		return;
	}
	if (vcoyo_tunnel_open(vn, &msg->src, lbl)) {
		vcoyo_label_release(vn, lbl);
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_NO_LABELS);
		return;
	}
	vcoyo_signal_send_ack(vn, link, up_label, lbl->id);
}

/*
 * Under conf_lock: where a setup that came on @link goes on, and with which
 * path.  With hop tags left, to the neighbour the first names (source
 * routing: this node's routes do not matter); without, along this node's
 * own route, which never asks the helper: a transit node has no datagram
 * waiting.  NULL, @hop->reason saying why, if there is no way on.
 */
static struct vcoyo_link *vcoyo_signal_next_hop(struct vcoyo_net *vn, struct vcoyo_link *link,
						const struct vcoyo_setup *msg,
						struct vcoyo_route_hop *hop)
{
	int err;

	if (msg->path_len) {
		memset(hop, 0, sizeof(*hop));
		hop->link = vcoyo_link_by_neighbour(vn, msg->path[0], VCOYO_TAG_LEN, link);
		hop->path = msg->path[1];
		hop->path_len = msg->path_len - 1;
		hop->reason = VCOYO_REASON_NO_NEIGHBOUR;
		return hop->link;
	}
	/* A path route of this node's own becomes the setup's path. */
	err = vcoyo_route_resolve(vn, &msg->dst, link, hop);
	if (err == -ENOENT)
		hop->reason = VCOYO_REASON_NO_ROUTE;
	return err ? NULL : hop->link;
}

/* Under conf_lock: a setup to pass on, to its next hop. */
static void vcoyo_signal_forward(struct vcoyo_net *vn, struct vcoyo_link *link,
				 const struct vcoyo_setup *msg, u32 up_label)
{
	struct vcoyo_route_hop hop;
	struct vcoyo_label *lbl;
	struct vcoyo_link *out;

	if (!msg->hops_left) {
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_HOP_LIMIT);
		return;
	}
	out = vcoyo_signal_next_hop(vn, link, msg, &hop);
	if (!out) {
		vcoyo_signal_refuse(vn, link, up_label, hop.reason);
		return;
	}
	lbl = vcoyo_label_new(vn, VCOYO_LABEL_TRANSIT, link, up_label, out);
	if (IS_ERR(lbl)) {
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_NO_LABELS);
		return;
	}
	vcoyo_signal_send_setup(vn, out, lbl->id, msg->hops_left - 1, &msg->src, &msg->dst,
				hop.path, hop.path_len);
	vcoyo_signal_kick(vn);
}

/*
 * A setup, its fixed part and its path made linear: it is read in place.
 * The skb is the worker's own, dequeued from the control queue.
 */
static void vcoyo_signal_rcv_setup(struct vcoyo_net *vn, struct vcoyo_link *link,
				   struct sk_buff *skb)
{
	const struct vcoyo_setup *msg;
	u32 up_label;

	if (!pskb_may_pull(skb, sizeof(*msg))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		return;
	}
	msg = (const struct vcoyo_setup *)skb->data;
	up_label = ntohl(msg->label);
	if (!up_label) {
		/* Nowhere to answer. */
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		return;
	}
	if (msg->path_len > VCOYO_PATH_MAX) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_INVALID);
		return;
	}
	if (!pskb_may_pull(skb, struct_size(msg, path, msg->path_len))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		return;
	}
	/* The pull may have moved the data. */
	msg = (const struct vcoyo_setup *)skb->data;
	if (vcoyo_addr_is_any(&msg->src) || vcoyo_addr_is_any(&msg->dst) ||
	    !memcmp(&msg->src, &msg->dst, sizeof(msg->src)) ||
	    vcoyo_addr_is_local(vn, &msg->src)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_INVALID);
		return;
	}
	if (!vcoyo_link_is_up(link)) {
		vcoyo_signal_refuse(vn, link, up_label, VCOYO_REASON_LINK_DOWN);
		return;
	}
	/* The destination is reached, whatever the path still said. */
	if (vcoyo_addr_is_local(vn, &msg->dst))
		vcoyo_signal_accept(vn, link, msg, up_label);
	else
		vcoyo_signal_forward(vn, link, msg, up_label);
}

static void vcoyo_signal_rcv_ack(struct vcoyo_net *vn, struct vcoyo_link *link,
				 struct sk_buff *skb)
{
	struct vcoyo_label *lbl;
	struct vcoyo_ack msg;
	u32 peer_label;

	if (skb_copy_bits(skb, 0, &msg, sizeof(msg))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		return;
	}
	peer_label = ntohl(msg.peer_label);
	if (!peer_label) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		return;
	}
	lbl = vcoyo_label_find(vn, ntohl(msg.label));
	if (!lbl) {
		struct vcoyo_hop back = { .link = link, .label = peer_label };

		/*
		 * Too late: the setup timed out here.  The nodes downstream
		 * made their labels; tell them to let go.
		 */
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_LABEL);
		vcoyo_signal_send_teardown(vn, &back, VCOYO_REASON_TIMEOUT);
		return;
	}
	/* Only the downstream neighbour answers, and only once. */
	if (lbl->down.link != link || lbl->down.label) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_WRONG_LINK);
		return;
	}
	WRITE_ONCE(lbl->down.label, peer_label);
	if (lbl->role == VCOYO_LABEL_TRANSIT)
		vcoyo_signal_send_ack(vn, lbl->up.link, lbl->up.label, lbl->id);
	else
		vcoyo_tunnel_up(vn, lbl->tunnel);
}

static void vcoyo_signal_rcv_teardown(struct vcoyo_net *vn, struct vcoyo_link *link,
				      struct sk_buff *skb)
{
	struct vcoyo_teardown msg;
	struct vcoyo_label *lbl;
	struct vcoyo_hop *other;

	if (skb_copy_bits(skb, 0, &msg, sizeof(msg))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		return;
	}
	lbl = vcoyo_label_find(vn, ntohl(msg.label));
	if (!lbl) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_LABEL);
		return;
	}
	other = vcoyo_label_across(lbl, link);
	if (!other) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_WRONG_LINK);
		return;
	}
	vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_TORN_DOWN);
	if (lbl->role != VCOYO_LABEL_TRANSIT && msg.reason == VCOYO_REASON_REPLACED &&
	    lbl->tunnel->state == VCOYO_TUNNEL_PENDING) {
		/* Our setup lost to the other end's, which is on its way. */
		vcoyo_tunnel_unlabel(vn, lbl->tunnel);
		return;
	}
	vcoyo_signal_send_teardown(vn, other, msg.reason);
	vcoyo_signal_release(vn, lbl, msg.reason);
}

/*
 * Under conf_lock: the neighbour on @link says it does not hold @label, which
 * one of this node's labels writes towards it.  That tunnel is gone on the
 * far side: tear down the near side too, and the next datagram sets up a new
 * one.  Rare, and rate-limited by the sender: a scan will do.
 */
static void vcoyo_signal_rcv_no_label(struct vcoyo_net *vn, struct vcoyo_link *link,
				      struct sk_buff *skb)
{
	struct vcoyo_no_label msg;
	struct vcoyo_label *lbl;
	struct vcoyo_hop *other;
	u32 label;

	if (skb_copy_bits(skb, 0, &msg, sizeof(msg))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		return;
	}
	label = ntohl(msg.label);
	if (!label) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		return;
	}
	list_for_each_entry(lbl, &vn->label_list, node) {
		other = vcoyo_label_across(lbl, link);
		/* The side on @link must be the one that writes @label. */
		if (!other || (other == &lbl->down ? lbl->up.label : lbl->down.label) != label)
			continue;
		vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_TORN_DOWN);
		vcoyo_signal_send_teardown(vn, other, VCOYO_REASON_NO_LABEL);
		vcoyo_signal_release(vn, lbl, VCOYO_REASON_NO_LABEL);
		return;
	}
	vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_LABEL);
}

/* Under conf_lock: one control packet, @skb->data at its header. */
static void vcoyo_signal_handle(struct vcoyo_net *vn, struct sk_buff *skb)
{
	const struct vcoyo_hdr *hdr = (const struct vcoyo_hdr *)skb->data;
	struct vcoyo_ctl_cb *cb = vcoyo_ctl_cb(skb);
	struct vcoyo_link *link;

	link = vcoyo_link_by_endpoint(vn, &cb->from);
	if (!link) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_ENDPOINT);
		return;
	}
	if (cb->no_label) {
		struct vcoyo_no_label msg = { .label = htonl(cb->no_label) };

		vcoyo_signal_hdr(&msg.hdr, VCOYO_MSG_NO_LABEL);
		vcoyo_signal_send(vn, link, &msg, sizeof(msg));
		return;
	}
	atomic64_inc(&link->rx_packets);
	atomic64_add(skb->len, &link->rx_bytes);
	switch (hdr->type) {
	case VCOYO_MSG_SETUP:
		vcoyo_signal_rcv_setup(vn, link, skb);
		break;
	case VCOYO_MSG_ACK:
		vcoyo_signal_rcv_ack(vn, link, skb);
		break;
	case VCOYO_MSG_TEARDOWN:
		vcoyo_signal_rcv_teardown(vn, link, skb);
		break;
	case VCOYO_MSG_NO_LABEL:
		vcoyo_signal_rcv_no_label(vn, link, skb);
		break;
	}
}

static void vcoyo_ctl_work(struct work_struct *work)
{
	struct vcoyo_net *vn = container_of(work, struct vcoyo_net, ctl_work);
	struct sk_buff_head batch;
	struct sk_buff *skb;
	int n;

	__skb_queue_head_init(&batch);
	spin_lock_bh(&vn->ctl_queue.lock);
	skb_queue_splice_init(&vn->ctl_queue, &batch);
	spin_unlock_bh(&vn->ctl_queue.lock);

	while (!skb_queue_empty(&batch)) {
		mutex_lock(&vn->conf_lock);
		for (n = 0; n < VCOYO_CTL_BATCH && (skb = __skb_dequeue(&batch)); n++) {
			vcoyo_signal_handle(vn, skb);
			consume_skb(skb);
		}
		mutex_unlock(&vn->conf_lock);
		cond_resched();
	}
}

static void vcoyo_signal_queue(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
			       struct sk_buff *skb, u32 no_label)
{
	if (skb_queue_len_lockless(&vn->ctl_queue) >= VCOYO_CTL_QUEUE_MAX) {
		vcoyo_stat_inc(vn, VCOYO_STAT_DROP_CTL_OVERFLOW);
		kfree_skb(skb);
		return;
	}
	/* It waits for a worker: it must not pin a route or conntrack. */
	skb_scrub_packet(skb, false);
	vcoyo_ctl_cb(skb)->from = *from;
	vcoyo_ctl_cb(skb)->no_label = no_label;
	skb_queue_tail(&vn->ctl_queue, skb);
	queue_work(system_wq, &vn->ctl_work);
}

/*
 * Softirq: a control packet from @from, @skb->data at its header.  Its
 * length is checked by its handler, the header by the caller.  Consumes it.
 */
void vcoyo_signal_rcv(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
		      struct sk_buff *skb)
{
	vcoyo_signal_queue(vn, from, skb, 0);
}

/*
 * Softirq: the data packet @skb from @from carried @label, which this node
 * does not hold.  Answered with a NO_LABEL, a few times a second at most:
 * one is enough for the sender to tear the tunnel down.  Consumes @skb.
 */
void vcoyo_signal_no_label(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
			   struct sk_buff *skb, u32 label)
{
	unsigned long now = jiffies;

	if (!label || time_before(now, READ_ONCE(vn->no_label_at))) {
		kfree_skb(skb);
		return;
	}
	WRITE_ONCE(vn->no_label_at, now + VCOYO_NO_LABEL_GAP);
	vcoyo_signal_queue(vn, from, skb, label);
}

/* Under conf_lock: @link is down or going; so are the tunnels through it. */
void vcoyo_signal_link_down(struct vcoyo_net *vn, struct vcoyo_link *link)
{
	struct vcoyo_label *lbl, *tmp;
	struct vcoyo_hop *other;

	list_for_each_entry_safe(lbl, tmp, &vn->label_list, node) {
		other = vcoyo_label_across(lbl, link);
		if (!other)
			continue;
		vcoyo_signal_send_teardown(vn, other, VCOYO_REASON_LINK_DOWN);
		vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_TORN_DOWN);
		vcoyo_signal_release(vn, lbl, VCOYO_REASON_LINK_DOWN);
	}
}

/* Under conf_lock: has the label of a tunnel this node switches expired? */
static bool vcoyo_transit_expired(struct vcoyo_net *vn, struct vcoyo_label *lbl,
				  unsigned long now, u8 *reason)
{
	unsigned long setup = msecs_to_jiffies(vn->setup_timeout_ms);
	unsigned long idle = msecs_to_jiffies(vn->tunnel_idle_ms);

	if (!lbl->down.label && time_after(now, lbl->created + setup)) {
		*reason = VCOYO_REASON_TIMEOUT;
		return true;
	}
	/* Later than the ends, which normally say it first. */
	*reason = VCOYO_REASON_IDLE;
	return time_after(now, READ_ONCE(lbl->last_used) + idle + setup);
}

/* Under conf_lock: end the tunnels and labels whose time is up. */
static void vcoyo_signal_expire(struct vcoyo_net *vn)
{
	unsigned long idle = msecs_to_jiffies(vn->tunnel_idle_ms);
	unsigned long now = jiffies;
	struct vcoyo_tunnel *t, *ttmp;
	struct vcoyo_label *lbl, *ltmp;
	u8 reason;

	list_for_each_entry_safe(t, ttmp, &vn->tunnels, node) {
		if (t->state == VCOYO_TUNNEL_RESOLVING) {
			if (time_after_eq(now, t->deadline)) {
				/* The helper did not answer in time. */
				vcoyo_stat_inc(vn, VCOYO_STAT_MISS_TIMEOUT);
				vcoyo_tunnel_end(vn, t, VCOYO_REASON_MISS_TIMEOUT);
			}
			continue;
		}
		if (t->state != VCOYO_TUNNEL_UP) {
			if (time_after_eq(now, t->deadline))
				vcoyo_tunnel_end(vn, t, VCOYO_REASON_TIMEOUT);
			continue;
		}
		if (time_after(now, READ_ONCE(t->label->last_used) + idle)) {
			vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_EXPIRED);
			vcoyo_signal_teardown(vn, t->label, VCOYO_REASON_IDLE);
			vcoyo_tunnel_end(vn, t, VCOYO_REASON_IDLE);
		}
	}
	list_for_each_entry_safe(lbl, ltmp, &vn->label_list, node) {
		if (lbl->role != VCOYO_LABEL_TRANSIT ||
		    !vcoyo_transit_expired(vn, lbl, now, &reason))
			continue;
		vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_EXPIRED);
		vcoyo_signal_teardown(vn, lbl, reason);
		vcoyo_label_release(vn, lbl);
	}
}

/* How often the timers look: a quarter of the shortest time they keep. */
static unsigned long vcoyo_expiry_period(struct vcoyo_net *vn)
{
	u32 ms = min3(vn->setup_timeout_ms, vn->tunnel_idle_ms, vn->miss_timeout_ms) / 4;

	return msecs_to_jiffies(clamp_t(u32, ms, 10, 1000));
}

static void vcoyo_expiry_work(struct work_struct *work)
{
	struct vcoyo_net *vn = container_of(to_delayed_work(work), struct vcoyo_net,
					    expiry_work);

	mutex_lock(&vn->conf_lock);
	vcoyo_signal_expire(vn);
	if (!list_empty(&vn->label_list) || !list_empty(&vn->tunnels))
		queue_delayed_work(system_wq, &vn->expiry_work, vcoyo_expiry_period(vn));
	mutex_unlock(&vn->conf_lock);
}

/* Under conf_lock: there is something for the timers to watch. */
void vcoyo_signal_kick(struct vcoyo_net *vn)
{
	queue_delayed_work(system_wq, &vn->expiry_work, vcoyo_expiry_period(vn));
}

void vcoyo_signal_init(struct vcoyo_net *vn)
{
	skb_queue_head_init(&vn->ctl_queue);
	INIT_WORK(&vn->ctl_work, vcoyo_ctl_work);
	INIT_DELAYED_WORK(&vn->expiry_work, vcoyo_expiry_work);
	/* jiffies start below zero: a zero here would be hours ahead. */
	vn->no_label_at = jiffies;
}

/* Namespace exit, once the UDP socket is closed: no packet can come. */
void vcoyo_signal_exit(struct vcoyo_net *vn)
{
	cancel_work_sync(&vn->ctl_work);
	cancel_delayed_work_sync(&vn->expiry_work);
	skb_queue_purge(&vn->ctl_queue);
}
