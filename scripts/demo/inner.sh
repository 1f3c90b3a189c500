#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# inner.sh [PART...]: runs inside a vm-run guest with the demo image on
# /disk.  For each PART (default: steps) Debian's qemu-system-aarch64
# starts on KVM with its gdbstub holding the part's guest, then Debian's
# gdb drives it with the part's script: steps is guest.elf with demo.gdb
# (every instruction boundary), irq is guest-irq.elf with irq.gdb (a
# timer interrupt between the steps).  Everything on stdout is read by
# scripts/demo/run; "@part PART" starts each part's output, "@part-time
# PART START END" (the guest's uptime in seconds) ends it.
D=/disk
die() { echo "inner: error: $*"; exit 1; }

[ -x $D/usr/bin/qemu-system-aarch64 ] || die "no demo image on $D"
mount -t devtmpfs dev $D/dev && mount -t proc proc $D/proc &&
	mount -t sysfs sys $D/sys && mount -t tmpfs tmp $D/tmp ||
	die "cannot mount /dev, /proc, /sys, /tmp in $D"
ip link set lo up || die "cannot bring up lo"

echo "@qemu $(chroot $D /usr/bin/qemu-system-aarch64 --version | head -n1)"
echo "@gdb $(chroot $D /usr/bin/gdb --version | head -n1)"

part() { # elf gdb-script
	cp "$1" "$2" $D/tmp/ || die "no $1 or $2"
	chroot $D /usr/bin/qemu-system-aarch64 -M virt,gic-version=3 -accel kvm \
		-cpu host -smp 1 -m 64 -nodefaults -display none -nic none \
		-kernel "/tmp/$1" -S -gdb tcp:127.0.0.1:1234 2>/tmp/qemu.err &
	qemu=$!
	# wait for the gdbstub: port 1234 (04D2) listening (0A) on 127.0.0.1
	n=0
	until grep -q '0100007F:04D2 00000000:0000 0A' /proc/net/tcp; do
		kill -0 $qemu 2>/dev/null || die "qemu exited: $(head -n1 /tmp/qemu.err)"
		[ $n -lt 600 ] || die "qemu's gdbstub did not listen within 60 s"
		sleep 0.1
		n=$((n + 1))
	done
	timeout 120 chroot $D /usr/bin/gdb -nx -batch -x "/tmp/$2" 2>&1
	rc=$?
	kill $qemu 2>/dev/null
	wait $qemu
	[ $rc = 0 ] || die "gdb failed (exit $rc)"
}

[ $# -gt 0 ] || set -- steps
for p in "$@"; do
	echo "@part $p"
	t0=$(cut -d' ' -f1 /proc/uptime)
	case $p in
	steps) part guest.elf demo.gdb ;;
	irq) part guest-irq.elf irq.gdb ;;
	*) die "unknown part '$p'" ;;
	esac
	echo "@part-time $p $t0 $(cut -d' ' -f1 /proc/uptime)"
done
