// SPDX-License-Identifier: MIT
/*
 * kheap and the kmalloc wrappers over one byte allocator, chosen at build time
 * with -DKHEAP_TEST_OPS=<name>_byte_ops (tests/unit/kmalloc.mk builds one
 * binary per allocator in mm/). Growth takes pages from the bitmap page
 * allocator over an mmap'd range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bora/bitmap_page.h>
#include <bora/errno.h>
#include <bora/kmalloc.h>

#ifndef KHEAP_TEST_OPS
#error "build with -DKHEAP_TEST_OPS=<allocator>_byte_ops"
#endif

#define STRINGIFY(x) #x
#define OPS_NAME_(x) STRINGIFY(x)
#define OPS_NAME     OPS_NAME_(KHEAP_TEST_OPS)

#define HEAP_SIZE (64 * 1024)
/* Debug mode's room in front of each payload (mm/kmalloc_debug.c). */
#define DEBUG_ROOM 32
#define MAX(a, b)  ((a) > (b) ? (a) : (b))

static _Alignas(HEAP_SIZE) unsigned char heap_buf[HEAP_SIZE];
static void *ops_state;
static struct kheap heap;

/* The allocator under test, reached through a copy whose resize can be overridden. */
enum resize_mode { RESIZE_REAL, RESIZE_ENOTSUP, RESIZE_ENOMEM, RESIZE_ABSENT };
static enum resize_mode resize_mode;
static int resize_calls, resize_last;
static struct byte_allocator_ops test_ops;

static int resize_hook(void *state, void *ptr, size_t old_size, size_t new_size, size_t align)
{
	resize_calls++;
	if (resize_mode == RESIZE_ENOTSUP)
		resize_last = -ENOTSUP;
	else if (resize_mode == RESIZE_ENOMEM)
		resize_last = -ENOMEM;
	else
		resize_last = KHEAP_TEST_OPS.resize_in_place(state, ptr, old_size, new_size, align);
	return resize_last;
}

static struct {
	int n;
	enum kheap_error kind;
	void *ptr;
	void *caller;
} rec;

static void recorder(struct kheap *h, enum kheap_error kind, void *ptr, void *caller)
{
	assert_false(spin_is_locked(&h->lock)); /* reported after the lock is dropped */
	rec.n++;
	rec.kind = kind;
	rec.ptr = ptr;
	rec.caller = caller;
}

static void assert_heap_valid(struct kheap *h)
{
	char why[128] = "";

	if (kheap_validate(h, why, sizeof(why)))
		fail_msg("kheap_validate: %s", why);
	assert_false(spin_is_locked(&h->lock));
}

static void setup_heap(unsigned int flags)
{
	test_ops = KHEAP_TEST_OPS;
	resize_mode = RESIZE_REAL;
	resize_calls = 0;
	if (test_ops.resize_in_place)
		test_ops.resize_in_place = resize_hook;
	memset(&rec, 0, sizeof(rec));
	memset(heap_buf, 0, sizeof(heap_buf)); /* no stale headers from an earlier test */
	assert_int_equal(kheap_init(&heap, &test_ops, ops_state, heap_buf, HEAP_SIZE, flags), 0);
	heap.report = recorder;
}

static int group_setup(void **state)
{
	(void)state;
	ops_state = aligned_alloc(64, (KHEAP_TEST_OPS.state_size + 63) & ~(size_t)63);
	return ops_state ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(ops_state);
	return 0;
}

static void fill(void *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)p)[i] = (unsigned char)(seed + i * 7);
}

static bool filled(const void *p, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		if (((const unsigned char *)p)[i] != (unsigned char)(seed + i * 7))
			return false;
	return true;
}

