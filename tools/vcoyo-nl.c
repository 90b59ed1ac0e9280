// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyo-nl: configure an IPvCoyo node, in the style of ip(8) and wg(8).
 * Documentation/vcoyo-nl.rst describes each command.  Commands live in
 * tables of struct verb: a new one (route, monitor...) is a function and a
 * table entry.  Every failure exits with status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include "addr.h"
#include "keys.h"
#include "nl.h"

#define PROG	"vcoyo-nl"

struct verb;

/* What the running command needs to know: output format, and its own name. */
struct ctx {
	bool json;
	bool json_first;		/* no member of the JSON object printed yet */
	bool list_first;		/* no object of the list printed yet */
	const char *indent;		/* before each text line (NULL: none) */
	const struct verb *parent;	/* "id" while running "id show" */
	const struct verb *verb;
};

struct verb {
	const char *name;
	int (*run)(struct ctx *ctx, int argc, char **argv);
	const struct verb *sub;		/* a verb with sub-verbs has no run */
	const char *args;
	const char *help;
};

static const struct verb verbs[];

/* Usage of every verb of table, sub-verbs under their parent's name. */
static void usage_table(FILE *f, const struct verb *table, const char *prefix)
{
	const struct verb *v;
	char name[128];

	for (v = table; v->name; v++) {
		snprintf(name, sizeof(name), "%s%s %s", prefix, v->name, v->args);
		if (v->sub)
			usage_table(f, v->sub, name);
		else if (strlen(name) > 30)	/* the help on a line of its own */
			fprintf(f, "  %s [-j] %s\n%*s%s\n", PROG, name, 47, "", v->help);
		else
			fprintf(f, "  %s [-j] %-30s %s\n", PROG, name, v->help);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-j|--json] COMMAND [ARGUMENTS]\n", PROG);
	usage_table(f, verbs, "");
	fprintf(f, "  %s %-35s %s\n", PROG, "[-j] -b|--batch FILE",
		"the commands in FILE ('-': stdin), one a line");
	fprintf(f, "  %s %-35s %s\n", PROG, "-h|--help", "this text");
}

/* The command's full name, e.g. "id set", for messages. */
static const char *verb_name(const struct ctx *ctx)
{
	static char name[64];

	snprintf(name, sizeof(name), "%s%s%s", ctx->parent ? ctx->parent->name : "",
		 ctx->parent ? " " : "", ctx->verb->name);
	return name;
}

/* A bad command line: say which word is wrong, then how to say it. */
__attribute__((format(printf, 2, 3)))
static int usage_error(const struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ctx && ctx->verb)
		fprintf(stderr, "usage: %s %s %s\n", PROG, verb_name(ctx), ctx->verb->args);
	else
		usage(stderr);
	return 1;
}

static int no_args(const struct ctx *ctx, int argc, char **argv)
{
	if (argc)
		return usage_error(ctx, "%s: unexpected argument '%s'", verb_name(ctx), argv[0]);
	return 0;
}

/* A request the kernel refused: what failed, why, and its own explanation. */
static int nl_error(const struct ctx *ctx, const struct vcoyo_nl *nl)
{
	const char *extack = vcoyo_nl_extack(nl);

	fprintf(stderr, "%s: %s: %s%s%s\n", PROG, verb_name(ctx), strerror(errno),
		extack ? ": " : "", extack ? extack : "");
	return 1;
}

static struct vcoyo_nl *nl_open(void)
{
	struct vcoyo_nl *nl;
	char err[256];

	nl = vcoyo_nl_open(err, sizeof(err));
	if (!nl)
		fprintf(stderr, "%s: %s\n", PROG, err);
	return nl;
}

/* The kernel accepted but had a remark (an extack warning): pass it on. */
static void nl_warning(const struct vcoyo_nl *nl)
{
	const char *extack = vcoyo_nl_extack(nl);

	if (extack)
		fprintf(stderr, "%s: warning: %s\n", PROG, extack);
}

/*
 * Output: one JSON object per command with -j, else "label: value" lines.
 * Values without a label (genkey, pubkey, address) print bare in text mode.
 */
static void out_begin(struct ctx *ctx)
{
	ctx->json_first = true;
	if (ctx->json)
		putchar('{');
}

static void out_end(const struct ctx *ctx)
{
	if (ctx->json)
		puts("}");
}

/*
 * A list of objects (link show): a JSON array of them on one line, or in text
 * a block per object, its first line unindented, the others indented, blocks
 * separated by an empty line.
 */
static void out_list_begin(struct ctx *ctx)
{
	ctx->list_first = true;
	if (ctx->json)
		putchar('[');
}

static void out_list_item(struct ctx *ctx)
{
	ctx->json_first = true;
	if (ctx->json)
		fputs(ctx->list_first ? "{" : ", {", stdout);
	else if (!ctx->list_first)
		putchar('\n');
	ctx->list_first = false;
}

static void out_list_item_end(const struct ctx *ctx)
{
	if (ctx->json)
		putchar('}');
}

static void out_list_end(const struct ctx *ctx)
{
	if (ctx->json)
		puts("]");
}

static const char *out_indent(const struct ctx *ctx)
{
	return ctx->indent ? ctx->indent : "";
}

static void out_json_key(struct ctx *ctx, const char *key)
{
	printf("%s\"%s\": ", ctx->json_first ? "" : ", ", key);
	ctx->json_first = false;
}

/* Escape what JSON requires, so any future string value stays valid. */
static void out_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* A string value; NULL is JSON null, "none" in text. */
static void out_str(struct ctx *ctx, const char *key, const char *label, const char *value)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		if (value)
			out_json_string(value);
		else
			fputs("null", stdout);
	} else if (label) {
		printf("%s%s: %s\n", out_indent(ctx), label, value ? value : "none");
	} else {
		puts(value);
	}
}

static void out_u64(struct ctx *ctx, const char *key, const char *label, uint64_t value)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		printf("%" PRIu64, value);
	} else {
		printf("%s%s: %" PRIu64 "\n", out_indent(ctx), label, value);
	}
}

