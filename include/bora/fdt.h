/* SPDX-License-Identifier: MIT */
/*
 * Read-only Flattened Devicetree (DTB) reader, Devicetree Specification v0.4,
 * chapter 5. The blob is never trusted: fdt_init() runs fdt_check() over the
 * header, the memory reservation block and the whole structure block before
 * anything else looks at it, and every accessor still bounds-checks its reads,
 * so arbitrary bytes can neither cause an out-of-bounds read nor a loop that
 * does not terminate.
 *
 * Nodes are named by the offset of their FDT_BEGIN_NODE token inside the
 * structure block (an int >= 0); functions that return a node return a
 * negative FDT_ERR_* value instead when there is none. All multi-byte values in
 * the blob are big-endian.
 */
#ifndef BORA_FDT_H
#define BORA_FDT_H

#include <bora/types.h>

#define FDT_MAGIC 0xd00dfeedU

/*
 * Errors, returned negated. They live above the errno range so they cannot be
 * mistaken for one; fdt_strerror() names them for boot messages.
 */
enum fdt_error {
	FDT_ERR_NOTFOUND = 301,  /* no such node or property */
	FDT_ERR_TRUNCATED,       /* max_size smaller than the header */
	FDT_ERR_BADMAGIC,        /* magic is not 0xd00dfeed */
	FDT_ERR_BADVERSION,      /* version < 16 or last_comp_version > 17 */
	FDT_ERR_BADTOTALSIZE,    /* totalsize > max_size or smaller than the header */
	FDT_ERR_BADRSVMAP,       /* reservation block misaligned, outside, or unterminated */
	FDT_ERR_BADSTRUCTBLOCK,  /* structure block misaligned or outside totalsize */
	FDT_ERR_BADSTRINGSBLOCK, /* strings block outside totalsize */
	FDT_ERR_BADTOKEN,        /* unknown token in the structure block */
	FDT_ERR_BADNAME,         /* node name not NUL-terminated inside the block */
	FDT_ERR_BADPROP,         /* property header or value runs past the block */
	FDT_ERR_BADSTRINGOFFSET, /* property name offset outside the strings block */
	FDT_ERR_BADSTRING,       /* property name not NUL-terminated in the strings block */
	FDT_ERR_TOODEEP,         /* nesting deeper than CONFIG_FDT_MAX_DEPTH */
	FDT_ERR_UNBALANCED,      /* FDT_END_NODE without BEGIN, or BEGIN without END */
	FDT_ERR_NOEND,           /* structure block not terminated by FDT_END */
	FDT_ERR_BADROOT,         /* not exactly one root node */
	FDT_ERR_BADCELLS,        /* #address-cells / #size-cells unsupported */
	FDT_ERR_BADREG,          /* "reg" length not a multiple of an entry, or wraps */
	FDT_ERR_NOSPACE,         /* the caller's output array is full */
	FDT_ERR_BADARG,          /* NULL pointer or invalid node offset */
};

/* A validated blob. Filled by fdt_init(); fields are in host byte order. */
struct fdt {
	const uint8_t *blob;
	uint32_t totalsize;
	uint32_t version;
	uint32_t boot_cpuid;
	uint32_t off_rsvmap;
	uint32_t off_struct;
	uint32_t size_struct;
	uint32_t off_strings;
	uint32_t size_strings;
};

/* A physical range from "reg" or the memory reservation block. */
struct fdt_range {
	uint64_t base;
	uint64_t size;
};

/* Big-endian loads, one byte at a time: blob data has no alignment guarantee. */
static inline uint32_t fdt32_ld(const void *ptr)
{
	const uint8_t *p = ptr;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t fdt64_ld(const void *ptr)
{
	const uint8_t *p = ptr;

	return (uint64_t)fdt32_ld(p) << 32 | fdt32_ld(p + 4);
}

/* "FDT_ERR_BADMAGIC", ...; "OK" for 0, "FDT_ERR_?" otherwise. Sign is ignored. */
const char *fdt_strerror(int err);

/* Validate the blob at `blob`, of which at most `max_size` bytes may be read. */
int fdt_check(const void *blob, size_t max_size);

/* fdt_check(), then fill `fdt`. On error `fdt` is left zeroed. */
int fdt_init(struct fdt *fdt, const void *blob, size_t max_size);

/* ---- nodes ---------------------------------------------------------------- */

int fdt_root(const struct fdt *fdt);

/*
 * Document-order traversal: the node after `node` (pass -1 for the root), with
 * *depth adjusted by the nesting change (root is depth 0 when starting from -1).
 * -FDT_ERR_NOTFOUND after the last node.
 */
int fdt_next_node(const struct fdt *fdt, int node, int *depth);

/* First child of `node`, and the sibling after `child`; -FDT_ERR_NOTFOUND at the end. */
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int child);

