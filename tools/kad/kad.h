/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kad: Kademlia over a graph of links, the routing logic of vcoyod.
 *
 * The library does no I/O and reads no clock.  Its caller (vcoyod, the
 * simulator, the unit tests) passes in what happened, with the time, and
 * drains what the node wants done: messages to send to other nodes along a
 * path, and answers to route lookups.  The same code therefore runs in the
 * daemon, in unit tests and in a simulator of many thousands of nodes.
 *
 * Every node is a router, and nodes only reach each other through chains
 * of neighbours.  So every node the routing table knows is known together
 * with a path to it: the hop tags of the nodes to go through, the last one
 * the node itself.  A message to a node travels along such a path (in
 * vcoyod, in a tunnel set up along it), and a lookup's answer is a path.
 * Documentation/routing.rst explains the choices.
 */
#ifndef VCOYO_KAD_H
#define VCOYO_KAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A node's ID: SHA-512 of its public key, the node's IPvCoyo address. */
#define KAD_ID_LEN	64
#define KAD_ID_BITS	(KAD_ID_LEN * 8)

struct kad_id {
	uint8_t b[KAD_ID_LEN];
};

/*
 * A hop tag names a node on a path: the first 8 bytes of its ID, read as a
 * big-endian number (VCOYO_TAG_LEN in the uapi).
 */
typedef uint64_t kad_tag;

/* Hops a path may have: the u8 length of the wire format. */
#define KAD_PATH_MAX	255

/*
 * A path from one node to another: hop[0] is a neighbour of the first node,
 * hop[len - 1] the other node.  Length 1: they are neighbours.
 */
struct kad_path {
	uint8_t len;
	kad_tag hop[KAD_PATH_MAX];
};

/* The largest message the library builds; fits in one AF_VCOYO datagram. */
#define KAD_MSG_MAX	16384

struct kad_config {
	unsigned int k;			/* bucket size, nodes per answer (20) */
	unsigned int alpha;		/* queries in flight per lookup (3) */
	unsigned int rpc_timeout_ms;	/* a query's answer is late (1500) */
	unsigned int rpc_hop_ms;	/* ... or, on a long path, after this much
					 * per hop, if that is longer (40) */
	unsigned int lookup_timeout_ms;	/* a lookup gives up (4000): less than the
					 * kernel's miss timeout; longer by as
					 * much as its slowest query's deadline
					 * is longer than rpc_timeout_ms */
	unsigned int refresh_ms;	/* bucket refresh period (60000) */
	unsigned int max_fails;		/* unanswered queries before eviction (2) */
	unsigned int path_max;		/* longest usable path (KAD_PATH_MAX) */
};

/* Fills in the defaults above. */
void kad_config_default(struct kad_config *cfg);

struct kad_node;

/*
 * A node with ID @self.  @seed makes its random choices (refresh targets,
 * transaction ids) reproducible.  NULL if out of memory.
 */
struct kad_node *kad_new(const struct kad_id *self, const struct kad_config *cfg,
			 uint64_t seed, uint64_t now_ms);
void kad_free(struct kad_node *node);

/* ---- Inputs: what happened, and when. ---- */

/* A link to neighbour @id came up: it is reachable in one hop. */
void kad_link_up(struct kad_node *node, const struct kad_id *id, uint64_t now_ms);
/*
 * A link went down: the neighbour, and every path that left through it,
 * are forgotten.
 */
void kad_link_down(struct kad_node *node, const struct kad_id *id, uint64_t now_ms);

/*
 * A message from node @from arrived.  0, or a negative errno if it was
 * malformed (-EBADMSG) or of an unknown version (-EPROTO): nothing changed.
 */
int kad_receive(struct kad_node *node, const struct kad_id *from, const void *msg,
		size_t len, uint64_t now_ms);

/*
 * A route miss: find a path to @target.  The answer comes out as a
 * KAD_OUT_ROUTE or KAD_OUT_UNREACHABLE with this @cookie, at once if the
 * table knows the target, else when a lookup ends.
 */
void kad_lookup(struct kad_node *node, const struct kad_id *target, uint64_t cookie,
		uint64_t now_ms);

/*
 * A path the caller found broken (a tunnel along it failed): the node
 * forgets the path and no longer answers with it.
 */
void kad_path_failed(struct kad_node *node, const struct kad_id *target,
		     const struct kad_path *path, uint64_t now_ms);

/* Timers: call at kad_next_timer() or later. */
void kad_tick(struct kad_node *node, uint64_t now_ms);
/* When the next kad_tick() is due: an absolute time in milliseconds. */
uint64_t kad_next_timer(const struct kad_node *node);

/* ---- Outputs, drained by the caller after every input. ---- */

enum kad_out_type {
	KAD_OUT_SEND,		/* send msg/len to peer along path */
	KAD_OUT_ROUTE,		/* the lookup @cookie found @peer at @path */
	KAD_OUT_UNREACHABLE,	/* the lookup @cookie did not find @peer */
};

struct kad_out {
	enum kad_out_type type;
	struct kad_id peer;
	struct kad_path path;
	uint64_t cookie;
	unsigned int rounds;	/* ROUTE, UNREACHABLE: rounds of queries, 0 if
				 * answered from the table */
	unsigned int rpcs;	/* ROUTE, UNREACHABLE: queries the lookup sent */
	size_t len;
	uint8_t msg[KAD_MSG_MAX];
};

/* Takes the oldest output into @out.  false if there is none. */
bool kad_poll(struct kad_node *node, struct kad_out *out);

/* ---- Introspection, for logs, tests and the simulator. ---- */

struct kad_stats {
	uint64_t msgs_sent, msgs_received, bytes_sent, bytes_received;
	uint64_t rx_malformed;
	uint64_t rpcs_sent, rpcs_answered, rpcs_timed_out;
	uint64_t lookups_started, lookups_found, lookups_failed;
	uint64_t lookup_rounds;		/* sum over finished lookups */
	uint64_t evictions;
};

void kad_get_stats(const struct kad_node *node, struct kad_stats *stats);
/* Nodes in the routing table, neighbours included. */
size_t kad_table_size(const struct kad_node *node);
/*
 * The table's entries, by increasing distance to @target: @max at most,
 * into @ids and @paths (either may be NULL).  Returns how many.
 */
size_t kad_closest(const struct kad_node *node, const struct kad_id *target, size_t max,
		   struct kad_id *ids, struct kad_path *paths);
/*
 * What the node knows of @id: true with its path, if it is in the table.
 */
bool kad_find(const struct kad_node *node, const struct kad_id *id, struct kad_path *path);

/* ---- Helpers on IDs and tags. ---- */

kad_tag kad_tag_of(const struct kad_id *id);
/* The index of the first bit where @a and @b differ, or KAD_ID_BITS. */
unsigned int kad_common_prefix(const struct kad_id *a, const struct kad_id *b);
/* Which of @a and @b is closer to @target: <0 @a, 0 same, >0 @b. */
int kad_cmp_distance(const struct kad_id *target, const struct kad_id *a,
		     const struct kad_id *b);

#endif /* VCOYO_KAD_H */
