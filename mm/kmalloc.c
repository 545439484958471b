// SPDX-License-Identifier: MIT
/*
 * Kernel heap front end; see include/bora/kmalloc.h for the block layout and
 * the error contract.
 *
 * The header's check word binds a magic to the pointer, size and alignment
 * (a 64-bit mix folded to 32 bits), so a stale header copied elsewhere, an
 * interior pointer or random heap bytes fail the check instead of passing a
 * wrong size to the byte allocator.
 *
 * Debug mode keeps the last CONFIG_KHEAP_QUARANTINE freed blocks, poisoned,
 * out of the byte allocator; when a block leaves the quarantine its poison and
 * header are checked, which catches writes after free before the memory is
 * reused. An allocation that fails drains the quarantine before growing.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/kmalloc.h>
#include <bora/string.h>

/* Smallest growth chunk, in pages (1..65536); larger requests round up to a power of two. */
#ifndef CONFIG_KHEAP_GROW_MIN_PAGES
#define CONFIG_KHEAP_GROW_MIN_PAGES 16
#endif

#if CONFIG_KHEAP_MAX_REGIONS < 1 || CONFIG_KHEAP_MAX_REGIONS > 256
#error "CONFIG_KHEAP_MAX_REGIONS must be 1..256"
#endif
#if CONFIG_KHEAP_QUARANTINE < 1 || CONFIG_KHEAP_QUARANTINE > 256
#error "CONFIG_KHEAP_QUARANTINE must be 1..256"
#endif
#if CONFIG_KHEAP_GROW_MIN_PAGES < 1 || CONFIG_KHEAP_GROW_MIN_PAGES > 65536
#error "CONFIG_KHEAP_GROW_MIN_PAGES must be 1..65536"
#endif

#define MAGIC_LIVE     0x6b6d616cu /* "kmal" */
#define MAGIC_FREED    0x6b667265u /* "kfre" */
#define HDR_ROOM       16
#define HDR_ROOM_DEBUG 32 /* 16 bytes of allocator scratch + the header */
#define MIN_SHIFT      4
#define MAX_SHIFT      62
#define MAX_PENDING    4 /* reports delivered per call; the rest are only counted */

struct kmalloc_hdr {
	uint64_t size; /* payload bytes */
	uint32_t check;
	uint8_t align_shift; /* log2 of the alignment given to the byte allocator */
	uint8_t reserved[3];
};

_Static_assert(sizeof(struct kmalloc_hdr) == HDR_ROOM, "header must fill the minimum room");

struct reports {
	size_t n;
	struct {
		enum kheap_error kind;
		void *ptr;
		void *caller;
	} e[MAX_PENDING];
};

static void note(struct kheap *h, struct reports *r, enum kheap_error kind, void *ptr, void *caller)
{
	h->count.errors++;
	if (r->n < MAX_PENDING) {
		r->e[r->n].kind = kind;
		r->e[r->n].ptr = ptr;
		r->e[r->n].caller = caller;
		r->n++;
	}
}

/* Outside the lock: the kernel's hook panics, a test's hook may call back in. */
static void deliver(struct kheap *h, const struct reports *r)
{
	if (!(h->flags & KHEAP_DEBUG) || !h->report)
		return;
	for (size_t i = 0; i < r->n; i++)
		h->report(h, r->e[i].kind, r->e[i].ptr, r->e[i].caller);
}

/* Multipliers: the 64-bit golden ratio and SplitMix64's first mix constant. */
static uint32_t hdr_check(uint32_t magic, const void *p, uint64_t size, unsigned int shift)
{
	uint64_t x = (uintptr_t)p ^ (size * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)shift << 56);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return magic ^ (uint32_t)(x ^ (x >> 32));
}

static struct kmalloc_hdr *hdr_of(const void *p)
{
	return (struct kmalloc_hdr *)p - 1;
}

static void write_hdr(void *p, uint32_t magic, size_t size, unsigned int shift)
{
	struct kmalloc_hdr *hd = hdr_of(p);

	hd->size = size;
	hd->align_shift = (uint8_t)shift;
	memset(hd->reserved, 0, sizeof(hd->reserved));
	hd->check = hdr_check(magic, p, size, shift);
}

static size_t room_for(const struct kheap *h, unsigned int shift)
{
	size_t room = (h->flags & KHEAP_DEBUG) ? HDR_ROOM_DEBUG : HDR_ROOM;

	return MAX(room, (size_t)1 << shift);
}

