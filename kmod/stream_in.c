// SPDX-License-Identifier: GPL-2.0
/*
 * A stream segment arrives: from a tunnel, in the UDP receive path
 * (switch.c), or from this node itself (stream_out.c).  It is checked, its
 * connection looked up (or the listener on its port), and handled under the
 * socket's lock, or left on its backlog for the process that holds it.
 *
 * The handling is TCP's (RFC 793, 5681, 6675), state by state: a listener
 * makes a child for a SYN and answers with a SYN-ACK; a connecting socket
 * is established by the SYN-ACK, refused by a reset; a synchronised one
 * checks the segment against its receive window, takes resets, learns from
 * the ACK, queues the data in order (or holds it until the gap before it is
 * filled), takes the FIN, and acknowledges: at once when something is out
 * of order, a FIN came, or two segments wait; otherwise within 40 ms.
 */
#include "stream.h"

/* The peer's address goes in front of the header, for the listener's child. */
struct vcoyo_stream_meta {
	struct vcoyo_addr remote;
};

/* What the handlers need of a segment: its header, once copied out. */
struct vcoyo_stream_seg {
	struct vcoyo_stream h;
	struct vcoyo_stream_sack sack[VCOYO_STREAM_SACK_MAX];
	u32 seq, end_seq, len;
	u8 flags;
};

/* Drop, and tell the peer how things stand here. */
static void vcoyo_stream_drop_ack(struct sock *sk, struct sk_buff *skb)
{
	vcoyo_stream_send_ack(sk);
	kfree_skb(skb);
}

/* ---- LISTEN ---- */

static void vcoyo_stream_rcv_listen(struct sock *sk, const struct vcoyo_addr *remote,
				    const struct vcoyo_stream_seg *seg, struct sk_buff *skb)
{
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	struct vcoyo_stream_sock *cs;
	struct sock *child;

	if (seg->flags & VCOYO_STREAM_RST)
		goto drop;
	if ((seg->flags & VCOYO_STREAM_ACK) || !(seg->flags & VCOYO_STREAM_SYN)) {
		vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_NO_SOCKET);
		vcoyo_stream_reply_rst(vn, remote, &seg->h, seg->len);
		goto drop;
	}
	child = vcoyo_stream_child(sk, remote, ntohs(seg->h.data.sport));
	if (!child)
		goto drop;
	cs = vcoyo_ss(child);
	bh_lock_sock_nested(child);
	cs->irs = seg->seq;
	cs->rcv_nxt = seg->seq + 1;
	cs->rcv_adv = cs->rcv_nxt;
	cs->ts_recent = ntohl(seg->h.tsval);
	cs->snd_wnd = ntohl(seg->h.window);
	cs->snd_wl1 = seg->seq;
	cs->last_rcv = jiffies;
	if (vcoyo_stream_child_add(sk, child)) {
		/* A twin of a connection that exists: not a new one. */
		bh_unlock_sock(child);
		sk_free(child);
		goto drop;
	}
	vcoyo_stream_send_syn(child);
	bh_unlock_sock(child);
	sock_put(child);
	vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_PASSIVE_OPENS);
drop:
	kfree_skb(skb);
}

/* ---- SYN_SENT ---- */

static void vcoyo_stream_established(struct sock *sk)
{
	vcoyo_stream_set_state(sk, TCP_ESTABLISHED);
	vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_ESTABLISHED);
	vcoyo_stream_keepalive_reset(sk);
}

static void vcoyo_stream_rcv_syn_sent(struct sock *sk, const struct vcoyo_addr *remote,
				      const struct vcoyo_stream_seg *seg, struct sk_buff *skb)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));

	if ((seg->flags & VCOYO_STREAM_ACK) && ntohl(seg->h.ack) != ss->snd_nxt) {
		vcoyo_stream_reply_rst(vn, remote, &seg->h, seg->len);
		goto drop;
	}
	if (seg->flags & VCOYO_STREAM_RST) {
		if (seg->flags & VCOYO_STREAM_ACK) {
			vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_RESETS_RECEIVED);
			vcoyo_stream_reset(sk, ECONNREFUSED);
		}
		goto drop;
	}
	if (!(seg->flags & VCOYO_STREAM_SYN))
		goto drop;
	ss->irs = seg->seq;
	ss->rcv_nxt = seg->seq + 1;
	ss->rcv_adv = ss->rcv_nxt;
	ss->ts_recent = ntohl(seg->h.tsval);
	ss->snd_wl1 = seg->seq - 1;	/* so that this segment's window is taken */
	ss->last_rcv = jiffies;
	if (!(seg->flags & VCOYO_STREAM_ACK)) {
		/* Both ends opened at once: answer with our SYN, now an ACK too. */
		vcoyo_stream_set_state(sk, TCP_SYN_RECV);
		vcoyo_stream_retransmit_head(sk);
		goto drop;
	}
	vcoyo_stream_established(sk);
	vcoyo_stream_ack_rcvd(sk, &seg->h, seg->sack, 0);
	vcoyo_stream_send_ack(sk);
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
drop:
	kfree_skb(skb);
}

