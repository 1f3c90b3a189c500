# SPDX-License-Identifier: GPL-2.0
# The in-tree series (patches/BRANCH.y) for linux-5.10.y, 6.1.y and
# 6.12.y, and the mainline RFC (patches/mainline, on Debian's 7.3 tree,
# branch "7.3" here): each applies to a pristine tree made from Debian's
# tarball of its branch, is checkpatch clean, builds after every patch,
# and the kernel it makes (kernel id patched-BRANCH) steps exactly.
# Sourced by scripts/check.  KSF_PATCH_SERIES lists the branches
# (default "5.10 6.1 6.12 7.3").  KSF_PATCHES_BISECT=0 skips the
# per-patch builds (about 15 s a patch once ccache is warm).
#
# Per branch, BASE may say:
#   selftest_args=ARGS       arguments of the series' in-tree selftest
#   selftest_stock_fails=MSG what that selftest prints when it fails, as
#                            it must, on the stock Debian kernel of the
#                            branch (kernel id BRANCH)

p_bk=$KSF_TOP/scripts/build-kernel
p_vmrun=$KSF_TOP/scripts/vm-run
p_top=$KSF_BUILD/check/patches
p_st=$KSF_BUILD/selftests/ss_conformance
rm -rf "$p_top"
mkdir -p "$p_top"

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

# p_random FILE MODEL [VM-RUN ARGS]: ss-random's results on $p_id against
# MODEL, stops and mismatches, without its timings
p_random() {
	local out=$1 model=$2
	shift 2
	"$p_vmrun" -k "$p_id" "$@" -f "$KSF_BUILD/guest/ss-random" -- \
		./ss-random --model "$model" --ops 4000 --seed 1 2>&1 |
		grep -a '^# MISMATCH\|^ss-random:' | sed 's/ max_run_us .*//' >"$out" || true
}

# p_base KEY: a value of the branch's BASE
p_base() {
	case "$p_series" in
	7.3) sed -n "s/^$1=//p" "$KSF_TOP/patches/mainline/BASE" ;;
	*) sed -n "s/^$1=//p" "$KSF_TOP/patches/$p_series.y/BASE" ;;
	esac
}

