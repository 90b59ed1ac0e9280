// SPDX-License-Identifier: GPL-2.0
/*
 * What an acknowledgment tells the sender, and what it does about it.
 *
 * - The window: the peer's receive window, taken from the newest segment
 *   (RFC 793's snd_wl1/snd_wl2 rule).
 * - The round trip: every segment echoes the sender's clock (tsecr), so any
 *   ACK that moves snd_una is a sample, retransmissions included; the RTO
 *   follows RFC 6298, between 200 ms and 60 s.
 * - The scoreboard: SACK blocks mark the segments the peer holds beyond the
 *   ACK; a segment with three SACKed segments above it is taken for lost
 *   (RFC 6675), as is the first one after three duplicate ACKs.
 * - Congestion control: NewReno's window with SACK-based recovery.  Slow
 *   start from 10 segments, one segment more per window in congestion
 *   avoidance; a loss halves the window once per window of data (fast
 *   recovery until snd_una passes the point the loss was found at); a
 *   retransmission timeout takes it back to one segment.
 */
#include "stream.h"

static void vcoyo_stream_rtt_sample(struct vcoyo_stream_sock *ss, u32 rtt_us)
{
	u32 rto_us;

	/* An echo from before a clock wrap, or forged: not a sample. */
	if (rtt_us > VCOYO_STREAM_RTO_MAX_MS * USEC_PER_MSEC)
		return;
	if (!ss->srtt_us) {
		ss->srtt_us = rtt_us;
		ss->rttvar_us = rtt_us / 2;
	} else {
		u32 delta = abs((s32)(ss->srtt_us - rtt_us));

		ss->rttvar_us = (3 * ss->rttvar_us + delta) / 4;
		ss->srtt_us = (7 * ss->srtt_us + rtt_us) / 8;
	}
	rto_us = ss->srtt_us + max_t(u32, 4 * ss->rttvar_us, jiffies_to_usecs(1));
	ss->rto_ms = clamp_t(u32, DIV_ROUND_UP(rto_us, USEC_PER_MSEC), VCOYO_STREAM_RTO_MIN_MS,
			     VCOYO_STREAM_RTO_MAX_MS);
}

/* The scoreboard's counts, as one segment leaves it. */
static void vcoyo_stream_unmark(struct vcoyo_stream_sock *ss, struct vcoyo_stream_cb *cb)
{
	if (cb->sacked & VCOYO_SEG_SACKED)
		ss->sacked_out--;
	if (cb->sacked & VCOYO_SEG_LOST)
		ss->lost_out--;
	if (cb->sacked & VCOYO_SEG_RETRANS)
		ss->retrans_out--;
	cb->sacked = 0;
}

/* Marks the sent segments the SACK blocks cover.  Returns how many are new. */
static u32 vcoyo_stream_sack(struct sock *sk, const struct vcoyo_stream_sack *sack, u8 nsack)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *seg;
	u32 newly = 0;
	u8 i;

	for (i = 0; i < nsack; i++) {
		u32 start = ntohl(sack[i].start), end = ntohl(sack[i].end);

		/* Blocks must lie within what was sent and beyond the ACK. */
		if (!vcoyo_seq_before(start, end) || vcoyo_seq_after(end, ss->snd_nxt) ||
		    !vcoyo_seq_after(end, ss->snd_una))
			continue;
		skb_queue_walk(&sk->sk_write_queue, seg) {
			struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(seg);

			if (seg == ss->send_head || !vcoyo_seq_before(cb->seq, end))
				break;
			if (vcoyo_seq_before(cb->seq, start) || vcoyo_seq_after(cb->end_seq, end) ||
			    (cb->sacked & VCOYO_SEG_SACKED))
				continue;
			vcoyo_stream_unmark(ss, cb);
			cb->sacked = VCOYO_SEG_SACKED;
			ss->sacked_out++;
			newly++;
		}
	}
	return newly;
}

/*
 * Takes for lost every segment with VCOYO_STREAM_DUPTHRESH SACKed segments
 * above it, and the oldest one after as many duplicate ACKs.
 */
static void vcoyo_stream_mark_lost(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 above = ss->sacked_out;
	struct sk_buff *seg;

	skb_queue_walk(&sk->sk_write_queue, seg) {
		struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(seg);

		if (seg == ss->send_head || above < VCOYO_STREAM_DUPTHRESH)
			break;
		if (cb->sacked & VCOYO_SEG_SACKED) {
			above--;
			continue;
		}
		if (!(cb->sacked & VCOYO_SEG_LOST)) {
			cb->sacked |= VCOYO_SEG_LOST;
			ss->lost_out++;
		}
	}
	seg = skb_peek(&sk->sk_write_queue);
	if (ss->dupacks >= VCOYO_STREAM_DUPTHRESH && seg && seg != ss->send_head &&
	    !VCOYO_STREAM_CB(seg)->sacked) {
		VCOYO_STREAM_CB(seg)->sacked = VCOYO_SEG_LOST;
		ss->lost_out++;
	}
}

