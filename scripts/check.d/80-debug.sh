# SPDX-License-Identifier: GPL-2.0
# The module under the kernel's checkers (issue 8): scripts/check-debug on
# debug-5.10, then the same with each deliberate bug of kvm_ss_fix.h,
# which must fail with the checker's report.  Sourced by scripts/check.
# KSF_DEBUG_OPS and KSF_DEBUG_SECONDS size the full run.

db_log=$KSF_BUILD/check/debug
db_fix=$KSF_TOP/scripts/testdata/debug-reports
mkdir -p "$db_log"

# The classifier: kind, owner (module or kernel), signature and lines of known
# reports, including kernel reports printed while the module is loaded.
db_classify() {
	diff -u "$db_fix/expected.txt" <("$KSF_TOP/scripts/debug-reports" \
		"$db_fix/dmesg.txt" "$db_fix/kmemleak.txt" | cut -f1-3,5,6)
}
check_cmd "debug: report classifier on known reports" db_classify

if "$KSF_TOP/scripts/check-debug" >"$db_log/run.out" 2>"$db_log/run.err"; then
	record pass "debug: check-debug on debug-5.10 (suite, random, load cycles)" \
		"$(sed -n 's/^  \(selftests\|random ops\|load cycles\|reports naming the module\): *//p' \
			"$db_log/run.out" | paste -sd';')"
else
	cat "$db_log/run.out" >&2
	tail -n 40 "$db_log/run.err" >&2
	record fail "debug: check-debug on debug-5.10 (suite, random, load cycles)" \
		"see $db_log/run.out"
fi
sed -n 's/^  kernel build: *//p' "$db_log/run.out" >&2

# Each deliberate bug must make check-debug fail with its checker's report.
db_bites() { # BREAK EXPECTED-REPORT
	check_fails "debug: check-debug catches a deliberate $1 bug ($2)" "$2" \
		env KSF_DEBUG_BREAK="$1" KSF_DEBUG_OPS=1000 KSF_DEBUG_SECONDS=5 \
		"$KSF_TOP/scripts/check-debug"
}
db_bites sleep "sleep report of the module .*BUG: sleeping function called from invalid context"
db_bites uaf "kasan report of the module .*BUG: KASAN: use-after-free in ksf_"
db_bites leak "kmemleak report of the module"
