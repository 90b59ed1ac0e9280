/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of vcoyo.ko.  Each file owns one
 * responsibility; this header is the contract between them.
 */
#ifndef _VCOYO_H
#define _VCOYO_H

#include <linux/in6.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/xarray.h>
#include <net/dst_cache.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <linux/vcoyo.h>

/* Every counter of enum vcoyo_stat, as an index from 0. */
#define VCOYO_STAT_FIRST	VCOYO_STAT_DGRAM_SENT
#define VCOYO_STATS_NUM		(VCOYO_STAT_MAX - VCOYO_STAT_FIRST + 1)

struct vcoyo_tunnel;

struct vcoyo_stats {
	u64 counter[VCOYO_STATS_NUM];
};

/* Public half of a node identity; replaced as a whole, read under RCU. */
struct vcoyo_identity {
	struct rcu_head rcu;
	u8 public_key[VCOYO_KEY_LEN];
	struct vcoyo_addr addr;
};

/* What the hellos of a link have told; under vcoyo_link.lock. */
struct vcoyo_link_seen {
	enum vcoyo_link_state state;
	bool heard;			/* a hello arrived at least once */
	u8 remote_key[VCOYO_KEY_LEN];
	struct vcoyo_addr remote_addr;
	u64 last_rx_ns;			/* when the last hello arrived */
	u64 peer_tx_ns;			/* its tx_ns, to echo back */
	u64 srtt_ns;
};

/* A link to a neighbour, over the node's UDP socket. */
struct vcoyo_link {
	struct list_head node;		/* in vcoyo_net.links, RCU */
	struct rcu_head rcu;
	u32 id;
	struct sockaddr_in6 endpoint;	/* IPv4 as v4-mapped */
	bool has_peer_key;
	u8 peer_key[VCOYO_KEY_LEN];	/* the key the neighbour must have */
	struct dst_cache dst_cache;	/* the underlay route to the endpoint */
	u8 ticked_state;		/* as the last hello tick saw it */

	spinlock_t lock;		/* protects seen */
	struct vcoyo_link_seen seen;

	atomic64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
};

/*
 * One side of a label: the link a tunnel leaves this node by, and the label
 * the neighbour on it allocated (0 until known).  No link: the tunnel ends
 * at this node on that side.
 */
struct vcoyo_hop {
	struct vcoyo_link *link;
	u32 label;			/* READ_ONCE: set by the setup's answer */
};

/*
 * A label of this node (label.c): one tunnel, bound to its two sides.  "Up"
 * leads to the node that set the tunnel up, "down" to the other end.  Made
 * and released under conf_lock, read under RCU by the receive path; the
 * links it points to outlive it.
 */
struct vcoyo_label {
	u32 id;
	u8 role;			/* enum vcoyo_label_role */
	struct vcoyo_hop up, down;
	struct vcoyo_tunnel *tunnel;	/* at an end: the tunnel it belongs to */
	struct list_head node;		/* in vcoyo_net.labels, for dumps */
	unsigned long created;		/* jiffies */
	unsigned long last_used;	/* jiffies, of the last data packet */
	atomic64_t packets, bytes;
	struct rcu_head rcu;
};

/*
 * A tunnel ending at this node (tunnel.c), by the node at its other end.
 * The state only moves forward: PENDING to UP, and a failed setup is
 * replaced by a FAILED entry without a label, so that a reader that sees
 * UP may use @label for as long as it holds the RCU read lock.
 */
struct vcoyo_tunnel {
	struct rhash_head hnode;	/* in vcoyo_net.tunnel_table */
	struct list_head node;		/* in vcoyo_net.tunnels, for dumps */
	struct vcoyo_addr remote;
	u8 state;			/* enum vcoyo_tunnel_state, READ_ONCE */
	u8 reason;			/* enum vcoyo_reason, once FAILED */
	bool initiator;
	struct vcoyo_label *label;	/* NULL when FAILED or RESOLVING */
	/*
	 * jiffies: the end of the miss, of the setup, or of the hold; once UP
	 * and set up by this node, the end of the time in which a setup the
	 * other end sent before it took ours may still arrive (signal.c).
	 */
	unsigned long deadline;
	u64 route_id;			/* the helper route it follows; 0: none */
	struct sk_buff_head queue;	/* datagrams waiting for the setup */
	atomic64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	struct rcu_head rcu;
};

