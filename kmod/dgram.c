// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_DGRAM of AF_VCOYO: unreliable datagrams between 512-bit endpoints,
 * with the semantics and the errors of UDP wherever UDP has an answer.
 * Datagrams to this node are delivered on the spot; those to other nodes
 * go through the tunnel to that node (tunnel.c).
 *
 * A queued datagram starts with a struct vcoyo_dgram_meta naming its source,
 * followed by the payload; recvmsg() skips the former.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/sock.h>
#include "vcoyo.h"

static struct proto vcoyo_dgram_proto = {
	.name = "VCOYO_DGRAM",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct vcoyo_sock),
};

static const struct proto_ops vcoyo_dgram_ops;

/* Called with the socket locked: bind an ephemeral port if none is bound. */
static int vcoyo_dgram_autobind(struct vcoyo_net *vn, struct vcoyo_sock *vs)
{
	int err;

	if (vs->port)
		return 0;
	err = vcoyo_port_bind(vn, vs, 0);
	if (err == -EADDRINUSE)
		return -EAGAIN;	/* as UDP: the ephemeral range is exhausted */
	if (!err)
		vs->autobound = true;
	return err;
}

static int vcoyo_dgram_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	const struct sockaddr_vcoyo *sa = (const struct sockaddr_vcoyo *)uaddr;
	struct sock *sk = sock->sk;
	struct vcoyo_sock *vs = vcoyo_sk(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	u16 port;
	int err;

	err = vcoyo_bind_check(sk, uaddr, len, &port);
	if (err)
		return err;

	lock_sock(sk);
	if (vs->port) {
		err = -EINVAL;
		goto out;
	}
	err = vcoyo_port_bind(vn, vs, port);
	if (!err)
		vs->bound_addr = sa->svc_addr;
out:
	release_sock(sk);
	return err;
}