# p_branch SERIES: every check of patches/SERIES.y
p_branch() {
	p_series=$1
	p_id=patched-$p_series
	p_dir=$p_top/$p_series
	mkdir -p "$p_dir"
	local base kst args stock_msg col

	base=$(p_base debian_version)
	check_cmd "patches $p_series: series applies with git am on Debian linux-source-$p_series $base" \
		"$p_bk" "$p_series" apply

	if "$p_bk" "$p_series" checkpatch >"$p_dir/checkpatch.txt" 2>&1; then
		record pass "patches $p_series: checkpatch --strict clean" "$(tail -n1 "$p_dir/checkpatch.txt")"
	else
		cat "$p_dir/checkpatch.txt" >&2
		record fail "patches $p_series: checkpatch --strict clean" "$(tail -n1 "$p_dir/checkpatch.txt")"
	fi

	if [ "${KSF_PATCHES_BISECT:-1}" = 1 ]; then
		if "$p_bk" "$p_series" bisect >"$p_dir/bisect.txt" 2>"$p_dir/bisect.err"; then
			record pass "patches $p_series: the tree builds after every patch" \
				"$(grep -c 'kernel Image built' "$p_dir/bisect.txt") kernels, $(grep -c 'selftest .* built' "$p_dir/bisect.txt") selftests"
		else
			tail -n 20 "$p_dir/bisect.err" >&2
			record fail "patches $p_series: the tree builds after every patch" "see $p_dir/bisect.err"
		fi
	else
		record skip "patches $p_series: the tree builds after every patch" "KSF_PATCHES_BISECT=0"
	fi

	if "$p_bk" "$p_series" build >"$p_dir/build.txt" 2>&1; then
		record pass "patches $p_series: build and register $p_id" \
			"$(grep -o 'built .*\|up to date.*' "$p_dir/build.txt" | tail -n1)"
	else
		tail -n 30 "$p_dir/build.txt" >&2
		record fail "patches $p_series: build and register $p_id" "see $p_dir/build.txt"
	fi

	if ! kernel_ready "$p_id"; then
		record skip "patches $p_series: tests on $p_id" "the kernel did not build"
		return
	fi

	check_cmd "patches $p_series: ss-smoke on $p_id" \
		"$p_vmrun" -k "$p_id" -f "$KSF_BUILD/guest/ss-smoke" -- ./ss-smoke

	# The project's suite (built by 30-selftests.sh / make selftests),
	# judged against selftests/expected-results in a column of its own:
	# every case must pass there, but for the skips listed for the
	# column (no FEAT_MOPS in guests before 6.7, a WFI TCG never traps).
	if [ -x "$p_st" ]; then
		p_suite "$p_id"
	else
		record skip "patches $p_series: selftests on $p_id" "build/selftests/ss_conformance not built (make selftests)"
	fi

	# The series' own selftest (tools/testing/selftests/kvm/), built in
	# the patched tree against its own framework: it must pass on the
	# patched kernel and fail on the branch's stock Debian kernel.
	kst=$("$p_bk" "$p_series" kselftest 2>"$p_dir/kselftest-build.err") || kst=
	if [ -z "$kst" ]; then
		if grep -q 'no selftest in the series' "$p_dir/kselftest-build.err"; then
			record skip "patches $p_series: in-tree selftest" "the series adds none"
		else
			tail -n 20 "$p_dir/kselftest-build.err" >&2
			record fail "patches $p_series: in-tree selftest builds in the patched tree" \
				"see $p_dir/kselftest-build.err"
		fi
	else
		read -r -a args <<<"$(p_base selftest_args)"
		stock_msg=$(p_base selftest_stock_fails)
		record pass "patches $p_series: in-tree selftest builds in the patched tree" "$(basename "$kst")"
		check_cmd "patches $p_series: in-tree selftest passes on $p_id" \
			"$p_vmrun" -k "$p_id" -t 300 -f "$kst" -- "./$(basename "$kst")" "${args[@]}"
		check_fails "patches $p_series: in-tree selftest fails on stock $p_series (expected failure)" \
			"${stock_msg:-not ok}" "$p_vmrun" -k "$p_series" -t 300 -f "$kst" -- \
			"./$(basename "$kst")" "${args[@]}"
	fi

	case "$p_series" in
	5.10) ;;
	*)
		# ss-random against the model of the branch with the fix,
		# the one of the module on it (rules-6.1: 6.1 - 6.6,
		# rules-6.7: 6.7 - 6.13, MOPS): both apply R3 on the way out.
		# 7.3's is rules-6.7 too, with or without the mainline RFC,
		# which changes no step rule (ss-random raises no interrupt)
		local model
		model=$(kernel_field "$p_series" model+mod)
		p_random "$p_dir/random-$p_id.txt" "$model"
		if grep -q '^ss-random:' "$p_dir/random-$p_id.txt" &&
			! grep -q MISMATCH "$p_dir/random-$p_id.txt"; then
			record pass "patches $p_series: ss-random on $p_id matches model $model" \
				"4000 operations"
		else
			head -n 20 "$p_dir/random-$p_id.txt" >&2
			record fail "patches $p_series: ss-random on $p_id matches model $model" \
				"$(grep -c MISMATCH "$p_dir/random-$p_id.txt") mismatches (see $p_dir/random-$p_id.txt)"
		fi
		# kvm_ss_fix applies the same rule as these series, one call
		# earlier (hooks_61.c): setting a flag the kernel then sets
		# again.  Its column on them is not run, to keep make check
		# within its time; 5.10's is, below.
		return ;;
	esac

	# 5.10 carries the fix already: kvm_ss_fix loaded on it must not
	# change its stops (no duplicate ISV=0 stop, none lost; it finds
	# kvm_arm_ss_completed() and stays inactive).  The suite in column
	# patched-5.10+mod, and the random test, with the module loaded
	# throughout.
	col=$p_id+mod
	if ! "$KSF_TOP/scripts/build-module" "$p_id" >"$p_dir/module.txt" 2>&1; then
		tail -n 20 "$p_dir/module.txt" >&2
		record fail "patches $p_series: kvm_ss_fix.ko for $p_id" "see $p_dir/module.txt"
		return
	fi
	if [ -x "$p_st" ]; then
		p_suite "$col" -m
	else
		record skip "patches $p_series: selftests on $col" "build/selftests/ss_conformance not built (make selftests)"
	fi
	# The series' own results, with and without the module: the module
	# must change none.
	p_random "$p_dir/random-$p_id.txt" rules-5.10
	p_random "$p_dir/random-$col.txt" rules-5.10 -m
	if grep -q '^ss-random:' "$p_dir/random-$p_id.txt" &&
		cmp -s "$p_dir/random-$p_id.txt" "$p_dir/random-$col.txt"; then
		record pass "patches $p_series: ss-random on $col gives what $p_id gives alone" \
			"$(grep -c MISMATCH "$p_dir/random-$p_id.txt") mismatches of the series' own, 4000 operations"
	else
		diff "$p_dir/random-$p_id.txt" "$p_dir/random-$col.txt" | head -n 20 >&2
		record fail "patches $p_series: ss-random on $col gives what $p_id gives alone" \
			"see $p_dir/random-*.txt"
	fi
}

for p_series in ${KSF_PATCH_SERIES:-5.10 6.1 6.12 7.3}; do
	p_branch "$p_series"
done
