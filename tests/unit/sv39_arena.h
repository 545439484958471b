/* SPDX-License-Identifier: MIT */
/*
 * A fake physical memory for the Sv39 host tests: `pages` frames at a made-up
 * physical base, handed out by a frame source that counts allocations and
 * frees, detects double and foreign frees, can be told to fail after N more
 * allocations, fills fresh frames with garbage (so the table code must zero
 * them) and poisons freed ones (so a use after free shows up in validate).
 */
#ifndef SV39_ARENA_H
#define SV39_ARENA_H

#include <stdlib.h>
#include <string.h>

#include <bora/sv39.h>

#define ARENA_BASE 0x100000000ULL

struct arena {
	uint8_t *mem;
	uint8_t *used;
	size_t pages;
	size_t allocs, frees, in_use;
	size_t double_frees, foreign_frees, bad_lookups;
	long fail_after; /* < 0: never fail */
	size_t flushes, flush_alls;
	uint64_t last_flush;
	struct sv39_env env;
};

static int arena_alloc(void *ctx, uint64_t *pa)
{
	struct arena *a = ctx;

	if (a->fail_after == 0)
		return -ENOMEM;
	if (a->fail_after > 0)
		a->fail_after--;
	for (size_t i = 0; i < a->pages; i++) {
		if (!a->used[i]) {
			a->used[i] = 1;
			a->allocs++;
			a->in_use++;
			memset(a->mem + i * PAGE_SIZE, 0xa5, PAGE_SIZE);
			*pa = ARENA_BASE + i * PAGE_SIZE;
			return 0;
		}
	}
	return -ENOMEM;
}

static void arena_free(void *ctx, uint64_t pa)
{
	struct arena *a = ctx;
	size_t i = (pa - ARENA_BASE) / PAGE_SIZE;

	if (pa < ARENA_BASE || i >= a->pages || pa % PAGE_SIZE) {
		a->foreign_frees++;
		return;
	}
	if (!a->used[i]) {
		a->double_frees++;
		return;
	}
	a->used[i] = 0;
	a->frees++;
	a->in_use--;
	memset(a->mem + i * PAGE_SIZE, 0xdd, PAGE_SIZE);
}

static void *arena_virt(void *ctx, uint64_t pa)
{
	struct arena *a = ctx;
	size_t i = (pa - ARENA_BASE) / PAGE_SIZE;

	if (pa < ARENA_BASE || i >= a->pages || !a->used[i]) {
		/* Point at a zeroed scratch page so the caller's failure is an assertion, not a
		 * crash. */
		static uint64_t scratch[512] __attribute__((aligned(4096)));

		a->bad_lookups++;
		memset(scratch, 0, sizeof(scratch));
		return scratch;
	}
	return a->mem + (pa - ARENA_BASE);
}

static void arena_flush(void *ctx, uint64_t va)
{
	struct arena *a = ctx;

	if (va == SV39_FLUSH_ALL)
		a->flush_alls++;
	else
		a->flushes++;
	a->last_flush = va;
}

static struct arena *arena_new(size_t pages)
{
	struct arena *a = calloc(1, sizeof(*a));

	a->pages = pages;
	a->mem = aligned_alloc(PAGE_SIZE, pages * PAGE_SIZE);
	a->used = calloc(pages, 1);
	a->fail_after = -1;
	a->env = (struct sv39_env){arena_alloc, arena_free, arena_virt, arena_flush, a};
	return a;
}

static void arena_delete(struct arena *a)
{
	free(a->mem);
	free(a->used);
	free(a);
}

#endif
