// SPDX-License-Identifier: GPL-2.0
/*
 * The node's UDP socket: every link of a node shares it.  It is one IPv6
 * socket that also takes IPv4 (v4-mapped), opened with the kernel's UDP
 * tunnel API so that packets reach vcoyo_udp_rcv() straight from the UDP
 * receive path, in softirq, without a socket queue.
 *
 * Receive is where the wire format is first checked: every packet is
 * judged here on its common header and dispatched by type; a packet that
 * does not pass is dropped and counted by reason.  Data packets are handled
 * on the spot (switch.c), control packets are queued for process context
 * (signal.c), hellos update their link.
 *
 * Data goes out as an skb through the UDP tunnel transmit functions, so a
 * packet switched in the receive path leaves without being copied; the
 * route to each neighbour is cached in its link.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>
#include "vcoyo.h"

/* The sender of @skb, IPv4 written as a v4-mapped IPv6 address. */
static void vcoyo_udp_source(const struct sk_buff *skb, struct sockaddr_in6 *from)
{
	memset(from, 0, sizeof(*from));
	from->sin6_family = AF_INET6;
	from->sin6_port = udp_hdr(skb)->source;
	if (ip_hdr(skb)->version == 4) {
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &from->sin6_addr);
		return;
	}
	from->sin6_addr = ipv6_hdr(skb)->saddr;
	/* A link-local address means something only with its interface. */
	if (ipv6_addr_type(&from->sin6_addr) & IPV6_ADDR_LINKLOCAL)
		from->sin6_scope_id = inet6_iif(skb);
}

static int vcoyo_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct vcoyo_net *vn = rcu_dereference_sk_user_data(sk);
	const struct vcoyo_hdr *hdr;
	struct sockaddr_in6 from;

	if (!vn)
		goto drop;
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + sizeof(*hdr))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		goto drop;
	}
	vcoyo_udp_source(skb, &from);
	__skb_pull(skb, sizeof(struct udphdr));
	hdr = (const struct vcoyo_hdr *)skb->data;

	if (hdr->version != VCOYO_WIRE_VERSION) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_BAD_VERSION);
		goto drop;
	}
	switch (hdr->type) {
	case VCOYO_MSG_DATA:
	case VCOYO_MSG_STREAM:
		vcoyo_data_rcv(vn, &from, skb);
		return 0;
	case VCOYO_MSG_SETUP:
	case VCOYO_MSG_ACK:
	case VCOYO_MSG_TEARDOWN:
	case VCOYO_MSG_NO_LABEL:
		vcoyo_signal_rcv(vn, &from, skb);
		return 0;
	case VCOYO_MSG_HELLO:
		vcoyo_link_rcv_hello(vn, &from, skb);
		break;
	default:
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_UNKNOWN_TYPE);
		goto drop;
	}
	consume_skb(skb);
	return 0;

drop:
	kfree_skb(skb);
	return 0;	/* consumed: nothing goes on to a UDP socket queue */
}

/* Called under conf_lock when the first link is added. */
int vcoyo_udp_open(struct vcoyo_net *vn)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data = vn,
		.encap_type = 1,
		.encap_rcv = vcoyo_udp_rcv,
	};
	struct udp_port_cfg cfg = {
		.family = AF_INET6,
		.local_ip6 = IN6ADDR_ANY_INIT,
		.local_udp_port = htons(vn->listen_port),
		.ipv6_v6only = 0,
	};
	struct socket *sock;
	int err;

	if (vn->udp)
		return 0;
	err = udp_sock_create(vn->net, &cfg, &sock);
	if (err)
		return err;
	setup_udp_tunnel_sock(vn->net, sock, &tcfg);
	vn->udp = sock;
	return 0;
}

/*
 * Called under conf_lock.  Senders find the socket under RCU: it is
 * unpublished first, and the release waits for a grace period.
 */
void vcoyo_udp_close(struct vcoyo_net *vn)
{
	struct socket *sock = vn->udp;

	if (!sock)
		return;
	WRITE_ONCE(vn->udp, NULL);
	udp_tunnel_sock_release(sock);
}

/* Process context, under conf_lock: send one packet to a neighbour. */
int vcoyo_udp_send(struct vcoyo_net *vn, const struct sockaddr_in6 *to,
		   const void *data, size_t len)
{
	struct kvec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)to,
		.msg_namelen = sizeof(*to),
		.msg_flags = MSG_DONTWAIT,
	};

	if (!vn->udp)
		return -ENOTCONN;
	return kernel_sendmsg(vn->udp, &msg, &iov, 1, len);
}

