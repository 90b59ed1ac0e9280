// SPDX-License-Identifier: GPL-2.0
/*
 * The stream sockets of a node, found two ways: by port, for listeners and
 * for sockets that bound or connected from a port of their own (an xarray,
 * as for datagrams, but a port space of its own, as TCP's is not UDP's);
 * and by connection, the peer's address and the two ports (an rhashtable),
 * for every segment that arrives.  An accepted connection shares its
 * listener's port and is only in the second table.
 *
 * Sockets are freed after an RCU grace period (SOCK_RCU_FREE): a lookup
 * under RCU may take a reference on what it finds unless the count is zero.
 * A hashed socket holds a reference of its own, dropped when unhashed.
 */
#include <linux/rhashtable.h>
#include "stream.h"

static const struct rhashtable_params vcoyo_stream_params = {
	.key_len = sizeof(struct vcoyo_stream_key),
	.key_offset = offsetof(struct vcoyo_stream_sock, key),
	.head_offset = offsetof(struct vcoyo_stream_sock, hnode),
	.automatic_shrinking = true,
};

int vcoyo_stream_port_bind(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss, u16 port)
{
	u32 id = port;
	int err;

	if (port)
		err = xa_insert_bh(&vn->stream_ports, port, ss, GFP_KERNEL);
	else
		err = xa_alloc_cyclic_bh(&vn->stream_ports, &id, ss,
					 XA_LIMIT(VCOYO_PORT_EPHEMERAL_MIN,
						  VCOYO_PORT_EPHEMERAL_MAX),
					 &vn->stream_next_port, GFP_KERNEL);
	if (err == -EBUSY)
		return port ? -EADDRINUSE : -EADDRNOTAVAIL;
	if (err < 0)
		return err;
	ss->vs.port = id;
	ss->owns_port = true;
	return 0;
}

/* Process context or softirq: a connection may end in either. */
void vcoyo_stream_port_unbind(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss)
{
	if (!ss->owns_port)
		return;
	xa_erase_bh(&vn->stream_ports, ss->vs.port);
	ss->owns_port = false;
}

/* The key must be set.  -EADDRINUSE if the connection exists already. */
int vcoyo_stream_hash(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss)
{
	int err;

	sock_hold(&ss->vs.sk);
	err = rhashtable_lookup_insert_fast(&vn->stream_conns, &ss->hnode, vcoyo_stream_params);
	if (err) {
		__sock_put(&ss->vs.sk);
		return err == -EEXIST ? -EADDRINUSE : err;
	}
	ss->hashed = true;
	return 0;
}

/* Drops the table's reference: the caller must hold one of its own. */
void vcoyo_stream_unhash(struct vcoyo_net *vn, struct vcoyo_stream_sock *ss)
{
	if (!ss->hashed)
		return;
	rhashtable_remove_fast(&vn->stream_conns, &ss->hnode, vcoyo_stream_params);
	ss->hashed = false;
	__sock_put(&ss->vs.sk);
}

/*
 * The socket a segment from @remote's port @rport to port @lport is for,
 * with a reference: its connection, or else the listener on @lport.
 */
struct sock *vcoyo_stream_lookup(struct vcoyo_net *vn, const struct vcoyo_addr *remote,
				 u16 lport, u16 rport)
{
	struct vcoyo_stream_key key = { .remote = *remote, .lport = lport, .rport = rport };
	struct vcoyo_stream_sock *ss;
	struct sock *sk = NULL;

	rcu_read_lock();
	ss = rhashtable_lookup(&vn->stream_conns, &key, vcoyo_stream_params);
	if (!ss) {
		ss = xa_load(&vn->stream_ports, lport);
		if (ss && READ_ONCE(ss->vs.sk.sk_state) != TCP_LISTEN)
			ss = NULL;
	}
	if (ss && refcount_inc_not_zero(&ss->vs.sk.sk_refcnt))
		sk = &ss->vs.sk;
	rcu_read_unlock();
	return sk;
}

int vcoyo_stream_net_init(struct vcoyo_net *vn)
{
	int err;

	err = rhashtable_init(&vn->stream_conns, &vcoyo_stream_params);
	if (err)
		return err;
	xa_init_flags(&vn->stream_ports, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_BH);
	vn->stream_next_port = VCOYO_PORT_EPHEMERAL_MIN;
	skb_queue_head_init(&vn->stream_loop);
	INIT_WORK(&vn->stream_loop_work, vcoyo_stream_loop_work);
	return 0;
}

/*
 * Every stream socket, an orphan closing its connection too, holds a
 * reference on its namespace: none is left when the namespace goes.
 */
void vcoyo_stream_net_exit(struct vcoyo_net *vn)
{
	cancel_work_sync(&vn->stream_loop_work);
	skb_queue_purge(&vn->stream_loop);
	WARN_ON_ONCE(atomic_read(&vn->stream_conns.nelems));
	rhashtable_destroy(&vn->stream_conns);
	WARN_ON_ONCE(!xa_empty(&vn->stream_ports));
	xa_destroy(&vn->stream_ports);
}
