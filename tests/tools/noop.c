// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The exec target of bench/run.sh and the host tests: exits 0 at once. Built static; with
 * -DHBC_NOOP_START (and -nostdlib) the entry point is ours and makes the
 * exit_group syscall directly, so an exec costs the kernel work only.
 */
#if defined(HBC_NOOP_START) && defined(__x86_64__)
__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov $231, %eax\n\t"	/* __NR_exit_group */
			 "xor %edi, %edi\n\t"
			 "syscall\n\t"
			 "hlt");
}
#elif defined(HBC_NOOP_START) && defined(__aarch64__)
__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("mov x8, #94\n\t"	/* __NR_exit_group */
			 "mov x0, #0\n\t"
			 "svc #0\n\t"
			 "brk #0");
}
#elif defined(HBC_NOOP_START) && defined(__riscv)
__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile("li a7, 94\n\t"	/* __NR_exit_group */
			 "li a0, 0\n\t"
			 "ecall\n\t"
			 "ebreak");
}
#elif defined(HBC_NOOP_START)
#error "no _start for this architecture: build without -DHBC_NOOP_START"
#else
int main(void)
{
	return 0;
}
#endif