static int vcoyo_udp_xmit4(struct sock *sk, struct vcoyo_link *link, struct sk_buff *skb,
			   u32 label)
{
	struct flowi4 fl4 = {
		.daddr = link->endpoint.sin6_addr.s6_addr32[3],
		.fl4_dport = link->endpoint.sin6_port,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt;
	__be16 df = 0;

	rt = dst_cache_get_ip4(&link->dst_cache, &fl4.saddr);
	if (!rt) {
		rt = ip_route_output_key(sock_net(sk), &fl4);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		dst_cache_set_ip4(&link->dst_cache, &rt->dst, fl4.saddr);
	}
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) + sizeof(struct iphdr) +
			 sizeof(struct udphdr))) {
		ip_rt_put(rt);
		return -ENOMEM;
	}
	((struct vcoyo_data *)skb->data)->label = htonl(label);
	/*
	 * What fits the route's MTU goes out with DF, which also spares it an
	 * IP ID (iptunnel_xmit() leaves it 0); a bigger datagram goes without,
	 * to be fragmented.
	 */
	if (skb->len + sizeof(struct iphdr) + sizeof(struct udphdr) <= dst_mtu(&rt->dst))
		df = htons(IP_DF);
	udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, 0, ip4_dst_hoplimit(&rt->dst),
			    df, fl4.fl4_sport, fl4.fl4_dport, false, false);
	return 0;
}

static int vcoyo_udp_xmit6(struct sock *sk, struct vcoyo_link *link, struct sk_buff *skb,
			   u32 label)
{
	struct flowi6 fl6 = {
		.daddr = link->endpoint.sin6_addr,
		.fl6_dport = link->endpoint.sin6_port,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_oif = link->endpoint.sin6_scope_id,
	};
	struct dst_entry *dst;

	dst = dst_cache_get_ip6(&link->dst_cache, &fl6.saddr);
	if (!dst) {
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		dst_cache_set_ip6(&link->dst_cache, dst, &fl6.saddr);
	}
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + sizeof(struct ipv6hdr) +
			 sizeof(struct udphdr))) {
		dst_release(dst);
		return -ENOMEM;
	}
	((struct vcoyo_data *)skb->data)->label = htonl(label);
	/* IPv6 routers do not fragment: the sender does, when it must. */
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &fl6.saddr, &fl6.daddr, 0,
			     ip6_dst_hoplimit(dst), 0, fl6.fl6_sport, fl6.fl6_dport, false);
	return 0;
}

/*
 * Send the data packet @skb, its data at a struct vcoyo_data, to the
 * neighbour at the end of @link, with @label written in its header: the
 * label may only be written once the header is the skb's own, which
 * skb_cow_head() sees to.  Any context, under RCU.  Consumes @skb.
 */
int vcoyo_udp_xmit(struct vcoyo_net *vn, struct vcoyo_link *link, struct sk_buff *skb,
		   u32 label)
{
	struct socket *sock = READ_ONCE(vn->udp);
	unsigned int len = skb->len;
	int err;

	if (unlikely(!sock)) {
		err = -ENOTCONN;
		goto drop;
	}
	/*
	 * Whatever the packet was on the way in, it is a new one from this
	 * node now: no device, no route, no stale checksum state.  Nor an
	 * owner: IP output takes the owner of an skb for an inet socket, and
	 * an AF_VCOYO socket is not one.  The sender's buffer was charged
	 * while the datagram waited for its tunnel; it is released here.
	 */
	skb_orphan(skb);
	skb_scrub_packet(skb, false);
	skb->dev = NULL;
	skb->ip_summed = CHECKSUM_NONE;

	local_bh_disable();	/* the route cache is per CPU */
	if (ipv6_addr_v4mapped(&link->endpoint.sin6_addr))
		err = vcoyo_udp_xmit4(sock->sk, link, skb, label);
	else
		err = vcoyo_udp_xmit6(sock->sk, link, skb, label);
	local_bh_enable();
	if (err)
		goto drop;
	atomic64_inc(&link->tx_packets);
	atomic64_add(len, &link->tx_bytes);
	return 0;

drop:
	vcoyo_stat_inc(vn, VCOYO_STAT_TX_ERROR);
	kfree_skb(skb);
	return err;
}
