// SPDX-License-Identifier: MIT
/*
 * Kernel threads: creation, stacks, exit and join, the thread table `ps`
 * reads. The scheduling itself lives in kernel/sched.c.
 *
 * A stack is `pages` frames plus one guard frame below them. Under
 * CONFIG_PAGING_FULL_REMAP the guard is unmapped from the kernel table (the
 * linear map), so an overflow faults at once and the trap handler names the
 * thread (thread_guard_owner). The usable stack is filled with STACK_FILL so
 * the high-water mark can be read back, and its lowest word holds
 * STACK_SENTINEL, checked at every switch with CONFIG_THREAD_STACK_SENTINEL.
 */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/id_alloc.h>
#include <bora/kmalloc.h>
#include <bora/mutex.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/percpu.h>
#include <bora/remap.h>
#include <bora/sched.h>
#include <bora/smp.h>
#include <bora/spinlock.h>
#include <bora/string.h>
#include <bora/thread.h>
#include <asm/csr.h>
#include <asm/trap.h>

#include "sched_internal.h"

#define STACK_FILL      0x5a5a5a5a5a5a5a5aULL
#define STACK_MAX_BYTES (1UL << 20)

_Static_assert(offsetof(struct thread, ctx) == 0, "switch.S takes &thread->ctx == thread");
_Static_assert(offsetof(struct thread, stack_base) == THREAD_OFFSET_STACK_BASE,
               "trap_entry.S reads thread->stack_base at THREAD_OFFSET_STACK_BASE");

void thread_entry_trampoline(void);
void thread_start(struct thread *prev);

static struct thread main_thread;
static struct thread *thread_table[CONFIG_MAX_THREADS]; /* by id, under sched_lock */
static uint64_t id_storage[id_storage_bytes(CONFIG_MAX_THREADS) / 8];
static struct id_bitmap thread_ids;
static size_t live_threads;

const char *thread_state_name(enum thread_state s)
{
	static const char *const names[] = {
	    [THREAD_READY] = "ready",     [THREAD_RUNNING] = "running",
	    [THREAD_BLOCKED] = "blocked", [THREAD_SLEEPING] = "sleeping",
	    [THREAD_DEAD] = "dead",
	};

	return (unsigned int)s < ARRAY_SIZE(names) ? names[s] : "?";
}

struct thread *thread_current(void)
{
	return this_cpu()->current;
}

static void copy_name(struct thread *t, const char *name)
{
	size_t n = strnlen(name, THREAD_NAME_MAX - 1);

	memcpy(t->name, name, n);
	t->name[n] = '\0';
}

static void init_fields(struct thread *t, const char *name, unsigned int prio, unsigned int hart)
{
	copy_name(t, name);
	list_init(&t->rq_node.link);
	list_init(&t->wait_link);
	list_init(&t->held_mutexes);
	wait_queue_init(&t->joiners);
	t->rq_node.prio = prio;
	t->base_prio = prio;
	t->hart = hart;
	t->affinity = ~0ULL;
}

/* Under sched_lock: an id and a slot in the table. */
static int register_thread(struct thread *t)
{
	unsigned long flags = sched_lock();
	int err = id_bitmap_alloc(&thread_ids, &t->id);

	if (err == 0) {
		thread_table[t->id] = t;
		live_threads++;
	}
	sched_unlock(flags);
	return err == -ENOMEM ? -EBUSY : err;
}

static void unregister_thread(struct thread *t)
{
	unsigned long flags = sched_lock();

	thread_table[t->id] = NULL;
	id_bitmap_free(&thread_ids, t->id);
	live_threads--;
	sched_unlock(flags);
}

size_t thread_count(void)
{
	return live_threads;
}

static void fill_stack(uintptr_t base, uintptr_t end)
{
	for (uint64_t *p = (uint64_t *)base; p < (uint64_t *)end; p++)
		*p = STACK_FILL;
	*(uint64_t *)base = STACK_SENTINEL;
}

