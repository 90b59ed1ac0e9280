/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the files of vcoyo.ko.  Each file owns one
 * responsibility; this header is the contract between them.
 */
#ifndef _VCOYO_H
#define _VCOYO_H

#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <linux/vcoyo.h>

/* Every counter of enum vcoyo_stat, as an index from 0. */
#define VCOYO_STAT_FIRST	VCOYO_STAT_DGRAM_SENT
#define VCOYO_STATS_NUM		(VCOYO_STAT_MAX - VCOYO_STAT_FIRST + 1)

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

	spinlock_t lock;		/* protects seen */
	struct vcoyo_link_seen seen;

	atomic64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
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

/* udp.c */
int vcoyo_udp_open(struct vcoyo_net *vn);
void vcoyo_udp_close(struct vcoyo_net *vn);
int vcoyo_udp_send(struct vcoyo_net *vn, const struct sockaddr_in6 *to,
		   const void *data, size_t len);

/* link.c */
void vcoyo_links_init(struct vcoyo_net *vn);
void vcoyo_links_exit(struct vcoyo_net *vn);
int vcoyo_link_add(struct vcoyo_net *vn, const struct sockaddr_in6 *endpoint,
		   const u8 *peer_key, u32 *id, struct netlink_ext_ack *extack);
int vcoyo_link_del(struct vcoyo_net *vn, u32 id);
void vcoyo_link_rcv_hello(struct vcoyo_net *vn, const struct sockaddr_in6 *from,
			  struct sk_buff *skb);
void vcoyo_links_reschedule(struct vcoyo_net *vn);
int vcoyo_link_fill(struct sk_buff *skb, struct list_head *entry);
bool vcoyo_link_exists(struct vcoyo_net *vn, u32 id);

/* route.c */
int vcoyo_routes_init(struct vcoyo_net *vn);
void vcoyo_routes_exit(struct vcoyo_net *vn);
int vcoyo_route_add(struct vcoyo_net *vn, const struct vcoyo_addr *dest, u32 link_id,
		    struct netlink_ext_ack *extack);
int vcoyo_route_del(struct vcoyo_net *vn, const struct vcoyo_addr *dest);
void vcoyo_routes_flush_link(struct vcoyo_net *vn, u32 link_id);
u32 vcoyo_route_lookup(struct vcoyo_net *vn, const struct vcoyo_addr *dest);
int vcoyo_route_fill(struct sk_buff *skb, struct list_head *entry);

/* ports.c */
int vcoyo_port_bind(struct vcoyo_net *vn, struct vcoyo_sock *vs, u16 port);
void vcoyo_port_unbind(struct vcoyo_net *vn, struct vcoyo_sock *vs);
struct vcoyo_sock *vcoyo_port_lookup(struct vcoyo_net *vn, u16 port);

/* af.c */
int vcoyo_af_init(void);
void vcoyo_af_exit(void);
int vcoyo_sockaddr_check(const struct sockaddr *uaddr, int len);

/* dgram.c */
int vcoyo_dgram_init(void);
void vcoyo_dgram_exit(void);
int vcoyo_dgram_create(struct net *net, struct socket *sock, int kern);

#endif /* _VCOYO_H */
