// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state.  Each namespace is one IPvCoyo node, with its
 * own identity, port table and counters; tests build many nodes in one VM
 * this way.
 */
#include <linux/netdevice.h>
#include <net/netns/generic.h>
#include "vcoyo.h"

static unsigned int vcoyo_net_id __read_mostly;

struct vcoyo_net *vcoyo_pernet(const struct net *net)
{
	return net_generic(net, vcoyo_net_id);
}

u64 vcoyo_stat_read(struct vcoyo_net *vn, enum vcoyo_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(vn->stats, cpu)->counter[stat - VCOYO_STAT_FIRST]);
	return sum;
}

static int __net_init vcoyo_net_init(struct net *net)
{
	struct vcoyo_net *vn = vcoyo_pernet(net);
	int err;

	mutex_init(&vn->conf_lock);
	vn->stats = alloc_percpu(struct vcoyo_stats);
	if (!vn->stats)
		return -ENOMEM;
	err = vcoyo_routes_init(vn);
	if (err)
		goto err_stats;
	err = vcoyo_tunnels_init(vn);
	if (err)
		goto err_routes;
	err = vcoyo_stream_net_init(vn);
	if (err)
		goto err_tunnels;
	vn->net = net;
	xa_init_flags(&vn->ports, XA_FLAGS_ALLOC);
	vcoyo_links_init(vn);
	vcoyo_labels_init(vn);
	vcoyo_signal_init(vn);
	vn->next_port = VCOYO_PORT_EPHEMERAL_MIN;
	return 0;

err_tunnels:
	vcoyo_tunnels_exit(vn);
err_routes:
	vcoyo_routes_exit(vn);
err_stats:
	free_percpu(vn->stats);
	return err;
}

/*
 * Every user socket holds a reference on its namespace, so by the time a
 * namespace is dismantled no AF_VCOYO socket is left in it.  The links' UDP
 * socket is a kernel socket, which holds none: it is closed here.
 */
static void __net_exit vcoyo_net_exit(struct net *net)
{
	struct vcoyo_net *vn = vcoyo_pernet(net);

	/* Quiet first: no packet in, no timer; then take the tables apart. */
	vcoyo_links_stop(vn);
	vcoyo_stream_net_exit(vn);
	vcoyo_signal_exit(vn);
	vcoyo_tunnels_exit(vn);
	vcoyo_links_exit(vn);
	vcoyo_routes_exit(vn);
	WARN_ON_ONCE(!xa_empty(&vn->ports));
	xa_destroy(&vn->ports);
	vcoyo_identity_clear(vn);
	free_percpu(vn->stats);
}

static struct pernet_operations vcoyo_net_ops = {
	.init = vcoyo_net_init,
	.exit = vcoyo_net_exit,
	.id = &vcoyo_net_id,
	.size = sizeof(struct vcoyo_net),
};

int vcoyo_netns_init(void)
{
	return register_pernet_subsys(&vcoyo_net_ops);
}

void vcoyo_netns_exit(void)
{
	unregister_pernet_subsys(&vcoyo_net_ops);
}
