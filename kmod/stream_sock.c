// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_STREAM of AF_VCOYO: reliable, ordered, flow- and congestion-
 * controlled byte streams between 512-bit endpoints, with the socket calls
 * and the errors of TCP (Documentation/stream.rst has the table).  This file
 * is the socket side: connect, listen and accept, send and receive, poll,
 * shutdown and close, options, and the life of a connection's socket; the
 * protocol is in stream_in.c, stream_out.c, stream_ack.c and stream_timer.c.
 *
 * A connection's socket lives as long as the connection: an orphan, closed
 * by its process, stays hashed until its FIN is acknowledged and its
 * TIME_WAIT is over, or until it is reset or times out.  Every socket holds
 * a reference on the module, so rmmod is refused while any connection is
 * left, and one on its namespace, which outlives them all.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/sock.h>
#include <net/tcp.h>
#include "stream.h"

static const struct proto_ops vcoyo_stream_ops;
static struct proto vcoyo_stream_proto;

void vcoyo_stream_set_state(struct sock *sk, int state)
{
	WRITE_ONCE(sk->sk_state, state);
}

/* sk_stream_write_space(), which the core does not export: wake writers. */
static void vcoyo_stream_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !__sk_stream_is_writeable(sk, 1))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* A fresh socket's protocol state; the rest is sock_init_data()'s. */
static void vcoyo_stream_init_sock(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	sock_set_flag(sk, SOCK_RCU_FREE);
	/* Written segments are freed by ACKs, not by the transmit. */
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	sk->sk_write_space = vcoyo_stream_write_space;
	/* sock_init_data() leaves it to the protocol, as inet does. */
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_state = TCP_CLOSE;
	spin_lock_init(&ss->accept_lock);
	INIT_LIST_HEAD(&ss->accept_queue);
	INIT_LIST_HEAD(&ss->accept_node);
	skb_queue_head_init(&ss->ooo);
	ss->mss = VCOYO_STREAM_MSS;
	ss->cwnd = VCOYO_STREAM_INIT_CWND;
	ss->ssthresh = U32_MAX;
	ss->rto_ms = VCOYO_STREAM_RTO_INIT_MS;
	ss->keepidle_s = VCOYO_STREAM_KEEPIDLE_S;
	ss->keepintvl_s = VCOYO_STREAM_KEEPINTVL_S;
	ss->keepcnt = VCOYO_STREAM_KEEPCNT;
	vcoyo_stream_init_timers(sk);
}

/* Sequence numbers of a new connection: an unpredictable start, as RFC 6528 wants. */
static void vcoyo_stream_init_seq(struct vcoyo_stream_sock *ss)
{
	ss->iss = get_random_u32();
	ss->snd_una = ss->iss;
	ss->snd_nxt = ss->iss;
	ss->write_seq = ss->iss;
	ss->recover = ss->iss;
}

static void vcoyo_stream_destruct(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&ss->ooo);
	__skb_queue_purge(&sk->sk_write_queue);
	WARN_ON_ONCE(ss->hashed);
}

