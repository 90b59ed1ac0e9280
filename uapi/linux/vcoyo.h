/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vcoyo: IPvCoyo, a network whose endpoints are named by 512-bit identifiers.
 *
 * This is the one header shared by the kernel module and userspace.  It holds
 * the socket address format, the limits of the datagram service and the
 * generic netlink interface.  Documentation/uapi.rst explains each item.
 */
#ifndef _UAPI_LINUX_VCOYO_H
#define _UAPI_LINUX_VCOYO_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * Address family.  The module registers AF_VCOYO under an unused number below
 * AF_MAX: by default 22 (AF_SNA, never implemented by Linux).  The number can
 * be changed with the module parameter "family"; programs read the number in
 * use from VCOYO_FAMILY_PATH or from VCOYO_A_FAMILY in VCOYO_CMD_ID_GET.
 */
#define VCOYO_AF_DEFAULT	22
#define VCOYO_FAMILY_PATH	"/sys/module/vcoyo/parameters/family"

/* A node's address is SHA-512 of its Curve25519 public key: 64 bytes. */
#define VCOYO_ADDR_LEN		64
/* Curve25519 private and public keys. */
#define VCOYO_KEY_LEN		32

/**
 * struct vcoyo_addr - a 512-bit IPvCoyo address, in network byte order
 * @bytes: the SHA-512 digest of the node's public key; all zeroes is the
 *	"any" address (bind to every address of this node, or send to it)
 */
struct vcoyo_addr {
	__u8 bytes[VCOYO_ADDR_LEN];
};

/**
 * struct sockaddr_vcoyo - socket address of AF_VCOYO
 * @svc_family: the family number in use (see VCOYO_FAMILY_PATH)
 * @svc_port: port, network byte order; 0 asks bind() for an ephemeral port
 * @svc_reserved: must be zero; the kernel writes zero
 * @svc_addr: the node address
 *
 * 72 bytes: it fits in struct sockaddr_storage.
 */
struct sockaddr_vcoyo {
	__kernel_sa_family_t	svc_family;
	__be16			svc_port;
	__u32			svc_reserved;
	struct vcoyo_addr	svc_addr;
};

/* Largest SOCK_DGRAM payload; larger sends fail with EMSGSIZE. */
#define VCOYO_DGRAM_MAX		65000

/* bind() to port 0 picks a free port from this range, cyclically. */
#define VCOYO_PORT_EPHEMERAL_MIN	32768
#define VCOYO_PORT_EPHEMERAL_MAX	60999
/* Binding below this port needs CAP_NET_BIND_SERVICE, as for UDP. */
#define VCOYO_PORT_PRIVILEGED	1024

/* Generic netlink: one family, network namespace aware. */
#define VCOYO_GENL_NAME		"vcoyo"
#define VCOYO_GENL_VERSION	1
/* The one multicast group: identity, link, tunnel and route-miss events. */
#define VCOYO_MCGRP_EVENTS	"events"

/**
 * enum vcoyo_cmd - generic netlink commands
 * @VCOYO_CMD_ID_GET: read the node identity. Reply carries VCOYO_A_FAMILY
 *	and, once a key is set, VCOYO_A_PUBLIC_KEY and VCOYO_A_ADDRESS.
 * @VCOYO_CMD_ID_SET: set the node's private key (VCOYO_A_PRIVATE_KEY,
 *	required).  Needs CAP_NET_ADMIN.  Also sent to the events group, in the
 *	format of the VCOYO_CMD_ID_GET reply, when the identity changes.
 * @VCOYO_CMD_STATS_GET: read the node's counters (VCOYO_A_STATS).
 * @VCOYO_CMD_NODE_GET: read the node's link settings (VCOYO_A_LISTEN_PORT,
 *	VCOYO_A_HELLO_INTERVAL, VCOYO_A_LINK_TIMEOUT).
 * @VCOYO_CMD_NODE_SET: change any of them.  Needs CAP_NET_ADMIN.
 * @VCOYO_CMD_LINK_ADD: add a link to a neighbour: VCOYO_A_LINK holding
 *	VCOYO_LINK_A_ENDPOINT and optionally VCOYO_LINK_A_PEER_KEY.  The reply
 *	names the new link (VCOYO_LINK_A_ID).  Needs CAP_NET_ADMIN.
 * @VCOYO_CMD_LINK_DEL: delete the link VCOYO_LINK_A_ID inside VCOYO_A_LINK.
 *	Needs CAP_NET_ADMIN.
 * @VCOYO_CMD_LINK_GET: dump the links, one message each (VCOYO_A_LINK).
 * @VCOYO_CMD_ROUTE_ADD: add a route: VCOYO_A_ROUTE holding
 *	VCOYO_ROUTE_A_DEST and either VCOYO_ROUTE_A_LINK (the next hop is the
 *	neighbour on that link) or VCOYO_ROUTE_A_PATH (the nodes to go through,
 *	the first a neighbour), and optionally VCOYO_ROUTE_A_ORIGIN.  Any new
 *	route replaces a helper route to the same destination; a helper route
 *	never replaces a static one, and a static route stays until deleted
 *	(EEXIST).  Needs CAP_NET_ADMIN.
 * @VCOYO_CMD_ROUTE_DEL: delete the route to VCOYO_ROUTE_A_DEST.  Needs
 *	CAP_NET_ADMIN.
 * @VCOYO_CMD_ROUTE_GET: dump the routes, one message each (VCOYO_A_ROUTE).
 * @VCOYO_CMD_TUNNEL_GET: dump the tunnels that end at this node, one message
 *	each (VCOYO_A_TUNNEL).  Also sent to the events group when a tunnel
 *	comes up, fails or goes away (VCOYO_TUNNEL_A_STATE says which).
 * @VCOYO_CMD_LABEL_GET: dump the node's labels, one message each
 *	(VCOYO_A_LABEL): those of its own tunnels and those it switches.
 * @VCOYO_CMD_HELPER_SET: make the sending netlink socket the node's routing
 *	helper, until it closes.  EBUSY if another socket is the helper.
 *	Needs CAP_NET_ADMIN.
 * @VCOYO_CMD_ROUTE_MISS: sent to the events group when the node has no
 *	route to a destination it must reach and a helper is registered:
 *	VCOYO_A_ROUTE holding VCOYO_ROUTE_A_DEST.  The helper answers with
 *	VCOYO_CMD_ROUTE_ADD or VCOYO_CMD_ROUTE_UNREACHABLE within the miss
 *	timeout (VCOYO_A_MISS_TIMEOUT).
 * @VCOYO_CMD_ROUTE_UNREACHABLE: the helper's answer that the destination
 *	VCOYO_ROUTE_A_DEST (inside VCOYO_A_ROUTE) cannot be reached: datagrams
 *	waiting for it fail with EHOSTUNREACH.  Needs CAP_NET_ADMIN.
 *
 * Link state changes are sent to the events group as VCOYO_CMD_LINK_GET
 * messages, in the format of the dump.
 */