static void init_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(kheap_init(&heap, NULL, ops_state, heap_buf, HEAP_SIZE, 0), -EINVAL);
	assert_int_equal(kheap_init(&heap, &KHEAP_TEST_OPS, NULL, heap_buf, HEAP_SIZE, 0), -EINVAL);
	assert_int_equal(kheap_init(&heap, &KHEAP_TEST_OPS, ops_state, NULL, HEAP_SIZE, 0),
	                 -EINVAL);
	assert_int_equal(kheap_init(&heap, &KHEAP_TEST_OPS, ops_state, heap_buf, 0, 0), -EINVAL);
	assert_int_equal(kheap_init(&heap, &KHEAP_TEST_OPS, ops_state, heap_buf, HEAP_SIZE, 0x80),
	                 -EINVAL);
	assert_null(kheap_alloc(NULL, 16, 0));
	assert_int_equal(kheap_free(NULL, heap_buf, NULL), -EINVAL);
}

/*
 * Outside debug mode a block is the allocator's (usable size >= the request,
 * no header); in debug mode the header keeps the exact size.
 */
static void header_round_trip(void **state)
{
	void *p[64];
	struct kheap_stats st;

	(void)state;
	for (unsigned int flags = 0; flags <= KHEAP_DEBUG; flags++) {
		setup_heap(flags);
		for (size_t i = 0; i < 64; i++) {
			size_t size = 1 + i * 7;

			p[i] = kheap_alloc(&heap, size, 0);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)p[i] % KHEAP_MIN_ALIGN, 0);
			if (flags & KHEAP_DEBUG)
				assert_int_equal(kheap_usable_size(&heap, p[i]), size);
			else
				assert_true(kheap_usable_size(&heap, p[i]) >= size);
			/* The usable bytes are the caller's to use. */
			fill(p[i], kheap_usable_size(&heap, p[i]), (unsigned char)i);
		}
		assert_heap_valid(&heap);
		for (size_t i = 0; i < 64; i++)
			assert_true(filled(p[i], 1 + i * 7, (unsigned char)i));
		for (size_t i = 64; i-- > 0;) {
			assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
			assert_int_equal(kheap_usable_size(&heap, p[i]), 0);
		}
		kheap_stats(&heap, &st);
		assert_int_equal(st.live_allocs, 0);
		assert_int_equal(st.used, 0);
		assert_int_equal(st.requested, 0);
		assert_int_equal(st.total_allocs, 64);
		assert_int_equal(st.errors, 0);
		assert_int_equal(kheap_free(&heap, NULL, NULL), 0);
		assert_heap_valid(&heap);
	}
}

static void alignments_1_to_4096(void **state)
{
	static const size_t sizes[] = {1, 24, 100, 3000};
	struct kheap_stats st;

	(void)state;
	setup_heap(0);
	for (size_t align = 1; align <= 4096; align <<= 1) {
		void *p[4];

		for (size_t s = 0; s < 4; s++) {
			p[s] = kheap_alloc(&heap, sizes[s], align);
			assert_non_null(p[s]);
			assert_int_equal((uintptr_t)p[s] % MAX(align, KHEAP_MIN_ALIGN), 0);
			fill(p[s], sizes[s], (unsigned char)s);
		}
		assert_heap_valid(&heap);
		for (size_t s = 0; s < 4; s++) {
			assert_true(filled(p[s], sizes[s], (unsigned char)s));
			assert_int_equal(kheap_free(&heap, p[s], NULL), 0);
		}
	}
	kheap_stats(&heap, &st);
	assert_int_equal(st.failed_allocs, 0);
	assert_null(kheap_alloc(&heap, 16, 3));
	assert_null(kheap_alloc(&heap, 16, 48));
	assert_non_null(kheap_alloc(&heap, 16, 0));
	kheap_stats(&heap, &st);
	assert_int_equal(st.failed_allocs, 2);
	assert_heap_valid(&heap);
}

static void bad_sizes_return_null_and_keep_the_heap(void **state)
{
	struct kheap_stats before, after;

	(void)state;
	setup_heap(0);
	kheap_stats(&heap, &before);
	assert_null(kheap_alloc(&heap, 0, 0)); /* documented: kmalloc(0) is NULL */
	assert_null(kheap_alloc(&heap, SIZE_MAX, 0));
	assert_null(kheap_alloc(&heap, SIZE_MAX - 8, 0));
	assert_null(kheap_alloc(&heap, SIZE_MAX / 2, 0));
	assert_null(kheap_alloc(&heap, HEAP_SIZE, 0));
	assert_null(kheap_alloc(&heap, 16, (size_t)1 << 40));
	assert_null(kheap_alloc(&heap, 16, (size_t)1 << 63));
	kheap_stats(&heap, &after);
	assert_int_equal(after.failed_allocs, 6);
	assert_int_equal(after.free, before.free);
	assert_int_equal(after.live_allocs, 0);
	assert_heap_valid(&heap);
}

