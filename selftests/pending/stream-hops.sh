#!/bin/sh
# Not in make check yet: a known bug.  20 connections at once across four
# transit nodes: once in some five runs (6.1, in a fresh-clone CI run), one
# connection stalled for good at the receiver while its sender had read EOF
# and finished, which no connection of a correct protocol can do.  Run it
# with: make check TESTS=pending/stream-hops.sh
# shellcheck source=../lib.sh
. ./lib.sh

PORT=7400
dir=$(mktemp -d)
chmod 755 "$dir"

six()
{
	for n in t1 t2 t3 t4 t5 t6; do
		ident $n || return 1
	done
	wire t1 t2 10.83.0 && wire t2 t3 10.84.0 && wire t3 t4 10.85.0 &&
	wire t4 t5 10.86.0 && wire t5 t6 10.87.0 || return 1
	route t1 t6 t2 && route t2 t6 t3 && route t3 t6 t4 && route t4 t6 t5 &&
	route t6 t1 t5 && route t5 t1 t4 && route t4 t1 t3 && route t3 t1 t2 &&
	install t1 t2 t3 t4 t5 t6
}
check "a line of six nodes" six
check "... every link up" wait_for 15 links_up t1 1 t2 2 t3 2 t4 2 t5 2 t6 1
many()
{
	for round in 1 2 3 4 5; do
		rm -f "$dir/ready"
		on t1 vstream recv -n 20 -r "$dir/ready" $PORT >"$dir/recv" 2>&1 &
		r=$!
		wait_for 10 test -e "$dir/ready" >/dev/null || return 1
		on t6 vstream send -n 20 -b 200000 "$(addr t1)" $PORT >"$dir/send" 2>&1
		wait $r
		same "round $round" "$(grep '^conn' "$dir/recv")" "$(grep '^conn' "$dir/send")" ||
			return 1
	done
}
check "20 connections across four transit nodes, five times" many
nodes_del t1 t2 t3 t4 t5 t6
rm -rf "$dir"
tap_done
