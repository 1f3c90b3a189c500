# SPDX-License-Identifier: GPL-2.0
# Kernel style: checkpatch --strict must report nothing on the project's
# C sources.  Sourced by scripts/check.

st_src=$("$KSF_TOP/scripts/fetch-source" 6.1)
for st_dir in kvm_ss_fix model scripts/guest selftests; do
	st_files=$(cd "$KSF_TOP" && git ls-files "$st_dir/*.c" "$st_dir/*.h" 2>/dev/null)
	[ -n "$st_files" ] || continue
	st_out=$(cd "$KSF_TOP" && "$st_src/scripts/checkpatch.pl" --no-tree --strict \
		--terse --show-types -f $st_files 2>&1 | grep -v '^total: 0 errors, 0 warnings, 0 checks')
	if [ -z "$st_out" ]; then
		record pass "style: checkpatch --strict $st_dir/"
	else
		echo "$st_out" | head -n 20 >&2
		record fail "style: checkpatch --strict $st_dir/" \
			"$(echo "$st_out" | grep -c ':[0-9]*: ')"
	fi
done