/* Frees the segments the peer acknowledged up to @ack.  Returns how many. */
static u32 vcoyo_stream_clean_acked(struct sock *sk, u32 ack)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	struct sk_buff *seg;
	u32 acked = 0;

	while ((seg = skb_peek(&sk->sk_write_queue)) && seg != ss->send_head &&
	       !vcoyo_seq_after(VCOYO_STREAM_CB(seg)->end_seq, ack)) {
		vcoyo_stream_unmark(ss, VCOYO_STREAM_CB(seg));
		__skb_unlink(seg, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -seg->truesize);
		kfree_skb(seg);
		ss->packets_out--;
		acked++;
	}
	return acked;
}

static void vcoyo_stream_cong_avoid(struct vcoyo_stream_sock *ss, u32 acked, u32 in_flight)
{
	/* Only a window in use grows: an idle one proves nothing. */
	if (in_flight + acked < ss->cwnd / 2)
		return;
	if (ss->cwnd < ss->ssthresh) {
		ss->cwnd += min_t(u32, acked, 2);	/* RFC 3465's L = 2 */
		return;
	}
	ss->cwnd_acked += acked;
	if (ss->cwnd_acked >= ss->cwnd) {
		ss->cwnd_acked -= ss->cwnd;
		ss->cwnd++;
	}
}

/* A loss was found: halve the window, once for all the losses of this window. */
static void vcoyo_stream_enter_recovery(struct vcoyo_stream_sock *ss, u32 in_flight)
{
	ss->ssthresh = max_t(u32, in_flight / 2, 2);
	ss->cwnd = ss->ssthresh;
	ss->cwnd_acked = 0;
	ss->in_recovery = true;
	ss->recover = ss->snd_nxt;
}

/*
 * An ACK in [snd_una, snd_nxt] from a synchronised peer, with its SACK
 * blocks, on a segment of @len payload bytes.
 */
void vcoyo_stream_ack_rcvd(struct sock *sk, const struct vcoyo_stream *sh,
			   const struct vcoyo_stream_sack *sack, u32 len)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 ack = ntohl(sh->ack), seq = ntohl(sh->seq), wnd = ntohl(sh->window);
	u32 in_flight = vcoyo_stream_pipe(ss);
	bool window_moved = false;
	u32 acked = 0;

	if (vcoyo_seq_after(seq, ss->snd_wl1) ||
	    (seq == ss->snd_wl1 && !vcoyo_seq_before(ack, ss->snd_wl2))) {
		window_moved = wnd != ss->snd_wnd;
		ss->snd_wnd = wnd;
		ss->snd_wl1 = seq;
		ss->snd_wl2 = ack;
	}
	vcoyo_stream_sack(sk, sack, sh->nsack);

	if (vcoyo_seq_after(ack, ss->snd_una)) {
		if (sh->tsecr)
			vcoyo_stream_rtt_sample(ss, vcoyo_stream_now_us() - ntohl(sh->tsecr));
		acked = vcoyo_stream_clean_acked(sk, ack);
		ss->snd_una = ack;
		ss->dupacks = 0;
		ss->backoff = 0;
		ss->probes = 0;
		ss->rtx_start = 0;
		ss->soft_err = 0;
		if (ss->in_recovery && !vcoyo_seq_before(ack, ss->recover)) {
			ss->in_recovery = false;
			ss->cwnd = max(ss->ssthresh, 2U);
		} else if (!ss->in_recovery) {
			vcoyo_stream_cong_avoid(ss, acked, in_flight);
		}
		if (acked)
			sk->sk_write_space(sk);
	} else if (ss->packets_out && !len && !window_moved &&
		   !(sh->flags & (VCOYO_STREAM_SYN | VCOYO_STREAM_FIN))) {
		ss->dupacks++;
	}

	if (ss->sacked_out >= VCOYO_STREAM_DUPTHRESH || ss->dupacks >= VCOYO_STREAM_DUPTHRESH)
		vcoyo_stream_mark_lost(sk);
	if (!ss->in_recovery && ss->lost_out > ss->retrans_out &&
	    !vcoyo_seq_before(ss->snd_una, ss->recover))
		vcoyo_stream_enter_recovery(ss, in_flight);

	if (!ss->packets_out)
		sk_stop_timer(sk, &ss->rtx_timer);
	else if (acked)
		vcoyo_stream_arm_rtx(sk);
	vcoyo_stream_push(sk);
}