/* A number with a unit: "label: VALUE UNIT" in text, the bare number in JSON. */
static void out_num_unit(struct ctx *ctx, const char *key, const char *label, const char *value,
			 const char *unit)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		fputs(value, stdout);
	} else {
		printf("%s%s: %s %s\n", out_indent(ctx), label, value, unit);
	}
}

/* An absent value: null in JSON, no line in text. */
static void out_null(struct ctx *ctx, const char *key)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		fputs("null", stdout);
	}
}

/* Only JSON has booleans; the text form shows them as "none" values. */
static void out_bool(struct ctx *ctx, const char *key, bool value)
{
	if (ctx->json) {
		out_json_key(ctx, key);
		fputs(value ? "true" : "false", stdout);
	}
}

/* Read a key in base64; reports its own errors.  path "-" is stdin. */
static int read_key(uint8_t key[VCOYO_KEY_LEN], const char *path)
{
	const char *err;

	if (!vcoyo_key_read_path(key, path, &err))
		return 0;
	if (!strcmp(path, "-"))
		path = "stdin";
	if (err)
		fprintf(stderr, "%s: invalid key: %s: %s\n", PROG, path, err);
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
	return 1;
}

static int print_key(struct ctx *ctx, const char *key, const uint8_t bin[VCOYO_KEY_LEN])
{
	char b64[VCOYO_KEY_B64_SIZE];

	vcoyo_key_to_base64(b64, bin);
	out_begin(ctx);
	out_str(ctx, key, NULL, b64);
	out_end(ctx);
	vcoyo_key_clear(b64, sizeof(b64));
	return 0;
}

static int cmd_genkey(struct ctx *ctx, int argc, char **argv)
{
	uint8_t priv[VCOYO_KEY_LEN];
	int ret;

	if (no_args(ctx, argc, argv))
		return 1;
	if (vcoyo_key_generate(priv)) {
		fprintf(stderr, "%s: genkey: libsodium failed to initialise\n", PROG);
		return 1;
	}
	ret = print_key(ctx, "private_key", priv);
	vcoyo_key_clear(priv, sizeof(priv));
	return ret;
}

static int cmd_pubkey(struct ctx *ctx, int argc, char **argv)
{
	uint8_t priv[VCOYO_KEY_LEN], pub[VCOYO_KEY_LEN];
	int ret;

	if (no_args(ctx, argc, argv) || read_key(priv, "-"))
		return 1;
	ret = vcoyo_key_public(pub, priv);
	vcoyo_key_clear(priv, sizeof(priv));
	if (ret) {
		fprintf(stderr, "%s: invalid key: stdin: gives a weak public key\n", PROG);
		return 1;
	}
	return print_key(ctx, "public_key", pub);
}

static int cmd_address(struct ctx *ctx, int argc, char **argv)
{
	uint8_t pub[VCOYO_KEY_LEN];
	char text[VCOYO_ADDR_STRLEN];
	struct vcoyo_addr addr;

	if (no_args(ctx, argc, argv) || read_key(pub, "-"))
		return 1;
	vcoyo_key_addr(&addr, pub);
	vcoyo_addr_format(&addr, text);
	out_begin(ctx);
	out_str(ctx, "address", NULL, text);
	out_end(ctx);
	return 0;
}

/* The VCOYO_CMD_ID_GET reply. */
struct identity {
	uint16_t family;
	bool has_identity;
	uint8_t public_key[VCOYO_KEY_LEN];
	struct vcoyo_addr addr;
};

static int identity_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *pub = msg->tb[VCOYO_A_PUBLIC_KEY], *addr = msg->tb[VCOYO_A_ADDRESS];
	struct identity *id = arg;

	/* The uapi promises the family always, and the key and address together. */
	if (!msg->tb[VCOYO_A_FAMILY] || !pub != !addr) {
		errno = EPROTO;
		return -1;
	}
	id->family = mnl_attr_get_u16(msg->tb[VCOYO_A_FAMILY]);
	id->has_identity = pub;
	if (pub) {
		memcpy(id->public_key, mnl_attr_get_payload(pub), VCOYO_KEY_LEN);
		memcpy(&id->addr, mnl_attr_get_payload(addr), VCOYO_ADDR_LEN);
	}
	return 0;
}

static void identity_print(struct ctx *ctx, const void *data)
{
	const struct identity *id = data;
	char addr[VCOYO_ADDR_STRLEN], pub[VCOYO_KEY_B64_SIZE];

	if (id->has_identity) {
		vcoyo_addr_format(&id->addr, addr);
		vcoyo_key_to_base64(pub, id->public_key);
	}
	out_begin(ctx);
	out_bool(ctx, "has_identity", id->has_identity);
	out_str(ctx, "address", "address", id->has_identity ? addr : NULL);
	out_str(ctx, "public_key", "public key", id->has_identity ? pub : NULL);
	out_u64(ctx, "family", "family", id->family);
	out_end(ctx);
}

/*
 * A verb that shows what one request returns: its reply is parsed by @cb
 * into @data, which @print prints once the request succeeded.
 */
static int show_reply(struct ctx *ctx, int argc, char **argv, uint8_t cmd, vcoyo_nl_msg_t cb,
		      void *data, void (*print)(struct ctx *ctx, const void *data))
{
	struct vcoyo_nl *nl;
	int ret = 0;

	if (no_args(ctx, argc, argv))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, cmd, NULL, NULL, cb, data))
		ret = nl_error(ctx, nl);
	else
		print(ctx, data);
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_id_show(struct ctx *ctx, int argc, char **argv)
{
	struct identity id = { 0 };

	return show_reply(ctx, argc, argv, VCOYO_CMD_ID_GET, identity_cb, &id, identity_print);
}

