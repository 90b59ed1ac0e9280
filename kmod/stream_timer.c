// SPDX-License-Identifier: GPL-2.0
/*
 * The timers of a stream connection:
 *
 * - retransmission: the oldest unacknowledged segment was not answered
 *   within the RTO (doubled at each timeout in a row); with nothing in
 *   flight and the peer's window shut, the same timer sends window probes;
 * - delayed ACK: data that came alone is acknowledged within 40 ms;
 * - keepalive, which also ends an orphan's FIN_WAIT2 and a TIME_WAIT.
 *
 * A timer that fires while a process holds the socket leaves a bit in
 * @deferred, and the work is done when the process lets the socket go
 * (vcoyo_stream_release_cb()).  A connection is given up after as many
 * timeouts as TCP allows (6 for a SYN, 15, 8 for an orphan) or, if set, once
 * TCP_USER_TIMEOUT has passed without progress: with ETIMEDOUT, or, for a
 * connection still being made, the error its way last gave (EHOSTUNREACH).
 */
#include "stream.h"

static unsigned long vcoyo_stream_rto(const struct vcoyo_stream_sock *ss)
{
	u64 ms = (u64)ss->rto_ms << min_t(u8, ss->backoff, 16);

	return msecs_to_jiffies(min_t(u64, ms, VCOYO_STREAM_RTO_MAX_MS));
}

void vcoyo_stream_arm_rtx(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	sk_reset_timer(sk, &ss->rtx_timer, jiffies + vcoyo_stream_rto(ss));
}

void vcoyo_stream_schedule_ack(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	if (!timer_pending(&ss->delack_timer))
		sk_reset_timer(sk, &ss->delack_timer,
			       jiffies + msecs_to_jiffies(VCOYO_STREAM_DELACK_MS));
}

void vcoyo_stream_stop_timers(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	sk_stop_timer(sk, &ss->rtx_timer);
	sk_stop_timer(sk, &ss->delack_timer);
	sk_stop_timer(sk, &ss->keep_timer);
}

/* A TIME_WAIT, or an orphan's wait for the peer's FIN. */
void vcoyo_stream_timewait(struct sock *sk, unsigned int ms)
{
	sk_reset_timer(sk, &vcoyo_ss(sk)->keep_timer, jiffies + msecs_to_jiffies(ms));
}

/* Keepalive, when SO_KEEPALIVE is on and the connection is established. */
void vcoyo_stream_keepalive_reset(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		return;
	if (!sock_flag(sk, SOCK_KEEPOPEN)) {
		sk_stop_timer(sk, &ss->keep_timer);
		return;
	}
	sk_reset_timer(sk, &ss->keep_timer, jiffies + ss->keepidle_s * HZ);
}

static bool vcoyo_stream_give_up(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 limit = VCOYO_STREAM_RETRIES;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		limit = VCOYO_STREAM_SYN_RETRIES;
	else if (sock_flag(sk, SOCK_DEAD))
		limit = VCOYO_STREAM_ORPHAN_RETRIES;
	if (ss->user_timeout_ms && ss->rtx_start)
		return time_after_eq(jiffies + vcoyo_stream_rto(ss),
				     ss->rtx_start + msecs_to_jiffies(ss->user_timeout_ms));
	return ss->backoff >= limit;
}

static void vcoyo_stream_timed_out(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_CONN_TIMEOUT);
	if (sk->sk_state == TCP_SYN_SENT && ss->soft_err)
		vcoyo_stream_reset(sk, ss->soft_err);
	else
		vcoyo_stream_reset(sk, ETIMEDOUT);
}

/*
 * A timeout takes everything in flight for lost: the window goes back to one
 * segment, and the oldest is sent again.
 */
static void vcoyo_stream_rtx_expired(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	u32 in_flight = vcoyo_stream_pipe(ss);
	struct sk_buff *seg;

	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	if (!ss->rtx_start)
		ss->rtx_start = jiffies;
	if (!ss->packets_out) {
		/* The window is shut: probe it, as long as the peer answers. */
		if (!ss->send_head)
			return;
		if (ss->probes++ >= VCOYO_STREAM_RETRIES) {
			vcoyo_stream_timed_out(sk);
			return;
		}
		vcoyo_stream_send_probe(sk);
		ss->backoff = min_t(u8, ss->backoff + 1, 16);
		vcoyo_stream_arm_rtx(sk);
		return;
	}
	if (vcoyo_stream_give_up(sk)) {
		vcoyo_stream_timed_out(sk);
		return;
	}
	vcoyo_stat_inc(vcoyo_pernet(sock_net(sk)), VCOYO_STAT_STREAM_TIMEOUTS);
	ss->ssthresh = max_t(u32, in_flight / 2, 2);
	ss->cwnd = 1;
	ss->cwnd_acked = 0;
	ss->in_recovery = false;
	ss->recover = ss->snd_nxt;
	ss->dupacks = 0;
	ss->lost_out = 0;
	ss->retrans_out = 0;
	skb_queue_walk(&sk->sk_write_queue, seg) {
		struct vcoyo_stream_cb *cb = VCOYO_STREAM_CB(seg);

		if (seg == ss->send_head)
			break;
		if (cb->sacked & VCOYO_SEG_SACKED)
			continue;
		cb->sacked = VCOYO_SEG_LOST;
		ss->lost_out++;
	}
	ss->backoff++;
	vcoyo_stream_push(sk);
	vcoyo_stream_arm_rtx(sk);
}

