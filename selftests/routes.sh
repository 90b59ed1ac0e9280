#!/bin/sh
# Static routes: add, show, delete, and the errors of each; routes go with
# their link.
. ./lib.sh

node_add a
vcoyo-nl genkey >/tmp/ra.key
vcoyo-nl genkey >/tmp/rb.key
vcoyo-nl genkey >/tmp/rc.key
on a vcoyo-nl id set private-key /tmp/ra.key
self=$(vcoyo-nl pubkey </tmp/ra.key | vcoyo-nl address)
b=$(vcoyo-nl pubkey </tmp/rb.key | vcoyo-nl address)
c=$(vcoyo-nl pubkey </tmp/rc.key | vcoyo-nl address)

check "a link to route through" sh -c "nsenter --net=/run/netns/a vcoyo-nl link add 192.0.2.1:4477 | grep -qx 'link 1'"
check "a second link" sh -c "nsenter --net=/run/netns/a vcoyo-nl link add 192.0.2.2:4477 | grep -qx 'link 2'"
check "no routes at first" test -z "$(on a vcoyo-nl route show)"
check "route add b via 1" on a vcoyo-nl route add "$b" via 1
check "route add c via 2" on a vcoyo-nl route add "$c" via 2
check "route show lists both, static" sh -c "
	out=\$(nsenter --net=/run/netns/a vcoyo-nl route show)
	echo \"\$out\"
	echo \"\$out\" | grep -qx '$b via 1 static' &&
	echo \"\$out\" | grep -qx '$c via 2 static' &&
	[ \$(echo \"\$out\" | wc -l) -eq 2 ]"
check "route show -j" sh -c "nsenter --net=/run/netns/a vcoyo-nl -j route show |
	grep -q '\"destination\": \"$b\", \"link\": 1, \"origin\": \"static\"'"

check_fails "a second route to b: EEXIST" "File exists.*a route to this destination exists" \
	on a vcoyo-nl route add "$b" via 2
check_fails "route through a link that does not exist: ENOENT" "No such file.*no such link" \
	on a vcoyo-nl route add "$(vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address)" via 9
check_fails "route to the node itself: EINVAL" "Invalid argument.*node itself" \
	on a vcoyo-nl route add "$self" via 1
check_fails "route to the any address: EINVAL" "Invalid argument" on a vcoyo-nl route add :: via 1
check_fails "bad address text is refused by the tool" "bad address '1:2:3'" \
	on a vcoyo-nl route add 1:2:3 via 1
check_fails "route add without via" "expected 'via LINK-ID'" on a vcoyo-nl route add "$b" 1
check_fails "route add via link 0" "bad link ID '0'" on a vcoyo-nl route add "$b" via 0
check_fails "route del of an unknown destination: ENOENT" "No such file.*no such route" \
	on a vcoyo-nl route del "$self"
check_fails "route add as nobody: EPERM" "Operation not permitted" \
	on a nl-raw as-nobody vcoyo-nl route add "$c" via 1
check "route show as nobody works" sh -c "nsenter --net=/run/netns/a nl-raw as-nobody vcoyo-nl route show | grep -q '$b'"

check "route del b" on a vcoyo-nl route del "$b"
check "b's route is gone, c's stays" sh -c "
	out=\$(nsenter --net=/run/netns/a vcoyo-nl route show)
	! echo \"\$out\" | grep -q '$b' && echo \"\$out\" | grep -q '$c via 2'"
check "deleting link 2 deletes the routes through it" sh -c "
	nsenter --net=/run/netns/a vcoyo-nl link del 2 && [ -z \"\$(nsenter --net=/run/netns/a vcoyo-nl route show)\" ]"

# Many routes: the table grows, and a dump returns them all.
many()
{
	i=0
	while [ $i -lt 300 ]; do
		printf 'route add 1:%x:: via 1\n' $i
		i=$((i + 1))
	done >/tmp/routes.batch
	on a vcoyo-nl -b /tmp/routes.batch || return 1
	[ "$(on a vcoyo-nl route show | wc -l)" -eq 300 ]
}
check "300 routes, all in the dump" many
node_del a
tap_done