enum vcoyo_cmd {
	VCOYO_CMD_UNSPEC,
	VCOYO_CMD_ID_GET,
	VCOYO_CMD_ID_SET,
	VCOYO_CMD_STATS_GET,
	VCOYO_CMD_NODE_GET,
	VCOYO_CMD_NODE_SET,
	VCOYO_CMD_LINK_ADD,
	VCOYO_CMD_LINK_DEL,
	VCOYO_CMD_LINK_GET,
	VCOYO_CMD_ROUTE_ADD,
	VCOYO_CMD_ROUTE_DEL,
	VCOYO_CMD_ROUTE_GET,
	VCOYO_CMD_TUNNEL_GET,
	VCOYO_CMD_LABEL_GET,
	VCOYO_CMD_HELPER_SET,
	VCOYO_CMD_ROUTE_MISS,
	VCOYO_CMD_ROUTE_UNREACHABLE,

	__VCOYO_CMD_MAX,
};

#define VCOYO_CMD_MAX (__VCOYO_CMD_MAX - 1)

/**
 * enum vcoyo_attr - generic netlink attributes
 * @VCOYO_A_PRIVATE_KEY: binary, VCOYO_KEY_LEN bytes; never sent by the kernel
 * @VCOYO_A_PUBLIC_KEY: binary, VCOYO_KEY_LEN bytes
 * @VCOYO_A_ADDRESS: binary, VCOYO_ADDR_LEN bytes
 * @VCOYO_A_FAMILY: u16, the address family number the module registered
 * @VCOYO_A_STATS: nested, enum vcoyo_stat
 * @VCOYO_A_LISTEN_PORT: u16, the UDP port of the node's links
 * @VCOYO_A_HELLO_INTERVAL: u32, milliseconds between hellos on each link
 * @VCOYO_A_LINK_TIMEOUT: u32, milliseconds of silence before a link is down
 * @VCOYO_A_LINK: nested, enum vcoyo_link_attr
 * @VCOYO_A_ROUTE: nested, enum vcoyo_route_attr
 * @VCOYO_A_SETUP_TIMEOUT: u32, milliseconds a tunnel setup may take before
 *	it fails; also how long a failed destination answers EHOSTUNREACH
 *	before the next datagram tries again
 * @VCOYO_A_TUNNEL_IDLE: u32, milliseconds without traffic after which a
 *	tunnel expires
 * @VCOYO_A_TUNNEL: nested, enum vcoyo_tunnel_attr
 * @VCOYO_A_LABEL: nested, enum vcoyo_label_attr
 * @VCOYO_A_MISS_TIMEOUT: u32, milliseconds the helper has to answer a
 *	route miss before the datagrams waiting for it fail
 * @VCOYO_A_HELPER: u8, in VCOYO_CMD_NODE_GET: 1 if a helper is registered
 */
enum vcoyo_attr {
	VCOYO_A_UNSPEC,
	VCOYO_A_PRIVATE_KEY,
	VCOYO_A_PUBLIC_KEY,
	VCOYO_A_ADDRESS,
	VCOYO_A_FAMILY,
	VCOYO_A_STATS,
	VCOYO_A_LISTEN_PORT,
	VCOYO_A_HELLO_INTERVAL,
	VCOYO_A_LINK_TIMEOUT,
	VCOYO_A_LINK,
	VCOYO_A_ROUTE,
	VCOYO_A_SETUP_TIMEOUT,
	VCOYO_A_TUNNEL_IDLE,
	VCOYO_A_TUNNEL,
	VCOYO_A_LABEL,
	VCOYO_A_MISS_TIMEOUT,
	VCOYO_A_HELPER,