static int put_private_key(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	if (!mnl_attr_put_check(nlh, buflen, VCOYO_A_PRIVATE_KEY, VCOYO_KEY_LEN, arg)) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Parse "private-key FILE": the one (required) setting of id set. */
static int id_set_args(const struct ctx *ctx, int argc, char **argv, const char **path)
{
	*path = NULL;
	for (; argc; argc -= 2, argv += 2) {
		if (strcmp(argv[0], "private-key"))
			return usage_error(ctx, "id set: unknown setting '%s'", argv[0]);
		if (argc < 2)
			return usage_error(ctx, "id set: private-key needs a FILE ('-': stdin)");
		*path = argv[1];
	}
	if (!*path)
		return usage_error(ctx, "id set: missing private-key FILE");
	return 0;
}

static int cmd_id_set(struct ctx *ctx, int argc, char **argv)
{
	uint8_t priv[VCOYO_KEY_LEN];
	struct vcoyo_nl *nl;
	const char *path;
	int ret = 0;

	if (id_set_args(ctx, argc, argv, &path) || read_key(priv, path))
		return 1;
	nl = nl_open();
	if (!nl) {
		vcoyo_key_clear(priv, sizeof(priv));
		return 1;
	}
	if (vcoyo_nl_request(nl, VCOYO_CMD_ID_SET, put_private_key, priv, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_key_clear(priv, sizeof(priv));
	vcoyo_nl_close(nl);
	return ret;
}

/* Counters by enum vcoyo_stat; newer kernels' extra ones print as stat_N. */
static const char *const stat_names[VCOYO_STAT_MAX + 1] = {
	[VCOYO_STAT_DGRAM_SENT] = "dgram_sent",
	[VCOYO_STAT_DGRAM_DELIVERED] = "dgram_delivered",
	[VCOYO_STAT_DROP_NO_PORT] = "drop_no_port",
	[VCOYO_STAT_DROP_RCVBUF] = "drop_rcvbuf",
	[VCOYO_STAT_HELLO_SENT] = "hello_sent",
	[VCOYO_STAT_HELLO_RECEIVED] = "hello_received",
	[VCOYO_STAT_RX_TRUNCATED] = "rx_truncated",
	[VCOYO_STAT_RX_BAD_VERSION] = "rx_bad_version",
	[VCOYO_STAT_RX_UNKNOWN_TYPE] = "rx_unknown_type",
	[VCOYO_STAT_RX_MALFORMED] = "rx_malformed",
	[VCOYO_STAT_RX_UNKNOWN_ENDPOINT] = "rx_unknown_endpoint",
	[VCOYO_STAT_RX_KEY_MISMATCH] = "rx_key_mismatch",
};

#define STATS_MAX	64

/* Counters in the kernel's order. */
struct stats {
	unsigned int n;
	uint16_t type[STATS_MAX];
	uint64_t value[STATS_MAX];
};

static int stats_add(struct stats *st, const struct nlattr *attr)
{
	uint16_t type = mnl_attr_get_type(attr);

	if (type == VCOYO_STAT_PAD || st->n == STATS_MAX)
		return 0;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
		errno = EPROTO;
		return -1;
	}
	st->type[st->n] = type;
	st->value[st->n++] = mnl_attr_get_u64(attr);
	return 0;
}

static int stats_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *attr;

	if (!msg->tb[VCOYO_A_STATS]) {
		errno = EPROTO;
		return -1;
	}
	mnl_attr_for_each_nested(attr, msg->tb[VCOYO_A_STATS])
		if (stats_add(arg, attr))
			return -1;
	return 0;
}

static void stats_print(struct ctx *ctx, const void *data)
{
	const struct stats *st = data;
	unsigned int i;
	char other[16];
	const char *name;

	out_begin(ctx);
	for (i = 0; i < st->n; i++) {
		name = st->type[i] <= VCOYO_STAT_MAX ? stat_names[st->type[i]] : NULL;
		if (!name) {
			snprintf(other, sizeof(other), "stat_%u", st->type[i]);
			name = other;
		}
		out_u64(ctx, name, name, st->value[i]);
	}
	out_end(ctx);
}

static int cmd_stats(struct ctx *ctx, int argc, char **argv)
{
	struct stats st = { 0 };

	return show_reply(ctx, argc, argv, VCOYO_CMD_STATS_GET, stats_cb, &st, stats_print);
}

/*
 * A decimal number of at most max and at least min: digits only, no sign, no
 * spaces.  0, or -1.
 */
static int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*value = v;
	return 0;
}

/* The VCOYO_CMD_NODE_GET reply; an attribute the kernel left out shows as none. */
struct node {
	bool has_port, has_hello, has_timeout;
	uint16_t port;
	uint32_t hello_ms;
	uint32_t timeout_ms;
};

static int node_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	struct node *node = arg;

	if (msg->tb[VCOYO_A_LISTEN_PORT]) {
		node->has_port = true;
		node->port = mnl_attr_get_u16(msg->tb[VCOYO_A_LISTEN_PORT]);
	}
	if (msg->tb[VCOYO_A_HELLO_INTERVAL]) {
		node->has_hello = true;
		node->hello_ms = mnl_attr_get_u32(msg->tb[VCOYO_A_HELLO_INTERVAL]);
	}
	if (msg->tb[VCOYO_A_LINK_TIMEOUT]) {
		node->has_timeout = true;
		node->timeout_ms = mnl_attr_get_u32(msg->tb[VCOYO_A_LINK_TIMEOUT]);
	}
	return 0;
}

/* A duration in milliseconds, or none. */
static void out_ms(struct ctx *ctx, const char *key, const char *label, bool has, uint32_t ms)
{
	char text[16];

	if (!has) {
		out_str(ctx, key, label, NULL);
		return;
	}
	snprintf(text, sizeof(text), "%" PRIu32, ms);
	out_num_unit(ctx, key, label, text, "ms");
}

static void node_print(struct ctx *ctx, const void *data)
{
	const struct node *node = data;

	out_begin(ctx);
	if (node->has_port)
		out_u64(ctx, "listen_port", "listen port", node->port);
	else
		out_str(ctx, "listen_port", "listen port", NULL);
	out_ms(ctx, "hello_interval_ms", "hello interval", node->has_hello, node->hello_ms);
	out_ms(ctx, "link_timeout_ms", "link timeout", node->has_timeout, node->timeout_ms);
	out_end(ctx);
}

