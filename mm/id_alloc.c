// SPDX-License-Identifier: MIT
/* Bitmap id allocator; see include/bora/id_alloc.h. */
#include <bora/id_alloc.h>
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/string.h>

#define ALL_ONES (~(uint64_t)0)

static uint64_t bit_of(size_t i)
{
	return (uint64_t)1 << (i % 64);
}

/* Bits of the last map word that stand for no id; they stay set forever. */
static uint64_t padding_mask(size_t capacity)
{
	unsigned int tail = capacity % 64;

	return tail ? ALL_ONES << tail : 0;
}

int id_bitmap_init(struct id_bitmap *ib, void *storage, size_t storage_bytes, size_t capacity)
{
	size_t words;

	/* The SIZE_MAX / 2 cap keeps id_storage_bytes() from overflowing. */
	if (!ib || !storage || capacity == 0 || capacity > SIZE_MAX / 2 ||
	    !IS_ALIGNED((uintptr_t)storage, sizeof(uint64_t)) ||
	    storage_bytes < id_storage_bytes(capacity))
		return -EINVAL;
	words = ID_WORDS(capacity);
	ib->map = storage;
	ib->full = ib->map + words;
	ib->capacity = capacity;
	ib->used = 0;
	ib->hint = 0;
	memset(ib->map, 0, id_storage_bytes(capacity));
	ib->map[words - 1] = padding_mask(capacity);
	return 0;
}

static void mark(struct id_bitmap *ib, size_t id)
{
	size_t w = id / 64;

	ib->map[w] |= bit_of(id);
	if (ib->map[w] == ALL_ONES)
		ib->full[w / 64] |= bit_of(w);
	ib->used++;
}

int id_bitmap_alloc(struct id_bitmap *ib, size_t *id)
{
	size_t words, w;

	if (!ib || !id)
		return -EINVAL;
	words = ID_WORDS(ib->capacity);
	for (size_t sw = ib->hint / 64; sw * 64 < words; sw++) {
		uint64_t not_full = ~ib->full[sw];

		if (sw == ib->hint / 64)
			not_full &= ALL_ONES << (ib->hint % 64);
		if (!not_full)
			continue;
		w = sw * 64 + (size_t)ffs64(not_full);
		if (w >= words)
			break; /* summary padding: no word left */
		ib->hint = w;
		*id = w * 64 + (size_t)ffs64(~ib->map[w]);
		mark(ib, *id);
		return 0;
	}
	ib->hint = words;
	return -ENOMEM;
}

int id_bitmap_alloc_fixed(struct id_bitmap *ib, size_t id)
{
	if (!ib || id >= ib->capacity)
		return -EINVAL;
	if (ib->map[id / 64] & bit_of(id))
		return -EEXIST;
	mark(ib, id);
	return 0;
}

bool id_bitmap_is_allocated(const struct id_bitmap *ib, size_t id)
{
	return ib && id < ib->capacity && (ib->map[id / 64] & bit_of(id));
}

int id_bitmap_free(struct id_bitmap *ib, size_t id)
{
	size_t w;

	if (!ib || id >= ib->capacity)
		return -EINVAL;
	w = id / 64;
	if (!(ib->map[w] & bit_of(id)))
		return -ENOTALLOC;
	ib->map[w] &= ~bit_of(id);
	ib->full[w / 64] &= ~bit_of(w);
	ib->used--;
	if (w < ib->hint)
		ib->hint = w;
	return 0;
}

int id_bitmap_validate(const struct id_bitmap *ib, char *why, size_t why_len)
{
	size_t words, set = 0;

	if (!ib || !ib->map || !ib->full || ib->capacity == 0 || ib->used > ib->capacity)
		return validate_failed(why, why_len, "bad header");
	words = ID_WORDS(ib->capacity);
	if (ib->hint > words)
		return validate_failed(why, why_len, "hint out of range");
	if ((ib->map[words - 1] & padding_mask(ib->capacity)) != padding_mask(ib->capacity))
		return validate_failed(why, why_len, "padding ids marked free");
	for (size_t w = 0; w < words; w++) {
		bool full = ib->map[w] == ALL_ONES;

		if (full != !!(ib->full[w / 64] & bit_of(w)))
			return validate_failed(why, why_len, "full summary disagrees with bitmap");
		if (w < ib->hint && !full)
			return validate_failed(why, why_len, "free id below the hint");
		set += (size_t)__builtin_popcountll(ib->map[w]);
	}
	if (words % 64 && (ib->full[words / 64] & (ALL_ONES << (words % 64))))
		return validate_failed(why, why_len, "summary padding set");
	if (set - (size_t)__builtin_popcountll(padding_mask(ib->capacity)) != ib->used)
		return validate_failed(why, why_len, "used count disagrees with bitmap");
	return 0;
}

static int ops_init(void *state, void *storage, size_t storage_bytes, size_t capacity)
{
	return id_bitmap_init(state, storage, storage_bytes, capacity);
}

static int ops_alloc(void *state, size_t *id)
{
	return id_bitmap_alloc(state, id);
}

static int ops_alloc_fixed(void *state, size_t id)
{
	return id_bitmap_alloc_fixed(state, id);
}

static bool ops_is_allocated(const void *state, size_t id)
{
	return id_bitmap_is_allocated(state, id);
}

static int ops_free(void *state, size_t id)
{
	return id_bitmap_free(state, id);
}

static size_t ops_capacity(const void *state)
{
	return ((const struct id_bitmap *)state)->capacity;
}

static size_t ops_used(const void *state)
{
	return ((const struct id_bitmap *)state)->used;
}

static int ops_validate(const void *state, char *why, size_t why_len)
{
	return id_bitmap_validate(state, why, why_len);
}

const struct id_allocator_ops bitmap_id_ops = {
    .name = "bitmap",
    .state_size = sizeof(struct id_bitmap),
    .init = ops_init,
    .alloc = ops_alloc,
    .alloc_fixed = ops_alloc_fixed,
    .is_allocated = ops_is_allocated,
    .free = ops_free,
    .capacity = ops_capacity,
    .used = ops_used,
    .validate = ops_validate,
};
