# gdb script of the demo: connect to the inner QEMU's gdbstub and stepi
# over the whole guest, printing where every step stops.  scripts/demo/run
# replaces @STEPS@ with the number of instruction boundaries in the guest.
set pagination off
set confirm off
set width 0
target remote 127.0.0.1:1234
printf "@start\n"
info registers pc
x/i $pc
set $n = 0
while $n < @STEPS@
	stepi
	set $n = $n + 1
	printf "@step %d\n", $n
	info registers pc
	x/i $pc
end
kill