static const struct kheap_region *region_of(const struct kheap *h, uintptr_t p)
{
	for (size_t i = 0; i < h->nregions; i++) {
		const struct kheap_region *r = &h->regions[i];

		if (p >= r->base + sizeof(struct kmalloc_hdr) && p - r->base < r->size)
			return r;
	}
	return NULL;
}

/* 0 and the block's size and alignment, or the error kheap_free returns. */
static int check_block(const struct kheap *h, const void *ptr, size_t *size, unsigned int *shift,
                       enum kheap_error *kind)
{
	uintptr_t p = (uintptr_t)ptr;
	const struct kheap_region *r;
	const struct kmalloc_hdr *hd;

	if (!IS_ALIGNED(p, KHEAP_MIN_ALIGN)) {
		*kind = KHEAP_ERR_MISALIGNED;
		return -EINVAL;
	}
	r = region_of(h, p);
	if (!r) {
		*kind = KHEAP_ERR_OUTSIDE;
		return -EFAULT;
	}
	hd = hdr_of(ptr);
	if (hd->check == hdr_check(MAGIC_FREED, ptr, hd->size, hd->align_shift)) {
		*kind = KHEAP_ERR_DOUBLE_FREE;
		return -ENOTALLOC;
	}
	if (hd->check != hdr_check(MAGIC_LIVE, ptr, hd->size, hd->align_shift) ||
	    hd->align_shift < MIN_SHIFT || hd->align_shift > MAX_SHIFT ||
	    !IS_ALIGNED(p, (uintptr_t)1 << hd->align_shift) ||
	    p - r->base < room_for(h, hd->align_shift) || hd->size > r->base + r->size - p) {
		*kind = KHEAP_ERR_BAD_MAGIC;
		return -ECORRUPT;
	}
	*size = hd->size;
	*shift = hd->align_shift;
	return 0;
}

static int release(struct kheap *h, void *ptr, size_t size, unsigned int shift)
{
	size_t room = room_for(h, shift);

	return h->ops->free(h->state, (char *)ptr - room, room + size, (size_t)1 << shift);
}

static bool poison_intact(const void *ptr, size_t size)
{
	const uint8_t *b = ptr;

	for (size_t i = 0; i < size; i++)
		if (b[i] != KHEAP_POISON)
			return false;
	return true;
}

static bool quarantined_intact(const struct kheap_quarantined *q)
{
	return hdr_of(q->ptr)->check == hdr_check(MAGIC_FREED, q->ptr, q->size, q->align_shift) &&
	       poison_intact(q->ptr, q->size);
}

/* Give the oldest quarantined block back to the byte allocator. */
static void quarantine_pop(struct kheap *h, struct reports *r)
{
	struct kheap_quarantined *q = &h->quarantine[h->q_head];

	h->q_head = (h->q_head + 1) % CONFIG_KHEAP_QUARANTINE;
	h->q_count--;
	h->count.quarantined -= room_for(h, q->align_shift) + q->size;
	if (!quarantined_intact(q)) {
		note(h, r, KHEAP_ERR_POISON, q->ptr, q->caller);
		/* Sizes come from the entry, not the damaged header. */
		write_hdr(q->ptr, MAGIC_FREED, q->size, q->align_shift);
	}
	if (release(h, q->ptr, q->size, q->align_shift))
		note(h, r, KHEAP_ERR_REJECTED, q->ptr, q->caller);
}

static void quarantine_push(struct kheap *h, void *ptr, size_t size, unsigned int shift,
                            void *caller, struct reports *r)
{
	struct kheap_quarantined *q;

	if (h->q_count == CONFIG_KHEAP_QUARANTINE)
		quarantine_pop(h, r);
	q = &h->quarantine[(h->q_head + h->q_count) % CONFIG_KHEAP_QUARANTINE];
	q->ptr = ptr;
	q->caller = caller;
	q->size = size;
	q->align_shift = shift;
	h->q_count++;
	h->count.quarantined += room_for(h, shift) + size;
}

int kheap_init(struct kheap *h, const struct byte_allocator_ops *ops, void *state, void *heap,
               size_t size, unsigned int flags)
{
	int err;

	if (!h || !ops || !state || !heap || size == 0 || (flags & ~KHEAP_DEBUG) || !ops->init ||
	    !ops->alloc || !ops->free || !ops->stats || !ops->validate)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	spin_lock_init(&h->lock);
	h->ops = ops;
	h->state = state;
	h->flags = flags;
	err = ops->init(state, heap, size);
	if (err) {
		h->ops = NULL;
		return err;
	}
	h->regions[0].base = (uintptr_t)heap;
	h->regions[0].size = size;
	h->nregions = 1;
	return 0;
}

