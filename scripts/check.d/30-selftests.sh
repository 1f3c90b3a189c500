# SPDX-License-Identifier: GPL-2.0
# Single-step conformance selftests (selftests/): build them, check their
# style and kselftest install, run them once per kernel column and judge
# each case against selftests/expected-results.  Sourced by scripts/check.
#
# KSF_SELFTEST_COLUMNS lists the columns: a kernel id of vm-run, or
# "ID+mod" for that kernel with kvm_ss_fix loaded (vm-run -m); +mod
# columns expect what selftests/expected-results says, like any other.
# KSF_SELFTEST_TIMEOUT bounds each run.

# The default: every Debian kernel with KVM (scripts/kernels), stock,
# then with the module.
KSF_SELFTEST_COLUMNS=${KSF_SELFTEST_COLUMNS:-"$KSF_DEBIAN_IDS $(printf '%s+mod\n' $KSF_DEBIAN_IDS | xargs)"}
KSF_SELFTEST_TIMEOUT=${KSF_SELFTEST_TIMEOUT:-300}

st_src=$KSF_TOP/selftests
st_out=$KSF_BUILD/selftests
st_dir=$KSF_BUILD/check/selftests
st_bin=$st_out/ss_conformance
st_make=(make --no-print-directory -C "$st_src" ARCH=arm64
	CROSS_COMPILE=aarch64-linux-gnu- CC=aarch64-linux-gnu-gcc
	OUTPUT="$st_out")
rm -rf "$st_dir"
mkdir -p "$st_dir"

st_checkpatch() {
	local cp f rc=0
	cp=$("$KSF_TOP/scripts/fetch-source" 6.1)/scripts/checkpatch.pl
	for f in "$st_src"/*.[ch]; do
		"$cp" --no-tree --strict --quiet -f "$f" || rc=1
	done
	return $rc
}

st_install() {
	local dest=$st_dir/install
	"${st_make[@]}" install INSTALL_PATH="$dest" &&
		[ -x "$dest/run_kselftest.sh" ] &&
		[ -x "$dest/kvm-ss/ss_conformance" ] &&
		grep -qx 'kvm-ss:ss_conformance' "$dest/kselftest-list.txt"
}

# st_run COLUMN: one boot, the whole suite; TAP in $st_dir/COLUMN.tap.
st_run() {
	local col=$1 id=${1%+mod} mod=()
	[ "$id" = "$col" ] || mod=(-m)
	progress "selftests on $col"
	"$KSF_TOP/scripts/vm-run" -k "$id" "${mod[@]}" -t "$KSF_SELFTEST_TIMEOUT" \
		-o "$st_dir/$col.vm" -f "$st_bin" -- ./ss_conformance \
		>"$st_dir/$col.tap" 2>"$st_dir/$col.err"
	# The suite fails on purpose where failures are expected; what counts
	# here is a complete TAP stream and no complaint from vm-run.
	if grep -q 'vm-run: error:' "$st_dir/$col.err"; then
		record fail "selftests: $col run" "$(grep 'vm-run: error:' "$st_dir/$col.err" | head -n1)"
	elif ! grep -q '^# Totals:' "$st_dir/$col.tap"; then
		record fail "selftests: $col run" "incomplete TAP (see $st_dir/$col.tap)"
	else
		record pass "selftests: $col run" "$(grep '^# Totals:' "$st_dir/$col.tap")"
	fi
}

# The judge must fail a case that passes where a failure is expected.
st_report_flags_xpass() {
	local tap=$st_dir/xpass.tap exp=$st_dir/xpass.expected
	printf '#  RUN           global.demo ...\nok 1 global.demo\n# Totals: pass:1\n' >"$tap"
	printf 'demo k xfail must fail here\n' >"$exp"
	"$KSF_TOP/scripts/selftests-report" "$exp" "k=$tap"
}

# ... and a case that skips where expected-results does not say it may:
# a skip is a test that did not run, fine only where it is listed.  The
# listed skip of the fixture must stay a skip.
st_report_flags_unlisted_skip() {
	local tap=$st_dir/skip.tap exp=$st_dir/skip.expected
	local rec=$st_dir/skip.records rc=0
	printf '%s\n' \
		'#  RUN           global.listed ...' \
		'#      SKIP      no widget here' \
		'#            OK  global.listed' \
		'ok 1 # SKIP no widget here' \
		'#  RUN           global.unlisted ...' \
		'#      SKIP      no gadget here' \
		'#            OK  global.unlisted' \
		'ok 2 # SKIP no gadget here' \
		'# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:2 error:0' >"$tap"
	printf 'listed k skip widgets are optional\n' >"$exp"
	"$KSF_TOP/scripts/selftests-report" -r "$rec" "$exp" "k=$tap" || rc=$?
	if ! grep -qxF "$(printf 'skip\tselftests: k listed\tno widget here')" "$rec"; then
		echo "the listed skip was not recorded as a skip"
		return 2
	fi
	cat "$rec"
	return $rc
}

rm -f "$st_bin"
if check_cmd "selftests: build" "${st_make[@]}"; [ -x "$st_bin" ]; then
	check_cmd "selftests: checkpatch --strict clean" st_checkpatch
	check_cmd "selftests: kselftest install layout" st_install
	check_fails "selftests: report fails an unexpected pass" "XPASS" \
		st_report_flags_xpass
	check_fails "selftests: report fails an unlisted skip" \
		"skipped but not expected to" st_report_flags_unlisted_skip
	st_args=()
	for st_col in $KSF_SELFTEST_COLUMNS; do
		st_run "$st_col"
		st_args+=("$st_col=$st_dir/$st_col.tap")
	done
	"$KSF_TOP/scripts/selftests-report" -r "$st_dir/records" \
		"$st_src/expected-results" "${st_args[@]}" | tee "$st_dir/report.txt" >&2
	while IFS=$'\t' read -r st_status st_name st_detail; do
		record "$st_status" "$st_name" "$st_detail"
	done <"$st_dir/records"
	# What the guest can see that the suite prints without judging it
	# (lines "guest-visible: ..."): the module must change none of it.
	for st_id in $KSF_DEBIAN_IDS; do
		[ -f "$st_dir/$st_id.tap" ] && [ -f "$st_dir/$st_id+mod.tap" ] || continue
		check_cmd "selftests: $st_id+mod shows the guest what $st_id shows" \
			diff <(grep -a 'guest-visible:' "$st_dir/$st_id.tap") \
			<(grep -a 'guest-visible:' "$st_dir/$st_id+mod.tap")
	done
else
	record skip "selftests: runs" "the suite did not build"
fi