int vcoyo_stream_create(struct net *net, struct socket *sock, int kern)
{
	struct sock *sk;

	sk = sk_alloc(net, vcoyo_family, GFP_KERNEL, &vcoyo_stream_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &vcoyo_stream_ops;
	sock_init_data(sock, sk);
	sk->sk_destruct = vcoyo_stream_destruct;
	vcoyo_stream_init_sock(sk);
	return 0;
}

/* ---- The end of a connection ---- */

/* A child leaves its listener's queue; the queue's reference is the caller's now. */
static bool vcoyo_stream_unqueue(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sock *parent;
	bool unqueued = false;

	rcu_read_lock();
	parent = READ_ONCE(ss->parent);
	if (parent) {
		struct vcoyo_stream_sock *ps = vcoyo_ss(parent);

		spin_lock_bh(&ps->accept_lock);
		if (ss->parent == parent) {
			list_del_init(&ss->accept_node);
			ps->accept_len--;
			WRITE_ONCE(ss->parent, NULL);
			unqueued = true;
		}
		spin_unlock_bh(&ps->accept_lock);
	}
	rcu_read_unlock();
	if (unqueued)
		sock_put(parent);
	return unqueued;
}

/*
 * Under the socket's lock, with a reference: the connection is over.  Its
 * socket leaves the tables and stops its timers; an orphan's queues go, a
 * process is woken to see the end.
 */
void vcoyo_stream_done(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));

	vcoyo_stream_set_state(sk, TCP_CLOSE);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sock_set_flag(sk, SOCK_DONE);
	vcoyo_stream_stop_timers(sk);
	vcoyo_stream_unhash(vn, ss);
	vcoyo_stream_port_unbind(vn, ss);
	__skb_queue_purge(&sk->sk_write_queue);
	sk_wmem_queued_add(sk, -sk->sk_wmem_queued);
	ss->send_head = NULL;
	ss->packets_out = 0;
	ss->sacked_out = 0;
	ss->lost_out = 0;
	ss->retrans_out = 0;
	skb_queue_purge(&ss->ooo);
	/* A child nobody accepted is an orphan: its listener lets it go. */
	if (vcoyo_stream_unqueue(sk))
		sock_put(sk);
	if (sock_flag(sk, SOCK_DEAD) || !sk->sk_socket)
		skb_queue_purge(&sk->sk_receive_queue);
	else
		sk->sk_state_change(sk);
}

/* The connection ends with @err for its process (0: none). */
void vcoyo_stream_reset(struct sock *sk, int err)
{
	if (err && !sock_flag(sk, SOCK_DEAD)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	vcoyo_stream_done(sk);
}

/* ---- Children of a listener ---- */

/*
 * Softirq, under the listener's lock: a socket for a connection request from
 * @remote's port @rport, in SYN_RECV, with a reference for the caller, who
 * sets it up under its lock and adds it (vcoyo_stream_child_add()).  NULL if
 * the backlog is full or memory short.
 */
struct sock *vcoyo_stream_child(struct sock *listener, const struct vcoyo_addr *remote,
				u16 rport)
{
	struct vcoyo_stream_sock *ls = vcoyo_ss(listener), *cs;
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(listener));
	struct sock *sk;

	/* As TCP's accept queue, one more than the backlog says. */
	if (READ_ONCE(ls->accept_len) > READ_ONCE(listener->sk_max_ack_backlog)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_BACKLOG_FULL);
		return NULL;
	}
	sk = sk_alloc(sock_net(listener), vcoyo_family, GFP_ATOMIC, &vcoyo_stream_proto, 0);
	if (!sk)
		return NULL;
	sock_init_data(NULL, sk);
	sk->sk_type = SOCK_STREAM;
	sk->sk_destruct = vcoyo_stream_destruct;
	vcoyo_stream_init_sock(sk);
	cs = vcoyo_ss(sk);
	/* What the listener was set up with, the child has too. */
	sk->sk_sndbuf = READ_ONCE(listener->sk_sndbuf);
	sk->sk_rcvbuf = READ_ONCE(listener->sk_rcvbuf);
	sk->sk_userlocks = listener->sk_userlocks;
	sk->sk_lingertime = listener->sk_lingertime;
	sk->sk_mark = listener->sk_mark;
	sk->sk_priority = listener->sk_priority;
	sock_valbool_flag(sk, SOCK_KEEPOPEN, sock_flag(listener, SOCK_KEEPOPEN));
	sock_valbool_flag(sk, SOCK_LINGER, sock_flag(listener, SOCK_LINGER));
	cs->nodelay = ls->nodelay;
	cs->keepidle_s = ls->keepidle_s;
	cs->keepintvl_s = ls->keepintvl_s;
	cs->keepcnt = ls->keepcnt;
	cs->user_timeout_ms = ls->user_timeout_ms;

	vcoyo_local_addr(vn, &cs->vs.bound_addr);
	cs->vs.port = ls->vs.port;
	cs->vs.peer_addr = *remote;
	cs->vs.peer_port = rport;
	cs->key.remote = *remote;
	cs->key.lport = ls->vs.port;
	cs->key.rport = rport;
	vcoyo_stream_init_seq(cs);
	sk->sk_state = TCP_SYN_RECV;
	return sk;
}

