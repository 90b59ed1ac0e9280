// SPDX-License-Identifier: GPL-2.0
/*
 * Links: the UDP paths from a node to its neighbours.
 *
 * Every hello interval the node sends a hello on each link, saying who it
 * is (its public key) and echoing the neighbour's last timestamp so that
 * both sides measure the round-trip time.  A link is up while hellos from
 * the expected neighbour keep arriving, down after a silence of the link
 * timeout, and comes back by itself when they resume.  A link configured
 * with a public key stays down if hellos carry another key.
 *
 * A link that stops being up takes the tunnels through it down with it
 * (signal.c), at the next hello tick; every change of state is an event.
 *
 * The list of links changes under the node's conf_lock and is read under
 * RCU by the receive path; what a hello changes in a link is under the
 * link's spinlock, taken from softirq.
 */
#include <linux/slab.h>
#include <net/ipv6.h>
#include "vcoyo.h"

static void vcoyo_hello_work(struct work_struct *work);

void vcoyo_links_init(struct vcoyo_net *vn)
{
	INIT_LIST_HEAD(&vn->links);
	INIT_DELAYED_WORK(&vn->hello_work, vcoyo_hello_work);
	vn->next_link_id = 1;
	vn->listen_port = VCOYO_DEFAULT_PORT;
	vn->hello_ms = VCOYO_DEFAULT_HELLO_MS;
	vn->link_timeout_ms = VCOYO_DEFAULT_LINK_TIMEOUT_MS;
}

/* Under RCU or conf_lock. */
struct vcoyo_link *vcoyo_link_by_endpoint(struct vcoyo_net *vn,
					  const struct sockaddr_in6 *ep)
{
	struct vcoyo_link *link;

	list_for_each_entry_rcu(link, &vn->links, node,
				lockdep_is_held(&vn->conf_lock))
		if (vcoyo_link_is_from(link, ep))
			return link;
	return NULL;
}

/* Under RCU or conf_lock. */
struct vcoyo_link *vcoyo_link_by_id(struct vcoyo_net *vn, u32 id)
{
	struct vcoyo_link *link;

	list_for_each_entry_rcu(link, &vn->links, node,
				lockdep_is_held(&vn->conf_lock))
		if (link->id == id)
			return link;
	return NULL;
}

bool vcoyo_link_is_up(struct vcoyo_link *link)
{
	return READ_ONCE(link->seen.state) == VCOYO_LINK_UP;
}

/*
 * Under conf_lock: a link that is up, other than @except, to the neighbour
 * whose address starts with the @len bytes at @prefix: the whole address
 * for a connected destination, a hop tag for a source-routed setup.  Of two
 * such links (two neighbours that share a tag), the first added wins.
 */
struct vcoyo_link *vcoyo_link_by_neighbour(struct vcoyo_net *vn, const u8 *prefix, size_t len,
					   const struct vcoyo_link *except)
{
	struct vcoyo_link *link;
	bool match;

	lockdep_assert_held(&vn->conf_lock);
	list_for_each_entry(link, &vn->links, node) {
		if (link == except || !vcoyo_link_is_up(link))
			continue;
		spin_lock_bh(&link->lock);
		match = link->seen.state == VCOYO_LINK_UP &&
			!memcmp(link->seen.remote_addr.bytes, prefix, len);
		spin_unlock_bh(&link->lock);
		if (match)
			return link;
	}
	return NULL;
}

static void vcoyo_link_free(struct rcu_head *rcu)
{
	struct vcoyo_link *link = container_of(rcu, struct vcoyo_link, rcu);

	dst_cache_destroy(&link->dst_cache);
	kfree(link);
}

/* Under conf_lock: the tunnels through the link go first. */
static void vcoyo_link_unlink(struct vcoyo_net *vn, struct vcoyo_link *link)
{
	vcoyo_signal_link_down(vn, link);
	list_del_rcu(&link->node);
	WRITE_ONCE(vn->links_seq, vn->links_seq + 1);
	call_rcu(&link->rcu, vcoyo_link_free);
}

