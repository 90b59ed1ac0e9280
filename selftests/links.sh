#!/bin/sh
# Links between neighbours over UDP: node settings per namespace; links over
# IPv4 and IPv6 that come up with hellos and show the neighbour's key and
# address, an rtt and growing counters; expected keys; links that go down in
# silence and come back by themselves, and never while hellos come, however
# busy the node; malformed packets counted, each by its reason, and harmless;
# refusals (bad endpoints, unknown links, a port change under live links, no
# CAP_NET_ADMIN); module unload with live links.
# On the debug kernel it takes close to the default limit.
# vcoyo-timeout: 1200
#
# Topology: nodes a and b joined by a veth pair va--vb carrying 10.0.0.1/24
# and fd00::1/64 (a), 10.0.0.2/24 and fd00::2/64 (b), and 10.0.0.3/24 on b,
# the source of hand-made packets (wire-gen) from an endpoint a links to.
# shellcheck source=lib.sh
. ./lib.sh


KO=/vcoyo/vcoyo.ko
FAMILY_FILE=/sys/module/vcoyo/parameters/family
HELLO_LEN=56		# sizeof(struct vcoyo_hello): the UDP payload of a hello
HELLO_MS=200
TIMEOUT_MS=700

dir=$(mktemp -d)
chmod 755 "$dir"
t_start=$(awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime)

# nfield NODE LABEL: the value of "LABEL: value" in `vcoyo-nl node show`.
nfield()
{
	on "$1" vcoyo-nl node show | sed -n "s/^$2: //p"
}

# lfield NODE ID LABEL: the value of "  LABEL: value" in the block of link ID
# in `vcoyo-nl link show`; nothing if the link or the line is not there.
lfield()
{
	on "$1" vcoyo-nl link show | awk -v head="link $2" -v label="  $3: " '
		$0 == head { p = 1; next }
		/^link / { p = 0 }
		p && index($0, label) == 1 { print substr($0, length(label) + 1) }'
}

# state_is NODE ID STATE: link ID of NODE is in STATE.
state_is()
{
	same "state of link $2 of $1" "$(lfield "$1" "$2" state)" "$3"
}