static void vcoyo_stream_delack_expired(struct sock *sk)
{
	if (vcoyo_ss(sk)->ack_pending)
		vcoyo_stream_send_ack(sk);
}

static void vcoyo_stream_keep_expired(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);
	unsigned long idle;

	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		vcoyo_stream_done(sk);
		return;
	case TCP_FIN_WAIT2:
		/* An orphan whose peer never closed: as TCP, a reset ends it. */
		vcoyo_stream_send_rst(sk);
		vcoyo_stream_done(sk);
		return;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	default:
		return;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN))
		return;
	idle = jiffies - ss->last_rcv;
	if (idle < ss->keepidle_s * HZ) {
		sk_reset_timer(sk, &ss->keep_timer, ss->last_rcv + ss->keepidle_s * HZ);
		return;
	}
	if (ss->probes >= ss->keepcnt) {
		vcoyo_stream_timed_out(sk);
		return;
	}
	ss->probes++;
	vcoyo_stream_send_probe(sk);
	sk_reset_timer(sk, &ss->keep_timer, jiffies + ss->keepintvl_s * HZ);
}

/* Runs @expired now, or leaves it for the process that holds the socket. */
static void vcoyo_stream_timer_fired(struct sock *sk, int bit, void (*expired)(struct sock *))
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		expired(sk);
	else if (!test_and_set_bit(bit, &vcoyo_ss(sk)->deferred))
		sock_hold(sk);	/* until vcoyo_stream_release_cb() */
	bh_unlock_sock(sk);
	sock_put(sk);		/* the pending timer's */
}

static void vcoyo_stream_rtx_timer(struct timer_list *t)
{
	struct vcoyo_stream_sock *ss = from_timer(ss, t, rtx_timer);

	vcoyo_stream_timer_fired(&ss->vs.sk, VCOYO_DEFER_RTX, vcoyo_stream_rtx_expired);
}

static void vcoyo_stream_delack_timer(struct timer_list *t)
{
	struct vcoyo_stream_sock *ss = from_timer(ss, t, delack_timer);

	vcoyo_stream_timer_fired(&ss->vs.sk, VCOYO_DEFER_DELACK, vcoyo_stream_delack_expired);
}

static void vcoyo_stream_keep_timer(struct timer_list *t)
{
	struct vcoyo_stream_sock *ss = from_timer(ss, t, keep_timer);

	vcoyo_stream_timer_fired(&ss->vs.sk, VCOYO_DEFER_KEEPALIVE, vcoyo_stream_keep_expired);
}

/* The way to the peer failed (tunnel.c): a connection being made fails with it. */
static void vcoyo_stream_way_failed(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	if (sk->sk_state == TCP_SYN_SENT && ss->soft_err)
		vcoyo_stream_reset(sk, ss->soft_err);
}

/*
 * Process context, or softirq: a segment of @sk found no way to its peer.
 * The segment kept the socket's memory, not the socket: one going away is
 * left alone.
 */
void vcoyo_stream_unreachable(struct sock *sk, int err)
{
	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return;
	local_bh_disable();
	bh_lock_sock(sk);
	WRITE_ONCE(vcoyo_ss(sk)->soft_err, err);
	if (!sock_owned_by_user(sk))
		vcoyo_stream_way_failed(sk);
	else if (!test_and_set_bit(VCOYO_DEFER_UNREACHABLE, &vcoyo_ss(sk)->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
	sock_put(sk);
}

/* release_sock(): what the timers and the way left for the process to do. */
void vcoyo_stream_release_cb(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	if (!READ_ONCE(ss->deferred))
		return;
	if (test_and_clear_bit(VCOYO_DEFER_RTX, &ss->deferred)) {
		vcoyo_stream_rtx_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(VCOYO_DEFER_DELACK, &ss->deferred)) {
		vcoyo_stream_delack_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(VCOYO_DEFER_KEEPALIVE, &ss->deferred)) {
		vcoyo_stream_keep_expired(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(VCOYO_DEFER_UNREACHABLE, &ss->deferred)) {
		vcoyo_stream_way_failed(sk);
		__sock_put(sk);
	}
}

void vcoyo_stream_init_timers(struct sock *sk)
{
	struct vcoyo_stream_sock *ss = vcoyo_ss(sk);

	timer_setup(&ss->rtx_timer, vcoyo_stream_rtx_timer, 0);
	timer_setup(&ss->delack_timer, vcoyo_stream_delack_timer, 0);
	timer_setup(&ss->keep_timer, vcoyo_stream_keep_timer, 0);
}
