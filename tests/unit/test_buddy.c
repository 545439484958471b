// SPDX-License-Identifier: MIT
/*
 * Host tests of mm/buddy.c. Built once per minimum unit (buddy.mk passes
 * -DCONFIG_BUDDY_MIN_ORDER=3/4/5); UNIT below follows it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <bora/bitops.h>
#include <bora/buddy.h>
#include <bora/errno.h>

#ifndef CONFIG_BUDDY_MIN_ORDER
#define CONFIG_BUDDY_MIN_ORDER 4
#endif
#define SHIFT ((unsigned)CONFIG_BUDDY_MIN_ORDER)
#define UNIT  ((size_t)1 << SHIFT)
#define TOP   ((size_t)64 << 10) /* the exact top block used by several tests */

static uint8_t arena[512 << 10] __attribute__((aligned(256 << 10)));
static struct buddy B;

static void assert_valid(const struct buddy *b)
{
	char why[128] = "";
	int err = buddy_validate(b, why, sizeof(why));

	if (err)
		fail_msg("validate: %s (%s)", errno_name(err), why);
}

static void stats(struct byte_alloc_stats *st)
{
	buddy_stats(&B, st);
}

/*
 * Init B so that its data area is exactly one naturally aligned TOP-byte block:
 * the region ends on a TOP boundary and starts just far enough below the
 * previous one to hold the header and tags. Found by trying start offsets,
 * which also exercises unaligned bases.
 */
static uint8_t *init_exact_top(void)
{
	uint8_t *top = arena + TOP;
	struct byte_alloc_stats st;

	for (size_t d = 1; d < TOP; d++) {
		assert_int_equal(buddy_init(&B, top - d, d + TOP, SHIFT), 0);
		stats(&st);
		if (st.largest_free == TOP && st.available == TOP) {
			assert_int_equal(B.nfree[ilog2_u64(TOP / UNIT)], 1);
			assert_valid(&B);
			return top;
		}
	}
	fail_msg("no start offset gives an exact top block");
	return NULL;
}

static void assert_nfree(const size_t *expect)
{
	for (unsigned k = 0; k < BUDDY_ORDERS; k++)
		if (B.nfree[k] != expect[k])
			fail_msg("order %u: %zu free blocks, expected %zu", k, B.nfree[k],
			         expect[k]);
}

static void split_and_merge_restore_top_block(void **state)
{
	unsigned top_k = (unsigned)ilog2_u64(TOP / UNIT);
	size_t expect[BUDDY_ORDERS] = {0};
	uint8_t *top = init_exact_top();
	void *p;

	(void)state;
	assert_int_equal(buddy_alloc(&B, 1, 1, &p), 0);
	assert_ptr_equal(p, top);
	/* One unit split off the top leaves one free block at every lower order. */
	for (unsigned k = 0; k < top_k; k++)
		expect[k] = 1;
	assert_nfree(expect);
	assert_valid(&B);
	assert_int_equal(buddy_free(&B, p, 1, 1), 0);
	memset(expect, 0, sizeof(expect));
	expect[top_k] = 1;
	assert_nfree(expect);
	assert_valid(&B);
}

static void order_lists_follow_known_sequence(void **state)
{
	unsigned top_k = (unsigned)ilog2_u64(TOP / UNIT);
	size_t expect[BUDDY_ORDERS] = {0};
	uint8_t *top = init_exact_top();
	void *a, *b, *c, *d;

	(void)state;
	assert_int_equal(buddy_alloc(&B, UNIT, 1, &a), 0);
	assert_int_equal(buddy_alloc(&B, 2 * UNIT, 1, &b), 0);
	assert_int_equal(buddy_alloc(&B, UNIT - 1, 1, &c), 0);
	assert_int_equal(buddy_alloc(&B, 1, 1, &d), 0);
	assert_ptr_equal(a, top);
	assert_ptr_equal(b, top + 2 * UNIT);
	assert_ptr_equal(c, top + UNIT);
	/* d splits the order-2 block at 4 units: d = 4, free 5 (order 0), 6 (order 1). */
	assert_ptr_equal(d, top + 4 * UNIT);
	expect[0] = 1;
	expect[1] = 1;
	for (unsigned k = 3; k < top_k; k++)
		expect[k] = 1;
	assert_nfree(expect);
	assert_valid(&B);

	/* Free a: its buddy c is live, so a sits alone on order 0. */
	assert_int_equal(buddy_free(&B, a, UNIT, 1), 0);
	expect[0] = 2;
	assert_nfree(expect);
	/* Free c: merges with a, then with nothing (b is live). */
	assert_int_equal(buddy_free(&B, c, UNIT, 1), 0);
	expect[0] = 1;
	expect[1] = 2;
	assert_nfree(expect);
	/* Free b: order 1 + order 1 -> order 2, whose buddy (4..7) is partly live. */
	assert_int_equal(buddy_free(&B, b, 2 * UNIT, 1), 0);
	expect[1] = 1;
	expect[2] = 1;
	assert_nfree(expect);
	assert_valid(&B);
	/* Free d: cascades all the way back to the single top block. */
	assert_int_equal(buddy_free(&B, d, 1, 1), 0);
	memset(expect, 0, sizeof(expect));
	expect[top_k] = 1;
	assert_nfree(expect);
	assert_valid(&B);
}

