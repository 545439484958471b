/* SPDX-License-Identifier: MIT */
/*
 * Per-hart object caches ("magazines") in front of a shared allocator, after
 * Bonwick and Adams, "Magazines and Vmem: Extending the Slab Allocator to Many
 * CPUs and Arbitrary Resources", USENIX ATC 2001, section 3. Each hart keeps,
 * per size class, a stack of free objects of at most `capacity`; an alloc pops
 * and a free pushes, so the common case touches only the hart's own cache line
 * and its own lock. An empty stack is refilled with `batch` objects and a full
 * one gives `batch` back, each in one section of the backend's (shared) lock,
 * so the shared lock is taken once per `batch` operations at most.
 *
 * Each hart's stacks have their own lock, as in the paper's per-CPU cache:
 * the owner is almost always the only one to take it, and mag_drain() can take
 * it from any hart to empty every cache when memory runs short, without an IPI
 * (which would deadlock against a hart already waiting in smp_call_function).
 * Interrupts are off while it is held, so a handler on the same hart never
 * spins on it. A caller that reads its hart index and then migrates only ends
 * up using another hart's stack under that stack's lock: still correct.
 *
 * Cached objects are linked through their first word and marked in their
 * second with a tag derived from their address, so a free of an object that
 * is already cached (a double free the backend cannot see, as the object is
 * still allocated there) is refused with -ENOTALLOC. The tag is cleared when
 * the object leaves the cache, in either direction. Objects are at least 16
 * bytes and 8-byte aligned. Two harts freeing the same object at the same
 * instant can both pass the tag check; only the backend's checks then catch it.
 */
#ifndef BORA_MAGAZINE_H
#define BORA_MAGAZINE_H

#include <bora/errno.h>
#include <bora/percpu.h>
#include <bora/spinlock.h>
#include <bora/types.h>

#define MAG_MAX_CLASSES  8
#define MAG_MAX_CAPACITY 256
#define MAG_MAX_BATCH    32
#define MAG_MIN_OBJECT   16

struct mag_stack {
	void *top;          /* linked through each object's first word */
	unsigned int count; /* objects on the stack, <= capacity */
};

/*
 * One hart's caches, on cache lines of their own (no false sharing between
 * harts); 256 bytes, so a hart's slot is an index shifted, not multiplied.
 */
struct mag_hart {
	uint32_t lock; /* mag_lock(): 0 free, 1 held */
	struct mag_stack stack[MAG_MAX_CLASSES];
	size_t allocs;   /* objects this hart's stacks handed out */
	size_t frees;    /* objects they took back */
	size_t refills;  /* backend calls for more */
	size_t releases; /* backend calls taking some back (overflow or drain) */
} __attribute__((aligned(256)));

struct mag_backend {
	/*
	 * Up to n objects of class cls into out[], in one backend lock section;
	 * returns how many (0: none left). Called with a hart's lock held.
	 */
	size_t (*get)(void *ctx, unsigned int cls, void **out, size_t n);
	/* Take n objects of class cls back, in one lock section. */
	void (*put)(void *ctx, unsigned int cls, void *const *objs, size_t n);
};

struct mag_cache {
	const struct mag_backend *be;
	void *ctx;
	unsigned int nclasses;
	unsigned int capacity; /* per hart and class */
	unsigned int batch;    /* objects moved per backend call */
	uintptr_t tag_key;
	struct mag_hart hart[PERCPU_MAX_HARTS];
};

/*
 * 0, or -EINVAL: nclasses 1..MAG_MAX_CLASSES, batch 1..MAG_MAX_BATCH,
 * capacity batch..MAG_MAX_CAPACITY.
 */
int mag_init(struct mag_cache *mc, const struct mag_backend *be, void *ctx, unsigned int nclasses,
             unsigned int capacity, unsigned int batch);

/*
 * The out-of-line halves of mag_alloc (empty stack: refill) and mag_free (full
 * stack: give a batch back, then push), in mm/magazine.c. Entered with mh's
 * lock held and `flags` from mag_lock(); they drop it, so the fast paths make
 * no call inside their critical section.
 */
void *mag_refill_unlock(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls,
                        unsigned long flags);
void mag_overflow_unlock(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls, void *obj,
                         unsigned long flags);

/*
 * A hart's lock: test-and-set with interrupts off, not a spinlock_t. Its owner
 * takes it on every operation and another hart only to drain, count or
 * validate, so it is almost never contended and a ticket's fairness buys
 * nothing; nothing blocks or switches while it is held (interrupts are off), so
 * it needs none of spin_lock's held-lock accounting. One atomic swap to take
 * it, a release store to drop it.
 */
