#!/bin/sh
# Routing by Kademlia, end to end: 30 nodes in a random 2-connected
# topology (a ring in random order, plus random chords), no static routes,
# vcoyod on each.  Datagrams between 50 random pairs must arrive; a tunnel
# must follow the path vcoyod chose; a node that does not exist must give
# EHOSTUNREACH within the miss timeout; a node taken away must be routed
# around; a killed vcoyod must fail its pending misses at once, and a new
# one must route again; bad command lines and a second helper are refused.
#
# On the debug kernel a process costs a few tenths of a second to start
# (nsenter and vcoyo-nl), so the test starts as few as it can: the namespaces and the veth pairs are made by one
# ip batch each, every node is set up by one ip and one vcoyo-nl batch, the
# 50 flows run in one vflow mesh, and the addresses live in shell variables.
# It runs in a guest of its own, with a time limit of its own.
# vcoyo-own-guest
# vcoyo-timeout: 1500
#
# shellcheck source=lib.sh
. ./lib.sh

N=${KAD_NODES:-30}
CHORDS=${KAD_CHORDS:-15}
PAIRS=${KAD_PAIRS:-50}
SEED=${KAD_SEED:-4242}
# The debug kernel (kmemleak, KASAN, lockdep) is some three to ten times
# slower than the stock ones, and the test's traffic keeps it busy: a
# tunnel set up there can take longer than the stock setup timeout.  Its timers are
# four times longer; what the test checks stays the same.
SLOW=1
[ ! -e /sys/kernel/debug/kmemleak ] || SLOW=4
MISS_MS=$((8000 * SLOW))
# The library's refresh period: with 15 s, the refreshes of 30 helpers sent
# some 200 datagrams a second, each switched over three hops on average,
# more than the debug kernel can carry (its load climbed past 30).  k small
# enough that a lookup in 30 nodes does not ask them all.
REFRESH_MS=60000
K=5
dir=$(mktemp -d)
chmod 755 "$dir"

name() { echo "k$1"; }
# addr I: node I's address, from the variable setup() made of it.
addr() { eval "echo \"\$addr_$1\""; }

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
# each way.  One ip batch makes the namespaces, one the veth pairs; then one
# ip and one vcoyo-nl batch set each node up, the latter ending with id show,
# whose address line names the node from then on.
setup()
{
	seq 0 $((N - 1)) | sed 's/^/netns add k/' >"$dir/netns.ip"
	$IP -b "$dir/netns.ip" || return 1
	seq 1 "$N" | sed 's/.*/genkey/' >"$dir/genkey.nl"
	vcoyo-nl -b "$dir/genkey.nl" >"$dir/keys" || return 1
	i=0
	while read -r key; do
		(umask 077 && echo "$key" >"$dir/k$i.key")
		echo "link set lo up" >"$dir/k$i.ip"
		printf 'id set private-key %s\nnode set hello-interval 1000 link-timeout 5000 setup-timeout %s miss-timeout %s\n' \
			"$dir/k$i.key" $((4000 * SLOW)) $MISS_MS >"$dir/k$i.nl"
		i=$((i + 1))
	done <"$dir/keys"
	[ $i -eq "$N" ] || return 1
	e=0
	: >"$dir/veth.ip"
	while read -r a b; do
		na=$(name "$a") nb=$(name "$b")
		net="10.$((e / 200 + 1)).$((e % 200))"
		echo "link add e$e-a netns $na type veth peer name e$e-b netns $nb" >>"$dir/veth.ip"
		printf 'addr add %s.1/24 dev e%s-a\nlink set e%s-a up\n' "$net" $e $e >>"$dir/$na.ip"
		printf 'addr add %s.2/24 dev e%s-b\nlink set e%s-b up\n' "$net" $e $e >>"$dir/$nb.ip"
		echo "link add $net.2:4477" >>"$dir/$na.nl"
		echo "link add $net.1:4477" >>"$dir/$nb.nl"
		e=$((e + 1))
	done <"$dir/edges"
	$IP -b "$dir/veth.ip" || return 1
	i=0
	while [ $i -lt "$N" ]; do
		n=$(name $i)
		echo "id show" >>"$dir/$n.nl"
		$IP -n "$n" -b "$dir/$n.ip" || return 1
		on "$n" vcoyo-nl -b "$dir/$n.nl" >"$dir/$n.out" || return 1
		while read -r field value; do
			[ "$field" = address: ] && eval "addr_$i=\$value"
		done <"$dir/$n.out"
		[ -n "$(addr $i)" ] || return 1
		i=$((i + 1))
	done
	# Node, hop tag (the first 16 hex digits of the address) and address.
	i=0
	while [ $i -lt "$N" ]; do
		echo "$i $(addr $i)"
		i=$((i + 1))
	done | awk '{ split($2, g, ":"); printf "%s %04x%04x%04x%04x %s\n", $1,
		("0x" g[1]) + 0, ("0x" g[2]) + 0, ("0x" g[3]) + 0, ("0x" g[4]) + 0, $2 }' >"$dir/tags"
}