/*
 * Under the child's lock and the listener's: the child is found from now
 * on, by its segments and by accept().  -EADDRINUSE if its connection is
 * there already; the caller then frees it.
 */
int vcoyo_stream_child_add(struct sock *listener, struct sock *sk)
{
	struct vcoyo_stream_sock *ls = vcoyo_ss(listener), *cs = vcoyo_ss(sk);
	int err;

	err = vcoyo_stream_hash(vcoyo_pernet(sock_net(sk)), cs);
	if (err)
		return err;
	sock_hold(sk);			/* the accept queue's */
	sock_hold(listener);		/* the child's, until accepted */
	spin_lock_bh(&ls->accept_lock);
	list_add_tail(&cs->accept_node, &ls->accept_queue);
	ls->accept_len++;
	WRITE_ONCE(cs->parent, listener);
	spin_unlock_bh(&ls->accept_lock);
	return 0;
}

/* A child is established: its listener has something to accept. */
void vcoyo_stream_child_ready(struct sock *sk)
{
	struct sock *parent;

	rcu_read_lock();
	parent = READ_ONCE(vcoyo_ss(sk)->parent);
	if (parent)
		parent->sk_data_ready(parent);
	rcu_read_unlock();
}

static bool vcoyo_stream_acceptable_child(const struct vcoyo_stream_sock *cs)
{
	return READ_ONCE(cs->vs.sk.sk_state) != TCP_SYN_RECV;
}

static bool vcoyo_stream_has_child(struct vcoyo_stream_sock *ls)
{
	struct vcoyo_stream_sock *cs;
	bool found = false;

	spin_lock_bh(&ls->accept_lock);
	list_for_each_entry(cs, &ls->accept_queue, accept_node) {
		if (vcoyo_stream_acceptable_child(cs)) {
			found = true;
			break;
		}
	}
	spin_unlock_bh(&ls->accept_lock);
	return found;
}

/* The oldest established child, out of the queue, with the queue's reference. */
static struct sock *vcoyo_stream_dequeue(struct sock *listener)
{
	struct vcoyo_stream_sock *ls = vcoyo_ss(listener), *cs, *found = NULL;

	spin_lock_bh(&ls->accept_lock);
	list_for_each_entry(cs, &ls->accept_queue, accept_node) {
		if (vcoyo_stream_acceptable_child(cs)) {
			found = cs;
			list_del_init(&cs->accept_node);
			ls->accept_len--;
			WRITE_ONCE(cs->parent, NULL);
			break;
		}
	}
	spin_unlock_bh(&ls->accept_lock);
	if (!found)
		return NULL;
	__sock_put(listener);		/* the child's */
	return &found->vs.sk;
}

/* A listener closes: every child in its queue is reset. */
static void vcoyo_stream_close_listener(struct sock *sk)
{
	struct vcoyo_stream_sock *ls = vcoyo_ss(sk), *cs, *tmp;
	LIST_HEAD(children);
	int n = 0;

	vcoyo_stream_set_state(sk, TCP_CLOSE);
	vcoyo_stream_port_unbind(vcoyo_pernet(sock_net(sk)), ls);
	spin_lock_bh(&ls->accept_lock);
	list_splice_init(&ls->accept_queue, &children);
	list_for_each_entry(cs, &children, accept_node) {
		WRITE_ONCE(cs->parent, NULL);
		n++;
	}
	ls->accept_len = 0;
	spin_unlock_bh(&ls->accept_lock);

	list_for_each_entry_safe(cs, tmp, &children, accept_node) {
		struct sock *child = &cs->vs.sk;

		list_del_init(&cs->accept_node);
		local_bh_disable();
		bh_lock_sock_nested(child);
		if (child->sk_state != TCP_CLOSE) {
			vcoyo_stream_send_rst(child);
			vcoyo_stream_done(child);
		}
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(child);	/* the queue's */
	}
	/* The children's references on the listener. */
	while (n--)
		__sock_put(sk);
}