void kheap_set_page_source(struct kheap *h, const struct page_allocator_ops *ops, void *page_state)
{
	spin_lock(&h->lock);
	h->page_ops = ops;
	h->page_state = page_state;
	spin_unlock(&h->lock);
}

/*
 * Add a region from the page source big enough for `gross` bytes at `align`.
 * Buddy-style allocators only hand out the largest aligned power-of-two block
 * of a region and keep metadata in it, so the chunk is a power of two at least
 * twice the aligned request, itself aligned to its size when possible. Growth is
 * geometric (each chunk at least the size of everything managed so far) so a
 * fixed number of regions covers a heap that doubles many times; when that much
 * is not free, the smallest chunk that meets the request is tried instead.
 */
static int try_grow(struct kheap *h, size_t bytes)
{
	size_t pages = bytes >> PAGE_SHIFT;
	uintptr_t addr;
	int err;

	err = h->page_ops->alloc_pages(h->page_state, pages,
	                               is_power_of_2(bytes) ? bytes : PAGE_SIZE, &addr);
	if (err)
		err = h->page_ops->alloc_pages(h->page_state, pages, PAGE_SIZE, &addr);
	if (err)
		return -ENOMEM;
	err = h->ops->add_region(h->state, (void *)addr, bytes);
	if (err) {
		h->page_ops->free_pages(h->page_state, addr, pages);
		return -ENOMEM;
	}
	h->regions[h->nregions].base = addr;
	h->regions[h->nregions].size = bytes;
	h->nregions++;
	h->count.regions_added++;
	return 0;
}

static int grow(struct kheap *h, size_t gross, size_t align)
{
	size_t need, managed = 0;

	if (!h->page_ops || !h->ops->add_region || h->nregions == CONFIG_KHEAP_MAX_REGIONS ||
	    align > (SIZE_MAX >> 3) || gross > (SIZE_MAX >> 3) - align)
		return -ENOMEM;
	need = MAX((size_t)roundup_pow2(2 * (gross + align)),
	           (size_t)CONFIG_KHEAP_GROW_MIN_PAGES << PAGE_SHIFT);
	for (size_t i = 0; i < h->nregions; i++)
		managed += h->regions[i].size;
	managed = (size_t)roundup_pow2(managed);
	if (managed > need && managed <= (SIZE_MAX >> 3) && try_grow(h, managed) == 0)
		return 0;
	return try_grow(h, need);
}

static void *alloc_locked(struct kheap *h, size_t size, unsigned int shift, struct reports *r)
{
	size_t align = (size_t)1 << shift, room = room_for(h, shift), gross;
	void *block, *p;
	int err;

	if (size > SIZE_MAX - room)
		return NULL;
	gross = room + size;
	err = h->ops->alloc(h->state, gross, align, &block);
	if (err == -ENOMEM && h->q_count) {
		while (h->q_count)
			quarantine_pop(h, r);
		err = h->ops->alloc(h->state, gross, align, &block);
	}
	if (err == -ENOMEM && grow(h, gross, align) == 0)
		err = h->ops->alloc(h->state, gross, align, &block);
	if (err)
		return NULL;
	p = (char *)block + room;
	write_hdr(p, MAGIC_LIVE, size, shift);
	h->count.used += gross;
	h->count.requested += size;
	h->count.live_allocs++;
	h->count.total_allocs++;
	h->count.peak_used = MAX(h->count.peak_used, h->count.used);
	return p;
}

/* count_failure: a NULL here is what the caller gets (failed_allocs counts those). */
static void *heap_alloc(struct kheap *h, size_t size, size_t align, bool count_failure)
{
	struct reports r = {0};
	void *p = NULL;

	if (!h || !h->ops || size == 0)
		return NULL;
	spin_lock(&h->lock);
	if (align <= 1 || (is_power_of_2(align) && ilog2_u64(align) <= MAX_SHIFT)) {
		align = MAX(align, (size_t)KHEAP_MIN_ALIGN);
		p = alloc_locked(h, size, (unsigned int)ilog2_u64(align), &r);
	}
	if (!p && count_failure)
		h->count.failed_allocs++;
	spin_unlock(&h->lock);
	deliver(h, &r);
	return p;
}