int vcoyo_link_add(struct vcoyo_net *vn, const struct sockaddr_in6 *endpoint,
		   const u8 *peer_key, u32 *id, struct netlink_ext_ack *extack)
{
	struct vcoyo_link *link;
	int err;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	err = dst_cache_init(&link->dst_cache, GFP_KERNEL);
	if (err) {
		kfree(link);
		return err;
	}
	link->endpoint = *endpoint;
	if (peer_key) {
		link->has_peer_key = true;
		memcpy(link->peer_key, peer_key, VCOYO_KEY_LEN);
	}
	spin_lock_init(&link->lock);
	link->seen.state = VCOYO_LINK_DOWN;

	mutex_lock(&vn->conf_lock);
	if (vcoyo_link_by_endpoint(vn, endpoint)) {
		NL_SET_ERR_MSG(extack, "a link to this endpoint exists");
		err = -EEXIST;
		goto err_unlock;
	}
	err = vcoyo_udp_open(vn);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the node's UDP port");
		goto err_unlock;
	}
	link->id = vn->next_link_id++;
	list_add_tail_rcu(&link->node, &vn->links);
	WRITE_ONCE(vn->links_seq, vn->links_seq + 1);
	*id = link->id;
	/* Say hello at once rather than a whole interval later. */
	mod_delayed_work(system_wq, &vn->hello_work, 0);
	mutex_unlock(&vn->conf_lock);
	return 0;

err_unlock:
	mutex_unlock(&vn->conf_lock);
	dst_cache_destroy(&link->dst_cache);
	kfree(link);
	return err;
}

/* Under conf_lock. */
bool vcoyo_link_exists(struct vcoyo_net *vn, u32 id)
{
	return vcoyo_link_by_id(vn, id);
}

int vcoyo_link_del(struct vcoyo_net *vn, u32 id)
{
	struct vcoyo_link *link;

	mutex_lock(&vn->conf_lock);
	link = vcoyo_link_by_id(vn, id);
	if (link) {
		vcoyo_routes_flush_link(vn, id);
		vcoyo_link_unlink(vn, link);
	}
	/* The port is the node's only while it has links. */
	if (list_empty(&vn->links))
		vcoyo_udp_close(vn);
	mutex_unlock(&vn->conf_lock);
	return link ? 0 : -ENOENT;
}

/*
 * Every hello interval, for each link: expire it, take its tunnels down if
 * it is no longer up, and say hello if we can.  Under conf_lock.
 *
 * The clock is read under the link's lock: a hello taken in softirq after
 * an earlier reading would stamp last_rx_ns later than "now", and the
 * unsigned difference would look like hours of silence.
 */
static void vcoyo_link_tick(struct vcoyo_net *vn, struct vcoyo_link *link,
			    struct vcoyo_hello *hello)
{
	bool expired = false;
	u64 now, echo = 0;
	u8 state;

	spin_lock_bh(&link->lock);
	now = ktime_get_ns();
	if (link->seen.peer_tx_ns)
		echo = link->seen.peer_tx_ns + (now - link->seen.last_rx_ns);
	/* Silence for longer than the timeout: the neighbour is gone. */
	if (link->seen.state != VCOYO_LINK_DOWN &&
	    now - link->seen.last_rx_ns > (u64)vn->link_timeout_ms * NSEC_PER_MSEC) {
		WRITE_ONCE(link->seen.state, VCOYO_LINK_DOWN);
		expired = true;
	}
	state = link->seen.state;
	spin_unlock_bh(&link->lock);

	if (expired)
		vcoyo_genl_notify_link(vn, link, GFP_KERNEL);
	/* Down, or another key on the far end: its tunnels go. */
	if (link->ticked_state == VCOYO_LINK_UP && state != VCOYO_LINK_UP)
		vcoyo_signal_link_down(vn, link);
	link->ticked_state = state;

