#!/bin/sh
# Build (once) the debug guest kernel from Debian's linux-source-6.12 package and print
# the directory that holds it.  The result is cached outside the clone, keyed by the
# source package version and by this script and its config fragment, so later runs and
# later clones reuse it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${VCOYO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vcoyo}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || { echo "debug-kernel: $tarball missing (run scripts/install-deps)" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(cat "$here/debug.config" "$here/debug-kernel.sh" | sha256sum | cut -c1-12)
out="$cache/debug-6.12-$srcver-$key"

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

log="$cache/debug-kernel-build.log"
mkdir -p "$cache"
echo "debug-kernel: building $out (log: $log)" >&2
rm -rf "$out"
mkdir -p "$out/src" "$out/build"
tar -C "$out/src" --strip-components=1 -xJf "$tarball"

{
	make -C "$out/src" O="$out/build" ARCH=x86_64 tinyconfig
	"$out/src/scripts/kconfig/merge_config.sh" -m -O "$out/build" \
		"$out/build/.config" "$here/debug.config"
	make -C "$out/src" O="$out/build" ARCH=x86_64 olddefconfig
} >"$log" 2>&1

# merge_config only warns when a symbol cannot be set: insist on every line.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qx "$line" "$out/build/.config" || { echo "debug-kernel: not set: $line" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" "$out/build/.config" || { echo "debug-kernel: not unset: $sym" >&2; bad=1; } ;;
	esac
done <"$here/debug.config"
[ "$bad" -eq 0 ] || exit 1

make -C "$out/src" O="$out/build" ARCH=x86_64 -j"$(nproc)" bzImage modules >>"$log" 2>&1 ||
	{ tail -n 40 "$log" >&2; exit 1; }
touch "$out/.done"
echo "$out"