static void realloc_grows_shrinks_and_keeps_contents(void **state)
{
	struct kheap_stats st;
	void *p, *q;

	(void)state;
	setup_heap(0);
	p = kheap_realloc(&heap, NULL, 100, NULL);
	assert_non_null(p);
	fill(p, 100, 9);
	q = kheap_realloc(&heap, p, 1000, NULL);
	assert_non_null(q);
	assert_true(filled(q, 100, 9));
	assert_true(kheap_usable_size(&heap, q) >= 1000);
	fill(q, 1000, 3);
	p = kheap_realloc(&heap, q, 50, NULL);
	assert_non_null(p);
	assert_true(filled(p, 50, 3));
	assert_true(kheap_usable_size(&heap, p) >= 50);
	assert_null(kheap_realloc(&heap, p, SIZE_MAX, NULL));
	assert_true(filled(p, 50, 3)); /* failed grow leaves the block alone */
	kheap_stats(&heap, &st);
	assert_int_equal(st.live_allocs, 1);
	assert_true(st.requested >= 50);
	assert_null(kheap_realloc(&heap, p, 0, NULL)); /* frees */
	kheap_stats(&heap, &st);
	assert_int_equal(st.live_allocs, 0);
	assert_int_equal(st.used, 0);
	assert_heap_valid(&heap);
}

/* resize_in_place is used when the allocator offers it, else alloc + copy + free. */
static void realloc_in_place_or_moved(void **state)
{
	static const enum resize_mode modes[] = {RESIZE_REAL, RESIZE_ENOTSUP, RESIZE_ENOMEM,
	                                         RESIZE_ABSENT};

	(void)state;
	for (size_t m = 0; m < 8; m++) {
		struct kheap_stats st;
		void *p, *q, *guard;
		bool debug = m >= 4;

		setup_heap(debug ? KHEAP_DEBUG : 0);
		m %= 4;
		resize_mode = modes[m];
		if (modes[m] == RESIZE_ABSENT)
			test_ops.resize_in_place = NULL;
		p = kheap_alloc(&heap, 600, 0);
		guard = kheap_alloc(&heap, 64, 0);
		assert_non_null(p);
		assert_non_null(guard);
		fill(p, 600, 1);
		resize_calls = 0;
		q = kheap_realloc(&heap, p, 200, NULL);
		assert_non_null(q);
		assert_true(filled(q, 200, 1));
		if (modes[m] == RESIZE_ABSENT || !KHEAP_TEST_OPS.resize_in_place) {
			assert_int_equal(resize_calls, 0);
		} else {
			assert_int_equal(resize_calls, 1);
			assert_true(resize_last == 0 || resize_last == -ENOMEM ||
			            resize_last == -ENOTSUP);
		}
		if (resize_calls && resize_last == 0)
			assert_ptr_equal(q, p);
		else
			assert_ptr_not_equal(q, p);
		kheap_stats(&heap, &st);
		assert_int_equal(st.live_allocs, 2);
		if (debug) {
			assert_int_equal(st.requested, 264);
			assert_int_equal(st.used, 264 + 2 * DEBUG_ROOM);
		} else {
			assert_true(st.requested >= 264 && st.used == st.requested);
		}
		assert_heap_valid(&heap);
		/* Grow again: in place when the allocator finds room next to it. */
		resize_calls = 0;
		p = kheap_realloc(&heap, q, 700, NULL);
		assert_non_null(p);
		assert_true(filled(p, 200, 1));
		assert_int_equal(resize_calls, modes[m] == RESIZE_ABSENT ? 0 : 1);
		kheap_stats(&heap, &st);
		if (resize_last == 0 && resize_calls)
			assert_ptr_equal(p, q);
		else
			assert_ptr_not_equal(p, q);
		if (debug) {
			assert_int_equal(st.requested, 764);
			/* Moved: old and new block were both live for the copy. */
			assert_int_equal(st.peak_used,
			                 p == q ? 764 + 2 * DEBUG_ROOM : 964 + 3 * DEBUG_ROOM);
		} else {
			assert_true(st.requested >= 764 && st.peak_used >= st.used);
		}
		assert_heap_valid(&heap);
		assert_int_equal(kheap_free(&heap, p, NULL), 0);
		assert_int_equal(kheap_free(&heap, guard, NULL), 0);
		assert_heap_valid(&heap);
		m += debug ? 4 : 0;
	}
}