static int vcoyo_dgram_connect(struct socket *sock, struct sockaddr *uaddr,
			       int len, int flags)
{
	const struct sockaddr_vcoyo *sa = (const struct sockaddr_vcoyo *)uaddr;
	struct sock *sk = sock->sk;
	struct vcoyo_sock *vs = vcoyo_sk(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	int err = 0;

	if (len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;

	lock_sock(sk);
	if (uaddr->sa_family == AF_UNSPEC) {
		/* Dissolve the association; as UDP, give up an implicit port. */
		sk->sk_state = TCP_CLOSE;
		memset(&vs->peer_addr, 0, sizeof(vs->peer_addr));
		vs->peer_port = 0;
		if (vs->autobound) {
			vcoyo_port_unbind(vn, vs);
			vs->autobound = false;
		}
		goto out;
	}

	err = vcoyo_sockaddr_check(uaddr, len);
	if (err)
		goto out;
	err = vcoyo_dgram_autobind(vn, vs);
	if (err)
		goto out;
	/* As UDP connected to INADDR_ANY: the peer is this node. */
	vs->peer_addr = sa->svc_addr;
	if (vcoyo_addr_is_any(&vs->peer_addr))
		vcoyo_local_addr(vn, &vs->peer_addr);
	vs->peer_port = ntohs(sa->svc_port);
	sk->sk_state = TCP_ESTABLISHED;
out:
	release_sock(sk);
	return err;
}

/*
 * A connected socket only accepts datagrams from its peer.  The peer is read
 * without the socket lock, as UDP does: a datagram racing with connect() may
 * be judged against either association.
 */
static bool vcoyo_dgram_accepts(struct vcoyo_sock *vs,
				const struct vcoyo_addr *dst,
				const struct vcoyo_dgram_meta *meta)
{
	if (!vcoyo_addr_is_any(&vs->bound_addr) &&
	    memcmp(&vs->bound_addr, dst, sizeof(*dst)))
		return false;
	if (READ_ONCE(vs->sk.sk_state) != TCP_ESTABLISHED)
		return true;
	return READ_ONCE(vs->peer_port) == meta->sport &&
	       !memcmp(&vs->peer_addr, &meta->src, sizeof(meta->src));
}

/*
 * Queue @skb on the socket bound to @dport.  Consumes @skb.  Returns
 * -ECONNREFUSED when no socket takes it, which the sender may report the way
 * UDP reports an ICMP port unreachable.
 */
int vcoyo_dgram_deliver(struct vcoyo_net *vn, struct sk_buff *skb,
			const struct vcoyo_addr *dst, u16 dport)
{
	const struct vcoyo_dgram_meta *meta = (const void *)skb->data;
	struct vcoyo_sock *vs;
	int err;

	vs = vcoyo_port_lookup(vn, dport);
	if (!vs || !vcoyo_dgram_accepts(vs, dst, meta)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_DROP_NO_PORT);
		err = -ECONNREFUSED;
		kfree_skb(skb);
		goto out;
	}

	/* Stamp on arrival, as UDP, not when the reader gets to it. */
	if (vs->sk.sk_flags & SK_FLAGS_TIMESTAMP)
		__net_timestamp(skb);
	/* Charges the receiver's buffer; counts sk_drops when it is full. */
	err = sock_queue_rcv_skb(&vs->sk, skb);
	if (err) {
		vcoyo_stat_inc(vn, VCOYO_STAT_DROP_RCVBUF);
		kfree_skb(skb);
		err = 0;	/* a full receiver is silent, as for UDP */
	} else {
		vcoyo_stat_inc(vn, VCOYO_STAT_DGRAM_DELIVERED);
	}
out:
	if (vs)
		sock_put(&vs->sk);
	return err;
}

/* The payload of a datagram to another node, with room for the headers. */
static int vcoyo_dgram_send_remote(struct vcoyo_net *vn, struct sock *sk, struct msghdr *msg,
				   size_t len, const struct vcoyo_addr *dst, u16 sport,
				   u16 dport)
{
	struct sk_buff *skb;
	int err;

	skb = sock_alloc_send_skb(sk, VCOYO_XMIT_HEADROOM + len,
				  msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	skb_reserve(skb, VCOYO_XMIT_HEADROOM);
	err = memcpy_from_msg(skb_put(skb, len), msg, len);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	err = vcoyo_tunnel_send(vn, skb, dst, sport, dport);
	if (err)
		return err;
	vcoyo_stat_inc(vn, VCOYO_STAT_DGRAM_SENT);
	return len;
}

static int vcoyo_dgram_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct vcoyo_sock *vs = vcoyo_sk(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	struct vcoyo_dgram_meta *meta, src;
	struct vcoyo_addr dst, local;
	struct sk_buff *skb;
	bool to_peer;
	u16 dport;
	int err;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (len > VCOYO_DGRAM_MAX)
		return -EMSGSIZE;

	if (msg->msg_name) {
		const struct sockaddr_vcoyo *sa = msg->msg_name;

		err = vcoyo_sockaddr_check(msg->msg_name, msg->msg_namelen);
		if (err)
			return err;
		if (!sa->svc_port)
			return -EINVAL;
		dst = sa->svc_addr;
		dport = ntohs(sa->svc_port);
	}

	/* One view of the identity for the whole send: it may change meanwhile. */
	vcoyo_local_addr(vn, &local);
	lock_sock(sk);
	if (!msg->msg_name) {
		if (sk->sk_state != TCP_ESTABLISHED) {
			err = -EDESTADDRREQ;
			goto out_unlock;
		}
		dst = vs->peer_addr;
		dport = vs->peer_port;
	} else if (vcoyo_addr_is_any(&dst)) {
		/* As UDP to INADDR_ANY: this node. */
		dst = local;
	}
	/* Only errors about the connected peer are reported to the socket. */
	to_peer = sk->sk_state == TCP_ESTABLISHED && dport == vs->peer_port &&
		  !memcmp(&dst, &vs->peer_addr, sizeof(dst));

	err = vcoyo_dgram_autobind(vn, vs);
	if (err)
		goto out_unlock;
	if (vcoyo_addr_is_any(&vs->bound_addr)) {
		src.src = local;
	} else if (!memcmp(&vs->bound_addr, &local, sizeof(local))) {
		src.src = vs->bound_addr;
	} else {
		/* The identity changed under the socket: not ours to send from. */
		err = -EADDRNOTAVAIL;
		goto out_unlock;
	}
	src.sport = vs->port;
	release_sock(sk);

	/* Without an identity this node is the any address, and only that. */
	if (memcmp(&dst, &local, sizeof(dst)))
		return vcoyo_dgram_send_remote(vn, sk, msg, len, &dst, src.sport, dport);

	skb = sock_alloc_send_skb(sk, sizeof(*meta) + len,
				  msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	meta = skb_put(skb, sizeof(*meta));
	*meta = src;
	err = memcpy_from_msg(skb_put(skb, len), msg, len);
	if (err) {
		kfree_skb(skb);
		return err;
	}

	vcoyo_stat_inc(vn, VCOYO_STAT_DGRAM_SENT);
	err = vcoyo_dgram_deliver(vn, skb, &dst, dport);
	if (err == -ECONNREFUSED && to_peer) {
		/* As an ICMP port unreachable does to a connected UDP socket. */
		WRITE_ONCE(sk->sk_err, ECONNREFUSED);
		sk_error_report(sk);
	}
	return len;

out_unlock:
	release_sock(sk);
	return err;
}

static int vcoyo_dgram_recvmsg(struct socket *sock, struct msghdr *msg,
			       size_t size, int flags)
{
	struct sock *sk = sock->sk;
	struct vcoyo_dgram_meta meta;
	struct sk_buff *skb;
	size_t payload, copied;
	int err;

	/* No error queue yet: always empty, as UDP's is without IP_RECVERR. */
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb)
		return err;

	memcpy(&meta, skb->data, sizeof(meta));
	payload = skb->len - sizeof(meta);
	copied = min(payload, size);
	if (copied < payload)
		msg->msg_flags |= MSG_TRUNC;

	err = skb_copy_datagram_msg(skb, sizeof(meta), msg, copied);
	if (err)
		goto out;

	sock_recv_cmsgs(msg, sk, skb);
	if (msg->msg_name) {
		vcoyo_fill_sockaddr(msg->msg_name, &meta.src, meta.sport);
		msg->msg_namelen = sizeof(struct sockaddr_vcoyo);
	}
	err = (flags & MSG_TRUNC) ? payload : copied;
out:
	skb_free_datagram(sk, skb);
	return err;
}

static int vcoyo_dgram_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_vcoyo *sa = (struct sockaddr_vcoyo *)uaddr;
	struct sock *sk = sock->sk;
	struct vcoyo_sock *vs = vcoyo_sk(sk);
	int err = sizeof(*sa);

	lock_sock(sk);
	if (!peer)
		vcoyo_fill_sockaddr(sa, &vs->bound_addr, vs->port);
	else if (sk->sk_state == TCP_ESTABLISHED)
		vcoyo_fill_sockaddr(sa, &vs->peer_addr, vs->peer_port);
	else
		err = -ENOTCONN;
	release_sock(sk);
	return err;
}

static int vcoyo_dgram_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int amount;

	switch (cmd) {
	case SIOCOUTQ:
		amount = sk_wmem_alloc_get(sk);
		break;
	case SIOCINQ:
		/* As UDP: the payload size of the next datagram. */
		amount = 0;
		spin_lock_bh(&sk->sk_receive_queue.lock);
		skb = skb_peek(&sk->sk_receive_queue);
		if (skb)
			amount = skb->len - sizeof(struct vcoyo_dgram_meta);
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(amount, (int __user *)arg);
}

static int vcoyo_dgram_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err;

	how++;	/* SHUT_RD, SHUT_WR, SHUT_RDWR to their *_SHUTDOWN masks */
	if (!how || (how & ~SHUTDOWN_MASK))
		return -EINVAL;

	lock_sock(sk);
	/* As UDP: ENOTCONN when unconnected, yet the shutdown takes effect. */
	err = sk->sk_state == TCP_ESTABLISHED ? 0 : -ENOTCONN;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

static int vcoyo_dgram_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	vcoyo_port_unbind(vcoyo_pernet(sock_net(sk)), vcoyo_sk(sk));
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sock_orphan(sk);
	release_sock(sk);

	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/* A lookup may have queued a datagram after release: purge at the very end. */
static void vcoyo_dgram_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
}

