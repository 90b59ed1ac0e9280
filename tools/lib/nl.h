/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small client of vcoyo's generic netlink family, on libmnl.  A handle is
 * one netlink socket bound to the caller's network namespace, with the family
 * id and its multicast groups resolved.  Requests are synchronous: send one
 * command, hand each reply to a callback, wait for the kernel's ACK.  When the
 * kernel refuses a request, its extended ACK message is kept for the caller.
 */
#ifndef VCOYO_NL_H
#define VCOYO_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/vcoyo.h>

struct vcoyo_nl;

/* One message from the kernel: its command and its attributes by type. */
struct vcoyo_nl_msg {
	uint8_t cmd;
	const struct nlattr *tb[VCOYO_A_MAX + 1];
};

/* One attribute of a request given as plain data (vcoyo_nl_request_attrs). */
struct vcoyo_nl_attr {
	uint16_t type;
	uint16_t len;
	const void *data;
};

/*
 * Adds a request's attributes to nlh, a buffer of buflen bytes (use
 * mnl_attr_put_check).  Returns 0, or -1 with errno set.
 */
typedef int (*vcoyo_nl_put_t)(struct nlmsghdr *nlh, size_t buflen, void *arg);
/*
 * Receives one reply or event, its attributes checked against the uapi
 * (types and lengths; attributes newer than this program are left out).
 * Returns 0, or -1 with errno set: the request then fails with that errno.
 */
typedef int (*vcoyo_nl_msg_t)(const struct vcoyo_nl_msg *msg, void *arg);

/*
 * Opens a handle.  NULL on failure, with errno set and errbuf holding a
 * message for the user (ENOENT: the family is not registered).
 */
struct vcoyo_nl *vcoyo_nl_open(char *errbuf, size_t errlen);
void vcoyo_nl_close(struct vcoyo_nl *nl);

/*
 * Sends cmd with the attributes put adds (put may be NULL) and passes each
 * reply to cb (may be NULL).  0 once the kernel ACKs, or -1 with errno set;
 * then vcoyo_nl_extack() may say why.
 */
int vcoyo_nl_request(struct vcoyo_nl *nl, uint8_t cmd, vcoyo_nl_put_t put, void *put_arg,
		     vcoyo_nl_msg_t cb, void *cb_arg);
/* The same with the attributes given as an array, sent as they are. */
int vcoyo_nl_request_attrs(struct vcoyo_nl *nl, uint8_t cmd, const struct vcoyo_nl_attr *attrs,
			   size_t n_attrs, vcoyo_nl_msg_t cb, void *cb_arg);
/*
 * A dump (NLM_F_DUMP): cmd, then each message of the dump to cb, until the
 * kernel's NLMSG_DONE.  0, or -1 with errno set: a refused request, an error
 * the kernel reported at the end of the dump (vcoyo_nl_extack() may say why),
 * or EINTR if the dump was interrupted by a change (NLM_F_DUMP_INTR).
 */
int vcoyo_nl_dump(struct vcoyo_nl *nl, uint8_t cmd, vcoyo_nl_put_t put, void *put_arg,
		  vcoyo_nl_msg_t cb, void *cb_arg);

/*
 * The attributes of a VCOYO_A_LINK nest by type (enum vcoyo_link_attr),
 * checked against the uapi as the top-level ones are; newer ones are left
 * out.  0, or -1 with errno EPROTO.
 */
int vcoyo_nl_parse_link(const struct nlattr *nest, const struct nlattr *tb[VCOYO_LINK_A_MAX + 1]);
/* The same for a VCOYO_A_ROUTE nest (enum vcoyo_route_attr). */
int vcoyo_nl_parse_route(const struct nlattr *nest,
			 const struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1]);
/* The same for a VCOYO_A_TUNNEL nest (enum vcoyo_tunnel_attr). */
int vcoyo_nl_parse_tunnel(const struct nlattr *nest,
			  const struct nlattr *tb[VCOYO_TUNNEL_A_MAX + 1]);
/* The same for a VCOYO_A_LABEL nest (enum vcoyo_label_attr). */
int vcoyo_nl_parse_label(const struct nlattr *nest,
			 const struct nlattr *tb[VCOYO_LABEL_A_MAX + 1]);
/*
 * The kernel's explanation in the ACK of the last request: its message, or
 * which required attribute was missing.  NULL if it gave none.  On success it
 * is a warning.
 */
const char *vcoyo_nl_extack(const struct vcoyo_nl *nl);

/* The id of the family's multicast group name, or -1 with errno ENOENT. */
int vcoyo_nl_mcast_group(const struct vcoyo_nl *nl, const char *name);
/* Join group name (VCOYO_MCGRP_EVENTS): events then arrive on this handle. */
int vcoyo_nl_subscribe(struct vcoyo_nl *nl, const char *name);
/* The socket, to poll() for events. */
int vcoyo_nl_fd(const struct vcoyo_nl *nl);
/* Waits for one batch of events and passes each to cb.  0, or -1 with errno. */
int vcoyo_nl_recv(struct vcoyo_nl *nl, vcoyo_nl_msg_t cb, void *cb_arg);

/*
 * The text form of a path (VCOYO_ROUTE_A_PATH): hop tags separated by
 * commas, each 16 hexadecimal digits, or a whole address (with colons) of
 * which the tag is the first VCOYO_TAG_LEN bytes.
 */
#define VCOYO_PATH_STRLEN	(VCOYO_PATH_MAX * (2 * VCOYO_TAG_LEN + 1))

/*
 * Parses text into path, room for VCOYO_PATH_MAX tags; *n_tags says how
 * many.  0, or -1 with *err saying what is wrong.
 */
int vcoyo_path_parse(const char *text, uint8_t path[][VCOYO_TAG_LEN], size_t *n_tags,
		     const char **err);
/* Writes n_tags tags (at most VCOYO_PATH_MAX) into buf, VCOYO_PATH_STRLEN bytes. */
void vcoyo_path_format(const uint8_t *path, size_t n_tags, char *buf);

/* The name of an enum vcoyo_reason ("link-down"...); NULL if unknown. */
const char *vcoyo_reason_name(unsigned int reason);

#endif /* VCOYO_NL_H */