void *kheap_alloc(struct kheap *h, size_t size, size_t align)
{
	return heap_alloc(h, size, align, true);
}

static int free_locked(struct kheap *h, void *ptr, size_t size, unsigned int shift, void *caller,
                       struct reports *r)
{
	/* Mark before release: afterwards the allocator may own these bytes. */
	write_hdr(ptr, MAGIC_FREED, size, shift);
	if (h->flags & KHEAP_DEBUG) {
		memset(ptr, KHEAP_POISON, size);
		quarantine_push(h, ptr, size, shift, caller, r);
	} else {
		int err = release(h, ptr, size, shift);

		if (err) {
			write_hdr(ptr, MAGIC_LIVE, size, shift);
			note(h, r, KHEAP_ERR_REJECTED, ptr, caller);
			return err;
		}
	}
	h->count.used -= room_for(h, shift) + size;
	h->count.requested -= size;
	h->count.live_allocs--;
	return 0;
}

int kheap_free(struct kheap *h, void *ptr, void *caller)
{
	struct reports r = {0};
	enum kheap_error kind;
	unsigned int shift;
	size_t size;
	int err;

	if (!ptr)
		return 0;
	if (!h)
		return -EINVAL;
	spin_lock(&h->lock);
	err = check_block(h, ptr, &size, &shift, &kind);
	if (err)
		note(h, &r, kind, ptr, caller);
	else
		err = free_locked(h, ptr, size, shift, caller, &r);
	spin_unlock(&h->lock);
	deliver(h, &r);
	return err;
}

static int resize_locked(struct kheap *h, void *ptr, size_t old, size_t size, unsigned int shift)
{
	size_t room = room_for(h, shift);
	int err;

	if (!h->ops->resize_in_place || size > SIZE_MAX - room)
		return -ENOTSUP;
	if (size == old)
		return 0;
	err = h->ops->resize_in_place(h->state, (char *)ptr - room, room + old, room + size,
	                              (size_t)1 << shift);
	if (err)
		return err;
	write_hdr(ptr, MAGIC_LIVE, size, shift);
	h->count.used = h->count.used - old + size;
	h->count.requested = h->count.requested - old + size;
	h->count.peak_used = MAX(h->count.peak_used, h->count.used);
	return 0;
}

void *kheap_realloc(struct kheap *h, void *ptr, size_t size, void *caller)
{
	struct reports r = {0};
	enum kheap_error kind;
	unsigned int shift;
	size_t old;
	void *moved;
	int err;

	if (!ptr)
		return kheap_alloc(h, size, 0);
	if (size == 0) {
		kheap_free(h, ptr, caller);
		return NULL;
	}
	if (!h)
		return NULL;
	spin_lock(&h->lock);
	err = check_block(h, ptr, &old, &shift, &kind);
	if (err) {
		note(h, &r, kind, ptr, caller);
		spin_unlock(&h->lock);
		deliver(h, &r);
		return NULL;
	}
	err = resize_locked(h, ptr, old, size, shift);
	spin_unlock(&h->lock);
	if (!err)
		return ptr;

	/* A shrink that cannot move keeps the block, so only a failed grow is a failure. */
	moved = heap_alloc(h, size, (size_t)1 << shift, size > old);
	if (!moved)
		return size <= old ? ptr : NULL;
	memcpy(moved, ptr, MIN(old, size));
	kheap_free(h, ptr, caller);
	return moved;
}

size_t kheap_usable_size(struct kheap *h, const void *ptr)
{
	enum kheap_error kind;
	unsigned int shift;
	size_t size = 0;

	if (!h || !ptr)
		return 0;
	spin_lock(&h->lock);
	if (check_block(h, ptr, &size, &shift, &kind))
		size = 0;
	spin_unlock(&h->lock);
	return size;
}

void kheap_stats(struct kheap *h, struct kheap_stats *st)
{
	struct byte_alloc_stats bs;

	memset(st, 0, sizeof(*st));
	if (!h || !h->ops)
		return;
	spin_lock(&h->lock);
	h->ops->stats(h->state, &bs);
	*st = h->count;
	st->total = bs.total;
	st->free = bs.available;
	st->largest_free = bs.largest_free;
	st->metadata = bs.metadata;
	spin_unlock(&h->lock);
}

