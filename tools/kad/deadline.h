/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A list of things with deadlines, kept in deadline order, so that the
 * next one due is always at the head.  Queries and lookups each have one:
 * their deadlines grow with the paths they use, so the order they start
 * in is not the order they expire in.  Equal deadlines stay first in,
 * first out.  Insertion walks back from the tail, where a new deadline
 * usually belongs; a node has a few dozen entries in flight at most.
 */
#ifndef VCOYO_KAD_DEADLINE_H
#define VCOYO_KAD_DEADLINE_H

#include <stddef.h>
#include <stdint.h>

struct kad_deadline {
	struct kad_deadline *prev, *next;
	uint64_t at;			/* ms */
};

struct kad_deadlines {
	struct kad_deadline *head, *tail;
};

static inline void kad_deadline_unlink(struct kad_deadlines *l, struct kad_deadline *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		l->head = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		l->tail = d->prev;
	d->prev = d->next = NULL;
}

/* Puts @d, due at @at, in its place: after every entry due at @at or before. */
static inline void kad_deadline_insert(struct kad_deadlines *l, struct kad_deadline *d,
				       uint64_t at)
{
	struct kad_deadline *after = l->tail;

	while (after && after->at > at)
		after = after->prev;
	d->at = at;
	d->prev = after;
	d->next = after ? after->next : l->head;
	if (d->next)
		d->next->prev = d;
	else
		l->tail = d;
	if (after)
		after->next = d;
	else
		l->head = d;
}

/* The first deadline, or UINT64_MAX if the list is empty. */
static inline uint64_t kad_deadline_first(const struct kad_deadlines *l)
{
	return l->head ? l->head->at : UINT64_MAX;
}

#endif /* VCOYO_KAD_DEADLINE_H */
