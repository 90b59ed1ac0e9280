/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcoyod's interface to the kernel: vcoyo's generic netlink family, through
 * two handles of tools/lib/nl.h.
 *
 * The EVENTS handle registers as the node's routing helper (the kernel ties
 * the registration to that socket, and ends it when the socket closes: a
 * killed daemon releases it) and joins the events group; from then on it is
 * only read, never sent on, so that no event can land in the middle of a
 * request's answer.  The REQUEST handle carries every request, synchronously.
 *
 * Everything the kernel says comes out parsed into the structures below, so
 * that the rest of the daemon never sees an attribute.
 */
#ifndef VCOYOD_KERNEL_H
#define VCOYOD_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kad.h"

struct vcoyo_nl;

struct kernel {
	struct vcoyo_nl *events;
	struct vcoyo_nl *req;
};

/* A link, from the dump or from an event. */
struct kernel_link {
	uint32_t id;
	uint8_t state;			/* enum vcoyo_link_state */
	bool has_remote;		/* a hello was heard */
	struct kad_id remote;
};

/* The node's identity: VCOYO_CMD_ID_GET's reply, or the ID_SET event. */
struct kernel_identity {
	bool has_address;		/* a private key is set */
	struct kad_id address;
	int family;			/* AF_VCOYO's number, -1 if not given */
};

struct kernel_tunnel {
	struct kad_id remote;
	uint8_t state;			/* enum vcoyo_tunnel_state */
	uint8_t reason;			/* enum vcoyo_reason, NONE if not given */
	bool initiator;
};

enum kernel_event_type {
	KEV_LINK,
	KEV_MISS,
	KEV_TUNNEL,
	KEV_IDENTITY,
};

struct kernel_event {
	enum kernel_event_type type;
	union {
		struct kernel_link link;
		struct kad_id miss;		/* the destination without a route */
		struct kernel_tunnel tunnel;
		struct kernel_identity identity;
	};
};

/*
 * Opens both handles and registers as the helper.  0, or -1 with errno set
 * and err holding a message for the user (EBUSY: another helper runs).
 */
int kernel_open(struct kernel *k, char *err, size_t errlen);
void kernel_close(struct kernel *k);

/* The events socket, for epoll; nonblocking. */
int kernel_events_fd(const struct kernel *k);
/*
 * Reads every event queued, passing each to cb, until none is left: 0.  -1
 * with errno ENOBUFS if events were lost (the caller resynchronises), or
 * another errno if the socket failed.  Malformed events are logged, skipped.
 */
typedef int (*kernel_event_cb)(const struct kernel_event *ev, void *arg);
int kernel_read_events(struct kernel *k, kernel_event_cb cb, void *arg);

/* Requests.  Each returns 0, or -1 with errno set; kernel_extack() may say why. */
int kernel_identity(struct kernel *k, struct kernel_identity *id);
/* VCOYO_A_MISS_TIMEOUT, if the node reports it (else -1, ENOENT). */
int kernel_miss_timeout(struct kernel *k, uint32_t *ms);
/* Dumps the links, each to cb (whose -1 stops the dump with its errno). */
typedef int (*kernel_link_cb)(const struct kernel_link *link, void *arg);
int kernel_links(struct kernel *k, kernel_link_cb cb, void *arg);
/*
 * A helper route to dst through the n transit nodes of hops (1 to
 * VCOYO_PATH_MAX), replacing any helper route to dst.  EEXIST: a static
 * route to dst exists, and stays.
 */
int kernel_route_path(struct kernel *k, const struct kad_id *dst, const kad_tag *hops,
		      unsigned int n);
/* A helper route to dst, a neighbour, over the link link_id. */
int kernel_route_link(struct kernel *k, const struct kad_id *dst, uint32_t link_id);
/* The answer to a miss that found no way to dst. */
int kernel_route_unreachable(struct kernel *k, const struct kad_id *dst);
/* The kernel's explanation of the last request's failure, or "". */
const char *kernel_extack(const struct kernel *k);

#endif /* VCOYOD_KERNEL_H */
