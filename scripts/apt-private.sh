# SPDX-License-Identifier: GPL-2.0
# Private apt configuration for foreign suites and the arm64 architecture:
# its own lists, cache and empty dpkg status under $KSF_CACHE/apt, so the
# host's apt state is never read or changed.  Sourced after lib.sh.

APT_DIR=$KSF_CACHE/apt
DEB_DIR=$KSF_CACHE/debs
# KSF_MIRROR: another Debian mirror (the tests point it nowhere).
MIRROR=${KSF_MIRROR:-http://deb.debian.org/debian}

# The suites every Debian kernel id of scripts/kernels is looked up in
# (in table order), and bookworm (busybox-static, linux-source-*).
apt_suites() {
	{
		for id in $(kernel_ids from=debian); do
			kernel_field "$id" suites | tr , '\n'
		done
		echo bookworm
	} | awk '!seen[$0]++' | xargs
}

apt_sources() {
	local s url
	for s in $(apt_suites); do
		case "$s" in
		*-security) url=${MIRROR}-security ;;
		*) url=$MIRROR ;;
		esac
		echo "deb [arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $url $s main"
	done
}

write_apt_conf() {
	mkdir -p "$APT_DIR"/lists/partial "$APT_DIR"/cache/archives/partial \
		"$APT_DIR"/etc/preferences.d
	: >"$APT_DIR/status"
	apt_sources >"$APT_DIR/sources.list"
}

papt() {
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::PreferencesParts="$APT_DIR/etc/preferences.d" \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::State::status="$APT_DIR/status" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o APT::Architecture=amd64 \
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		-o Debug::NoLocking=1 "$@"
}

apt_update() {
	local stamp=$APT_DIR/updated
	# fresh lists of the same suites are reused; a kernel id with a new
	# suite (scripts/kernels) makes them stale
	if [ -f "$stamp" ] && [ -z "$(find "$stamp" -mmin +1440)" ] &&
		[ "$(apt_sources)" = "$(cat "$APT_DIR/sources.list" 2>/dev/null)" ]; then
		return 0
	fi
	write_apt_conf
	progress "updating the private apt lists ($(apt_suites | sed 's/ /, /g'); amd64+arm64)"
	local out
	if ! out=$(papt apt-get update --error-on=any 2>&1); then
		die "cannot reach the Debian archive at $MIRROR ($(grep -m1 '^E:' <<<"$out" | cut -c1-100))"
	fi
	touch "$stamp"
}

# Print "name version" for every package whose name matches the glob, for
# the given arch and suites.
list_candidates() {
	local glob=$1 arch=$2 suites=$3 name names=() s
	for name in $(papt apt-cache pkgnames "${glob%%\**}" 2>/dev/null); do
		# shellcheck disable=SC2053
		[[ $name == $glob ]] && names+=("$name:$arch")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	papt apt-cache madison "${names[@]}" 2>/dev/null |
		awk -F' *[|] *' -v suites="$suites" -v a=" $arch " '
			BEGIN { n = split(suites, sv, " ") }
			index($3, a) {
				for (i = 1; i <= n; i++)
					if (index($3, " " sv[i] "/")) {
						sub(/:.*/, "", $1); print $1, $2
					}
			}' | sort -u
}

# Download one package (name:arch=version) into $DEB_DIR atomically.
download_deb() {
	local spec=$1 tmp
	tmp=$(mktemp -d "$DEB_DIR/.dl.XXXXXX")
	if ! (cd "$tmp" && quiet_run papt apt-get download "$spec"); then
		rm -rf "$tmp"
		return 1
	fi
	mv "$tmp"/*.deb "$DEB_DIR/"
	rm -rf "$tmp"
}

deb_file() { # name arch version
	local v=${3//:/%3a}
	ls "$DEB_DIR/$1_${v}_$2.deb" 2>/dev/null
}

fetch_deb() { # name arch version
	deb_file "$1" "$2" "$3" >/dev/null && return 0
	progress "downloading $1 ($2) $3"
	download_deb "$1:$2=$3" && deb_file "$1" "$2" "$3" >/dev/null
}
