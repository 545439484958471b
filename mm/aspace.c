// SPDX-License-Identifier: MIT
/* User address spaces over the Sv39 table code; see include/bora/aspace.h. */
#include <bora/aspace.h>
#include <bora/errno.h>
#include <bora/string.h>

#define PG          SV39_SIZE_4K
#define LOWER_ROOTS (SV39_PTES / 2) /* root entries 0..255: the lower half */
/*
 * A leaf over memory the space does not own (a device's MMIO page): one of the
 * two RSW bits the privileged spec (4.3.1) leaves to the supervisor, so the
 * mark lives in the PTE itself and no side table can go stale. Such a page is
 * never handed to free_table and never counted in user_pages.
 */
#define PTE_FOREIGN (1ULL << 8)

uint64_t aspace_prot_to_pte(unsigned int prot)
{
	uint64_t pte = SV39_PTE_U;

	if (prot & ~(unsigned int)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return 0;
	if (!(prot & (PROT_READ | PROT_EXEC)))
		return 0; /* no access at all is "unmapped", not a leaf */
	/* W^X, and W without R is reserved (privileged spec 4.3.1). */
	if ((prot & PROT_WRITE) && ((prot & PROT_EXEC) || !(prot & PROT_READ)))
		return 0;
	if (prot & PROT_READ)
		pte |= SV39_PTE_R;
	if (prot & PROT_WRITE)
		pte |= SV39_PTE_W;
	if (prot & PROT_EXEC)
		pte |= SV39_PTE_X;
	return pte;
}

static uint64_t *table(const struct aspace *as, uint64_t pa)
{
	return as->pt.env->phys_to_virt(as->pt.env->ctx, pa);
}

static bool range_ok(uint64_t va, uint64_t size)
{
	return size && IS_ALIGNED(va, PG) && IS_ALIGNED(size, PG) && va >= USER_VA_START &&
	       va < USER_VA_END && size <= USER_VA_END - va;
}

int aspace_init(struct aspace *as, const struct sv39_env *env, const struct sv39 *kernel)
{
	const uint64_t *kroot;
	uint64_t *root;
	int err;

	if (!as || !env || !kernel)
		return -EINVAL;
	*as = (struct aspace){0};
	err = sv39_init(&as->pt, env);
	if (err)
		return err;
	kroot = kernel->env->phys_to_virt(kernel->env->ctx, kernel->root_pa);
	root = table(as, as->pt.root_pa);
	for (int i = LOWER_ROOTS; i < SV39_PTES; i++)
		root[i] = kroot[i];
	return 0;
}

/* The leaf PTE mapping va, or 0. */
static uint64_t leaf_of(const struct aspace *as, uint64_t va, uint64_t *pa)
{
	uint64_t flags;

	if (sv39_translate(&as->pt, va, pa, &flags, NULL))
		return 0;
	return flags | SV39_PTE_V;
}

int aspace_unmap(struct aspace *as, uint64_t va, uint64_t size)
{
	if (!range_ok(va, size))
		return -EINVAL;
	for (uint64_t off = 0; off < size; off += PG)
		if (!leaf_of(as, va + off, NULL))
			return -ENOENT;
	for (uint64_t off = 0; off < size; off += PG) {
		uint64_t pa;
		bool foreign = leaf_of(as, va + off, &pa) & PTE_FOREIGN;

		/* The unmap fences before it returns, so the frame is free of the TLB. */
		if (sv39_unmap_range(&as->pt, va + off, PG) != 0)
			continue;
		if (foreign) {
			as->device_pages--;
		} else {
			as->pt.env->free_table(as->pt.env->ctx, pa);
			as->user_pages--;
		}
	}
	return 0;
}

/* The level-0 PTE mapping va (which must be mapped by a 4 KiB leaf). */
static uint64_t *leaf_pte(const struct aspace *as, uint64_t va)
{
	uint64_t table_pa = as->pt.root_pa;

	for (int level = SV39_LEVELS - 1; level > 0; level--)
		table_pa = sv39_pte_pa(table(as, table_pa)[sv39_vpn(va, level)]);
	return &table(as, table_pa)[sv39_vpn(va, 0)];
}

int aspace_map_device(struct aspace *as, uint64_t va, uint64_t pa, uint64_t size, unsigned int prot)
{
	uint64_t perm = aspace_prot_to_pte(prot);
	uint64_t off;
	int err = 0;

	if (!range_ok(va, size) || !perm || (prot & PROT_EXEC) || !IS_ALIGNED(pa, PG))
		return -EINVAL;
	for (off = 0; off < size; off += PG)
		if (leaf_of(as, va + off, NULL))
			return -EEXIST;
	/* Page by page, so every leaf is a 4 KiB one that leaf_pte can mark. */
	for (off = 0; off < size; off += PG) {
		err = sv39_map_range(&as->pt, va + off, pa + off, PG, perm);
		if (err)
			break;
		/* RSW is ignored by the MMU (4.3.1): no fence needed for the mark. */
		*leaf_pte(as, va + off) |= PTE_FOREIGN;
		as->device_pages++;
	}
	if (err && off)
		aspace_unmap(as, va, off);
	return err;
}

int aspace_map_anon(struct aspace *as, uint64_t va, uint64_t size, unsigned int prot)
{
	uint64_t perm = aspace_prot_to_pte(prot);
	uint64_t off;
	int err = 0;

	if (!range_ok(va, size) || !perm)
		return -EINVAL;
	for (off = 0; off < size; off += PG)
		if (leaf_of(as, va + off, NULL))
			return -EEXIST;
	for (off = 0; off < size; off += PG) {
		uint64_t pa;

		err = as->pt.env->alloc_table(as->pt.env->ctx, &pa);
		if (err)
			break;
		memset(table(as, pa), 0, PG);
		err = sv39_map_range(&as->pt, va + off, pa, PG, perm);
		if (err) {
			as->pt.env->free_table(as->pt.env->ctx, pa);
			break;
		}
		as->user_pages++;
	}
	if (err && off)
		aspace_unmap(as, va, off);
	return err;
}

int aspace_protect(struct aspace *as, uint64_t va, uint64_t size, unsigned int prot)
{
	uint64_t perm = aspace_prot_to_pte(prot);

	if (!range_ok(va, size) || !perm)
		return -EINVAL;
	/* Device memory is never executable, whatever the task asks later. */
	if (prot & PROT_EXEC)
		for (uint64_t off = 0; off < size; off += PG)
			if (leaf_of(as, va + off, NULL) & PTE_FOREIGN)
				return -EPERM;
	return sv39_protect_range(&as->pt, va, size, perm);
}

/*
 * Whether va is mapped, and where the run of addresses in the same state
 * (mapped by one leaf, or covered by one empty entry) ends.
 */
static bool probe(const struct aspace *as, uint64_t va, uint64_t *span_end)
{
	uint64_t table_pa = as->pt.root_pa;

	for (int level = SV39_LEVELS - 1; level >= 0; level--) {
		uint64_t pte = table(as, table_pa)[sv39_vpn(va, level)];
		uint64_t size = sv39_level_size(level);

		*span_end = ALIGN_DOWN(va, size) + size;
		if (!(pte & SV39_PTE_V))
			return false;
		if (sv39_pte_is_leaf(pte) || level == 0)
			return true;
		table_pa = sv39_pte_pa(pte);
	}
	return true;
}

int aspace_find_free(const struct aspace *as, uint64_t hint, uint64_t limit, uint64_t size,
                     uint64_t *va)
{
	uint64_t start, cur;

	if (!size || !IS_ALIGNED(size, PG))
		return -EINVAL;
	limit = MIN(limit, USER_VA_END);
	start = cur = ALIGN_UP(MAX(hint, USER_VA_START), PG);
	while (cur < limit && start < limit && size <= limit - start) {
		uint64_t end;

		if (probe(as, cur, &end)) {
			start = end;
		} else if (end - start >= size) {
			*va = start;
			return 0;
		}
		cur = end;
	}
	return -ENOMEM;
}

static uint64_t prot_bits(unsigned int prot)
{
	return ((prot & PROT_READ) ? SV39_PTE_R : 0) | ((prot & PROT_WRITE) ? SV39_PTE_W : 0) |
	       ((prot & PROT_EXEC) ? SV39_PTE_X : 0);
}

bool aspace_range_mapped(const struct aspace *as, uint64_t va, uint64_t len, unsigned int prot)
{
	uint64_t need = prot_bits(prot) | SV39_PTE_U;

	if (len == 0)
		return true;
	if (va < USER_VA_START || va >= USER_VA_END || len > USER_VA_END - va)
		return false;
	for (uint64_t p = ALIGN_DOWN(va, PG); p < va + len; p += PG)
		if ((leaf_of(as, p, NULL) & need) != need)
			return false;
	return true;
}

/* Copy len bytes between kernel memory and the space at va, page by page. */
static int copy_pages(const struct aspace *as, uint64_t va, void *kbuf, size_t len, bool to_user)
{
	uint8_t *k = kbuf;

	if (len == 0)
		return 0;
	if (va < USER_VA_START || va >= USER_VA_END || len > USER_VA_END - va)
		return -EFAULT;
	while (len) {
		uint64_t pa;
		size_t chunk = MIN(len, PG - (va & (PG - 1)));
		uint8_t *page;

		/* Device registers are not memory the kernel may copy through its linear map. */
		if (!leaf_of(as, va, &pa) || (leaf_of(as, va, NULL) & PTE_FOREIGN))
			return -EFAULT;
		page = (uint8_t *)table(as, ALIGN_DOWN(pa, PG)) + (pa & (PG - 1));
		if (to_user)
			memcpy(page, k, chunk);
		else
			memcpy(k, page, chunk);
		va += chunk;
		k += chunk;
		len -= chunk;
	}
	return 0;
}

int aspace_write(struct aspace *as, uint64_t va, const void *src, size_t len)
{
	return copy_pages(as, va, (void *)(uintptr_t)src, len, true);
}

int aspace_read(const struct aspace *as, uint64_t va, void *dst, size_t len)
{
	return copy_pages(as, va, dst, len, false);
}

static int free_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct aspace *as = arg;

	if (leaf->flags & PTE_FOREIGN) {
		as->device_pages -= leaf->size / PG;
		return 0;
	}
	for (uint64_t off = 0; off < leaf->size; off += PG) {
		as->pt.env->free_table(as->pt.env->ctx, leaf->pa + off);
		as->user_pages--;
	}
	return 0;
}

void aspace_destroy(struct aspace *as)
{
	uint64_t *root;

	if (!as->pt.table_pages)
		return;
	/* Detach the kernel's half first: its tables are not ours to walk or free. */
	root = table(as, as->pt.root_pa);
	for (int i = LOWER_ROOTS; i < SV39_PTES; i++)
		root[i] = 0;
	sv39_walk(&as->pt, free_leaf, as);
	if (as->pt.env->flush)
		as->pt.env->flush(as->pt.env->ctx, SV39_FLUSH_ALL);
	sv39_destroy(&as->pt);
}