/* ---- Synchronised states ---- */

/* RFC 793's acceptability test, against the window this end advertised. */
static bool vcoyo_stream_acceptable(const struct vcoyo_stream_sock *ss,
				    const struct vcoyo_stream_seg *seg)
{
	u32 wnd = vcoyo_seq_after(ss->rcv_adv, ss->rcv_nxt) ? ss->rcv_adv - ss->rcv_nxt : 0;

	if (seg->end_seq == seg->seq)
		return !vcoyo_seq_before(seg->seq, ss->rcv_nxt) &&
		       !vcoyo_seq_after(seg->seq, ss->rcv_nxt + wnd);
	return vcoyo_seq_after(seg->end_seq, ss->rcv_nxt) &&
	       vcoyo_seq_before(seg->seq, ss->rcv_nxt + max(wnd, 1U));
}

/* The peer's FIN is in order: no more data comes. */
static void vcoyo_stream_fin(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	ss->ack_now = true;
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		vcoyo_stream_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		/* Our FIN is not acknowledged yet: both are closing. */
		vcoyo_stream_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		vcoyo_stream_set_state(sk, TCP_TIME_WAIT);
		vcoyo_stream_timewait(sk, VCOYO_STREAM_TIMEWAIT_MS);
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
	}
}

/* Queues @skb, the payload at @seq, in order; consumes @skb. */
static void vcoyo_stream_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(skb);
	bool fin = cb->flags & VCOYO_STREAM_FIN;

	cb->off = ss->rcv_nxt - cb->seq;	/* what came before, twice */
	ss->rcv_nxt = cb->end_seq;
	if (cb->off < skb->len)
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	else
		kfree_skb(skb);
	if (fin)
		vcoyo_stream_fin(sk);
}

/* Holds a segment beyond a gap, in sequence order; consumes @skb. */
static void vcoyo_stream_queue_ooo(struct sock *sk, struct sk_buff *skb)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(skb);
	struct sk_buff *at;

	vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_OUT_OF_ORDER);
	ss->ack_now = true;
	skb_queue_reverse_walk(&ss->ooo, at) {
		const struct vcoyo_stream_cb *acb = VCOYO_STREAM_CB(at);

		if (!vcoyo_seq_before(cb->seq, acb->seq)) {
			/* Held already: a duplicate. */
			if (!vcoyo_seq_after(cb->end_seq, acb->end_seq)) {
				kfree_skb(skb);
				return;
			}
			__skb_queue_after(&ss->ooo, at, skb);
			return;
		}
	}
	__skb_queue_head(&ss->ooo, skb);
}

/* Data (or a FIN) in the window: queued, in order or beyond a gap. */
static void vcoyo_stream_data(struct sock *sk, struct sk_buff *skb)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(skb);
	struct sk_buff *next;

	/* Memory beyond the window we gave is the peer's fault: drop, it resends. */
	if (skb->len && atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf)) {
		vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_DROP_RCVBUF);
		ss->ack_now = true;
		kfree_skb(skb);
		return;
	}
	skb_set_owner_r(skb, sk);
	if (vcoyo_seq_after(cb->seq, ss->rcv_nxt)) {
		vcoyo_stream_queue_ooo(sk, skb);
		return;
	}
	vcoyo_stream_queue_rcv(sk, skb);
	/* What waited beyond the gap may follow now. */
	while ((next = skb_peek(&ss->ooo)) &&
	       !vcoyo_seq_after(VCOYO_STREAM_CB(next)->seq, ss->rcv_nxt)) {
		__skb_unlink(next, &ss->ooo);
		ss->ack_now = true;
		if (!vcoyo_seq_after(VCOYO_STREAM_CB(next)->end_seq, ss->rcv_nxt))
			kfree_skb(next);
		else
			vcoyo_stream_queue_rcv(sk, next);
	}
	if (++ss->ack_pending >= 2)
		ss->ack_now = true;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/* Our FIN was acknowledged: where that leads. */
