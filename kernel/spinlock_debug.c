// SPDX-License-Identifier: MIT
/*
 * CONFIG_SPINLOCK_DEBUG: each lock records the hart holding it (index + 1)
 * and the caller that took it, so misuse is named instead of hanging the
 * hart. A test may install spin_debug_hook to receive the report instead of
 * the panic; the offending operation is then skipped.
 */
#include <bora/panic.h>
#include <bora/percpu.h>
#include <bora/spinlock.h>

#ifdef CONFIG_SPINLOCK_DEBUG

void (*spin_debug_hook)(const spinlock_t *l, const char *what, const void *pc);

static uint32_t me(void)
{
	return this_cpu()->index + 1;
}

static void report(const spinlock_t *l, const char *what, const void *pc)
{
	static bool reporting[PERCPU_MAX_HARTS];
	bool *busy = &reporting[this_cpu()->index];

	/* The panic below prints, and printk locks: a misused printk lock must not recurse here. */
	if (*busy)
		return;
	if (spin_debug_hook) {
		*busy = true;
		spin_debug_hook(l, what, pc);
		*busy = false;
		return;
	}
	*busy = true;
	panic("spinlock %p: %s (caller %p; holder hart %ld, taken at %p)", (const void *)l, what,
	      pc, (long)l->holder - 1, l->holder_pc);
}

bool spin_debug_before_lock(spinlock_t *l, const void *pc)
{
	if (__atomic_load_n(&l->holder, __ATOMIC_RELAXED) == me()) {
		report(l, "recursive lock on the holding hart", pc);
		return false;
	}
	return true;
}

void spin_debug_after_lock(spinlock_t *l, const void *pc)
{
	__atomic_store_n(&l->holder, me(), __ATOMIC_RELAXED);
	l->holder_pc = pc;
}

bool spin_debug_before_unlock(spinlock_t *l, const void *pc)
{
	uint32_t holder = __atomic_load_n(&l->holder, __ATOMIC_RELAXED);

	if (holder != me()) {
		report(l,
		       holder ? "unlocked by a hart that does not hold it"
		              : "unlock of a free lock",
		       pc);
		return false;
	}
	l->holder_pc = NULL;
	__atomic_store_n(&l->holder, 0, __ATOMIC_RELAXED);
	return true;
}

void spin_assert_none_held(const char *what)
{
	unsigned int depth = this_cpu()->spin_depth;

	if (depth && spin_debug_hook) {
		spin_debug_hook(NULL, what, __builtin_return_address(0));
		return;
	}
	if (depth)
		panic("%s while holding %u spinlock%s", what, depth, depth == 1 ? "" : "s");
}

#endif
