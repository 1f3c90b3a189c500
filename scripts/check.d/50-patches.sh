# SPDX-License-Identifier: GPL-2.0
# The in-tree series (patches/) for linux-5.10.y: it applies to a pristine
# tree made from Debian's tarball, is checkpatch clean, builds after every
# patch, and the kernel it makes (kernel id patched-5.10) steps exactly.
# Sourced by scripts/check.  KSF_PATCHES_BISECT=0 skips the per-patch
# builds (about 15 s a patch once ccache is warm).

p_bk=$KSF_TOP/scripts/build-kernel
p_vmrun=$KSF_TOP/scripts/vm-run
p_dir=$KSF_BUILD/check/patches
p_id=patched-5.10
rm -rf "$p_dir"
mkdir -p "$p_dir"

p_base=$(sed -n 's/^debian_version=//p' "$KSF_TOP/patches/BASE")
check_cmd "patches: series applies with git am on Debian linux-source-5.10 $p_base" \
	"$p_bk" apply

if "$p_bk" checkpatch >"$p_dir/checkpatch.txt" 2>&1; then
	record pass "patches: checkpatch --strict clean" "$(tail -n1 "$p_dir/checkpatch.txt")"
else
	cat "$p_dir/checkpatch.txt" >&2
	record fail "patches: checkpatch --strict clean" "$(tail -n1 "$p_dir/checkpatch.txt")"
fi

if [ "${KSF_PATCHES_BISECT:-1}" = 1 ]; then
	if "$p_bk" bisect >"$p_dir/bisect.txt" 2>"$p_dir/bisect.err"; then
		record pass "patches: the tree builds after every patch" \
			"$(grep -c 'kernel Image built' "$p_dir/bisect.txt") kernels, $(grep -c 'selftest .* built' "$p_dir/bisect.txt") selftests"
	else
		tail -n 20 "$p_dir/bisect.err" >&2
		record fail "patches: the tree builds after every patch" "see $p_dir/bisect.err"
	fi
else
	record skip "patches: the tree builds after every patch" "KSF_PATCHES_BISECT=0"
fi

if "$p_bk" build >"$p_dir/build.txt" 2>&1; then
	record pass "patches: build and register $p_id" \
		"$(grep -o 'built .*\|up to date.*' "$p_dir/build.txt" | tail -n1)"
else
	tail -n 30 "$p_dir/build.txt" >&2
	record fail "patches: build and register $p_id" "see $p_dir/build.txt"
fi

# p_suite COLUMN [VM-RUN ARGS]: the suite on $p_id in one boot, judged
# as COLUMN against selftests/expected-results
p_suite() {
	local col=$1 status name detail
	shift
	"$p_vmrun" -k "$p_id" "$@" -t "${KSF_SELFTEST_TIMEOUT:-300}" -o "$p_dir/vm-$col" \
		-f "$p_st" -- ./ss_conformance >"$p_dir/$col.tap" 2>"$p_dir/$col.err"
	if ! grep -q '^# Totals:' "$p_dir/$col.tap"; then
		record fail "patches: selftests on $col run" "incomplete TAP (see $p_dir/$col.tap)"
		return
	fi
	record pass "patches: selftests on $col run" "$(grep '^# Totals:' "$p_dir/$col.tap")"
	"$KSF_TOP/scripts/selftests-report" -r "$p_dir/records-$col" \
		"$KSF_TOP/selftests/expected-results" "$col=$p_dir/$col.tap" \
		>"$p_dir/report-$col.txt" 2>&1 || true
	while IFS=$'\t' read -r status name detail; do
		record "$status" "patches: $name" "$detail"
	done <"$p_dir/records-$col"
}

# p_random FILE [VM-RUN ARGS]: ss-random's results on $p_id, stops and
# mismatches, without its timings
p_random() {
	local out=$1
	shift
	"$p_vmrun" -k "$p_id" "$@" -f "$KSF_BUILD/guest/ss-random" -- \
		./ss-random --model "$(kernel_field "$p_id" model)" --ops 4000 --seed 1 2>&1 |
		grep -a '^# MISMATCH\|^ss-random:' | sed 's/ max_run_us .*//' >"$out" || true
}

