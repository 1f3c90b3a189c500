# SPDX-License-Identifier: GPL-2.0
# Build everything the later steps run.  Sourced by scripts/check.

"$KSF_TOP/scripts/fetch-kernels" || record fail "build: fetch kernels"
for b_id in $KSF_DEBIAN_IDS; do
	check_cmd "build: kvm_ss_fix.ko for $b_id" "$KSF_TOP/scripts/build-module" "$b_id"
done
check_cmd "build: test-bed guest programs" "$KSF_TOP/scripts/build-guest"