static void stats_count_bytes_blocks_and_peak(void **state)
{
	struct kheap_stats st;
	void *p[10];

	(void)state;
	setup_heap(0);
	kheap_stats(&heap, &st);
	assert_int_equal(st.total, HEAP_SIZE);
	assert_true(st.free + st.metadata <= st.total);
	assert_true(st.largest_free > 0 && st.largest_free <= st.free);
	for (int i = 0; i < 10; i++)
		assert_non_null(p[i] = kheap_alloc(&heap, 100, 0));
	kheap_stats(&heap, &st);
	assert_int_equal(st.live_allocs, 10);
	assert_int_equal(st.total_allocs, 10);
	/* No header: used is what the allocator holds, at least the requests. */
	assert_true(st.used >= 1000);
	assert_int_equal(st.requested, st.used);
	assert_int_equal(st.peak_used, st.used);
	{
		size_t full = st.used;

		for (int i = 0; i < 5; i++)
			assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
		kheap_stats(&heap, &st);
		assert_int_equal(st.live_allocs, 5);
		assert_true(st.used < full && st.used >= 500);
		assert_int_equal(st.peak_used, full);
	}
	assert_int_equal(st.regions_added, 0);
	for (int i = 5; i < 10; i++)
		assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
	assert_heap_valid(&heap);
	/* Debug mode keeps exact sizes: payload + the room in front. */
	setup_heap(KHEAP_DEBUG);
	for (int i = 0; i < 10; i++)
		assert_non_null(p[i] = kheap_alloc(&heap, 100, 0));
	kheap_stats(&heap, &st);
	assert_int_equal(st.requested, 1000);
	assert_int_equal(st.used, 10 * (100 + DEBUG_ROOM));
	assert_int_equal(st.peak_used, st.used);
	for (int i = 0; i < 5; i++)
		assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
	kheap_stats(&heap, &st);
	assert_int_equal(st.used, 5 * (100 + DEBUG_ROOM));
	assert_int_equal(st.peak_used, 10 * (100 + DEBUG_ROOM));
	for (int i = 5; i < 10; i++)
		assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
	assert_heap_valid(&heap);
}

static void exhaustion_without_growth_returns_null(void **state)
{
	static void *p[1024];
	struct kheap_stats st;
	size_t n = 0;

	(void)state;
	setup_heap(0);
	while (n < 1024 && (p[n] = kheap_alloc(&heap, 200, 0)) != NULL)
		fill(p[n], 200, (unsigned char)n), n++;
	assert_true(n > 100 && n < 1024);
	kheap_stats(&heap, &st);
	assert_int_equal(st.failed_allocs, 1);
	assert_int_equal(st.regions_added, 0);
	assert_heap_valid(&heap);
	for (size_t i = 0; i < n; i++) {
		assert_true(filled(p[i], 200, (unsigned char)i));
		assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
	}
	kheap_stats(&heap, &st);
	assert_int_equal(st.used, 0);
	assert_non_null(kheap_alloc(&heap, 200, 0));
	assert_heap_valid(&heap);
}

struct page_source {
	void *map;
	size_t len;
	struct bitmap_page bp;
};