	__VCOYO_A_MAX,
};

#define VCOYO_A_MAX (__VCOYO_A_MAX - 1)

/**
 * enum vcoyo_stat - per-node counters, each a u64 inside VCOYO_A_STATS
 * @VCOYO_STAT_PAD: padding for 64-bit alignment, never a counter
 * @VCOYO_STAT_DGRAM_SENT: datagrams accepted by sendmsg()
 * @VCOYO_STAT_DGRAM_DELIVERED: datagrams queued to a receiving socket
 * @VCOYO_STAT_DROP_NO_PORT: no socket bound to the destination port (or
 *	the bound socket is connected to another peer)
 * @VCOYO_STAT_DROP_RCVBUF: the receiving socket's buffer was full
 * @VCOYO_STAT_HELLO_SENT: hellos sent on all links
 * @VCOYO_STAT_HELLO_RECEIVED: hellos accepted from a configured neighbour
 * @VCOYO_STAT_RX_TRUNCATED: packet shorter than its header said
 * @VCOYO_STAT_RX_BAD_VERSION: packet of another protocol version
 * @VCOYO_STAT_RX_UNKNOWN_TYPE: packet of a type this node does not know
 * @VCOYO_STAT_RX_MALFORMED: a field of the packet has an impossible value
 * @VCOYO_STAT_RX_UNKNOWN_ENDPOINT: packet from an address no link points to
 * @VCOYO_STAT_RX_KEY_MISMATCH: hello with a key other than the expected one
 * @VCOYO_STAT_SWITCHED: data packets this node switched by label to the
 *	next hop of a tunnel it is a transit node of
 * @VCOYO_STAT_TUNNEL_SETUP: tunnel setups this node started
 * @VCOYO_STAT_TUNNEL_UP: tunnels that came up with this node at one end
 * @VCOYO_STAT_TUNNEL_FAILED: setups this node started that were refused on
 *	the way or timed out
 * @VCOYO_STAT_TUNNEL_EXPIRED: labels released because their tunnel was idle
 *	(or, on a transit node, its setup never finished)
 * @VCOYO_STAT_TUNNEL_TORN_DOWN: labels released by a teardown: one received,
 *	or a link of theirs that went down
 * @VCOYO_STAT_SETUP_REFUSED: setups this node refused: no route, link down,
 *	hop limit reached, no label left
 * @VCOYO_STAT_DROP_UNREACHABLE: datagrams dropped because their tunnel could
 *	not be set up (queued ones, and those refused with EHOSTUNREACH)
 * @VCOYO_STAT_DROP_QUEUE_FULL: datagrams dropped because the queue of a
 *	tunnel being set up was full
 * @VCOYO_STAT_DROP_CTL_OVERFLOW: control packets dropped because too many
 *	were waiting to be handled
 * @VCOYO_STAT_RX_UNKNOWN_LABEL: packet for a label this node has not
 *	allocated
 * @VCOYO_STAT_RX_WRONG_LINK: packet whose label is not bound to the link it
 *	arrived on
 * @VCOYO_STAT_RX_LABEL_PENDING: data packet for a tunnel whose setup has not
 *	yet reached the side it must go to
 * @VCOYO_STAT_TX_ERROR: packets the underlay could not send
 * @VCOYO_STAT_ROUTE_MISS: route misses sent to the helper
 * @VCOYO_STAT_MISS_RESOLVED: misses the helper answered with a route
 * @VCOYO_STAT_MISS_UNREACHABLE: misses the helper answered "unreachable"
 * @VCOYO_STAT_MISS_TIMEOUT: misses the helper did not answer in time
 * @VCOYO_STAT_MISS_NO_HELPER: misses that failed at once, or when the
 *	helper went away, because no helper was registered
 * @VCOYO_STAT_STREAM_ACTIVE_OPENS: stream connections this node started
 * @VCOYO_STAT_STREAM_PASSIVE_OPENS: stream connections a listener took
 * @VCOYO_STAT_STREAM_ESTABLISHED: stream connections that were established
 * @VCOYO_STAT_STREAM_SEGS_OUT: stream segments sent, retransmissions included
 * @VCOYO_STAT_STREAM_SEGS_IN: stream segments received for a socket
 * @VCOYO_STAT_STREAM_RETRANS: stream segments sent again
 * @VCOYO_STAT_STREAM_FAST_RETRANS: retransmissions by duplicate acknowledgments
 *	or selective acknowledgments, not by the timer
 * @VCOYO_STAT_STREAM_TIMEOUTS: retransmission timer expiries
 * @VCOYO_STAT_STREAM_RESETS_SENT: resets sent
 * @VCOYO_STAT_STREAM_RESETS_RECEIVED: resets that ended a connection
 * @VCOYO_STAT_STREAM_NO_SOCKET: segments for a port with no connection and
 *	no listener (answered with a reset)
 * @VCOYO_STAT_STREAM_BACKLOG_FULL: connection requests dropped because the
 *	listener's backlog was full
 * @VCOYO_STAT_STREAM_OUT_OF_ORDER: segments held until the gap before them
 *	was filled
 * @VCOYO_STAT_STREAM_OUT_OF_WINDOW: segments outside the receive window
 *	(answered with an acknowledgment)
 * @VCOYO_STAT_STREAM_DROP_RCVBUF: segments dropped because the receiver's
 *	buffer was full
 * @VCOYO_STAT_STREAM_CONN_TIMEOUT: connections given up because the peer
 *	stopped answering (ETIMEDOUT)
 */