/* ---- Socket calls ---- */

static int vcoyo_stream_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	const struct sockaddr_vcoyo *sa = (const struct sockaddr_vcoyo *)uaddr;
	struct sock *sk = sock->sk;
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	u16 port;
	int err;

	err = vcoyo_bind_check(sk, uaddr, len, &port);
	if (err)
		return err;

	lock_sock(sk);
	err = -EINVAL;
	if (ss->vs.port || sk->sk_state != TCP_CLOSE)
		goto out;
	err = vcoyo_stream_port_bind(vn, ss, port);
	if (!err)
		ss->vs.bound_addr = sa->svc_addr;
out:
	release_sock(sk);
	return err;
}

/* Under the socket's lock: send the SYN to @sa, from our port or a new one. */
static int vcoyo_stream_start(struct sock *sk, const struct sockaddr_vcoyo *sa)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	struct vcoyo_addr local;
	int err;

	if (!sa->svc_port)
		return -ECONNREFUSED;	/* as TCP to port 0: nobody listens there */
	vcoyo_local_addr(vn, &local);
	if (!ss->vs.port) {
		err = vcoyo_stream_port_bind(vn, ss, 0);
		if (err)
			return err;
		ss->vs.autobound = true;
	}
	ss->vs.bound_addr = local;
	ss->vs.peer_addr = vcoyo_addr_is_any(&sa->svc_addr) ? local : sa->svc_addr;
	ss->vs.peer_port = ntohs(sa->svc_port);
	ss->key.remote = ss->vs.peer_addr;
	ss->key.lport = ss->vs.port;
	ss->key.rport = ss->vs.peer_port;
	err = vcoyo_stream_hash(vn, ss);
	if (err)
		return err;
	vcoyo_stream_init_seq(ss);
	vcoyo_stream_set_state(sk, TCP_SYN_SENT);
	vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_ACTIVE_OPENS);
	vcoyo_stream_send_syn(sk);
	return 0;
}

/* Waits, the lock released meanwhile, until the connection is made or fails. */
static int vcoyo_stream_wait_connect(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		if (!*timeo) {
			err = -EINPROGRESS;
			break;
		}
		sk_wait_event(sk, timeo, !((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)),
			      &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* connect(AF_UNSPEC), as TCP: the connection is aborted, the socket reusable. */
static int vcoyo_stream_disconnect(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	if (sk->sk_state == TCP_LISTEN) {
		vcoyo_stream_close_listener(sk);
	} else if (sk->sk_state != TCP_CLOSE) {
		if (sk->sk_state != TCP_SYN_SENT)
			vcoyo_stream_send_rst(sk);
		vcoyo_stream_done(sk);
	}
	skb_queue_purge(&sk->sk_receive_queue);
	vcoyo_stream_port_unbind(vcoyo_pernet(sock_net(sk)), ss);
	ss->vs.port = 0;
	ss->fin_queued = false;
	ss->cwnd = VCOYO_STREAM_INIT_CWND;
	ss->ssthresh = U32_MAX;
	ss->srtt_us = 0;
	ss->rto_ms = VCOYO_STREAM_RTO_INIT_MS;
	ss->backoff = 0;
	ss->soft_err = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	WRITE_ONCE(sk->sk_err, 0);
	return 0;
}

static int vcoyo_stream_connect(struct socket *sock, struct sockaddr *uaddr, int len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	lock_sock(sk);
	if (uaddr->sa_family == AF_UNSPEC) {
		err = vcoyo_stream_disconnect(sk);
		sock->state = SS_UNCONNECTED;
		goto out;
	}
	err = vcoyo_sockaddr_check(uaddr, len);
	if (err)
		goto out;

	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) ? -EALREADY : 0;
		break;
	default:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		err = vcoyo_stream_start(sk, (const struct sockaddr_vcoyo *)uaddr);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!timeo)
			goto out;	/* EINPROGRESS, or EALREADY */
		err = vcoyo_stream_wait_connect(sk, &timeo);
		if (err)
			goto out;
	}
	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ?: -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		vcoyo_stream_disconnect(sk);
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