static void page_source_init(struct page_source *ps, size_t len)
{
	ps->len = len;
	ps->map = mmap(NULL, len, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(ps->map != MAP_FAILED);
	assert_int_equal(bitmap_page_ops.init(&ps->bp, (uintptr_t)ps->map, len), 0);
}

static void growth_from_pages_until_the_source_is_dry(void **state)
{
	static void *p[4096];
	struct page_source ps;
	struct page_alloc_stats pst;
	struct kheap_stats st;
	size_t n = 0;

	(void)state;
	setup_heap(0);
	page_source_init(&ps, 1024 * 1024);
	kheap_set_page_source(&heap, &bitmap_page_ops, &ps.bp);
	while (n < 4096 && (p[n] = kheap_alloc(&heap, 1000, 0)) != NULL)
		fill(p[n], 1000, (unsigned char)n), n++;
	assert_true(n < 4096);
	kheap_stats(&heap, &st);
	assert_true(st.regions_added >= 2);
	assert_true(st.total > HEAP_SIZE + 2 * 16 * PAGE_SIZE - 1);
	assert_int_equal(st.failed_allocs, 1);
	assert_true(n > HEAP_SIZE / 1040);
	bitmap_page_stats(&ps.bp, &pst);
	assert_int_equal(pst.used_pages, (st.total - HEAP_SIZE) / PAGE_SIZE);
	assert_heap_valid(&heap);
	assert_int_equal(bitmap_page_validate(&ps.bp, NULL, 0), 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(filled(p[i], 1000, (unsigned char)i));
		assert_int_equal(kheap_free(&heap, p[i], NULL), 0);
	}
	kheap_stats(&heap, &st);
	assert_int_equal(st.live_allocs, 0);
	assert_heap_valid(&heap);
	munmap(ps.map, ps.len);
}

static void growth_serves_a_request_larger_than_the_heap(void **state)
{
	struct page_source ps;
	struct kheap_stats st;
	void *big;

	(void)state;
	setup_heap(0);
	assert_null(kheap_alloc(&heap, 100 * 1024, 0));
	page_source_init(&ps, 4 * 1024 * 1024);
	kheap_set_page_source(&heap, &bitmap_page_ops, &ps.bp);
	big = kheap_alloc(&heap, 100 * 1024, 4096);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % 4096, 0);
	assert_true((char *)big >= (char *)ps.map && (char *)big < (char *)ps.map + ps.len);
	fill(big, 100 * 1024, 5);
	kheap_stats(&heap, &st);
	assert_int_equal(st.regions_added, 1);
	assert_int_equal(st.failed_allocs, 1);
	assert_heap_valid(&heap);
	assert_int_equal(kheap_free(&heap, big, NULL), 0);
	/* A request the whole page source cannot hold fails cleanly. */
	assert_null(kheap_alloc(&heap, 8 * 1024 * 1024, 0));
	assert_heap_valid(&heap);
	assert_int_equal(bitmap_page_validate(&ps.bp, NULL, 0), 0);
	munmap(ps.map, ps.len);
}

#define CALLER_A ((void *)0xa11ce)
#define CALLER_B ((void *)0xb0b)

static void debug_double_free_is_reported_with_the_caller(void **state)
{
	struct kheap_stats st;
	void *p, *q;

	(void)state;
	setup_heap(KHEAP_DEBUG);
	p = kheap_alloc(&heap, 48, 0);
	q = kheap_alloc(&heap, 48, 0);
	assert_int_equal(kheap_free(&heap, p, CALLER_A), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(kheap_free(&heap, p, CALLER_B), -ENOTALLOC);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.kind, KHEAP_ERR_DOUBLE_FREE);
	assert_ptr_equal(rec.ptr, p);
	assert_ptr_equal(rec.caller, CALLER_B);
	/* Still caught once the block has left the quarantine. */
	assert_int_equal(kheap_flush_quarantine(&heap), 0);
	assert_int_equal(kheap_free(&heap, p, CALLER_A), -ENOTALLOC);
	assert_int_equal(rec.kind, KHEAP_ERR_DOUBLE_FREE);
	assert_ptr_equal(rec.caller, CALLER_A);
	kheap_stats(&heap, &st);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.live_allocs, 1);
	assert_heap_valid(&heap);
	assert_int_equal(kheap_free(&heap, q, NULL), 0);
	assert_heap_valid(&heap);
}

