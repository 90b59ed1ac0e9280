/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The via index: for every node that lies on a path in the routing table,
 * the shortest known way to it, as a prefix of one entry's path.
 *
 * Every path in the table has carried a message, so every prefix of it is
 * a path that worked too, to the node where the prefix ends.  Indexing the
 * nodes on the paths, not only the nodes at their ends, lets a path learned
 * from an answer be spliced onto a verified prefix at any node it shares
 * with one: in a graph of hubs, the hubs are on most paths but few of them
 * are in the table.  The index holds no path of its own, only a reference
 * into an entry, so it is bounded by the paths the table already holds:
 * at most one slot per hop stored, in practice one per distinct node.
 */
#ifndef VCOYO_KAD_VIA_H
#define VCOYO_KAD_VIA_H

#include "kad.h"

struct kad_entry;

struct kad_via {
	/* Open addressing by tag; len[i] == 0 marks a free slot. */
	kad_tag *tag;
	const struct kad_entry **entry;
	uint8_t *len;			/* hops of entry's path up to the node */
	size_t size, used;		/* size: a power of two, or 0 */
};

void kad_via_init(struct kad_via *v);
void kad_via_destroy(struct kad_via *v);
/* Forgets every slot, keeping the memory. */
void kad_via_clear(struct kad_via *v);

/*
 * Indexes the nodes on @path (the path of @e), each kept where it is
 * reached in fewer hops than before.  @skip (this node's own tag) is not
 * indexed.  0, or -ENOMEM (then some nodes may be missing: the index only
 * ever offers shortcuts, so a missing node costs a shortcut, nothing more).
 */
int kad_via_note(struct kad_via *v, const struct kad_entry *e, const kad_tag *path,
		 uint8_t path_len, kad_tag skip);

/*
 * The shortest known way to @tag: the entry whose path holds it, and how
 * many hops of that path lead to it.  0 if the node is on no path.
 */
uint8_t kad_via_find(const struct kad_via *v, kad_tag tag, const struct kad_entry **e);

#endif /* VCOYO_KAD_VIA_H */
