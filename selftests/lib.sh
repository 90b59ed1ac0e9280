# Shell helpers for vcoyo's guest tests: TAP output, network namespaces,
# and topologies of vcoyo nodes.
# shellcheck shell=sh

IP=/usr/bin/ip
tap_n=0
tap_failed=0
tap_out=$(mktemp)
tap_wait=$(mktemp)

# check DESCRIPTION COMMAND...: a test point that passes if COMMAND succeeds.
check()
{
	desc=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@" >"$tap_out" 2>&1; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		sed 's/^/# /' "$tap_out"
		tap_failed=$((tap_failed + 1))
	fi
}

# check_fails DESCRIPTION PATTERN COMMAND...: COMMAND must fail and print
# something matching PATTERN (a grep -E expression).
check_fails()
{
	desc=$1
	pattern=$2
	shift 2
	tap_n=$((tap_n + 1))
	if "$@" >"$tap_out" 2>&1; then
		echo "not ok $tap_n - $desc (succeeded)"
		tap_failed=$((tap_failed + 1))
	elif grep -Eq "$pattern" "$tap_out"; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc (no '$pattern' in output)"
		sed 's/^/# /' "$tap_out"
		tap_failed=$((tap_failed + 1))
	fi
}

# usage_error PATTERN COMMAND...: vcoyo-nl's answer to a bad command line:
# it exits 1 saying PATTERN, then prints the usage.
usage_error()
{
	pattern=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 1 ] && echo "$out" | grep -Eq "$pattern" && echo "$out" | grep -q '^usage: vcoyo-nl'
}

tap_done()
{
	rm -f "$tap_out" "$tap_wait"
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# A fresh node: a network namespace whose loopback is up.
node_add()
{
	$IP netns add "$1" && $IP -n "$1" link set lo up
}

node_del()
{
	$IP netns del "$1"
}

# on NODE COMMAND...: run COMMAND inside NODE's network namespace.  busybox
# nsenter enters that namespace only; `ip netns exec` also makes a mount
# namespace and remounts /sys, which nothing here needs, and costs twice as
# much on the debug kernel.
on()
{
	ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# same WHAT GOT WANT: equal strings, or say what differs.
same()
{
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', want '$3'"
	return 1
}

# contains TEXT WANT...: TEXT contains each WANT.
contains()
{
	text=$1
	shift
	echo "$text"
	for want in "$@"; do
		case "$text" in *"$want"*) ;; *) echo "missing: $want"; return 1 ;; esac
	done
}

# matches TEXT ERE: TEXT is one line matching the extended regular expression.
matches()
{
	echo "$1" | grep -Eqx "$2" && return 0
	echo "'$1' does not match '$2'"
	return 1
}