static void debug_invalid_frees_are_reported(void **state)
{
	struct kheap_stats st;
	unsigned char on_stack[64];
	void *p;

	(void)state;
	setup_heap(KHEAP_DEBUG);
	p = kheap_alloc(&heap, 256, 0);
	fill(p, 256, 0);
	assert_int_equal(kheap_free(&heap, on_stack + 16, CALLER_A), -EFAULT);
	assert_int_equal(rec.kind, KHEAP_ERR_OUTSIDE);
	assert_ptr_equal(rec.ptr, on_stack + 16);
	assert_ptr_equal(rec.caller, CALLER_A);
	assert_int_equal(kheap_free(&heap, (char *)p + 1, CALLER_B), -EINVAL);
	assert_int_equal(rec.kind, KHEAP_ERR_MISALIGNED);
	assert_ptr_equal(rec.caller, CALLER_B);
	assert_int_equal(kheap_free(&heap, (char *)p + 64, CALLER_A), -ECORRUPT);
	assert_int_equal(rec.kind, KHEAP_ERR_BAD_MAGIC);
	assert_null(kheap_realloc(&heap, (char *)p + 64, 10, CALLER_B));
	assert_int_equal(rec.kind, KHEAP_ERR_BAD_MAGIC);
	assert_ptr_equal(rec.caller, CALLER_B);
	/* Never handed out: somewhere in the untouched end of the heap. */
	assert_int_equal(kheap_free(&heap, heap_buf + HEAP_SIZE / 2 + 512, CALLER_A), -ECORRUPT);
	assert_int_equal(rec.n, 5);
	kheap_stats(&heap, &st);
	assert_int_equal(st.errors, 5);
	assert_int_equal(st.live_allocs, 1);
	assert_true(filled(p, 256, 0));
	assert_heap_valid(&heap);
	assert_int_equal(kheap_free(&heap, p, NULL), 0);
	assert_heap_valid(&heap);
	assert_string_equal(kheap_error_name(KHEAP_ERR_DOUBLE_FREE), "double free");
}