static inline __attribute__((always_inline)) unsigned long mag_lock(struct mag_hart *mh)
{
	unsigned long flags = arch_irq_save();

	while (__builtin_expect(__atomic_exchange_n(&mh->lock, 1, __ATOMIC_ACQUIRE), 0))
		while (__atomic_load_n(&mh->lock, __ATOMIC_RELAXED))
			spin_relax();
	return flags;
}

static inline __attribute__((always_inline)) void mag_unlock(struct mag_hart *mh,
                                                             unsigned long flags)
{
	__atomic_store_n(&mh->lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
}

static inline uintptr_t mag_tag(const struct mag_cache *mc, const void *obj)
{
	return (uintptr_t)obj ^ mc->tag_key;
}

/* True when obj carries the tag of a cached object. */
static inline bool mag_is_cached(const struct mag_cache *mc, const void *obj)
{
	return ((const uintptr_t *)obj)[1] == mag_tag(mc, obj);
}

/*
 * The common cases are inline so a caller's fast path (kmalloc, frame_alloc)
 * is the stack operation and the lock round trip, with no call and no frame;
 * an empty or full stack takes the out-of-line halves.
 */

/*
 * mag_alloc and mag_free on a hart's slot, for callers whose hart and class
 * are right by construction (kmalloc: this hart, a class from its own table).
 */
static inline __attribute__((always_inline)) void *
mag_hart_alloc(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls)
{
	struct mag_stack *s = &mh->stack[cls];
	unsigned long flags = mag_lock(mh);
	void **obj = (void **)s->top;

	if (__builtin_expect(!obj, 0))
		return mag_refill_unlock(mc, mh, cls, flags);
	s->top = obj[0];
	s->count--;
	obj[1] = NULL; /* no longer cached: a later free is not a double free */
	mh->allocs++;
	mag_unlock(mh, flags);
	return obj;
}

/*
 * The top object of mh's class-cls stack, or NULL when it is empty (no
 * refill): for a caller whose miss path is out of line, so its hit path makes
 * no call at all.
 */
static inline __attribute__((always_inline)) void *
mag_hart_pop(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls)
{
	struct mag_stack *s = &mh->stack[cls];
	unsigned long flags = mag_lock(mh);
	void **obj = (void **)s->top;

	(void)mc;
	if (__builtin_expect(obj != NULL, 1)) {
		s->top = obj[0];
		s->count--;
		obj[1] = NULL;
		mh->allocs++;
	}
	mag_unlock(mh, flags);
	return obj;
}

/* obj is 8-aligned and not NULL. */
static inline __attribute__((always_inline)) int
mag_hart_free(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls, void *obj)
{
	struct mag_stack *s = &mh->stack[cls];
	unsigned long flags;

	if (__builtin_expect(mag_is_cached(mc, obj), 0))
		return -ENOTALLOC;
	flags = mag_lock(mh);
	if (__builtin_expect(s->count >= mc->capacity, 0)) {
		mag_overflow_unlock(mc, mh, cls, obj, flags);
		return 0;
	}
	((void **)obj)[0] = s->top;
	((uintptr_t *)obj)[1] = mag_tag(mc, obj);
	s->top = obj;
	s->count++;
	mh->frees++;
	mag_unlock(mh, flags);
	return 0;
}

/* An object of class cls from hart's stack (refilled if empty); NULL when the backend has none. */
static inline __attribute__((always_inline)) void *mag_alloc(struct mag_cache *mc,
                                                             unsigned int hart, unsigned int cls)
{
	if (__builtin_expect(hart >= PERCPU_MAX_HARTS || cls >= mc->nclasses, 0))
		return NULL;
	return mag_hart_alloc(mc, &mc->hart[hart], cls);
}

/* 0, or -ENOTALLOC when obj is cached already (double free); -EINVAL for bad arguments. */
static inline __attribute__((always_inline)) int mag_free(struct mag_cache *mc, unsigned int hart,
                                                          unsigned int cls, void *obj)
{
	if (__builtin_expect(
	        hart >= PERCPU_MAX_HARTS || cls >= mc->nclasses || !obj || ((uintptr_t)obj & 7), 0))
		return -EINVAL;
	return mag_hart_free(mc, &mc->hart[hart], cls, obj);
}

/* Give every hart's cached objects back to the backend; returns how many. */
size_t mag_drain(struct mag_cache *mc);
/* Objects of class cls cached on all harts (each hart's count read under its lock). */
size_t mag_cached(struct mag_cache *mc, unsigned int cls);
/* Call fn on every cached object (under each hart's lock); fn must not call back in. */
void mag_for_each(struct mag_cache *mc, void (*fn)(void *arg, unsigned int cls, void *obj),
                  void *arg);
/* Counts, links and tags of every stack; 0 or -ECORRUPT with the cause in why. */
int mag_validate(struct mag_cache *mc, char *why, size_t why_len);

#endif
