// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the bitmap id allocator, driven through bitmap_id_ops
 * against a model with one flag per id.
 *
 * The input picks the capacity (1 .. 2^17, or a hostile 0 / absurd value) and
 * the storage size (exact, larger, or too small, which init must refuse), then
 * a stream of alloc (lowest free id, or -ENOMEM when full), alloc_fixed (-EEXIST
 * when taken, -EINVAL at or beyond the capacity), free (-ENOTALLOC when free,
 * -EINVAL beyond the capacity) and is_allocated calls with ids from the input.
 * After every step the allocator validates and capacity/used agree with the model.
 */
#include "shadow.h"

#include <bora/alloc.h>
#include <bora/id_alloc.h>

#define MAX_STEPS   8192
#define SWEEP_EVERY 256

struct ctx {
	void *state;
	uint8_t *taken;
	size_t capacity, used;
	size_t lowest_free; /* every id below is taken */
	unsigned int step;
};

static void check_all(struct ctx *c)
{
	char why[256] = "";
	int r = bitmap_id_ops.validate(c->state, why, sizeof(why));

	FUZZ_CHECK(r == 0, "id_alloc: validate -> %s: %s (step %u)", errno_name(r), why, c->step);
	FUZZ_CHECK(bitmap_id_ops.capacity(c->state) == c->capacity, "id_alloc: capacity changed");
	FUZZ_CHECK(bitmap_id_ops.used(c->state) == c->used, "id_alloc: used %zu, model %zu",
	           bitmap_id_ops.used(c->state), c->used);
	if (c->step % SWEEP_EVERY)
		return;
	for (size_t i = 0; i < c->capacity; i++)
		FUZZ_CHECK(bitmap_id_ops.is_allocated(c->state, i) == c->taken[i],
		           "id_alloc: is_allocated(%zu) != %d", i, c->taken[i]);
}

static void set_taken(struct ctx *c, size_t id, bool taken)
{
	c->taken[id] = taken;
	c->used += taken ? 1 : -1;
	if (!taken && id < c->lowest_free)
		c->lowest_free = id;
	while (c->lowest_free < c->capacity && c->taken[c->lowest_free])
		c->lowest_free++;
}

/* An id: mostly in range, near the top, or far out. */
static size_t fin_id(struct ctx *c, struct fuzz_in *in)
{
	uint8_t sel = fin_u8(in);

	if (sel < 180)
		return fin_index(in, c->capacity);
	if (sel < 220)
		return c->capacity - 1 - fin_u8(in) % MIN(c->capacity, (size_t)64);
	if (sel < 240)
		return c->capacity + fin_u8(in);
	return sel & 1 ? SIZE_MAX : SIZE_MAX / 2 + fin_u8(in);
}

static void do_alloc(struct ctx *c)
{
	size_t id = 0x5a5a;
	int r = bitmap_id_ops.alloc(c->state, &id);

	fuzz_trace("alloc -> %s %zu", errno_name(r), id);
	if (c->lowest_free == c->capacity) {
		FUZZ_CHECK(r == -ENOMEM, "id_alloc: alloc with every id taken -> %s",
		           errno_name(r));
		FUZZ_CHECK(id == 0x5a5a, "id_alloc: failed alloc wrote *id");
		return;
	}
	FUZZ_CHECK(r == 0 && id == c->lowest_free, "id_alloc: alloc -> %s %zu, want %zu",
	           errno_name(r), id, c->lowest_free);
	set_taken(c, id, true);
}

static void do_alloc_fixed(struct ctx *c, struct fuzz_in *in)
{
	size_t id = fin_id(c, in);
	int want = id >= c->capacity ? -EINVAL : c->taken[id] ? -EEXIST : 0;
	int r = bitmap_id_ops.alloc_fixed(c->state, id);

	fuzz_trace("alloc_fixed(%zu) -> %s", id, errno_name(r));
	FUZZ_CHECK(r == want, "id_alloc: alloc_fixed(%zu) -> %s, want %s", id, errno_name(r),
	           errno_name(want));
	if (r == 0)
		set_taken(c, id, true);
}

