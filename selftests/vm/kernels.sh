# Sourced by the test runner: where each target kernel's pieces are.
# vcoyo_kernel NAME (with $top the source tree) sets KIMAGE (bzImage to boot), KDIR (tree to build
# vcoyo.ko against) and KMODDIR (its modules, empty when all is built in).
# shellcheck shell=sh

VCOYO_KERNELS_ALL="6.1 6.12 debug"

# The newest installed Debian cloud kernel of a series, e.g. "6.1".
vcoyo_cloud_release()
{
	for img in /boot/vmlinuz-"$1".*-cloud-amd64; do
		[ -e "$img" ] && echo "${img#/boot/vmlinuz-}"
	done | sort -V | tail -n 1
}

vcoyo_kernel()
{
	case "$1" in
	debug)
		dir=$("$top/selftests/vm/debug-kernel.sh") || return 1
		KIMAGE=$dir/build/arch/x86/boot/bzImage
		KDIR=$dir/build
		KMODDIR=
		;;
	6.1|6.12)
		rel=$(vcoyo_cloud_release "$1")
		[ -n "$rel" ] || { echo "no Debian $1 cloud kernel installed" >&2; return 1; }
		KIMAGE=/boot/vmlinuz-$rel
		KDIR=/usr/src/linux-headers-$rel
		KMODDIR=/lib/modules/$rel
		;;
	*)
		echo "unknown kernel '$1' (known: $VCOYO_KERNELS_ALL)" >&2
		return 1
		;;
	esac
}
