#!/bin/sh
# Routing by Kademlia, end to end: 30 nodes in a random 2-connected
# topology (a ring in random order, plus random chords), no static routes,
# vcoyod on each.  Datagrams between 50 random pairs must arrive; a tunnel
# must follow the path vcoyod chose; a node that does not exist must give
# EHOSTUNREACH within the miss timeout; a node taken away must be routed
# around; a killed vcoyod must fail its pending misses at once, and a new
# one must route again.
#
# Pending: not yet part of make check (selftests/*.sh only).  It fails 1
# point out of 15: a few datagrams of the 50 pairs end at a node that is not
# their destination (drop_no_port).  Run it with
#   selftests/run.sh -k 6.12 pending/kademlia.sh
# shellcheck source=lib.sh
. ./lib.sh

N=${KAD_NODES:-30}
CHORDS=${KAD_CHORDS:-15}
PAIRS=${KAD_PAIRS:-50}
SEED=${KAD_SEED:-4242}
MISS_MS=8000
# Short for a test, so that a refresh goes by in seconds; k small enough
# that a lookup in 30 nodes does not ask them all.
REFRESH_MS=15000
K=5
dir=$(mktemp -d)
chmod 755 "$dir"

name() { echo "k$1"; }
addr() { cat "$dir/k$1.addr"; }
# tag ADDRESS: its hop tag, as the tools print it: the first 16 hex digits.
tag()
{
	echo "$1" | { IFS=: read -r g1 g2 g3 g4 _; printf '%04x%04x%04x%04x\n' "0x$g1" "0x$g2" "0x$g3" "0x$g4"; }
}

# The topology: node pairs, one per line, "A B".
awk -v n="$N" -v c="$CHORDS" -v seed="$SEED" 'BEGIN {
	srand(seed)
	for (i = 0; i < n; i++) p[i] = i
	for (i = n - 1; i > 0; i--) { j = int(rand() * (i + 1)); t = p[i]; p[i] = p[j]; p[j] = t }
	for (i = 0; i < n; i++) {
		a = p[i]; b = p[(i + 1) % n]
		e[a < b ? a " " b : b " " a] = 1
	}
	while (c > 0) {
		a = int(rand() * n); b = int(rand() * n)
		if (a == b || (a < b ? a " " b : b " " a) in e) continue
		e[a < b ? a " " b : b " " a] = 1; c--
	}
	for (k in e) print k
}' | sort -n >"$dir/edges"

# Every node: an identity, link timers fit for a loaded guest, the miss
# timeout.  Then every edge: a veth pair with a /24 each side, and a link
# each way; one batch per node for each tool.
setup()
{
	i=0
	while [ $i -lt "$N" ]; do
		n=$(name $i)
		node_add "$n" || return 1
		vcoyo-nl genkey >"$dir/$n.key"
		vcoyo-nl pubkey <"$dir/$n.key" | vcoyo-nl address >"$dir/$n.addr"
		printf 'id set private-key %s\nnode set hello-interval 250 link-timeout 5000 setup-timeout 4000 miss-timeout %s\n' \
			"$dir/$n.key" $MISS_MS >"$dir/$n.nl"
		i=$((i + 1))
	done
	e=0
	while read -r a b; do
		na=$(name "$a") nb=$(name "$b")
		net="10.$((e / 200 + 1)).$((e % 200))"
		$IP link add "e$e-a" netns "$na" type veth peer name "e$e-b" netns "$nb" || return 1
		printf 'addr add %s.1/24 dev e%s-a\nlink set e%s-a up\n' "$net" $e $e >>"$dir/$na.ip"
		printf 'addr add %s.2/24 dev e%s-b\nlink set e%s-b up\n' "$net" $e $e >>"$dir/$nb.ip"
		echo "link add $net.2:4477" >>"$dir/$na.nl"
		echo "link add $net.1:4477" >>"$dir/$nb.nl"
		e=$((e + 1))
	done <"$dir/edges"
	i=0
	while [ $i -lt "$N" ]; do
		n=$(name $i)
		$IP -n "$n" -b "$dir/$n.ip" || return 1
		on "$n" vcoyo-nl -b "$dir/$n.nl" >/dev/null || return 1
		i=$((i + 1))
	done
}

# daemon I: start vcoyod on node I, logging to its file.
# nsenter execs vcoyod: $! is the daemon itself.
daemon()
{
	nsenter --net="/run/netns/$(name "$1")" vcoyod -v -k $K --refresh-interval $REFRESH_MS \
		--rpc-timeout 2000 --lookup-timeout 5000 >>"$dir/k$1.log" 2>&1 &
	echo $! >"$dir/k$1.pid"
}

