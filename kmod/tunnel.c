// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnels, seen from their ends: one per pair of nodes, shared by all their
 * sockets, whichever of the two set it up.
 *
 * A datagram for another node goes into the tunnel to that node.  If there
 * is none, this node starts a setup (signal.c) along its route and queues
 * the datagram, and a few more, until the answer comes back one round trip
 * later; then they leave in the order they came.  Without a route, the
 * routing helper (helper.c) is asked: the entry is RESOLVING, and queues the
 * same way, until the helper adds a route (the setup starts), says there is
 * no way, goes away, or lets the miss timeout pass.  A setup that fails or
 * times out leaves a FAILED entry behind, without a label: for one more
 * setup timeout, datagrams to that node fail at once with EHOSTUNREACH, and
 * connected sockets whose queued datagrams were dropped are told so through
 * sk_err, as an ICMP host unreachable tells a connected UDP socket.
 *
 * The table is an rhashtable by the remote node's address, changed under
 * conf_lock.  Senders look a tunnel up under RCU and use it without a lock
 * once it is UP; anything else goes the slow way, under conf_lock.  Stream
 * segments leave from timers and the receive path too: when their tunnel
 * is not UP, they wait on tx_defer for a work item to take them the slow
 * way, and their socket hears of it if there is none.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include "vcoyo.h"

static const struct rhashtable_params vcoyo_tunnel_params = {
	.key_len = sizeof(struct vcoyo_addr),
	.key_offset = offsetof(struct vcoyo_tunnel, remote),
	.head_offset = offsetof(struct vcoyo_tunnel, hnode),
	.automatic_shrinking = true,
};

static void vcoyo_tunnel_tx_work(struct work_struct *work);

int vcoyo_tunnels_init(struct vcoyo_net *vn)
{
	INIT_LIST_HEAD(&vn->tunnels);
	skb_queue_head_init(&vn->tx_defer);
	INIT_WORK(&vn->tx_work, vcoyo_tunnel_tx_work);
	vn->setup_timeout_ms = VCOYO_DEFAULT_SETUP_TIMEOUT_MS;
	vn->tunnel_idle_ms = VCOYO_DEFAULT_TUNNEL_IDLE_MS;
	vn->miss_timeout_ms = VCOYO_DEFAULT_MISS_TIMEOUT_MS;
	return rhashtable_init(&vn->tunnel_table, &vcoyo_tunnel_params);
}

static struct vcoyo_tunnel *vcoyo_tunnel_alloc(const struct vcoyo_addr *remote, u8 state,
					       bool initiator)
{
	struct vcoyo_tunnel *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->remote = *remote;
	t->state = state;
	t->initiator = initiator;
	__skb_queue_head_init(&t->queue);
	return t;
}

/* Under conf_lock. */
static int vcoyo_tunnel_insert(struct vcoyo_net *vn, struct vcoyo_tunnel *t)
{
	int err;

	err = rhashtable_lookup_insert_fast(&vn->tunnel_table, &t->hnode, vcoyo_tunnel_params);
	if (err)
		return err;
	list_add_tail_rcu(&t->node, &vn->tunnels);
	WRITE_ONCE(vn->tunnels_seq, vn->tunnels_seq + 1);
	return 0;
}

/* Under conf_lock: @t leaves the table; its label must be gone already. */
static void vcoyo_tunnel_unlink(struct vcoyo_net *vn, struct vcoyo_tunnel *t)
{
	rhashtable_remove_fast(&vn->tunnel_table, &t->hnode, vcoyo_tunnel_params);
	list_del_rcu(&t->node);
	WRITE_ONCE(vn->tunnels_seq, vn->tunnels_seq + 1);
	__skb_queue_purge(&t->queue);
	kfree_rcu(t, rcu);
}

/* Under RCU or conf_lock. */
struct vcoyo_tunnel *vcoyo_tunnel_find(struct vcoyo_net *vn, const struct vcoyo_addr *remote)
{
	return rhashtable_lookup_fast(&vn->tunnel_table, remote, vcoyo_tunnel_params);
}

