// SPDX-License-Identifier: MIT
/* System-call wrappers: the ABI of <uapi/bora/syscall.h>. */
#include <user.h>

long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a4 __asm__("a4") = a4;
	register long r_a5 __asm__("a5") = a5;
	register long r_a7 __asm__("a7") = nr;

	__asm__ volatile("ecall"
	                 : "+r"(r_a0), "+r"(r_a1), "+r"(r_a2), "+r"(r_a3), "+r"(r_a4), "+r"(r_a5),
	                   "+r"(r_a7)
	                 :
	                 : "memory", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a6", "ra");
	return r_a0;
}

#define SC0(nr)          syscall6(nr, 0, 0, 0, 0, 0, 0)
#define SC1(nr, a)       syscall6(nr, (long)(a), 0, 0, 0, 0, 0)
#define SC2(nr, a, b)    syscall6(nr, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(nr, a, b, c) syscall6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

long sys_null(void)
{
	return SC0(SYS_NULL);
}

void sys_exit(int status)
{
	SC1(SYS_EXIT, status);
	for (;;)
		;
}

long sys_yield(void)
{
	return SC0(SYS_YIELD);
}

long sys_sleep(unsigned long ms)
{
	return SC1(SYS_SLEEP, ms);
}

long sys_write(const void *buf, size_t len)
{
	return SC2(SYS_WRITE, buf, len);
}

long sys_read(void *buf, size_t len)
{
	return SC2(SYS_READ, buf, len);
}

long sys_mmap(void *addr, size_t len, int prot)
{
	return SC3(SYS_MMAP, addr, len, prot);
}

long sys_munmap(void *addr, size_t len)
{
	return SC2(SYS_MUNMAP, addr, len);
}

long sys_mprotect(void *addr, size_t len, int prot)
{
	return SC3(SYS_MPROTECT, addr, len, prot);
}

long sys_thread_create(void (*entry)(void *), void *stack_top, void *arg)
{
	return SC3(SYS_THREAD_CREATE, entry, stack_top, arg);
}

void sys_thread_exit(void)
{
	SC0(SYS_THREAD_EXIT);
	for (;;)
		;
}

long sys_spawn(const char *name, const char *const *argv, int argc)
{
	return SC3(SYS_SPAWN, name, argv, argc);
}

long sys_wait(long task_id, int *status)
{
	return SC2(SYS_WAIT, task_id, status);
}

long sys_task_id(void)
{
	return SC0(SYS_TASK_ID);
}

long sys_kill(long task_id)
{
	return SC1(SYS_KILL, task_id);
}
