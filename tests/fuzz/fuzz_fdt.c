// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the FDT reader (lib/fdt.c, lib/fdt_query.c) and the
 * boot path that turns a DTB into the physical memory map (mm/physmem.c).
 *
 * The input is the blob itself, in a heap copy of exactly its size, so ASan
 * reports any read past it. fdt_check and fdt_init must answer 0 or a
 * documented -FDT_ERR_* value, also when told fewer bytes than the blob has.
 * A blob that validates is then walked with every accessor: document order
 * (each next node lies further on, so a walk cannot loop; the node count is
 * bounded by the structure block), children and siblings, parents, names,
 * paths, properties, cells, "reg" entries, compatible searches, the memory
 * banks and reservations, and finally physmem the way the kernel builds it.
 * Returned pointers must lie inside the blob; the blob must not change.
 */
#include "shadow.h"

#include <bora/fdt.h>
#include <bora/physmem.h>

#define MAX_BANKS    CONFIG_PHYSMEM_MAX_BANKS
#define MAX_RESERVED CONFIG_PHYSMEM_MAX_RESERVED

struct walk {
	const struct fdt *fdt;
	const uint8_t *blob;
	size_t size;
	int nodes; /* bound on how many nodes the blob can hold */
};

static bool fdt_error(int err)
{
	return err <= -FDT_ERR_NOTFOUND && err >= -FDT_ERR_BADARG;
}

static void expect_inside(const struct walk *w, const void *p, size_t len, const char *what)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)w->blob;

	FUZZ_CHECK(a >= b && a - b <= w->size && len <= w->size - (a - b),
	           "fdt: %s at %p+%zu lies outside the blob %p+%zu", what, p, len,
	           (const void *)w->blob, w->size);
}

static void expect_string_inside(const struct walk *w, const char *s, const char *what)
{
	uintptr_t off = (uintptr_t)s - (uintptr_t)w->blob;

	expect_inside(w, s, 1, what);
	FUZZ_CHECK(memchr(s, '\0', w->size - off) != NULL, "fdt: %s not NUL-terminated in the blob",
	           what);
}

static void check_props(const struct walk *w, int node)
{
	static const char *const names[] = {
	    "reg", "compatible", "device_type", "#address-cells", "#size-cells", "status", "",
	};
	uint32_t len, v;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const void *p = fdt_prop(w->fdt, node, names[i], &len, &err);

		if (p)
			expect_inside(w, p, len, names[i]);
		else
			FUZZ_CHECK(fdt_error(err), "fdt: fdt_prop(%s) -> %d", names[i], err);
		err = fdt_prop_u32(w->fdt, node, names[i], &v);
		FUZZ_CHECK(err == 0 || fdt_error(err), "fdt: fdt_prop_u32 -> %d", err);
	}
	(void)fdt_prop_has_string(w->fdt, node, "compatible", "riscv-virtio");
	(void)fdt_node_is_compatible(w->fdt, node, "ns16550a");
	err = fdt_address_cells(w->fdt, node);
	FUZZ_CHECK((err >= 1 && err <= 2) || fdt_error(err), "fdt: address cells %d", err);
	err = fdt_size_cells(w->fdt, node);
	FUZZ_CHECK((err >= 0 && err <= 2) || fdt_error(err), "fdt: size cells %d", err);
	err = fdt_reg_count(w->fdt, node);
	FUZZ_CHECK(err >= 0 || fdt_error(err), "fdt: reg count %d", err);
	FUZZ_CHECK(err <= (int)(w->size / 4), "fdt: %d reg entries in a %zu-byte blob", err,
	           w->size);
	for (int i = 0, n = err; i < n; i++) {
		struct fdt_range r;

		err = fdt_reg(w->fdt, node, i, &r);
		FUZZ_CHECK(err == 0 || fdt_error(err), "fdt: fdt_reg -> %d", err);
		FUZZ_CHECK(err || r.size == 0 || r.base + r.size - 1 >= r.base,
		           "fdt: reg entry wraps but was returned");
	}
	err = fdt_reg(w->fdt, node, -1, NULL);
	FUZZ_CHECK(fdt_error(err), "fdt: fdt_reg(-1, NULL) -> %d", err);
}

/* Children of `node` by first_child/next_sibling; returns how many. */
static int check_children(const struct walk *w, int node)
{
	int n = 0, prev = node;

	for (int ch = fdt_first_child(w->fdt, node); ch >= 0; ch = fdt_next_sibling(w->fdt, ch)) {
		FUZZ_CHECK(ch > prev, "fdt: sibling walk went backwards (%d after %d)", ch, prev);
		FUZZ_CHECK(++n <= w->nodes, "fdt: more children than the blob can hold");
		if (n <= 16)
			FUZZ_CHECK(fdt_parent(w->fdt, ch) == node, "fdt: parent of %d is not %d",
			           ch, node);
		prev = ch;
	}
	return n;
}

static void check_paths(const struct walk *w, int root, struct fuzz_in *in)
{
	static const char *const paths[] = {
	    "/",
	    "/memory",
	    "/cpus/cpu@0",
	    "/soc/serial@10000000",
	    "/reserved-memory",
	    "//",
	    "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r",
	    "",
	    "memory",
	};
	char path[80];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		err = fdt_path(w->fdt, paths[i]);
		FUZZ_CHECK(err >= 0 || fdt_error(err), "fdt: fdt_path(%s) -> %d", paths[i], err);
	}
	/* Every child of the root can be found again by its path. */
	for (int ch = fdt_first_child(w->fdt, root), n = 0; ch >= 0 && n < 32;
	     ch = fdt_next_sibling(w->fdt, ch), n++) {
		const char *name = fdt_node_name(w->fdt, ch);

		if (strlen(name) + 2 > sizeof(path) || strchr(name, '/'))
			continue;
		snprintf(path, sizeof(path), "/%s", name);
		err = fdt_path(w->fdt, path);
		FUZZ_CHECK(err >= 0, "fdt: fdt_path(%s) -> %d", path, err);
	}
	/* A name made of input bytes, NUL and '/' included. */
	{
		size_t len = fin_u8(in) % sizeof(path);

		for (size_t i = 0; i < len; i++)
			path[i] = (char)fin_u8(in);
		err = fdt_subnode(w->fdt, root, path, len);
		FUZZ_CHECK(err >= 0 || fdt_error(err), "fdt: fdt_subnode -> %d", err);
	}
}

