// SPDX-License-Identifier: MIT
/*
 * kmalloc's debug mode (KHEAP_DEBUG, the kernel's CONFIG_ALLOC_DEBUG): a header
 * in front of every payload, poisoning, a quarantine of freed blocks, and errors
 * told apart and reported with the caller. Outside debug mode none of this runs
 * and no header exists (mm/kmalloc.c).
 *
 * Block layout: [slack][16 bytes the allocator may use while the block is free]
 * [struct kmalloc_hdr][payload...]. The byte allocator is asked for (room +
 * size) bytes at max(align, 8), where room is max(32, align), so the payload
 * keeps the alignment and the header sits right before it; free-list links an
 * allocator keeps in a freed block land in the first 16 bytes, so the header
 * survives for double-free detection while the block is quarantined.
 *
 * The header's check word binds a magic to the pointer, size and alignment (a
 * 64-bit mix folded to 32 bits), so a stale header copied elsewhere, an interior
 * pointer or random heap bytes fail the check instead of passing a wrong size to
 * the byte allocator.
 *
 * The last CONFIG_KHEAP_QUARANTINE freed blocks stay poisoned and out of the
 * byte allocator; when a block leaves the quarantine its poison and header are
 * checked, which catches writes after free before the memory is reused. An
 * allocation that fails drains the quarantine before growing.
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/string.h>

#include "kmalloc_internal.h"

#define MAGIC_LIVE  0x6b6d616cu /* "kmal" */
#define MAGIC_FREED 0x6b667265u /* "kfre" */
#define ROOM        32          /* 16 bytes of allocator scratch + the header */
#define MIN_SHIFT   3

struct kmalloc_hdr {
	uint64_t size; /* payload bytes */
	uint32_t check;
	uint8_t align_shift; /* log2 of the alignment given to the byte allocator */
	uint8_t reserved[3];
};

_Static_assert(sizeof(struct kmalloc_hdr) == 16, "the header fills the second half of the room");

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

static size_t room_for(unsigned int shift)
{
	return MAX((size_t)ROOM, (size_t)1 << shift);
}

int kheap_debug_check(const struct kheap *h, const void *ptr, size_t *size, unsigned int *shift,
                      enum kheap_error *kind)
{
	uintptr_t p = (uintptr_t)ptr;
	const struct kheap_region *r;
	const struct kmalloc_hdr *hd;

	if (!IS_ALIGNED(p, KHEAP_MIN_ALIGN)) {
		*kind = KHEAP_ERR_MISALIGNED;
		return -EINVAL;
	}
	r = kheap_region_of(h, p, sizeof(struct kmalloc_hdr));
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
	    hd->align_shift < MIN_SHIFT || hd->align_shift > KHEAP_MAX_SHIFT ||
	    !IS_ALIGNED(p, (uintptr_t)1 << hd->align_shift) ||
	    p - r->base < room_for(hd->align_shift) || hd->size > r->base + r->size - p) {
		*kind = KHEAP_ERR_BAD_MAGIC;
		return -ECORRUPT;
	}
	*size = hd->size;
	*shift = hd->align_shift;
	return 0;
}

static int release(struct kheap *h, void *ptr, size_t size, unsigned int shift)
{
	size_t room = room_for(shift);

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
void kheap_debug_quarantine_pop(struct kheap *h, struct kheap_reports *r)
{
	struct kheap_quarantined *q = &h->quarantine[h->q_head];

	h->q_head = (h->q_head + 1) % CONFIG_KHEAP_QUARANTINE;
	h->q_count--;
	h->count.quarantined -= room_for(q->align_shift) + q->size;
	if (!quarantined_intact(q)) {
		kheap_note(h, r, KHEAP_ERR_POISON, q->ptr, q->caller);
		/* Sizes come from the entry, not the damaged header. */
		write_hdr(q->ptr, MAGIC_FREED, q->size, q->align_shift);
	}
	if (release(h, q->ptr, q->size, q->align_shift))
		kheap_note(h, r, KHEAP_ERR_REJECTED, q->ptr, q->caller);
}

static void quarantine_push(struct kheap *h, void *ptr, size_t size, unsigned int shift,
                            void *caller, struct kheap_reports *r)
{
	struct kheap_quarantined *q;

	if (h->q_count == CONFIG_KHEAP_QUARANTINE)
		kheap_debug_quarantine_pop(h, r);
	q = &h->quarantine[(h->q_head + h->q_count) % CONFIG_KHEAP_QUARANTINE];
	q->ptr = ptr;
	q->caller = caller;
	q->size = size;
	q->align_shift = shift;
	h->q_count++;
	h->count.quarantined += room_for(shift) + size;
}

void *kheap_debug_alloc(struct kheap *h, size_t size, unsigned int shift, struct kheap_reports *r)
{
	size_t room = room_for(shift), gross;
	void *block, *p;

	if (size > SIZE_MAX - room)
		return NULL;
	gross = room + size;
	if (kheap_take(h, gross, (size_t)1 << shift, &block, r))
		return NULL;
	p = (char *)block + room;
	write_hdr(p, MAGIC_LIVE, size, shift);
	h->count.used += gross;
	h->count.requested += size;
	h->count.total_allocs++;
	h->count.peak_used = MAX(h->count.peak_used, h->count.used);
	return p;
}

int kheap_debug_free(struct kheap *h, void *ptr, void *caller, struct kheap_reports *r)
{
	enum kheap_error kind;
	unsigned int shift;
	size_t size;
	int err = kheap_debug_check(h, ptr, &size, &shift, &kind);

	if (err) {
		kheap_note(h, r, kind, ptr, caller);
		return err;
	}
	/* Mark before the quarantine: afterwards the allocator may own these bytes. */
	write_hdr(ptr, MAGIC_FREED, size, shift);
	memset(ptr, KHEAP_POISON, size);
	quarantine_push(h, ptr, size, shift, caller, r);
	h->count.used -= room_for(shift) + size;
	h->count.requested -= size;
	h->frees++;
	return 0;
}

int kheap_debug_resize(struct kheap *h, void *ptr, size_t old, size_t size, unsigned int shift)
{
	size_t room = room_for(shift);
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

int kheap_debug_validate(const struct kheap *h, char *why, size_t why_len)
{
	size_t quarantined = 0;

	if (h->count.requested > h->count.used || h->count.peak_used < h->count.used ||
	    (h->count.total_allocs == h->frees && h->count.used != 0))
		return validate_failed(why, why_len, "kheap: counters inconsistent");
	for (size_t i = 0; i < h->q_count; i++) {
		const struct kheap_quarantined *q =
		    &h->quarantine[(h->q_head + i) % CONFIG_KHEAP_QUARANTINE];

		if (!quarantined_intact(q))
			return validate_failed(why, why_len,
			                       "kheap: quarantined block written after free");
		quarantined += room_for(q->align_shift) + q->size;
	}
	if (quarantined != h->count.quarantined)
		return validate_failed(why, why_len, "kheap: quarantine byte count wrong");
	return 0;
}