static int validate_locked(const struct kheap *h, char *why, size_t why_len)
{
	struct byte_alloc_stats bs;
	size_t quarantined = 0;
	int err = h->ops->validate(h->state, why, why_len);

	if (err)
		return err;
	h->ops->stats(h->state, &bs);
	if (h->nregions == 0 || h->nregions > CONFIG_KHEAP_MAX_REGIONS ||
	    h->q_count > CONFIG_KHEAP_QUARANTINE || h->q_head >= CONFIG_KHEAP_QUARANTINE)
		return validate_failed(why, why_len,
		                       "kheap: region or quarantine index out of range");
	if (h->count.live_allocs > h->count.total_allocs || h->count.requested > h->count.used ||
	    h->count.peak_used < h->count.used || (h->count.live_allocs == 0 && h->count.used != 0))
		return validate_failed(why, why_len, "kheap: counters inconsistent");
	if (h->count.used + h->count.quarantined > bs.used)
		return validate_failed(why, why_len,
		                       "kheap: more bytes live than the allocator holds");
	for (size_t i = 0; i < h->q_count; i++) {
		const struct kheap_quarantined *q =
		    &h->quarantine[(h->q_head + i) % CONFIG_KHEAP_QUARANTINE];

		if (!quarantined_intact(q))
			return validate_failed(why, why_len,
			                       "kheap: quarantined block written after free");
		quarantined += room_for(h, q->align_shift) + q->size;
	}
	if (quarantined != h->count.quarantined)
		return validate_failed(why, why_len, "kheap: quarantine byte count wrong");
	return 0;
}

int kheap_validate(struct kheap *h, char *why, size_t why_len)
{
	int err;

	if (!h || !h->ops)
		return validate_failed(why, why_len, "kheap: not initialised");
	spin_lock(&h->lock);
	err = validate_locked(h, why, why_len);
	spin_unlock(&h->lock);
	return err;
}

size_t kheap_flush_quarantine(struct kheap *h)
{
	struct reports r = {0};
	size_t before;

	spin_lock(&h->lock);
	before = h->count.errors;
	while (h->q_count)
		quarantine_pop(h, &r);
	before = h->count.errors - before;
	spin_unlock(&h->lock);
	deliver(h, &r);
	return before;
}

const char *kheap_error_name(enum kheap_error kind)
{
	switch (kind) {
	case KHEAP_ERR_DOUBLE_FREE:
		return "double free";
	case KHEAP_ERR_BAD_MAGIC:
		return "invalid free (bad header)";
	case KHEAP_ERR_OUTSIDE:
		return "invalid free (outside the heap)";
	case KHEAP_ERR_MISALIGNED:
		return "invalid free (misaligned)";
	case KHEAP_ERR_POISON:
		return "write after free";
	case KHEAP_ERR_REJECTED:
		return "free rejected by the allocator";
	}
	return "unknown heap error";
}

/* ---- the kernel heap ----------------------------------------------------- */

static struct kheap kernel_heap;

int kmalloc_init_heap(const struct byte_allocator_ops *ops, void *state, void *heap, size_t size,
                      unsigned int flags)
{
	if (!ops || !heap)
		return -EINVAL;
	if (!state) {
		uintptr_t start = ALIGN_UP((uintptr_t)heap, 16);
		size_t carve = (start - (uintptr_t)heap) + ALIGN_UP(ops->state_size, 16);

		if (size <= carve)
			return -EINVAL;
		state = (void *)start;
		heap = (char *)heap + carve;
		size -= carve;
	}
	return kheap_init(&kernel_heap, ops, state, heap, size, flags);
}

struct kheap *kmalloc_heap(void)
{
	return &kernel_heap;
}

void *kmalloc(size_t size)
{
	return kheap_alloc(&kernel_heap, size, 0);
}

void *kzalloc(size_t size)
{
	void *p = kheap_alloc(&kernel_heap, size, 0);

	if (p)
		memset(p, 0, size);
	return p;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	return kheap_alloc(&kernel_heap, size, align);
}

/* noinline: the return address must be the caller's, even under LTO. */
__attribute__((noinline)) void *krealloc(void *ptr, size_t size)
{
	return kheap_realloc(&kernel_heap, ptr, size, __builtin_return_address(0));
}

__attribute__((noinline)) void kfree(void *ptr)
{
	kheap_free(&kernel_heap, ptr, __builtin_return_address(0));
}