enum vcoyo_stat {
	VCOYO_STAT_UNSPEC,
	VCOYO_STAT_PAD,
	VCOYO_STAT_DGRAM_SENT,
	VCOYO_STAT_DGRAM_DELIVERED,
	VCOYO_STAT_DROP_NO_PORT,
	VCOYO_STAT_DROP_RCVBUF,
	VCOYO_STAT_HELLO_SENT,
	VCOYO_STAT_HELLO_RECEIVED,
	VCOYO_STAT_RX_TRUNCATED,
	VCOYO_STAT_RX_BAD_VERSION,
	VCOYO_STAT_RX_UNKNOWN_TYPE,
	VCOYO_STAT_RX_MALFORMED,
	VCOYO_STAT_RX_UNKNOWN_ENDPOINT,
	VCOYO_STAT_RX_KEY_MISMATCH,
	VCOYO_STAT_SWITCHED,
	VCOYO_STAT_TUNNEL_SETUP,
	VCOYO_STAT_TUNNEL_UP,
	VCOYO_STAT_TUNNEL_FAILED,
	VCOYO_STAT_TUNNEL_EXPIRED,
	VCOYO_STAT_TUNNEL_TORN_DOWN,
	VCOYO_STAT_SETUP_REFUSED,
	VCOYO_STAT_DROP_UNREACHABLE,
	VCOYO_STAT_DROP_QUEUE_FULL,
	VCOYO_STAT_DROP_CTL_OVERFLOW,
	VCOYO_STAT_RX_UNKNOWN_LABEL,
	VCOYO_STAT_RX_WRONG_LINK,
	VCOYO_STAT_RX_LABEL_PENDING,
	VCOYO_STAT_TX_ERROR,
	VCOYO_STAT_ROUTE_MISS,
	VCOYO_STAT_MISS_RESOLVED,
	VCOYO_STAT_MISS_UNREACHABLE,
	VCOYO_STAT_MISS_TIMEOUT,
	VCOYO_STAT_MISS_NO_HELPER,
	VCOYO_STAT_STREAM_ACTIVE_OPENS,
	VCOYO_STAT_STREAM_PASSIVE_OPENS,
	VCOYO_STAT_STREAM_ESTABLISHED,
	VCOYO_STAT_STREAM_SEGS_OUT,
	VCOYO_STAT_STREAM_SEGS_IN,
	VCOYO_STAT_STREAM_RETRANS,
	VCOYO_STAT_STREAM_FAST_RETRANS,
	VCOYO_STAT_STREAM_TIMEOUTS,
	VCOYO_STAT_STREAM_RESETS_SENT,
	VCOYO_STAT_STREAM_RESETS_RECEIVED,
	VCOYO_STAT_STREAM_NO_SOCKET,
	VCOYO_STAT_STREAM_BACKLOG_FULL,
	VCOYO_STAT_STREAM_OUT_OF_ORDER,
	VCOYO_STAT_STREAM_OUT_OF_WINDOW,
	VCOYO_STAT_STREAM_DROP_RCVBUF,
	VCOYO_STAT_STREAM_CONN_TIMEOUT,

	__VCOYO_STAT_MAX,
};

#define VCOYO_STAT_MAX (__VCOYO_STAT_MAX - 1)

/**
 * enum vcoyo_link_state - what a node knows of a link
 * @VCOYO_LINK_DOWN: no hello heard within the link timeout
 * @VCOYO_LINK_UP: hellos arrive from the expected neighbour
 * @VCOYO_LINK_KEY_MISMATCH: hellos arrive, signed by another key than the
 *	one configured: the link stays down
 */
enum vcoyo_link_state {
	VCOYO_LINK_DOWN,
	VCOYO_LINK_UP,
	VCOYO_LINK_KEY_MISMATCH,
};

/**
 * enum vcoyo_link_attr - attributes of a link, nested in VCOYO_A_LINK
 * @VCOYO_LINK_A_PAD: padding for 64-bit alignment
 * @VCOYO_LINK_A_ID: u32, the link's number on this node
 * @VCOYO_LINK_A_ENDPOINT: binary, struct sockaddr_in or sockaddr_in6 of
 *	the neighbour's UDP socket
 * @VCOYO_LINK_A_PEER_KEY: binary, VCOYO_KEY_LEN: the public key the
 *	neighbour must have (optional)
 * @VCOYO_LINK_A_STATE: u8, enum vcoyo_link_state
 * @VCOYO_LINK_A_REMOTE_KEY: binary, the public key in the last hello
 * @VCOYO_LINK_A_REMOTE_ADDRESS: binary, VCOYO_ADDR_LEN: its address
 * @VCOYO_LINK_A_RTT_US: u32, smoothed round-trip time in microseconds
 * @VCOYO_LINK_A_TX_PACKETS: u64, packets sent on the link
 * @VCOYO_LINK_A_TX_BYTES: u64, their UDP payload bytes
 * @VCOYO_LINK_A_RX_PACKETS: u64, packets received on the link
 * @VCOYO_LINK_A_RX_BYTES: u64, their UDP payload bytes
 * @VCOYO_LINK_A_LAST_RX_MS: u32, milliseconds since the last hello
 *	(absent if none was ever heard)
 */