/* Under RCU, @t UP: send one data packet, its header pushed, into @t. */
static int vcoyo_tunnel_xmit(struct vcoyo_net *vn, struct vcoyo_tunnel *t, struct sk_buff *skb)
{
	struct vcoyo_label *lbl = t->label;
	struct vcoyo_hop *hop = vcoyo_label_net_hop(lbl);
	unsigned int len = skb->len - sizeof(struct vcoyo_data);
	int err;

	vcoyo_label_touch(lbl);
	err = vcoyo_udp_xmit(vn, hop->link, skb, READ_ONCE(hop->label));
	if (!err) {
		atomic64_inc(&t->tx_packets);
		atomic64_add(len, &t->tx_bytes);
	}
	return err;
}

/*
 * Under conf_lock: drop what waited for a setup that failed.  A connected
 * socket learns it from sk_err, as from an ICMP host unreachable.
 */
static void vcoyo_tunnel_drop_queue(struct vcoyo_net *vn, struct vcoyo_tunnel *t)
{
	struct sk_buff *skb;
	struct sock *sk;

	while ((skb = __skb_dequeue(&t->queue))) {
		sk = skb->sk;
		if (sk && sk->sk_type == SOCK_STREAM) {
			vcoyo_stream_unreachable(sk, EHOSTUNREACH);
		} else if (sk && READ_ONCE(sk->sk_state) == TCP_ESTABLISHED &&
			   !memcmp(&vcoyo_sk(sk)->peer_addr, &t->remote, sizeof(t->remote))) {
			WRITE_ONCE(sk->sk_err, EHOSTUNREACH);
			sk_error_report(sk);
		}
		vcoyo_stat_inc(vn, VCOYO_STAT_DROP_UNREACHABLE);
		kfree_skb(skb);
	}
}

/*
 * Under conf_lock: @t, in the table and without a label, sets up its
 * tunnel through @hop: it allocates its label and sends the setup.
 */
static int vcoyo_tunnel_begin(struct vcoyo_net *vn, struct vcoyo_tunnel *t,
			      const struct vcoyo_route_hop *hop)
{
	struct vcoyo_addr local;
	struct vcoyo_label *lbl;

	vcoyo_local_addr(vn, &local);
	if (vcoyo_addr_is_any(&local))
		return -EHOSTUNREACH;
	lbl = vcoyo_label_new(vn, VCOYO_LABEL_HEAD, NULL, 0, hop->link);
	if (IS_ERR(lbl))
		return -ENOBUFS;
	WRITE_ONCE(lbl->tunnel, t);
	/* Dumps read it under RCU; senders only once the tunnel is UP. */
	WRITE_ONCE(t->label, lbl);
	t->route_id = hop->route_id;
	t->deadline = jiffies + msecs_to_jiffies(vn->setup_timeout_ms);
	WRITE_ONCE(t->state, VCOYO_TUNNEL_PENDING);
	vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_SETUP);
	/* Lost on the way, it times out like any other failed setup. */
	vcoyo_signal_setup(vn, lbl, &local, &t->remote, hop->path, hop->path_len);
	vcoyo_signal_kick(vn);
	return 0;
}

/*
 * Under conf_lock: no route to @dst.  With a helper to ask, a RESOLVING
 * entry holds the datagrams until it answers (or the miss timeout); without
 * one the sender learns at once that there is no way.
 */
static struct vcoyo_tunnel *vcoyo_tunnel_miss(struct vcoyo_net *vn, const struct vcoyo_addr *dst)
{
	struct vcoyo_tunnel *t;

	if (!vcoyo_helper_present(vn)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_MISS_NO_HELPER);
		return ERR_PTR(-EHOSTUNREACH);
	}
	t = vcoyo_tunnel_alloc(dst, VCOYO_TUNNEL_RESOLVING, true);
	if (!t)
		return ERR_PTR(-ENOBUFS);
	t->deadline = jiffies + msecs_to_jiffies(vn->miss_timeout_ms);
	if (vcoyo_tunnel_insert(vn, t)) {
		kfree(t);
		return ERR_PTR(-ENOBUFS);
	}
	vcoyo_stat_inc(vn, VCOYO_STAT_ROUTE_MISS);
	vcoyo_genl_notify_miss(vn, dst);
	vcoyo_signal_kick(vn);
	return t;
}

