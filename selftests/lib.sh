# Shell helpers for vcoyo's guest tests: TAP output and network namespaces.
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
