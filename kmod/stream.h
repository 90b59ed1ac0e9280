/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the files of SOCK_STREAM: the socket calls
 * (stream_sock.c), the tables of ports and connections (stream_table.c),
 * what a segment that arrives does (stream_in.c), and what leaves, when, and
 * how much (stream_out.c).  Documentation/stream.rst has the protocol.
 *
 * Locking is that of TCP: a connection's state changes under its socket
 * lock, held by a process (lock_sock()) or by softirq (bh_lock_sock()).  A
 * segment or a timer that finds the socket owned by a process is left for
 * it: the segment on the socket's backlog, the timer as a bit in @deferred,
 * both handled when the process releases the socket.
 */
#ifndef _VCOYO_STREAM_H
#define _VCOYO_STREAM_H

#include <linux/timer.h>
#include "vcoyo.h"

/* Sequence numbers compare modulo 2^32, as TCP's. */
static inline bool vcoyo_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool vcoyo_seq_after(u32 a, u32 b)
{
	return vcoyo_seq_before(b, a);
}

/* The payload of a segment that fits a 1500-byte underlay, IPv6 and SACK included. */
#define VCOYO_STREAM_MSS	(1500 - 40 - 8 - sizeof(struct vcoyo_stream) - \
				 VCOYO_STREAM_SACK_MAX * sizeof(struct vcoyo_stream_sack))

#define VCOYO_STREAM_INIT_CWND		10	/* segments, as TCP (RFC 6928) */
#define VCOYO_STREAM_RTO_INIT_MS	1000
#define VCOYO_STREAM_RTO_MIN_MS		200
#define VCOYO_STREAM_RTO_MAX_MS		60000
#define VCOYO_STREAM_SYN_RETRIES	6
#define VCOYO_STREAM_RETRIES		15
#define VCOYO_STREAM_ORPHAN_RETRIES	8
#define VCOYO_STREAM_DELACK_MS		40
#define VCOYO_STREAM_TIMEWAIT_MS	2000
#define VCOYO_STREAM_FIN_TIMEOUT_MS	60000
#define VCOYO_STREAM_DUPTHRESH		3
#define VCOYO_STREAM_KEEPIDLE_S		7200
#define VCOYO_STREAM_KEEPINTVL_S	75
#define VCOYO_STREAM_KEEPCNT		9

/* Where a segment is, in the sender's scoreboard. */
#define VCOYO_SEG_SACKED	0x01	/* the receiver has it, beyond the ack */
#define VCOYO_SEG_LOST		0x02	/* taken for lost: to be sent again */
#define VCOYO_SEG_RETRANS	0x04	/* sent again, not acknowledged since */

/* A segment of the write queue or of the out-of-order queue, in skb->cb. */
struct vcoyo_stream_cb {
	u32 seq;
	u32 end_seq;			/* seq + payload, + 1 for a SYN or a FIN */
	u32 off;			/* received: bytes already read */
	u8 flags;			/* the VCOYO_STREAM_SYN or _FIN it carries */
	u8 sacked;			/* VCOYO_SEG_* */
};

#define VCOYO_STREAM_CB(skb)	((struct vcoyo_stream_cb *)&(skb)->cb[0])

/* What a timer that fired on an owned socket left to do, bits of @deferred. */
enum {
	VCOYO_DEFER_RTX,
	VCOYO_DEFER_DELACK,
	VCOYO_DEFER_KEEPALIVE,
	VCOYO_DEFER_UNREACHABLE,
};

/* A connection's key in the node's table: its peer and its two ports. */
struct vcoyo_stream_key {
	struct vcoyo_addr remote;
	u16 lport;
	u16 rport;
};

struct vcoyo_stream_sock {
	struct vcoyo_sock vs;		/* must be first: port, peer_addr, peer_port */
	struct rhash_head hnode;	/* in vcoyo_net.stream_conns while hashed */
	struct vcoyo_stream_key key;
	bool hashed;
	bool owns_port;			/* vs.port is its own in the port table */

	/* A listener's children, not yet accepted, oldest first. */
	spinlock_t accept_lock;
	struct list_head accept_queue;
	u32 accept_len;
	/* A child: its listener (a reference) and its place, under accept_lock. */
	struct sock *parent;
	struct list_head accept_node;

