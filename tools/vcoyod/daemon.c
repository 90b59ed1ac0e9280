// SPDX-License-Identifier: GPL-2.0
/*
 * The glue between the kernel and kad: each input (a kernel event, a DHT
 * datagram, a timer) becomes a kad call, and after each, kad's outputs are
 * drained and carried out: DHT messages sent along their path, answers to
 * route misses turned into ROUTE_ADD or ROUTE_UNREACHABLE.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "af.h"
#include "nl.h"
#include "vcoyod.h"
#include "wire.h"

static const char *reason_name(uint8_t reason)
{
	const char *name = vcoyo_reason_name(reason);

	return name ? name : "unknown";
}

/* ---- Carrying out kad's outputs. ---- */

/* The transit hops of path, as vcoyo-nl shows a route's path, for the log. */
static const char *path_text(const struct kad_path *path, char buf[VCOYO_PATH_STRLEN])
{
	uint8_t tags[VCOYO_PATH_MAX][VCOYO_TAG_LEN];
	unsigned int i, n = path->len ? path->len - 1 : 0;

	if (n > VCOYO_PATH_MAX)
		n = VCOYO_PATH_MAX;
	for (i = 0; i < n; i++)
		kad_wire_put_tag(tags[i], path->hop[i]);
	vcoyo_path_format(tags[0], n, buf);
	return n ? buf : "-";
}

/*
 * Puts a helper route to peer along path in the kernel, unless the cache says
 * it is there, or (unless forced) a tunnel to peer is up and carries the
 * message whatever the route says.  0 once the kernel routes peer (our
 * route, or a static one that wins over it), -1 if it refused.
 */
static int route_install(struct vcoyod *d, const struct kad_id *peer,
			 const struct kad_path *path, bool force)
{
	struct route *rt = routes_find(&d->routes, peer);
	char s[ID_SHORT_LEN];
	int err;

	if (!force && rt && (rt->kind == ROUTE_STATIC || rt->tunnel_up || route_is_path(rt, path)))
		return 0;
	d->stats.route_adds++;
	/* The kernel's path names the transit nodes: all but the last hop, peer itself. */
	err = kernel_route_path(&d->kernel, peer, path->hop, path->len - 1) ? errno : 0;
	if (err && err != EEXIST) {
		d->stats.route_errors++;
		log_info("route to %s (%u hops): %s%s%s", id_short(peer, s), path->len,
			 strerror(err), *kernel_extack(&d->kernel) ? ": " : "",
			 kernel_extack(&d->kernel));
		routes_remove(&d->routes, peer);
		return -1;
	}
	rt = routes_get(&d->routes, peer);
	if (!rt)	/* no memory for the cache: next time, the request again */
		return 0;
	if (err == EEXIST) {
		log_debug("route to %s: a static route exists, and wins", id_short(peer, s));
		rt->kind = ROUTE_STATIC;
	} else {
		route_set_path(rt, path);
	}
	return 0;
}

