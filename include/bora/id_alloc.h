/* SPDX-License-Identifier: MIT */
/*
 * Bitmap id allocator (future ASIDs, thread ids): ids 0 .. capacity-1, lowest
 * free id first. The caller provides the storage, sized by id_storage_bytes():
 * one bit per id (1 = allocated) followed by a summary with one bit per bitmap
 * word that is full, so alloc skips 4096 taken ids per summary word. A hint
 * remembers the first summary word that may have a non-full word below which
 * every id is taken. Not locked: the caller serialises.
 */
#ifndef BORA_ID_ALLOC_H
#define BORA_ID_ALLOC_H

#include <bora/alloc.h>

#define ID_WORDS(capacity) (((size_t)(capacity) + 63) / 64)
/* Bytes of storage (8-byte aligned) for `capacity` ids; a constant expression. */
#define id_storage_bytes(capacity) ((ID_WORDS(capacity) + ID_WORDS(ID_WORDS(capacity))) * 8)

struct id_bitmap {
	uint64_t *map;  /* ID_WORDS(capacity) words; padding bits past capacity are set */
	uint64_t *full; /* ID_WORDS(ID_WORDS(capacity)) words; padding bits are clear */
	size_t capacity;
	size_t used;
	size_t hint; /* every map word below `hint` is full */
};

int id_bitmap_init(struct id_bitmap *ib, void *storage, size_t storage_bytes, size_t capacity);
int id_bitmap_alloc(struct id_bitmap *ib, size_t *id);
int id_bitmap_alloc_fixed(struct id_bitmap *ib, size_t id);
bool id_bitmap_is_allocated(const struct id_bitmap *ib, size_t id);
int id_bitmap_free(struct id_bitmap *ib, size_t id);
int id_bitmap_validate(const struct id_bitmap *ib, char *why, size_t why_len);

#endif
