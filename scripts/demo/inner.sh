#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside a vm-run guest with the demo image on /disk: starts Debian's
# qemu-system-aarch64 on KVM with its gdbstub holding guest.elf, then
# Debian's gdb steps through it (demo.gdb).  Everything on stdout is read
# by scripts/demo/run.
D=/disk
die() { echo "inner: error: $*"; exit 1; }

[ -x $D/usr/bin/qemu-system-aarch64 ] || die "no demo image on $D"
mount -t devtmpfs dev $D/dev && mount -t proc proc $D/proc &&
	mount -t sysfs sys $D/sys && mount -t tmpfs tmp $D/tmp ||
	die "cannot mount /dev, /proc, /sys, /tmp in $D"
cp guest.elf demo.gdb $D/tmp/
ip link set lo up || die "cannot bring up lo"

echo "@qemu $(chroot $D /usr/bin/qemu-system-aarch64 --version | head -n1)"
echo "@gdb $(chroot $D /usr/bin/gdb --version | head -n1)"

chroot $D /usr/bin/qemu-system-aarch64 -M virt,gic-version=3 -accel kvm \
	-cpu host -smp 1 -m 64 -nodefaults -display none -nic none \
	-kernel /tmp/guest.elf -S -gdb tcp:127.0.0.1:1234 2>/tmp/qemu.err &
qemu=$!
# wait for the gdbstub: port 1234 (04D2) listening (0A) on 127.0.0.1
n=0
until grep -q '0100007F:04D2 00000000:0000 0A' /proc/net/tcp; do
	kill -0 $qemu 2>/dev/null || die "qemu exited: $(head -n1 /tmp/qemu.err)"
	[ $n -lt 600 ] || die "qemu's gdbstub did not listen within 60 s"
	sleep 0.1
	n=$((n + 1))
done
timeout 120 chroot $D /usr/bin/gdb -nx -batch -x /tmp/demo.gdb 2>&1
rc=$?
kill $qemu 2>/dev/null
wait $qemu
[ $rc = 0 ] || die "gdb failed (exit $rc)"