static int cmd_node_show(struct ctx *ctx, int argc, char **argv)
{
	struct node node = { 0 };

	return show_reply(ctx, argc, argv, VCOYO_CMD_NODE_GET, node_cb, &node, node_print);
}

/* The settings of node set: each as the word, its attribute, its limits. */
struct node_setting {
	const char *name;
	uint16_t type;
	uint64_t max;
	const char *what;	/* for messages */
};

static const struct node_setting node_settings[] = {
	{ "listen-port", VCOYO_A_LISTEN_PORT, UINT16_MAX, "a UDP port, 1-65535" },
	{ "hello-interval", VCOYO_A_HELLO_INTERVAL, UINT32_MAX,
	  "milliseconds, 1-4294967295" },
	{ "link-timeout", VCOYO_A_LINK_TIMEOUT, UINT32_MAX, "milliseconds, 1-4294967295" },
};

#define N_NODE_SETTINGS	(sizeof(node_settings) / sizeof(node_settings[0]))

static int cmd_node_set(struct ctx *ctx, int argc, char **argv)
{
	struct vcoyo_nl_attr attrs[N_NODE_SETTINGS];
	uint32_t u32[N_NODE_SETTINGS];
	uint16_t u16[N_NODE_SETTINGS];
	bool given[N_NODE_SETTINGS] = { false };
	const struct node_setting *set;
	struct vcoyo_nl *nl;
	size_t i, n = 0;
	uint64_t value;
	int ret = 0;

	for (; argc; argc -= 2, argv += 2) {
		for (i = 0; i < N_NODE_SETTINGS && strcmp(argv[0], node_settings[i].name); i++)
			;
		if (i == N_NODE_SETTINGS)
			return usage_error(ctx, "node set: unknown setting '%s'", argv[0]);
		set = &node_settings[i];
		if (argc < 2)
			return usage_error(ctx, "node set: %s needs a value (%s)", set->name,
					   set->what);
		if (given[i])
			return usage_error(ctx, "node set: %s given twice", set->name);
		if (parse_uint(argv[1], 1, set->max, &value))
			return usage_error(ctx, "node set: bad %s '%s' (%s)", set->name, argv[1],
					   set->what);
		given[i] = true;
		attrs[n].type = set->type;
		if (set->max == UINT16_MAX) {
			u16[n] = value;
			attrs[n].len = sizeof(u16[n]);
			attrs[n].data = &u16[n];
		} else {
			u32[n] = value;
			attrs[n].len = sizeof(u32[n]);
			attrs[n].data = &u32[n];
		}
		n++;
	}
	if (!n)
		return usage_error(ctx, "node set: nothing to set");
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request_attrs(nl, VCOYO_CMD_NODE_SET, attrs, n, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_nl_close(nl);
	return ret;
}

/* A link's neighbour: the bytes of a struct sockaddr_in or sockaddr_in6. */
struct endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	};
	size_t len;
};

/* "PORT" of an endpoint: 1-65535. */
static const char *endpoint_port(const char *text, in_port_t *port)
{
	uint64_t v;

	if (!*text)
		return "missing port";
	if (parse_uint(text, 1, UINT16_MAX, &v))
		return "bad port (1-65535)";
	*port = htons(v);
	return NULL;
}

/* "[IPv6]:PORT" or "[IPv6%SCOPE]:PORT", SCOPE an interface name or number. */
static const char *endpoint_parse6(const char *text, struct endpoint *ep)
{
	const char *close = strchr(text, ']'), *scope;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	size_t len;
	uint64_t index;

	if (!close)
		return "missing ']' after the IPv6 address";
	if (close[1] != ':')
		return close[1] ? "expected ':' after ']'" : "missing port";
	len = close - (text + 1);
	if (len >= sizeof(host))
		return "bad IPv6 address";
	memcpy(host, text + 1, len);
	host[len] = '\0';
	ep->sin6.sin6_family = AF_INET6;
	scope = strchr(host, '%');
	if (scope) {
		host[scope - host] = '\0';
		scope++;
		index = if_nametoindex(scope);
		if (!index && parse_uint(scope, 1, UINT32_MAX, &index))
			return "unknown interface after '%'";
		ep->sin6.sin6_scope_id = index;
	}
	if (inet_pton(AF_INET6, host, &ep->sin6.sin6_addr) != 1)
		return "bad IPv6 address";
	ep->len = sizeof(ep->sin6);
	return endpoint_port(close + 2, &ep->sin6.sin6_port);
}

/* "IPv4:PORT" */
static const char *endpoint_parse4(const char *text, struct endpoint *ep)
{
	const char *colon = strchr(text, ':');
	char host[INET_ADDRSTRLEN];
	size_t len;

	if (!colon)
		return "missing port";
	if (strchr(colon + 1, ':'))
		return "an IPv6 address needs brackets: [IPv6]:PORT";
	if (strchr(text, ']'))
		return "missing '[' before the IPv6 address";
	len = colon - text;
	if (len >= sizeof(host))
		return "bad IPv4 address";
	memcpy(host, text, len);
	host[len] = '\0';
	ep->sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &ep->sin.sin_addr) != 1)
		return "bad IPv4 address";
	ep->len = sizeof(ep->sin);
	return endpoint_port(colon + 1, &ep->sin.sin_port);
}

/* IPv4:PORT or [IPv6]:PORT.  NULL, or what is wrong with text. */
static const char *endpoint_parse(const char *text, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (!*text)
		return "empty";
	return text[0] == '[' ? endpoint_parse6(text, ep) : endpoint_parse4(text, ep);
}

#define ENDPOINT_STRLEN	(INET6_ADDRSTRLEN + IF_NAMESIZE + 16)