static void size_and_alignment_raise_the_order(void **state)
{
	struct byte_alloc_stats st;
	void *p, *q;

	(void)state;
	init_exact_top();
	assert_int_equal(buddy_alloc(&B, 3 * UNIT, 1, &p), 0);
	stats(&st);
	assert_int_equal(st.used, 4 * UNIT);
	assert_int_equal(buddy_alloc(&B, 1, 1024, &q), 0);
	assert_true(((uintptr_t)q & 1023) == 0);
	stats(&st);
	assert_int_equal(st.used, 4 * UNIT + 1024);
	/* The unit sets both the smallest block and the natural alignment. */
	assert_true(((uintptr_t)p & (UNIT - 1)) == 0);
	assert_int_equal(buddy_free(&B, q, 1, 1024), 0);
	assert_int_equal(buddy_free(&B, p, 3 * UNIT, 1), 0);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_valid(&B);
}

static void min_unit_is_the_configured_one(void **state)
{
	struct byte_alloc_stats st;
	void *p, *q;

	(void)state;
	init_exact_top();
	assert_int_equal(buddy_alloc(&B, 1, 1, &p), 0);
	assert_int_equal(buddy_alloc(&B, 1, 1, &q), 0);
	stats(&st);
	assert_int_equal(st.used, 2 * UNIT);
	assert_int_equal((uint8_t *)q - (uint8_t *)p, UNIT);
	assert_int_equal(buddy_block_bytes(&B, 0), UNIT);
	/* The byte-ops table uses the same unit. */
	static _Alignas(16) uint8_t st_buf[sizeof(struct buddy)];
	assert_int_equal(buddy_byte_ops.state_size, sizeof(struct buddy));
	assert_int_equal(buddy_byte_ops.init(st_buf, arena + TOP, TOP), 0);
	assert_int_equal(((struct buddy *)st_buf)->unit_shift, SHIFT);
}

/*
 * Fill the top block with unit blocks, free every other one: a long order-0
 * list whose members all have live buddies. Freeing one more block (whose
 * buddy is on that list) must touch the same few list nodes however long
 * the list is: the buddy is found through its tag, not by walking.
 */
static uint64_t visits_for_merge_with_list_of(size_t freed_before)
{
	size_t n = TOP / UNIT;
	uint8_t *top = init_exact_top();
	void *p;
	uint64_t before;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(buddy_alloc(&B, UNIT, 1, &p), 0);
		assert_ptr_equal(p, top + i * UNIT);
	}
	for (size_t i = 0; i < freed_before; i++)
		assert_int_equal(buddy_free(&B, top + (2 * i + 1) * UNIT, UNIT, 1), 0);
	assert_int_equal(B.nfree[0], freed_before);
	/* The middle of the list, so a walk from either end would be long. */
	size_t victim = 2 * (freed_before / 2);
	before = B.link_visits;
	assert_int_equal(buddy_free(&B, top + victim * UNIT, UNIT, 1), 0);
	assert_int_equal(B.nfree[0], freed_before - 1);
	assert_int_equal(B.nfree[1], 1);
	assert_valid(&B);
	return B.link_visits - before;
}

static void buddy_check_is_constant_time(void **state)
{
	uint64_t short_list, long_list;

	(void)state;
	short_list = visits_for_merge_with_list_of(4);
	long_list = visits_for_merge_with_list_of(TOP / UNIT / 2);
	assert_true(TOP / UNIT / 2 >= 1000);
	/* remove(buddy): itself + prev + next; push: itself + old head. */
	assert_true(long_list <= 5);
	assert_int_equal(short_list, long_list);
}

