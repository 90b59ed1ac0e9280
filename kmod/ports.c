// SPDX-License-Identifier: GPL-2.0
/*
 * The port table of a node: which socket owns which 16-bit port.  An xarray
 * gives RCU lookups for delivery and cyclic allocation for ephemeral ports.
 * Sockets are freed after an RCU grace period (SOCK_RCU_FREE), so a lookup
 * may take a reference on whatever it finds as long as the count is not zero.
 */
#include "vcoyo.h"

int vcoyo_port_bind(struct vcoyo_net *vn, struct vcoyo_sock *vs, u16 port)
{
	u32 id;
	int err;

	if (port) {
		err = xa_insert(&vn->ports, port, vs, GFP_KERNEL);
		id = port;
	} else {
		err = xa_alloc_cyclic(&vn->ports, &id, vs,
				      XA_LIMIT(VCOYO_PORT_EPHEMERAL_MIN,
					       VCOYO_PORT_EPHEMERAL_MAX),
				      &vn->next_port, GFP_KERNEL);
	}
	if (err == -EBUSY)
		return -EADDRINUSE;
	if (err < 0)
		return err;
	vs->port = id;
	return 0;
}

void vcoyo_port_unbind(struct vcoyo_net *vn, struct vcoyo_sock *vs)
{
	if (!vs->port)
		return;
	xa_erase(&vn->ports, vs->port);
	vs->port = 0;
}

/* Returns the socket bound to @port with a reference held, or NULL. */
struct vcoyo_sock *vcoyo_port_lookup(struct vcoyo_net *vn, u16 port)
{
	struct vcoyo_sock *vs;

	rcu_read_lock();
	vs = xa_load(&vn->ports, port);
	if (vs && !refcount_inc_not_zero(&vs->sk.sk_refcnt))
		vs = NULL;
	rcu_read_unlock();
	return vs;
}