/* A DHT message to peer, in a tunnel along path. */
static void out_send(struct vcoyod *d, const struct kad_out *out)
{
	struct sockaddr_vcoyo sa;
	char s[ID_SHORT_LEN];

	if (!out->path.len || out->path.len > VCOYOD_PATH_MAX) {
		d->stats.send_errors++;
		log_debug("send to %s: a path of %u hops, dropped", id_short(&out->peer, s),
			  out->path.len);
		return;
	}
	/*
	 * A neighbour needs no route: the kernel routes to the far end of an UP
	 * link by itself.  Anyone else does, or the datagram would come back to
	 * us as a route miss.
	 */
	if (out->path.len > 1 && route_install(d, &out->peer, &out->path, false)) {
		d->stats.send_errors++;
		return;
	}
	vcoyo_sockaddr(&sa, d->family, (const struct vcoyo_addr *)&out->peer, d->opt.port);
	if (sendto(d->sock, out->msg, out->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* kad's RPC timeout deals with the loss. */
		d->stats.send_errors++;
		log_debug("send to %s (%u hops): %s", id_short(&out->peer, s), out->path.len,
			  strerror(errno));
		return;
	}
	log_trace("sent %zu bytes to %s (%u hops)", out->len, id_short(&out->peer, s),
		  out->path.len);
}

/* The link whose neighbour is id, if one is UP. */
static struct link *link_to(struct vcoyod *d, const struct kad_id *id)
{
	size_t i;

	for (i = 0; i < d->n_links; i++)
		if (d->links[i].up && !memcmp(&d->links[i].remote, id, sizeof(*id)))
			return &d->links[i];
	return NULL;
}

static void answer_unreachable(struct vcoyod *d, const struct kad_id *dst, uint64_t cookie)
{
	char s[ID_SHORT_LEN];

	d->stats.unreachable++;
	/* ENOENT: the kernel no longer waits (miss timeout); nothing to do. */
	if (kernel_route_unreachable(&d->kernel, dst) && errno != ENOENT)
		log_info("unreachable %s (lookup %" PRIu64 "): %s%s%s", id_short(dst, s), cookie,
			 strerror(errno), *kernel_extack(&d->kernel) ? ": " : "",
			 kernel_extack(&d->kernel));
}

/*
 * The answer to a miss.  The kernel waits for a ROUTE_ADD to start the setup,
 * so one is sent even when the cache says the route is there.
 */
static void out_route(struct vcoyod *d, const struct kad_out *out)
{
	const struct kad_id *peer = &out->peer;
	char text[VCOYO_PATH_STRLEN];
	char s[ID_SHORT_LEN];
	struct route *rt;
	struct link *link;
	int err;

	if (!out->path.len || out->path.len > VCOYOD_PATH_MAX) {
		log_debug("lookup %" PRIu64 ": %s at %u hops: longer than the kernel takes",
			  out->cookie, id_short(peer, s), out->path.len);
		answer_unreachable(d, peer, out->cookie);
		return;
	}
	if (out->path.len > 1) {
		if (route_install(d, peer, &out->path, true)) {
			answer_unreachable(d, peer, out->cookie);
			return;
		}
	} else {
		/*
		 * A neighbour.  A 1-hop kernel path would name the destination
		 * itself, so the route names the link instead.
		 */
		link = link_to(d, peer);
		if (!link) {
			log_info("route to neighbour %s: no link up to it", id_short(peer, s));
			answer_unreachable(d, peer, out->cookie);
			return;
		}
		d->stats.route_adds++;
		err = kernel_route_link(&d->kernel, peer, link->id) ? errno : 0;
		if (err && err != EEXIST) {
			d->stats.route_errors++;
			log_info("route to neighbour %s over link %" PRIu32 ": %s%s%s",
				 id_short(peer, s), link->id, strerror(err),
				 *kernel_extack(&d->kernel) ? ": " : "", kernel_extack(&d->kernel));
			answer_unreachable(d, peer, out->cookie);
			return;
		}
		rt = routes_get(&d->routes, peer);
		if (rt)
			rt->kind = err == EEXIST ? ROUTE_STATIC : ROUTE_LINK;
	}
	d->stats.routes++;
	log_debug("lookup %" PRIu64 ": %s at %u hops, path %s (%u rounds, %u queries)",
		  out->cookie, id_short(peer, s), out->path.len, path_text(&out->path, text),
		  out->rounds, out->rpcs);
}

/* Everything kad wants done, oldest first. */
static void drain(struct vcoyod *d)
{
	char s[ID_SHORT_LEN];

	while (d->kad && kad_poll(d->kad, &d->out)) {
		switch (d->out.type) {
		case KAD_OUT_SEND:
			out_send(d, &d->out);
			break;
		case KAD_OUT_ROUTE:
			out_route(d, &d->out);
			break;
		case KAD_OUT_UNREACHABLE:
			log_debug("lookup %" PRIu64 ": %s not found (%u rounds, %u queries)",
				  d->out.cookie, id_short(&d->out.peer, s), d->out.rounds,
				  d->out.rpcs);
			answer_unreachable(d, &d->out.peer, d->out.cookie);
			break;
		default:
			log_info("kad output %d for %s: unknown, ignored", d->out.type,
				 id_short(&d->out.peer, s));
		}
	}
}

/* ---- Links: kad's neighbours. ---- */

/* A neighbour may sit behind two links: it is up while either is. */
static void neighbour_up(struct vcoyod *d, struct link *link)
{
	char full[ID_FULL_LEN];
	struct link *other = link_to(d, &link->remote);

	link->up = true;
	if (other)
		return;
	log_info("link %" PRIu32 " up: neighbour %s", link->id, id_full(&link->remote, full));
	if (d->kad)
		kad_link_up(d->kad, &link->remote, now_ms());
}

static void neighbour_down(struct vcoyod *d, struct link *link)
{
	char s[ID_SHORT_LEN];

	link->up = false;
	log_info("link %" PRIu32 " down: neighbour %s", link->id, id_short(&link->remote, s));
	if (!link_to(d, &link->remote) && d->kad)
		kad_link_down(d->kad, &link->remote, now_ms());
}

static struct link *link_find(struct vcoyod *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < d->n_links; i++)
		if (d->links[i].id == id)
			return &d->links[i];
	return NULL;
}

