// SPDX-License-Identifier: GPL-2.0
/*
 * What leaves a stream socket: segments built from the write queue (the
 * bytes sendmsg() queued, each skb one segment, kept until acknowledged),
 * and the pure ACKs, probes and resets that carry no data.
 *
 * Every segment is a fresh skb with a copy of its payload, its header and
 * the SACK blocks of what arrived out of order, sent into the tunnel to the
 * peer from whatever context it is in (vcoyo_tunnel_send_atomic()); one to
 * this node itself goes through a work item, so that a socket never meets
 * its own segment while it holds its own lock.
 *
 * How much may leave is the smaller of two windows: the congestion window
 * (cwnd, in segments, against the segments in flight as RFC 6675 counts
 * them) and the window the peer advertised (in bytes, from snd_una).
 * Segments taken for lost go first, then new ones.
 */
#include <linux/skbuff.h>
#include "stream.h"

/* Segments to this node waiting for the work item: a bound, not a limit that matters. */
#define VCOYO_STREAM_LOOP_MAX	4096

/*
 * The window to advertise: half the free receive buffer, for an skb costs
 * about twice its payload.  The right edge never moves back, and moves on
 * by a useful amount only, not a few bytes at a time (silly windows).
 */
u32 vcoyo_stream_rcv_window(const struct sock *sk)
{
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	return space > 0 ? space / 2 : 0;
}

static u32 vcoyo_stream_select_window(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 edge = ss->rcv_nxt + vcoyo_stream_rcv_window(sk);
	u32 step = min_t(u32, ss->mss, READ_ONCE(sk->sk_rcvbuf) / 8);

	if (vcoyo_seq_after(edge, ss->rcv_adv) && edge - ss->rcv_adv >= step)
		ss->rcv_adv = edge;
	return vcoyo_seq_after(ss->rcv_adv, ss->rcv_nxt) ? ss->rcv_adv - ss->rcv_nxt : 0;
}

/* Up to VCOYO_STREAM_SACK_MAX blocks of the out-of-order queue, lowest first. */
static u8 vcoyo_stream_sack_blocks(struct vcoyo_stream_sock *ss, struct vcoyo_stream_sack *sack)
{
	struct sk_buff *skb;
	u8 n = 0;

	skb_queue_walk(&ss->ooo, skb) {
		const struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(skb);

		if (n && !vcoyo_seq_after(cb->seq, ntohl(sack[n - 1].end))) {
			if (vcoyo_seq_after(cb->end_seq, ntohl(sack[n - 1].end)))
				sack[n - 1].end = htonl(cb->end_seq);
			continue;
		}
		if (n == VCOYO_STREAM_SACK_MAX)
			break;
		sack[n].start = htonl(cb->seq);
		sack[n].end = htonl(cb->end_seq);
		n++;
	}
	return n;
}

/* Fills the header every segment of a connection starts with. */
static void vcoyo_stream_fill(struct vcoyo_stream *sh, u16 sport, u16 dport, u32 seq, u32 ack,
			      u32 window, u8 flags, u8 nsack, u32 tsecr)
{
	sh->data.hdr.version = VCOYO_WIRE_VERSION;
	sh->data.hdr.type = VCOYO_MSG_STREAM;
	sh->data.hdr.reserved = 0;
	sh->data.label = 0;	/* written by the transmit, per hop */
	sh->data.sport = htons(sport);
	sh->data.dport = htons(dport);
	sh->seq = htonl(seq);
	sh->ack = htonl(ack);
	sh->window = htonl(window);
	sh->flags = flags;
	sh->nsack = nsack;
	sh->reserved = 0;
	sh->tsval = htonl(vcoyo_stream_now_us());
	sh->tsecr = htonl(tsecr);
}

/* A segment of @sk: @len bytes of @seg's payload (none without @seg) at @seq. */
static struct sk_buff *vcoyo_stream_build(struct sock *sk, const struct sk_buff *seg, u32 seq,
					  u8 flags)
{
	struct vcoyo_stream_sack sack[VCOYO_STREAM_SACK_MAX];
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 len = seg ? seg->len : 0;
	struct vcoyo_stream *sh;
	struct sk_buff *skb;
	u32 window = 0;
	u8 nsack = 0;
	size_t hlen;

	if (flags & VCOYO_STREAM_ACK) {
		nsack = vcoyo_stream_sack_blocks(ss, sack);
		window = vcoyo_stream_select_window(sk);
	}
	hlen = sizeof(*sh) + nsack * sizeof(sack[0]);
	skb = alloc_skb(VCOYO_STREAM_HEADROOM + hlen + len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, VCOYO_STREAM_HEADROOM + hlen);
	if (len && skb_copy_bits(seg, 0, skb_put(skb, len), len)) {
		kfree_skb(skb);
		return NULL;
	}
	memcpy(skb_push(skb, nsack * sizeof(sack[0])), sack, nsack * sizeof(sack[0]));
	sh = skb_push(skb, sizeof(*sh));
	vcoyo_stream_fill(sh, ss->vs.port, ss->vs.peer_port, seq,
			  flags & VCOYO_STREAM_ACK ? ss->rcv_nxt : 0, window, flags, nsack,
			  ss->ts_recent);
	/* The socket stays while a segment of its waits for a tunnel. */
	skb_set_owner_w(skb, sk);
	return skb;
}

