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
 */
enum vcoyo_cmd {
	VCOYO_CMD_UNSPEC,
	VCOYO_CMD_ID_GET,
	VCOYO_CMD_ID_SET,
	VCOYO_CMD_STATS_GET,

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
 */
enum vcoyo_attr {
	VCOYO_A_UNSPEC,
	VCOYO_A_PRIVATE_KEY,
	VCOYO_A_PUBLIC_KEY,
	VCOYO_A_ADDRESS,
	VCOYO_A_FAMILY,
	VCOYO_A_STATS,

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
 */
enum vcoyo_stat {
	VCOYO_STAT_UNSPEC,
	VCOYO_STAT_PAD,
	VCOYO_STAT_DGRAM_SENT,
	VCOYO_STAT_DGRAM_DELIVERED,
	VCOYO_STAT_DROP_NO_PORT,
	VCOYO_STAT_DROP_RCVBUF,

	__VCOYO_STAT_MAX,
};

#define VCOYO_STAT_MAX (__VCOYO_STAT_MAX - 1)

#endif /* _UAPI_LINUX_VCOYO_H */
