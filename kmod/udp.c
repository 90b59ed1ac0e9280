// SPDX-License-Identifier: GPL-2.0
/*
 * The node's UDP socket: every link of a node shares it.  It is one IPv6
 * socket that also takes IPv4 (v4-mapped), opened with the kernel's UDP
 * tunnel API so that packets reach vcoyo_udp_rcv() straight from the UDP
 * receive path, in softirq, without a socket queue.
 *
 * Receive is where the wire format is first checked: every packet is
 * judged here on its common header and dispatched by type; a packet that
 * does not pass is dropped and counted by reason.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ipv6.h>
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

/* Called under conf_lock; waits for receivers to be done with the socket. */
void vcoyo_udp_close(struct vcoyo_net *vn)
{
	if (!vn->udp)
		return;
	udp_tunnel_sock_release(vn->udp);
	vn->udp = NULL;
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
