#!/bin/sh
# Node identities and vcoyo-nl: keys and addresses computed offline agree with
# known answers and with the kernel, each namespace has its own identity, bad
# keys and bad requests are refused with a clear reason, and only
# CAP_NET_ADMIN may set a key.
# shellcheck source=lib.sh
. ./lib.sh

KO=/vcoyo/vcoyo.ko
FAMILY_FILE=/sys/module/vcoyo/parameters/family

# RFC 7748 section 6.1, Alice: private key 77076d0a...b92c2a, public key
# 8520f009...9b4e6a, in base64; her address is SHA-512 of the public key.
ALICE_PRIV=dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=
ALICE_PUB=hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=
ALICE_ADDR=6d1b:5820:226:e583:7438:8aa8:ed39:1e85:27d7:efa1:15e:d4a7:c8c6:c1dd:f614:68eb
ALICE_ADDR=$ALICE_ADDR:d2ca:c2cd:52cc:bb10:4be5:5c60:6040:325b:abb4:bded:ffc9:cadf:4f53:ff11
ALICE_ADDR=$ALICE_ADDR:250c:a21

dir=$(mktemp -d)
chmod 755 "$dir"

# is_key TEXT: 44 characters of standard base64 with one '=' of padding.
is_key()
{
	echo "$1" | grep -Eqx '[A-Za-z0-9+/]{43}='
}

# clamped KEY: a Curve25519 private key as RFC 7748 formats it.
clamped()
{
	# One positional parameter per byte: the splitting is the point.
	# shellcheck disable=SC2046
	set -- $(printf %s "$1" | base64 -d | od -An -v -tu1)
	[ $# -eq 32 ] && [ $(($1 & 7)) -eq 0 ] && [ $((${32} & 192)) -eq 64 ]
}

# same WHAT GOT WANT: equal strings, or say what differs.
same()
{
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', want '$3'"
	return 1
}

pub_of() { echo "$1" | vcoyo-nl pubkey; }
addr_of() { echo "$1" | vcoyo-nl pubkey | vcoyo-nl address; }

# addr_hex ADDR: the 128 hex digits of an address in text form, "::" expanded.
addr_hex()
{
	echo "$1" | awk '
		function pad(g) { return substr("0000", length(g) + 1) g }
		{
			i = index($0, "::"); l = $0; r = ""; nl = nr = 0; out = ""
			if (i) { l = substr($0, 1, i - 1); r = substr($0, i + 2) }
			if (l != "") nl = split(l, L, ":")
			if (r != "") nr = split(r, R, ":")
			for (j = 1; j <= nl; j++) out = out pad(L[j])
			for (j = 0; i && j < 32 - nl - nr; j++) out = out "0000"
			for (j = 1; j <= nr; j++) out = out pad(R[j])
			print out
		}'
}

# address_is_sha512 PUB: vcoyo-nl address agrees with busybox sha512sum.
address_is_sha512()
{
	got=$(addr_hex "$(echo "$1" | vcoyo-nl address)")
	want=$(printf %s "$1" | base64 -d | sha512sum | cut -d' ' -f1)
	same "address of $1" "$got" "$want"
}

# field NODE NAME: a line "NAME: value" of `vcoyo-nl id show` in NODE.
field()
{
	on "$1" vcoyo-nl id show | sed -n "s/^$2: //p"
}

# shows_key NODE KEY: NODE's identity is the one of private key KEY.
shows_key()
{
	same "public key" "$(field "$1" "public key")" "$(pub_of "$2")" &&
		same "address" "$(field "$1" address)" "$(addr_of "$2")"
}

# json_has NODE TEXT...: `vcoyo-nl -j id show` in NODE contains each TEXT.
json_has()
{
	node=$1
	shift
	out=$(on "$node" vcoyo-nl -j id show) || return 1
	echo "$out"
	for want in "$@"; do
		case "$out" in *"$want"*) ;; *) echo "missing: $want"; return 1 ;; esac
	done
}