/* Allocate units until ENOMEM, check every byte is counted, free, compare. */
static void fill_and_drain(size_t size)
{
	static void *ptrs[(512 << 10) / 8];
	struct byte_alloc_stats st0, st;
	size_t expect[BUDDY_ORDERS], n = 0;
	int err;

	memcpy(expect, B.nfree, sizeof(expect));
	stats(&st0);
	while ((err = buddy_alloc(&B, size, 1, &ptrs[n])) == 0) {
		memset(ptrs[n], (int)(n & 0xff), size);
		n++;
	}
	assert_int_equal(err, -ENOMEM);
	stats(&st);
	/* Nothing left that could hold one more block of this order. */
	assert_true(st.largest_free < roundup_pow2(ALIGN_UP(size, UNIT)));
	assert_int_equal(st.used + st.available, st0.used + st0.available);
	assert_int_equal(st.used - st0.used, n * roundup_pow2(ALIGN_UP(size, UNIT)));
	assert_valid(&B);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < size; j++)
			assert_int_equal(((uint8_t *)ptrs[i])[j], i & 0xff);
		assert_int_equal(buddy_free(&B, ptrs[i], size, 1), 0);
	}
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_nfree(expect);
	assert_valid(&B);
}

static void odd_regions_are_decomposed_and_fully_usable(void **state)
{
	struct byte_alloc_stats st;
	size_t sizes[] = {100003, 4096 + 7, 3 * 4096 + 1, 77777};
	size_t offs[] = {3, 1, 4096 - 5, 8 * UNIT + 1};

	(void)state;
	for (size_t t = 0; t < 4; t++) {
		assert_int_equal(buddy_init(&B, arena + offs[t], sizes[t], SHIFT), 0);
		assert_valid(&B);
		stats(&st);
		assert_int_equal(st.total, sizes[t]);
		assert_int_equal(st.total, st.used + st.available + st.metadata);
		/* Metadata: header + 1 tag byte per unit + alignment slack, so ~1/UNIT. */
		assert_true(st.metadata < 256 + sizes[t] / UNIT + 2 * UNIT);
		fill_and_drain(UNIT);
		fill_and_drain(3 * UNIT);
	}
}

static void add_region_extends_and_rejects_overlap(void **state)
{
	struct byte_alloc_stats st0, st;
	void *p, *q;

	(void)state;
	assert_int_equal(buddy_init(&B, arena, 8192, SHIFT), 0);
	stats(&st0);
	assert_int_equal(buddy_add_region(&B, arena + 4096, 8192), -EOVERLAP);
	assert_int_equal(buddy_add_region(&B, arena + 8191, 10), -EOVERLAP);
	assert_int_equal(buddy_add_region(&B, NULL, 8192), -EINVAL);
	assert_int_equal(buddy_add_region(&B, arena + 9000, 0), -EINVAL);
	assert_int_equal(buddy_add_region(&B, arena + 9000, 8), -EINVAL);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_int_equal(buddy_add_region(&B, arena + 3 * TOP, 2 * TOP), 0);
	assert_valid(&B);
	stats(&st);
	assert_int_equal(st.total, st0.total + 2 * TOP);
	/* Larger than anything the first region can hold: must come from the second. */
	assert_int_equal(buddy_alloc(&B, 16384, 1, &p), 0);
	assert_true((uint8_t *)p >= arena + 3 * TOP && (uint8_t *)p < arena + 5 * TOP);
	assert_int_equal(buddy_alloc(&B, 1, 1, &q), 0);
	fill_and_drain(2 * UNIT);
	assert_int_equal(buddy_free(&B, p, 16384, 1), 0);
	assert_int_equal(buddy_free(&B, q, 1, 1), 0);
	assert_valid(&B);
}

