// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "events.h"

void evq_init(struct evq *q)
{
	memset(q, 0, sizeof(*q));
}

static bool before(const struct event *a, const struct event *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void evq_push(struct evq *q, uint64_t at, uint32_t type, uint32_t node, uint64_t arg,
	      void *data)
{
	struct event ev = { at, q->seq++, type, node, arg, data };
	size_t i;

	if (q->len == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024;
		struct event *h = realloc(q->heap, cap * sizeof(*h));

		if (!h)
			abort();
		q->heap = h;
		q->cap = cap;
	}
	/* Sift up. */
	for (i = q->len++; i > 0; i = (i - 1) / 2) {
		struct event *parent = &q->heap[(i - 1) / 2];

		if (!before(&ev, parent))
			break;
		q->heap[i] = *parent;
	}
	q->heap[i] = ev;
}

bool evq_pop(struct evq *q, struct event *ev)
{
	struct event last;
	size_t i = 0;

	if (!q->len)
		return false;
	*ev = q->heap[0];
	last = q->heap[--q->len];
	/* Sift the last event down from the root. */
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->len)
			break;
		if (c + 1 < q->len && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->len)
		q->heap[i] = last;
	return true;
}

uint64_t evq_next(const struct evq *q)
{
	return q->len ? q->heap[0].at : UINT64_MAX;
}

void evq_free(struct evq *q)
{
	for (size_t i = 0; i < q->len; i++)
		free(q->heap[i].data);
	free(q->heap);
	memset(q, 0, sizeof(*q));
}