# from FILE COMMAND...: COMMAND with FILE on its standard input.
from()
{
	f=$1
	shift
	"$@" <"$f"
}

# key_file NAME KEY: KEY in a file readable only by root, as a key should be.
key_file()
{
	(umask 077 && echo "$2" >"$dir/$1")
}

# tap_import NAME COMMAND...: run a C test printing TAP; fold its test points
# into ours, renumbered, then check that it ran to its plan.
tap_import()
{
	name=$1
	shift
	"$@" >"$dir/tap" 2>&1
	rc=$?
	points=0 fails=0 plan=
	while IFS= read -r line; do
		case "$line" in
		"ok "*) tap_n=$((tap_n + 1)); echo "ok $tap_n - $name: ${line#ok * - }" ;;
		"not ok "*)
			tap_n=$((tap_n + 1)) tap_failed=$((tap_failed + 1)) fails=$((fails + 1))
			echo "not ok $tap_n - $name: ${line#not ok * - }" ;;
		1..*) plan=${line#1..} ;;
		*) echo "# $line" ;;
		esac
		case "$line" in "ok "* | "not ok "*) points=$((points + 1)) ;; esac
	done <"$dir/tap"
	check "$name: exit status $rc, plan ${plan:-missing} of $points points" \
		ran_to_plan "$plan" "$points" "$rc" "$fails"
}

# ran_to_plan PLAN POINTS STATUS FAILURES: a C test finished, exiting 0 unless
# a test point failed.
ran_to_plan()
{
	[ "$1" = "$2" ] && { [ "$3" -eq 0 ] || [ "$4" -gt 0 ]; }
}

# Offline: keys and addresses.
k1=$(vcoyo-nl genkey)
k2=$(vcoyo-nl genkey)
k3=$(vcoyo-nl genkey)
check "genkey: 44 characters of base64" is_key "$k1"
check "genkey: two keys differ" test "$k1" != "$k2"
check "genkey: the key is clamped as RFC 7748 formats it" clamped "$k1"
check "genkey -j: {\"private_key\": KEY}" \
	sh -c 'vcoyo-nl -j genkey | grep -Eqx "\{\"private_key\": \"[A-Za-z0-9+/]{43}=\"\}"'
check "pubkey: RFC 7748 test vector" same pubkey "$(pub_of $ALICE_PRIV)" "$ALICE_PUB"
check "pubkey -j: {\"public_key\": KEY}" same "pubkey -j" \
	"$(echo $ALICE_PRIV | vcoyo-nl -j pubkey)" "{\"public_key\": \"$ALICE_PUB\"}"
check "pubkey: of a generated key is a key" is_key "$(pub_of "$k1")"
check "address: SHA-512 of the RFC 7748 public key" \
	same address "$(echo $ALICE_PUB | vcoyo-nl address)" "$ALICE_ADDR"
check "address: agrees with sha512sum for a generated key" address_is_sha512 "$(pub_of "$k2")"
check "address -j: {\"address\": ADDRESS}" same "address -j" \
	"$(echo $ALICE_PUB | vcoyo-nl -j address)" "{\"address\": \"$ALICE_ADDR\"}"
check "pubkey: key without its newline" \
	same pubkey "$(printf %s $ALICE_PRIV | vcoyo-nl pubkey)" "$ALICE_PUB"

# Bad keys, offline and for id set.
printf '%s\n' "${ALICE_PRIV%?}" >"$dir/short"
printf '%s\n' "${ALICE_PRIV%????}AA==" >"$dir/31bytes"
printf '%s\n' "!${ALICE_PRIV#?}" >"$dir/notb64"
printf '%s\n' "$ALICE_PRIV$ALICE_PRIV" >"$dir/double"
: >"$dir/empty"
check_fails "pubkey: 43 characters refused" "^vcoyo-nl: invalid key: stdin: not 44 characters" \
	from "$dir/short" vcoyo-nl pubkey
check_fails "pubkey: a 31-byte key refused" "^vcoyo-nl: invalid key: stdin: shorter than 32" \
	from "$dir/31bytes" vcoyo-nl pubkey
