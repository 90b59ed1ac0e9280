/* SPDX-License-Identifier: GPL-2.0 */
/* AF_VCOYO for programs: the family number in use and socket addresses. */
#ifndef VCOYO_AF_H
#define VCOYO_AF_H

#include <stdint.h>
#include <linux/vcoyo.h>

/*
 * The address family number vcoyo.ko registered, read from
 * VCOYO_FAMILY_PATH; -1 with errno set if the module is not loaded.
 */
int vcoyo_af(void);

/* Fill *sa for @addr (NULL: the any address) and @port (host order). */
void vcoyo_sockaddr(struct sockaddr_vcoyo *sa, int family,
		    const struct vcoyo_addr *addr, uint16_t port);

#endif /* VCOYO_AF_H */