size_t thread_stack_used(const struct thread *t)
{
	const uint64_t *p = (const uint64_t *)t->stack_base + 1;
	const uint64_t *end = (const uint64_t *)(t->stack_base + t->stack_size);

	while (p < end && *p == STACK_FILL)
		p++;
	return (size_t)((uintptr_t)end - (uintptr_t)p);
}

void thread_stack_overflowed(const struct thread *t)
{
	panic("stack overflow in thread '%s' (id %zu): sentinel at %#lx overwritten "
	      "(stack %#lx..%#lx)",
	      t->name, t->id, (unsigned long)t->stack_base, (unsigned long)t->stack_base,
	      (unsigned long)(t->stack_base + t->stack_size));
}

bool thread_stack_contains(uintptr_t addr)
{
	struct percpu *cpu;
	const struct thread *t;

	/* tp is only trustworthy once percpu_init_this_hart has pointed it at itself. */
	__asm__ volatile("mv %0, tp" : "=r"(cpu));
	if (!cpu || cpu->self != cpu || !(t = cpu->current))
		return false;
	return addr >= t->stack_base && addr < t->stack_base + t->stack_size;
}

/* ---- guard pages -------------------------------------------------------------------------------
 */

#ifdef CONFIG_PAGING_FULL_REMAP
#define GUARD_PERM (SV39_PTE_R | SV39_PTE_W | SV39_PTE_G) /* as remap.c maps RAM */

/* The kernel page table is shared: one guard-page change at a time. */
static spinlock_t guard_map_lock = SPINLOCK_INIT;

static int guard_unmap(uintptr_t guard)
{
	struct sv39 *pt = remap_kernel_table();
	int err;

	if (!pt)
		return 0;
	spin_lock(&guard_map_lock);
	err = sv39_unmap_range(pt, guard, PAGE_SIZE);
	spin_unlock(&guard_map_lock);
	return err;
}

static void guard_remap(uintptr_t guard)
{
	struct sv39 *pt = remap_kernel_table();
	int err;

	if (!pt)
		return;
	spin_lock(&guard_map_lock);
	err = sv39_map_range(pt, guard, virt_to_phys((void *)guard), PAGE_SIZE, GUARD_PERM);
	spin_unlock(&guard_map_lock);
	if (err)
		panic("thread: cannot map guard page %#lx back: %s", (unsigned long)guard,
		      errno_name(err));
}
#else
static int guard_unmap(uintptr_t guard)
{
	(void)guard;
	return 0;
}

static void guard_remap(uintptr_t guard)
{
	(void)guard;
}
#endif

struct thread *thread_guard_owner(uintptr_t addr)
{
	/* Called from the trap handler: no lock; the table only grows between reads. */
	for (size_t i = 0; i < CONFIG_MAX_THREADS; i++) {
		struct thread *t = thread_table[i];

		if (t && addr >= t->stack_base - PAGE_SIZE && addr < t->stack_base)
			return t;
	}
	return NULL;
}

/* ---- creation and teardown ---------------------------------------------------------------------
 */

static int alloc_stack(struct thread *t, size_t size)
{
	size_t pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	uintptr_t va;
	int err = frame_alloc(pages + 1, PAGE_SIZE, &va);

	if (err)
		return err;
	err = guard_unmap(va);
	if (err) {
		frame_free(va, pages + 1);
		return err;
	}
	t->stack_base = va + PAGE_SIZE;
	t->stack_size = pages * PAGE_SIZE;
	fill_stack(t->stack_base, t->stack_base + t->stack_size);
	return 0;
}

static void free_stack(struct thread *t)
{
	uintptr_t guard = t->stack_base - PAGE_SIZE;

	guard_remap(guard);
	if (frame_free(guard, t->stack_size / PAGE_SIZE + 1) != 0)
		panic("thread '%s': its stack frames were not allocated", t->name);
}

static struct thread *thread_alloc(const char *name, unsigned int prio, size_t stack_size,
                                   unsigned int hart, int *err)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	init_fields(t, name, prio, hart);
	*err = alloc_stack(t, stack_size);
	if (*err) {
		kfree(t);
		return NULL;
	}
	*err = register_thread(t);
	if (*err) {
		free_stack(t);
		kfree(t);
		return NULL;
	}
	/* The first switch to t "returns" into the trampoline on its empty stack. */
	t->ctx.ra = (uintptr_t)thread_entry_trampoline;
	t->ctx.sp = ALIGN_DOWN(t->stack_base + t->stack_size, 16);
	return t;
}