static void debug_poison_and_write_after_free(void **state)
{
	char why[128];
	void *p, *q[CONFIG_KHEAP_QUARANTINE + 1];
	struct kheap_stats st;

	(void)state;
	setup_heap(KHEAP_DEBUG);
	p = kheap_alloc(&heap, 64, 0);
	fill(p, 64, 1);
	assert_int_equal(kheap_free(&heap, p, CALLER_A), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(((unsigned char *)p)[i], KHEAP_POISON);
	kheap_stats(&heap, &st);
	assert_int_equal(st.quarantined, 64 + DEBUG_ROOM);
	assert_int_equal(st.used, 0);
	assert_heap_valid(&heap);
	((unsigned char *)p)[10] = 0; /* use after free */
	assert_int_equal(kheap_validate(&heap, why, sizeof(why)), -ECORRUPT);
	assert_non_null(strstr(why, "after free"));
	assert_int_equal(rec.n, 0);
	assert_int_equal(kheap_flush_quarantine(&heap), 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.kind, KHEAP_ERR_POISON);
	assert_ptr_equal(rec.ptr, p);
	assert_ptr_equal(rec.caller, CALLER_A);
	assert_heap_valid(&heap);
	/* The quarantine holds CONFIG_KHEAP_QUARANTINE blocks; one more evicts the oldest. */
	for (int i = 0; i <= CONFIG_KHEAP_QUARANTINE; i++)
		assert_non_null(q[i] = kheap_alloc(&heap, 32, 0));
	for (int i = 0; i <= CONFIG_KHEAP_QUARANTINE; i++)
		assert_int_equal(kheap_free(&heap, q[i], NULL), 0);
	kheap_stats(&heap, &st);
	assert_int_equal(st.quarantined, CONFIG_KHEAP_QUARANTINE * (32 + DEBUG_ROOM));
	assert_int_equal(rec.n, 1);
	assert_heap_valid(&heap);
}

/*
 * The quarantine is a ring of CONFIG_KHEAP_QUARANTINE entries (issue 16): free
 * several times that many blocks, each pushing the oldest out, so the ring's head
 * wraps again and again; the heap must validate after every free and hold the
 * last CONFIG_KHEAP_QUARANTINE blocks, poisoned, at the end.
 */
static void debug_quarantine_wraps_many_times(void **state)
{
	const int rounds = 5 * CONFIG_KHEAP_QUARANTINE + 3;
	struct kheap_stats st;
	size_t held = 0;

	(void)state;
	setup_heap(KHEAP_DEBUG);
	for (int i = 0; i < rounds; i++) {
		size_t size = 24 + (size_t)(i % 7) * 8;
		void *p = kheap_alloc(&heap, size, 0);

		assert_non_null(p);
		fill(p, size, (unsigned char)i);
		assert_int_equal(kheap_free(&heap, p, CALLER_A), 0);
		assert_heap_valid(&heap);
		if (i >= rounds - CONFIG_KHEAP_QUARANTINE)
			held += size + DEBUG_ROOM;
	}
	kheap_stats(&heap, &st);
	assert_int_equal(st.quarantined, held);
	assert_int_equal(st.live_allocs, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(kheap_flush_quarantine(&heap), 0);
	kheap_stats(&heap, &st);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(rec.n, 0);
	assert_heap_valid(&heap);
}

static void debug_quarantine_is_drained_before_failing(void **state)
{
	struct kheap_stats st;
	size_t big;
	void *p;

	(void)state;
	setup_heap(KHEAP_DEBUG);
	kheap_stats(&heap, &st);
	big = st.largest_free - 64;
	p = kheap_alloc(&heap, big, 0);
	assert_non_null(p);
	assert_int_equal(kheap_free(&heap, p, NULL), 0);
	p = kheap_alloc(&heap, big, 0); /* only fits once the quarantine lets go */
	assert_non_null(p);
	assert_int_equal(kheap_free(&heap, p, NULL), 0);
	kheap_stats(&heap, &st);
	assert_int_equal(st.failed_allocs, 0);
	assert_int_equal(st.errors, 0);
	assert_heap_valid(&heap);
}

static void non_debug_bad_frees_are_refused_and_reported(void **state)
{
	struct kheap_stats st;
	void *p, *q;
	int err;

	(void)state;
	setup_heap(0);
	p = kheap_alloc(&heap, 40, 0);
	q = kheap_alloc(&heap, 40, 0);
	fill(p, 40, 7);
	assert_int_equal(kheap_free(&heap, (char *)p + 4, NULL), -EINVAL);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.kind, KHEAP_ERR_MISALIGNED);
	/* Without a header of its own kmalloc asks the allocator: not a live block. */
	assert_int_equal(kheap_free(&heap, (char *)p + 32, NULL), -ENOTALLOC);
	assert_int_equal(rec.n, 2);
	assert_int_equal(kheap_free(&heap, &st, NULL), -EFAULT);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.kind, KHEAP_ERR_OUTSIDE);
	assert_ptr_equal(rec.ptr, &st);
	assert_int_equal(kheap_free(&heap, p, NULL), 0);
	err = kheap_free(&heap, p, NULL); /* double free */
	assert_int_equal(err, -ENOTALLOC);
	/* Without KHEAP_DEBUG every refusal is still reported, so the kernel can name it. */
	assert_int_equal(rec.n, 4);
	assert_ptr_equal(rec.ptr, p);
	kheap_stats(&heap, &st);
	assert_int_equal(st.errors, 4);
	assert_int_equal(st.live_allocs, 1);
	assert_heap_valid(&heap);
	assert_int_equal(kheap_free(&heap, q, NULL), 0);
	assert_heap_valid(&heap);
}

/* Returns the address right after its call to kfree. */
static __attribute__((noinline)) void *here(void)
{
	return __builtin_return_address(0);
}

static __attribute__((noinline)) void *kfree_then_here(void *p)
{
	kfree(p);
	return here();
}