/* Sends a built segment to the peer: into its tunnel, or to this node. */
static void vcoyo_stream_output(struct vcoyo_net *vn, struct sk_buff *skb,
				const struct vcoyo_addr *to)
{
	vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_SEGS_OUT);
	if (!vcoyo_addr_is_local(vn, to)) {
		vcoyo_tunnel_send_atomic(vn, skb, to);
		return;
	}
	if (skb_queue_len(&vn->stream_loop) >= VCOYO_STREAM_LOOP_MAX) {
		kfree_skb(skb);
		return;
	}
	skb_queue_tail(&vn->stream_loop, skb);
	schedule_work(&vn->stream_loop_work);
}

/* Any segment carrying an ACK acknowledges everything received so far. */
static void vcoyo_stream_acked_all(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	ss->ack_pending = 0;
	ss->ack_now = false;
	sk_stop_timer(sk, &ss->delack_timer);
}

static bool vcoyo_stream_send_seg(struct sock *sk, struct sk_buff *seg)
{
	struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(seg);
	u8 flags = cb->flags | VCOYO_STREAM_ACK;
	struct sk_buff *skb;

	/* The first SYN has nothing to acknowledge yet. */
	if (sk->sk_state == TCP_SYN_SENT)
		flags &= ~VCOYO_STREAM_ACK;
	skb = vcoyo_stream_build(sk, seg, cb->seq, flags);
	if (!skb)
		return false;
	vcoyo_stream_output(vcoyo_pernet(sock_net(sk)), skb, &vcoyo_ss(sk)->vs.peer_addr);
	if (flags & VCOYO_STREAM_ACK)
		vcoyo_stream_acked_all(sk);
	return true;
}

/* Segments taken for lost and not sent again yet, oldest first, while the pipe has room. */
static void vcoyo_stream_retransmit_lost(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_net *vn = vcoyo_pernet(sock_net(sk));
	struct sk_buff *seg;

	skb_queue_walk(&sk->sk_write_queue, seg) {
		struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(seg);

		if (seg == ss->send_head || ss->lost_out == ss->retrans_out ||
		    vcoyo_stream_pipe(ss) >= ss->cwnd)
			break;
		if ((cb->sacked & (VCOYO_SEG_LOST | VCOYO_SEG_RETRANS)) != VCOYO_SEG_LOST)
			continue;
		if (!vcoyo_stream_send_seg(sk, seg))
			break;
		cb->sacked |= VCOYO_SEG_RETRANS;
		ss->retrans_out++;
		vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_RETRANS);
		if (ss->in_recovery)
			vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_FAST_RETRANS);
	}
}

/* Whether @seg's payload fits the peer's window; a SYN always does. */
static bool vcoyo_stream_in_window(const struct vcoyo_stream_sock *ss, const struct sk_buff *seg)
{
	const struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(seg);

	if (cb->flags & VCOYO_STREAM_SYN)
		return true;
	return !vcoyo_seq_after(cb->seq + seg->len, ss->snd_una + ss->snd_wnd);
}

/* Sends what the windows let go: lost segments first, then new ones. */
void vcoyo_stream_push(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *seg;

	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	if (ss->lost_out > ss->retrans_out)
		vcoyo_stream_retransmit_lost(sk);
	while ((seg = ss->send_head)) {
		if (vcoyo_stream_pipe(ss) >= ss->cwnd)
			break;
		if (!vcoyo_stream_in_window(ss, seg)) {
			/* Nothing in flight to bring an ACK that opens it: probe. */
			if (!ss->packets_out)
				vcoyo_stream_arm_rtx(sk);
			break;
		}
		if (!vcoyo_stream_send_seg(sk, seg))
			break;
		ss->snd_nxt = VCOYO_STREAM_CB(seg)->end_seq;
		ss->packets_out++;
		ss->send_head = skb_queue_is_last(&sk->sk_write_queue, seg) ? NULL :
				skb_queue_next(&sk->sk_write_queue, seg);
		if (!timer_pending(&ss->rtx_timer))
			vcoyo_stream_arm_rtx(sk);
	}
}

/* The oldest unacknowledged segment, now: a SYN seen twice, a first retransmission. */
void vcoyo_stream_retransmit_head(struct sock *sk)
{
	struct sk_buff *seg = skb_peek(&sk->sk_write_queue);

	if (seg && seg != vcoyo_ss(sk)->send_head && vcoyo_stream_send_seg(sk, seg))
		vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_RETRANS);
}