static bool vcoyo_stream_fin_acked(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		vcoyo_stream_set_state(sk, TCP_FIN_WAIT2);
		if (sock_flag(sk, SOCK_DEAD))
			vcoyo_stream_timewait(sk, VCOYO_STREAM_FIN_TIMEOUT_MS);
		else
			sk->sk_state_change(sk);
		return false;
	case TCP_CLOSING:
		vcoyo_stream_set_state(sk, TCP_TIME_WAIT);
		vcoyo_stream_timewait(sk, VCOYO_STREAM_TIMEWAIT_MS);
		return false;
	case TCP_LAST_ACK:
		vcoyo_stream_done(sk);
		return true;
	}
	return false;
}

/* A reset in the window ends the connection, with the error TCP gives. */
static void vcoyo_stream_rcv_rst(struct sock *sk)
{
	vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_RESETS_RECEIVED);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
		/* A child its peer gave up on: nobody to tell. */
		vcoyo_stream_done(sk);
		break;
	case TCP_CLOSE_WAIT:
		vcoyo_stream_reset(sk, EPIPE);
		break;
	case TCP_TIME_WAIT:
	case TCP_LAST_ACK:
	case TCP_CLOSING:
		vcoyo_stream_done(sk);
		break;
	default:
		vcoyo_stream_reset(sk, ECONNRESET);
	}
}

static void vcoyo_stream_rcv_synced(struct sock *sk, const struct vcoyo_stream_seg *seg,
				    struct sk_buff *skb)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 ack = ntohl(seg->h.ack);

	if (!vcoyo_stream_acceptable(ss, seg)) {
		if (seg->flags & VCOYO_STREAM_RST) {
			kfree_skb(skb);
			return;
		}
		if (seg->len)
			vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)),
				       VCOYO_STAT_STREAM_OUT_OF_WINDOW);
		/* A TIME_WAIT answers a FIN sent again, and waits again. */
		if (sk->sk_state == TCP_TIME_WAIT && (seg->flags & VCOYO_STREAM_FIN))
			vcoyo_stream_timewait(sk, VCOYO_STREAM_TIMEWAIT_MS);
		vcoyo_stream_drop_ack(sk, skb);
		return;
	}
	ss->last_rcv = jiffies;
	ss->probes = 0;
	if (seg->flags & VCOYO_STREAM_RST) {
		vcoyo_stream_rcv_rst(sk);
		kfree_skb(skb);
		return;
	}
	if (seg->flags & VCOYO_STREAM_SYN) {
		/* Our SYN-ACK was lost: the peer's SYN comes again. */
		if (sk->sk_state == TCP_SYN_RECV && seg->seq == ss->irs)
			vcoyo_stream_retransmit_head(sk);
		else
			vcoyo_stream_send_ack(sk);
		kfree_skb(skb);
		return;
	}
	if (!(seg->flags & VCOYO_STREAM_ACK)) {
		kfree_skb(skb);
		return;
	}
	if (sk->sk_state == TCP_SYN_RECV) {
		if (vcoyo_seq_before(ack, ss->iss + 1) || vcoyo_seq_after(ack, ss->snd_nxt)) {
			vcoyo_stream_reply_rst(vcoyo_pernet(sock_net(sk)), &ss->vs.peer_addr,
					       &seg->h, seg->len);
			kfree_skb(skb);
			return;
		}
		ss->snd_wl1 = seg->seq - 1;
		vcoyo_stream_established(sk);
		if (sk->sk_socket)
			sk->sk_state_change(sk);
		else
			vcoyo_stream_child_ready(sk);
	}
	if (vcoyo_seq_after(ack, ss->snd_nxt)) {
		vcoyo_stream_drop_ack(sk, skb);
		return;
	}
	if (!vcoyo_seq_after(seg->seq, ss->rcv_nxt))
		ss->ts_recent = ntohl(seg->h.tsval);
	if (!vcoyo_seq_before(ack, ss->snd_una))
		vcoyo_stream_ack_rcvd(sk, &seg->h, seg->sack, seg->len);
	if (ss->fin_queued && ss->snd_una == ss->write_seq && vcoyo_stream_fin_acked(sk)) {
		kfree_skb(skb);
		return;
	}

	/*
	 * New data for a socket closed to reading (close() or SHUT_RD):
	 * nobody will read it, and as TCP the connection is reset.
	 */
	if ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2) &&
	    (sk->sk_shutdown & RCV_SHUTDOWN) && seg->len &&
	    vcoyo_seq_after(seg->seq + seg->len, ss->rcv_nxt)) {
		vcoyo_stream_send_rst(sk);
		vcoyo_stream_done(sk);
		kfree_skb(skb);
		return;
	}
	if ((seg->len || (seg->flags & VCOYO_STREAM_FIN)) &&
	    (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2))
		vcoyo_stream_data(sk, skb);
	else
		kfree_skb(skb);

	if (ss->ack_now)
		vcoyo_stream_send_ack(sk);
	else if (ss->ack_pending)
		vcoyo_stream_schedule_ack(sk);
}

