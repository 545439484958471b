// SPDX-License-Identifier: MIT
/*
 * The threads in-kernel tests start (ktest_thread_create), followed until
 * their entry function returns.
 *
 * A test that returns early on a failed assertion can leave a thread it
 * started blocked on an object in its stack frame, or about to store a
 * result there. The next test reuses that stack, so the thread later crashes
 * or corrupts an unrelated test and hides the real failure (commit 1cd49dd's
 * waiter panicked two tests later). The kernel cannot end a blocked thread
 * from outside, so after each test the runner (kernel/ktest.c) names every
 * thread of that test still running and runs no further test in that boot.
 *
 * Each thread runs through tracked_main, which marks its slot free once the
 * entry returns; a slot still taken when its test ends is a thread left
 * running. The slots are static, so no allocation shows in the heap figures
 * the tests check.
 */
#include <bora/errno.h>
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/string.h>
#include <bora/thread.h>

/* Above the 27 threads the suites run at once (kernel/Kconfig, MAX_THREADS). */
#define KTEST_THREADS_MAX 64

struct tracked {
	unsigned int taken; /* from creation until the entry returns (atomic) */
	size_t id;          /* the thread's id, once it runs (atomic; 0 before: main's id) */
	void (*entry)(void *arg);
	void *arg;
	char name[THREAD_NAME_MAX];
};

static struct tracked slots[KTEST_THREADS_MAX];

static void tracked_main(void *arg)
{
	struct tracked *s = arg;

	__atomic_store_n(&s->id, thread_current()->id, __ATOMIC_RELAXED);
	s->entry(s->arg);
	/* The last touch of the slot: it may be taken again at once. */
	__atomic_store_n(&s->taken, 0, __ATOMIC_RELEASE);
}

static struct tracked *take_slot(void (*entry)(void *arg), void *arg, const char *name)
{
	for (size_t i = 0; i < KTEST_THREADS_MAX; i++) {
		struct tracked *s = &slots[i];
		unsigned int free = 0;
		size_t n;

		if (!__atomic_compare_exchange_n(&s->taken, &free, 1, false, __ATOMIC_ACQUIRE,
		                                 __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&s->id, 0, __ATOMIC_RELAXED);
		s->entry = entry;
		s->arg = arg;
		n = strnlen(name, THREAD_NAME_MAX - 1);
		memcpy(s->name, name, n);
		s->name[n] = '\0';
		return s;
	}
	printk("ktest: more than %d test threads at once\n", KTEST_THREADS_MAX);
	return NULL;
}

int ktest_thread_create_on(struct thread **out, void (*entry)(void *arg), void *arg,
                           unsigned int priority, size_t stack_size, const char *name,
                           uint64_t affinity)
{
	struct tracked *s;
	int err;

	/* thread_create_on's own checks see tracked_main, never a NULL entry or name. */
	if (!entry || !name)
		return -EINVAL;
	s = take_slot(entry, arg, name);
	if (!s)
		return -EBUSY;
	err = thread_create_on(out, tracked_main, s, priority, stack_size, name, affinity);
	if (err)
		__atomic_store_n(&s->taken, 0, __ATOMIC_RELEASE);
	return err;
}

int ktest_thread_create(struct thread **out, void (*entry)(void *arg), void *arg,
                        unsigned int priority, size_t stack_size, const char *name)
{
	const struct thread *self = thread_current();

	/* The creator's harts, as thread_create gives them. */
	return ktest_thread_create_on(out, entry, arg, priority, stack_size, name,
	                              self ? self->affinity : ~0ULL);
}

/*
 * What s's thread is doing, for the report: copied under the scheduler's
 * lock by thread_info_next (a thread may end and be freed while this reads;
 * the name check guards against its id being reused meanwhile).
 */
static void describe(const struct tracked *s, char *buf, size_t size)
{
	size_t id = __atomic_load_n(&s->id, __ATOMIC_RELAXED), cursor = id;
	struct thread_info info;

	if (!id)
		ksnprintf(buf, size, "not started yet");
	else if (!thread_info_next(&cursor, &info) || info.id != id ||
	         strcmp(info.name, s->name) != 0)
		ksnprintf(buf, size, "ending");
	else if (info.wait_what && (info.state == THREAD_BLOCKED || info.state == THREAD_SLEEPING))
		ksnprintf(buf, size, "%s on %s", thread_state_name(info.state), info.wait_what);
	else
		ksnprintf(buf, size, "%s", thread_state_name(info.state));
}

unsigned int ktest_threads_left(const struct ktest *t, bool report)
{
	unsigned int left = 0;

	for (size_t i = 0; i < KTEST_THREADS_MAX; i++) {
		const struct tracked *s = &slots[i];
		char what[48];

		if (!__atomic_load_n(&s->taken, __ATOMIC_ACQUIRE))
			continue;
		left++;
		if (!report)
			continue;
		describe(s, what, sizeof(what));
		printk("ktest %s.%s left thread %s running (%s)\n", t->suite, t->name, s->name,
		       what);
	}
	return left;
}