static struct link *link_add(struct vcoyod *d, uint32_t id)
{
	struct link *link;

	if (d->n_links == d->links_cap) {
		size_t cap = d->links_cap ? 2 * d->links_cap : 16;
		struct link *v = realloc(d->links, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->links = v;
		d->links_cap = cap;
	}
	link = &d->links[d->n_links++];
	memset(link, 0, sizeof(*link));
	link->id = id;
	return link;
}

/* A link as the kernel sees it now, from the dump or an event. */
static int link_update(struct vcoyod *d, const struct kernel_link *kl)
{
	struct link *link = link_find(d, kl->id);
	bool up = kl->state == VCOYO_LINK_UP && kl->has_remote;

	/* A link to ourselves (a loop in the underlay) is no neighbour. */
	if (up && d->has_identity && !memcmp(&kl->remote, &d->self, sizeof(d->self)))
		up = false;
	if (!link) {
		link = link_add(d, kl->id);
		if (!link)
			return -1;
	}
	link->seen = true;
	/* Down, or up to someone else than before (the far end changed keys). */
	if (link->up && (!up || memcmp(&link->remote, &kl->remote, sizeof(kl->remote))))
		neighbour_down(d, link);
	if (up && !link->up) {
		link->remote = kl->remote;
		neighbour_up(d, link);
	}
	return 0;
}

static int link_dump_cb(const struct kernel_link *kl, void *arg)
{
	return link_update(arg, kl);
}

/*
 * Brings the link table in line with the kernel's: at startup, and after
 * events were lost.  A link missing from the dump was deleted (deletion sends
 * no event): its neighbour is gone.
 */
int daemon_resync_links(struct vcoyod *d)
{
	size_t i, n;

	for (i = 0; i < d->n_links; i++)
		d->links[i].seen = false;
	if (kernel_links(&d->kernel, link_dump_cb, d)) {
		log_err("link dump: %s", strerror(errno));
		return -1;
	}
	for (i = n = 0; i < d->n_links; i++) {
		if (!d->links[i].seen) {
			if (d->links[i].up)
				neighbour_down(d, &d->links[i]);
			continue;
		}
		d->links[n++] = d->links[i];
	}
	d->n_links = n;
	drain(d);
	return 0;
}

/* ---- The node's identity: the kad node is made for it. ---- */

int daemon_identity(struct vcoyod *d, const struct kernel_identity *id)
{
	char full[ID_FULL_LEN];
	uint64_t seed;
	size_t i;

	if (!id->has_address) {
		log_info("the node has no identity yet: waiting for one (vcoyo-nl id set)");
		return 0;
	}
	if (d->kad && !memcmp(&id->address, &d->self, sizeof(d->self)))
		return 0;
	log_info("%s identity %s", d->kad ? "new" : "node", id_full(&id->address, full));
	/* A new ID puts every node at other distances: start from a fresh table. */
	if (d->kad)
		kad_free(d->kad);
	d->kad = NULL;
	routes_clear(&d->routes);
	d->self = id->address;
	d->has_identity = true;
	/* Only to spread refresh targets and transaction ids: any value works. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = now_ms() ^ (uint64_t)getpid() << 32;
	d->kad = kad_new(&d->self, &d->opt.kad, seed, now_ms());
	if (!d->kad) {
		log_err("kad: out of memory");
		return -1;
	}
	for (i = 0; i < d->n_links; i++) {
		struct link *link = &d->links[i];

		/* Our own address may be at the far end of a link: not a neighbour. */
		if (link->up && !memcmp(&link->remote, &d->self, sizeof(d->self))) {
			link->up = false;
			continue;
		}
		/* Once per neighbour, at its first link. */
		if (link->up && link_to(d, &link->remote) == link)
			kad_link_up(d->kad, &link->remote, now_ms());
	}
	drain(d);
	return 0;
}

