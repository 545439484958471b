// SPDX-License-Identifier: MIT
/*
 * Devicetree queries built on the validated walk in lib/fdt.c: typed property
 * reads, "compatible" matching, cell counts and "reg" decoding (Devicetree
 * Specification v0.4, sections 2.3.1, 2.3.5, 2.3.6), /memory (3.4),
 * /reserved-memory (3.5) and the memory reservation block (5.3).
 */
#include <bora/fdt.h>
#include <bora/string.h>

#define FDT_RSV_ENTRY_LEN 16

const char *fdt_strerror(int err)
{
	static const char *const names[] = {
	    [FDT_ERR_NOTFOUND - FDT_ERR_NOTFOUND] = "FDT_ERR_NOTFOUND",
	    [FDT_ERR_TRUNCATED - FDT_ERR_NOTFOUND] = "FDT_ERR_TRUNCATED",
	    [FDT_ERR_BADMAGIC - FDT_ERR_NOTFOUND] = "FDT_ERR_BADMAGIC",
	    [FDT_ERR_BADVERSION - FDT_ERR_NOTFOUND] = "FDT_ERR_BADVERSION",
	    [FDT_ERR_BADTOTALSIZE - FDT_ERR_NOTFOUND] = "FDT_ERR_BADTOTALSIZE",
	    [FDT_ERR_BADRSVMAP - FDT_ERR_NOTFOUND] = "FDT_ERR_BADRSVMAP",
	    [FDT_ERR_BADSTRUCTBLOCK - FDT_ERR_NOTFOUND] = "FDT_ERR_BADSTRUCTBLOCK",
	    [FDT_ERR_BADSTRINGSBLOCK - FDT_ERR_NOTFOUND] = "FDT_ERR_BADSTRINGSBLOCK",
	    [FDT_ERR_BADTOKEN - FDT_ERR_NOTFOUND] = "FDT_ERR_BADTOKEN",
	    [FDT_ERR_BADNAME - FDT_ERR_NOTFOUND] = "FDT_ERR_BADNAME",
	    [FDT_ERR_BADPROP - FDT_ERR_NOTFOUND] = "FDT_ERR_BADPROP",
	    [FDT_ERR_BADSTRINGOFFSET - FDT_ERR_NOTFOUND] = "FDT_ERR_BADSTRINGOFFSET",
	    [FDT_ERR_BADSTRING - FDT_ERR_NOTFOUND] = "FDT_ERR_BADSTRING",
	    [FDT_ERR_TOODEEP - FDT_ERR_NOTFOUND] = "FDT_ERR_TOODEEP",
	    [FDT_ERR_UNBALANCED - FDT_ERR_NOTFOUND] = "FDT_ERR_UNBALANCED",
	    [FDT_ERR_NOEND - FDT_ERR_NOTFOUND] = "FDT_ERR_NOEND",
	    [FDT_ERR_BADROOT - FDT_ERR_NOTFOUND] = "FDT_ERR_BADROOT",
	    [FDT_ERR_BADCELLS - FDT_ERR_NOTFOUND] = "FDT_ERR_BADCELLS",
	    [FDT_ERR_BADREG - FDT_ERR_NOTFOUND] = "FDT_ERR_BADREG",
	    [FDT_ERR_NOSPACE - FDT_ERR_NOTFOUND] = "FDT_ERR_NOSPACE",
	    [FDT_ERR_BADARG - FDT_ERR_NOTFOUND] = "FDT_ERR_BADARG",
	};

	if (err < 0)
		err = -err;
	if (err == 0)
		return "OK";
	if (err < FDT_ERR_NOTFOUND || err > FDT_ERR_BADARG)
		return "FDT_ERR_?";
	return names[err - FDT_ERR_NOTFOUND];
}

int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	uint32_t len;
	int err;
	const uint8_t *v = fdt_prop(fdt, node, name, &len, &err);

	if (!v)
		return err;
	if (len != 4)
		return -FDT_ERR_BADPROP;
	*out = fdt32_ld(v);
	return 0;
}

bool fdt_prop_has_string(const struct fdt *fdt, int node, const char *name, const char *value)
{
	uint32_t len, off = 0;
	const char *v = fdt_prop(fdt, node, name, &len, NULL);
	size_t want = strlen(value);

	if (!v)
		return false;
	/* A stringlist (2.2.4.1): NUL-terminated strings back to back. */
	while (off < len) {
		size_t n = strnlen(v + off, len - off);

		if (n == len - off)
			return false;
		if (n == want && memcmp(v + off, value, want) == 0)
			return true;
		off += (uint32_t)n + 1;
	}
	return false;
}

bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
	return fdt_prop_has_string(fdt, node, "compatible", compat);
}

int fdt_find_compatible(const struct fdt *fdt, int start, const char *compat)
{
	int depth = 0;
	int node = start;

	for (;;) {
		node = fdt_next_node(fdt, node, &depth);
		if (node < 0 || fdt_node_is_compatible(fdt, node, compat))
			return node;
	}
}

static int read_cells(const struct fdt *fdt, int node, const char *name, uint32_t dflt,
                      uint32_t min, uint32_t max)
{
	uint32_t v = 0;
	int rc = fdt_prop_u32(fdt, node, name, &v);

	if (rc == -FDT_ERR_NOTFOUND)
		v = dflt;
	else if (rc)
		return rc;
	if (v < min || v > max)
		return -FDT_ERR_BADCELLS;
	return (int)v;
}

/* 2.3.5: absent #address-cells means 2, absent #size-cells means 1. */
int fdt_address_cells(const struct fdt *fdt, int node)
{
	return read_cells(fdt, node, "#address-cells", 2, 1, 2);
}

