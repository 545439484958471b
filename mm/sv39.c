// SPDX-License-Identifier: MIT
/*
 * Sv39 three-level page tables (RISC-V Privileged Architecture, 4.3-4.4).
 *
 * Internally a virtual address is handled as its low 39 bits ("v"), so the
 * low half is [0, 2^38) and the high half [2^38, 2^39): a canonical range
 * that does not cross the hole is then one contiguous interval and range ends
 * never overflow. Callers' addresses are sign-extended back (sv39_canonical)
 * wherever they leave this file.
 *
 * Invariant kept by every operation: a table below the root is never empty
 * (unmap frees tables it empties). map relies on it: a pointer PTE inside a
 * range that holds no leaf cannot exist, so the overlap pre-check is exact.
 */
#include <bora/sv39.h>
#include <bora/errno.h>
#include <bora/string.h>

/*
 * Leaf flushes one operation batches before it gives up and flushes the
 * whole TLB once instead (sfence.vma per page gets slower than one global
 * fence somewhere past a few dozen pages on common cores).
 */
#ifndef CONFIG_SV39_FLUSH_BATCH
#define CONFIG_SV39_FLUSH_BATCH 16
#endif

#define V39_MASK  ((1ULL << SV39_VA_BITS) - 1)
#define LEAF_BITS (SV39_PTE_V | SV39_PTE_A | SV39_PTE_D)
#define TOP_LEVEL (SV39_LEVELS - 1)

/* One operation's pending TLB maintenance. */
struct op {
	struct sv39 *pt;
	uint64_t va[CONFIG_SV39_FLUSH_BATCH];
	unsigned int nr;
	bool overflow;
};

static uint64_t *table_of(const struct sv39 *pt, uint64_t pa)
{
	return pt->env->phys_to_virt(pt->env->ctx, pa);
}

static void flush_now(const struct sv39 *pt, uint64_t va)
{
	if (pt->env->flush)
		pt->env->flush(pt->env->ctx, va);
}

static void note_flush(struct op *op, uint64_t v)
{
	if (op->nr < CONFIG_SV39_FLUSH_BATCH)
		op->va[op->nr++] = sv39_canonical(v);
	else
		op->overflow = true;
}

static void op_finish(struct op *op)
{
	if (op->overflow) {
		flush_now(op->pt, SV39_FLUSH_ALL);
	} else {
		for (unsigned int i = 0; i < op->nr; i++)
			flush_now(op->pt, op->va[i]);
	}
	op->nr = 0;
	op->overflow = false;
}

static int new_table(struct sv39 *pt, uint64_t *pa)
{
	int rc = pt->env->alloc_table(pt->env->ctx, pa);

	if (rc)
		return rc;
	if (!IS_ALIGNED(*pa, SV39_TABLE_SIZE) || *pa >> SV39_PA_BITS) {
		pt->env->free_table(pt->env->ctx, *pa);
		return -EINVAL;
	}
	memset(table_of(pt, *pa), 0, SV39_TABLE_SIZE);
	pt->table_pages++;
	return 0;
}

/*
 * A page-table frame must not be reused while a TLB or walk cache may still
 * hold entries read from it, so unlink, fence, then free (4.2.1).
 */
static void release_table(struct op *op, uint64_t *pte)
{
	uint64_t pa = sv39_pte_pa(*pte);

	*pte = 0;
	flush_now(op->pt, SV39_FLUSH_ALL);
	op->nr = 0;
	op->overflow = false;
	op->pt->env->free_table(op->pt->env->ctx, pa);
	op->pt->table_pages--;
}

static bool table_empty(const struct sv39 *pt, uint64_t pa)
{
	const uint64_t *t = table_of(pt, pa);

	for (int i = 0; i < SV39_PTES; i++)
		if (t[i] & SV39_PTE_V)
			return false;
	return true;
}

/* Validate [va, va + size) and convert it to [*v, *end) in 39-bit space. */
static int check_va_range(uint64_t va, uint64_t size, uint64_t *v, uint64_t *end)
{
	uint64_t last = va + size - 1;

	if (!size || !IS_ALIGNED(va, SV39_SIZE_4K) || !IS_ALIGNED(size, SV39_SIZE_4K))
		return -EINVAL;
	if (last < va || !sv39_is_canonical(va) || !sv39_is_canonical(last))
		return -EINVAL;
	/* Both ends canonical but in different halves: the range spans the hole. */
	if ((va ^ last) >> (SV39_VA_BITS - 1) & 1)
		return -EINVAL;
	*v = va & V39_MASK;
	*end = *v + size;
	return 0;
}