/*
 * Under the socket's lock, with bottom halves off: @skb starts with the
 * peer's address, then the header the receive path checked.
 */
int vcoyo_stream_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(skb);
	struct vcoyo_stream_meta meta;
	struct vcoyo_stream_seg seg;
	u32 hlen;

	memcpy(&meta, skb->data, sizeof(meta));
	__skb_pull(skb, sizeof(meta));
	memcpy(&seg.h, skb->data, sizeof(seg.h));
	hlen = sizeof(seg.h) + seg.h.nsack * sizeof(seg.sack[0]);
	memcpy(seg.sack, skb->data + sizeof(seg.h), seg.h.nsack * sizeof(seg.sack[0]));
	__skb_pull(skb, hlen);
	seg.flags = seg.h.flags;
	seg.len = skb->len;
	seg.seq = ntohl(seg.h.seq);
	seg.end_seq = seg.seq + seg.len + !!(seg.flags & VCOYO_STREAM_SYN) +
		      !!(seg.flags & VCOYO_STREAM_FIN);
	memset(cb, 0, sizeof(*cb));
	cb->seq = seg.seq;
	cb->end_seq = seg.end_seq;
	cb->flags = seg.flags & VCOYO_STREAM_FIN;

	switch (sk->sk_state) {
	case TCP_LISTEN:
		vcoyo_stream_rcv_listen(sk, &meta.remote, &seg, skb);
		break;
	case TCP_SYN_SENT:
		vcoyo_stream_rcv_syn_sent(sk, &meta.remote, &seg, skb);
		break;
	case TCP_CLOSE:
		vcoyo_stream_reply_rst(vcoyo_pernet(sock_net(sk)), &meta.remote, &seg.h, seg.len);
		kfree_skb(skb);
		break;
	default:
		vcoyo_stream_rcv_synced(sk, &seg, skb);
	}
	return 0;
}

/* Softirq, or a work item with bottom halves off: consumes @skb. */
void vcoyo_stream_rcv(struct vcoyo_net *vn, struct sk_buff *skb, const struct vcoyo_addr *remote)
{
	const struct vcoyo_stream *sh;
	struct sock *sk;
	u32 len;
	u8 flags;

	if (!pskb_may_pull(skb, sizeof(*sh))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		goto drop;
	}
	sh = (const struct vcoyo_stream *)skb->data;
	flags = sh->flags;
	if (sh->nsack > VCOYO_STREAM_SACK_MAX ||
	    ((flags & VCOYO_STREAM_SYN) && (flags & (VCOYO_STREAM_RST | VCOYO_STREAM_FIN)))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_MALFORMED);
		goto drop;
	}
	if (!pskb_may_pull(skb, sizeof(*sh) + sh->nsack * sizeof(struct vcoyo_stream_sack))) {
		vcoyo_stat_inc(vn, VCOYO_STAT_RX_TRUNCATED);
		goto drop;
	}
	sh = (const struct vcoyo_stream *)skb->data;
	len = skb->len - sizeof(*sh) - sh->nsack * sizeof(struct vcoyo_stream_sack);
	vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_SEGS_IN);

	sk = vcoyo_stream_lookup(vn, remote, ntohs(sh->data.dport), ntohs(sh->data.sport));
	if (!sk) {
		vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_NO_SOCKET);
		vcoyo_stream_reply_rst(vn, remote, sh, len);
		goto drop;
	}
	if (skb_cow_head(skb, sizeof(struct vcoyo_stream_meta)))
		goto drop_put;
	memcpy(skb_push(skb, sizeof(struct vcoyo_stream_meta)), remote, sizeof(*remote));

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		vcoyo_stream_do_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) + READ_ONCE(sk->sk_sndbuf))) {
		bh_unlock_sock(sk);
		vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_DROP_RCVBUF);
		goto drop_put;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return;

drop_put:
	sock_put(sk);
drop:
	kfree_skb(skb);
}
