#!/bin/sh
# Static routes: add, show, delete, and the errors of each; routes go with
# their link.  Path routes (hop tags) and helper routes, and how a route of
# one origin may replace another.
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

# --- Path routes --------------------------------------------------------
d=$(vcoyo-nl genkey | vcoyo-nl pubkey | vcoyo-nl address)
check "route add c path b (an address: its tag)" on a vcoyo-nl route add "$c" path "$b"
tag_b=$(on a vcoyo-nl route show | awk -v c="$c" '$1 == c && $2 == "path" { print $3 }')
check "the tag shows as 16 hex digits" matches "$tag_b" '[0-9a-f]{16}'
check "route show: DEST path TAG static" sh -c "nsenter --net=/run/netns/a vcoyo-nl route show |
	grep -qx '$c path $tag_b static'"
check "route add d path TAG,TAG helper (hex tags)" 	on a vcoyo-nl route add "$d" path "$tag_b,0123456789ABCDEF" helper
check "route show: a helper path route" sh -c "nsenter --net=/run/netns/a vcoyo-nl route show |
	grep -qx '$d path $tag_b,0123456789abcdef helper'"
check "route show -j: the path as an array of tags" sh -c "nsenter --net=/run/netns/a vcoyo-nl -j route show |
	grep -q '\"destination\": \"$d\", \"path\": \[\"$tag_b\", \"0123456789abcdef\"\], \"origin\": \"helper\"'"
check_fails "a helper route does not replace a static one" \
	"File exists.*a static route to this destination exists" \
	on a vcoyo-nl route add "$c" path "$tag_b" helper
check "a helper route replaces a helper route (the helper's newer answer)" \
	on a vcoyo-nl route add "$d" path 1111111111111111 helper
check "the new path is shown" sh -c "nsenter --net=/run/netns/a vcoyo-nl route show |
	grep -qx '$d path 1111111111111111 helper'"
check "a static route replaces a helper route, silently" on a vcoyo-nl route add "$d" via 1
check "it is static now" sh -c "nsenter --net=/run/netns/a vcoyo-nl route show | grep -qx '$d via 1 static'"
check_fails "a static route over a static one: EEXIST" "File exists.*a route to this destination exists" \
	on a vcoyo-nl route add "$d" path "$tag_b"
check "route del of a path route" on a vcoyo-nl route del "$d"
check_fails "bad tag text" "bad path 'xyz'" on a vcoyo-nl route add "$d" path xyz
check_fails "a tag of 15 digits" "16 hexadecimal digits" on a vcoyo-nl route add "$d" path 0123456789abcde
check_fails "an empty tag" "empty hop tag" on a vcoyo-nl route add "$d" path "$tag_b,"
long=$(i=0; while [ $i -lt 64 ]; do printf '%s,' "$tag_b"; i=$((i + 1)); done)
check_fails "64 tags: too long" "more than 63 hop tags" on a vcoyo-nl route add "$d" path "${long%,}"
max=$(i=0; while [ $i -lt 63 ]; do printf '%s,' "$tag_b"; i=$((i + 1)); done)
check "63 tags are the most" on a vcoyo-nl route add "$d" path "${max%,}"
check "route del it" on a vcoyo-nl route del "$d"
check_fails "both link and path" "one way" on a vcoyo-nl route add "$d" via 1 path "$tag_b"
check_fails "neither link nor path" "expected 'via LINK-ID' or 'path TAGS'" on a vcoyo-nl route add "$d" helper
check_fails "unknown word" "unexpected 'static'" on a vcoyo-nl route add "$d" via 1 static
check_fails "a helper route as nobody: EPERM" "Operation not permitted" \
	on a nl-raw as-nobody vcoyo-nl route add "$d" path "$tag_b" helper
check "a path route stays when a link is deleted" sh -c "
	nsenter --net=/run/netns/a vcoyo-nl link add 192.0.2.3:4477 >/dev/null &&
	nsenter --net=/run/netns/a vcoyo-nl link del 3 &&
	nsenter --net=/run/netns/a vcoyo-nl route show | grep -qx '$c path $tag_b static'"
check_fails "route unreachable without a miss: ENOENT" "No such file.*no route miss is waiting" \
	on a vcoyo-nl route unreachable "$d"
check "route del c" on a vcoyo-nl route del "$c"

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