int vcoyo_dgram_create(struct net *net, struct socket *sock, int kern)
{
	struct sock *sk;

	sk = sk_alloc(net, vcoyo_family, GFP_KERNEL, &vcoyo_dgram_proto, kern);
	if (!sk)
		return -ENOMEM;

	sock->ops = &vcoyo_dgram_ops;
	sock_init_data(sock, sk);
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_destruct = vcoyo_dgram_destruct;
	sk->sk_state = TCP_CLOSE;
	return 0;
}

/*
 * .family only matters to the core for PF_UNIX checks; the number this module
 * registered lives in vcoyo_family.
 */
static const struct proto_ops vcoyo_dgram_ops = {
	.family = VCOYO_AF_DEFAULT,
	.owner = THIS_MODULE,
	.release = vcoyo_dgram_release,
	.bind = vcoyo_dgram_bind,
	.connect = vcoyo_dgram_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = vcoyo_dgram_getname,
	.poll = datagram_poll,
	.ioctl = vcoyo_dgram_ioctl,
	.listen = sock_no_listen,
	.shutdown = vcoyo_dgram_shutdown,
	.sendmsg = vcoyo_dgram_sendmsg,
	.recvmsg = vcoyo_dgram_recvmsg,
	.mmap = sock_no_mmap,
};

int vcoyo_dgram_init(void)
{
	return proto_register(&vcoyo_dgram_proto, 1);
}

void vcoyo_dgram_exit(void)
{
	proto_unregister(&vcoyo_dgram_proto);
}
