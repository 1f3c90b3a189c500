# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the kvm-ss-fix test bed scripts.  Sourced, not run.

KSF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSF_CACHE=${KSF_CACHE:-$KSF_TOP/.cache}
KSF_BUILD=${KSF_BUILD:-$KSF_TOP/build}
KSF_PROG=${KSF_PROG:-$(basename "$0")}

# The kernel ids and what each one is come from one table,
# scripts/kernels; read it only through these helpers.
KSF_KERNELS=${KSF_KERNELS:-$KSF_TOP/scripts/kernels}
KSF_KERNEL_COLUMNS="id from kvm suites package pinned kbuild cc model model+mod module release"

# kernel_ids [COLUMN=VALUE...]: the ids whose row matches every condition
# (VALUE may be a glob: from=build:*), in table order.
kernel_ids() {
	awk -v cols="$KSF_KERNEL_COLUMNS" -v conds="$*" '
		BEGIN {
			n = split(cols, c, " ")
			for (i = 1; i <= n; i++) col[c[i]] = i
			m = split(conds, cv, " ")
			for (i = 1; i <= m; i++) {
				eq = index(cv[i], "=")
				k = substr(cv[i], 1, eq - 1)
				if (!(k in col)) { print "no column " k > "/dev/stderr"; exit 2 }
				ci[i] = col[k]
				# glob to anchored regex: * and ? only
				re = substr(cv[i], eq + 1)
				gsub(/[.+^$()|{}\[\]\\]/, "\\\\&", re)
				gsub(/\*/, ".*", re); gsub(/\?/, ".", re)
				want[i] = "^" re "$"
			}
		}
		/^[ \t]*(#|$)/ { next }
		{
			for (i = 1; i <= m; i++) if ($ci[i] !~ want[i]) next
			ids = ids (ids == "" ? "" : " ") $1
		}
		END { if (ids != "") print ids }' "$KSF_KERNELS"
}

# kernel_field ID COLUMN: that field of kernel ID's row ("-" when empty);
# fails for an id the table does not have.
kernel_field() {
	awk -v cols="$KSF_KERNEL_COLUMNS" -v id="$1" -v want="$2" '
		BEGIN {
			n = split(cols, c, " ")
			for (i = 1; i <= n; i++) if (c[i] == want) ci = i
			if (!ci) { print "no column " want > "/dev/stderr"; exit 2 }
		}
		/^[ \t]*(#|$)/ { next }
		$1 == id { print $ci; found = 1; exit }
		END { exit !found }' "$KSF_KERNELS"
}

# Kernel ids that come as Debian packages and run KVM: the default set of
# make, fetch-kernels and make check.  The others (5.10-rt: PREEMPT_RT
# without KVM, the module only refuses there; built ids such as
# patched-5.10) are named explicitly; built ones register themselves under
# $KSF_CACHE/kernels/<id> too.
KSF_DEBIAN_IDS=$(kernel_ids from=debian kvm=yes)
[ -n "$KSF_DEBIAN_IDS" ] || {
	echo "$(basename "$0"): error: no kernel ids in $KSF_KERNELS" >&2
	exit 1
}

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

# The scripts/build-kernel arguments that make a built kernel id, separated
# by blanks.
build_kernel_cmd() {
	local from
	from=$(kernel_field "$1" from) || return 1
	case "$from" in
	build:*) echo "${from#build:}" | tr , ' ' ;;
	*) return 1 ;;
	esac
}

# A Debian id (any, with or without KVM): scripts/fetch-kernels fetches it.
is_fetched_id() { [ "$(kernel_field "$1" from 2>/dev/null)" = debian ]; }

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