/* The node's name with its unit address ("serial@10000000"); "" for the root. */
const char *fdt_node_name(const struct fdt *fdt, int node);

/*
 * Child of `parent` called `name` (`len` bytes, not NUL-terminated). A name
 * without '@' also matches a child with a unit address ("memory" matches
 * "memory@80000000"); the first match in document order wins.
 */
int fdt_subnode(const struct fdt *fdt, int parent, const char *name, size_t len);

/* Absolute path such as "/soc/serial@10000000"; "/" is the root. */
int fdt_path(const struct fdt *fdt, const char *path);

/* Parent of `node` (found by a scan from the root); -FDT_ERR_NOTFOUND for the root. */
int fdt_parent(const struct fdt *fdt, int node);

/* ---- properties ------------------------------------------------------------ */

/* Value of property `name` of `node` and its length; NULL with *err set when absent. */
const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len, int *err);

/* A one-cell property. -FDT_ERR_BADPROP when its length is not 4. */
int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);

/* Whether string property `name` (a stringlist) holds `value` as one of its entries. */
bool fdt_prop_has_string(const struct fdt *fdt, int node, const char *name, const char *value);

/* Whether "compatible" of `node` lists `compat`. */
bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat);

/* Next node after `start` (-1: from the root) whose "compatible" lists `compat`. */
int fdt_find_compatible(const struct fdt *fdt, int start, const char *compat);

/*
 * #address-cells / #size-cells that `node` declares for its children, with
 * the spec's defaults of 2 and 1 (section 2.3.5) when absent. Only 1..2 address
 * cells and 0..2 size cells are supported (-FDT_ERR_BADCELLS otherwise): every
 * address this kernel reads fits 64 bits.
 */
int fdt_address_cells(const struct fdt *fdt, int node);
int fdt_size_cells(const struct fdt *fdt, int node);

/* Number of (address, size) entries in "reg" of `node`, decoded with its parent's cells. */
int fdt_reg_count(const struct fdt *fdt, int node);

/* Entry `index` of "reg" of `node`. -FDT_ERR_BADREG when base + size wraps. */
int fdt_reg(const struct fdt *fdt, int node, int index, struct fdt_range *out);

/* ---- memory ---------------------------------------------------------------- */

/*
 * "reg" entries of every child of the root with device_type = "memory", in
 * document order, entries of size 0 dropped. *count is set to the number
 * written; -FDT_ERR_NOSPACE when `max` is too small (the first `max` are kept).
 */
int fdt_memory_banks(const struct fdt *fdt, struct fdt_range *out, size_t max, size_t *count);

/*
 * The memory reservation block's entries, then the "reg" entries of every child
 * of /reserved-memory (children with only "size" are dynamic allocations the
 * kernel does not honour and are skipped). Same conventions as fdt_memory_banks.
 */
int fdt_reservations(const struct fdt *fdt, struct fdt_range *out, size_t max, size_t *count);

/* ---- harts and interrupts (lib/fdt_cpu_irq.c) ------------------------------ */

/* The /cpus child with device_type "cpu" whose reg is `hartid`. */
int fdt_cpu_node(const struct fdt *fdt, unsigned long hartid);

/*
 * Whether the hart lists multi-letter ISA extension `ext` ("sstc"): in
 * riscv,isa-extensions when present, else in riscv,isa's '_'-separated part
 * (case-insensitive).
 */
bool fdt_cpu_has_extension(const struct fdt *fdt, int cpu, const char *ext);

/* The node whose "phandle" is `phandle`. */
int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle);

/* The phandle of the "riscv,cpu-intc" child of hart node `cpu`. */
int fdt_cpu_intc(const struct fdt *fdt, int cpu, uint32_t *phandle);

/*
 * Position of the entry (`parent_phandle`, `irq`) in `node`'s
 * interrupts-extended: for a PLIC, that position is the context number (PLIC
 * specification 1.0.0, chapter 1; hart-local cause 9 is S-mode external).
 * -FDT_ERR_BADPROP when an entry names an unknown parent or runs past the end.
 */
int fdt_interrupts_extended_index(const struct fdt *fdt, int node, uint32_t parent_phandle,
                                  uint32_t irq);

/* The first cell of `node`'s "interrupts" (the source number on a PLIC). */
int fdt_node_irq(const struct fdt *fdt, int node, uint32_t *irq);

#endif