/* 4.3.1: W without R is reserved; R = W = X = 0 would mean "pointer", not a leaf. */
static bool perm_ok(uint64_t perm)
{
	if (perm & ~SV39_PERM_MASK)
		return false;
	if (!(perm & (SV39_PTE_R | SV39_PTE_X)))
		return false;
	return !((perm & SV39_PTE_W) && !(perm & SV39_PTE_R));
}

/* End of the part of [cur, end) that the PTE covering cur at `level` spans. */
static uint64_t chunk_end_of(uint64_t cur, uint64_t end, int level)
{
	uint64_t size = sv39_level_size(level);

	return MIN(end, ALIGN_DOWN(cur, size) + size);
}

/* Whether some page of [v, end) is mapped (want_all false) or every page is (true). */
static bool scan_mapped(const struct sv39 *pt, uint64_t table_pa, int level, uint64_t v,
                        uint64_t end, bool want_all)
{
	const uint64_t *t = table_of(pt, table_pa);

	for (uint64_t cur = v, chunk_end; cur < end; cur = chunk_end) {
		chunk_end = chunk_end_of(cur, end, level);
		uint64_t pte = t[sv39_vpn(cur, level)];
		bool hit;

		if (!(pte & SV39_PTE_V))
			hit = false;
		else if (sv39_pte_is_leaf(pte) || level == 0)
			hit = true;
		else
			hit =
			    scan_mapped(pt, sv39_pte_pa(pte), level - 1, cur, chunk_end, want_all);
		if (hit != want_all)
			return hit;
	}
	return want_all;
}

static int map_in(struct op *op, uint64_t table_pa, int level, uint64_t v, uint64_t end,
                  uint64_t pa, uint64_t leaf)
{
	struct sv39 *pt = op->pt;
	uint64_t *t = table_of(pt, table_pa);
	uint64_t size = sv39_level_size(level);

	for (uint64_t cur = v, chunk_end; cur < end; cur = chunk_end) {
		chunk_end = chunk_end_of(cur, end, level);
		uint64_t *pte = &t[sv39_vpn(cur, level)];
		uint64_t cur_pa = pa + (cur - v);
		int rc;

		if (!(*pte & SV39_PTE_V) && chunk_end - cur == size && IS_ALIGNED(cur_pa, size)) {
			*pte = sv39_pte_make(cur_pa, leaf);
			note_flush(op, cur);
			continue;
		}
		if (level == 0 || sv39_pte_is_leaf(*pte))
			return -EEXIST; /* the pre-check makes this unreachable */
		if (!(*pte & SV39_PTE_V)) {
			uint64_t child;

			rc = new_table(pt, &child);
			if (rc)
				return rc;
			*pte = sv39_pte_make(child, SV39_PTE_V);
		}
		rc = map_in(op, sv39_pte_pa(*pte), level - 1, cur, chunk_end, cur_pa, leaf);
		if (rc)
			return rc;
	}
	return 0;
}

/* Clear the leaves inside [v, end) and free the tables that become empty. */
static void unmap_in(struct op *op, uint64_t table_pa, int level, uint64_t v, uint64_t end)
{
	uint64_t *t = table_of(op->pt, table_pa);
	uint64_t size = sv39_level_size(level);

	for (uint64_t cur = v, chunk_end; cur < end; cur = chunk_end) {
		chunk_end = chunk_end_of(cur, end, level);
		uint64_t *pte = &t[sv39_vpn(cur, level)];

		if (!(*pte & SV39_PTE_V))
			continue;
		if (sv39_pte_is_leaf(*pte)) {
			if (chunk_end - cur == size) {
				*pte = 0;
				note_flush(op, cur);
			}
			continue;
		}
		if (level == 0)
			continue;
		unmap_in(op, sv39_pte_pa(*pte), level - 1, cur, chunk_end);
		if (table_empty(op->pt, sv39_pte_pa(*pte)))
			release_table(op, pte);
	}
}

/* Replace the huge leaf *pte (at `level`) by a table of equal leaves one level down. */
static int split_leaf(struct sv39 *pt, uint64_t *pte, int level)
{
	uint64_t child_size = sv39_level_size(level - 1);
	uint64_t flags = *pte & SV39_PTE_FLAGS_MASK;
	uint64_t base = sv39_pte_pa(*pte);
	uint64_t child;
	uint64_t *t;
	int rc = new_table(pt, &child);

	if (rc)
		return rc;
	t = table_of(pt, child);
	for (int i = 0; i < SV39_PTES; i++)
		t[i] = sv39_pte_make(base + (uint64_t)i * child_size, flags);
	/* The children must be in place before the walker can see the pointer. */
	__asm__ volatile("" ::: "memory");
	*pte = sv39_pte_make(child, SV39_PTE_V);
	return 0;
}