static void bad_requests_and_frees_leave_state_intact(void **state)
{
	struct byte_alloc_stats st0, st;
	uint8_t *top = init_exact_top();
	uint8_t outside[64];
	void *p, *q, *out = (void *)0x1234;

	(void)state;
	assert_int_equal(buddy_alloc(&B, 4 * UNIT, 1, &p), 0);
	assert_int_equal(buddy_alloc(&B, UNIT, 1, &q), 0);
	stats(&st0);

	assert_int_equal(buddy_alloc(&B, 0, 1, &out), -EINVAL);
	assert_int_equal(buddy_alloc(&B, SIZE_MAX, 1, &out), -EINVAL);
	assert_int_equal(buddy_alloc(&B, SIZE_MAX / 2 + 2, 1, &out), -EINVAL);
	assert_int_equal(buddy_alloc(&B, 16, 3, &out), -EINVAL);
	assert_int_equal(buddy_alloc(&B, 16, 0, &out), -EINVAL);
	assert_int_equal(buddy_alloc(&B, 16, (size_t)1 << 62, &out), -EINVAL);
	assert_int_equal(buddy_alloc(&B, 16, 4 * TOP, &out), -ENOMEM);
	assert_int_equal(buddy_alloc(&B, 2 * TOP, 1, &out), -ENOMEM);
	assert_ptr_equal(out, (void *)0x1234);

	assert_int_equal(buddy_free(&B, outside, UNIT, 1), -ENOTALLOC);
	assert_int_equal(buddy_free(&B, NULL, UNIT, 1), -ENOTALLOC);
	assert_int_equal(buddy_free(&B, (uint8_t *)p + UNIT, UNIT, 1), -ENOTALLOC);
	assert_int_equal(buddy_free(&B, (uint8_t *)p + 1, 4 * UNIT, 1), -ENOTALLOC);
	assert_int_equal(buddy_free(&B, top + TOP / 2, UNIT, 1), -ENOTALLOC); /* free head */
	assert_int_equal(buddy_free(&B, p, 8 * UNIT, 1), -EINVAL);
	assert_int_equal(buddy_free(&B, p, UNIT, 1), -EINVAL);
	assert_int_equal(buddy_free(&B, p, 4 * UNIT, 64 * UNIT), -EINVAL);
	assert_int_equal(buddy_free(&B, p, 0, 1), -EINVAL);
	assert_int_equal(buddy_free(&B, p, 4 * UNIT, 5), -EINVAL);
	assert_int_equal(buddy_resize_in_place(&B, (uint8_t *)p + UNIT, UNIT, UNIT, 1), -ENOTALLOC);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_valid(&B);

	/* Same order, different byte count: the algorithm rounded it, so it is accepted. */
	assert_int_equal(buddy_free(&B, p, 3 * UNIT + 1, 1), 0);
	assert_int_equal(buddy_free(&B, p, 4 * UNIT, 1), -ENOTALLOC);
	assert_int_equal(buddy_free(&B, q, UNIT, 1), 0);
	assert_int_equal(buddy_free(&B, q, UNIT, 1), -ENOTALLOC);
	assert_valid(&B);
	stats(&st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.largest_free, TOP);
}

static void init_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(buddy_init(&B, arena, 4096, 2), -EINVAL);
	assert_int_equal(buddy_init(&B, arena, 4096, BUDDY_UNIT_SHIFT_MAX + 1), -EINVAL);
	assert_int_equal(buddy_init(&B, NULL, 4096, SHIFT), -EINVAL);
	assert_int_equal(buddy_init(&B, arena, 0, SHIFT), -EINVAL);
	assert_int_equal(buddy_init(&B, arena, 40, SHIFT), -EINVAL);
	assert_int_equal(buddy_init(&B, (void *)(UINTPTR_MAX - 64), 4096, SHIFT), -EINVAL);
	/* A one-unit region works if there is room for the header. */
	assert_int_equal(buddy_init(&B, arena, 512, SHIFT), 0);
	assert_valid(&B);
}

static void validate_catches_corruption(void **state)
{
	uint8_t *top = init_exact_top();
	char why[128];
	uint32_t *link;
	void *p;

	(void)state;
	assert_int_equal(buddy_alloc(&B, UNIT, 1, &p), 0);
	/* The unit after p is the free order-0 block; its second word is the prev link. */
	link = (uint32_t *)(top + UNIT);
	link[1] ^= 0x5a;
	assert_int_equal(buddy_validate(&B, why, sizeof(why)), -ECORRUPT);
	assert_string_equal(why, "free-list prev link broken");
	link[1] ^= 0x5a;
	assert_valid(&B);
	B.used += UNIT;
	assert_int_equal(buddy_validate(&B, why, sizeof(why)), -ECORRUPT);
	assert_string_equal(why, "used counter disagrees with the tags");
	B.used -= UNIT;
	B.nfree[3]++;
	assert_int_equal(buddy_validate(&B, why, 8), -ECORRUPT);
	assert_string_equal(why, "per-ord"); /* truncated to the buffer */
	B.nfree[3]--;
	assert_valid(&B);
}