	/* A node without an identity cannot say who it is: it stays silent. */
	if (!hello)
		return;
	hello->tx_ns = cpu_to_be64(now);
	hello->echo_ns = cpu_to_be64(echo);
	if (vcoyo_udp_send(vn, &link->endpoint, hello, sizeof(*hello)) < 0)
		return;
	atomic64_inc(&link->tx_packets);
	atomic64_add(sizeof(*hello), &link->tx_bytes);
	vcoyo_stat_inc(vn, VCOYO_STAT_HELLO_SENT);
}

static void vcoyo_hello_work(struct work_struct *work)
{
	struct vcoyo_net *vn = container_of(to_delayed_work(work), struct vcoyo_net,
					    hello_work);
	struct vcoyo_hello hello = {
		.hdr = { .version = VCOYO_WIRE_VERSION, .type = VCOYO_MSG_HELLO },
	};
	struct vcoyo_link *link;
	bool has_key;

	mutex_lock(&vn->conf_lock);
	has_key = vcoyo_local_public_key(vn, hello.public_key);
	list_for_each_entry(link, &vn->links, node)
		vcoyo_link_tick(vn, link, has_key ? &hello : NULL);
	if (!list_empty(&vn->links))
		schedule_delayed_work(&vn->hello_work, msecs_to_jiffies(vn->hello_ms));
	mutex_unlock(&vn->conf_lock);
}

/* Under conf_lock: the hello interval changed. */
void vcoyo_links_reschedule(struct vcoyo_net *vn)
{
	if (!list_empty(&vn->links))
		mod_delayed_work(system_wq, &vn->hello_work, 0);
}

/* Softirq: a hello arrived from @from; @skb->data is at its header. */
void vcoyo_link_rcv_hello(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
			  struct sk_buff *skb)
{
	struct vcoyo_addr remote_addr;
	struct vcoyo_link *link;
	struct vcoyo_hello hello;
	u64 now, echo;
	bool match, new_key;
	u8 state, old_state;

	if (skb_copy_bits(skb, 0, &hello, sizeof(hello))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		return;
	}
	if (!memchr_inv(hello.public_key, 0, sizeof(hello.public_key))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		return;
	}

	rcu_read_lock();
	link = vcoyo_link_by_endpoint(vn, from);
	if (!link) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_ENDPOINT);
		goto out;
	}
	atomic64_inc(&link->rx_packets);
	atomic64_add(skb->len, &link->rx_bytes);

	/* The address is derived from the key: hash only a key not seen yet. */
	spin_lock(&link->lock);
	new_key = !link->seen.heard ||
		  memcmp(link->seen.remote_key, hello.public_key, VCOYO_KEY_LEN);
	spin_unlock(&link->lock);
	if (new_key && vcoyo_addr_of_key(hello.public_key, &remote_addr)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		goto out;
	}
	match = !link->has_peer_key ||
		!memcmp(link->peer_key, hello.public_key, VCOYO_KEY_LEN);
	now = ktime_get_ns();
	echo = be64_to_cpu(hello.echo_ns);

	spin_lock(&link->lock);
	if (new_key) {
		memcpy(link->seen.remote_key, hello.public_key, VCOYO_KEY_LEN);
		link->seen.remote_addr = remote_addr;
	}
	link->seen.heard = true;
	link->seen.last_rx_ns = now;
	link->seen.peer_tx_ns = be64_to_cpu(hello.tx_ns);
	/* An echo from the future or older than a minute is not an RTT. */
	if (echo && echo <= now && now - echo < 60 * NSEC_PER_SEC) {
		u64 rtt = now - echo, srtt = link->seen.srtt_ns;

		link->seen.srtt_ns = srtt ? srtt - srtt / 8 + rtt / 8 : rtt;
	}
	state = match ? VCOYO_LINK_UP : VCOYO_LINK_KEY_MISMATCH;
	old_state = link->seen.state;
	WRITE_ONCE(link->seen.state, state);
	spin_unlock(&link->lock);

	vcoyo_stat_inc(vn, match ? VCOYO_STAT_HELLO_RECEIVED : VCOYO_STAT_RX_KEY_MISMATCH);
	if (state != old_state) {
		vcoyo_genl_notify_link(vn, link, GFP_ATOMIC);
		/* Tunnels through it go at the next tick; make that now. */
		if (old_state == VCOYO_LINK_UP)
			mod_delayed_work(system_wq, &vn->hello_work, 0);
	}