/* Make `v` a leaf boundary: split the huge leaves that straddle it. */
static int split_at(struct sv39 *pt, uint64_t v)
{
	uint64_t table_pa = pt->root_pa;

	if (v >= (1ULL << SV39_VA_BITS))
		return 0;
	for (int level = TOP_LEVEL; level > 0; level--) {
		uint64_t *pte = &table_of(pt, table_pa)[sv39_vpn(v, level)];

		if (!(*pte & SV39_PTE_V))
			return 0;
		if (sv39_pte_is_leaf(*pte)) {
			if (IS_ALIGNED(v, sv39_level_size(level)))
				return 0;
			int rc = split_leaf(pt, pte, level);

			if (rc)
				return rc;
		}
		table_pa = sv39_pte_pa(*pte);
	}
	return 0;
}

static void protect_in(struct op *op, uint64_t table_pa, int level, uint64_t v, uint64_t end,
                       uint64_t perm)
{
	uint64_t *t = table_of(op->pt, table_pa);

	for (uint64_t cur = v, chunk_end; cur < end; cur = chunk_end) {
		chunk_end = chunk_end_of(cur, end, level);
		uint64_t *pte = &t[sv39_vpn(cur, level)];
		uint64_t updated;

		if (!(*pte & SV39_PTE_V))
			continue;
		if (!sv39_pte_is_leaf(*pte)) {
			if (level > 0)
				protect_in(op, sv39_pte_pa(*pte), level - 1, cur, chunk_end, perm);
			continue;
		}
		updated = (*pte & ~SV39_PERM_MASK) | perm | LEAF_BITS;
		if (updated != *pte) {
			*pte = updated;
			note_flush(op, cur);
		}
	}
}

int sv39_init(struct sv39 *pt, const struct sv39_env *env)
{
	if (!pt || !env || !env->alloc_table || !env->free_table || !env->phys_to_virt)
		return -EINVAL;
	pt->env = env;
	pt->table_pages = 0;
	return new_table(pt, &pt->root_pa);
}

int sv39_map_range(struct sv39 *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	struct op op = {.pt = pt};
	uint64_t v, end;
	int rc = check_va_range(va, size, &v, &end);

	if (rc)
		return rc;
	if (!IS_ALIGNED(pa, SV39_SIZE_4K) || pa >> SV39_PA_BITS ||
	    size > (1ULL << SV39_PA_BITS) - pa || !perm_ok(perm))
		return -EINVAL;
	if (scan_mapped(pt, pt->root_pa, TOP_LEVEL, v, end, false))
		return -EEXIST;
	rc = map_in(&op, pt->root_pa, TOP_LEVEL, v, end, pa, perm | LEAF_BITS);
	if (rc) {
		/* Everything in the range is ours: take it all back. */
		unmap_in(&op, pt->root_pa, TOP_LEVEL, v, end);
	}
	op_finish(&op);
	return rc;
}

/* Shared front half of unmap and protect: checks, then leaf boundaries at both ends. */
static int prepare_range(struct sv39 *pt, uint64_t va, uint64_t size, uint64_t *v, uint64_t *end)
{
	int rc = check_va_range(va, size, v, end);

	if (rc)
		return rc;
	if (!scan_mapped(pt, pt->root_pa, TOP_LEVEL, *v, *end, true))
		return -ENOENT;
	rc = split_at(pt, *v);
	return rc ? rc : split_at(pt, *end);
}

int sv39_unmap_range(struct sv39 *pt, uint64_t va, uint64_t size)
{
	struct op op = {.pt = pt};
	uint64_t v, end;
	int rc = prepare_range(pt, va, size, &v, &end);

	if (rc)
		return rc;
	unmap_in(&op, pt->root_pa, TOP_LEVEL, v, end);
	op_finish(&op);
	return 0;
}

int sv39_protect_range(struct sv39 *pt, uint64_t va, uint64_t size, uint64_t perm)
{
	struct op op = {.pt = pt};
	uint64_t v, end;
	int rc;

	if (!perm_ok(perm))
		return -EINVAL;
	rc = prepare_range(pt, va, size, &v, &end);
	if (rc)
		return rc;
	protect_in(&op, pt->root_pa, TOP_LEVEL, v, end, perm);
	op_finish(&op);
	return 0;
}

static void destroy_in(struct sv39 *pt, uint64_t table_pa, int level)
{
	const uint64_t *t = table_of(pt, table_pa);

	for (int i = 0; i < SV39_PTES && level > 0; i++)
		if ((t[i] & SV39_PTE_V) && !sv39_pte_is_leaf(t[i]))
			destroy_in(pt, sv39_pte_pa(t[i]), level - 1);
	pt->env->free_table(pt->env->ctx, table_pa);
	pt->table_pages--;
}

void sv39_destroy(struct sv39 *pt)
{
	if (!pt->table_pages)
		return;
	destroy_in(pt, pt->root_pa, TOP_LEVEL);
	pt->root_pa = 0;
}