static void resize_in_place_grows_and_shrinks(void **state)
{
	struct byte_alloc_stats st;
	uint8_t *top = init_exact_top();
	void *p, *q;

	(void)state;
	assert_int_equal(buddy_alloc(&B, UNIT, 1, &p), 0);
	assert_ptr_equal(p, top);
	assert_int_equal(buddy_resize_in_place(&B, p, UNIT, 8 * UNIT, 1), 0);
	assert_int_equal(buddy_alloc(&B, UNIT, 1, &q), 0);
	assert_ptr_equal(q, top + 8 * UNIT);
	/* Growing to 16 units would need q's block. */
	assert_int_equal(buddy_resize_in_place(&B, p, 8 * UNIT, 16 * UNIT, 1), -ENOMEM);
	assert_int_equal(buddy_resize_in_place(&B, p, 8 * UNIT, 2 * UNIT, 1), 0);
	stats(&st);
	assert_int_equal(st.used, 3 * UNIT);
	assert_valid(&B);
	assert_int_equal(buddy_free(&B, p, 8 * UNIT, 1), -EINVAL);
	assert_int_equal(buddy_free(&B, p, 2 * UNIT, 1), 0);
	assert_int_equal(buddy_free(&B, q, UNIT, 1), 0);
	assert_int_equal(B.nfree[ilog2_u64(TOP / UNIT)], 1);
	assert_valid(&B);
}

static void lookup_and_mark(void **state)
{
	unsigned order;
	bool mark;
	void *p;

	(void)state;
	init_exact_top();
	assert_int_equal(buddy_alloc(&B, 4 * UNIT, 1, &p), 0);
	assert_int_equal(buddy_lookup(&B, p, &order, &mark), 0);
	assert_int_equal(order, 2);
	assert_false(mark);
	assert_int_equal(buddy_set_mark(&B, p, true), 0);
	assert_int_equal(buddy_lookup(&B, p, &order, &mark), 0);
	assert_true(mark);
	assert_int_equal(buddy_marked_bytes(&B), 4 * UNIT);
	assert_valid(&B);
	assert_int_equal(buddy_lookup(&B, (uint8_t *)p + UNIT, NULL, NULL), -ENOTALLOC);
	assert_int_equal(buddy_set_mark(&B, (uint8_t *)p + 4 * UNIT, true), -ENOTALLOC);
	assert_int_equal(buddy_free_order(&B, p, 2), 0);
	assert_int_equal(buddy_marked_bytes(&B), 0);
	assert_int_equal(buddy_lookup(&B, p, NULL, NULL), -ENOTALLOC);
	assert_valid(&B);
}

/* Random alloc/free mix with content checks and periodic validation. */
static void random_mix_keeps_invariants(void **state)
{
	enum { SLOTS = 256 };
	static struct {
		uint8_t *p;
		size_t size, align;
	} live[SLOTS];
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct byte_alloc_stats st0, st;

	(void)state;
	assert_int_equal(buddy_init(&B, arena + 5, sizeof(arena) - 5, SHIFT), 0);
	stats(&st0);
	memset(live, 0, sizeof(live));
	for (int step = 0; step < 20000; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned s = (unsigned)(rng >> 33) % SLOTS;

		if (live[s].p) {
			for (size_t j = 0; j < live[s].size; j++)
				assert_int_equal(live[s].p[j], (uint8_t)s);
			assert_int_equal(buddy_free(&B, live[s].p, live[s].size, live[s].align), 0);
			live[s].p = NULL;
		} else {
			size_t size = 1 + (rng >> 40) % ((rng >> 20) & 1 ? 64 : 3000);
			size_t align = (size_t)1 << ((rng >> 50) % 10);
			void *p;
			int err = buddy_alloc(&B, size, align, &p);

			if (err) {
				assert_int_equal(err, -ENOMEM);
				continue;
			}
			assert_true(((uintptr_t)p & (align - 1)) == 0);
			memset(p, s, size);
			live[s].p = p;
			live[s].size = size;
			live[s].align = align;
		}
		if (step % 1000 == 0)
			assert_valid(&B);
	}
	for (unsigned s = 0; s < SLOTS; s++)
		if (live[s].p)
			assert_int_equal(buddy_free(&B, live[s].p, live[s].size, live[s].align), 0);
	stats(&st);
	assert_memory_equal(&st, &st0, sizeof(st));
	assert_valid(&B);
}