# all_up NODE ID [NODE ID]...: each link is up.
all_up()
{
	while [ $# -ge 2 ]; do
		state_is "$1" "$2" up || return 1
		shift 2
	done
}

# block_has NODE ID LINE...: the block of link ID in link show has each LINE.
block_has()
{
	b_out=$(on "$1" vcoyo-nl link show | awk -v head="link $2" '
		$0 == head { p = 1; next }
		/^link / { p = 0 }
		p')
	shift 2
	echo "$b_out"
	for line in "$@"; do
		echo "$b_out" | grep -qxF -- "$line" || { echo "missing: $line"; return 1; }
	done
}

# link_ids NODE: the ids link show lists, on one line.
link_ids()
{
	on "$1" vcoyo-nl link show | sed -n 's/^link //p' | tr '\n' ' '
}

# stat_ge NODE NAME VALUE: counter NAME of NODE has reached VALUE.
stat_ge()
{
	v=$(stat "$1" "$2")
	echo "$2 of $1: $v, want at least $3"
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

# counts NODE WANT NAME...: the sum of the counters NAME of NODE reaches WANT
# within 5 s, and stays there a moment: no more than WANT.
counts()
{
	c_node=$1 c_want=$2
	shift 2
	c_start=$(now_ms)
	while :; do
		c_sum=$(sum "$c_node" "$@")
		[ "$c_sum" -ge "$c_want" ] && break
		if [ $(($(now_ms) - c_start)) -gt 5000 ]; then
			echo "$* of $c_node: $c_sum, want $c_want"
			return 1
		fi
		sleep 0.1
	done
	sleep 0.3
	same "$* of $c_node" "$(sum "$c_node" "$@")" "$c_want"
}

# counters NODE ID: the packet and byte counters of link ID, on one line.
counters()
{
	on "$1" vcoyo-nl link show | awk -v head="link $2" '
		$0 == head { p = 1; next }
		/^link / { p = 0 }
		p && ($1 == "tx" || $1 == "rx") { v[$1 " " $2] = $3 }
		END { print v["tx packets:"] + 0, v["tx bytes:"] + 0, v["rx packets:"] + 0,
			  v["rx bytes:"] + 0 }'
}

# grows NODE ID: tx and rx packets and bytes of link ID all grow within 5 s.
grows()
{
	g_before=$(counters "$1" "$2")
	echo "tx packets, bytes, rx packets, bytes of link $2 of $1: $g_before"
	wait_for 5 all_gt "$1" "$2" "$g_before"
}

all_gt()
{
	g_now=$(counters "$1" "$2")
	echo "now: $g_now"
	# shellcheck disable=SC2086
	set -- $3 $g_now
	[ "$5" -gt "$1" ] && [ "$6" -gt "$2" ] && [ "$7" -gt "$3" ] && [ "$8" -gt "$4" ]
}

# stat_grows NODE NAME: counter NAME of NODE grows within 5 s.
stat_grows()
{
	g_before=$(stat "$1" "$2")
	[ -n "$g_before" ] && wait_for 5 stat_ge "$1" "$2" $((g_before + 1))
}

# hello_bytes NODE ID: tx and rx bytes of the link are one hello's payload
# per packet; read from one dump, so consistent.
hello_bytes()
{
	# shellcheck disable=SC2046
	set -- $(counters "$1" "$2")
	echo "tx $1 packets, $2 bytes; rx $3 packets, $4 bytes"
	[ "$1" -gt 0 ] && [ "$2" = $(($1 * HELLO_LEN)) ] &&
		[ "$3" -gt 0 ] && [ "$4" = $(($3 * HELLO_LEN)) ]
}

# add_link VAR NODE ARGS...: `vcoyo-nl link add ARGS` in NODE; VAR gets the
# new link's id from "link ID".  Then a test point of its own.
add_link()
{
	a_var=$1 a_node=$2
	shift 2
	a_out=$(on "$a_node" vcoyo-nl link add "$@" 2>&1)
	eval "$a_var=\${a_out#link }"
	check "link add $* in $a_node prints 'link ID'" matches "$a_out" 'link [0-9]+'
}


# Link ids, set by add_link.
ab='' ba='' ab6='' ba6='' decoy='' flood='' ll='' ll_b='' llx=''

# The two nodes and their identities.
key_file()
{
	(umask 077 && echo "$2" >"$dir/$1")
}

KA=$(vcoyo-nl genkey)
KB=$(vcoyo-nl genkey)
KX=$(vcoyo-nl genkey)
PA=$(echo "$KA" | vcoyo-nl pubkey)
PB=$(echo "$KB" | vcoyo-nl pubkey)
PX=$(echo "$KX" | vcoyo-nl pubkey)
AA=$(echo "$PA" | vcoyo-nl address)
AB=$(echo "$PB" | vcoyo-nl address)
AX=$(echo "$PX" | vcoyo-nl address)
key_file ka "$KA"
key_file kb "$KB"

node_add a
node_add b
check "veth pair va (in a) -- vb (in b)" sh -c "$IP link add va type veth peer name vb &&
	$IP link set va netns a && $IP link set vb netns b"
# vb goes down and up below; its IPv6 addresses must stay.
check "addresses: 10.0.0.1/24 fd00::1/64 on va, 10.0.0.2/24 10.0.0.3/24 fd00::2/64 on vb" \
	sh -c "$IP -n a addr add 10.0.0.1/24 dev va && $IP -n a addr add fd00::1/64 dev va nodad &&
	$IP -n b addr add 10.0.0.2/24 dev vb && $IP -n b addr add 10.0.0.3/24 dev vb &&
	$IP netns exec b sysctl -qw net.ipv6.conf.vb.keep_addr_on_down=1 &&
	$IP -n b addr add fd00::2/64 dev vb nodad &&
	$IP netns exec a sysctl -qw net.ipv6.conf.va.accept_dad=0 &&
	$IP netns exec b sysctl -qw net.ipv6.conf.vb.accept_dad=0 &&
	$IP -n a link set va up && $IP -n b link set vb up"
check "a reaches b over IPv4 and IPv6" sh -c \
	"$IP netns exec a ping -c1 -W2 10.0.0.2 && $IP netns exec a ping6 -c1 -W2 fd00::2"
check "identity of b (a has none yet)" on b vcoyo-nl id set private-key "$dir/kb"

# Node settings.
check "node show: the defaults: port 4477, hello 1000 ms, timeout 3500 ms" same node \
	"$(on a vcoyo-nl node show)" "listen port: 4477
hello interval: 1000 ms
link timeout: 3500 ms
setup timeout: 2000 ms
tunnel idle: 60000 ms
miss timeout: 5000 ms
helper: no"
check "node show -j: the defaults" same json "$(on a vcoyo-nl -j node show)" \
	'{"listen_port": 4477, "hello_interval_ms": 1000, "link_timeout_ms": 3500, "setup_timeout_ms": 2000, "tunnel_idle_ms": 60000, "miss_timeout_ms": 5000, "helper": false}'
check "node: without a sub-command is node show" \
	same node "$(on a vcoyo-nl node)" "$(on a vcoyo-nl node show)"
check "node set hello-interval $HELLO_MS link-timeout $TIMEOUT_MS" \
	on a vcoyo-nl node set hello-interval $HELLO_MS link-timeout $TIMEOUT_MS
check "node show: the new settings" same json "$(on a vcoyo-nl -j node show)" \
	"{\"listen_port\": 4477, \"hello_interval_ms\": $HELLO_MS, \"link_timeout_ms\": $TIMEOUT_MS, \"setup_timeout_ms\": 2000, \"tunnel_idle_ms\": 60000, \"miss_timeout_ms\": 5000, \"helper\": false}"
check "node show: b kept its defaults" same hello "$(nfield b 'hello interval')" "1000 ms"
check "node set in b too" on b vcoyo-nl node set link-timeout $TIMEOUT_MS hello-interval $HELLO_MS
check "node show: b's new settings" same settings \
	"$(nfield b 'hello interval'), $(nfield b 'link timeout')" "$HELLO_MS ms, $TIMEOUT_MS ms"
check "node set listen-port 4477 (unchanged) is accepted" on a vcoyo-nl node set listen-port 4477
check "node set: nothing to set" usage_error "node set: nothing to set" vcoyo-nl node set
check "node set: port 0 refused" usage_error "bad listen-port '0'" \
	vcoyo-nl node set listen-port 0
check "node set: port 65536 refused" usage_error "bad listen-port '65536'" \
	vcoyo-nl node set listen-port 65536
check "node set: interval not a number" usage_error "bad hello-interval '1s'" \
	vcoyo-nl node set hello-interval 1s
check "node set: timeout 0 refused" usage_error "bad link-timeout '0'" \
	vcoyo-nl node set link-timeout 0
check "node set: setting without a value" usage_error "link-timeout needs a value" \
	vcoyo-nl node set hello-interval 300 link-timeout
check "node set: unknown setting" usage_error "unknown setting 'port'" \
	vcoyo-nl node set port 4478
check_fails "node set: a hello interval not below the link timeout: EINVAL, with the reason" \
	"^vcoyo-nl: node set: Invalid argument: .*timeout" \
	on a vcoyo-nl node set hello-interval $TIMEOUT_MS
check "refused node sets changed nothing" same json "$(on a vcoyo-nl -j node show)" \
	"{\"listen_port\": 4477, \"hello_interval_ms\": $HELLO_MS, \"link_timeout_ms\": $TIMEOUT_MS, \"setup_timeout_ms\": 2000, \"tunnel_idle_ms\": 60000, \"miss_timeout_ms\": 5000, \"helper\": false}"
check "link show: no links yet" same links "$(on a vcoyo-nl link show)" ""
check "link show -j: no links yet: []" same links "$(on a vcoyo-nl -j link show)" "[]"

# A node without an identity hears hellos, sends none, and its links still
# go down in silence.
add_link ab a 10.0.0.2:4477
add_link ba b 10.0.0.1:4477
check "without an identity: a's link comes up on b's hellos" wait_for 10 state_is a "$ab" up
check "without an identity: a's link shows b's key" \
	same key "$(lfield a "$ab" 'remote key')" "$PB"
check "without an identity: a sends no hello" same hello_sent "$(stat a hello_sent)" 0
check "without an identity: so b's link stays down" state_is b "$ba" down
check "b deletes its link" on b vcoyo-nl link del "$ba"
check "without an identity: a's link goes down in silence" wait_for 5 state_is a "$ab" down
check "link del a's link" on a vcoyo-nl link del "$ab"
check "identity of a" on a vcoyo-nl id set private-key "$dir/ka"

# Links over IPv4.
sent0=$(stat a hello_sent)
recv0=$(stat a hello_received)
add_link ab a 10.0.0.2:4477
add_link ba b 10.0.0.1:4477
check "link show: endpoint 10.0.0.2:4477" same endpoint "$(lfield a "$ab" endpoint)" 10.0.0.2:4477
check "both links up within 10 s" wait_for 10 all_up a "$ab" b "$ba"
check "a's link shows b's public key" same key "$(lfield a "$ab" 'remote key')" "$PB"
check "a's link shows b's address" same address "$(lfield a "$ab" 'remote address')" "$AB"
check "b's link shows a's public key" same key "$(lfield b "$ba" 'remote key')" "$PA"
check "b's link shows a's address" same address "$(lfield b "$ba" 'remote address')" "$AA"
check "no expected key when none was given" same "expected key" \
	"$(lfield a "$ab" 'expected key')" ""
check "a's link has an rtt (N.NNN ms)" wait_for 5 sh -c \
	"nsenter --net=/run/netns/a vcoyo-nl link show | grep -Eqx '  rtt: [0-9]+\.[0-9]{3} ms'"
check "b's link has an rtt (N.NNN ms)" wait_for 5 sh -c \
	"nsenter --net=/run/netns/b vcoyo-nl link show | grep -Eqx '  rtt: [0-9]+\.[0-9]{3} ms'"
check "last hello within the link timeout" sh -c \
	"ms=\$(nsenter --net=/run/netns/a vcoyo-nl link show | sed -n 's/^  last hello: \([0-9]*\) ms ago$/\1/p')
	echo \"last hello \$ms ms ago\"; [ -n \"\$ms\" ] && [ \"\$ms\" -le $((TIMEOUT_MS + HELLO_MS)) ]"
check "tx and rx packets and bytes grow" grows a "$ab"
check "tx and rx bytes: $HELLO_LEN per hello" hello_bytes a "$ab"
check "stats: hello_sent grew" stat_ge a hello_sent $((sent0 + 2))
check "stats: hello_received grew" stat_ge a hello_received $((recv0 + 2))
check "stats: hello_sent keeps growing" stat_grows a hello_sent
check "stats: hello_received keeps growing" stat_grows a hello_received
check "link: without a sub-command is link show" sh -c \
	"nsenter --net=/run/netns/a vcoyo-nl link | grep -qx 'link $ab'"

json=$(on a vcoyo-nl -j link show)
check "link show -j: an array of one object" sh -c "echo '$json' | grep -Eqx '\[\{[^{}]*\}\]'"
check "link show -j: id, endpoint, state" contains "$json" \
	"{\"id\": $ab, \"endpoint\": \"10.0.0.2:4477\", \"state\": \"up\""
check "link show -j: keys and address" contains "$json" '"expected_key": null' \
	"\"remote_key\": \"$PB\"" "\"remote_address\": \"$AB\""
check "link show -j: rtt in ms, counters, last hello" matches "$json" \
	'.*"rtt_ms": [0-9]+\.[0-9]{3}, "tx_packets": [1-9][0-9]*, "tx_bytes": [1-9][0-9]*, "rx_packets": [1-9][0-9]*, "rx_bytes": [1-9][0-9]*, "last_hello_ms": [0-9]+\}\]'

# Hand-made packets: from 10.0.0.3:5555, an endpoint a has a link to, so that
# each is judged by its content; and a hello from an endpoint no link points to.
add_link decoy a 10.0.0.3:5555
errs="rx_truncated rx_bad_version rx_unknown_type rx_malformed rx_unknown_endpoint rx_key_mismatch"
# One word per counter: the splitting is the point.
# shellcheck disable=SC2086
errs0=$(sum a $errs)
t0=$(stat a rx_truncated)
check "3 packets of 2 bytes sent" on b wire-gen -c 3 -b 10.0.0.3 -p 5555 short 10.0.0.1 4477
check "rx_truncated: exactly 3 more" counts a $((t0 + 3)) rx_truncated
v0=$(stat a rx_bad_version)
check "3 hellos of version 9 sent" on b wire-gen -c 3 -b 10.0.0.3 -p 5555 version 10.0.0.1 4477
check "rx_bad_version: exactly 3 more" counts a $((v0 + 3)) rx_bad_version
u0=$(stat a rx_unknown_type)
check "3 packets of type 200 sent" on b wire-gen -c 3 -b 10.0.0.3 -p 5555 type 10.0.0.1 4477
check "rx_unknown_type: exactly 3 more" counts a $((u0 + 3)) rx_unknown_type
h0=$(sum a rx_truncated rx_malformed)
check "3 hellos cut to 20 bytes sent" \
	on b wire-gen -c 3 -b 10.0.0.3 -p 5555 hello-short 10.0.0.1 4477
check "rx_truncated + rx_malformed: exactly 3 more" counts a $((h0 + 3)) rx_truncated rx_malformed
e0=$(stat a rx_unknown_endpoint)
check "3 hellos sent from an endpoint no link points to" on b wire-gen -c 3 hello 10.0.0.1 4477 "$PX"
check "rx_unknown_endpoint: exactly 3 more" counts a $((e0 + 3)) rx_unknown_endpoint
# shellcheck disable=SC2086
check "no other drop counted: 15 in all" same drops "$(sum a $errs)" $((errs0 + 15))
check "the decoy link never came up" state_is a "$decoy" down
r0=$(lfield a "$decoy" 'rx packets')
check "a well-formed hello sent from the decoy's endpoint" \
	on b wire-gen -b 10.0.0.3 -p 5555 hello 10.0.0.1 4477 "$PX"
check "the decoy link: the key and address of that hello, one more packet" wait_for 5 \
	block_has a "$decoy" "  remote key: $PX" "  remote address: $AX" "  rx packets: $((r0 + 1))"
check "the decoy link is down again within the link timeout" wait_for 5 state_is a "$decoy" down
check "link del the decoy" on a vcoyo-nl link del "$decoy"
check "the IPv4 links stayed up through all of it" all_up a "$ab" b "$ba"

# A link that hears hellos all the time never goes down, however busy its
# node.  The hellos come as fast as wire-gen can send them, and a batch of
# node sets keeps conf_lock busy while making the hello work run again and
# again (every node set reschedules it at once): a hello lands between the
# work's reading of the clock and its look at the link, which must not
# take that hello for a silence of hours.
add_link flood a 10.0.0.3:5556
on a vcoyo-nl monitor >"$dir/flood.mon" 2>&1 &
flood_mon=$!
on b wire-gen -c 100000000 -b 10.0.0.3 -p 5556 hello 10.0.0.1 4477 "$PX" &
flood_gen=$!
check "the flooded link comes up" wait_for 10 state_is a "$flood" up
yes "node set hello-interval $HELLO_MS" | head -n 1000 >"$dir/busy.nl"
ticks0=$(stat a hello_sent)
check "1000 node sets, each running the hello work at once" on a vcoyo-nl -b "$dir/busy.nl"
# The monitor stops first: once the hellos stop, the link may go down.
kill "$flood_mon"
wait "$flood_mon"
kill "$flood_gen"
wait "$flood_gen" 2>/dev/null
check "the hello work ran a hundred times or more meanwhile" \
	stat_ge a hello_sent $((ticks0 + 100))
check "the flooded link never went down" sh -c \
	"grep '^link $flood ' '$dir/flood.mon'; ! grep -q '^link $flood down' '$dir/flood.mon'"
check "link del the flooded link" on a vcoyo-nl link del "$flood"

# Expected keys: the wrong one keeps the link from coming up.
check "link del a's IPv4 link" on a vcoyo-nl link del "$ab"
check "link show: it is gone" sh -c "! nsenter --net=/run/netns/a vcoyo-nl link show | grep -qx 'link $ab'"
m0=$(stat a rx_key_mismatch)
add_link ab a 10.0.0.2:4477 public-key "$PX"
check "link show: the expected key" same "expected key" "$(lfield a "$ab" 'expected key')" "$PX"
check "expecting another key: state key-mismatch" wait_for 10 state_is a "$ab" key-mismatch
check "rx_key_mismatch grows" wait_for 5 stat_ge a rx_key_mismatch $((m0 + 3))
check "still key-mismatch after several hellos" state_is a "$ab" key-mismatch
check "the mismatching key heard is shown" same "remote key" "$(lfield a "$ab" 'remote key')" "$PB"
check "link del the mismatched link" on a vcoyo-nl link del "$ab"
ab_out=$(on a vcoyo-nl -j link add 10.0.0.2:4477 public-key "$PB" 2>&1)
ab=$(echo "$ab_out" | sed -n 's/^{"id": \([0-9]*\)}$/\1/p')
check "link add -j prints {\"id\": ID}" matches "$ab_out" '\{"id": [0-9]+\}'
check "expecting the right key: up" wait_for 10 state_is a "$ab" up
check "link show: the expected key is b's" same "expected key" \
	"$(lfield a "$ab" 'expected key')" "$PB"
check_fails "link add: a bad key is refused by vcoyo-nl" "invalid key 'nonsense'" \
	on a vcoyo-nl link add 10.0.0.2:4477 public-key nonsense

check_fails "link add to an endpoint that has a link: EEXIST" \
	"^vcoyo-nl: link add: File exists" on a vcoyo-nl link add 10.0.0.2:4477
check_fails "link add to the same endpoint, v4-mapped: EEXIST" \
	"^vcoyo-nl: link add: File exists" on a vcoyo-nl link add "[::ffff:10.0.0.2]:4477"

# IPv6 underlay: a second pair of links between the same nodes.
add_link ab6 a "[fd00::2]:4477"
add_link ba6 b "[fd00::1]:4477"
check "link show: endpoint [fd00::2]:4477" same endpoint "$(lfield a "$ab6" endpoint)" \
	"[fd00::2]:4477"
check "IPv6 links up within 10 s" wait_for 10 all_up a "$ab6" b "$ba6"
check "the IPv6 link shows b's key and address" same "remote" \
	"$(lfield a "$ab6" 'remote key') $(lfield a "$ab6" 'remote address')" "$PB $AB"
check "the IPv6 link has an rtt" matches "$(lfield a "$ab6" rtt)" '[0-9]+\.[0-9]{3} ms'
check "IPv4 and IPv6 links up together" all_up a "$ab" b "$ba" a "$ab6" b "$ba6"
check "link show lists both of a's links" same ids "$(link_ids a)" "$ab $ab6 "
check "counters of the IPv6 link grow" grows a "$ab6"
check "counters of the IPv4 link grow" grows a "$ab"

# Link-local underlay: the endpoint's interface (scope) matters.
lla()
{
	$IP -n "$1" -6 -o addr show dev "$2" scope link | awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}
LLA=$(lla a va)
LLB=$(lla b vb)
check "link-local addresses of va and vb" matches "$LLA $LLB" 'fe80:[0-9a-f:]+ fe80:[0-9a-f:]+'
add_link ll a "[$LLB%va]:4477"
add_link ll_b b "[$LLA%vb]:4477"
check "link show: the link-local endpoint with its interface" \
	same endpoint "$(lfield a "$ll" endpoint)" "[$LLB%va]:4477"
check "links over link-local addresses come up" wait_for 10 all_up a "$ll" b "$ll_b"
check "a second interface in a: veth x1 -- x2" sh -c "$IP -n a link add x1 type veth peer name x2 &&
	$IP -n a link set x1 up && $IP -n a link set x2 up"
# The same link-local address behind another interface is another neighbour.
add_link llx a "[$LLB%x1]:4477"
check "link show: both link-local links, each with its interface" same endpoints \
	"$(lfield a "$ll" endpoint) $(lfield a "$llx" endpoint)" "[$LLB%va]:4477 [$LLB%x1]:4477"
for id in "$ll" "$llx"; do
	case $id in '' | *[!0-9]*) ;; *) on a vcoyo-nl link del "$id" ;; esac
done
check "link del b's link-local link" on b vcoyo-nl link del "$ll_b"
check "only the IPv4 and IPv6 links are left in a" same ids "$(link_ids a)" "$ab $ab6 "

# Silence: links go down after the link timeout, and come back by themselves.
check "vb down" $IP -n b link set vb down
check "a's links go down within the link timeout" wait_for 5 sh -c \
	"nsenter --net=/run/netns/a vcoyo-nl link show | grep -qx '  state: down' &&
	! nsenter --net=/run/netns/a vcoyo-nl link show | grep -qx '  state: up'"
check "b's links go down too" wait_for 5 sh -c \
	"! nsenter --net=/run/netns/b vcoyo-nl link show | grep -qx '  state: up'"
check "a's down link still shows when it last heard a hello" sh -c \
	"nsenter --net=/run/netns/a vcoyo-nl link show | grep -Eq '^  last hello: [0-9]+ ms ago$'"
check "vb up" $IP -n b link set vb up
check "all four links come back up within 10 s" wait_for 10 all_up a "$ab" b "$ba" a "$ab6" b "$ba6"
check "b deletes its IPv4 link" on b vcoyo-nl link del "$ba"
check "a's IPv4 link goes down" wait_for 5 state_is a "$ab" down
check "a's IPv6 link stays up" all_up a "$ab6" b "$ba6"
check "a's hellos to b's IPv4 endpoint count as unknown there" stat_grows b rx_unknown_endpoint
add_link ba b 10.0.0.1:4477
check "b adds it again: both IPv4 links come up" wait_for 10 all_up a "$ab" b "$ba"

# link del and its refusals.
check "link del a's IPv6 link" on a vcoyo-nl link del "$ab6"
check "link show: only the IPv4 link is left" same ids "$(link_ids a)" "$ab "
check_fails "link del an unknown id: ENOENT, with the reason" \
	"^vcoyo-nl: link del: No such file or directory: .+" \
	on a vcoyo-nl link del 4000000000
check_fails "link del the same link twice: ENOENT" \
	"^vcoyo-nl: link del: No such file or directory" on a vcoyo-nl link del "$ab6"
check "b's IPv6 link goes down without a's" wait_for 5 state_is b "$ba6" down

# Bad command lines are refused before the kernel sees them.
check "link add: missing port" usage_error "bad endpoint '10.0.0.2': missing port" \
	vcoyo-nl link add 10.0.0.2
check "link add: port 0" usage_error "bad endpoint '10.0.0.2:0': bad port" \
	vcoyo-nl link add 10.0.0.2:0
check "link add: port 65536" usage_error "bad endpoint '10.0.0.2:65536': bad port" \
	vcoyo-nl link add 10.0.0.2:65536
check "link add: bad IPv4 address" usage_error "bad endpoint '10.0.0.256:1': bad IPv4 address" \
	vcoyo-nl link add 10.0.0.256:1
check "link add: IPv6 without brackets" usage_error "needs brackets" \
	vcoyo-nl link add fd00::2:4477
check "link add: missing ]" usage_error "missing '\]'" vcoyo-nl link add "[fd00::2:4477"
check "link add: bad IPv6 address" usage_error "bad IPv6 address" \
	vcoyo-nl link add "[fd00::g]:4477"
check "link add: unknown interface" usage_error "unknown interface" \
	vcoyo-nl link add "[fe80::1%nonexistent]:4477"
check "link add: missing ENDPOINT" usage_error "missing ENDPOINT" vcoyo-nl link add
check "link add: unknown setting" usage_error "unknown setting 'key'" \
	vcoyo-nl link add 10.0.0.2:4477 key "$PB"
check "link del: bad ID" usage_error "bad link ID 'x'" vcoyo-nl link del x
check "link show: extra argument" usage_error "unexpected argument" vcoyo-nl link show 1
check "unknown link sub-command" usage_error "unknown command 'link frob'" \
	vcoyo-nl link frob
check "the refusals added no link" same ids "$(link_ids a)" "$ab "

# Privilege: changes need CAP_NET_ADMIN, reading does not.
check_fails "link add as nobody: EPERM" "^vcoyo-nl: link add: Operation not permitted" \
	on a nl-raw as-nobody vcoyo-nl link add 10.0.0.9:4477
check_fails "link del as nobody: EPERM" "^vcoyo-nl: link del: Operation not permitted" \
	on a nl-raw as-nobody vcoyo-nl link del "$ab"
check_fails "node set as nobody: EPERM" "^vcoyo-nl: node set: Operation not permitted" \
	on a nl-raw as-nobody vcoyo-nl node set hello-interval 100
check "link show as nobody works" sh -c \
	"nsenter --net=/run/netns/a nl-raw as-nobody vcoyo-nl link show | grep -qx 'link $ab'"
check "node show as nobody works" sh -c \
	"nsenter --net=/run/netns/a nl-raw as-nobody vcoyo-nl node show | grep -qx 'listen port: 4477'"
check "nobody changed nothing" same ids "$(link_ids a)" "$ab "

# The listen port: fixed while links exist.
check_fails "node set listen-port with links: EBUSY" \
	"^vcoyo-nl: node set: Device or resource busy: .+" on a vcoyo-nl node set listen-port 4478
check "the port stayed" same port "$(nfield a 'listen port')" 4477
check "node set hello-interval with links is allowed" \
	on a vcoyo-nl node set hello-interval $HELLO_MS
for id in $(link_ids a); do
	check "link del $id in a" on a vcoyo-nl link del "$id"
done
for id in $(link_ids b); do
	check "link del $id in b" on b vcoyo-nl link del "$id"
done
check "no links left" same links "$(link_ids a)|$(link_ids b)" "|"
check "link show -j: []" same links "$(on a vcoyo-nl -j link show)" "[]"
check "node set listen-port 4478 without links" on a vcoyo-nl node set listen-port 4478
check "node set listen-port 4478 in b" on b vcoyo-nl node set listen-port 4478
check "node show: listen port 4478" same port "$(nfield a 'listen port')" 4478
add_link ab a 10.0.0.2:4478
add_link ba b 10.0.0.1:4478
check "links over port 4478 come up" wait_for 10 all_up a "$ab" b "$ba"
add_link ab6 a "[fd00::2]:4478"
add_link ba6 b "[fd00::1]:4478"
check "IPv6 links over port 4478 come up" wait_for 10 all_up a "$ab6" b "$ba6"

# A dump of many links comes in several parts (a link the node never heard
# from is 120 bytes of message, a part at most about 32 KB); each link is
# listed once.  The links come from a batch: one process, not 500.  Hellos
# every 10 s meanwhile, not to flood the guest.
check "node set hello-interval 10000 link-timeout 30000 with links" \
	on a vcoyo-nl node set hello-interval 10000 link-timeout 30000
for port in $(seq 10001 10500); do
	echo "link add 10.0.0.2:$port"
done >"$dir/bulk"
check "500 more links in a, from a batch" sh -c \
	"nsenter --net=/run/netns/a vcoyo-nl -b $dir/bulk | grep -c '^link [0-9]*$' | grep -qx 500"
check "link show lists all 502 links once each" same links \
	"$(on a vcoyo-nl link show | grep '^link ' | sort -u | wc -l)" 502
check "link show: the last one added is there" sh -c \
	"nsenter --net=/run/netns/a vcoyo-nl link show | grep -qx '  endpoint: 10.0.0.2:10500'"
check "link show -j: 502 objects" same objects \
	"$(on a vcoyo-nl -j link show | grep -o '{"id": [0-9]*' | sort -u | wc -l)" 502
check "a's first links are still up" all_up a "$ab" a "$ab6"
printf 'link add 10.0.0.2:20001\nlink del 4000000000\nlink add 10.0.0.2:20002\n' >"$dir/bad-batch"
check_fails "a batch stops at the first command that fails, naming its line" \
	"^vcoyo-nl: $dir/bad-batch:2: command failed" on a vcoyo-nl -b "$dir/bad-batch"
check "the batch ran the command before it, not the one after" sh -c \
	"out=\$(nsenter --net=/run/netns/a vcoyo-nl link show) &&
	echo \"\$out\" | grep -qx '  endpoint: 10.0.0.2:20001' &&
	! echo \"\$out\" | grep -q ' 10.0.0.2:20002\$'"

# Unloading the module with live links in two namespaces.
family=$(cat $FAMILY_FILE)
check "rmmod vcoyo with live links" rmmod vcoyo
check "insmod vcoyo again" insmod $KO family="$family"
check "a fresh module: no links, default settings" same "a" \
	"$(link_ids a)|$(nfield a 'listen port')" "|4477"

node_del a
node_del b
rm -rf "$dir"
echo "# links.sh: $(($(now_ms) - t_start)) ms"
tap_done
