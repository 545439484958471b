// SPDX-License-Identifier: MIT
/*
 * The read-only side of the Sv39 tables: translation, leaf walks (for ptdump
 * and W^X checks), range merging and the invariant checker. Changes live in
 * mm/sv39.c.
 */
#include <bora/sv39.h>
#include <bora/errno.h>

static const uint64_t *table_of(const struct sv39 *pt, uint64_t pa)
{
	return pt->env->phys_to_virt(pt->env->ctx, pa);
}

int sv39_translate(const struct sv39 *pt, uint64_t va, uint64_t *pa, uint64_t *flags, int *level)
{
	uint64_t table_pa = pt->root_pa;

	if (!sv39_is_canonical(va))
		return -EINVAL;
	for (int l = (SV39_LEVELS - 1); l >= 0; l--) {
		uint64_t pte = table_of(pt, table_pa)[sv39_vpn(va, l)];

		if (!(pte & SV39_PTE_V))
			return -ENOENT;
		if (sv39_pte_is_leaf(pte)) {
			if (pa)
				*pa = sv39_pte_pa(pte) + (va & (sv39_level_size(l) - 1));
			if (flags)
				*flags = pte & SV39_PTE_FLAGS_MASK;
			if (level)
				*level = l;
			return 0;
		}
		table_pa = sv39_pte_pa(pte);
	}
	return -ENOENT;
}

static int walk_in(const struct sv39 *pt, uint64_t table_pa, int level, uint64_t base,
                   sv39_walk_fn fn, void *arg)
{
	const uint64_t *t = table_of(pt, table_pa);
	uint64_t size = sv39_level_size(level);

	for (int i = 0; i < SV39_PTES; i++) {
		uint64_t pte = t[i];
		uint64_t v = base + (uint64_t)i * size;
		int rc;

		if (!(pte & SV39_PTE_V))
			continue;
		if (sv39_pte_is_leaf(pte)) {
			struct sv39_leaf leaf = {
			    .va = sv39_canonical(v),
			    .pa = sv39_pte_pa(pte),
			    .size = size,
			    .flags = pte & SV39_PTE_FLAGS_MASK,
			    .level = level,
			};
			rc = fn(arg, &leaf);
		} else {
			rc = level > 0 ? walk_in(pt, sv39_pte_pa(pte), level - 1, v, fn, arg) : 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int sv39_walk(const struct sv39 *pt, sv39_walk_fn fn, void *arg)
{
	return walk_in(pt, pt->root_pa, (SV39_LEVELS - 1), 0, fn, arg);
}

struct merger {
	struct sv39_leaf run;
	bool have;
	sv39_walk_fn fn;
	void *arg;
};

static int merge_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct merger *m = arg;
	int rc = 0;

	if (m->have && m->run.va + m->run.size == leaf->va && m->run.pa + m->run.size == leaf->pa &&
	    m->run.flags == leaf->flags) {
		m->run.size += leaf->size;
		return 0;
	}
	if (m->have)
		rc = m->fn(m->arg, &m->run);
	m->run = *leaf;
	m->have = true;
	return rc;
}

int sv39_walk_ranges(const struct sv39 *pt, sv39_walk_fn fn, void *arg)
{
	struct merger m = {.fn = fn, .arg = arg};
	int rc = sv39_walk(pt, merge_leaf, &m);

	if (!rc && m.have)
		rc = fn(arg, &m.run);
	return rc;
}

static int validate_in(const struct sv39 *pt, uint64_t table_pa, int level, size_t *tables)
{
	const uint64_t *t = table_of(pt, table_pa);
	bool any = false;

	++*tables;
	for (int i = 0; i < SV39_PTES; i++) {
		uint64_t pte = t[i];

		if (!(pte & SV39_PTE_V))
			continue;
		any = true;
		if (pte & SV39_PTE_RESERVED)
			return -ECORRUPT;
		if (sv39_pte_is_leaf(pte)) {
			if ((pte & SV39_PTE_W) && !(pte & SV39_PTE_R))
				return -ECORRUPT;
			if (!IS_ALIGNED(sv39_pte_pa(pte), sv39_level_size(level)))
				return -ECORRUPT; /* misaligned superpage (4.3.2 step 6) */
			continue;
		}
		/* 4.3.1: D, A and U are reserved in non-leaf PTEs. */
		if (level == 0 || (pte & (SV39_PTE_D | SV39_PTE_A | SV39_PTE_U)))
			return -ECORRUPT;
		int rc = validate_in(pt, sv39_pte_pa(pte), level - 1, tables);

		if (rc)
			return rc;
	}
	return (any || level == (SV39_LEVELS - 1)) ? 0 : -ECORRUPT;
}

int sv39_validate(const struct sv39 *pt)
{
	size_t tables = 0;
	int rc = validate_in(pt, pt->root_pa, (SV39_LEVELS - 1), &tables);

	if (rc)
		return rc;
	return tables == pt->table_pages ? 0 : -ECORRUPT;
}
