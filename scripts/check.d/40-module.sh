# SPDX-License-Identifier: GPL-2.0
# kvm_ss_fix.ko on the kernels it fixes and on the ones it leaves alone.
# Sourced by scripts/check.

m_guest=$KSF_BUILD/guest
m_vmrun="$KSF_TOP/scripts/vm-run"

# The quick look: stock 5.10 must lose steps (a pass there means the test
# cannot see the bug), and every other configuration must not.
check_fails "module: ss-smoke on stock 5.10 loses steps (expected failure)" \
	"not ok 1 ss-smoke" "$m_vmrun" -k 5.10 -f "$m_guest/ss-smoke" -- ./ss-smoke
check_cmd "module: ss-smoke on 5.10 with the module" \
	"$m_vmrun" -k 5.10 -m -f "$m_guest/ss-smoke" -- ./ss-smoke
# m_smoke ID HOW LINE: ss-smoke on ID alone, then with the module, which
# must say LINE (a prefix of its load line) in dmesg, and that it provides
# KVM_GUESTDBG_BLOCKIRQ (the bed's hosts are VHE with a GICv3)
m_smoke() {
	check_cmd "module: ss-smoke on $1" \
		"$m_vmrun" -k "$1" -f "$m_guest/ss-smoke" -- ./ss-smoke
	check_cmd "module: ss-smoke on $1 with the module ($2)" \
		"$m_vmrun" -k "$1" -m -f "$m_guest/ss-smoke" -- sh -c \
		"./ss-smoke && dmesg | grep -qF '$3' &&
		 dmesg | grep -qF 'kvm_ss_fix: KVM_GUESTDBG_BLOCKIRQ provided: '"
}
# The other kernels the module fixes (scripts/kernels: 6.1 - 6.13) step
# right on their own but for the early return; the module is active
# there for that rule (R3) alone.
for m_id in $(kernel_ids from=debian kvm=yes module=fixes); do
	[ "$m_id" != 5.10 ] || continue
	m_smoke "$m_id" "active, rule R3" "kvm_ss_fix: active: KVM_RUN loses the step owed"
done
# Where the step rules are inactive (scripts/kernels) it must load, say
# so and why, and change nothing of the stepping.
for m_id in $(kernel_ids from=debian kvm=yes module=inactive); do
	m_smoke "$m_id" inactive "kvm_ss_fix: step rules inactive: kernel already right: "
done

# The interrupt hold-back's parameter, on 5.10 and 7.3: the hold is the
# same code on every generation, and 6.1+mod and 6.12+mod run the flag's
# selftests.  The selftest binary is 30-selftests' (built here when run
# alone); each run steps the whole suite three times, about 2.5 min.
[ -x "$KSF_BUILD/selftests/ss_conformance" ] ||
	check_cmd "module: selftests built" make --no-print-directory -C "$KSF_TOP" selftests
for m_id in 5.10 7.3; do
	check_cmd "module: block_irq_when_stepping holds interrupts back ($m_id)" \
		"$m_vmrun" -k "$m_id" -f "$m_guest/module-blockirq.sh" \
		-f "$KSF_BUILD/selftests/ss_conformance" -f "$m_guest/ss-bench" \
		-f "$KSF_BUILD/$m_id/kvm_ss_fix.ko" -- ./module-blockirq.sh
done

for m_id in 5.10 6.12; do
	check_cmd "module: hot probes armed only while a vCPU steps ($m_id)" \
		"$m_vmrun" -k "$m_id" -f "$m_guest/module-arming.sh" -f "$m_guest/ss-smoke" \
		-f "$KSF_BUILD/$m_id/kvm_ss_fix.ko" -- ./module-arming.sh
done
check_cmd "module: bad parameters and double load refused cleanly" \
	"$m_vmrun" -k 5.10 -f "$m_guest/module-bad-input.sh" \
	-f "$KSF_BUILD/5.10/kvm_ss_fix.ko" -- ./module-bad-input.sh

# PREEMPT_RT: Debian's 5.10 RT kernel is kernel id 5.10-rt.  It is built
# without KVM, so no part of the module can run there (its refusal of an
# RT kernel with KVM is unit-tested in model/test_detect.c); the module
# must still build against it.
m_rt_no_kvm() {
	local cfg
	"$KSF_TOP/scripts/fetch-kernels" 5.10-rt >/dev/null || return 1
	cfg=$(kernel_dir 5.10-rt)/headers/.config
	grep -qx 'CONFIG_PREEMPT_RT=y' "$cfg" && grep -qx '# CONFIG_KVM is not set' "$cfg"
}
check_cmd "module: Debian's 5.10 PREEMPT_RT kernel (5.10-rt) has no KVM" m_rt_no_kvm
check_cmd "module: builds for 5.10-rt" "$KSF_TOP/scripts/build-module" 5.10-rt

# The per-exit hooks armed and disarmed again and again (disarm after
# 1 ms) while other vCPUs sit in the guest: stops exact, every cycle seen.
check_cmd "module: hooks armed and disarmed while vCPUs sit in the guest" \
	"$m_vmrun" -k 5.10 -f "$m_guest/ss-armcycle" -f "$KSF_BUILD/5.10/kvm_ss_fix.ko" \
	-- sh -c 'insmod ./kvm_ss_fix.ko disarm_delay_ms=1 && ./ss-armcycle 10 2'

# m_load_cycles ID N: insmod/rmmod N times on kernel ID while two vCPUs
# single-step; stops taken with the module loaded throughout must be
# exact, no record may outlive its VM.
m_load_cycles() {
	local id=$1 n=$2 what log
	what="module: $n load cycles under 2 stepping vCPUs on $id"
	log=$KSF_BUILD/check/module-cycle-$id.log
	if "$m_vmrun" -k "$id" -t 600 -f "$m_guest/ss-stress" -f "$m_guest/module-cycle.sh" \
		-f "$KSF_BUILD/$id/kvm_ss_fix.ko" -- ./module-cycle.sh "$n" 2 >"$log" 2>&1; then
		record pass "$what" "$(grep -h '^ss-stress:\|^module-cycle:' "$log" | tr '\n' ' ')"
	else
		tail -n 20 "$log" >&2
		record fail "$what" "see $log"
	fi
}
m_load_cycles 5.10 100
# on 6.12 the module sets the kernel's own flag
m_load_cycles 6.12 30
# ... and the same check must catch a module that does nothing.
check_fails "module: load-cycle check catches a disabled module (enable=0)" \
	"mismatches [1-9]" "$m_vmrun" -k 5.10 -f "$m_guest/ss-stress" \
	-f "$m_guest/module-cycle.sh" -f "$KSF_BUILD/5.10/kvm_ss_fix.ko" -- \
	env KSF_INSMOD_ARGS=enable=0 ./module-cycle.sh 10 2