check_fails "pubkey: not base64 refused" "^vcoyo-nl: invalid key: stdin: not base64" \
	from "$dir/notb64" vcoyo-nl pubkey
check_fails "address: two keys refused" "^vcoyo-nl: invalid key: stdin: not 44 characters" \
	from "$dir/double" vcoyo-nl address
check_fails "pubkey: empty input refused" "^vcoyo-nl: invalid key: stdin" \
	from "$dir/empty" vcoyo-nl pubkey

# The kernel: identities per namespace.
node_add a
node_add b
check "id show: fresh node says address: none" same address "$(field a address)" none
check "id show: fresh node has no public key" same "public key" "$(field a 'public key')" none
check "id show -j: fresh node has no identity" \
	json_has a '"has_identity": false' '"address": null' '"public_key": null'
check "id show: family is the module parameter" \
	same family "$(field a family)" "$(cat $FAMILY_FILE)"
check "id show -j: family is the module parameter" json_has a "\"family\": $(cat $FAMILY_FILE)}"
check "id: without a sub-command is id show" \
	same "id" "$(on a vcoyo-nl id)" "$(on a vcoyo-nl id show)"

key_file k1 "$k1"
key_file k2 "$k2"
key_file k3 "$k3"
check "id set private-key FILE" on a vcoyo-nl id set private-key "$dir/k1"
check "id show: the kernel derives what pubkey and address derive" shows_key a "$k1"
check "id show -j: the same identity" json_has a '"has_identity": true' \
	"\"address\": \"$(addr_of "$k1")\"" "\"public_key\": \"$(pub_of "$k1")\"" \
	"\"family\": $(cat $FAMILY_FILE)"
check "id set private-key - (stdin)" from "$dir/k2" on b vcoyo-nl id set private-key -
check "second node has its own identity" shows_key b "$k2"
check "first node kept its identity" shows_key a "$k1"
check "id set again replaces the identity" on a vcoyo-nl id set private-key "$dir/k3"
check "id show: the new identity" shows_key a "$k3"
check "the other node is untouched" shows_key b "$k2"
key_file alice "$ALICE_PRIV"
check "id set: RFC 7748 private key" on b vcoyo-nl id set private-key "$dir/alice"
check "id show: RFC 7748 public key" same key "$(field b 'public key')" "$ALICE_PUB"
check "id show: RFC 7748 address" same address "$(field b address)" "$ALICE_ADDR"

check_fails "id set: missing file" "^vcoyo-nl: $dir/nonexistent: No such file or directory" \
	on a vcoyo-nl id set private-key "$dir/nonexistent"
check_fails "id set: 43-character key" "^vcoyo-nl: invalid key: $dir/short: not 44 characters" \
	on a vcoyo-nl id set private-key "$dir/short"
check_fails "id set: 31-byte key" "^vcoyo-nl: invalid key: $dir/31bytes: shorter than 32" \
	on a vcoyo-nl id set private-key "$dir/31bytes"
check_fails "id set: not base64" "^vcoyo-nl: invalid key: $dir/notb64: not base64" \
	on a vcoyo-nl id set private-key "$dir/notb64"
check_fails "id set: empty file" "^vcoyo-nl: invalid key: $dir/empty" \
	on a vcoyo-nl id set private-key "$dir/empty"
check_fails "id set: a directory" "^vcoyo-nl: $dir: Is a directory" \
	on a vcoyo-nl id set private-key "$dir"
check "refused keys left the identity alone" shows_key a "$k3"

# Bad command lines: the bad word named, the usage shown, status 1.
check "unknown command" usage_error "^vcoyo-nl: unknown command 'frobnicate'$" vcoyo-nl frobnicate
check "unknown id sub-command" usage_error "unknown command 'id frob'" vcoyo-nl id frob
check "id set: unknown setting" usage_error "unknown setting 'public-key'" \
	vcoyo-nl id set public-key "$dir/k1"
