// SPDX-License-Identifier: MIT
#include <bora/irq.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/thread.h>
#include <bora/trap.h>
#include <bora/uaccess.h>
#include <asm/csr.h>
#include <asm/isa.h>
#include <asm/trap.h>

/* Exception names from the privileged spec, table 4.2. */
static const char *const exception_names[] = {
    [EXC_INST_MISALIGNED] = "instruction address misaligned",
    [EXC_INST_ACCESS] = "instruction access fault",
    [EXC_ILLEGAL_INST] = "illegal instruction",
    [EXC_BREAKPOINT] = "breakpoint",
    [EXC_LOAD_MISALIGNED] = "load address misaligned",
    [EXC_LOAD_ACCESS] = "load access fault",
    [EXC_STORE_MISALIGNED] = "store/AMO address misaligned",
    [EXC_STORE_ACCESS] = "store/AMO access fault",
    [EXC_ECALL_U] = "environment call from U-mode",
    [EXC_ECALL_S] = "environment call from S-mode",
    [EXC_INST_PAGE_FAULT] = "instruction page fault",
    [EXC_LOAD_PAGE_FAULT] = "load page fault",
    [EXC_STORE_PAGE_FAULT] = "store/AMO page fault",
};

static const char *const interrupt_names[] = {
    [1] = "supervisor software interrupt",
    [5] = "supervisor timer interrupt",
    [9] = "supervisor external interrupt",
};

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static struct {
	bool armed;
	uint64_t cause;
	struct trap_record rec;
} expectation;

const char *trap_cause_name(uint64_t scause)
{
	uint64_t code = scause & ~SCAUSE_INTERRUPT;
	const char *name = NULL;

	if (scause & SCAUSE_INTERRUPT) {
		if (code < ARRAY_SIZE(interrupt_names))
			name = interrupt_names[code];
	} else if (code < ARRAY_SIZE(exception_names)) {
		name = exception_names[code];
	}
	return name ? name : "unknown";
}

void trap_expect(uint64_t cause)
{
	expectation.rec = (struct trap_record){0};
	expectation.cause = cause;
	__atomic_store_n(&expectation.armed, true, __ATOMIC_SEQ_CST);
}

struct trap_record trap_expect_result(void)
{
	__atomic_store_n(&expectation.armed, false, __ATOMIC_SEQ_CST);
	return expectation.rec;
}

static bool is_fetch_fault(uint64_t code)
{
	return code == EXC_INST_MISALIGNED || code == EXC_INST_ACCESS ||
	       code == EXC_INST_PAGE_FAULT;
}

static void resume_after(struct trap_frame *tf)
{
	uint64_t code = tf->scause;

	if (is_fetch_fault(code)) {
		tf->sepc = tf->regs[1]; /* back to the caller of the bad target */
		return;
	}
	/* Instruction length from its low bits (unprivileged spec 1.5): 11 = 32-bit. */
	tf->sepc += ((*(volatile uint16_t *)tf->sepc & 3) == 3) ? 4 : 2;
}

static void report(const struct trap_frame *tf)
{
	printk("\nUnhandled trap: %s (scause %#lx)\n", trap_cause_name(tf->scause),
	       (unsigned long)tf->scause);
	printk("  sepc %016lx  stval %016lx  sstatus %016lx\n", (unsigned long)tf->sepc,
	       (unsigned long)tf->stval, (unsigned long)tf->sstatus);
	for (int i = 1; i < 32; i++)
		printk("  %-4s %016lx%s", reg_names[i], (unsigned long)tf->regs[i],
		       (i % 4 == 3) ? "\n" : "");
	backtrace_from(tf->regs[8], tf->sepc);
}

/* Kernel stacks and the guard page under each (left unmapped by the full remap). */
static const struct {
	const char *name;
	const char *guard; /* [guard, stack) faults */
	const char *stack;
} stack_guards[] = {
    {"the boot stack", _sstack_guard, _sstack},
};

