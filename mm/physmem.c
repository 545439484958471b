// SPDX-License-Identifier: MIT
/*
 * Physical memory map: sorted bank and reservation tables, and the free list
 * derived from them. Sizes are tiny (tens of entries), so plain sorted arrays
 * with insertion by shifting are both the simplest and the fastest choice.
 */
#include <bora/physmem.h>
#include <bora/errno.h>
#include <bora/string.h>

static uint64_t range_end(const struct phys_range *r)
{
	return r->base + r->size;
}

/* Ranges are [base, base + size) with base + size <= UINT64_MAX. */
static bool range_ok(uint64_t base, uint64_t size)
{
	return size != 0 && size <= UINT64_MAX - base;
}

static void remove_at(struct phys_range *arr, size_t *nr, size_t idx, size_t count)
{
	memmove(&arr[idx], &arr[idx + count], (*nr - idx - count) * sizeof(*arr));
	*nr -= count;
}

static void insert_at(struct phys_range *arr, size_t *nr, size_t idx, uint64_t base, uint64_t size)
{
	memmove(&arr[idx + 1], &arr[idx], (*nr - idx) * sizeof(*arr));
	arr[idx].base = base;
	arr[idx].size = size;
	++*nr;
}

void physmem_init(struct physmem *pm)
{
	memset(pm, 0, sizeof(*pm));
}

int physmem_add_bank(struct physmem *pm, uint64_t base, uint64_t size)
{
	uint64_t end;
	size_t i;

	if (!range_ok(base, size))
		return -EINVAL;
	end = base + size;
	for (i = 0; i < pm->nr_banks; i++) {
		if (base < range_end(&pm->banks[i]) && pm->banks[i].base < end) {
			pm->conflict = pm->banks[i];
			return -EOVERLAP;
		}
	}
	/* Insertion point: the first bank above the new one. */
	for (i = 0; i < pm->nr_banks && pm->banks[i].base < base; i++)
		;
	bool join_prev = i > 0 && range_end(&pm->banks[i - 1]) == base;
	bool join_next = i < pm->nr_banks && pm->banks[i].base == end;

	if (join_prev && join_next) {
		pm->banks[i - 1].size += size + pm->banks[i].size;
		remove_at(pm->banks, &pm->nr_banks, i, 1);
	} else if (join_prev) {
		pm->banks[i - 1].size += size;
	} else if (join_next) {
		pm->banks[i].base = base;
		pm->banks[i].size += size;
	} else {
		if (pm->nr_banks == CONFIG_PHYSMEM_MAX_BANKS)
			return -ENOMEM;
		insert_at(pm->banks, &pm->nr_banks, i, base, size);
	}
	return 0;
}

int physmem_reserve(struct physmem *pm, uint64_t base, uint64_t size)
{
	uint64_t end;
	size_t first, last;

	if (!range_ok(base, size))
		return -EINVAL;
	end = base + size;
	/* [first, last) are the reservations the new one overlaps or touches. */
	for (first = 0; first < pm->nr_reserved && range_end(&pm->reserved[first]) < base; first++)
		;
	for (last = first; last < pm->nr_reserved && pm->reserved[last].base <= end; last++)
		;
	if (first == last) {
		if (pm->nr_reserved == CONFIG_PHYSMEM_MAX_RESERVED)
			return -ENOMEM;
		insert_at(pm->reserved, &pm->nr_reserved, first, base, size);
		return 0;
	}
	base = MIN(base, pm->reserved[first].base);
	end = MAX(end, range_end(&pm->reserved[last - 1]));
	pm->reserved[first].base = base;
	pm->reserved[first].size = end - base;
	remove_at(pm->reserved, &pm->nr_reserved, first + 1, last - first - 1);
	return 0;
}

