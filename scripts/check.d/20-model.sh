# SPDX-License-Identifier: GPL-2.0
# The step rules on the host: model/ builds kvm_ss_fix/ss_rules.c for
# this machine and checks predicted stops; and the module's kernel
# detection (kvm_ss_fix/detect.h) on made-up kernels.  Sourced by
# scripts/check.

mo_src=$("$KSF_TOP/scripts/fetch-source" 6.1)
mo_log=$KSF_BUILD/check/model.tap
if make -s -C "$KSF_TOP/model" KSFT_DIR="$mo_src/tools/testing/selftests" \
	OUTPUT="$KSF_BUILD/check" CC=gcc run >"$mo_log" 2>&1; then
	mo_status=pass
else
	mo_status=fail
	grep -v '^#  RUN\|^#  *OK' "$mo_log" | tail -n 20 >&2
fi
record "$mo_status" "model: step rules unit tests" \
	"$(sed -n 's/^# Totals: //p' "$mo_log")"

mo_log=$KSF_BUILD/check/detect.tap
if make -s -C "$KSF_TOP/model" KSFT_DIR="$mo_src/tools/testing/selftests" \
	OUTPUT="$KSF_BUILD/check" CC=gcc run-detect >"$mo_log" 2>&1; then
	mo_status=pass
else
	mo_status=fail
	grep -v '^#  RUN\|^#  *OK' "$mo_log" | tail -n 20 >&2
fi
record "$mo_status" "model: kernel detection unit tests" \
	"$(sed -n 's/^# Totals: //p' "$mo_log")"
