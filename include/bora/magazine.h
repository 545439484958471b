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
 * Each hart's stacks have their own spinlock, as in the paper's per-CPU cache:
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

#include <bora/percpu.h>
#include <bora/spinlock_types.h>
#include <bora/types.h>

#define MAG_MAX_CLASSES  8
#define MAG_MAX_CAPACITY 256
#define MAG_MAX_BATCH    32
#define MAG_MIN_OBJECT   16

struct mag_stack {
	void *top;          /* linked through each object's first word */
	unsigned int count; /* objects on the stack, <= capacity */
};

/* One hart's caches, on cache lines of their own (no false sharing between harts). */
struct mag_hart {
	spinlock_t lock;
	struct mag_stack stack[MAG_MAX_CLASSES];
	size_t allocs;   /* objects this hart's stacks handed out */
	size_t frees;    /* objects they took back */
	size_t refills;  /* backend calls for more */
	size_t releases; /* backend calls taking some back (overflow or drain) */
} __attribute__((aligned(64)));

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
/* An object of class cls from hart's stack (refilled if empty); NULL when the backend has none. */
void *mag_alloc(struct mag_cache *mc, unsigned int hart, unsigned int cls);
/* 0, or -ENOTALLOC when obj is cached already (double free); -EINVAL for bad arguments. */
int mag_free(struct mag_cache *mc, unsigned int hart, unsigned int cls, void *obj);
/* Give every hart's cached objects back to the backend; returns how many. */
size_t mag_drain(struct mag_cache *mc);
/* Objects of class cls cached on all harts (each hart's count read under its lock). */
size_t mag_cached(struct mag_cache *mc, unsigned int cls);
/* True when obj carries the tag of a cached object. */
bool mag_is_cached(const struct mag_cache *mc, const void *obj);
/* Call fn on every cached object (under each hart's lock); fn must not call back in. */
void mag_for_each(struct mag_cache *mc, void (*fn)(void *arg, unsigned int cls, void *obj),
                  void *arg);
/* Counts, links and tags of every stack; 0 or -ECORRUPT with the cause in why. */
int mag_validate(struct mag_cache *mc, char *why, size_t why_len);

#endif