/* The text form of an endpoint the kernel sent; "unknown" if it is neither. */
static void endpoint_format(char buf[ENDPOINT_STRLEN], const void *data, size_t len)
{
	char host[INET6_ADDRSTRLEN], scope[IF_NAMESIZE + 12] = "";
	struct endpoint ep = { .len = len };

	snprintf(buf, ENDPOINT_STRLEN, "unknown");
	if (len > sizeof(ep.sin6) || len < sizeof(sa_family_t))
		return;
	memcpy(&ep.sin6, data, len);
	if (ep.sa.sa_family == AF_INET && len == sizeof(ep.sin)) {
		inet_ntop(AF_INET, &ep.sin.sin_addr, host, sizeof(host));
		snprintf(buf, ENDPOINT_STRLEN, "%s:%u", host, ntohs(ep.sin.sin_port));
	} else if (ep.sa.sa_family == AF_INET6 && len == sizeof(ep.sin6)) {
		inet_ntop(AF_INET6, &ep.sin6.sin6_addr, host, sizeof(host));
		if (ep.sin6.sin6_scope_id) {
			scope[0] = '%';
			if (!if_indextoname(ep.sin6.sin6_scope_id, scope + 1))
				snprintf(scope, sizeof(scope), "%%%" PRIu32,
					 ep.sin6.sin6_scope_id);
		}
		snprintf(buf, ENDPOINT_STRLEN, "[%s%s]:%u", host, scope,
			 ntohs(ep.sin6.sin6_port));
	}
}

/* What link add, link del put in VCOYO_A_LINK. */
struct link_req {
	const struct endpoint *ep;
	const uint8_t *peer_key;
	bool has_id;
	uint32_t id;
};

static int put_link(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct link_req *req = arg;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, VCOYO_A_LINK);
	if (!nest ||
	    (req->has_id && !mnl_attr_put_u32_check(nlh, buflen, VCOYO_LINK_A_ID, req->id)) ||
	    (req->ep && !mnl_attr_put_check(nlh, buflen, VCOYO_LINK_A_ENDPOINT, req->ep->len,
					    &req->ep->sa)) ||
	    (req->peer_key && !mnl_attr_put_check(nlh, buflen, VCOYO_LINK_A_PEER_KEY,
						  VCOYO_KEY_LEN, req->peer_key))) {
		errno = EMSGSIZE;
		return -1;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* The link add reply: the new link's id. */
struct link_added {
	bool has_id;
	uint32_t id;
};

static int link_added_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *tb[VCOYO_LINK_A_MAX + 1];
	struct link_added *added = arg;

	if (!msg->tb[VCOYO_A_LINK])
		return 0;
	if (vcoyo_nl_parse_link(msg->tb[VCOYO_A_LINK], tb))
		return -1;
	if (tb[VCOYO_LINK_A_ID]) {
		added->has_id = true;
		added->id = mnl_attr_get_u32(tb[VCOYO_LINK_A_ID]);
	}
	return 0;
}

/* Parse "ENDPOINT [public-key KEY]". */
static int link_add_args(const struct ctx *ctx, int argc, char **argv, struct endpoint *ep,
			 uint8_t key[VCOYO_KEY_LEN], bool *has_key)
{
	const char *err;

	*has_key = false;
	if (!argc)
		return usage_error(ctx, "link add: missing ENDPOINT (IPv4:PORT or [IPv6]:PORT)");
	err = endpoint_parse(argv[0], ep);
	if (err)
		return usage_error(ctx, "link add: bad endpoint '%s': %s", argv[0], err);
	for (argc--, argv++; argc; argc -= 2, argv += 2) {
		if (strcmp(argv[0], "public-key"))
			return usage_error(ctx, "link add: unknown setting '%s'", argv[0]);
		if (argc < 2)
			return usage_error(ctx, "link add: public-key needs a KEY (base64)");
		if (*has_key)
			return usage_error(ctx, "link add: public-key given twice");
		if (vcoyo_key_from_base64(key, argv[1], &err))
			return usage_error(ctx, "link add: invalid key '%s': %s", argv[1], err);
		*has_key = true;
	}
	return 0;
}

static int cmd_link_add(struct ctx *ctx, int argc, char **argv)
{
	struct link_added added = { 0 };
	uint8_t key[VCOYO_KEY_LEN];
	struct link_req req = { 0 };
	struct vcoyo_nl *nl;
	struct endpoint ep;
	bool has_key;
	int ret = 0;

	if (link_add_args(ctx, argc, argv, &ep, key, &has_key))
		return 1;
	req.ep = &ep;
	req.peer_key = has_key ? key : NULL;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, VCOYO_CMD_LINK_ADD, put_link, &req, link_added_cb, &added)) {
		ret = nl_error(ctx, nl);
	} else if (!added.has_id) {
		fprintf(stderr, "%s: %s: the kernel added the link but did not say its id\n",
			PROG, verb_name(ctx));
		ret = 1;
	} else {
		nl_warning(nl);
		if (ctx->json)
			printf("{\"id\": %" PRIu32 "}\n", added.id);
		else
			printf("link %" PRIu32 "\n", added.id);
	}
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_link_del(struct ctx *ctx, int argc, char **argv)
{
	struct link_req req = { .has_id = true };
	struct vcoyo_nl *nl;
	uint64_t id;
	int ret = 0;

	if (!argc)
		return usage_error(ctx, "link del: missing link ID");
	if (parse_uint(argv[0], 0, UINT32_MAX, &id))
		return usage_error(ctx, "link del: bad link ID '%s'", argv[0]);
	if (no_args(ctx, argc - 1, argv + 1))
		return 1;
	req.id = id;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, VCOYO_CMD_LINK_DEL, put_link, &req, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_nl_close(nl);
	return ret;
}

/* One link of the dump; has: a bit for each attribute present, by type. */
struct link {
	uint32_t has;
	uint32_t id;
	char endpoint[ENDPOINT_STRLEN];
	uint8_t peer_key[VCOYO_KEY_LEN];
	uint8_t state;
	uint8_t remote_key[VCOYO_KEY_LEN];
	struct vcoyo_addr remote_addr;
	uint32_t rtt_us;
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint32_t last_rx_ms;
};

#define HAS(link, attr)	((link)->has & (1u << (attr)))

struct links {
	struct link *v;
	size_t n, size;
};

