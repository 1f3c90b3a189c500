# SPDX-License-Identifier: GPL-2.0
# DKMS on a real arm64 Debian userland (issue 15): scripts/check-dkms on
# each kernel of KSF_DKMS_KERNELS (5.10 with bullseye, 6.12 with bookworm
# and bookworm-security, 7.3 with trixie and trixie-backports): dkms add, build and install of the project's tree
# inside the running test kernel, modprobe, the load line, the selftests
# with the module (ID+mod of selftests/expected-results), dkms remove.
# Its Debian roots are cached in $KSF_CACHE/dkms-roots (scripts/dkms-root;
# a cold run makes them, a few minutes each).  Sourced by scripts/check.

dk_log=$KSF_BUILD/check/dkms
mkdir -p "$dk_log"
for dk_id in ${KSF_DKMS_KERNELS:-5.10 6.12 7.3}; do
	dk_name="dkms: add, build, install, modprobe, selftests, remove on $dk_id"
	# progress on the terminal as it comes, the verdict in the .out file
	"$KSF_TOP/scripts/check-dkms" "$dk_id" 2>&1 >"$dk_log/$dk_id.out" |
		tee "$dk_log/$dk_id.err" >&2
	if [ "${PIPESTATUS[0]}" = 0 ]; then
		record pass "$dk_name" "$(sed -n 's/^PASS dkms on [^ ]* (\(.*\))$/\1/p' "$dk_log/$dk_id.out")"
	else
		record fail "$dk_name" "$(sed -n 's/^FAIL dkms on [^ ]* (\(.*\))$/\1/p' "$dk_log/$dk_id.out" |
			grep . || tail -n1 "$dk_log/$dk_id.err")"
	fi
done