static void do_free(struct ctx *c, struct fuzz_in *in)
{
	size_t id = fin_id(c, in);
	int want = id >= c->capacity ? -EINVAL : c->taken[id] ? 0 : -ENOTALLOC;
	int r = bitmap_id_ops.free(c->state, id);

	fuzz_trace("free(%zu) -> %s", id, errno_name(r));
	FUZZ_CHECK(r == want, "id_alloc: free(%zu) -> %s, want %s", id, errno_name(r),
	           errno_name(want));
	if (r == 0)
		set_taken(c, id, false);
}

static void do_is_allocated(struct ctx *c, struct fuzz_in *in)
{
	size_t id = fin_id(c, in);
	bool want = id < c->capacity && c->taken[id];

	FUZZ_CHECK(bitmap_id_ops.is_allocated(c->state, id) == want,
	           "id_alloc: is_allocated(%zu) != %d", id, want);
}

/* Run many allocations at once so the summary words fill up and empty again. */
static void do_burst(struct ctx *c, struct fuzz_in *in)
{
	unsigned int n = 1 + fin_u16(in) % 8192;

	for (unsigned int i = 0; i < n && c->lowest_free < c->capacity; i++)
		do_alloc(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t sel = fin_u8(&in);
	size_t capacity, need, storage_bytes;
	struct ctx c;
	void *storage;
	int r;

	if (sel < 8) {
		static const size_t hostile[] = {0, SIZE_MAX, SIZE_MAX / 2, SIZE_MAX / 2 + 1};

		capacity = sel < 4 ? hostile[sel] : (size_t)1 << (40 + sel);
	} else if (sel < 192)
		capacity = 1 + fin_u16(&in) % 4096;
	else
		capacity = 1 + fin_u32(&in) % (1u << 17);
	need = capacity && capacity <= (1u << 17) ? id_storage_bytes(capacity) : 64;
	switch (fin_u8(&in) % 8) {
	case 0:
		storage_bytes = need ? need - 1 - fin_u8(&in) % need : 0;
		break;
	case 1:
		storage_bytes = need + 8 * (fin_u8(&in) % 4);
		break;
	default:
		storage_bytes = need;
		break;
	}

	memset(&c, 0, sizeof(c));
	c.state = malloc(bitmap_id_ops.state_size);
	storage = malloc(MAX(storage_bytes, (size_t)8));
	FUZZ_CHECK(c.state && storage, "out of host memory");
	memset(c.state, 0xa5, bitmap_id_ops.state_size);
	memset(storage, 0xa5, MAX(storage_bytes, (size_t)8));
	r = bitmap_id_ops.init(c.state, storage, storage_bytes, capacity);
	if (capacity == 0 || capacity > (1u << 17) || storage_bytes < need) {
		FUZZ_CHECK(r == -EINVAL,
		           "id_alloc: init(%zu bytes, capacity %zu) -> %s, want EINVAL",
		           storage_bytes, capacity, errno_name(r));
	} else {
		FUZZ_CHECK(r == 0, "id_alloc: init(%zu bytes, capacity %zu) -> %s", storage_bytes,
		           capacity, errno_name(r));
		c.capacity = capacity;
		c.taken = calloc(capacity, 1);
		FUZZ_CHECK(c.taken != NULL, "out of host memory");
		check_all(&c);
		for (c.step = 1; !fin_done(&in) && c.step < MAX_STEPS; c.step++) {
			switch (fin_u8(&in) % 8) {
			case 0:
			case 1:
				do_alloc(&c);
				break;
			case 2:
				do_alloc_fixed(&c, &in);
				break;
			case 3:
			case 4:
				do_free(&c, &in);
				break;
			case 5:
				do_is_allocated(&c, &in);
				break;
			case 6:
				do_burst(&c, &in);
				break;
			default:
				/* Free the lowest taken id run's end: moves the hint backwards. */
				if (c.lowest_free > 0) {
					size_t id = fin_index(&in, c.lowest_free);

					FUZZ_CHECK(bitmap_id_ops.free(c.state, id) == 0,
					           "id_alloc: free(%zu) of a taken id failed", id);
					set_taken(&c, id, false);
				}
				break;
			}
			check_all(&c);
		}
		free(c.taken);
	}
	free(storage);
	free(c.state);
	return 0;
}