/* Under conf_lock: start a tunnel to @dst along this node's route. */
static struct vcoyo_tunnel *vcoyo_tunnel_start(struct vcoyo_net *vn,
					       const struct vcoyo_addr *dst)
{
	struct vcoyo_route_hop hop;
	struct vcoyo_addr local;
	struct vcoyo_tunnel *t;
	int err;

	/* A node without an identity cannot name itself in a setup. */
	vcoyo_local_addr(vn, &local);
	if (vcoyo_addr_is_any(&local))
		return ERR_PTR(-EHOSTUNREACH);
	err = vcoyo_route_resolve(vn, dst, NULL, &hop);
	if (err && hop.route_id) {
		/*
		 * A helper route that leads nowhere now (its first hop's link
		 * went down): the helper knows better, so ask it again.
		 */
		vcoyo_route_forget(vn, dst, hop.route_id);
		err = -ENOENT;
	}
	if (err == -ENOENT)
		return vcoyo_tunnel_miss(vn, dst);
	if (err)
		return ERR_PTR(-EHOSTUNREACH);
	t = vcoyo_tunnel_alloc(dst, VCOYO_TUNNEL_PENDING, true);
	if (!t)
		return ERR_PTR(-ENOBUFS);
	err = vcoyo_tunnel_insert(vn, t);
	if (err) {
		kfree(t);
		return ERR_PTR(err);
	}
	err = vcoyo_tunnel_begin(vn, t, &hop);
	if (err) {
		vcoyo_tunnel_unlink(vn, t);
		return ERR_PTR(err);
	}
	return t;
}

/* Process context: a datagram whose tunnel is not UP, or not there yet. */
static int vcoyo_tunnel_send_slow(struct vcoyo_net *vn, struct sk_buff *skb,
				  const struct vcoyo_addr *dst)
{
	struct vcoyo_tunnel *t;
	int err = 0;

	mutex_lock(&vn->conf_lock);
	t = vcoyo_tunnel_find(vn, dst);
	if (t && t->state == VCOYO_TUNNEL_FAILED && time_after_eq(jiffies, t->deadline)) {
		/* The hold is over: this datagram tries again. */
		vcoyo_tunnel_unlink(vn, t);
		t = NULL;
	}
	if (!t) {
		t = vcoyo_tunnel_start(vn, dst);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			goto drop;
		}
	}
	switch (t->state) {
	case VCOYO_TUNNEL_UP:
		rcu_read_lock();
		err = vcoyo_tunnel_xmit(vn, t, skb);
		rcu_read_unlock();
		break;
	case VCOYO_TUNNEL_PENDING:
	case VCOYO_TUNNEL_RESOLVING:
		if (skb_queue_len(&t->queue) >= VCOYO_TUNNEL_QUEUE_MAX) {
			/* As a full neighbour queue for UDP: silent, counted. */
			vcoyo_stat_inc(vn, VCOYO_STAT_DROP_QUEUE_FULL);
			kfree_skb(skb);
			break;
		}
		__skb_queue_tail(&t->queue, skb);
		break;
	default:
		err = -EHOSTUNREACH;
		goto drop;
	}
	mutex_unlock(&vn->conf_lock);
	return err;

drop:
	mutex_unlock(&vn->conf_lock);
	if (err == -EHOSTUNREACH)
		vcoyo_stat_inc(vn, VCOYO_STAT_DROP_UNREACHABLE);
	kfree_skb(skb);
	return err;
}

/*
 * Process context: send the payload in @skb (headroom VCOYO_XMIT_HEADROOM)
 * from port @sport to port @dport of node @dst.  Consumes @skb.  0 once the
 * datagram is sent or queued, else an errno for sendmsg().
 */