/*
 * buddy_of's upper bound (issue 16): in a region whose unit count n is odd, the
 * last unit's order-0 buddy would be unit n, one past the data area, and its tag
 * would be the byte just past the tag array. Make that byte read "free, order
 * 0", then free the last block: it must stay alone (the bound is `>= data end`;
 * with `>` the free merges with a block that does not exist).
 */
static void last_block_never_merges_past_the_data_area(void **state)
{
	static void *blocks[4096];
	uint8_t *region = arena + 4096, *data = NULL, *last = NULL, *tag_past;
	struct byte_alloc_stats st;
	size_t n = 0, size, units = 0;
	bool is_free = false;

	(void)state;
	/*
	 * A region of an odd unit count that is not a power of two, whose last unit
	 * has its order-0 buddy above it (blocks pair by address bit, so the last
	 * unit's address must have the UNIT bit clear).
	 */
	for (size = 1000; size < 4096 * UNIT; size += 8) {
		memset(arena, 0xee, sizeof(arena));
		assert_int_equal(buddy_init(&B, region, size, SHIFT), 0);
		stats(&st);
		units = st.available / UNIT;
		if (units % 2 == 0 || units < 3 || is_power_of_2(units) || units > 4096)
			continue;
		/* Every unit as an order-0 block: the lowest is the data area's start. */
		data = last = NULL;
		for (n = 0; n < units && buddy_alloc(&B, 1, 1, &blocks[n]) == 0; n++) {
			if (!data || (uint8_t *)blocks[n] < data)
				data = blocks[n];
			if (!last || (uint8_t *)blocks[n] > last)
				last = blocks[n];
		}
		assert_int_equal(n, units);
		if (((uintptr_t)last & UNIT) == 0)
			break;
	}
	assert_true(last && ((uintptr_t)last & UNIT) == 0);
	assert_ptr_equal(last, data + (units - 1) * UNIT);
	/* The tag array ends right below the data area, after at most unit - 1 bytes of
	 * alignment slack that init left as it found them (0xee); its last byte is the
	 * last unit's tag. */
	tag_past = data - 1;
	while (*tag_past == 0xee)
		tag_past--;
	assert_true(data - tag_past <= (ptrdiff_t)UNIT);
	tag_past++;       /* tags[n]: slack, or the first byte of unit 0's (live) block */
	*tag_past = 0x40; /* TAG_FREE | order 0, as mm/buddy.c encodes it */

	assert_null(buddy_buddy_of(&B, last, 0, &is_free));
	assert_int_equal(buddy_free(&B, last, 1, 1), 0);
	assert_valid(&B);
	assert_int_equal(B.nfree[0], 1);
	assert_int_equal(B.nfree[1], 0);
	stats(&st);
	assert_int_equal(st.available, UNIT);
	assert_int_equal(st.largest_free, UNIT);
	/* And the block is a block of its own: allocating one unit gives it back. */
	assert_int_equal(buddy_alloc(&B, 1, 1, &blocks[0]), 0);
	assert_ptr_equal(blocks[0], last);
	assert_valid(&B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(split_and_merge_restore_top_block),
	    cmocka_unit_test(order_lists_follow_known_sequence),
	    cmocka_unit_test(size_and_alignment_raise_the_order),
	    cmocka_unit_test(min_unit_is_the_configured_one),
	    cmocka_unit_test(buddy_check_is_constant_time),
	    cmocka_unit_test(odd_regions_are_decomposed_and_fully_usable),
	    cmocka_unit_test(add_region_extends_and_rejects_overlap),
	    cmocka_unit_test(bad_requests_and_frees_leave_state_intact),
	    cmocka_unit_test(init_rejects_bad_arguments),
	    cmocka_unit_test(validate_catches_corruption),
	    cmocka_unit_test(resize_in_place_grows_and_shrinks),
	    cmocka_unit_test(lookup_and_mark),
	    cmocka_unit_test(random_mix_keeps_invariants),
	    cmocka_unit_test(last_block_never_merges_past_the_data_area),
	};
	char name[32];

	snprintf(name, sizeof(name), "buddy (unit %zu)", UNIT);
	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}