static void link_parse(struct link *l, const struct nlattr *tb[VCOYO_LINK_A_MAX + 1])
{
	unsigned int type;

	for (type = 0; type <= VCOYO_LINK_A_MAX; type++)
		if (tb[type])
			l->has |= 1u << type;
	if (tb[VCOYO_LINK_A_ID])
		l->id = mnl_attr_get_u32(tb[VCOYO_LINK_A_ID]);
	if (tb[VCOYO_LINK_A_ENDPOINT])
		endpoint_format(l->endpoint, mnl_attr_get_payload(tb[VCOYO_LINK_A_ENDPOINT]),
				mnl_attr_get_payload_len(tb[VCOYO_LINK_A_ENDPOINT]));
	if (tb[VCOYO_LINK_A_PEER_KEY])
		memcpy(l->peer_key, mnl_attr_get_payload(tb[VCOYO_LINK_A_PEER_KEY]),
		       VCOYO_KEY_LEN);
	if (tb[VCOYO_LINK_A_STATE])
		l->state = mnl_attr_get_u8(tb[VCOYO_LINK_A_STATE]);
	if (tb[VCOYO_LINK_A_REMOTE_KEY])
		memcpy(l->remote_key, mnl_attr_get_payload(tb[VCOYO_LINK_A_REMOTE_KEY]),
		       VCOYO_KEY_LEN);
	if (tb[VCOYO_LINK_A_REMOTE_ADDRESS])
		memcpy(&l->remote_addr, mnl_attr_get_payload(tb[VCOYO_LINK_A_REMOTE_ADDRESS]),
		       VCOYO_ADDR_LEN);
	if (tb[VCOYO_LINK_A_RTT_US])
		l->rtt_us = mnl_attr_get_u32(tb[VCOYO_LINK_A_RTT_US]);
	if (tb[VCOYO_LINK_A_TX_PACKETS])
		l->tx_packets = mnl_attr_get_u64(tb[VCOYO_LINK_A_TX_PACKETS]);
	if (tb[VCOYO_LINK_A_TX_BYTES])
		l->tx_bytes = mnl_attr_get_u64(tb[VCOYO_LINK_A_TX_BYTES]);
	if (tb[VCOYO_LINK_A_RX_PACKETS])
		l->rx_packets = mnl_attr_get_u64(tb[VCOYO_LINK_A_RX_PACKETS]);
	if (tb[VCOYO_LINK_A_RX_BYTES])
		l->rx_bytes = mnl_attr_get_u64(tb[VCOYO_LINK_A_RX_BYTES]);
	if (tb[VCOYO_LINK_A_LAST_RX_MS])
		l->last_rx_ms = mnl_attr_get_u32(tb[VCOYO_LINK_A_LAST_RX_MS]);
}

/* One message of the link dump: one link. */
static int links_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *tb[VCOYO_LINK_A_MAX + 1];
	struct links *links = arg;
	struct link *v;

	if (!msg->tb[VCOYO_A_LINK])
		return 0;
	if (vcoyo_nl_parse_link(msg->tb[VCOYO_A_LINK], tb))
		return -1;
	if (!tb[VCOYO_LINK_A_ID]) {	/* a link without its name is of no use */
		errno = EPROTO;
		return -1;
	}
	if (links->n == links->size) {
		v = reallocarray(links->v, links->size ? 2 * links->size : 8, sizeof(*v));
		if (!v)
			return -1;
		links->v = v;
		links->size = links->size ? 2 * links->size : 8;
	}
	memset(&links->v[links->n], 0, sizeof(links->v[0]));
	link_parse(&links->v[links->n++], tb);
	return 0;
}

static const char *const link_state_names[] = {
	[VCOYO_LINK_DOWN] = "down",
	[VCOYO_LINK_UP] = "up",
	[VCOYO_LINK_KEY_MISMATCH] = "key-mismatch",
};

/* A key of a link, or none. */
static void out_key(struct ctx *ctx, const char *key, const char *label, bool has,
		    const uint8_t bin[VCOYO_KEY_LEN])
{
	char b64[VCOYO_KEY_B64_SIZE];

	if (!has) {
		out_null(ctx, key);
		return;
	}
	vcoyo_key_to_base64(b64, bin);
	out_str(ctx, key, label, b64);
}

static void out_link_u64(struct ctx *ctx, const struct link *l, unsigned int attr,
			 const char *key, const char *label, uint64_t value)
{
	if (HAS(l, attr))
		out_u64(ctx, key, label, value);
	else
		out_null(ctx, key);
}

static void link_print(struct ctx *ctx, const struct link *l)
{
	char text[VCOYO_ADDR_STRLEN], state[16];

	out_list_item(ctx);
	if (ctx->json)
		out_u64(ctx, "id", NULL, l->id);
	else
		printf("link %" PRIu32 "\n", l->id);
	ctx->indent = "  ";
	out_str(ctx, "endpoint", "endpoint", HAS(l, VCOYO_LINK_A_ENDPOINT) ? l->endpoint : NULL);
	if (!HAS(l, VCOYO_LINK_A_STATE))
		out_str(ctx, "state", "state", NULL);
	else if (l->state < sizeof(link_state_names) / sizeof(link_state_names[0]))
		out_str(ctx, "state", "state", link_state_names[l->state]);
	else {
		snprintf(state, sizeof(state), "state_%u", l->state);
		out_str(ctx, "state", "state", state);
	}
	out_key(ctx, "expected_key", "expected key", HAS(l, VCOYO_LINK_A_PEER_KEY), l->peer_key);
	out_key(ctx, "remote_key", "remote key", HAS(l, VCOYO_LINK_A_REMOTE_KEY), l->remote_key);
	if (HAS(l, VCOYO_LINK_A_REMOTE_ADDRESS)) {
		vcoyo_addr_format(&l->remote_addr, text);
		out_str(ctx, "remote_address", "remote address", text);
	} else {
		out_null(ctx, "remote_address");
	}
	if (HAS(l, VCOYO_LINK_A_RTT_US)) {
		snprintf(text, sizeof(text), "%" PRIu32 ".%03" PRIu32, l->rtt_us / 1000,
			 l->rtt_us % 1000);
		out_num_unit(ctx, "rtt_ms", "rtt", text, "ms");
	} else {
		out_null(ctx, "rtt_ms");
	}
	out_link_u64(ctx, l, VCOYO_LINK_A_TX_PACKETS, "tx_packets", "tx packets", l->tx_packets);
	out_link_u64(ctx, l, VCOYO_LINK_A_TX_BYTES, "tx_bytes", "tx bytes", l->tx_bytes);
	out_link_u64(ctx, l, VCOYO_LINK_A_RX_PACKETS, "rx_packets", "rx packets", l->rx_packets);
	out_link_u64(ctx, l, VCOYO_LINK_A_RX_BYTES, "rx_bytes", "rx bytes", l->rx_bytes);
	if (HAS(l, VCOYO_LINK_A_LAST_RX_MS)) {
		snprintf(text, sizeof(text), "%" PRIu32, l->last_rx_ms);
		out_num_unit(ctx, "last_hello_ms", "last hello", text, "ms ago");
	} else {
		out_null(ctx, "last_hello_ms");
	}
	ctx->indent = NULL;
	out_list_item_end(ctx);
}