int vcoyo_tunnel_send(struct vcoyo_net *vn, struct sk_buff *skb,
		      const struct vcoyo_addr *dst, u16 sport, u16 dport)
{
	struct vcoyo_data *dh;
	struct vcoyo_tunnel *t;
	int err;

	dh = skb_push(skb, sizeof(*dh));
	dh->hdr.version = VCOYO_WIRE_VERSION;
	dh->hdr.type = VCOYO_MSG_DATA;
	dh->hdr.reserved = 0;
	dh->label = 0;		/* written by the transmit, per hop */
	dh->sport = htons(sport);
	dh->dport = htons(dport);

	rcu_read_lock();
	t = vcoyo_tunnel_find(vn, dst);
	/* Pairs with vcoyo_tunnel_up(): UP means the label and queue are done. */
	if (likely(t && smp_load_acquire(&t->state) == VCOYO_TUNNEL_UP)) {
		err = vcoyo_tunnel_xmit(vn, t, skb);
		rcu_read_unlock();
		return err;
	}
	rcu_read_unlock();
	return vcoyo_tunnel_send_slow(vn, skb, dst);
}

/* Not to fill memory while a setup is slow: as many as 8 tunnel queues. */
#define VCOYO_TX_DEFER_MAX	(8 * VCOYO_TUNNEL_QUEUE_MAX)

/*
 * Any context: send @skb, its data header built, into the tunnel to @dst.
 * Consumes @skb.  Without an UP tunnel the packet waits for process context,
 * its destination in front of its header; a socket that owns it (skb->sk,
 * a stream's) hears if there is no way.
 */
void vcoyo_tunnel_send_atomic(struct vcoyo_net *vn, struct sk_buff *skb,
			      const struct vcoyo_addr *dst)
{
	struct vcoyo_tunnel *t;

	rcu_read_lock();
	t = vcoyo_tunnel_find(vn, dst);
	/* Pairs with vcoyo_tunnel_up(), as in vcoyo_tunnel_send(). */
	if (likely(t && smp_load_acquire(&t->state) == VCOYO_TUNNEL_UP)) {
		vcoyo_tunnel_xmit(vn, t, skb);
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();
	if (skb_queue_len(&vn->tx_defer) >= VCOYO_TX_DEFER_MAX) {
		vcoyo_stat_inc(vn, VCOYO_STAT_DROP_QUEUE_FULL);
		kfree_skb(skb);
		return;
	}
	memcpy(skb_push(skb, sizeof(*dst)), dst, sizeof(*dst));
	skb_queue_tail(&vn->tx_defer, skb);
	schedule_work(&vn->tx_work);
}

static void vcoyo_tunnel_tx_work(struct work_struct *work)
{
	struct vcoyo_net *vn = container_of(work, struct vcoyo_net, tx_work);
	struct vcoyo_addr dst;
	struct sk_buff *skb;
	struct sock *sk;
	int err;

	while ((skb = skb_dequeue(&vn->tx_defer))) {
		memcpy(&dst, skb->data, sizeof(dst));
		__skb_pull(skb, sizeof(dst));
		/* The skb keeps the socket's memory, not the socket: hold it. */
		sk = skb->sk;
		if (sk && !refcount_inc_not_zero(&sk->sk_refcnt))
			sk = NULL;
		err = vcoyo_tunnel_send_slow(vn, skb, &dst);
		if (sk) {
			if (err == -EHOSTUNREACH)
				vcoyo_stream_unreachable(sk, EHOSTUNREACH);
			sock_put(sk);
		}
	}
}

/*
 * Under conf_lock, @t UP and set up by this node: the other end no longer
 * has it.  Tear it down and set a new one up in its place.
 */
void vcoyo_tunnel_renew(struct vcoyo_net *vn, struct vcoyo_tunnel *t)
{
	struct vcoyo_addr remote = t->remote;

	vcoyo_signal_teardown(vn, t->label, VCOYO_REASON_REPLACED);
	vcoyo_tunnel_end(vn, t, VCOYO_REASON_REPLACED);
	/* Without a route any more: a miss, or the next datagram says so. */
	vcoyo_tunnel_start(vn, &remote);
}

/* Under conf_lock, @t PENDING: its setup was answered. */
void vcoyo_tunnel_up(struct vcoyo_net *vn, struct vcoyo_tunnel *t)
{
	struct sk_buff *skb;

	/* A setup from the other end may have crossed ours: see signal.c. */
	t->deadline = jiffies + msecs_to_jiffies(vn->setup_timeout_ms);
	/* Senders wait on conf_lock meanwhile: nothing overtakes the queue. */
	rcu_read_lock();
	while ((skb = __skb_dequeue(&t->queue)))
		vcoyo_tunnel_xmit(vn, t, skb);
	rcu_read_unlock();
	/* Pairs with vcoyo_tunnel_send(): lockless senders may use it now. */
	smp_store_release(&t->state, VCOYO_TUNNEL_UP);
	vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_UP);
	vcoyo_genl_notify_tunnel(vn, t, VCOYO_TUNNEL_UP);
}