check "id set: missing FILE" usage_error "private-key needs a FILE" vcoyo-nl id set private-key
check "id set: no arguments" usage_error "missing private-key FILE" vcoyo-nl id set
check "id show: extra argument" usage_error "id show: unexpected argument 'x'" vcoyo-nl id show x
check "unknown option" usage_error "unknown option '-q'" vcoyo-nl -q id show
check "no command" usage_error "missing command" vcoyo-nl
check "help to stdout, status 0" sh -c 'vcoyo-nl help | grep -q "^usage: vcoyo-nl"'
check "-h and --help are help" sh -c 'vcoyo-nl -h | grep -q "id set private-key FILE" &&
	vcoyo-nl --help | grep -q "id set private-key FILE"'

# Privilege: the key is readable by nobody, only CAP_NET_ADMIN is missing.
cp "$dir/k1" "$dir/k1-public"
chmod 644 "$dir/k1-public"
check_fails "id set as nobody: EPERM" \
	"^vcoyo-nl: id set: Operation not permitted" \
	on a nl-raw as-nobody vcoyo-nl id set private-key "$dir/k1-public"
check "id show as nobody works" same "public key" \
	"$(on a nl-raw as-nobody vcoyo-nl id show | sed -n 's/^public key: //p')" "$(pub_of "$k3")"
check "identity unchanged by nobody" shows_key a "$k3"

# Counters, by name.
# Every counter of enum vcoyo_stat, in its order.
STATS="dgram_sent dgram_delivered drop_no_port drop_rcvbuf hello_sent hello_received
rx_truncated rx_bad_version rx_unknown_type rx_malformed rx_unknown_endpoint rx_key_mismatch
switched tunnel_setup tunnel_up tunnel_failed tunnel_expired tunnel_torn_down setup_refused
drop_unreachable drop_queue_full drop_ctl_overflow rx_unknown_label rx_wrong_link
rx_label_pending tx_error route_miss miss_resolved miss_unreachable miss_timeout miss_no_helper
stream_active_opens stream_passive_opens stream_established stream_segs_out stream_segs_in
stream_retrans stream_fast_retrans stream_timeouts stream_resets_sent stream_resets_received
stream_no_socket stream_backlog_full stream_out_of_order stream_out_of_window stream_drop_rcvbuf
stream_conn_timeout"

# stats_named NODE: `vcoyo-nl stats` prints every counter of the uapi, by
# name, in order, and nothing else.
stats_named()
{
	out=$(on "$1" vcoyo-nl stats) || return 1
	echo "$out"
	# One word per counter: the splitting is the point.
	# shellcheck disable=SC2086
	same "counters" "$(echo "$out" | sed 's/: [0-9][0-9]*$//' | tr '\n' ' ')" "$(printf '%s ' $STATS)"
}

# stats_json NODE: `vcoyo-nl -j stats` prints them as one JSON object.
stats_json()
{
	out=$(on "$1" vcoyo-nl -j stats) || return 1
	echo "$out"
	want=
	for s in $STATS; do
		want="$want${want:+, }\"$s\": [0-9]+"
	done
	echo "$out" | grep -Eqx "\\{$want\\}"
}
check "stats: every counter, by name" stats_named a
check "stats -j: one object of counters" stats_json a

# Raw requests vcoyo-nl never sends, and the identity event.
node_add raw
tap_import nl-raw on raw nl-raw
node_del raw

node_del a
node_del b

# Without the module: a clear message; the offline commands still work.
family=$(cat $FAMILY_FILE)
check "rmmod vcoyo" rmmod vcoyo
check_fails "id show without the module says so" \
	"^vcoyo-nl: vcoyo: generic netlink family not found: is vcoyo.ko loaded\?$" vcoyo-nl id show
check "genkey and pubkey work without the module" \
	sh -c "vcoyo-nl genkey | vcoyo-nl pubkey | grep -Eqx '[A-Za-z0-9+/]{43}='"
check "insmod vcoyo again" insmod $KO family="$family"

rm -rf "$dir"
tap_done