links_up()
{
	total=0
	i=0
	while [ $i -lt "$N" ]; do
		total=$((total + $(on "$(name $i)" vcoyo-nl link show | grep -c 'state: up')))
		i=$((i + 1))
	done
	[ $total -eq $(($(wc -l <"$dir/edges") * 2)) ]
}

helpers_registered()
{
	i=0
	while [ $i -lt "$N" ]; do
		on "$(name $i)" vcoyo-nl node show | grep -q 'helper: yes' || return 1
		i=$((i + 1))
	done
}

check "$N nodes, $(wc -l <"$dir/edges") links, no routes" setup
i=0
while [ $i -lt "$N" ]; do
	daemon $i
	i=$((i + 1))
done
check "every link comes up" wait_for 60 links_up
check "vcoyod registered as the helper of every node" wait_for 20 helpers_registered
# Let the bootstrap lookups and the first refresh (a self lookup) run.
sleep $((REFRESH_MS / 1000 + 2))

# The pairs: each a receiver on its own port, then all senders at once.
awk -v n="$N" -v p="$PAIRS" -v seed="$SEED" 'BEGIN {
	srand(seed + 1)
	while (p > 0) { a = int(rand() * n); b = int(rand() * n); if (a != b) { print a, b; p-- } }
}' >"$dir/pairs"

# The counters of all nodes, summed, "name value" a line.
stats_sum()
{
	for i in $(seq 0 $((N - 1))); do on "$(name $i)" vcoyo-nl stats; done |
		awk '{ s[$1] += $2 } END { for (n in s) print n, s[n] }' | sort
}

pairs_arrive()
{
	stats_sum >"$dir/stats-before"
	port=9000 pids=
	while read -r s d; do
		on "$(name "$d")" vflow recv -n 3 -t 20000 -r "$dir/ready-$port" $port >"$dir/recv-$port" 2>&1 &
		pids="$pids $!"
		port=$((port + 1))
	done <"$dir/pairs"
	# Every receiver bound before the first datagram leaves.
	wait_for 30 sh -c "[ \$(ls $dir/ready-* | wc -l) -ge $PAIRS ]" >/dev/null
	sleep 1
	port=9000
	while read -r s d; do
		on "$(name "$s")" vflow send -n 3 -i 500 "$(addr "$d")" $port >"$dir/send-$port" 2>&1 &
		pids="$pids $!"
		port=$((port + 1))
	done <"$dir/pairs"
	# shellcheck disable=SC2086
	wait $pids
	lost=0
	port=9000
	while read -r s d; do
		if ! grep -q '^received 3 bad 0' "$dir/recv-$port"; then
			echo "k$s -> k$d (port $port): $(cat "$dir/recv-$port") / $(tr '\n' ' ' <"$dir/send-$port")"
			lost=$((lost + 1))
			if [ $lost -le 3 ]; then
				short=$(addr "$d" | cut -d: -f1-4)
				grep "$short" "$dir/k$s.log" | tail -n 20
				echo "at k$s:"
				on "$(name "$s")" vcoyo-nl tunnel show | grep "^$short"
				on "$(name "$s")" vcoyo-nl route show | grep "^$short"
				echo "at k$d:"
				on "$(name "$d")" vcoyo-nl tunnel show | grep "^$(addr "$s" | cut -d: -f1-4)"
			fi
		fi
		port=$((port + 1))
	done <"$dir/pairs"
	if [ $lost -ne 0 ]; then
		echo "counters of all nodes, summed, and what the pairs added:"
		stats_sum | awk -v before="$dir/stats-before" '
			BEGIN { while ((getline l < before) > 0) { split(l, f); b[f[1]] = f[2] } }
			$2 { printf "%s %d (+%d)  ", $1, $2, $2 - b[$1] } END { print "" }'
	fi
	[ $lost -eq 0 ]
}
check "datagrams between $PAIRS random pairs all arrive" pairs_arrive
resolved_somewhere()
{
	total=0
	for i in $(seq 0 $((N - 1))); do
		total=$((total + $(stat "$(name $i)" miss_resolved)))
	done
	at_least "misses resolved on all nodes" $total 1
}
check "route misses were answered by routes" resolved_somewhere