static int vcoyo_stream_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED ||
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;
	if (sk->sk_state == TCP_CLOSE) {
		/* As TCP: listen() without bind() takes a port of its own. */
		if (!ss->vs.port) {
			err = vcoyo_stream_port_bind(vcoyo_pernet(sock_net(sk)), ss, 0);
			if (err)
				goto out;
			vcoyo_local_addr(vcoyo_pernet(sock_net(sk)), &ss->vs.bound_addr);
		}
		vcoyo_stream_set_state(sk, TCP_LISTEN);
	}
	WRITE_ONCE(sk->sk_max_ack_backlog, max(backlog, 0));
	err = 0;
out:
	release_sock(sk);
	return err;
}

static int vcoyo_stream_do_accept(struct socket *sock, struct socket *newsock, int flags)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = sock->sk, *child = NULL;
	long timeo;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		child = vcoyo_stream_dequeue(sk);
		if (child)
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		sk_wait_event(sk, &timeo, vcoyo_stream_has_child(vcoyo_ss(sk)) ||
			      sk->sk_state != TCP_LISTEN, &wait);
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
out:
	release_sock(sk);
	if (!child)
		return err;
	lock_sock(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	/* The queue's reference is the new socket's now. */
	return 0;
}

/* 6.10 gathered accept()'s arguments in a struct (Kbuild tests for it). */
#ifdef VCOYO_HAVE_ACCEPT_ARG
static int vcoyo_stream_accept(struct socket *sock, struct socket *newsock,
			       struct proto_accept_arg *arg)
{
	return vcoyo_stream_do_accept(sock, newsock, arg->flags);
}
#else
static int vcoyo_stream_accept(struct socket *sock, struct socket *newsock, int flags, bool kern)
{
	return vcoyo_stream_do_accept(sock, newsock, flags);
}
#endif

/* sendmsg(): as TCP, bytes go into segments of one MSS, and out as the windows allow. */
static int vcoyo_stream_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	int flags = msg->msg_flags;
	size_t copied = 0;
	long timeo;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto error;
	}
	while (msg_data_left(msg)) {
		struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
		struct vcoyo_stream_cb *cb;
		size_t copy;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto error;
		/* An unsent segment with room takes more; anything else is a new one. */
		if (!tail || !ss->send_head || tail->len >= ss->mss ||
		    VCOYO_STREAM_CB(tail)->flags) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_memory;
			tail = alloc_skb(ss->mss, sk->sk_allocation);
			if (!tail)
				goto wait_for_memory;
			cb = VCOYO_STREAM_CB(tail);
			memset(cb, 0, sizeof(*cb));
			cb->seq = ss->write_seq;
			cb->end_seq = ss->write_seq;
			__skb_queue_tail(&sk->sk_write_queue, tail);
			sk_wmem_queued_add(sk, tail->truesize);
			if (!ss->send_head)
				ss->send_head = tail;
		}
		cb = VCOYO_STREAM_CB(tail);
		copy = min_t(size_t, ss->mss - tail->len, msg_data_left(msg));
		err = memcpy_from_msg(skb_put(tail, copy), msg, copy);
		if (err) {
			skb_trim(tail, tail->len - copy);
			goto error;
		}
		cb->end_seq += copy;
		ss->write_seq += copy;
		copied += copy;
		if (tail->len >= ss->mss)
			vcoyo_stream_push(sk);
		continue;