enum vcoyo_link_attr {
	VCOYO_LINK_A_UNSPEC,
	VCOYO_LINK_A_PAD,
	VCOYO_LINK_A_ID,
	VCOYO_LINK_A_ENDPOINT,
	VCOYO_LINK_A_PEER_KEY,
	VCOYO_LINK_A_STATE,
	VCOYO_LINK_A_REMOTE_KEY,
	VCOYO_LINK_A_REMOTE_ADDRESS,
	VCOYO_LINK_A_RTT_US,
	VCOYO_LINK_A_TX_PACKETS,
	VCOYO_LINK_A_TX_BYTES,
	VCOYO_LINK_A_RX_PACKETS,
	VCOYO_LINK_A_RX_BYTES,
	VCOYO_LINK_A_LAST_RX_MS,

	__VCOYO_LINK_A_MAX,
};

#define VCOYO_LINK_A_MAX (__VCOYO_LINK_A_MAX - 1)

/**
 * enum vcoyo_route_attr - attributes of a route, nested in VCOYO_A_ROUTE
 * @VCOYO_ROUTE_A_DEST: binary, VCOYO_ADDR_LEN: the destination node
 * @VCOYO_ROUTE_A_LINK: u32, the link (VCOYO_LINK_A_ID) to the next hop
 * @VCOYO_ROUTE_A_ORIGIN: u8, enum vcoyo_route_origin; VCOYO_ROUTE_STATIC
 *	if absent in VCOYO_CMD_ROUTE_ADD
 * @VCOYO_ROUTE_A_PATH: binary, 1 to VCOYO_PATH_MAX hop tags of
 *	VCOYO_TAG_LEN bytes: the nodes a tunnel to the destination goes
 *	through, nearest first; the first is a neighbour of this node and the
 *	last a neighbour of the destination.  A tunnel set up along such a
 *	route carries the path in its setup (struct vcoyo_setup).
 */
enum vcoyo_route_attr {
	VCOYO_ROUTE_A_UNSPEC,
	VCOYO_ROUTE_A_DEST,
	VCOYO_ROUTE_A_LINK,
	VCOYO_ROUTE_A_ORIGIN,
	VCOYO_ROUTE_A_PATH,

	__VCOYO_ROUTE_A_MAX,
};

#define VCOYO_ROUTE_A_MAX (__VCOYO_ROUTE_A_MAX - 1)

/**
 * enum vcoyo_route_origin - who put a route in the table
 * @VCOYO_ROUTE_STATIC: the administrator; takes precedence
 * @VCOYO_ROUTE_HELPER: the routing helper (vcoyod); removed when a tunnel
 *	set up along it fails or is torn down by a fault, so that the next
 *	datagram asks the helper again
 */
enum vcoyo_route_origin {
	VCOYO_ROUTE_STATIC,
	VCOYO_ROUTE_HELPER,
};

/**
 * enum vcoyo_tunnel_state - a tunnel, seen from one of its ends
 * @VCOYO_TUNNEL_PENDING: this node sent a setup and waits for the answer;
 *	datagrams to the destination are queued
 * @VCOYO_TUNNEL_UP: both directions are ready
 * @VCOYO_TUNNEL_FAILED: the setup failed; datagrams to the destination fail
 *	with EHOSTUNREACH until the setup timeout has passed again
 * @VCOYO_TUNNEL_DOWN: in events only: the tunnel is gone (torn down or idle)
 * @VCOYO_TUNNEL_RESOLVING: no route: the helper was asked (a route miss)
 *	and datagrams to the destination are queued until it answers
 */
enum vcoyo_tunnel_state {
	VCOYO_TUNNEL_PENDING,
	VCOYO_TUNNEL_UP,
	VCOYO_TUNNEL_FAILED,
	VCOYO_TUNNEL_DOWN,
	VCOYO_TUNNEL_RESOLVING,
};

/**
 * enum vcoyo_reason - why a tunnel failed or went away; also on the wire
 * @VCOYO_REASON_NONE: no reason given
 * @VCOYO_REASON_NO_ROUTE: a node on the way has no route to the destination
 * @VCOYO_REASON_LINK_DOWN: a link on the way is down or was deleted
 * @VCOYO_REASON_HOP_LIMIT: the setup went through VCOYO_SETUP_HOPS nodes
 * @VCOYO_REASON_NO_LABELS: a node on the way has no label left
 * @VCOYO_REASON_IDLE: no traffic for the tunnel idle time
 * @VCOYO_REASON_TIMEOUT: the setup did not finish within the setup timeout
 * @VCOYO_REASON_REPLACED: a newer tunnel between the same two nodes
 *	replaced this one
 * @VCOYO_REASON_INVALID: the setup named impossible endpoints
 * @VCOYO_REASON_NO_LABEL: a node on the way no longer knew the tunnel
 * @VCOYO_REASON_UNREACHABLE: the routing helper found no way there
 * @VCOYO_REASON_NO_HELPER: no route, and no routing helper to ask (or it
 *	went away before it answered)
 * @VCOYO_REASON_MISS_TIMEOUT: the helper did not answer within the miss
 *	timeout
 * @VCOYO_REASON_NO_NEIGHBOUR: a setup's path named a node that is not a
 *	neighbour of the node it reached (or whose link is down)
 */
