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
 * @VCOYO_CMD_ROUTE_ADD: add a static route: VCOYO_A_ROUTE holding
 *	VCOYO_ROUTE_A_DEST and VCOYO_ROUTE_A_LINK.  Needs CAP_NET_ADMIN.
 * @VCOYO_CMD_ROUTE_DEL: delete the route to VCOYO_ROUTE_A_DEST.  Needs
 *	CAP_NET_ADMIN.
 * @VCOYO_CMD_ROUTE_GET: dump the routes, one message each (VCOYO_A_ROUTE).
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
 * @VCOYO_ROUTE_A_ORIGIN: u8, enum vcoyo_route_origin (sent by the kernel)
 */
enum vcoyo_route_attr {
	VCOYO_ROUTE_A_UNSPEC,
	VCOYO_ROUTE_A_DEST,
	VCOYO_ROUTE_A_LINK,
	VCOYO_ROUTE_A_ORIGIN,

	__VCOYO_ROUTE_A_MAX,
};

#define VCOYO_ROUTE_A_MAX (__VCOYO_ROUTE_A_MAX - 1)

/**
 * enum vcoyo_route_origin - who put a route in the table
 * @VCOYO_ROUTE_STATIC: the administrator; takes precedence
 * @VCOYO_ROUTE_HELPER: the routing helper (vcoyod), from a route miss
 */
enum vcoyo_route_origin {
	VCOYO_ROUTE_STATIC,
	VCOYO_ROUTE_HELPER,
};

/* Link defaults, changed with VCOYO_CMD_NODE_SET. */
#define VCOYO_DEFAULT_PORT		4477
#define VCOYO_DEFAULT_HELLO_MS		1000
#define VCOYO_DEFAULT_LINK_TIMEOUT_MS	3500

/*
 * Wire format between neighbours (Documentation/wire.rst): the payload of a
 * UDP datagram, every field in network byte order.  Every packet starts
 * with struct vcoyo_hdr.
 */
#define VCOYO_WIRE_VERSION	1

enum vcoyo_msg_type {
	VCOYO_MSG_HELLO = 1,
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

#endif /* _UAPI_LINUX_VCOYO_H */