# Every path vcoyod answered a miss with is a path of the topology: from its
# node to the first hop, hop to hop, and from the last to the destination.
# vcoyod -v logs "lookup N: DEST... at H hops, path T1,T2 (...)".
real_paths()
{
	i=0
	while [ $i -lt "$N" ]; do
		echo "$i $(tag "$(addr $i)")"
		i=$((i + 1))
	done >"$dir/tags"
	bad=0 total=0
	i=0
	while [ $i -lt "$N" ]; do
		r=$(awk -v self=$i -v tags="$dir/tags" -v edges="$dir/edges" '
			function tag_of(short,   g, n, t, k) {
				n = split(short, g, ":"); t = ""
				for (k = 1; k <= 4; k++) t = t sprintf("%04x", ("0x" g[k]) + 0)
				return t
			}
			BEGIN {
				while ((getline l < tags) > 0) { split(l, f, " "); node[f[2]] = f[1] }
				while ((getline l < edges) > 0) { split(l, f, " "); adj[f[1] " " f[2]] = adj[f[2] " " f[1]] = 1 }
			}
			/: .* at [0-9]+ hops, path / {
				for (k = 1; k <= NF; k++) if ($k == "path") p = $(k + 1)
				for (k = 1; k <= NF; k++) if ($k == "at") d = $(k - 1)
				n = split(p, h, ",")
				h[n + 1] = tag_of(d)
				prev = self; ok = 1
				for (k = 1; k <= n + 1; k++) {
					if (!(h[k] in node) || !((prev " " node[h[k]]) in adj)) ok = 0
					prev = node[h[k]]
				}
				total++
				if (!ok) { bad++; print "k" self ": " $0 > "/dev/stderr" }
			}
			END { print total + 0, bad + 0 }' "$dir/k$i.log") || return 1
		total=$((total + ${r% *})) bad=$((bad + ${r#* }))
		i=$((i + 1))
	done
	echo "$total paths answered, $bad not in the topology"
	[ $total -gt 0 ] && [ $bad -eq 0 ]
}
check "every path vcoyod answered with is a path of the topology" real_paths

# The path vcoyod chose for a far pair, and the nodes on it: each must switch
# the flow.  node_of TAG: the node whose address has that tag.
node_of()
{
	i=0
	while [ $i -lt "$N" ]; do
		[ "$(tag "$(addr $i)")" = "$1" ] && echo $i && return 0
		i=$((i + 1))
	done
	return 1
}

# A pair whose route has at least two transit nodes.
far_pair()
{
	while read -r s d; do
		p=$(on "$(name "$s")" vcoyo-nl route show | grep "^$(addr "$d") path " | awk '{ print $3 }')
		[ "$(echo "$p" | tr ',' '\n' | grep -c .)" -ge 2 ] || continue
		echo "$s $d $p" >"$dir/far"
		return 0
	done <"$dir/pairs"
	return 1
}

switched()
{
	stat "$(name "$1")" switched
}

follows_path()
{
	read -r s d p <"$dir/far"
	echo "k$s -> k$d along $p"
	for t in $(echo "$p" | tr ',' ' '); do
		v=$(node_of "$t") || { echo "no node has tag $t"; return 1; }
		echo "$v $(switched "$v")"
	done >"$dir/before"
	on "$(name "$d")" vflow recv -n 20 -t 10000 9500 >"$dir/far-recv" &
	r=$!
	sleep 0.5
	on "$(name "$s")" vflow send -n 20 -i 20 "$(addr "$d")" 9500 >/dev/null
	wait $r
	grep -q '^received 20 bad 0' "$dir/far-recv" || { cat "$dir/far-recv"; return 1; }
	while read -r v before; do
		after=$(switched "$v")
		echo "k$v switched $before -> $after"
		[ $((after - before)) -ge 20 ] || return 1
	done <"$dir/before"
}
if check "a pair routed through two or more transit nodes" far_pair; then
	check "the tunnel follows vcoyod's path: every node on it switched the flow" follows_path
fi

# A node that does not exist: EHOSTUNREACH within the miss timeout.
ghost()
{
	g=$(vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address)
	t0=$(now_ms)
	out=$(on k0 vflow send -n 40 -i 250 "$g" 9600)
	echo "$out" | tr '\n' ' '
	first=$(echo "$out" | grep -m1 EHOSTUNREACH | awk '{ print $1 }')
	[ -n "$first" ] || return 1
	# Datagram N leaves at N * 250 ms: the miss failed before it.
	echo "first EHOSTUNREACH at datagram $first (about $((first * 250)) ms)"
	[ $((first * 250)) -le $((MISS_MS + 1000)) ]
}
check "a node that does not exist: EHOSTUNREACH within the miss timeout" ghost
check "... and vcoyod said unreachable (miss_unreachable)" stat_ge k0 miss_unreachable 1

# A transit node of the far pair's path goes away; after a refresh, the pair
# is routed around it.
routed_around()
{
	read -r s d p <"$dir/far"
	v=$(node_of "$(echo "$p" | cut -d, -f1)")
	echo "taking k$v away"
	kill "$(cat "$dir/k$v.pid")" 2>/dev/null
	node_del "$(name "$v")"
	echo "$v" >"$dir/gone"
	# Its neighbours notice (link timeout), then a refresh goes by.
	sleep $(((5000 + REFRESH_MS) / 1000 + 2))
	on "$(name "$d")" vflow recv -t 6000 9700 >"$dir/around-recv" &
	r=$!
	sleep 0.5
	on "$(name "$s")" vflow send -n 30 -i 100 "$(addr "$d")" 9700 >"$dir/around-send"
	wait $r
	cat "$dir/around-recv"
	n=$(awk '/^received/ { print $2 }' "$dir/around-recv")
	if [ "${n:-0}" -lt 25 ]; then
		echo "k$s -> k$d: sent $(sort -k2 "$dir/around-send" | uniq -c -f1 | awk '{ printf "%s %s, ", $1, $3 }')"
		short=$(addr "$d" | cut -d: -f1-4)
		grep "$short" "$dir/k$s.log" | tail -n 20
		on "$(name "$s")" vcoyo-nl tunnel show | grep "^$short"
		on "$(name "$s")" vcoyo-nl route show | grep "^$short"
	fi
	# The first datagrams may meet the old tunnel's teardown; the rest arrive.
	[ "${n:-0}" -ge 25 ]
}
check "a node taken away is routed around" routed_around

# vcoyod killed while a miss waits for it: the miss fails at once.  On a
# node still there: the first that was not taken away.
victim=1
[ "$(cat "$dir/gone" 2>/dev/null)" != 1 ] || victim=2
killed()
{
	g=$(vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address)
	before=$(stat k$victim miss_no_helper)
	# Stopped, the helper cannot answer: the miss is still waiting when
	# the helper dies.
	kill -STOP "$(cat "$dir/k$victim.pid")"
	on k$victim vflow send -n 1 "$g" 9800 >/dev/null
	sleep 0.5
	kill -9 "$(cat "$dir/k$victim.pid")"
	sleep 0.5
	after=$(stat k$victim miss_no_helper)
	echo "miss_no_helper $before -> $after"
	[ "$after" -gt "$before" ] || return 1
	# No helper now: a new destination fails at once.
	on k$victim vflow send -n 1 "$(vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address)" 9801 |
		grep -qx '0 EHOSTUNREACH'
}
check "vcoyod killed: its pending miss fails at once, and new ones too" killed

restarted()
{
	daemon $victim
	wait_for 5 sh -c "nsenter --net=/run/netns/k$victim vcoyo-nl node show | grep -q 'helper: yes'" ||
		return 1
	sleep 3
	# A destination k$victim has no route to yet.
	gone=$(cat "$dir/gone")
	i=3
	while [ $i -lt "$N" ]; do
		if [ $i -ne "$gone" ] &&
		   ! on k$victim vcoyo-nl route show | grep -q "^$(addr $i) "; then
			break
		fi
		i=$((i + 1))
	done
	[ $i -lt "$N" ] || i=$((N - 1))
	echo "k$victim -> k$i"
	on "$(name $i)" vflow recv -n 5 -t 15000 9900 >"$dir/restart-recv" &
	r=$!
	sleep 0.5
	on k$victim vflow send -n 5 -i 300 "$(addr $i)" 9900 >"$dir/restart-send"
	wait $r
	cat "$dir/restart-recv" "$dir/restart-send"
	grep -q '^received 5 bad 0' "$dir/restart-recv"
}
check "a restarted vcoyod routes again" restarted

shutdown_clean()
{
	pids=
	for f in "$dir"/k*.pid; do
		kill "$(cat "$f")" 2>/dev/null && pids="$pids $(cat "$f")"
	done
	# shellcheck disable=SC2086
	wait $pids
	# Every daemon that was not killed on purpose said goodbye.
	grep -L 'shutting down' "$dir"/k*.log | grep -v -F -e "/k$victim.log" -e "/k$(cat "$dir/gone").log" >"$dir/unclean"
	cat "$dir/unclean"
	[ ! -s "$dir/unclean" ]
}
check "SIGTERM: every vcoyod exits cleanly" shutdown_clean
if [ "$tap_failed" -ne 0 ]; then
	for f in "$dir"/k*.log; do
		echo "# ---- $f"
		tail -n 30 "$f" | sed 's/^/# /'
	done
fi
i=0
while [ $i -lt "$N" ]; do
	$IP netns del "$(name $i)" 2>/dev/null
	i=$((i + 1))
done
rm -rf "$dir"
tap_done