static void check_physmem(const struct walk *w)
{
	struct fdt_range banks[MAX_BANKS], rsv[MAX_RESERVED];
	size_t nb = SIZE_MAX, nr = SIZE_MAX;
	struct physmem pm;
	int err;

	err = fdt_memory_banks(w->fdt, banks, ARRAY_SIZE(banks), &nb);
	FUZZ_CHECK(err == 0 || fdt_error(err), "fdt: memory banks -> %d", err);
	FUZZ_CHECK(err || nb <= ARRAY_SIZE(banks), "fdt: %zu banks in an array of %zu", nb,
	           ARRAY_SIZE(banks));
	if (err)
		return;
	err = fdt_reservations(w->fdt, rsv, ARRAY_SIZE(rsv), &nr);
	FUZZ_CHECK(err == 0 || fdt_error(err), "fdt: reservations -> %d", err);
	FUZZ_CHECK(err || nr <= ARRAY_SIZE(rsv), "fdt: %zu reservations in an array of %zu", nr,
	           ARRAY_SIZE(rsv));
	if (err)
		return;
	physmem_init(&pm);
	for (size_t i = 0; i < nb; i++) {
		err = physmem_add_bank(&pm, banks[i].base, banks[i].size);
		FUZZ_CHECK(err_in(err, ERRS(EINVAL, EOVERLAP, ENOMEM)), "physmem: add_bank -> %s",
		           errno_name(err));
	}
	for (size_t i = 0; i < nr; i++) {
		err = physmem_reserve(&pm, rsv[i].base, rsv[i].size);
		FUZZ_CHECK(err_in(err, ERRS(EINVAL, ENOMEM)), "physmem: reserve -> %s",
		           errno_name(err));
	}
	err = physmem_build(&pm, 0xc0000000ULL);
	FUZZ_CHECK(err_in(err, ERRS(EINVAL, ENOMEM)), "physmem: build -> %s", errno_name(err));
	FUZZ_CHECK(physmem_validate(&pm) == 0, "physmem: invalid after building from a DTB");
	FUZZ_CHECK(physmem_free_bytes(&pm) <= physmem_ram_bytes(&pm), "physmem: free > RAM");
}

static void walk(const struct walk *w, struct fuzz_in *in)
{
	int depth = 0, node = -1, n = 0, root = fdt_root(w->fdt);

	FUZZ_CHECK(root >= 0, "fdt: a valid blob without a root (%d)", root);
	for (;;) {
		int next = fdt_next_node(w->fdt, node, &depth);
		const char *name;

		if (next < 0) {
			FUZZ_CHECK(next == -FDT_ERR_NOTFOUND, "fdt: next_node -> %d", next);
			break;
		}
		FUZZ_CHECK(next > node, "fdt: next_node went from %d back to %d", node, next);
		FUZZ_CHECK(++n <= w->nodes, "fdt: more nodes than the blob can hold");
		FUZZ_CHECK(depth >= 0 && depth <= CONFIG_FDT_MAX_DEPTH, "fdt: depth %d", depth);
		name = fdt_node_name(w->fdt, next);
		FUZZ_CHECK(name != NULL, "fdt: node %d without a name", next);
		expect_string_inside(w, name, "node name");
		check_props(w, next);
		if (n <= 64)
			check_children(w, next);
		node = next;
	}
	FUZZ_CHECK(fdt_parent(w->fdt, root) == -FDT_ERR_NOTFOUND, "fdt: the root has a parent");
	FUZZ_CHECK(fdt_node_name(w->fdt, -5) == NULL, "fdt: name of node -5");
	FUZZ_CHECK(fdt_first_child(w->fdt, (int)w->size + 8) < 0, "fdt: child of a bad offset");
	for (int start = -1, k = 0; k < w->nodes; k++) {
		start = fdt_find_compatible(w->fdt, start, "riscv");
		if (start < 0)
			break;
	}
	check_paths(w, root, in);
	check_physmem(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob = malloc(size ? size : 1);
	struct fuzz_in in = {data, size};
	struct fdt fdt;
	int err;

	FUZZ_CHECK(blob != NULL, "out of host memory");
	memcpy(blob, data, size);
	err = fdt_check(blob, size / 2);
	FUZZ_CHECK(err == 0 || fdt_error(err), "fdt: fdt_check(half) -> %d", err);
	err = fdt_init(&fdt, blob, size);
	FUZZ_CHECK(err == 0 || fdt_error(err), "fdt: fdt_init -> %d", err);
	FUZZ_CHECK(fdt_strerror(err) != NULL, "fdt: no name for %d", err);
	if (err == 0) {
		struct walk w = {&fdt, blob, size, (int)(size / 8) + 1};

		FUZZ_CHECK(fdt_check(blob, size) == 0,
		           "fdt: fdt_init accepted what fdt_check refuses");
		walk(&w, &in);
	}
	FUZZ_CHECK(memcmp(blob, data, size) == 0, "fdt: the reader wrote into the blob");
	free(blob);
	return 0;
}
