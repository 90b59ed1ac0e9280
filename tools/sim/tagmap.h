/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hop tag to node index: paths name nodes by tag, the simulator by index.
 * Open addressing with linear probing; fixed size, never shrinks (departed
 * nodes stay in it, so that a path through one is known as a path through
 * a departed node, not as nonsense).
 */
#ifndef VCOYO_SIM_TAGMAP_H
#define VCOYO_SIM_TAGMAP_H

#include <stdint.h>

#include "kad.h"

struct tagmap {
	kad_tag *tags;
	uint32_t *idx;		/* index + 1; 0: empty slot */
	uint64_t mask;
};

/* Room for @n tags.  0, or -1 if out of memory. */
int tagmap_init(struct tagmap *m, uint32_t n);
/* -1 if @tag is there already. */
int tagmap_add(struct tagmap *m, kad_tag tag, uint32_t index);
/* The node index of @tag, UINT32_MAX if none. */
uint32_t tagmap_get(const struct tagmap *m, kad_tag tag);
void tagmap_free(struct tagmap *m);

#endif /* VCOYO_SIM_TAGMAP_H */