now_ms()
{
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds; after SECONDS
# give up, showing its last output.  Says how long it took.
wait_for()
{
	w_start=$(now_ms)
	w_limit=$((w_start + $1 * 1000))
	shift
	while ! "$@" >"$tap_wait" 2>&1; do
		if [ "$(now_ms)" -ge "$w_limit" ]; then
			cat "$tap_wait"
			echo "still false after $(($(now_ms) - w_start)) ms"
			return 1
		fi
		sleep 0.1
	done
	echo "after $(($(now_ms) - w_start)) ms"
}

# sum NODE NAME...: the sum of NODE's counters NAME, from one stats request.
sum()
{
	s_node=$1
	shift
	on "$s_node" vcoyo-nl stats | awk -v names=" $* " '
		{ name = $1; sub(/:$/, "", name) }
		index(names, " " name " ") { sum += $2; found++ }
		END { if (found) print sum + 0 }'
}

# stat NODE NAME: one of NODE's counters.
stat()
{
	sum "$1" "$2"
}

# nodes_del NODE...
nodes_del()
{
	for n in "$@"; do
		node_del "$n"
	done
}

# at_least WHAT GOT MIN
at_least()
{
	[ "${2:-0}" -ge "$3" ] && return 0
	echo "$1: got '${2:-}', want at least $3"
	return 1
}

# stat_is NODE NAME VALUE, stat_ge NODE NAME MIN: one of NODE's counters.
stat_is()
{
	same "$2 of $1" "$(stat "$1" "$2")" "$3"
}

stat_ge()
{
	at_least "$2 of $1" "$(stat "$1" "$2")" "$3"
}

# ---- Topologies: nodes with identities, joined by veth pairs. ----
# These use the test's $dir (the node's key, address and link ids go there)
# and, for flow, its $PORT.
# shellcheck disable=SC2154

# ident NODE: give NODE an identity and faster link timers; not too fast: a
# link that misses hellos on a loaded guest goes down, and its tunnels too.
ident()
{
	node_add "$1" &&
	vcoyo-nl genkey >"$dir/$1.key" &&
	vcoyo-nl pubkey <"$dir/$1.key" | vcoyo-nl address >"$dir/$1.addr" &&
	on "$1" vcoyo-nl id set private-key "$dir/$1.key" &&
	on "$1" vcoyo-nl node set hello-interval 200 link-timeout 1500
}

addr()
{
	cat "$dir/$1.addr"
}

# wire A B SUBNET [6]: a veth pair between nodes A and B, A taking .1 (or
# ::1) and B .2, and a link each way.  SUBNET is "10.N.0" or "fdN:".
wire()
{
	w_a=$1 w_b=$2 w_net=$3
	$IP link add "v-$w_a-$w_b" type veth peer name "v-$w_b-$w_a" || return 1
	$IP link set "v-$w_a-$w_b" netns "$w_a" && $IP link set "v-$w_b-$w_a" netns "$w_b" || return 1
	if [ "${4:-}" = 6 ]; then
		$IP -n "$w_a" addr add "$w_net:1/64" dev "v-$w_a-$w_b" nodad &&
		$IP -n "$w_b" addr add "$w_net:2/64" dev "v-$w_b-$w_a" nodad || return 1
		w_ea="[$w_net:1]:4477" w_eb="[$w_net:2]:4477"
	else
		$IP -n "$w_a" addr add "$w_net.1/24" dev "v-$w_a-$w_b" &&
		$IP -n "$w_b" addr add "$w_net.2/24" dev "v-$w_b-$w_a" || return 1
		w_ea="$w_net.1:4477" w_eb="$w_net.2:4477"
	fi
	$IP -n "$w_a" link set "v-$w_a-$w_b" up && $IP -n "$w_b" link set "v-$w_b-$w_a" up &&
	on "$w_a" vcoyo-nl link add "$w_eb" | sed 's/^link //' >"$dir/link-$w_a-$w_b" &&
	on "$w_b" vcoyo-nl link add "$w_ea" | sed 's/^link //' >"$dir/link-$w_b-$w_a"
}

# link_id A B: the id of A's link to B.
link_id()
{
	cat "$dir/link-$1-$2"
}

# route A DEST VIA: A's route to node DEST through its link to node VIA.
route()
{
	echo "route add $(addr "$2") via $(link_id "$1" "$3")" >>"$dir/routes-$1"
}

# install NODE...: add the routes collected for each NODE, in one batch.
install()
{
	for i_node in "$@"; do
		[ -f "$dir/routes-$i_node" ] || continue
		on "$i_node" vcoyo-nl -b "$dir/routes-$i_node" || return 1
		rm -f "$dir/routes-$i_node"
	done
}

# up_count NODE: how many of NODE's links are up.
up_count()
{
	on "$1" vcoyo-nl link show | grep -c '^  state: up$'
}

# links_up NODE COUNT...: each NODE has COUNT links up.
links_up()
{
	while [ $# -ge 2 ]; do
		same "links up on $1" "$(up_count "$1")" "$2" || return 1
		shift 2
	done
}

# flow FROM TO COUNT [SIZE]: COUNT datagrams from FROM to TO's PORT, all
# arriving intact.
flow()
{
	f_size=${4:-64}
	rm -f "$dir/ready"
	on "$2" vflow recv -n "$3" -t 5000 -r "$dir/ready" "$PORT" >"$dir/recv" &
	f_pid=$!
	# Bound before the first datagram leaves, however loaded the guest.
	wait_for 10 test -e "$dir/ready" >/dev/null
	# Big ones paced, so as not to fill the receiver's buffer.
	f_gap=0
	[ "$f_size" -gt 1500 ] && f_gap=50
	on "$1" vflow send -n "$3" -s "$f_size" -i $f_gap "$(addr "$2")" "$PORT" >"$dir/send"
	wait $f_pid
	f_rc=$?
	cat "$dir/recv"
	[ $f_rc -eq 0 ] && grep -qx "from \[$(addr "$1")\]:[0-9]*" "$dir/recv" && return 0
	uniq -c -f1 "$dir/send"
	dump_nodes
	return 1
}

# dump_nodes: what every node holds, for the story of a failure.
dump_nodes()
{
	for d_path in /run/netns/*; do
		d_node=${d_path##*/}
		echo "== $d_node $(cut -c1-9 "$dir/$d_node.addr" 2>/dev/null)"
		on "$d_node" vcoyo-nl route show | cut -c1-120
		on "$d_node" vcoyo-nl tunnel show | awk '{ $1 = substr($1, 1, 9); print }'
		on "$d_node" vcoyo-nl label show
		on "$d_node" vcoyo-nl stats | grep -v ': 0$' | tr '\n' ' '
		echo
	done
}