/* One IPvCoyo node: the state of one network namespace. */
struct vcoyo_net {
	struct net *net;
	struct mutex conf_lock;		/* serialises configuration changes */
	u8 private_key[VCOYO_KEY_LEN];	/* under conf_lock */
	struct vcoyo_identity __rcu *identity;
	struct xarray ports;		/* port -> struct vcoyo_sock */
	u32 next_port;			/* cursor of the ephemeral range */
	struct vcoyo_stats __percpu *stats;

	/* Links; changed under conf_lock, read under RCU. */
	struct list_head links;
	u32 next_link_id;
	u32 links_seq;			/* bumped on every change, for dumps */
	struct socket *udp;		/* open while links exist */
	u16 listen_port;
	u32 hello_ms, link_timeout_ms;
	struct delayed_work hello_work;

	/* Routes; changed under conf_lock, read under RCU. */
	struct rhashtable route_table;	/* by destination */
	struct list_head routes;	/* for dumps */
	u32 routes_seq;
	u64 next_route_id;		/* names helper routes to their tunnels */

	/* The routing helper: a netlink socket, 0 if none; under conf_lock. */
	u32 helper_portid;
	u32 miss_timeout_ms;

	/* Labels and tunnels; changed under conf_lock, read under RCU. */
	struct xarray labels;		/* label -> struct vcoyo_label */
	u32 next_label;
	struct list_head label_list;	/* for dumps and scans */
	u32 labels_seq;
	struct rhashtable tunnel_table;	/* by remote address */
	struct list_head tunnels;	/* for dumps and scans */
	u32 tunnels_seq;
	u32 setup_timeout_ms, tunnel_idle_ms;

	/* Packets for tunnels that are not UP, sent from atomic context. */
	struct sk_buff_head tx_defer;
	struct work_struct tx_work;

	/* SOCK_STREAM (stream_table.c). */
	struct xarray stream_ports;	/* port -> listener or connecting socket */
	u32 stream_next_port;
	struct rhashtable stream_conns;	/* by peer and ports */
	struct sk_buff_head stream_loop;	/* segments to this node itself */
	struct work_struct stream_loop_work;

	/* Signalling: control packets wait here for process context. */
	struct sk_buff_head ctl_queue;
	struct work_struct ctl_work;
	unsigned long no_label_at;	/* jiffies: when a NO_LABEL may go again */
	struct delayed_work expiry_work;
};

/* The socket of AF_VCOYO. */
struct vcoyo_sock {
	struct sock sk;			/* must be first */
	u16 port;			/* 0: not bound */
	bool autobound;			/* port picked by send or connect */
	struct vcoyo_addr bound_addr;	/* all zeroes: any */
	struct vcoyo_addr peer_addr;	/* valid in TCP_ESTABLISHED */
	u16 peer_port;
};

static inline struct vcoyo_sock *vcoyo_sk(const struct sock *sk)
{
	return container_of(sk, struct vcoyo_sock, sk);
}

/* main.c */
extern int vcoyo_family;

/* netns.c */
struct vcoyo_net *vcoyo_pernet(const struct net *net);
int vcoyo_netns_init(void);
void vcoyo_netns_exit(void);

static inline void vcoyo_stat_inc(struct vcoyo_net *vn, enum vcoyo_stat stat)
{
	this_cpu_inc(vn->stats->counter[stat - VCOYO_STAT_FIRST]);
}

u64 vcoyo_stat_read(struct vcoyo_net *vn, enum vcoyo_stat stat);