/* ---- Kernel events. ---- */

static void on_miss(struct vcoyod *d, const struct kad_id *dst)
{
	char s[ID_SHORT_LEN];
	uint64_t cookie = ++d->next_cookie;

	d->stats.misses++;
	/* The kernel has no route to dst: whatever we thought we put there is gone. */
	routes_remove(&d->routes, dst);
	if (!d->kad) {
		log_debug("miss %s: no identity, unreachable", id_short(dst, s));
		answer_unreachable(d, dst, cookie);
		return;
	}
	log_debug("miss %s: lookup %" PRIu64, id_short(dst, s), cookie);
	kad_lookup(d->kad, dst, cookie, now_ms());
}

/* Failures that say something about the path, not about the helper or the node. */
static bool reason_blames_path(uint8_t reason)
{
	switch (reason) {
	case VCOYO_REASON_NONE:
	case VCOYO_REASON_NO_ROUTE:
	case VCOYO_REASON_LINK_DOWN:
	case VCOYO_REASON_HOP_LIMIT:
	case VCOYO_REASON_TIMEOUT:
	case VCOYO_REASON_NO_LABEL:
	case VCOYO_REASON_NO_NEIGHBOUR:
		return true;
	default:
		return false;
	}
}

/* kad forgets the path of the helper route @rt that tunnel @t followed. */
static void forget_path(struct vcoyod *d, const struct kernel_tunnel *t,
			const struct route *rt, const char *how)
{
	char s[ID_SHORT_LEN];
	struct kad_path path;

	if (!rt || rt->kind != ROUTE_PATH || !d->kad)
		return;
	route_get_path(rt, &path);
	d->stats.path_failed++;
	log_debug("tunnel to %s %s (%s): path of %u hops forgotten", id_short(&t->remote, s),
		  how, reason_name(t->reason), path.len);
	kad_path_failed(d->kad, &t->remote, &path, now_ms());
}

static void on_tunnel(struct vcoyod *d, const struct kernel_tunnel *t)
{
	struct route *rt = routes_find(&d->routes, &t->remote);
	char s[ID_SHORT_LEN];

	switch (t->state) {
	case VCOYO_TUNNEL_UP:
		if (rt)
			rt->tunnel_up = true;
		break;
	case VCOYO_TUNNEL_FAILED:
		/*
		 * The kernel deleted the helper route the setup followed; kad
		 * must forget the path too, or it would hand it out again.
		 */
		if (reason_blames_path(t->reason))
			forget_path(d, t, rt, "failed");
		routes_remove(&d->routes, &t->remote);
		break;
	case VCOYO_TUNNEL_DOWN:
		/*
		 * A fault took the route with it; idleness did not, but
		 * forgetting costs little.  A fault on the way (a link gone
		 * under a transit node) also breaks the path kad knows: the
		 * tunnel's endpoints are often the first nodes beyond the
		 * departed one's neighbours to hear of it.
		 */
		if (t->initiator && t->reason != VCOYO_REASON_NONE && reason_blames_path(t->reason))
			forget_path(d, t, rt, "down");
		if (t->initiator && routes_remove(&d->routes, &t->remote))
			log_trace("tunnel to %s down (%s)", id_short(&t->remote, s),
				  reason_name(t->reason));
		else if (rt)
			rt->tunnel_up = false;
		break;
	default:
		break;
	}
}

static int on_event(const struct kernel_event *ev, void *arg)
{
	struct vcoyod *d = arg;

	switch (ev->type) {
	case KEV_LINK:
		if (link_update(d, &ev->link)) {
			log_err("link table: out of memory");
			errno = ENOMEM;
			return -1;
		}
		break;
	case KEV_MISS:
		on_miss(d, &ev->miss);
		break;
	case KEV_TUNNEL:
		on_tunnel(d, &ev->tunnel);
		break;
	case KEV_IDENTITY:
		if (daemon_identity(d, &ev->identity)) {
			errno = ENOMEM;
			return -1;
		}
		break;
	}
	drain(d);
	return 0;
}

