# gdb script of the demo's interrupt part (guest-irq.S): let the setup
# run to `loop`, stepi @STEPS@ times printing every stop's PC, then
# continue to `done` and print the handler's count (x19) at each point.
# scripts/demo/run replaces @STEPS@, @LOOP@ and @DONE@.
set pagination off
set confirm off
set width 0
target remote 127.0.0.1:1234
break *@LOOP@
continue
delete
printf "@irq-loop pc 0x%lx count %d\n", $pc, $x19
set $n = 0
while $n < @STEPS@
	stepi
	set $n = $n + 1
	printf "@irq-step %d pc 0x%lx\n", $n, $pc
end
printf "@irq-stepped count %d\n", $x19
break *@DONE@
continue
printf "@irq-done pc 0x%lx count %d\n", $pc, $x19
kill