/* A segment of its own for a SYN, or a FIN that no unsent segment can carry. */
static struct sk_buff *vcoyo_stream_queue_empty(struct sock *sk, u8 flags)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct vcoyo_stream_cb *cb;
	struct sk_buff *seg;

	seg = alloc_skb(0, sk_gfp_mask(sk, GFP_ATOMIC));
	if (!seg)
		return NULL;
	cb = VCOYO_STREAM_CB(seg);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ss->write_seq;
	cb->end_seq = ss->write_seq + 1;
	cb->flags = flags;
	ss->write_seq++;
	__skb_queue_tail(&sk->sk_write_queue, seg);
	sk_wmem_queued_add(sk, seg->truesize);
	if (!ss->send_head)
		ss->send_head = seg;
	return seg;
}

/* The SYN of an active open, or the SYN-ACK of a passive one: both wait for an ACK. */
void vcoyo_stream_send_syn(struct sock *sk)
{
	if (vcoyo_stream_queue_empty(sk, VCOYO_STREAM_SYN))
		vcoyo_stream_push(sk);
	else
		vcoyo_stream_arm_rtx(sk);	/* no memory: the timer tries again */
}

/*
 * The FIN goes with the last unsent segment, or on its own.  Without memory
 * for it the connection cannot close cleanly: it is reset.
 */
void vcoyo_stream_send_fin(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (ss->fin_queued)
		return;
	if (tail && ss->send_head && !(VCOYO_STREAM_CB(tail)->flags & VCOYO_STREAM_SYN)) {
		VCOYO_STREAM_CB(tail)->flags |= VCOYO_STREAM_FIN;
		VCOYO_STREAM_CB(tail)->end_seq++;
		ss->write_seq++;
	} else if (!vcoyo_stream_queue_empty(sk, VCOYO_STREAM_FIN)) {
		vcoyo_stream_send_rst(sk);
		vcoyo_stream_reset(sk, 0);
		return;
	}
	ss->fin_queued = true;
	vcoyo_stream_push(sk);
}

/* A pure ACK.  Without memory it is not sent: the peer's timer covers that. */
void vcoyo_stream_send_ack(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *skb;

	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN ||
	    sk->sk_state == TCP_SYN_SENT)
		return;
	skb = vcoyo_stream_build(sk, NULL, ss->snd_nxt, VCOYO_STREAM_ACK);
	if (!skb)
		return;
	vcoyo_stream_output(vcoyo_pernet(sock_net(sk)), skb, &ss->vs.peer_addr);
	vcoyo_stream_acked_all(sk);
}

/*
 * A keepalive or window probe: a pure ACK one byte before snd_una, out of
 * the peer's window, which the peer answers with an ACK of its own.
 */
void vcoyo_stream_send_probe(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *skb;

	skb = vcoyo_stream_build(sk, NULL, ss->snd_una - 1, VCOYO_STREAM_ACK);
	if (skb)
		vcoyo_stream_output(vcoyo_pernet(sock_net(sk)), skb, &ss->vs.peer_addr);
}

void vcoyo_stream_send_rst(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *skb;

	skb = vcoyo_stream_build(sk, NULL, ss->snd_nxt, VCOYO_STREAM_ACK | VCOYO_STREAM_RST);
	if (!skb)
		return;
	vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_RESETS_SENT);
	vcoyo_stream_output(vcoyo_pernet(sock_net(sk)), skb, &ss->vs.peer_addr);
}

/*
 * The answer to a segment no socket takes (RFC 793): a reset at the
 * sequence number it acknowledged, or acknowledging what it carried.
 */
void vcoyo_stream_reply_rst(struct vcoyo_net *vn, const struct vcoyo_addr *remote,
			    const struct vcoyo_stream *in, u32 len)
{
	struct sk_buff *skb;
	u32 seq = 0, ack = 0;
	u8 flags = VCOYO_STREAM_RST;

	if (in->flags & VCOYO_STREAM_RST)
		return;
	if (in->flags & VCOYO_STREAM_ACK) {
		seq = ntohl(in->ack);
	} else {
		flags |= VCOYO_STREAM_ACK;
		ack = ntohl(in->seq) + len + !!(in->flags & VCOYO_STREAM_SYN) +
		      !!(in->flags & VCOYO_STREAM_FIN);
	}
	skb = alloc_skb(VCOYO_STREAM_HEADROOM + sizeof(struct vcoyo_stream), GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, VCOYO_STREAM_HEADROOM);
	vcoyo_stream_fill(skb_put(skb, sizeof(struct vcoyo_stream)), ntohs(in->data.dport),
			  ntohs(in->data.sport), seq, ack, 0, flags, 0, ntohl(in->tsval));
	vcoyo_stat_inc(vn, VCOYO_STAT_STREAM_RESETS_SENT);
	vcoyo_stream_output(vn, skb, remote);
}

/* Process context: the segments a node sent itself arrive, as from a tunnel. */
void vcoyo_stream_loop_work(struct work_struct *work)
{
	struct vcoyo_net *vn = container_of(work, struct vcoyo_net, stream_loop_work);
	struct vcoyo_addr local;
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&vn->stream_loop))) {
		skb_orphan(skb);
		vcoyo_local_addr(vn, &local);
		local_bh_disable();
		vcoyo_stream_rcv(vn, skb, &local);
		local_bh_enable();
		cond_resched();
	}
}