enum vcoyo_reason {
	VCOYO_REASON_NONE,
	VCOYO_REASON_NO_ROUTE,
	VCOYO_REASON_LINK_DOWN,
	VCOYO_REASON_HOP_LIMIT,
	VCOYO_REASON_NO_LABELS,
	VCOYO_REASON_IDLE,
	VCOYO_REASON_TIMEOUT,
	VCOYO_REASON_REPLACED,
	VCOYO_REASON_INVALID,
	VCOYO_REASON_NO_LABEL,
	VCOYO_REASON_UNREACHABLE,
	VCOYO_REASON_NO_HELPER,
	VCOYO_REASON_MISS_TIMEOUT,
	VCOYO_REASON_NO_NEIGHBOUR,
};

/**
 * enum vcoyo_tunnel_attr - a tunnel ending at this node, nested in
 *	VCOYO_A_TUNNEL
 * @VCOYO_TUNNEL_A_PAD: padding for 64-bit alignment
 * @VCOYO_TUNNEL_A_REMOTE: binary, VCOYO_ADDR_LEN: the node at the other end
 * @VCOYO_TUNNEL_A_STATE: u8, enum vcoyo_tunnel_state
 * @VCOYO_TUNNEL_A_INITIATOR: u8, 1 if this node set the tunnel up
 * @VCOYO_TUNNEL_A_LABEL: u32, this node's label for the tunnel
 * @VCOYO_TUNNEL_A_PEER_LABEL: u32, the neighbour's label, that this node
 *	writes in the packets it sends (absent until known)
 * @VCOYO_TUNNEL_A_LINK: u32, the link the tunnel leaves this node by
 * @VCOYO_TUNNEL_A_IDLE_MS: u32, milliseconds since the last packet
 * @VCOYO_TUNNEL_A_QUEUED: u32, datagrams waiting for the setup to finish
 * @VCOYO_TUNNEL_A_TX_PACKETS: u64, datagrams sent through the tunnel
 * @VCOYO_TUNNEL_A_TX_BYTES: u64, their payload bytes
 * @VCOYO_TUNNEL_A_RX_PACKETS: u64, datagrams received through it
 * @VCOYO_TUNNEL_A_RX_BYTES: u64, their payload bytes
 * @VCOYO_TUNNEL_A_REASON: u8, enum vcoyo_reason: why it failed or went away
 */
enum vcoyo_tunnel_attr {
	VCOYO_TUNNEL_A_UNSPEC,
	VCOYO_TUNNEL_A_PAD,
	VCOYO_TUNNEL_A_REMOTE,
	VCOYO_TUNNEL_A_STATE,
	VCOYO_TUNNEL_A_INITIATOR,
	VCOYO_TUNNEL_A_LABEL,
	VCOYO_TUNNEL_A_PEER_LABEL,
	VCOYO_TUNNEL_A_LINK,
	VCOYO_TUNNEL_A_IDLE_MS,
	VCOYO_TUNNEL_A_QUEUED,
	VCOYO_TUNNEL_A_TX_PACKETS,
	VCOYO_TUNNEL_A_TX_BYTES,
	VCOYO_TUNNEL_A_RX_PACKETS,
	VCOYO_TUNNEL_A_RX_BYTES,
	VCOYO_TUNNEL_A_REASON,

	__VCOYO_TUNNEL_A_MAX,
};

#define VCOYO_TUNNEL_A_MAX (__VCOYO_TUNNEL_A_MAX - 1)

/**
 * enum vcoyo_label_role - what a node is to a tunnel it holds a label of
 * @VCOYO_LABEL_HEAD: the tunnel's initiator
 * @VCOYO_LABEL_TAIL: the tunnel's other end
 * @VCOYO_LABEL_TRANSIT: a node on the way, switching between two links
 */
enum vcoyo_label_role {
	VCOYO_LABEL_HEAD,
	VCOYO_LABEL_TAIL,
	VCOYO_LABEL_TRANSIT,
};

