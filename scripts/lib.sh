# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the kvm-ss-fix test bed scripts.  Sourced, not run.

KSF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSF_CACHE=${KSF_CACHE:-$KSF_TOP/.cache}
KSF_BUILD=${KSF_BUILD:-$KSF_TOP/build}
KSF_PROG=${KSF_PROG:-$(basename "$0")}

# Kernel ids that come as Debian packages; built ones (patched-5.10, ...)
# register themselves under $KSF_CACHE/kernels/<id> too.  fetch-kernels
# also knows 5.10-rt, Debian 11's PREEMPT_RT flavour, which is not listed
# here: it is built without KVM (CONFIG_KVM unset), so vm-run cannot run
# a VM in it, and the module only refuses to load there.
KSF_DEBIAN_IDS="5.10 6.1 6.12"

die() { echo "$KSF_PROG: error: $*" >&2; exit 1; }
progress() { [ -n "${KSF_QUIET:-}" ] || echo "$KSF_PROG: $*" >&2; }

# Run a command quietly, showing its output only when it fails.
quiet_run() {
	local log
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# field KEY LINE: the value after KEY in a "key value ..." line
field() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"
}

kernel_dir() { echo "$KSF_CACHE/kernels/$1"; }

# A kernel id is usable once its directory has a bootable image.
kernel_ready() { [ -s "$(kernel_dir "$1")/vmlinuz" ]; }

# The scripts/build-kernel arguments that make a built kernel id (words).
build_kernel_cmd() {
	case "$1" in
	patched-5.10 | patched-6.1 | patched-6.12) echo "${1#patched-} build" ;;
	debug-5.10) echo "5.10 debug" ;;
	*) return 1 ;;
	esac
}

is_debian_id() {
	local id
	for id in $KSF_DEBIAN_IDS; do
		[ "$id" = "$1" ] && return 0
	done
	return 1
}

known_ids() {
	local ids="$KSF_DEBIAN_IDS" d
	for d in "$KSF_CACHE"/kernels/*/; do
		[ -s "$d/vmlinuz" ] || continue
		d=$(basename "$d")
		is_debian_id "$d" || ids="$ids $d"
	done
	echo "$ids"
}

cross_env() {
	export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
}