static int cmd_link_show(struct ctx *ctx, int argc, char **argv)
{
	struct links links = { 0 };
	struct vcoyo_nl *nl;
	int ret = 0;
	size_t i;

	if (no_args(ctx, argc, argv))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_dump(nl, VCOYO_CMD_LINK_GET, NULL, NULL, links_cb, &links)) {
		ret = nl_error(ctx, nl);
	} else {
		out_list_begin(ctx);
		for (i = 0; i < links.n; i++)
			link_print(ctx, &links.v[i]);
		out_list_end(ctx);
	}
	free(links.v);
	vcoyo_nl_close(nl);
	return ret;
}

/* A route request: the destination, and the link for route add. */
struct route_req {
	struct vcoyo_addr dest;
	bool has_link;
	uint32_t link;
};

static int put_route(struct nlmsghdr *nlh, size_t buflen, void *arg)
{
	const struct route_req *req = arg;
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, VCOYO_A_ROUTE);
	if (!nest ||
	    !mnl_attr_put_check(nlh, buflen, VCOYO_ROUTE_A_DEST, VCOYO_ADDR_LEN, &req->dest) ||
	    (req->has_link && !mnl_attr_put_u32_check(nlh, buflen, VCOYO_ROUTE_A_LINK, req->link))) {
		errno = EMSGSIZE;
		return -1;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* Send a route request built from the command line; 0 or an exit status. */
static int route_request(struct ctx *ctx, uint8_t cmd, const struct route_req *req)
{
	struct vcoyo_nl *nl;
	int ret = 0;

	nl = nl_open();
	if (!nl)
		return 1;
	if (vcoyo_nl_request(nl, cmd, put_route, (void *)req, NULL, NULL))
		ret = nl_error(ctx, nl);
	else
		nl_warning(nl);
	vcoyo_nl_close(nl);
	return ret;
}

static int route_dest(const struct ctx *ctx, const char *text, struct route_req *req)
{
	const char *err;

	if (vcoyo_addr_parse(text, &req->dest, &err))
		return usage_error(ctx, "%s: bad address '%s': %s", verb_name(ctx), text, err);
	return 0;
}

/* route add ADDRESS via LINK-ID */
static int cmd_route_add(struct ctx *ctx, int argc, char **argv)
{
	struct route_req req = { .has_link = true };
	uint64_t link;

	if (argc < 1)
		return usage_error(ctx, "route add: missing ADDRESS");
	if (route_dest(ctx, argv[0], &req))
		return 1;
	if (argc < 3 || strcmp(argv[1], "via"))
		return usage_error(ctx, "route add: expected 'via LINK-ID' after the address");
	if (parse_uint(argv[2], 1, UINT32_MAX, &link))
		return usage_error(ctx, "route add: bad link ID '%s'", argv[2]);
	if (no_args(ctx, argc - 3, argv + 3))
		return 1;
	req.link = link;
	return route_request(ctx, VCOYO_CMD_ROUTE_ADD, &req);
}

/* route del ADDRESS */
static int cmd_route_del(struct ctx *ctx, int argc, char **argv)
{
	struct route_req req = { 0 };

	if (argc < 1)
		return usage_error(ctx, "route del: missing ADDRESS");
	if (route_dest(ctx, argv[0], &req) || no_args(ctx, argc - 1, argv + 1))
		return 1;
	return route_request(ctx, VCOYO_CMD_ROUTE_DEL, &req);
}

static const char *const route_origin_names[] = {
	[VCOYO_ROUTE_STATIC] = "static",
	[VCOYO_ROUTE_HELPER] = "helper",
};

/* One message of the route dump, printed as it comes. */
static int route_print_cb(const struct vcoyo_nl_msg *msg, void *arg)
{
	const struct nlattr *tb[VCOYO_ROUTE_A_MAX + 1];
	char dest[VCOYO_ADDR_STRLEN];
	struct ctx *ctx = arg;
	uint8_t origin;

	if (!msg->tb[VCOYO_A_ROUTE])
		return 0;
	if (vcoyo_nl_parse_route(msg->tb[VCOYO_A_ROUTE], tb))
		return -1;
	if (!tb[VCOYO_ROUTE_A_DEST] || !tb[VCOYO_ROUTE_A_LINK]) {
		errno = EPROTO;
		return -1;
	}
	vcoyo_addr_format(mnl_attr_get_payload(tb[VCOYO_ROUTE_A_DEST]), dest);
	origin = tb[VCOYO_ROUTE_A_ORIGIN] ? mnl_attr_get_u8(tb[VCOYO_ROUTE_A_ORIGIN]) : 0;
	if (ctx->json) {
		out_list_item(ctx);
		out_str(ctx, "destination", NULL, dest);
		out_u64(ctx, "link", NULL, mnl_attr_get_u32(tb[VCOYO_ROUTE_A_LINK]));
		out_str(ctx, "origin", NULL, origin <= VCOYO_ROUTE_HELPER ?
			route_origin_names[origin] : "unknown");
		out_list_item_end(ctx);
	} else {
		printf("%s via %" PRIu32 " %s\n", dest, mnl_attr_get_u32(tb[VCOYO_ROUTE_A_LINK]),
		       origin <= VCOYO_ROUTE_HELPER ? route_origin_names[origin] : "unknown");
	}
	return 0;
}

static int cmd_route_show(struct ctx *ctx, int argc, char **argv)
{
	struct vcoyo_nl *nl;
	int ret = 0;

	if (no_args(ctx, argc, argv))
		return 1;
	nl = nl_open();
	if (!nl)
		return 1;
	out_list_begin(ctx);
	if (vcoyo_nl_dump(nl, VCOYO_CMD_ROUTE_GET, NULL, NULL, route_print_cb, ctx))
		ret = nl_error(ctx, nl);
	out_list_end(ctx);
	vcoyo_nl_close(nl);
	return ret;
}

static int cmd_help(struct ctx *ctx, int argc, char **argv)
{
	if (no_args(ctx, argc, argv))
		return 1;
	usage(stdout);
	return 0;
}

static const struct verb id_verbs[] = {
	{ "show", cmd_id_show, NULL, "", "address, public key, family number" },
	{ "set", cmd_id_set, NULL, "private-key FILE", "set the private key ('-': stdin)" },
	{ NULL }
};

static const struct verb node_verbs[] = {
	{ "show", cmd_node_show, NULL, "", "listen port, hello interval, link timeout" },
	{ "set", cmd_node_set, NULL, "[listen-port PORT] [hello-interval MS] [link-timeout MS]",
	  "change them (at least one)" },
	{ NULL }
};

static const struct verb link_verbs[] = {
	{ "show", cmd_link_show, NULL, "", "every link: endpoint, state, neighbour, counters" },
	{ "add", cmd_link_add, NULL, "ENDPOINT [public-key KEY]",
	  "link to IPv4:PORT or [IPv6]:PORT; prints its id" },
	{ "del", cmd_link_del, NULL, "ID", "delete a link" },
	{ NULL }
};

static const struct verb route_verbs[] = {
	{ "show", cmd_route_show, NULL, "", "every route: destination, link, origin" },
	{ "add", cmd_route_add, NULL, "ADDRESS via LINK-ID", "route ADDRESS through a link" },
	{ "del", cmd_route_del, NULL, "ADDRESS", "delete the route to ADDRESS" },
	{ NULL },
};

static const struct verb verbs[] = {
	{ "genkey", cmd_genkey, NULL, "", "new private key to stdout" },
	{ "pubkey", cmd_pubkey, NULL, "", "private key on stdin to public key" },
	{ "address", cmd_address, NULL, "", "public key on stdin to address" },
	{ "id", NULL, id_verbs, "", "" },
	{ "node", NULL, node_verbs, "", "" },
	{ "link", NULL, link_verbs, "", "" },
	{ "route", NULL, route_verbs, "", "" },
	{ "stats", cmd_stats, NULL, "", "node counters" },
	{ "help", cmd_help, NULL, "", "this text" },
	{ NULL }
};

/* Run the verb argv[0] names in table; a bare parent runs its first sub-verb. */
static int dispatch(struct ctx *ctx, const struct verb *table, int argc, char **argv)
{
	const struct verb *v = table;

	if (!argc && !ctx->verb)
		return usage_error(NULL, "missing command");
	if (argc) {
		for (; v->name && strcmp(v->name, argv[0]); v++)
			;
		if (!v->name)
			return usage_error(NULL, "unknown command '%s%s%s'",
					   ctx->verb ? ctx->verb->name : "",
					   ctx->verb ? " " : "", argv[0]);
		argc--;
		argv++;
	}
	ctx->parent = ctx->verb;
	ctx->verb = v;
	if (v->sub)
		return dispatch(ctx, v->sub, argc, argv);
	return v->run(ctx, argc, argv);
}

/* Most words a command of a batch may have. */
#define BATCH_WORDS	64

/*
 * -b FILE: one command a line, written as on the command line after the
 * options: words separated by blanks, without quoting.  Empty lines and
 * lines starting with '#' are skipped.  Stops at the first command that
 * fails, naming its line.
 */
static int batch(bool json, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *words[BATCH_WORDS], *word, *save;
	const char *name = f == stdin ? "stdin" : path;
	unsigned int lineno = 0;
	struct ctx ctx;
	size_t size = 0;
	int argc, ret = 0;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
		return 1;
	}
	while (!ret && getline(&line, &size, f) >= 0) {
		lineno++;
		argc = 0;
		for (word = strtok_r(line, " \t\r\n", &save); word && argc < BATCH_WORDS;
		     word = strtok_r(NULL, " \t\r\n", &save))
			words[argc++] = word;
		if (word) {
			fprintf(stderr, "%s: %s:%u: more than %d words\n", PROG, name, lineno,
				BATCH_WORDS);
			ret = 1;
		} else if (argc && words[0][0] != '#') {
			ctx = (struct ctx){ .json = json };
			ret = dispatch(&ctx, verbs, argc, words);
			if (ret)
				fprintf(stderr, "%s: %s:%u: command failed\n", PROG, name, lineno);
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", PROG, name, strerror(errno));
		ret = 1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
	const char *batch_path = NULL;
	int i;

	/* Options come before the command, as for ip(8). */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-b") || !strcmp(argv[i], "--batch")) {
			if (++i == argc)
				return usage_error(NULL, "%s needs a FILE ('-': stdin)", argv[i - 1]);
			batch_path = argv[i];
			continue;
		}
		if (strcmp(argv[i], "-j") && strcmp(argv[i], "--json"))
			return usage_error(NULL, "unknown option '%s'", argv[i]);
		ctx.json = true;
	}
	if (batch_path) {
		if (i < argc)
			return usage_error(NULL, "-b: unexpected command '%s': the commands come "
					   "from the file", argv[i]);
		return batch(ctx.json, batch_path);
	}
	return dispatch(&ctx, verbs, argc - i, argv + i);
}