static void kernel_wrappers(void **state)
{
	static _Alignas(16) unsigned char kbuf[HEAP_SIZE];
	struct kheap_stats st;
	unsigned char *p, *z;
	void *after;

	(void)state;
	assert_int_equal(kmalloc_init_heap(&KHEAP_TEST_OPS, NULL, kbuf, 16, 0), -EINVAL);
	assert_int_equal(kmalloc_init_heap(&KHEAP_TEST_OPS, NULL, kbuf, sizeof(kbuf), KHEAP_DEBUG),
	                 0);
	kmalloc_heap()->report = recorder;
	memset(&rec, 0, sizeof(rec));
	assert_null(kmalloc(0));
	p = kmalloc(300);
	assert_non_null(p);
	memset(p, 0xff, 300);
	kfree(p);
	assert_int_equal(kheap_flush_quarantine(kmalloc_heap()), 0);
	z = kzalloc(300);
	assert_non_null(z);
	for (int i = 0; i < 300; i++)
		assert_int_equal(z[i], 0);
	p = kmalloc_aligned(100, 256);
	assert_int_equal((uintptr_t)p % 256, 0);
	p = krealloc(p, 5000);
	assert_int_equal((uintptr_t)p % 256, 0); /* a moved block keeps its alignment */
	kfree(NULL);
	kfree(p);
	after = kfree_then_here(z);
	assert_int_equal(rec.n, 0);
	after = kfree_then_here(z); /* double free through the kernel wrapper */
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.kind, KHEAP_ERR_DOUBLE_FREE);
	assert_ptr_equal(rec.ptr, z);
	assert_true((char *)rec.caller < (char *)after && (char *)after - (char *)rec.caller <= 64);
	kheap_stats(kmalloc_heap(), &st);
	assert_int_equal(st.live_allocs, 0);
	assert_heap_valid(kmalloc_heap());
}

struct worker {
	unsigned int seed;
	size_t done;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *slots[16] = {0};

	for (int i = 0; i < 20000; i++) {
		unsigned int r = (w->seed = w->seed * 1103515245u + 12345u) >> 8;
		size_t s = r % 16;

		if (slots[s]) {
			if (!filled(slots[s], 24, (unsigned char)s))
				return NULL;
			kheap_free(&heap, slots[s], NULL);
			slots[s] = NULL;
		} else if ((slots[s] = kheap_alloc(&heap, 24 + r % 200, 0)) != NULL) {
			fill(slots[s], 24, (unsigned char)s);
		}
	}
	for (int s = 0; s < 16; s++)
		kheap_free(&heap, slots[s], NULL);
	w->done = 1;
	return NULL;
}

static void two_threads_share_the_heap(void **state)
{
	struct worker w[2] = {{1, 0}, {2, 0}};
	pthread_t t[2];
	struct kheap_stats st;

	(void)state;
	setup_heap(0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(w[0].done + w[1].done, 2);
	kheap_stats(&heap, &st);
	assert_int_equal(st.live_allocs, 0);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.errors, 0);
	assert_true(st.total_allocs > 10000);
	assert_heap_valid(&heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(init_rejects_bad_arguments),
	    cmocka_unit_test(header_round_trip),
	    cmocka_unit_test(alignments_1_to_4096),
	    cmocka_unit_test(bad_sizes_return_null_and_keep_the_heap),
	    cmocka_unit_test(realloc_grows_shrinks_and_keeps_contents),
	    cmocka_unit_test(realloc_in_place_or_moved),
	    cmocka_unit_test(stats_count_bytes_blocks_and_peak),
	    cmocka_unit_test(exhaustion_without_growth_returns_null),
	    cmocka_unit_test(growth_from_pages_until_the_source_is_dry),
	    cmocka_unit_test(growth_serves_a_request_larger_than_the_heap),
	    cmocka_unit_test(debug_double_free_is_reported_with_the_caller),
	    cmocka_unit_test(debug_invalid_frees_are_reported),
	    cmocka_unit_test(debug_poison_and_write_after_free),
	    cmocka_unit_test(debug_quarantine_wraps_many_times),
	    cmocka_unit_test(debug_quarantine_is_drained_before_failing),
	    cmocka_unit_test(non_debug_bad_frees_are_refused_and_reported),
	    cmocka_unit_test(kernel_wrappers),
	    cmocka_unit_test(two_threads_share_the_heap),
	};
	return cmocka_run_group_tests_name("kmalloc over " OPS_NAME, tests, group_setup,
	                                   group_teardown);
}
