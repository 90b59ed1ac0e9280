#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz KO KMODDIR TESTS...
#
# TESTS are paths below selftests/, run in the guest in the order given.
#
# Build the guest's initramfs: busybox-static, the host's own iproute2 (ip, tc), socat
# and iperf3 with their libraries, vcoyo's tools and tests, vcoyo.ko and the
# modules it needs from KMODDIR (decompressed, in load order).
set -eu

out=$1 ko=$2 kmoddir=$3
shift 3
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
chmod 755 "$root"	# the guest's /, reachable by unprivileged test users
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin "$root"/proc \
	"$root"/sys "$root"/dev "$root"/tmp "$root"/run "$root"/etc \
	"$root"/vcoyo/bin "$root"/vcoyo/tests "$root"/vcoyo/deps

cp /bin/busybox "$root"/bin/busybox
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# A host binary and every library it loads, at the same paths as on the host.
copy_binary()
{
	src=$(command -v "$1") || { echo "mkinitramfs: $1 not found" >&2; exit 1; }
	mkdir -p "$root$(dirname "$src")"
	cp -L "$src" "$root$src"
	ldd "$src" 2>/dev/null | awk '/=>/ { print $3 } /^\t\// { print $1 }' |
	while read -r lib; do
		[ -e "$lib" ] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for b in /usr/bin/ip /usr/sbin/tc /usr/bin/socat /usr/bin/iperf3; do
	copy_binary "$b"
done
# The tests' own binaries and the tools.
for b in "$top"/tools/vcoyo-nl "$top"/tools/vcoyo-cat "$top"/tools/vcoyod/vcoyod "$top"/selftests/bin/*; do
	[ -x "$b" ] || continue
	copy_binary "$b"
	cp "$b" "$root"/vcoyo/bin/
done
: >"$root"/vcoyo/tests.list
for t in "$@"; do
	cp "$top/selftests/$t" "$root/vcoyo/tests/"
	basename "$t" >>"$root"/vcoyo/tests.list
done
cp "$top"/selftests/lib.sh "$root"/vcoyo/tests/
cp "$ko" "$root"/vcoyo/vcoyo.ko

# Modules vcoyo.ko needs, and those the tests use, in the order to load them.
if [ -n "$kmoddir" ]; then
	want="$(/sbin/modinfo -F depends "$ko" | tr ',' ' ') sha512_generic sha512_ssse3 veth sch_netem"
	awk -v want="$want" -v dir="$kmoddir" '
		function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", p); gsub(/-/, "_", p); return p }
		function visit(m,   i, n, d) {
			if (m in done || !(m in path)) return
			done[m] = 1
			n = split(deps[m], d, " ")
			for (i = n; i >= 1; i--) visit(base(d[i]))
			print dir "/" path[m]
		}
		{ p = $1; sub(/:$/, "", p); m = base(p); path[m] = p; deps[m] = $0; sub(/^[^:]*:/, "", deps[m]) }
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) { gsub(/-/, "_", w[i]); visit(w[i]) } }
	' "$kmoddir/modules.dep" >"$root/deps.txt"
	i=10
	while read -r mod; do
		name=$(basename "$mod")
		case "$mod" in
		*.xz) xz -dc "$mod" >"$root/vcoyo/deps/$i-${name%.xz}" ;;
		*.zst) zstd -qdc "$mod" >"$root/vcoyo/deps/$i-${name%.zst}" ;;
		*) cp "$mod" "$root/vcoyo/deps/$i-$name" ;;
		esac
		i=$((i + 1))
	done <"$root/deps.txt"
	rm "$root/deps.txt"
fi

cp "$top"/selftests/vm/init "$root"/init
chmod +x "$root"/init
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
