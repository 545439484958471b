/* SPDX-License-Identifier: MIT */
/*
 * What the slab host tests share (test_slab*.c, one program each): the arena
 * a heap is laid over, the heap, and helpers that fail the running cmocka test
 * when the allocator refuses or its validator finds damage.
 */
#ifndef TESTS_UNIT_TEST_SLAB_H
#define TESTS_UNIT_TEST_SLAB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/slab.h>

#define ARENA ((size_t)1 << 20)

static uint8_t arena[ARENA] __attribute__((aligned(1 << 16)));
static struct slab S;

static inline void assert_valid(void)
{
	char why[128] = "";
	int err = slab_validate(&S, why, sizeof(why));

	if (err)
		fail_msg("validate: %s (%s)", errno_name(err), why);
}

static inline void stats(struct byte_alloc_stats *st)
{
	slab_stats(&S, st);
}

static inline void init(size_t size)
{
	assert_int_equal(slab_init(&S, arena, size), 0);
	assert_valid();
}

static inline void *xalloc(size_t size, size_t align)
{
	void *p = NULL;

	assert_int_equal(slab_alloc(&S, size, align, &p), 0);
	assert_non_null(p);
	memset(p, 0xa5, size);
	return p;
}

#endif