# daemon I: start vcoyod on node I, logging to its file.
# nsenter execs vcoyod: $! is the daemon itself.
daemon()
{
	nsenter --net="/run/netns/$(name "$1")" vcoyod -v -k $K --refresh-interval $REFRESH_MS \
		--rpc-timeout $((2000 * SLOW)) --lookup-timeout $((5000 * SLOW)) >>"$dir/k$1.log" 2>&1 &
	echo $! >"$dir/k$1.pid"
}

# Every link up and vcoyod the helper of every node: one vcoyo-nl batch a
# node.
echo "link show
node show" >"$dir/look.nl"
all_ready()
{
	links=0 helpers=0
	i=0
	while [ $i -lt "$N" ]; do
		out=$(on "$(name $i)" vcoyo-nl -b "$dir/look.nl")
		links=$((links + $(echo "$out" | grep -c 'state: up')))
		echo "$out" | grep -q 'helper: yes' && helpers=$((helpers + 1))
		i=$((i + 1))
	done
	echo "$links link ends up of $(($(wc -l <"$dir/edges") * 2)), $helpers helpers of $N"
	[ $links -eq $(($(wc -l <"$dir/edges") * 2)) ] && [ $helpers -eq "$N" ]
}

check "$N nodes, $(wc -l <"$dir/edges") links, no routes" setup
i=0
while [ $i -lt "$N" ]; do
	daemon $i
	i=$((i + 1))
done
check "every link is up, and vcoyod is the helper of every node" wait_for 120 all_ready

# Bad command lines: exit status 2 and a message that names the problem.
bad_usage()
{
	b_want=$1
	shift
	b_out=$(vcoyod "$@" 2>&1)
	b_rc=$?
	echo "vcoyod $*: exit $b_rc: $b_out"
	[ $b_rc -eq 2 ] && echo "$b_out" | grep -qF -- "$b_want"
}
check "vcoyod -k 0: refused, exit 2" bad_usage "--bucket-size: '0' is not a number" -k 0
check "vcoyod --refresh-interval 5s: refused, exit 2" \
	bad_usage "--refresh-interval: '5s' is not a number" --refresh-interval 5s
check "vcoyod --no-such-option: refused, exit 2" bad_usage "no-such-option" --no-such-option
check "vcoyod with a stray argument: refused, exit 2" bad_usage "usage" stray
# One helper per node: a second one says so and leaves the first in place.
second_helper()
{
	out=$(on k0 vcoyod 2>&1)
	rc=$?
	echo "second vcoyod on k0: exit $rc: $out"
	[ $rc -ne 0 ] && echo "$out" | grep -q "another helper is running on this node" &&
		kill -0 "$(cat "$dir/k0.pid")" &&
		on k0 vcoyo-nl node show | grep -q 'helper: yes'
}
check "a second vcoyod on a node is refused; the first stays the helper" second_helper
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

