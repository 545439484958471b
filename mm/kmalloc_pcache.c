// SPDX-License-Identifier: MIT
/*
 * Per-hart magazines (include/bora/magazine.h) in front of the kernel heap's
 * small sizes, CONFIG_PERCPU_CACHE. Five classes, 16 to 256 bytes. kmalloc(n)
 * for n <= 256 takes a block of its class from the calling hart's stack; the
 * stack is refilled with blocks of exactly the class size from the byte
 * allocator under the heap lock. kfree asks the allocator for the block's
 * usable size (the cheap O(1) header check, without the heap lock: for a live
 * block it reads only words no operation on another block rewrites, and a
 * pointer it refuses is checked again under the lock) and pushes the block on
 * the stack of the largest class it can serve, so a block allocated by any path
 * may end up cached. Cached blocks stay allocated in the byte allocator; the
 * heap's statistics subtract them (kheap_stats' cached fields), and
 * kcache_drain() gives them back when an allocation would otherwise fail.
 */
#include <bora/errno.h>
#include <bora/magazine.h>
#include <bora/smp.h>

#include "kmalloc_internal.h"

#ifdef CONFIG_PERCPU_CACHE

#define KCACHE_CLASSES  5
#define KCACHE_CAPACITY 64
#define KCACHE_BATCH    16

struct mag_cache kcache;
struct kheap *kcache_heap;
/* The heap kcache_init set the magazines up for; kcache_heap is it while they are on. */
static struct kheap *kcache_owner;

static const uint16_t class_size[KCACHE_CLASSES] = {16, 32, 64, 128, 256};
/* Request class by (size - 1) >> 4, for size 1..256: the smallest class that holds it. */
const uint8_t kcache_request_class[KCACHE_MAX / 16] = {0, 1, 2, 2, 3, 3, 3, 3,
                                                       4, 4, 4, 4, 4, 4, 4, 4};
/* Block class by usable >> 4, for usable < 512: the largest class it can serve; 0xff none. */
const uint8_t kcache_block_class[KCACHE_BLOCK_LIMIT / 16] = {0xff, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3,
                                                             3,    3, 3, 3, 3, 4, 4, 4, 4, 4, 4,
                                                             4,    4, 4, 4, 4, 4, 4, 4, 4, 4};

/* Called with a hart's magazine lock held; takes the heap lock (order: magazine, heap). */
static size_t kcache_get(void *ctx, unsigned int cls, void **out, size_t n)
{
	struct kheap *h = ctx;
	struct kheap_reports r = {0};
	size_t got = 0;

	spin_lock(&h->lock);
	while (got < n && h->ops->alloc(h->state, class_size[cls], 1, &out[got]) == 0)
		got++;
	/* Nothing free: let the heap grow once, as an uncached kmalloc would. */
	if (!got && kheap_take(h, class_size[cls], 1, &out[0], &r) == 0)
		got = 1;
	spin_unlock(&h->lock);
	kheap_deliver(h, &r);
	return got;
}

static void kcache_put(void *ctx, unsigned int cls, void *const *objs, size_t n)
{
	struct kheap *h = ctx;
	struct kheap_reports r = {0};

	(void)cls;
	spin_lock(&h->lock);
	for (size_t i = 0; i < n; i++) {
		/* Checked live when it was cached: a refusal now means the heap was corrupted. */
		if (h->ops->free_block(h->state, objs[i]))
			kheap_note(h, &r, KHEAP_ERR_REJECTED, objs[i], NULL);
	}
	spin_unlock(&h->lock);
	kheap_deliver(h, &r);
}

static const struct mag_backend kcache_backend = {.get = kcache_get, .put = kcache_put};

void kcache_init(struct kheap *h)
{
	kcache_heap = kcache_owner = NULL;
	if (!h->fast || mag_init(&kcache, &kcache_backend, h, KCACHE_CLASSES, KCACHE_CAPACITY,
	                         KCACHE_BATCH) != 0)
		return;
	kcache_heap = kcache_owner = h;
}

/*
 * Off: kmalloc and kfree see no magazines (kcache_alloc and kcache_free test
 * kcache_heap first) and take the heap lock every time, then the cached
 * blocks go back. On: the gate opens again. Nothing else changes, so neither
 * state costs the fast paths anything.
 */
int kheap_set_caches(struct kheap *h, bool on)
{
	if (!kcache_owner || h != kcache_owner)
		return -ENOTSUP;
	__atomic_store_n(&kcache_heap, on ? h : NULL, __ATOMIC_SEQ_CST);
	if (!on)
		mag_drain(&kcache);
	return 0;
}

size_t kcache_drain(const struct kheap *h)
{
	if (!kcache_heap || h != kcache_heap)
		return 0;
	return mag_drain(&kcache);
}

struct kcache_sum {
	struct kheap *h;
	size_t blocks, bytes;
};

static void add_block(void *arg, unsigned int cls, void *obj)
{
	struct kcache_sum *s = arg;

	(void)cls;
	s->blocks++;
	s->bytes += s->h->ops->usable_size(s->h->state, obj);
}

void kcache_account(const struct kheap *h, size_t *allocs, size_t *frees, size_t *blocks,
                    size_t *bytes)
{
	struct kcache_sum s = {.h = kcache_heap};

	*allocs = *frees = *blocks = *bytes = 0;
	if (!kcache_heap || h != kcache_heap)
		return;
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++) {
		*allocs += __atomic_load_n(&kcache.hart[i].allocs, __ATOMIC_RELAXED);
		*frees += __atomic_load_n(&kcache.hart[i].frees, __ATOMIC_RELAXED);
	}
	mag_for_each(&kcache, add_block, &s);
	*blocks = s.blocks;
	*bytes = s.bytes;
}

bool kcache_active(const struct kheap *h)
{
	return kcache_heap && h == kcache_heap;
}

bool kcache_holds(const struct kheap *h, const void *ptr, size_t usable)
{
	return kcache_active(h) && usable >= MAG_MIN_OBJECT && mag_is_cached(&kcache, ptr);
}

int kcache_validate(const struct kheap *h, char *why, size_t why_len)
{
	if (!kcache_heap || h != kcache_heap)
		return 0;
	return mag_validate(&kcache, why, why_len);
}

#else
int kheap_set_caches(struct kheap *h, bool on)
{
	(void)h;
	(void)on;
	return -ENOTSUP;
}
#endif