int thread_create_on(struct thread **out, void (*entry)(void *arg), void *arg,
                     unsigned int priority, size_t stack_size, const char *name, uint64_t affinity)
{
	struct thread *t;
	unsigned long flags;
	int err;

	if (in_interrupt())
		return -EIRQCTX;
	if (!out || !entry || !name || !name[0] || priority >= CONFIG_NUM_PRIORITIES ||
	    stack_size > STACK_MAX_BYTES || !(affinity & smp_online_mask()))
		return -EINVAL;
	t = thread_alloc(name, priority, stack_size ? stack_size : CONFIG_THREAD_STACK_SIZE,
	                 this_cpu()->index, &err);
	if (!t)
		return err;
	t->entry = entry;
	t->arg = arg;
	t->affinity = affinity;
	*out = t;
	flags = sched_lock();
	sched_enqueue(t);
	sched_unlock(flags);
	return 0;
}

int thread_create(struct thread **out, void (*entry)(void *arg), void *arg, unsigned int priority,
                  size_t stack_size, const char *name)
{
	const struct thread *self = thread_current();

	/* The creator's harts, as a child process inherits its parent's (docs/smp.md). */
	return thread_create_on(out, entry, arg, priority, stack_size, name,
	                        self ? self->affinity : ~0ULL);
}

/* First C code of every thread, on its own stack, interrupts still off. */
void thread_start(struct thread *prev)
{
	struct thread *self;

	sched_finish_switch(prev);
	arch_irq_enable();
	self = thread_current();
	self->entry(self->arg);
	thread_exit();
}

void thread_exit(void)
{
	struct thread *self = thread_current();
	unsigned long flags;

	if (self->flags & (THREAD_F_IDLE | THREAD_F_BOOT_STACK))
		panic("thread_exit: the %s thread cannot exit", self->name);
	if (in_interrupt())
		panic("thread_exit: called from an interrupt handler in thread '%s'", self->name);
	flags = sched_lock();
	(void)flags; /* never restored: this thread does not run again */
	if (!list_empty(&self->held_mutexes))
		panic("thread '%s' (id %zu) exits holding a mutex", self->name, self->id);
	wait_queue_wake_all(&self->joiners, 0);
	sched_exit_locked();
}

int thread_join(struct thread *t, k_timeout_t timeout)
{
	unsigned long flags;
	int err = 0;

	if (in_interrupt())
		return -EIRQCTX;
	if (t == thread_current())
		return -EDEADLK;
	if (!t || (t->flags & (THREAD_F_IDLE | THREAD_F_BOOT_STACK)))
		return -EINVAL;
	flags = sched_lock();
	if (t->joining) {
		sched_unlock(flags);
		return -EINVAL;
	}
	if (t->state != THREAD_DEAD) {
		if (timeout_is_no_wait(timeout)) {
			sched_unlock(flags);
			return -EAGAIN;
		}
		t->joining = true;
		err = sched_block(&t->joiners, "join", timeout, flags);
		if (err) {
			flags = sched_lock();
			t->joining = false;
			sched_unlock(flags);
			return err;
		}
	} else {
		sched_unlock(flags);
	}
	/*
	 * With one hart, t switched away for the last time before we could run
	 * (its hart held its run-queue lock across the switch). Another hart
	 * may still be saving its registers on its stack, and a timeout that
	 * expired while t was being woken may still be on its way to t
	 * (sched_time.c): wait for both before freeing.
	 */
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		__asm__ volatile("" ::: "memory");
	for (;;) {
		unsigned int stale;

		flags = sched_lock();
		stale = t->wakeup_stale;
		sched_unlock(flags);
		if (!stale)
			break;
		thread_yield();
	}
	unregister_thread(t);
	free_stack(t);
	kfree(t);
	return 0;
}