/*
 * Under conf_lock: a setup from @remote reached this node, which allocated
 * @lbl for it.  The new tunnel is UP at once and replaces any other to
 * @remote (signal.c has settled simultaneous setups), taking over the
 * datagrams that waited for it.
 */
int vcoyo_tunnel_open(struct vcoyo_net *vn, const struct vcoyo_addr *remote,
		      struct vcoyo_label *lbl)
{
	struct vcoyo_tunnel *t, *old;
	struct sk_buff_head queue;
	struct sk_buff *skb;

	t = vcoyo_tunnel_alloc(remote, VCOYO_TUNNEL_UP, false);
	if (!t)
		return -ENOMEM;
	t->label = lbl;
	WRITE_ONCE(lbl->tunnel, t);

	__skb_queue_head_init(&queue);
	old = vcoyo_tunnel_find(vn, remote);
	if (old) {
		skb_queue_splice_init(&old->queue, &queue);
		if (old->label)
			vcoyo_signal_teardown(vn, old->label, VCOYO_REASON_REPLACED);
		vcoyo_tunnel_end(vn, old, VCOYO_REASON_REPLACED);
	}
	/* The key is free now; insert cannot fail but for memory. */
	if (vcoyo_tunnel_insert(vn, t)) {
		__skb_queue_purge(&queue);
		kfree(t);
		return -ENOMEM;
	}
	vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_UP);
	vcoyo_genl_notify_tunnel(vn, t, VCOYO_TUNNEL_UP);
	rcu_read_lock();
	while ((skb = __skb_dequeue(&queue)))
		vcoyo_tunnel_xmit(vn, t, skb);
	rcu_read_unlock();
	vcoyo_signal_kick(vn);
	return 0;
}

/*
 * Under conf_lock, @t PENDING: the other end set up a tunnel at the same
 * time, and it has the lower address, so its setup wins and ours is torn
 * down.  @t keeps its queue and waits, without a label, for that setup to
 * arrive (vcoyo_tunnel_open()), or for the setup timeout.
 */
void vcoyo_tunnel_unlabel(struct vcoyo_net *vn, struct vcoyo_tunnel *t)
{
	struct vcoyo_label *lbl = t->label;

	/* Senders only use the label of an UP tunnel; dumps check for NULL. */
	WRITE_ONCE(t->label, NULL);
	vcoyo_label_release(vn, lbl);
}

/*
 * Under conf_lock: @t ends for @reason; its label is released here, any
 * message about it is the caller's to send.  A setup that failed leaves a
 * FAILED entry in its place, for the hold; anything else just goes.  @t and
 * its label are freed after a grace period, so a sender that found @t UP
 * may still use both.
 */