/**
 * enum vcoyo_label_attr - one label of this node, nested in VCOYO_A_LABEL
 * @VCOYO_LABEL_A_PAD: padding for 64-bit alignment
 * @VCOYO_LABEL_A_ID: u32, the label
 * @VCOYO_LABEL_A_ROLE: u8, enum vcoyo_label_role
 * @VCOYO_LABEL_A_UP_LINK: u32, the link towards the initiator (absent at
 *	the head)
 * @VCOYO_LABEL_A_UP_LABEL: u32, the label of the next node that way
 * @VCOYO_LABEL_A_DOWN_LINK: u32, the link towards the other end (absent at
 *	the tail)
 * @VCOYO_LABEL_A_DOWN_LABEL: u32, the label of the next node that way
 *	(absent until the setup's answer has come back)
 * @VCOYO_LABEL_A_IDLE_MS: u32, milliseconds since the last packet
 * @VCOYO_LABEL_A_PACKETS: u64, data packets that arrived with this label
 * @VCOYO_LABEL_A_BYTES: u64, their bytes, headers included
 */
enum vcoyo_label_attr {
	VCOYO_LABEL_A_UNSPEC,
	VCOYO_LABEL_A_PAD,
	VCOYO_LABEL_A_ID,
	VCOYO_LABEL_A_ROLE,
	VCOYO_LABEL_A_UP_LINK,
	VCOYO_LABEL_A_UP_LABEL,
	VCOYO_LABEL_A_DOWN_LINK,
	VCOYO_LABEL_A_DOWN_LABEL,
	VCOYO_LABEL_A_IDLE_MS,
	VCOYO_LABEL_A_PACKETS,
	VCOYO_LABEL_A_BYTES,

	__VCOYO_LABEL_A_MAX,
};

#define VCOYO_LABEL_A_MAX (__VCOYO_LABEL_A_MAX - 1)

/* Link and tunnel defaults, changed with VCOYO_CMD_NODE_SET. */
#define VCOYO_DEFAULT_PORT		4477
#define VCOYO_DEFAULT_HELLO_MS		1000
#define VCOYO_DEFAULT_LINK_TIMEOUT_MS	3500
#define VCOYO_DEFAULT_SETUP_TIMEOUT_MS	2000
#define VCOYO_DEFAULT_TUNNEL_IDLE_MS	60000
#define VCOYO_DEFAULT_MISS_TIMEOUT_MS	5000

/* Ranges of the node settings, in milliseconds. */
#define VCOYO_HELLO_MS_MIN		10
#define VCOYO_HELLO_MS_MAX		60000
#define VCOYO_LINK_TIMEOUT_MS_MIN	50
#define VCOYO_LINK_TIMEOUT_MS_MAX	600000
#define VCOYO_SETUP_TIMEOUT_MS_MIN	50
#define VCOYO_SETUP_TIMEOUT_MS_MAX	60000
#define VCOYO_TUNNEL_IDLE_MS_MIN	100
#define VCOYO_TUNNEL_IDLE_MS_MAX	86400000
#define VCOYO_MISS_TIMEOUT_MS_MIN	50
#define VCOYO_MISS_TIMEOUT_MS_MAX	60000

/* Datagrams a tunnel being set up holds; more are dropped and counted. */
#define VCOYO_TUNNEL_QUEUE_MAX		64
/* Labels a node may hold at once, numbered 1 to VCOYO_LABEL_MAX. */
#define VCOYO_LABEL_MAX			((1U << 20) - 1)
/* Nodes a setup may cross: the end of routing loops. */
#define VCOYO_SETUP_HOPS		64

/*
 * A node on a path is named by a hop tag: the first VCOYO_TAG_LEN bytes of
 * its address.  It only has to tell apart the neighbours of the node before
 * it; the destination itself is always named in full.
 */
#define VCOYO_TAG_LEN			8
/* Hop tags a route or a setup may carry: the nodes between the two ends. */
#define VCOYO_PATH_MAX			(VCOYO_SETUP_HOPS - 1)

/*
 * Wire format between neighbours (Documentation/wire.rst): the payload of a
 * UDP datagram, every field in network byte order.  Every packet starts
 * with struct vcoyo_hdr.
 */
#define VCOYO_WIRE_VERSION	1

/*
 * Types 1-63 are control messages between neighbours, 64-127 data, and
 * 128-255 are kept for the end-to-end encrypted types of a later version.
 */
enum vcoyo_msg_type {
	VCOYO_MSG_HELLO = 1,
	VCOYO_MSG_SETUP = 2,
	VCOYO_MSG_ACK = 3,
	VCOYO_MSG_TEARDOWN = 4,
	VCOYO_MSG_NO_LABEL = 5,
	VCOYO_MSG_DATA = 64,
	VCOYO_MSG_STREAM = 65,
};

/**
 * struct vcoyo_hdr - the header of every packet
 * @version: VCOYO_WIRE_VERSION; a packet of another version is dropped
 * @type: enum vcoyo_msg_type
 * @reserved: zero when sent, ignored when received
 */
struct vcoyo_hdr {
	__u8	version;
	__u8	type;
	__be16	reserved;
};

/**
 * struct vcoyo_hello - link keepalive, and who is at the far end
 * @hdr: type VCOYO_MSG_HELLO
 * @reserved: zero when sent, ignored when received
 * @public_key: the sender's public key; its address is SHA-512 of it
 * @tx_ns: the sender's clock when sending, in nanoseconds
 * @echo_ns: the last @tx_ns the sender heard from this neighbour, plus the
 *	time it held it; zero if it has heard none.  The receiver's round-trip
 *	time is its clock minus @echo_ns.
 *
 * 56 bytes, no implicit padding.
 */