wait_for_memory:
		vcoyo_stream_push(sk);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto error;
	}
	vcoyo_stream_push(sk);
	release_sock(sk);
	return copied;

error:
	vcoyo_stream_push(sk);
	if (copied) {
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/* After a read: tell the peer if its window opened by two segments or more. */
void vcoyo_stream_window_update(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 edge = ss->rcv_nxt + vcoyo_stream_rcv_window(sk);

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	if (vcoyo_seq_after(edge, ss->rcv_adv) && edge - ss->rcv_adv >= 2 * ss->mss)
		vcoyo_stream_send_ack(sk);
}

/* Copies what the queue holds, in order; @skip bytes of it were peeked before. */
static int vcoyo_stream_copy(struct sock *sk, struct msghdr *msg, size_t len, size_t skip,
			     int flags)
{
	struct sk_buff *skb, *tmp;
	size_t copied = 0;
	int err;

	skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
		struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(skb);
		size_t off = cb->off, avail = skb->len - off, chunk;

		if (skip >= avail) {
			skip -= avail;
			continue;
		}
		off += skip;
		avail -= skip;
		skip = 0;
		chunk = min(avail, len - copied);
		err = skb_copy_datagram_msg(skb, off, msg, chunk);
		if (err)
			return copied ? copied : err;
		copied += chunk;
		if (!(flags & MSG_PEEK)) {
			cb->off += chunk;
			if (cb->off == skb->len) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				kfree_skb(skb);
			}
		}
		if (copied == len)
			break;
	}
	return copied;
}

static int vcoyo_stream_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	struct sock *sk = sock->sk;
	size_t copied = 0;
	long timeo;
	int target, ret;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		release_sock(sk);
		return -ENOTCONN;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	for (;;) {
		ret = vcoyo_stream_copy(sk, msg, len - copied, flags & MSG_PEEK ? copied : 0,
					flags);
		if (ret < 0) {
			if (!copied)
				copied = ret;
			break;
		}
		copied += ret;
		if (ret && !(flags & MSG_PEEK))
			vcoyo_stream_window_update(sk);
		if (copied >= target || copied == len)
			break;
		if (copied && (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			       (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			       signal_pending(current)))
			break;
		if (sk->sk_err) {
			copied = sock_error(sk);
			break;
		}
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			break;
		if (sk->sk_state == TCP_CLOSE) {
			/* Never connected: ENOTCONN; a connection that ended: 0. */
			if (!sock_flag(sk, SOCK_DONE))
				copied = -ENOTCONN;
			break;
		}
		if (!timeo) {
			copied = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			copied = sock_intr_errno(timeo);
			break;
		}
		sk_wait_data(sk, &timeo, skb_peek_tail(&sk->sk_receive_queue));
	}
	release_sock(sk);
	return copied;
}

static __poll_t vcoyo_stream_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);
	state = READ_ONCE(sk->sk_state);
	if (state == TCP_LISTEN)
		return vcoyo_stream_has_child(vcoyo_ss(sk)) ? EPOLLIN | EPOLLRDNORM : 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (__sk_stream_is_writeable(sk, 1)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				set_bit(SOCK_NOSPACE, &sock->flags);
				/* Space may have come meanwhile: look again. */
				smp_mb__after_atomic();
				if (__sk_stream_is_writeable(sk, 1))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	/* Pairs with the error's WRITE_ONCE: seen by the time the state is. */
	smp_rmb();
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	return mask;
}