out:
	rcu_read_unlock();
}

/* The endpoint as userspace gave it: sockaddr_in for IPv4. */
static int vcoyo_link_put_endpoint(struct sk_buff *skb, const struct sockaddr_in6 *ep)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = ep->sin6_port,
	};

	if (!ipv6_addr_v4mapped(&ep->sin6_addr))
		return nla_put(skb, VCOYO_LINK_A_ENDPOINT, sizeof(*ep), ep);
	sin.sin_addr.s_addr = ep->sin6_addr.s6_addr32[3];
	return nla_put(skb, VCOYO_LINK_A_ENDPOINT, sizeof(sin), &sin);
}

/* Under RCU: one link as a VCOYO_A_LINK nest. */
int vcoyo_link_fill(struct sk_buff *skb, struct list_head *entry)
{
	struct vcoyo_link *link = list_entry(entry, struct vcoyo_link, node);
	struct vcoyo_link_seen seen;
	struct nlattr *nest;
	u64 now;

	/* The clock under the lock, as in vcoyo_link_tick(). */
	spin_lock_bh(&link->lock);
	now = ktime_get_ns();
	seen = link->seen;
	spin_unlock_bh(&link->lock);

	nest = nla_nest_start(skb, VCOYO_A_LINK);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VCOYO_LINK_A_ID, link->id) ||
	    vcoyo_link_put_endpoint(skb, &link->endpoint) ||
	    nla_put_u8(skb, VCOYO_LINK_A_STATE, seen.state) ||
	    (link->has_peer_key &&
	     nla_put(skb, VCOYO_LINK_A_PEER_KEY, VCOYO_KEY_LEN, link->peer_key)) ||
	    (seen.heard &&
	     (nla_put(skb, VCOYO_LINK_A_REMOTE_KEY, VCOYO_KEY_LEN, seen.remote_key) ||
	      nla_put(skb, VCOYO_LINK_A_REMOTE_ADDRESS, sizeof(seen.remote_addr),
		      &seen.remote_addr) ||
	      nla_put_u32(skb, VCOYO_LINK_A_LAST_RX_MS,
			  div_u64(now - seen.last_rx_ns, NSEC_PER_MSEC)))) ||
	    (seen.srtt_ns &&
	     nla_put_u32(skb, VCOYO_LINK_A_RTT_US, div_u64(seen.srtt_ns, NSEC_PER_USEC))) ||
	    nla_put_u64_64bit(skb, VCOYO_LINK_A_TX_PACKETS, atomic64_read(&link->tx_packets),
			      VCOYO_LINK_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_LINK_A_TX_BYTES, atomic64_read(&link->tx_bytes),
			      VCOYO_LINK_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_LINK_A_RX_PACKETS, atomic64_read(&link->rx_packets),
			      VCOYO_LINK_A_PAD) ||
	    nla_put_u64_64bit(skb, VCOYO_LINK_A_RX_BYTES, atomic64_read(&link->rx_bytes),
			      VCOYO_LINK_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Namespace exit: no request can come any more; no packet after this. */
void vcoyo_links_stop(struct vcoyo_net *vn)
{
	mutex_lock(&vn->conf_lock);
	vcoyo_udp_close(vn);
	mutex_unlock(&vn->conf_lock);
	/* Only now: until the socket was closed, a hello could queue it again. */
	cancel_delayed_work_sync(&vn->hello_work);
}

/* Namespace exit, once the tunnels are gone. */
void vcoyo_links_exit(struct vcoyo_net *vn)
{
	struct vcoyo_link *link, *tmp;

	mutex_lock(&vn->conf_lock);
	list_for_each_entry_safe(link, tmp, &vn->links, node)
		vcoyo_link_unlink(vn, link);
	mutex_unlock(&vn->conf_lock);
}
