// SPDX-License-Identifier: MIT
/* CONFIG_SPINLOCK_DEBUG reports misuse: recursion, unlock by a non-holder, blocking with a lock. */
#include <bora/ktest.h>
#include <bora/smp.h>
#include <bora/spinlock.h>
#include <bora/string.h>

#ifdef CONFIG_SPINLOCK_DEBUG
static struct {
	unsigned int count;
	const spinlock_t *lock;
	const char *what;
} seen;

static bool contains(const char *s, const char *part)
{
	size_t n = strlen(part);

	for (; s && *s; s++)
		if (strncmp(s, part, n) == 0)
			return true;
	return false;
}

static void capture(const spinlock_t *l, const char *what, const void *pc)
{
	(void)pc;
	seen.count++;
	seen.lock = l;
	seen.what = what;
}

static void arm(void)
{
	seen.count = 0;
	seen.lock = NULL;
	seen.what = NULL;
	spin_debug_hook = capture;
}

KTEST(spinlock_debug, recursion_is_reported)
{
	spinlock_t l = SPINLOCK_INIT;

	arm();
	spin_lock(&l);
	spin_lock(&l);
	spin_debug_hook = NULL;
	KTEST_ASSERT_EQ(seen.count, 1);
	KTEST_ASSERT(seen.lock == &l);
	KTEST_ASSERT(contains(seen.what, "recursive"));
	spin_unlock(&l);
	KTEST_ASSERT(!spin_is_locked(&l));
	KTEST_ASSERT_EQ(spin_depth(), 0);
}

KTEST(spinlock_debug, unlock_of_a_free_lock_is_reported)
{
	spinlock_t l = SPINLOCK_INIT;

	arm();
	spin_unlock(&l);
	spin_debug_hook = NULL;
	KTEST_ASSERT_EQ(seen.count, 1);
	KTEST_ASSERT(contains(seen.what, "free lock"));
	KTEST_ASSERT(!spin_is_locked(&l));
}

/* The holder recorded as another hart, as if that hart had taken it. */
KTEST(spinlock_debug, unlock_by_another_hart_is_reported)
{
	spinlock_t l = SPINLOCK_INIT;

	spin_lock(&l);
	l.holder = smp_this_hart() + 2;
	arm();
	spin_unlock(&l);
	spin_debug_hook = NULL;
	KTEST_ASSERT_EQ(seen.count, 1);
	KTEST_ASSERT(contains(seen.what, "does not hold"));
	KTEST_ASSERT(spin_is_locked(&l));
	l.holder = smp_this_hart() + 1;
	spin_unlock(&l);
	KTEST_ASSERT(!spin_is_locked(&l));
	KTEST_ASSERT_EQ(spin_depth(), 0);
}

KTEST(spinlock_debug, blocking_with_a_lock_held_is_reported)
{
	spinlock_t l = SPINLOCK_INIT;

	arm();
	spin_assert_none_held("test block");
	KTEST_ASSERT_EQ(seen.count, 0);
	spin_lock(&l);
	spin_assert_none_held("test block");
	spin_unlock(&l);
	spin_debug_hook = NULL;
	KTEST_ASSERT_EQ(seen.count, 1);
	KTEST_ASSERT(contains(seen.what, "test block"));
}
#endif