static int vcoyo_stream_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_vcoyo *sa = (struct sockaddr_vcoyo *)uaddr;
	struct sock *sk = sock->sk;
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	int err = sizeof(*sa);

	lock_sock(sk);
	if (!peer)
		vcoyo_fill_sockaddr(sa, &ss->vs.bound_addr, ss->vs.port);
	else if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))
		err = -ENOTCONN;
	else
		vcoyo_fill_sockaddr(sa, &ss->vs.peer_addr, ss->vs.peer_port);
	release_sock(sk);
	return err;
}

static int vcoyo_stream_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *skb;
	int amount = 0;

	lock_sock(sk);
	switch (cmd) {
	case SIOCINQ:
		skb_queue_walk(&sk->sk_receive_queue, skb)
			amount += skb->len - VCOYO_STREAM_CB(skb)->off;
		break;
	case SIOCOUTQ:
		amount = sk->sk_state == TCP_LISTEN ? 0 : ss->write_seq - ss->snd_una;
		break;
	case SIOCOUTQNSD:
		amount = sk->sk_state == TCP_LISTEN ? 0 : ss->write_seq - ss->snd_nxt;
		break;
	default:
		release_sock(sk);
		return -ENOIOCTLCMD;
	}
	release_sock(sk);
	return put_user(amount, (int __user *)arg);
}

static int vcoyo_stream_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;	/* SHUT_RD, SHUT_WR, SHUT_RDWR to their *_SHUTDOWN masks */
	if (!how || (how & ~SHUTDOWN_MASK))
		return -EINVAL;
	lock_sock(sk);
	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case TCP_LISTEN:
		if (how & RCV_SHUTDOWN)
			vcoyo_stream_close_listener(sk);
		break;
	case TCP_SYN_SENT:
		vcoyo_stream_done(sk);
		sock->state = SS_UNCONNECTED;
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (how & SEND_SHUTDOWN) {
			if (sk->sk_state == TCP_ESTABLISHED || sk->sk_state == TCP_SYN_RECV) {
				vcoyo_stream_set_state(sk, TCP_FIN_WAIT1);
				vcoyo_stream_send_fin(sk);
			} else if (sk->sk_state == TCP_CLOSE_WAIT) {
				vcoyo_stream_set_state(sk, TCP_LAST_ACK);
				vcoyo_stream_send_fin(sk);
			}
		}
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/*
 * close(): unread data, or SO_LINGER with no time, resets the connection;
 * otherwise the FIN goes after the data, and the orphan finishes the close.
 * SO_LINGER with a time waits for the FIN's acknowledgment that long.
 */
