// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "tagmap.h"

int tagmap_init(struct tagmap *m, uint32_t n)
{
	uint64_t size = 16;

	/* At most half full, so that probes stay short. */
	while (size < 2 * (uint64_t)n)
		size *= 2;
	m->tags = calloc(size, sizeof(*m->tags));
	m->idx = calloc(size, sizeof(*m->idx));
	m->mask = size - 1;
	if (!m->tags || !m->idx) {
		tagmap_free(m);
		return -1;
	}
	return 0;
}

/* Tags are uniform already, but mixing costs little and guards against
 * IDs that are not (a test that makes them by hand, say). */
static uint64_t slot(const struct tagmap *m, kad_tag tag)
{
	return rng_mix(tag) & m->mask;
}

int tagmap_add(struct tagmap *m, kad_tag tag, uint32_t index)
{
	uint64_t i;

	for (i = slot(m, tag); m->idx[i]; i = (i + 1) & m->mask)
		if (m->tags[i] == tag)
			return -1;
	m->tags[i] = tag;
	m->idx[i] = index + 1;
	return 0;
}

uint32_t tagmap_get(const struct tagmap *m, kad_tag tag)
{
	for (uint64_t i = slot(m, tag); m->idx[i]; i = (i + 1) & m->mask)
		if (m->tags[i] == tag)
			return m->idx[i] - 1;
	return UINT32_MAX;
}

void tagmap_free(struct tagmap *m)
{
	free(m->tags);
	free(m->idx);
	memset(m, 0, sizeof(*m));
}