/* "the boot stack", "thread 'shell' (id 3)", or NULL when the fault is no overflow. */
static const char *overflowed_stack(const struct trap_frame *tf, char *buf, size_t len)
{
	const struct thread *t;

	if (tf->scause != EXC_LOAD_PAGE_FAULT && tf->scause != EXC_STORE_PAGE_FAULT)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(stack_guards); i++)
		if (tf->stval >= (uintptr_t)stack_guards[i].guard &&
		    tf->stval < (uintptr_t)stack_guards[i].stack)
			return stack_guards[i].name;
	/* Thread stacks from frames, each with an unmapped guard page below (kernel/thread.c). */
	t = thread_guard_owner(tf->stval);
	if (!t)
		return NULL;
	ksnprintf(buf, len, "thread '%s' (id %zu)", t->name, t->id);
	return buf;
}

/* trap_entry already moved to trap_overflow_stack for this trap. */
static void __attribute__((noreturn)) report_overflow(struct trap_frame *tf, const char *name)
{
	report(tf);
	panic_after_report("stack overflow in %s: guard page hit at %#lx (sp %#lx)", name,
	                   (unsigned long)tf->stval, (unsigned long)tf->regs[2]);
}

/* An illegal instruction in the kernel's own code that the build chose (Kconfig) names the option.
 */
static void __attribute__((noreturn)) report_missing_extension(const struct trap_frame *tf)
{
	/* Two halfword loads: with the C extension a 32-bit instruction may be 2-byte aligned. */
	const volatile uint16_t *at = (const volatile uint16_t *)tf->sepc;
	uint32_t insn = at[0] | (uint32_t)at[1] << 16;
	const char *hint = arch_isa_missing_hint(insn);

	if (hint)
		panic_after_report("illegal instruction %#x at sepc %#lx is %s", insn,
		                   (unsigned long)tf->sepc, hint);
	panic_after_report("%s at sepc %#lx, stval %#lx", trap_cause_name(tf->scause),
	                   (unsigned long)tf->sepc, (unsigned long)tf->stval);
}

/* A fault on a user address inside copy_*_user: continue at the copy's fixup (-EFAULT). */
static bool fixup_user_access(struct trap_frame *tf)
{
	uintptr_t fixup;

	if (tf->scause != EXC_LOAD_PAGE_FAULT && tf->scause != EXC_STORE_PAGE_FAULT &&
	    tf->scause != EXC_LOAD_ACCESS && tf->scause != EXC_STORE_ACCESS)
		return false;
	fixup = extable_fixup(tf->sepc);
	if (fixup)
		tf->sepc = fixup;
	return fixup != 0;
}

void trap_handle(struct trap_frame *tf)
{
	const char *stack;
	char name[48];

	if (tf->scause & SCAUSE_INTERRUPT) {
		irq_trap(tf);
		return;
	}
#ifdef CONFIG_USERSPACE
	/* Exceptions from U-mode (ecall, faults) belong to the task; interrupts go on below. */
	if (!(tf->sstatus & SSTATUS_SPP) && !(tf->scause & SCAUSE_INTERRUPT)) {
		user_exception(tf);
		return;
	}
#endif
	if (fixup_user_access(tf))
		return;

	if (!(tf->scause & SCAUSE_INTERRUPT) && expectation.armed &&
	    tf->scause == expectation.cause) {
		expectation.armed = false;
		expectation.rec = (struct trap_record){
		    .hit = true, .cause = tf->scause, .sepc = tf->sepc, .stval = tf->stval};
		resume_after(tf);
		return;
	}
	stack = overflowed_stack(tf, name, sizeof(name));
	if (stack)
		report_overflow(tf, stack);
	report(tf);
	if (tf->scause == EXC_ILLEGAL_INST)
		report_missing_extension(tf);
	panic_after_report("%s at sepc %#lx, stval %#lx", trap_cause_name(tf->scause),
	                   (unsigned long)tf->sepc, (unsigned long)tf->stval);
}