void vcoyo_tunnel_end(struct vcoyo_net *vn, struct vcoyo_tunnel *t, u8 reason)
{
	struct vcoyo_label *lbl = t->label;
	struct vcoyo_tunnel *failed;

	if (t->state == VCOYO_TUNNEL_FAILED) {
		vcoyo_tunnel_unlink(vn, t);
		return;
	}
	/*
	 * A fault on a helper route: the route is wrong, or no longer right,
	 * and the helper must be asked again.  Idle tunnels and replaced ones
	 * say nothing against their route.
	 */
	if (t->route_id && reason != VCOYO_REASON_IDLE && reason != VCOYO_REASON_REPLACED)
		vcoyo_route_forget(vn, &t->remote, t->route_id);
	if (t->state == VCOYO_TUNNEL_UP || reason == VCOYO_REASON_REPLACED) {
		/* Said while the label is still there to be described. */
		t->reason = reason;
		vcoyo_genl_notify_tunnel(vn, t, VCOYO_TUNNEL_DOWN);
		if (lbl)
			vcoyo_label_release(vn, lbl);
		vcoyo_tunnel_drop_queue(vn, t);
		vcoyo_tunnel_unlink(vn, t);
		return;
	}

	/* A setup that failed: only an UP tunnel's label is used locklessly. */
	WRITE_ONCE(t->label, NULL);
	if (lbl)
		vcoyo_label_release(vn, lbl);
	/* A miss that failed never started a setup: its callers count it. */
	if (t->state != VCOYO_TUNNEL_RESOLVING)
		vcoyo_stat_inc(vn, VCOYO_STAT_TUNNEL_FAILED);
	vcoyo_tunnel_drop_queue(vn, t);
	failed = vcoyo_tunnel_alloc(&t->remote, VCOYO_TUNNEL_FAILED, true);
	if (!failed) {
		/* No hold then: the next datagram simply tries again. */
		vcoyo_tunnel_unlink(vn, t);
		return;
	}
	failed->reason = reason;
	failed->deadline = jiffies + msecs_to_jiffies(vn->setup_timeout_ms);
	rhashtable_replace_fast(&vn->tunnel_table, &t->hnode, &failed->hnode, vcoyo_tunnel_params);
	list_replace_rcu(&t->node, &failed->node);
	WRITE_ONCE(vn->tunnels_seq, vn->tunnels_seq + 1);
	kfree_rcu(t, rcu);
	vcoyo_genl_notify_tunnel(vn, failed, VCOYO_TUNNEL_FAILED);
}

/*
 * Under conf_lock: a route to @dest was added.  A tunnel that waited for
 * the helper's answer (or for the administrator) sets up along it now.
 */
void vcoyo_tunnel_route_added(struct vcoyo_net *vn, const struct vcoyo_addr *dest)
{
	struct vcoyo_tunnel *t = vcoyo_tunnel_find(vn, dest);
	struct vcoyo_route_hop hop;
	int err;

	if (!t || t->state != VCOYO_TUNNEL_RESOLVING)
		return;
	vcoyo_stat_inc(vn, VCOYO_STAT_MISS_RESOLVED);
	err = vcoyo_route_resolve(vn, dest, NULL, &hop);
	if (err) {
		t->route_id = hop.route_id;
		vcoyo_tunnel_end(vn, t, hop.reason ?: VCOYO_REASON_NO_ROUTE);
		return;
	}
	err = vcoyo_tunnel_begin(vn, t, &hop);
	if (err) {
		t->route_id = hop.route_id;
		vcoyo_tunnel_end(vn, t, err == -ENOBUFS ? VCOYO_REASON_NO_LABELS :
				 VCOYO_REASON_INVALID);
	}
}

/*
 * The helper says there is no way to @dest: what waits for it fails.
 * -ENOENT if nothing did (the miss timed out, or was never raised).
 */
int vcoyo_tunnel_unreachable(struct vcoyo_net *vn, const struct vcoyo_addr *dest)
{
	struct vcoyo_tunnel *t;
	int err = -ENOENT;

	mutex_lock(&vn->conf_lock);
	t = vcoyo_tunnel_find(vn, dest);
	if (t && t->state == VCOYO_TUNNEL_RESOLVING) {
		vcoyo_stat_inc(vn, VCOYO_STAT_MISS_UNREACHABLE);
		vcoyo_tunnel_end(vn, t, VCOYO_REASON_UNREACHABLE);
		err = 0;
	}
	mutex_unlock(&vn->conf_lock);
	return err;
}

/* Under conf_lock: the helper went away; no answer will come to its misses. */
void vcoyo_tunnels_helper_gone(struct vcoyo_net *vn)
{
	struct vcoyo_tunnel *t, *tmp;

	list_for_each_entry_safe(t, tmp, &vn->tunnels, node) {
		if (t->state != VCOYO_TUNNEL_RESOLVING)
			continue;
		vcoyo_stat_inc(vn, VCOYO_STAT_MISS_NO_HELPER);
		vcoyo_tunnel_end(vn, t, VCOYO_REASON_NO_HELPER);
	}
}

