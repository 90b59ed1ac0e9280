// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "af.h"

int vcoyo_af(void)
{
	FILE *f = fopen(VCOYO_FAMILY_PATH, "r");
	int family, n;

	if (!f)
		return -1;
	n = fscanf(f, "%d", &family);
	fclose(f);
	if (n != 1) {
		errno = EINVAL;
		return -1;
	}
	return family;
}

void vcoyo_sockaddr(struct sockaddr_vcoyo *sa, int family,
		    const struct vcoyo_addr *addr, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->svc_family = family;
	sa->svc_port = htons(port);
	if (addr)
		sa->svc_addr = *addr;
}
