/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The messages between routing helpers (Documentation/routing.rst, "DHT
 * messages"): how they look on the wire, and their checked decoding.
 * Every field is in network byte order.
 *
 *   0   version (1)
 *   1   type: KAD_MSG_PING, PONG, FIND_NODE, NODES
 *   2   path_len: hop tags that follow the header
 *   3   count: NODES only, the nodes in the message; else 0
 *   4   txid: chosen by the requester, echoed by the answer
 *   8   path: requests only, the path the requester sent the message
 *       along, the receiver's own tag last; the receiver answers along the
 *       reverse of it
 *   ..  FIND_NODE: the 64-byte target
 *       NODES: count times { 64-byte ID, u8 path length, the path from the
 *       answering node to that one }
 */
#ifndef VCOYO_KAD_WIRE_H
#define VCOYO_KAD_WIRE_H

#include <endian.h>
#include <string.h>
#include "kad.h"

#define KAD_WIRE_VERSION	1
#define KAD_HDR_LEN		8

enum kad_msg_type {
	KAD_MSG_PING = 1,
	KAD_MSG_PONG = 2,
	KAD_MSG_FIND_NODE = 3,
	KAD_MSG_NODES = 4,
};

/* A decoded message; paths point into the message buffer. */
struct kad_msg {
	uint8_t type;
	uint32_t txid;
	uint8_t path_len;
	const uint8_t *path;		/* path_len tags */
	const uint8_t *target;		/* FIND_NODE */
	uint8_t count;			/* NODES */
	const uint8_t *nodes;		/* NODES: the first entry */
	const uint8_t *end;
};

/* A NODES entry, read by kad_wire_next_node(). */
struct kad_wire_node {
	struct kad_id id;
	uint8_t path_len;
	const uint8_t *path;
};

static inline kad_tag kad_wire_tag(const uint8_t *p)
{
	uint64_t be;

	memcpy(&be, p, sizeof(be));
	return be64toh(be);
}

static inline void kad_wire_put_tag(uint8_t *p, kad_tag t)
{
	uint64_t be = htobe64(t);

	memcpy(p, &be, sizeof(be));
}

/*
 * Checks a whole message, NODES entries included.  0, -EPROTO for another
 * version, -EBADMSG for anything malformed.
 */
int kad_wire_parse(struct kad_msg *msg, const uint8_t *buf, size_t len);
/* The NODES entry at *pos, which it then moves past; the message was parsed. */
void kad_wire_next_node(const uint8_t **pos, struct kad_wire_node *node);

/*
 * Builders: each writes into buf (KAD_MSG_MAX bytes) and returns the length.
 * A request carries the path it is sent along.
 */
size_t kad_wire_request(uint8_t *buf, uint8_t type, uint32_t txid, const kad_tag *path,
			uint8_t path_len, const struct kad_id *target);
size_t kad_wire_pong(uint8_t *buf, uint32_t txid);
/* NODES: starts the message; kad_wire_add_node() appends while it fits. */
size_t kad_wire_nodes_start(uint8_t *buf, uint32_t txid);
/* Appends one entry at buf+len; the new length, or len if it did not fit. */
size_t kad_wire_add_node(uint8_t *buf, size_t len, const struct kad_id *id, const kad_tag *path,
			 uint8_t path_len);

#endif /* VCOYO_KAD_WIRE_H */