/* Append [start, end) shrunk to whole pages, splitting off what lies at or above `limit`. */
static int emit_free(struct physmem *pm, uint64_t start, uint64_t end, uint64_t limit)
{
	if (start > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
		return 0;
	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (start >= end)
		return 0;
	if (end > limit) {
		uint64_t cut = MAX(start, limit);

		pm->clipped_bytes += end - cut;
		end = cut;
		if (start >= end)
			return 0;
	}
	if (pm->nr_free == PHYSMEM_MAX_FREE)
		return -ENOMEM;
	pm->free[pm->nr_free].base = start;
	pm->free[pm->nr_free].size = end - start;
	pm->nr_free++;
	return 0;
}

int physmem_build(struct physmem *pm, uint64_t limit)
{
	size_t r = 0;

	pm->nr_free = 0;
	pm->clipped_bytes = 0;
	limit = ALIGN_DOWN(limit, PAGE_SIZE);
	for (size_t b = 0; b < pm->nr_banks; b++) {
		uint64_t cur = pm->banks[b].base;
		uint64_t end = range_end(&pm->banks[b]);
		int rc;

		/* Both tables are sorted: skip reservations wholly below this bank. */
		while (r < pm->nr_reserved && range_end(&pm->reserved[r]) <= cur)
			r++;
		for (size_t i = r; i < pm->nr_reserved && pm->reserved[i].base < end; i++) {
			if (pm->reserved[i].base > cur) {
				rc = emit_free(pm, cur, pm->reserved[i].base, limit);
				if (rc)
					return rc;
			}
			cur = MAX(cur, range_end(&pm->reserved[i]));
		}
		if (cur < end) {
			rc = emit_free(pm, cur, end, limit);
			if (rc)
				return rc;
		}
	}
	return 0;
}

uint64_t physmem_ram_bytes(const struct physmem *pm)
{
	uint64_t total = 0;

	for (size_t i = 0; i < pm->nr_banks; i++)
		total += pm->banks[i].size;
	return total;
}

uint64_t physmem_free_bytes(const struct physmem *pm)
{
	uint64_t total = 0;

	for (size_t i = 0; i < pm->nr_free; i++)
		total += pm->free[i].size;
	return total;
}

/* Sorted, non-empty, non-wrapping, and separated by a gap of at least one byte. */
static bool table_ok(const struct phys_range *arr, size_t nr, size_t cap)
{
	if (nr > cap)
		return false;
	for (size_t i = 0; i < nr; i++) {
		if (!range_ok(arr[i].base, arr[i].size))
			return false;
		if (i > 0 && range_end(&arr[i - 1]) >= arr[i].base)
			return false;
	}
	return true;
}

static bool inside_a_bank(const struct physmem *pm, const struct phys_range *f)
{
	for (size_t i = 0; i < pm->nr_banks; i++)
		if (f->base >= pm->banks[i].base && range_end(f) <= range_end(&pm->banks[i]))
			return true;
	return false;
}

static bool hits_a_reservation(const struct physmem *pm, const struct phys_range *f)
{
	for (size_t i = 0; i < pm->nr_reserved; i++)
		if (f->base < range_end(&pm->reserved[i]) && pm->reserved[i].base < range_end(f))
			return true;
	return false;
}

int physmem_validate(const struct physmem *pm)
{
	if (!table_ok(pm->banks, pm->nr_banks, CONFIG_PHYSMEM_MAX_BANKS) ||
	    !table_ok(pm->reserved, pm->nr_reserved, CONFIG_PHYSMEM_MAX_RESERVED) ||
	    !table_ok(pm->free, pm->nr_free, PHYSMEM_MAX_FREE))
		return -ECORRUPT;
	for (size_t i = 0; i < pm->nr_free; i++) {
		const struct phys_range *f = &pm->free[i];

		if (!IS_ALIGNED(f->base, PAGE_SIZE) || !IS_ALIGNED(f->size, PAGE_SIZE))
			return -ECORRUPT;
		if (!inside_a_bank(pm, f) || hits_a_reservation(pm, f))
			return -ECORRUPT;
	}
	return 0;
}
