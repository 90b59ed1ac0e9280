// SPDX-License-Identifier: GPL-2.0
/*
 * vcoyo-nl: configure an IPvCoyo node, in the style of ip(8) and wg(8).
 * Documentation/vcoyo-nl.rst describes each command.  Commands live in
 * tables of struct verb: a new one (link, route, monitor...) is a function
 * and a table entry.  Every failure exits with status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "keys.h"
#include "nl.h"

#define PROG	"vcoyo-nl"

struct verb;

/* What the running command needs to know: output format, and its own name. */
struct ctx {
	bool json;
	bool json_first;		/* no member of the JSON object printed yet */
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
	char name[64];

	for (v = table; v->name; v++) {
		snprintf(name, sizeof(name), "%s%s %s", prefix, v->name, v->args);
		if (v->sub)
			usage_table(f, v->sub, name);
		else
			fprintf(f, "  %s [-j] %-30s %s\n", PROG, name, v->help);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [-j|--json] COMMAND [ARGUMENTS]\n", PROG);
	usage_table(f, verbs, "");
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
		printf("%s: %s\n", label, value ? value : "none");
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
		printf("%s: %" PRIu64 "\n", label, value);
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

static const struct verb verbs[] = {
	{ "genkey", cmd_genkey, NULL, "", "new private key to stdout" },
	{ "pubkey", cmd_pubkey, NULL, "", "private key on stdin to public key" },
	{ "address", cmd_address, NULL, "", "public key on stdin to address" },
	{ "id", NULL, id_verbs, "", "" },
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

int main(int argc, char **argv)
{
	struct ctx ctx = { 0 };
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
		if (strcmp(argv[i], "-j") && strcmp(argv[i], "--json"))
			return usage_error(NULL, "unknown option '%s'", argv[i]);
		ctx.json = true;
	}
	return dispatch(&ctx, verbs, argc - i, argv + i);
}
