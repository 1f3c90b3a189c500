# SPDX-License-Identifier: GPL-2.0
#
# kvm-ss-fix top-level make.  Everything arm64 is cross-built on x86_64
# and run under qemu-system-aarch64 through scripts/vm-run.
#
#   make                 build module + selftests for every kernel id
#   make KERNEL=ID       ... for one kernel id (scripts/kernels: the Debian
#                        ids with KVM, and 5.10-rt, patched-5.10, ...)
#   make run             the main job: build and demonstrate on 5.10
#                        (raw KVM stepping table, then gdb via QEMU's gdbstub)
#   make demo            only the gdb sessions (steps, interrupts)
#   make check           every test; ends with "N passed, N failed"
#   make check-debug     the module's tests on debug-5.10 (lockdep, KASAN,
#                        kmemleak, ...); KSF_DEBUG_BREAK=sleep|uaf|leak
#                        tests a deliberately broken module (must fail)
#   make check-dkms      dkms add/build/install of the module inside 5.10,
#                        6.12 and 7.3 with a Debian arm64 userland of their own
#                        (KSF_DKMS_KERNELS), then modprobe and the selftests
#   make bench           the module's cost, with/without, in one boot per
#                        kernel of BENCH_KERNELS (5.10 and 7.3)
#   make readme-table    README's kernel table from scripts/kernels and the
#                        last make check
#
# On an arm64 host, the module alone builds with the top-level Kbuild:
#   make -C /lib/modules/$(uname -r)/build M=$PWD modules

# The Debian kernel ids that run KVM, from THE table (scripts/kernels).
KERNELS := $(shell scripts/kernel-table ids from=debian kvm=yes)
ifeq ($(KERNELS),)
$(error no kernel ids from scripts/kernel-table)
endif
KERNEL ?= $(KERNELS)
BUILD := build
CROSS := ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC=aarch64-linux-gnu-gcc

.PHONY: all deps fetch module guest selftests run demo check check-debug check-dkms bench stress \
	readme-table clean distclean

all: module guest selftests

deps:
	@scripts/install-deps

fetch: deps
	@scripts/fetch-kernels $(KERNEL)

module: fetch
	@set -e; for k in $(KERNEL); do scripts/build-module $$k; done

guest: deps
	@scripts/build-guest

selftests: deps
	@$(MAKE) --no-print-directory -C selftests $(CROSS) \
		OUTPUT=$(CURDIR)/$(BUILD)/selftests
	@set -e; for k in $(KERNEL); do \
		mkdir -p $(BUILD)/$$k; \
		rm -rf $(BUILD)/$$k/selftests; \
		cp -a $(BUILD)/selftests $(BUILD)/$$k/selftests; \
	done

run: deps
	@scripts/run-demo
	@scripts/demo/run

demo: deps
	@scripts/demo/run

check: deps
	@scripts/check

check-debug: deps
	@scripts/check-debug

check-dkms: deps
	@scripts/check-dkms

# the kernel the module fixes, and the newest, where it only watches
BENCH_KERNELS ?= 5.10 7.3

bench: deps
	@set -e; for k in $(BENCH_KERNELS); do scripts/bench $$k; done

stress: deps
	@scripts/stress

# README's kernel x result table, from scripts/kernels and the results
# of the last make check (build/check)
readme-table:
	@scripts/kernel-table write-readme $(CURDIR)/$(BUILD)/check

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf .cache