/* identity.c */
int vcoyo_identity_init(void);
void vcoyo_identity_exit(void);
int vcoyo_identity_set(struct vcoyo_net *vn, const u8 *private_key,
		       struct netlink_ext_ack *extack);
void vcoyo_identity_clear(struct vcoyo_net *vn);
bool vcoyo_addr_is_any(const struct vcoyo_addr *addr);
bool vcoyo_addr_is_local(struct vcoyo_net *vn, const struct vcoyo_addr *addr);
void vcoyo_local_addr(struct vcoyo_net *vn, struct vcoyo_addr *addr);
bool vcoyo_local_public_key(struct vcoyo_net *vn, u8 *key);
int vcoyo_addr_of_key(const u8 *public_key, struct vcoyo_addr *addr);

/* netlink.c */
int vcoyo_genl_init(void);
void vcoyo_genl_exit(void);
void vcoyo_genl_notify_identity(struct net *net);
void vcoyo_genl_notify_link(struct vcoyo_net *vn, struct vcoyo_link *link, gfp_t gfp);
void vcoyo_genl_notify_tunnel(struct vcoyo_net *vn, struct vcoyo_tunnel *t, u8 state);
void vcoyo_genl_notify_miss(struct vcoyo_net *vn, const struct vcoyo_addr *dest);

/* helper.c */
int vcoyo_helper_init(void);
void vcoyo_helper_exit(void);
int vcoyo_helper_set(struct vcoyo_net *vn, u32 portid, struct netlink_ext_ack *extack);

/* Under conf_lock, or READ_ONCE for a glance: is a helper there to ask? */
static inline bool vcoyo_helper_present(struct vcoyo_net *vn)
{
	return READ_ONCE(vn->helper_portid) != 0;
}

/* udp.c */
int vcoyo_udp_open(struct vcoyo_net *vn);
void vcoyo_udp_close(struct vcoyo_net *vn);
int vcoyo_udp_send(struct vcoyo_net *vn, const struct sockaddr_in6 *to,
		   const void *data, size_t len);
int vcoyo_udp_xmit(struct vcoyo_net *vn, struct vcoyo_link *link, struct sk_buff *skb,
		   u32 label);

/* Headroom a datagram needs in front of its payload to go out on a link. */
#define VCOYO_XMIT_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct udphdr) + sizeof(struct vcoyo_data))

/* link.c */
void vcoyo_links_init(struct vcoyo_net *vn);
void vcoyo_links_stop(struct vcoyo_net *vn);
void vcoyo_links_exit(struct vcoyo_net *vn);
int vcoyo_link_add(struct vcoyo_net *vn, const struct sockaddr_in6 *endpoint,
		   const u8 *peer_key, u32 *id, struct netlink_ext_ack *extack);
int vcoyo_link_del(struct vcoyo_net *vn, u32 id);
void vcoyo_link_rcv_hello(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
			  struct sk_buff *skb);
void vcoyo_links_reschedule(struct vcoyo_net *vn);
int vcoyo_link_fill(struct sk_buff *skb, struct list_head *entry);
bool vcoyo_link_exists(struct vcoyo_net *vn, u32 id);
struct vcoyo_link *vcoyo_link_by_id(struct vcoyo_net *vn, u32 id);
struct vcoyo_link *vcoyo_link_by_endpoint(struct vcoyo_net *vn,
					  const struct sockaddr_in6 *ep);
bool vcoyo_link_is_up(struct vcoyo_link *link);
struct vcoyo_link *vcoyo_link_by_neighbour(struct vcoyo_net *vn, const u8 *prefix, size_t len,
					   const struct vcoyo_link *except);