/* Tail calls without a frame of their own: the switch paths count every instruction. */
SCHED_FAST_PATH int thread_sleep(k_timeout_t timeout)
{
	return sched_sleep(timeout);
}

SCHED_FAST_PATH void thread_yield(void)
{
	sched_yield();
}

int thread_set_priority(struct thread *t, unsigned int priority)
{
	unsigned long flags;

	if (!t || priority >= CONFIG_NUM_PRIORITIES || (t->flags & THREAD_F_IDLE))
		return -EINVAL;
	flags = sched_lock();
	t->base_prio = priority;
	mutex_update_inherited(t);
	sched_unlock(flags);
	return 0;
}

bool thread_info_next(size_t *cursor, struct thread_info *info)
{
	unsigned long flags = sched_lock();
	bool found = false;

	for (size_t i = *cursor; i < CONFIG_MAX_THREADS && !found; i++) {
		struct thread *t = thread_table[i];

		if (!t)
			continue;
		*info = (struct thread_info){
		    .id = t->id,
		    .prio = t->rq_node.prio,
		    .base_prio = t->base_prio,
		    .state = t->state,
		    .wait_what = t->wait_what,
		    .hart = t->hart,
		    .runtime_ticks = t->runtime_ticks,
		    .switches = t->switches,
		    .stack_used = thread_stack_used(t),
		    .stack_size = t->stack_size,
		};
		if (t->state == THREAD_RUNNING) /* the time since it was switched in counts too */
			info->runtime_ticks += read_time() - percpu_harts[t->hart].switched_at;
		memcpy(info->name, t->name, sizeof(info->name));
		*cursor = i + 1;
		found = true;
	}
	sched_unlock(flags);
	return found;
}

/* ---- main and idle -----------------------------------------------------------------------------
 */

struct thread *thread_init_main(unsigned int hart)
{
	struct thread *t = &main_thread;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	int err;

	err = id_bitmap_init(&thread_ids, id_storage, sizeof(id_storage), CONFIG_MAX_THREADS);
	if (err)
		panic("thread: id allocator: %s", errno_name(err));
	init_fields(t, "main", THREAD_PRIO_DEFAULT, hart);
	t->flags = THREAD_F_BOOT_STACK;
	t->state = THREAD_RUNNING;
	t->stack_base = (uintptr_t)_sstack;
	t->stack_size = (size_t)(_estack - _sstack);
	/* Everything below the live frames (less a margin for this call) is unused so far. */
	fill_stack(t->stack_base, ALIGN_DOWN(sp - 512, 8));
	t->switches = 1;
	err = register_thread(t);
	if (err)
		panic("thread: no id for main: %s", errno_name(err));
	return t;
}

#ifdef CONFIG_SMP
struct thread *thread_init_boot_idle(unsigned int hart, uintptr_t stack_base, size_t stack_size)
{
	static struct thread boot_idle[PERCPU_MAX_HARTS];
	struct thread *t = &boot_idle[hart];
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	int err;

	init_fields(t, "idle", THREAD_PRIO_LOWEST, hart);
	t->affinity = 1ULL << hart;
	t->flags = THREAD_F_IDLE | THREAD_F_BOOT_STACK;
	t->state = THREAD_RUNNING;
	t->on_cpu = 1;
	t->stack_base = stack_base;
	t->stack_size = stack_size;
	fill_stack(t->stack_base, ALIGN_DOWN(sp - 512, 8));
	t->switches = 1;
	err = register_thread(t);
	if (err)
		panic("thread: no id for the idle thread of hart %u: %s", hart, errno_name(err));
	return t;
}
#endif

struct thread *thread_create_idle(unsigned int hart, void (*entry)(void *))
{
	int err;
	struct thread *t = thread_alloc("idle", THREAD_PRIO_LOWEST, PAGE_SIZE * 2, hart, &err);

	if (!t)
		panic("thread: cannot create the idle thread of hart %u: %s", hart,
		      errno_name(err));
	t->flags = THREAD_F_IDLE;
	t->affinity = 1ULL << hart;
	t->entry = entry;
	t->state = THREAD_READY;
	return t;
}