# All 50 flows in one vflow mesh, which binds every receiver before the
# first datagram leaves, then sends 3 rounds, one into every flow each.
pairs_arrive()
{
	port=9000
	while read -r s d; do
		echo "$(name "$s") $(name "$d") $(addr "$d") $port"
		port=$((port + 1))
	done <"$dir/pairs" >"$dir/flows"
	vflow mesh -n 3 -i 500 -t $((20000 * SLOW)) "$dir/flows" >"$dir/mesh.out" 2>&1
	rc=$?
	stats_sum >"$dir/stats"
	tail -n 1 "$dir/mesh.out"
	[ $rc -eq 0 ] && return 0
	# The flows that failed, or what vflow said if it could not start.
	grep -v ': received 3 bad 0 duplicates 0 sent 3$' "$dir/mesh.out" >"$dir/mesh.bad"
	head -n 20 "$dir/mesh.bad"
	grep '^flow ' "$dir/mesh.bad" | head -n 3 |
	while read -r _ _ s _ d _; do
		short=$(addr "${d#k}" | cut -d: -f1-4)
		grep "$short" "$dir/$s.log" | tail -n 20
		echo "at $s:"
		on "$s" vcoyo-nl tunnel show | grep "^$short"
		on "$s" vcoyo-nl route show | grep "^$short"
		echo "at $d:"
		on "$d" vcoyo-nl tunnel show | grep "^$(addr "${s#k}" | cut -d: -f1-4)"
	done
	echo "counters of all nodes, summed:"
	awk '$2 { printf "%s %d  ", $1, $2 } END { print "" }' "$dir/stats"
	return 1
}
check "datagrams between $PAIRS random pairs all arrive" pairs_arrive

# The topology, for the awk programs below (-v tags=FILE -v edges=FILE):
# load() reads node[TAG] = I, addr[I] = ADDRESS, by_addr[ADDRESS] = I and
# adj["I J"]; walks(FROM, TAGS, TO) says whether FROM, the nodes of the
# comma-separated hop TAGS, then TO, are each linked to the next.
topo_awk='
function load(   l, f) {
	while ((getline l < tags) > 0) {
		split(l, f, " "); node[f[2]] = f[1]; addr[f[1]] = f[3]; by_addr[f[3]] = f[1]
	}
	while ((getline l < edges) > 0) { split(l, f, " "); adj[f[1] " " f[2]] = adj[f[2] " " f[1]] = 1 }
}
function walks(from, hops, to,   h, n, k, prev) {
	n = split(hops, h, ",")
	prev = from
	for (k = 1; k <= n; k++) {
		if (!(h[k] in node) || !((prev " " node[h[k]]) in adj)) return 0
		prev = node[h[k]]
	}
	return ((prev " " to) in adj)
}
'

# What every node routes, and has tunnels to: "NODE ADDRESS [path TAGS]" a
# line.  The helpers install routes for their own DHT queries too, so most
# pairs (all of them, on a slow guest whose helpers had long to talk) are
# routed before their first datagram: no miss need come of them.
echo "route show
tunnel show" >"$dir/known.nl"
known_all()
{
	i=0
	while [ $i -lt "$N" ]; do
		on "$(name $i)" vcoyo-nl -b "$dir/known.nl" |
			awk -v self=$i '$1 ~ /:.*:.*:/ { print self, $0 }'
		i=$((i + 1))
	done >"$dir/known"
}

# Every helper route in the kernels is a path of the topology: from its
# node to the first hop, hop to hop, and from the last to the destination.
helper_paths()
{
	known_all
	r=$(awk -v tags="$dir/tags" -v edges="$dir/edges" "$topo_awk"'
		BEGIN { load() }
		$3 == "path" && $NF == "helper" {
			ok = ($2 in by_addr) && walks($1, $4, by_addr[$2])
			total++
			if (!ok) { bad++; print "k" $0 > "/dev/stderr" }
		}
		END { print total + 0, bad + 0 }' "$dir/known") || return 1
	total=${r% *} bad=${r#* }
	echo "$total helper routes along paths, $bad not in the topology"
	[ "$total" -gt 0 ] && [ "$bad" -eq 0 ]
}
check "every helper route in the kernels is a path of the topology" helper_paths

# A far destination that a node neither routes nor has a tunnel to: its
# first datagram is a miss, which vcoyod answers with a route.  Only the two
# ends' helpers could make a tunnel between them meanwhile (for their own
# DHT queries): both are stopped from the look at what the node knows until
# the datagrams wait for the answer.  The candidates come from what the
# nodes knew a while ago; a pair that came to know each other since (a slow
# guest gives them time) gives way to the next.
unknown_pairs()
{
	awk -v edges="$dir/edges" -v n="$N" -v tags="$dir/tags" "$topo_awk"'
		BEGIN { load() }
		{ known[$1 " " $2] = 1 }
		END {
			for (s = 0; s < n; s++)
				for (d = 0; d < n; d++)
					if (s != d && !((s " " d) in adj) && !((s " " addr[d]) in known))
						print s, d
		}' "$dir/known" | head -n 10
}
# forget S D: node S has no route and no tunnel to node D (their helpers are
# stopped): its route goes, and its tunnels idle out within half a second.
forget()
{
	on "$(name "$1")" vcoyo-nl route del "$(addr "$2")" >/dev/null 2>&1
	on "$(name "$1")" vcoyo-nl node set tunnel-idle 500 || return 1
	wait_for 30 sh -c "! nsenter --net=/run/netns/$(name "$1") vcoyo-nl -b $dir/known.nl </dev/null |
		grep -q '^$(addr "$2") '"
	f_rc=$?
	on "$(name "$1")" vcoyo-nl node set tunnel-idle 60000
	return $f_rc
}
miss_routed()
{
	unknown_pairs >"$dir/candidates"
	[ -s "$dir/candidates" ] || { echo "every node routes every other: no miss to make"; return 1; }
	found=
	while read -r s d; do
		kill -STOP "$(cat "$dir/k$s.pid")" "$(cat "$dir/k$d.pid")"
		if ! on "$(name "$s")" vcoyo-nl -b "$dir/known.nl" </dev/null | grep -q "^$(addr "$d") "; then
			found=1
			break
		fi
		kill -CONT "$(cat "$dir/k$s.pid")" "$(cat "$dir/k$d.pid")"
		echo "k$s came to know k$d meanwhile"
	done <"$dir/candidates"
	# On a slow guest every pair may know each other by now: the first
	# candidate forgets what its helper taught its kernel.
	if [ -z "$found" ]; then
		read -r s d <"$dir/candidates"
		kill -STOP "$(cat "$dir/k$s.pid")" "$(cat "$dir/k$d.pid")"
		forget "$s" "$d" || {
			kill -CONT "$(cat "$dir/k$s.pid")" "$(cat "$dir/k$d.pid")"
			return 1
		}
	fi
	echo "k$s has no route or tunnel to k$d"
	before=$(stat "$(name "$s")" miss_resolved)
	on "$(name "$d")" vflow recv -n 5 -t $((10000 * SLOW)) -r "$dir/miss-ready" 9400 >"$dir/miss-recv" &
	r=$!
	wait_for 30 test -e "$dir/miss-ready" >/dev/null
	# The first datagram is the miss; the five wait in the tunnel's queue.
	on "$(name "$s")" vflow send -n 5 "$(addr "$d")" 9400 >/dev/null &
	sleep 1
	kill -CONT "$(cat "$dir/k$d.pid")" "$(cat "$dir/k$s.pid")"
	wait $!
	wait $r
	cat "$dir/miss-recv"
	grep -q '^received 5 bad 0' "$dir/miss-recv" &&
		stat_ge "$(name "$s")" miss_resolved $((before + 1))
}
check "a destination with no route yet: vcoyod answers its miss with a route" miss_routed

# Every path vcoyod answered a miss with is a path of the topology: from its
# node to the first hop, hop to hop, and from the last to the destination.
# vcoyod -v logs "lookup N: DEST... at H hops, path T1,T2 (...)".
real_paths()
{
	r=$(awk -v tags="$dir/tags" -v edges="$dir/edges" "$topo_awk"'
		function tag_of(short,   g, n, t, k) {
			n = split(short, g, ":"); t = ""
			for (k = 1; k <= 4; k++) t = t sprintf("%04x", ("0x" g[k]) + 0)
			return t
		}
		BEGIN { load() }
		# The log of node I is kI.log.
		FNR == 1 { self = FILENAME; sub(/.*\/k/, "", self); sub(/\.log$/, "", self) }
		/: .* at [0-9]+ hops, path / {
			for (k = 1; k <= NF; k++) if ($k == "path") p = $(k + 1)
			# A neighbour (its link was down at the miss): no transit hop.
			if (p == "-") p = ""
			for (k = 1; k <= NF; k++) if ($k == "at") d = $(k - 1)
			t = tag_of(d)
			ok = (t in node) && walks(self, p, node[t])
			total++
			if (!ok) { bad++; print "k" self ": " $0 > "/dev/stderr" }
		}
		END { print total + 0, bad + 0 }' "$dir"/k*.log) || return 1
	total=${r% *} bad=${r#* }
	echo "$total paths answered, $bad not in the topology"
	[ "$total" -gt 0 ] && [ "$bad" -eq 0 ]
}
check "every path vcoyod answered with is a path of the topology" real_paths

# The path vcoyod chose for a far pair, and the nodes on it: each must switch
# the flow.  node_of TAG: the node whose address has that tag.
node_of()
{
	awk -v t="$1" '$2 == t { print $1; f = 1 } END { exit !f }' "$dir/tags"
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

# The transit nodes of the tunnel between the far pair: along the route of
# its initiator (vcoyod leaves the route to a node alone while a tunnel to it
# is up), or of the sender, which sets one up.  The two ends' helpers are
# stopped while it is looked at and used, so that neither moves it.
tunnel_path()
{
	read -r s d p <"$dir/far"
	from=$s to=$d
	role=$(on "$(name "$s")" vcoyo-nl tunnel show | awk -v a="$(addr "$d")" '$1 == a { print $3 }')
	[ "$role" != responder ] || from=$d to=$s
	on "$(name "$from")" vcoyo-nl route show | awk -v a="$(addr "$to")" '$1 == a && $2 == "path" { print $3 }'
}

follows_path()
{
	read -r s d _ <"$dir/far"
	kill -STOP "$(cat "$dir/k$s.pid")" "$(cat "$dir/k$d.pid")"
	follows_path_stopped
	rc=$?
	kill -CONT "$(cat "$dir/k$s.pid")" "$(cat "$dir/k$d.pid")"
	return $rc
}

follows_path_stopped()
{
	p=$(tunnel_path)
	echo "k$s -> k$d along $p (the route of k$from)"
	[ -n "$p" ] || return 1
	for t in $(echo "$p" | tr ',' ' '); do
		v=$(node_of "$t") || { echo "no node has tag $t"; return 1; }
		echo "$v $(switched "$v")"
	done >"$dir/before"
	on "$(name "$d")" vflow recv -n 20 -t $((10000 * SLOW)) -r "$dir/far-ready" 9500 >"$dir/far-recv" &
	r=$!
	wait_for 30 test -e "$dir/far-ready" >/dev/null
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
	out=$(on k0 vflow send -n $((MISS_MS / 250 + 12)) -i 250 "$g" 9600)
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
	on "$(name "$d")" vflow recv -t $((6000 * SLOW)) -r "$dir/around-ready" 9700 >"$dir/around-recv" &
	r=$!
	wait_for 30 test -e "$dir/around-ready" >/dev/null
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
	# At once, that is as soon as the process is gone and its socket closed.
	wait_for 10 stat_ge k$victim miss_no_helper $((before + 1)) || return 1
	# No helper now: a new destination fails at once.
	on k$victim vflow send -n 1 "$(vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address)" 9801 |
		grep -qx '0 EHOSTUNREACH'
}
check "vcoyod killed: its pending miss fails at once, and new ones too" killed

restarted()
{
	daemon $victim
	wait_for 30 sh -c "nsenter --net=/run/netns/k$victim vcoyo-nl node show | grep -q 'helper: yes'" ||
		return 1
	sleep $((3 * SLOW))
	# A destination k$victim has no route to yet.
	gone=$(cat "$dir/gone")
	on k$victim vcoyo-nl route show >"$dir/restart-routes"
	i=3
	while [ $i -lt "$N" ]; do
		if [ $i -ne "$gone" ] && ! grep -q "^$(addr $i) " "$dir/restart-routes"; then
			break
		fi
		i=$((i + 1))
	done
	[ $i -lt "$N" ] || i=$((N - 1))
	echo "k$victim -> k$i"
	on "$(name $i)" vflow recv -n 5 -t $((25000 * SLOW)) -r "$dir/restart-ready" 9900 >"$dir/restart-recv" &
	r=$!
	wait_for 30 test -e "$dir/restart-ready" >/dev/null
	# A few seconds after its restart the helper knows little more than
	# its neighbours, and they may still answer with paths through the
	# node taken away: its first lookup can end unreachable, and the
	# failed tunnel holds the destination for a setup timeout.  Datagrams
	# keep coming for 20 s (80 s on the debug kernel, whose setup timeout
	# is four times longer); five must arrive.
	on k$victim vflow send -n 40 -i $((500 * SLOW)) "$(addr $i)" 9900 >"$dir/restart-send"
	wait $r
	rc=$?
	cat "$dir/restart-recv"
	sort -k2 "$dir/restart-send" | uniq -c -f1 | awk '{ printf "%s %s, ", $1, $3 } END { print "" }'
	# vflow recv: 0 once 5 intact datagrams came.
	[ $rc -eq 0 ]
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
grep -vx "netns add k$(cat "$dir/gone")" "$dir/netns.ip" | sed 's/^netns add/netns del/' >"$dir/netns-del.ip"
$IP -b "$dir/netns-del.ip"
rm -rf "$dir"
tap_done