/* The sender of a packet is the neighbour at the end of @link. */
static inline bool vcoyo_link_is_from(const struct vcoyo_link *link,
				      const struct sockaddr_in6 *from)
{
	return link && link->endpoint.sin6_port == from->sin6_port &&
	       ipv6_addr_equal(&link->endpoint.sin6_addr, &from->sin6_addr) &&
	       link->endpoint.sin6_scope_id == from->sin6_scope_id;
}

/* label.c */
void vcoyo_labels_init(struct vcoyo_net *vn);
void vcoyo_labels_exit(struct vcoyo_net *vn);
struct vcoyo_label *vcoyo_label_new(struct vcoyo_net *vn, u8 role, struct vcoyo_link *up,
				    u32 up_label, struct vcoyo_link *down);
void vcoyo_label_release(struct vcoyo_net *vn, struct vcoyo_label *lbl);
struct vcoyo_label *vcoyo_label_find(struct vcoyo_net *vn, u32 id);
int vcoyo_label_fill(struct sk_buff *skb, struct list_head *entry);

/* The side of an end's label that leads into the network. */
static inline struct vcoyo_hop *vcoyo_label_net_hop(struct vcoyo_label *lbl)
{
	return lbl->role == VCOYO_LABEL_HEAD ? &lbl->down : &lbl->up;
}

static inline void vcoyo_label_touch(struct vcoyo_label *lbl)
{
	unsigned long now = jiffies;

	/* Written once a jiffy at most: the line stays shared between CPUs. */
	if (READ_ONCE(lbl->last_used) != now)
		WRITE_ONCE(lbl->last_used, now);
}

/* tunnel.c */
int vcoyo_tunnels_init(struct vcoyo_net *vn);
void vcoyo_tunnels_exit(struct vcoyo_net *vn);
int vcoyo_tunnel_send(struct vcoyo_net *vn, struct sk_buff *skb,
		      const struct vcoyo_addr *dst, u16 sport, u16 dport);
void vcoyo_tunnel_send_atomic(struct vcoyo_net *vn, struct sk_buff *skb,
			      const struct vcoyo_addr *dst);
struct vcoyo_tunnel *vcoyo_tunnel_find(struct vcoyo_net *vn, const struct vcoyo_addr *remote);
int vcoyo_tunnel_open(struct vcoyo_net *vn, const struct vcoyo_addr *remote,
		      struct vcoyo_label *lbl);
void vcoyo_tunnel_up(struct vcoyo_net *vn, struct vcoyo_tunnel *t);
void vcoyo_tunnel_unlabel(struct vcoyo_net *vn, struct vcoyo_tunnel *t);
void vcoyo_tunnel_renew(struct vcoyo_net *vn, struct vcoyo_tunnel *t);
void vcoyo_tunnel_end(struct vcoyo_net *vn, struct vcoyo_tunnel *t, u8 reason);
void vcoyo_tunnel_route_added(struct vcoyo_net *vn, const struct vcoyo_addr *dest);
int vcoyo_tunnel_unreachable(struct vcoyo_net *vn, const struct vcoyo_addr *dest);
void vcoyo_tunnels_helper_gone(struct vcoyo_net *vn);
int vcoyo_tunnel_fill(struct sk_buff *skb, struct list_head *entry);
int vcoyo_tunnel_fill_event(struct sk_buff *skb, struct vcoyo_tunnel *t, u8 state);

/* signal.c */
void vcoyo_signal_init(struct vcoyo_net *vn);
void vcoyo_signal_exit(struct vcoyo_net *vn);
void vcoyo_signal_rcv(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
		      struct sk_buff *skb);
void vcoyo_signal_no_label(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
			   struct sk_buff *skb, u32 label);
void vcoyo_signal_setup(struct vcoyo_net *vn, struct vcoyo_label *lbl,
			const struct vcoyo_addr *src, const struct vcoyo_addr *dst,
			const u8 *path, u8 path_len);
void vcoyo_signal_teardown(struct vcoyo_net *vn, struct vcoyo_label *lbl, u8 reason);
void vcoyo_signal_link_down(struct vcoyo_net *vn, struct vcoyo_link *link);
void vcoyo_signal_kick(struct vcoyo_net *vn);