static int vcoyo_stream_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	size_t unread = 0;
	struct sk_buff *skb;

	if (!sk)
		return 0;
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state == TCP_LISTEN) {
		vcoyo_stream_close_listener(sk);
	} else {
		while ((skb = __skb_dequeue(&sk->sk_receive_queue))) {
			unread += skb->len - VCOYO_STREAM_CB(skb)->off;
			kfree_skb(skb);
		}
		if (sk->sk_state == TCP_SYN_SENT) {
			vcoyo_stream_done(sk);
		} else if (sk->sk_state == TCP_CLOSE) {
			/* Nothing to close: the tables let it go below. */
		} else if (unread || (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)) {
			vcoyo_stream_send_rst(sk);
			vcoyo_stream_done(sk);
		} else if (sk->sk_state == TCP_ESTABLISHED || sk->sk_state == TCP_SYN_RECV) {
			vcoyo_stream_set_state(sk, TCP_FIN_WAIT1);
			vcoyo_stream_send_fin(sk);
		} else if (sk->sk_state == TCP_CLOSE_WAIT) {
			vcoyo_stream_set_state(sk, TCP_LAST_ACK);
			vcoyo_stream_send_fin(sk);
		}
		if (sock_flag(sk, SOCK_LINGER) && sk->sk_lingertime)
			sk_stream_wait_close(sk, sk->sk_lingertime);
	}
	sock_orphan(sk);
	if (sk->sk_state == TCP_FIN_WAIT2)
		vcoyo_stream_timewait(sk, VCOYO_STREAM_FIN_TIMEOUT_MS);
	else if (sk->sk_state == TCP_CLOSE)
		vcoyo_stream_done(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/* ---- Options: SOL_SOCKET is the core's; SOL_TCP has TCP's names. ---- */

static void vcoyo_stream_keepalive(struct sock *sk, int on)
{
	sock_valbool_flag(sk, SOCK_KEEPOPEN, on);
	vcoyo_stream_keepalive_reset(sk);
}

static int vcoyo_stream_setsockopt(struct socket *sock, int level, int optname,
				   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	int val, err = 0;

	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	switch (optname) {
	case TCP_NODELAY:
		ss->nodelay = !!val;
		break;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE) {
			err = -EINVAL;
			break;
		}
		ss->keepidle_s = val;
		vcoyo_stream_keepalive_reset(sk);
		break;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			err = -EINVAL;
		else
			ss->keepintvl_s = val;
		break;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			err = -EINVAL;
		else
			ss->keepcnt = val;
		break;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			err = -EINVAL;
		else
			ss->user_timeout_ms = val;
		break;
	case TCP_MAXSEG:
		/* As TCP: only lowered, and not below a useful size. */
		if (val < 88 || val > MAX_TCP_WINDOW)
			err = -EINVAL;
		else
			ss->mss = min_t(u32, val, VCOYO_STREAM_MSS);
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

static int vcoyo_stream_getsockopt(struct socket *sock, int level, int optname,
				   char __user *optval, int __user *optlen)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sock->sk);
	int len, val;

	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	switch (optname) {
	case TCP_NODELAY:
		val = ss->nodelay;
		break;
	case TCP_KEEPIDLE:
		val = ss->keepidle_s;
		break;
	case TCP_KEEPINTVL:
		val = ss->keepintvl_s;
		break;
	case TCP_KEEPCNT:
		val = ss->keepcnt;
		break;
	case TCP_USER_TIMEOUT:
		val = ss->user_timeout_ms;
		break;
	case TCP_MAXSEG:
		val = ss->mss;
		break;
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(int, len, sizeof(val));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

/* Bottom halves off, as on the receive path: the backlog is handled the same way. */
static int vcoyo_stream_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	local_bh_disable();
	vcoyo_stream_do_rcv(sk, skb);
	local_bh_enable();
	return 0;
}

static struct proto vcoyo_stream_proto = {
	.name = "VCOYO_STREAM",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct vcoyo_stream_sock),
	.keepalive = vcoyo_stream_keepalive,
	.backlog_rcv = vcoyo_stream_backlog_rcv,
	.release_cb = vcoyo_stream_release_cb,
};

static const struct proto_ops vcoyo_stream_ops = {
	.family = VCOYO_AF_DEFAULT,
	.owner = THIS_MODULE,
	.release = vcoyo_stream_release,
	.bind = vcoyo_stream_bind,
	.connect = vcoyo_stream_connect,
	.socketpair = sock_no_socketpair,
	.accept = vcoyo_stream_accept,
	.getname = vcoyo_stream_getname,
	.poll = vcoyo_stream_poll,
	.ioctl = vcoyo_stream_ioctl,
	.listen = vcoyo_stream_listen,
	.shutdown = vcoyo_stream_shutdown,
	.setsockopt = vcoyo_stream_setsockopt,
	.getsockopt = vcoyo_stream_getsockopt,
	.sendmsg = vcoyo_stream_sendmsg,
	.recvmsg = vcoyo_stream_recvmsg,
	.mmap = sock_no_mmap,
};

int vcoyo_stream_init(void)
{
	return proto_register(&vcoyo_stream_proto, 1);
}

void vcoyo_stream_exit(void)
{
	proto_unregister(&vcoyo_stream_proto);
}