if kernel_ready "$p_id"; then
	check_cmd "patches: ss-smoke on $p_id" \
		"$p_vmrun" -k "$p_id" -f "$KSF_BUILD/guest/ss-smoke" -- ./ss-smoke

	# The project's suite (built by 30-selftests.sh / make selftests),
	# judged against selftests/expected-results in a column of its own:
	# every case must pass there, but for the skips listed for
	# patched-5.10 (a 5.10 kernel: no FEAT_MOPS in guests).
	p_st=$KSF_BUILD/selftests/ss_conformance
	if [ -x "$p_st" ]; then
		p_suite "$p_id"
	else
		record skip "patches: selftests on $p_id" "build/selftests/ss_conformance not built (make selftests)"
	fi

	# The series' own selftest (tools/testing/selftests/kvm/aarch64/),
	# built in the patched tree against its 5.10 framework: it must pass
	# on the patched kernel and fail on stock 5.10.
	p_kst=$("$p_bk" kselftest 2>"$p_dir/kselftest-build.err") || p_kst=
	if [ -z "$p_kst" ]; then
		if grep -q 'no selftest in the series' "$p_dir/kselftest-build.err"; then
			record skip "patches: in-tree selftest" "the series adds none"
		else
			tail -n 20 "$p_dir/kselftest-build.err" >&2
			record fail "patches: in-tree selftest builds in the patched tree" \
				"see $p_dir/kselftest-build.err"
		fi
	else
		record pass "patches: in-tree selftest builds in the patched tree" "$(basename "$p_kst")"
		check_cmd "patches: in-tree selftest passes on $p_id" \
			"$p_vmrun" -k "$p_id" -f "$p_kst" -- "./$(basename "$p_kst")"
		check_fails "patches: in-tree selftest fails on stock 5.10 (expected failure)" \
			"not ok" "$p_vmrun" -k 5.10 -f "$p_kst" -- "./$(basename "$p_kst")"
	fi

	# A kernel that carries the fix already: kvm_ss_fix loaded on it must
	# not change its stops (no duplicate ISV=0 stop, none lost).  The
	# suite in column patched-5.10+mod, and the random test, with the
	# module loaded throughout.
	p_col=$p_id+mod
	if ! "$KSF_TOP/scripts/build-module" "$p_id" >"$p_dir/module.txt" 2>&1; then
		tail -n 20 "$p_dir/module.txt" >&2
		record fail "patches: kvm_ss_fix.ko for $p_id" "see $p_dir/module.txt"
	else
		if [ -x "$p_st" ]; then
			p_suite "$p_col" -m
		else
			record skip "patches: selftests on $p_col" "build/selftests/ss_conformance not built (make selftests)"
		fi
		# The series' own results, with and without the module: the
		# module must change none (the series still infers R3 and has
		# mismatches of its own against the rules model).
		p_random "$p_dir/random-$p_id.txt"
		p_random "$p_dir/random-$p_col.txt" -m
		if grep -q '^ss-random:' "$p_dir/random-$p_id.txt" &&
			cmp -s "$p_dir/random-$p_id.txt" "$p_dir/random-$p_col.txt"; then
			record pass "patches: ss-random on $p_col gives what $p_id gives alone" \
				"$(grep -c MISMATCH "$p_dir/random-$p_id.txt") mismatches of the series' own, 4000 operations"
		else
			diff "$p_dir/random-$p_id.txt" "$p_dir/random-$p_col.txt" | head -n 20 >&2
			record fail "patches: ss-random on $p_col gives what $p_id gives alone" \
				"see $p_dir/random-*.txt"
		fi
	fi
else
	record skip "patches: tests on $p_id" "the kernel did not build"
fi
