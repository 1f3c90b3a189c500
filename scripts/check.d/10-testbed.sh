# SPDX-License-Identifier: GPL-2.0
# Test bed: every kernel boots with KVM, runs a VM, and vm-run reports its
# own failures clearly.  Sourced by scripts/check.

tb_smoke=$KSF_BUILD/guest/kvm-smoke

for tb_id in $KSF_DEBIAN_IDS; do
	check_cmd "testbed: $tb_id boots, runs a VM" \
		"$KSF_TOP/scripts/vm-run" -k "$tb_id" -f "$tb_smoke" -- ./kvm-smoke
	check_cmd "testbed: $tb_id loads and unloads the module" \
		"$KSF_TOP/scripts/vm-run" -k "$tb_id" -m -- rmmod kvm_ss_fix
done

check_fails "testbed: vm-run -t 1 times out" "timeout:" \
	"$KSF_TOP/scripts/vm-run" -k 5.10 -t 1 -- sleep 60
check_fails "testbed: vm-run unknown kernel id" "unknown kernel id" \
	"$KSF_TOP/scripts/vm-run" -k no-such-kernel -- true
check_fails "testbed: vm-run missing file" "file not found" \
	"$KSF_TOP/scripts/vm-run" -k 5.10 -f /nonexistent -- true
check_fails "testbed: vm-run unknown option" "unknown option" \
	"$KSF_TOP/scripts/vm-run" -k 5.10 -Z -- true
check_fails "testbed: vm-run passes on CMD's status" "" \
	"$KSF_TOP/scripts/vm-run" -k 5.10 -- false
check_fails "testbed: vm-run fails on a WARNING in dmesg" "warnings or oopses" \
	"$KSF_TOP/scripts/vm-run" -k 5.10 -- sh -c 'echo "WARNING: injected by test" >/dev/kmsg'

tb_cache=$(mktemp -d)
check_fails "testbed: no kernel cache and no network" "cannot reach the Debian archive" \
	env KSF_CACHE="$tb_cache" KSF_MIRROR=http://127.0.0.1:9/debian \
	"$KSF_TOP/scripts/vm-run" -k 6.1 -- true
if [ -z "$(find "$tb_cache/kernels" -mindepth 1 2>/dev/null)" ]; then
	record pass "testbed: failed fetch leaves no partial kernel"
else
	record fail "testbed: failed fetch leaves no partial kernel" \
		"$(find "$tb_cache/kernels" -mindepth 1 | head -n3 | xargs)"
fi
rm -rf "$tb_cache"
