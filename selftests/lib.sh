# Shell helpers for vcoyo's guest tests: TAP output and network namespaces.
# shellcheck shell=sh

IP=/usr/bin/ip
tap_n=0
tap_failed=0
tap_out=$(mktemp)

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
	rm -f "$tap_out"
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