int fdt_size_cells(const struct fdt *fdt, int node)
{
	return read_cells(fdt, node, "#size-cells", 1, 0, 2);
}

struct reg_layout {
	const uint8_t *val;
	uint32_t entries;
	int ac, sc;
};

/* "reg" of `node`, whose cell counts `parent` declares (the defaults for the root). */
static int reg_layout(const struct fdt *fdt, int parent, int node, struct reg_layout *r)
{
	uint32_t len, entry;
	int err;

	r->ac = parent >= 0 ? fdt_address_cells(fdt, parent) : 2;
	r->sc = parent >= 0 ? fdt_size_cells(fdt, parent) : 1;
	if (r->ac < 0)
		return r->ac;
	if (r->sc < 0)
		return r->sc;
	r->val = fdt_prop(fdt, node, "reg", &len, &err);
	if (!r->val)
		return err;
	entry = 4 * (uint32_t)(r->ac + r->sc);
	if (len % entry != 0)
		return -FDT_ERR_BADREG;
	r->entries = len / entry;
	return 0;
}

static uint64_t read_cells_value(const uint8_t *p, int cells)
{
	return cells == 2 ? fdt64_ld(p) : cells == 1 ? fdt32_ld(p) : 0;
}

static int reg_entry(const struct reg_layout *r, uint32_t index, struct fdt_range *out)
{
	const uint8_t *p = r->val + (size_t)index * 4 * (uint32_t)(r->ac + r->sc);

	out->base = read_cells_value(p, r->ac);
	out->size = read_cells_value(p + 4 * r->ac, r->sc);
	if (out->size && out->base + out->size - 1 < out->base)
		return -FDT_ERR_BADREG;
	return 0;
}

static int node_parent_or_root(const struct fdt *fdt, int node)
{
	int parent = fdt_parent(fdt, node);

	return parent == -FDT_ERR_NOTFOUND ? -1 : parent;
}

int fdt_reg_count(const struct fdt *fdt, int node)
{
	struct reg_layout r;
	int parent = node_parent_or_root(fdt, node);
	int rc;

	if (parent < -1)
		return parent;
	rc = reg_layout(fdt, parent, node, &r);
	return rc ? rc : (int)r.entries;
}

int fdt_reg(const struct fdt *fdt, int node, int index, struct fdt_range *out)
{
	struct reg_layout r;
	int parent = node_parent_or_root(fdt, node);
	int rc;

	if (parent < -1)
		return parent;
	rc = reg_layout(fdt, parent, node, &r);
	if (rc)
		return rc;
	if (index < 0 || (uint32_t)index >= r.entries)
		return -FDT_ERR_NOTFOUND;
	return reg_entry(&r, (uint32_t)index, out);
}

/* ---- memory ---------------------------------------------------------------- */

static int push_range(struct fdt_range *out, size_t max, size_t *count, uint64_t base,
                      uint64_t size)
{
	if (size == 0)
		return 0;
	if (*count >= max)
		return -FDT_ERR_NOSPACE;
	out[*count].base = base;
	out[*count].size = size;
	++*count;
	return 0;
}

/* Append every "reg" entry of `node` (a child of `parent`) to out. */
static int push_reg(const struct fdt *fdt, int parent, int node, struct fdt_range *out, size_t max,
                    size_t *count)
{
	struct reg_layout r;
	struct fdt_range e;
	int rc = reg_layout(fdt, parent, node, &r);

	if (rc == -FDT_ERR_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	for (uint32_t i = 0; i < r.entries; i++) {
		rc = reg_entry(&r, i, &e);
		if (!rc)
			rc = push_range(out, max, count, e.base, e.size);
		if (rc)
			return rc;
	}
	return 0;
}

int fdt_memory_banks(const struct fdt *fdt, struct fdt_range *out, size_t max, size_t *count)
{
	int root = fdt_root(fdt);
	int node, rc;

	*count = 0;
	if (root < 0)
		return root;
	for (node = fdt_first_child(fdt, root); node >= 0; node = fdt_next_sibling(fdt, node)) {
		if (!fdt_prop_has_string(fdt, node, "device_type", "memory"))
			continue;
		rc = push_reg(fdt, root, node, out, max, count);
		if (rc)
			return rc;
	}
	return 0;
}

int fdt_reservations(const struct fdt *fdt, struct fdt_range *out, size_t max, size_t *count)
{
	uint32_t off = fdt->off_rsvmap;
	int root = fdt_root(fdt);
	int resv, node, rc;

	*count = 0;
	if (root < 0)
		return root;
	/* fdt_init() proved the (0, 0) terminator lies inside the blob. */
	for (; off <= fdt->totalsize - FDT_RSV_ENTRY_LEN; off += FDT_RSV_ENTRY_LEN) {
		uint64_t base = fdt64_ld(fdt->blob + off);
		uint64_t size = fdt64_ld(fdt->blob + off + 8);

		if (base == 0 && size == 0)
			break;
		rc = push_range(out, max, count, base, size);
		if (rc)
			return rc;
	}
	resv = fdt_subnode(fdt, root, "reserved-memory", strlen("reserved-memory"));
	if (resv < 0)
		return resv == -FDT_ERR_NOTFOUND ? 0 : resv;
	for (node = fdt_first_child(fdt, resv); node >= 0; node = fdt_next_sibling(fdt, node)) {
		rc = push_reg(fdt, resv, node, out, max, count);
		if (rc)
			return rc;
	}
	return 0;
}
