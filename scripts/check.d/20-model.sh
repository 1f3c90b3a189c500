# SPDX-License-Identifier: GPL-2.0
# The step rules on the host: model/ builds kvm_ss_fix/ss_rules.c for
# this machine and checks predicted stops; and the module's kernel
# detection (kvm_ss_fix/detect.h) on made-up kernels, and the interrupt
# hold-back rules (kvm_ss_fix/irq_rules.h).  Sourced by scripts/check.

mo_src=$("$KSF_TOP/scripts/fetch-source" 6.1)

# mo_run TARGET NAME: make -C model TARGET, its TAP totals recorded as NAME
mo_run() {
	local log=$KSF_BUILD/check/$1.tap status=pass
	make -s -C "$KSF_TOP/model" KSFT_DIR="$mo_src/tools/testing/selftests" \
		OUTPUT="$KSF_BUILD/check" CC=gcc "$1" >"$log" 2>&1 || status=fail
	[ "$status" = pass ] || grep -v '^#  RUN\|^#  *OK' "$log" | tail -n 20 >&2
	record "$status" "$2" "$(sed -n 's/^# Totals: //p' "$log")"
}

mo_run run "model: step rules unit tests"
mo_run run-detect "model: kernel detection unit tests"
mo_run run-irq "model: interrupt hold-back rules unit tests"