/* switch.c */
void vcoyo_data_rcv(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
		    struct sk_buff *skb);

/* route.c */

/* A route to add: a link or a path of hop tags, and who adds it. */
struct vcoyo_route_spec {
	u32 link_id;			/* 0: the path is the way */
	const u8 *path;			/* path_len hop tags, one after the other */
	u8 path_len;
	u8 origin;			/* enum vcoyo_route_origin */
};

/*
 * Where a tunnel to a destination leaves this node: the link to the next
 * hop and, for a path route, the hop tags the setup carries beyond it (they
 * point into the route: valid under conf_lock only).
 */
struct vcoyo_route_hop {
	struct vcoyo_link *link;
	const u8 *path;			/* path_len hop tags, one after the other */
	u8 path_len;
	u8 reason;			/* enum vcoyo_reason, if there is no way */
	u64 route_id;			/* a helper route's, else 0 */
};

int vcoyo_routes_init(struct vcoyo_net *vn);
void vcoyo_routes_exit(struct vcoyo_net *vn);
int vcoyo_route_add(struct vcoyo_net *vn, const struct vcoyo_addr *dest,
		    const struct vcoyo_route_spec *spec, struct netlink_ext_ack *extack);
int vcoyo_route_del(struct vcoyo_net *vn, const struct vcoyo_addr *dest);
void vcoyo_route_forget(struct vcoyo_net *vn, const struct vcoyo_addr *dest, u64 route_id);
void vcoyo_routes_flush_link(struct vcoyo_net *vn, u32 link_id);
int vcoyo_route_resolve(struct vcoyo_net *vn, const struct vcoyo_addr *dest,
			const struct vcoyo_link *from, struct vcoyo_route_hop *hop);
int vcoyo_route_fill(struct sk_buff *skb, struct list_head *entry);

/* ports.c */
int vcoyo_port_bind(struct vcoyo_net *vn, struct vcoyo_sock *vs, u16 port);
void vcoyo_port_unbind(struct vcoyo_net *vn, struct vcoyo_sock *vs);
struct vcoyo_sock *vcoyo_port_lookup(struct vcoyo_net *vn, u16 port);

/* af.c */
int vcoyo_af_init(void);
void vcoyo_af_exit(void);
int vcoyo_sockaddr_check(const struct sockaddr *uaddr, int len);
int vcoyo_bind_check(struct sock *sk, const struct sockaddr *uaddr, int len, u16 *port);
void vcoyo_fill_sockaddr(struct sockaddr_vcoyo *sa, const struct vcoyo_addr *addr, u16 port);

/* dgram.c */
int vcoyo_dgram_init(void);
void vcoyo_dgram_exit(void);
int vcoyo_dgram_create(struct net *net, struct socket *sock, int kern);
int vcoyo_dgram_deliver(struct vcoyo_net *vn, struct sk_buff *skb,
			const struct vcoyo_addr *dst, u16 dport);

/* stream_*.c */
int vcoyo_stream_init(void);
void vcoyo_stream_exit(void);
int vcoyo_stream_create(struct net *net, struct socket *sock, int kern);
int vcoyo_stream_net_init(struct vcoyo_net *vn);
void vcoyo_stream_net_exit(struct vcoyo_net *vn);
void vcoyo_stream_rcv(struct vcoyo_net *vn, struct sk_buff *skb,
		      const struct vcoyo_addr *remote);
void vcoyo_stream_unreachable(struct sock *sk, int err);

/* Headroom a stream segment needs in front of its header to go out on a link. */
#define VCOYO_STREAM_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct udphdr) + sizeof(struct vcoyo_addr))

/* What a queued datagram starts with, before its payload. */
struct vcoyo_dgram_meta {
	struct vcoyo_addr src;
	u16 sport;
};

#endif /* _VCOYO_H */