/* Namespace exit, after the last packet and timer: no messages, no events. */
void vcoyo_tunnels_exit(struct vcoyo_net *vn)
{
	struct vcoyo_tunnel *t, *tmp;

	cancel_work_sync(&vn->tx_work);
	skb_queue_purge(&vn->tx_defer);

	mutex_lock(&vn->conf_lock);
	list_for_each_entry_safe(t, tmp, &vn->tunnels, node)
		vcoyo_tunnel_unlink(vn, t);
	vcoyo_labels_exit(vn);
	mutex_unlock(&vn->conf_lock);
	rhashtable_destroy(&vn->tunnel_table);
}

static int vcoyo_tunnel_put(struct sk_buff *skb, const struct vcoyo_tunnel *t, u8 state)
{
	struct vcoyo_label *lbl = READ_ONCE(t->label);
	const struct vcoyo_hop *hop = lbl ? vcoyo_label_net_hop(lbl) : NULL;
	u32 peer_label = hop ? READ_ONCE(hop->label) : 0;

	if (nla_put(skb, VCOYO_TUNNEL_A_REMOTE, sizeof(t->remote), &t->remote) ||
	    nla_put_u8(skb, VCOYO_TUNNEL_A_STATE, state) ||
	    nla_put_u8(skb, VCOYO_TUNNEL_A_INITIATOR, t->initiator) ||
	    (state != VCOYO_TUNNEL_UP && state != VCOYO_TUNNEL_PENDING &&
	     state != VCOYO_TUNNEL_RESOLVING &&
	     nla_put_u8(skb, VCOYO_TUNNEL_A_REASON, t->reason)))
		return -EMSGSIZE;
	if (!lbl)
		return 0;
	if (nla_put_u32(skb, VCOYO_TUNNEL_A_LABEL, lbl->id) ||
	    (peer_label && nla_put_u32(skb, VCOYO_TUNNEL_A_PEER_LABEL, peer_label)) ||
	    nla_put_u32(skb, VCOYO_TUNNEL_A_LINK, hop->link->id) ||
	    nla_put_u32(skb, VCOYO_TUNNEL_A_IDLE_MS,
			jiffies_to_msecs(jiffies - READ_ONCE(lbl->last_used))))
		return -EMSGSIZE;
	return 0;
}

static int vcoyo_tunnel_put_counters(struct sk_buff *skb, const struct vcoyo_tunnel *t)
{
	if (nla_put_u32(skb, VCOYO_TUNNEL_A_QUEUED, skb_queue_len_lockless(&t->queue)) ||
	    nla_put_u64_64bit(skb, VCOYO_TUNNEL_A_TX_PACKETS, atomic64_read(&t->tx_packets),
			      VCOYO_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_TUNNEL_A_TX_BYTES, atomic64_read(&t->tx_bytes),
			      VCOYO_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_TUNNEL_A_RX_PACKETS, atomic64_read(&t->rx_packets),
			      VCOYO_TUNNEL_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_TUNNEL_A_RX_BYTES, atomic64_read(&t->rx_bytes),
			      VCOYO_TUNNEL_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* Under conf_lock: @t as an event saying @state. */
int vcoyo_tunnel_fill_event(struct sk_buff *skb, struct vcoyo_tunnel *t, u8 state)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VCOYO_A_TUNNEL);
	if (!nest || vcoyo_tunnel_put(skb, t, state)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Under RCU: one tunnel, as a VCOYO_A_TUNNEL nest.  The label is read under
 * RCU too: it may be released meanwhile, not freed.
 */
int vcoyo_tunnel_fill(struct sk_buff *skb, struct list_head *entry)
{
	const struct vcoyo_tunnel *t = list_entry(entry, struct vcoyo_tunnel, node);
	struct nlattr *nest;

	nest = nla_nest_start(skb, VCOYO_A_TUNNEL);
	if (!nest)
		return -EMSGSIZE;
	if (vcoyo_tunnel_put(skb, t, READ_ONCE(t->state)) ||
	    vcoyo_tunnel_put_counters(skb, t)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
