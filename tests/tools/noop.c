// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The exec target of bench/run.sh and the host tests: exits 0 at once. Built static;
 * with -DHBC_NOOP_START (and -nostdlib) the entry point is ours and makes the
 * exit_group syscall directly, so an exec costs the kernel work only.
 */
#if defined(__x86_64__)
#define EXIT_GROUP_0 "mov $231, %eax\n\txor %edi, %edi\n\tsyscall\n\thlt"
#elif defined(__aarch64__)
#define EXIT_GROUP_0 "mov x8, #94\n\tmov x0, #0\n\tsvc #0\n\tbrk #0"
#elif defined(__riscv)
#define EXIT_GROUP_0 "li a7, 94\n\tli a0, 0\n\tecall\n\tebreak"
#elif defined(__arm__)
#define EXIT_GROUP_0 "mov r7, #248\n\tmov r0, #0\n\tsvc #0\n\tudf #0"
#elif defined(__powerpc64__)
#define EXIT_GROUP_0 "li 0, 234\n\tli 3, 0\n\tsc\n\ttrap"
#elif defined(__s390x__)
#define EXIT_GROUP_0 "lghi %r2, 0\n\tsvc 248\n\t.short 0"
#endif

#if defined(HBC_NOOP_START) && defined(EXIT_GROUP_0)
__attribute__((naked, noreturn)) void _start(void)
{
	__asm__ volatile(EXIT_GROUP_0);
}
#elif defined(HBC_NOOP_START)
#error "no _start for this architecture: build without -DHBC_NOOP_START"
#else
int main(void)
{
	return 0;
}
#endif