struct vcoyo_hello {
	struct vcoyo_hdr	hdr;
	__be32			reserved;
	__u8			public_key[VCOYO_KEY_LEN];
	__be64			tx_ns;
	__be64			echo_ns;
};

/**
 * struct vcoyo_setup - set a tunnel up, one hop further
 * @hdr: type VCOYO_MSG_SETUP
 * @label: the sender's label for the tunnel: the receiver writes it in what
 *	it sends back this way
 * @hops_left: nodes the setup may still cross; a node that receives it at 0
 *	refuses it (VCOYO_REASON_HOP_LIMIT)
 * @path_len: hop tags that follow (0 to VCOYO_PATH_MAX)
 * @reserved: zero when sent, ignored when received
 * @src: the initiator's address
 * @dst: the address of the node at the other end
 * @path: the nodes the setup must still go through, next first, each a
 *	VCOYO_TAG_LEN-byte hop tag.  A node takes the first tag off and passes
 *	the setup to the neighbour it names.  With no tags left, it follows
 *	its own route to @dst.
 *
 * 140 bytes, then path_len * VCOYO_TAG_LEN bytes of path.
 */
struct vcoyo_setup {
	struct vcoyo_hdr	hdr;
	__be32			label;
	__u8			hops_left;
	__u8			path_len;
	__u8			reserved[2];
	struct vcoyo_addr	src;
	struct vcoyo_addr	dst;
	__u8			path[][VCOYO_TAG_LEN];
};

/**
 * struct vcoyo_ack - a setup succeeded, one hop back
 * @hdr: type VCOYO_MSG_ACK
 * @label: the receiver's label, from the setup it sent
 * @peer_label: the sender's label for the tunnel
 *
 * 12 bytes.
 */
struct vcoyo_ack {
	struct vcoyo_hdr	hdr;
	__be32			label;
	__be32			peer_label;
};

/**
 * struct vcoyo_teardown - a tunnel is gone, or its setup failed
 * @hdr: type VCOYO_MSG_TEARDOWN
 * @label: the receiver's label for the tunnel
 * @reason: enum vcoyo_reason
 * @reserved: zero when sent, ignored when received
 *
 * 12 bytes.
 */
struct vcoyo_teardown {
	struct vcoyo_hdr	hdr;
	__be32			label;
	__u8			reason;
	__u8			reserved[3];
};

/**
 * struct vcoyo_no_label - a data packet came for a label this node lacks
 * @hdr: type VCOYO_MSG_NO_LABEL
 * @label: the label the packet carried: the receiver's neighbour's label,
 *	which the receiver tears its tunnel down for
 *
 * 8 bytes.  The answer to a tunnel whose far side was released without the
 * sender being told; sent at most a few times a second.
 */
struct vcoyo_no_label {
	struct vcoyo_hdr	hdr;
	__be32			label;
};

/**
 * struct vcoyo_data - the header of a datagram in a tunnel
 * @hdr: type VCOYO_MSG_DATA
 * @label: the receiver's label for the tunnel
 * @sport: the sending socket's port
 * @dport: the receiving socket's port
 *
 * 12 bytes, followed by the payload.
 */
struct vcoyo_data {
	struct vcoyo_hdr	hdr;
	__be32			label;
	__be16			sport;
	__be16			dport;
};

/* Flags of a stream segment. */
#define VCOYO_STREAM_SYN	0x01	/* opens: seq is the initial sequence number */
#define VCOYO_STREAM_ACK	0x02	/* ack is valid: set on all but the first SYN */
#define VCOYO_STREAM_FIN	0x04	/* the sender's last byte is before seq + len */
#define VCOYO_STREAM_RST	0x08	/* the connection is refused or reset */
#define VCOYO_STREAM_FLAGS	0x0f

/* At most this many SACK blocks follow a stream header. */
#define VCOYO_STREAM_SACK_MAX	4

/**
 * struct vcoyo_stream - the header of a stream segment in a tunnel
 * @data: type VCOYO_MSG_STREAM; its ports are the connection's
 * @seq: sequence number of the first byte (or of the SYN or FIN)
 * @ack: the next sequence number the sender expects, with VCOYO_STREAM_ACK
 * @window: bytes beyond @ack the sender can take
 * @flags: VCOYO_STREAM_*
 * @nsack: SACK blocks after the header, 0 to VCOYO_STREAM_SACK_MAX
 * @reserved: zero when sent, ignored when received
 * @tsval: the sender's clock, milliseconds
 * @tsecr: the last @tsval the sender received, echoed for the RTT
 *
 * 36 bytes, then @nsack struct vcoyo_stream_sack, then the payload.
 */
struct vcoyo_stream {
	struct vcoyo_data	data;
	__be32			seq;
	__be32			ack;
	__be32			window;
	__u8			flags;
	__u8			nsack;
	__be16			reserved;
	__be32			tsval;
	__be32			tsecr;
};

/**
 * struct vcoyo_stream_sack - a block of data received beyond @ack
 * @start: its first sequence number
 * @end: the sequence number after its last byte
 */
struct vcoyo_stream_sack {
	__be32	start;
	__be32	end;
};

#endif /* _UAPI_LINUX_VCOYO_H */