int daemon_kernel_events(struct vcoyod *d)
{
	/* After an overrun, what came after it is still queued: read on. */
	while (kernel_read_events(&d->kernel, on_event, d)) {
		if (errno != ENOBUFS) {
			log_err("kernel events: %s", strerror(errno));
			return -1;
		}
		/*
		 * Events were lost.  Links are re-read; the route cache may lie
		 * about routes the kernel deleted, so it goes; a lost miss times
		 * out in the kernel, and the next datagram asks again.
		 */
		d->stats.overruns++;
		log_info("kernel events lost (socket overrun): re-reading the links");
		routes_clear(&d->routes);
		if (daemon_resync_links(d))
			return -1;
	}
	return 0;
}

/* ---- DHT datagrams. ---- */

void daemon_dht_readable(struct vcoyod *d)
{
	struct sockaddr_vcoyo sa;
	char s[ID_SHORT_LEN];
	socklen_t salen;
	ssize_t n;
	int err;

	for (;;) {
		salen = sizeof(sa);
		n = recvfrom(d->sock, d->rx, sizeof(d->rx), 0, (struct sockaddr *)&sa, &salen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_info("receive: %s", strerror(errno));
			return;
		}
		/*
		 * Only another helper can send from our port, a privileged one:
		 * anything else is someone else's datagram.
		 */
		if (salen < sizeof(sa) || sa.svc_port != htons(d->opt.port)) {
			d->stats.rx_foreign++;
			log_debug("datagram from %s port %u: not a helper's port, dropped",
				  id_short((const struct kad_id *)&sa.svc_addr, s),
				  ntohs(sa.svc_port));
			continue;
		}
		if (!d->kad)
			continue;
		/* A message kad never builds: it cannot be one of its. */
		err = (size_t)n > KAD_MSG_MAX ? -EMSGSIZE :
		      kad_receive(d->kad, (const struct kad_id *)&sa.svc_addr, d->rx, n,
				  now_ms());
		if (err < 0) {
			d->stats.rx_malformed++;
			log_debug("message from %s (%zd bytes): %s, dropped",
				  id_short((const struct kad_id *)&sa.svc_addr, s), n,
				  strerror(-err));
		} else {
			log_trace("received %zd bytes from %s", n,
				  id_short((const struct kad_id *)&sa.svc_addr, s));
		}
		drain(d);
	}
}

void daemon_tick(struct vcoyod *d)
{
	if (!d->kad)
		return;
	kad_tick(d->kad, now_ms());
	drain(d);
}

void daemon_log_stats(const struct vcoyod *d)
{
	const struct vcoyod_stats *s = &d->stats;
	struct kad_stats k = { 0 };

	if (d->kad)
		kad_get_stats(d->kad, &k);
	log_info("table %zu nodes, %zu neighbour links, %zu routes cached",
		 d->kad ? kad_table_size(d->kad) : 0, d->n_links, d->routes.count);
	log_info("misses %" PRIu64 " routes %" PRIu64 " unreachable %" PRIu64
		 " route-adds %" PRIu64 " route-errors %" PRIu64 " path-failed %" PRIu64,
		 s->misses, s->routes, s->unreachable, s->route_adds, s->route_errors,
		 s->path_failed);
	log_info("send-errors %" PRIu64 " rx-malformed %" PRIu64 " rx-foreign %" PRIu64
		 " event-overruns %" PRIu64, s->send_errors, s->rx_malformed, s->rx_foreign,
		 s->overruns);
	log_info("kad: msgs %" PRIu64 "/%" PRIu64 " sent/received, rpcs %" PRIu64
		 " sent %" PRIu64 " answered %" PRIu64 " timed out, lookups %" PRIu64
		 " started %" PRIu64 " found %" PRIu64 " failed, %" PRIu64 " evictions",
		 k.msgs_sent, k.msgs_received, k.rpcs_sent, k.rpcs_answered, k.rpcs_timed_out,
		 k.lookups_started, k.lookups_found, k.lookups_failed, k.evictions);
}

void daemon_free(struct vcoyod *d)
{
	if (d->kad)
		kad_free(d->kad);
	d->kad = NULL;
	routes_free(&d->routes);
	free(d->links);
	d->links = NULL;
	d->n_links = d->links_cap = 0;
}
