/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event queue: a binary min-heap on (time in simulated ms, insertion
 * order).  The insertion order breaks ties, so that events at the same
 * millisecond run first in, first out and a run does not depend on how the
 * heap happens to shuffle equal keys.
 */
#ifndef VCOYO_SIM_EVENTS_H
#define VCOYO_SIM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event {
	uint64_t at;		/* simulated ms */
	uint64_t seq;		/* insertion order */
	uint32_t type;		/* the user's; the queue does not look */
	uint32_t node;
	uint64_t arg;
	void *data;		/* owned by the event; evq_free() frees it */
};

struct evq {
	struct event *heap;
	size_t len, cap;
	uint64_t seq;
};

void evq_init(struct evq *q);
/* Aborts if out of memory: a simulation cannot go on without the event. */
void evq_push(struct evq *q, uint64_t at, uint32_t type, uint32_t node, uint64_t arg,
	      void *data);
/* The earliest event into @ev; false if the queue is empty. */
bool evq_pop(struct evq *q, struct event *ev);
/* The time of the earliest event, UINT64_MAX if none. */
uint64_t evq_next(const struct evq *q);
/* Frees the queue and the data of the events left in it. */
void evq_free(struct evq *q);

#endif /* VCOYO_SIM_EVENTS_H */