	/* Sending. */
	u32 iss;
	u32 snd_una;			/* oldest unacknowledged */
	u32 snd_nxt;			/* next to send */
	u32 write_seq;			/* after the last byte queued */
	u32 snd_wnd;			/* the peer's window, from snd_una */
	u32 snd_wl1, snd_wl2;		/* seq and ack of the last window update */
	struct sk_buff *send_head;	/* first unsent segment; NULL: all sent */
	bool fin_queued;		/* our FIN is in the write queue */
	u32 mss;
	u32 packets_out;		/* segments between snd_una and snd_nxt */
	u32 sacked_out, lost_out, retrans_out;
	u32 cwnd, ssthresh;		/* segments */
	u32 cwnd_acked;			/* segments acked towards the next cwnd++ */
	u32 dupacks;
	bool in_recovery;
	u32 recover;			/* snd_nxt when the recovery began */
	u32 srtt_us, rttvar_us, rto_ms;
	u8 backoff;			/* retransmission timeouts in a row */
	u8 probes;			/* keepalive or window probes unanswered */
	unsigned long rtx_start;	/* jiffies: first timeout of the series */

	/* Receiving. */
	u32 irs;
	u32 rcv_nxt;			/* next expected */
	u32 rcv_adv;			/* the right edge of the window advertised */
	struct sk_buff_head ooo;	/* segments beyond rcv_nxt, in order */
	u32 ts_recent;			/* the peer's tsval to echo */
	unsigned long last_rcv;		/* jiffies: when a segment last came */
	u8 ack_pending;			/* segments received, not acknowledged yet */
	bool ack_now;

	/* SOL_TCP settings. */
	bool nodelay;
	u32 keepidle_s, keepintvl_s;
	u8 keepcnt;
	u32 user_timeout_ms;

	/* Timers: each pending one holds a reference on the socket. */
	struct timer_list rtx_timer;	/* retransmission, SYN, window probe */
	struct timer_list delack_timer;
	struct timer_list keep_timer;	/* keepalive, FIN_WAIT2, TIME_WAIT */
	unsigned long deferred;
	int soft_err;			/* the last error of the way, for ETIMEDOUT */
};

static inline struct vcoyo_stream_sock *vcoyo_ss(const struct sock *sk)
{
	return container_of(sk, struct vcoyo_stream_sock, vs.sk);
}

/* Segments in flight (RFC 6675's pipe): sent, not acknowledged, SACKed or lost. */
static inline u32 vcoyo_stream_pipe(const struct vcoyo_stream_sock *ss)
{
	return ss->packets_out - ss->sacked_out - ss->lost_out + ss->retrans_out;
}

/* Time on the wire, as tsval, in microseconds. */
static inline u32 vcoyo_stream_now_us(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

/* stream_table.c */
int vcoyo_stream_port_bind(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss, u16 port);
void vcoyo_stream_port_unbind(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss);
int vcoyo_stream_hash(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss);
void vcoyo_stream_unhash(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss);
struct sock *vcoyo_stream_lookup(struct vcoyo_net *vn, const struct vcoyo_addr *remote,
				 u16 lport, u16 rport);

/* stream_sock.c */
struct sock *vcoyo_stream_child(struct sock *listener, const struct vcoyo_addr *remote,
				u16 rport);
int vcoyo_stream_child_add(struct sock *listener, struct sock *sk);
void vcoyo_stream_set_state(struct sock *sk, int state);
void vcoyo_stream_done(struct sock *sk);
void vcoyo_stream_reset(struct sock *sk, int err);
void vcoyo_stream_child_ready(struct sock *sk);
void vcoyo_stream_window_update(struct sock *sk);

/* stream_in.c */
int vcoyo_stream_do_rcv(struct sock *sk, struct sk_buff *skb);

/* stream_out.c */
void vcoyo_stream_push(struct sock *sk);
void vcoyo_stream_send_ack(struct sock *sk);
void vcoyo_stream_send_probe(struct sock *sk);
void vcoyo_stream_send_syn(struct sock *sk);
void vcoyo_stream_retransmit_head(struct sock *sk);
void vcoyo_stream_send_fin(struct sock *sk);
void vcoyo_stream_send_rst(struct sock *sk);
void vcoyo_stream_reply_rst(struct vcoyo_net *vn, const struct vcoyo_addr *remote,
			    const struct vcoyo_stream *in, u32 len);
u32 vcoyo_stream_rcv_window(const struct sock *sk);
void vcoyo_stream_loop_work(struct work_struct *work);

/* stream_ack.c */
void vcoyo_stream_ack_rcvd(struct sock *sk, const struct vcoyo_stream *sh,
			   const struct vcoyo_stream_sack *sack, u32 len);

/* stream_timer.c */
void vcoyo_stream_init_timers(struct sock *sk);
void vcoyo_stream_arm_rtx(struct sock *sk);
void vcoyo_stream_schedule_ack(struct sock *sk);
void vcoyo_stream_stop_timers(struct sock *sk);
void vcoyo_stream_keepalive_reset(struct sock *sk);
void vcoyo_stream_timewait(struct sock *sk, unsigned int ms);
void vcoyo_stream_release_cb(struct sock *sk);

#endif /* _VCOYO_STREAM_H */
