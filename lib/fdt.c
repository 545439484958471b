// SPDX-License-Identifier: MIT
/*
 * Flattened Devicetree reader. Layout and rules: Devicetree Specification
 * v0.4, chapter 5 (header 5.2, memory reservation block 5.3, structure block
 * 5.4, strings block 5.5); default cell counts: section 2.3.5.
 *
 * Every read goes through fdt32_ld()/fdt64_ld() on an offset that was bounds-checked
 * first, one byte at a time, so the blob needs no particular alignment in
 * memory and a hostile one cannot make us read outside [blob, blob + totalsize).
 * Every token advances the cursor by at least 4 bytes, so scans terminate.
 */
#include <bora/fdt.h>
#include <bora/string.h>

/*
 * Deepest node nesting accepted (the root is depth 1). Real trees stay below 8;
 * the bound keeps fdt_parent()'s on-stack path small.
 */
#ifndef CONFIG_FDT_MAX_DEPTH
#define CONFIG_FDT_MAX_DEPTH 16
#endif

/* Header field offsets (5.2); v16 headers end before size_dt_struct. */
#define HDR_MAGIC        0
#define HDR_TOTALSIZE    4
#define HDR_OFF_STRUCT   8
#define HDR_OFF_STRINGS  12
#define HDR_OFF_RSVMAP   16
#define HDR_VERSION      20
#define HDR_LAST_COMP    24
#define HDR_BOOT_CPUID   28
#define HDR_SIZE_STRINGS 32
#define HDR_SIZE_STRUCT  36
#define HDR_LEN_V16      36
#define HDR_LEN_V17      40

/* Version 17 is current; 16 is the oldest layout this reader understands (5.2). */
#define FDT_VERSION_MIN  16
#define FDT_VERSION_READ 17

/* Structure block tokens (5.4.1). */
#define FDT_BEGIN_NODE 0x1
#define FDT_END_NODE   0x2
#define FDT_PROP       0x3
#define FDT_NOP        0x4
#define FDT_END        0x9

#define RSV_ENTRY_LEN 16 /* 5.3: two 64-bit big-endian fields */

struct token {
	uint32_t tag;
	uint32_t next;    /* struct-block offset of the following token */
	uint32_t nameoff; /* FDT_PROP: offset into the strings block */
	uint32_t len;     /* FDT_PROP: value length */
	uint32_t valoff;  /* FDT_PROP: struct-block offset of the value */
};

static const uint8_t *struct_at(const struct fdt *fdt, uint32_t off)
{
	return fdt->blob + fdt->off_struct + off;
}

/* Length of the NUL-terminated string at p, or -1 when no NUL within `avail` bytes. */
static int64_t bounded_strlen(const uint8_t *p, uint32_t avail)
{
	for (uint32_t i = 0; i < avail; i++)
		if (p[i] == '\0')
			return i;
	return -1;
}

/* Decode the token at struct-block offset `off`, checking everything it refers to. */
static int read_token(const struct fdt *fdt, uint32_t off, struct token *t)
{
	uint32_t size = fdt->size_struct;
	uint64_t next;
	int64_t n;

	if (off % 4 != 0)
		return -FDT_ERR_BADARG;
	if (size < 4 || off > size - 4)
		return -FDT_ERR_NOEND;
	t->tag = fdt32_ld(struct_at(fdt, off));
	switch (t->tag) {
	case FDT_BEGIN_NODE:
		n = bounded_strlen(struct_at(fdt, off + 4), size - off - 4);
		if (n < 0)
			return -FDT_ERR_BADNAME;
		next = ALIGN_UP((uint64_t)off + 4 + (uint64_t)n + 1, 4);
		break;
	case FDT_PROP:
		if (size - off < 12)
			return -FDT_ERR_BADPROP;
		t->len = fdt32_ld(struct_at(fdt, off + 4));
		t->nameoff = fdt32_ld(struct_at(fdt, off + 8));
		t->valoff = off + 12;
		if (t->len > size - t->valoff)
			return -FDT_ERR_BADPROP;
		if (t->nameoff >= fdt->size_strings)
			return -FDT_ERR_BADSTRINGOFFSET;
		if (bounded_strlen(fdt->blob + fdt->off_strings + t->nameoff,
		                   fdt->size_strings - t->nameoff) < 0)
			return -FDT_ERR_BADSTRING;
		next = ALIGN_UP((uint64_t)t->valoff + t->len, 4);
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		next = (uint64_t)off + 4;
		break;
	default:
		return -FDT_ERR_BADTOKEN;
	}
	/* Padding past the block end is only tolerable for the last token. */
	t->next = next > size ? size : (uint32_t)next;
	return 0;
}

static int check_header(const uint8_t *b, size_t max_size, struct fdt *out)
{
	uint32_t hdr_len, total, last_comp;

	if (max_size < HDR_MAGIC + 4)
		return -FDT_ERR_TRUNCATED;
	if (fdt32_ld(b + HDR_MAGIC) != FDT_MAGIC)
		return -FDT_ERR_BADMAGIC;
	if (max_size < HDR_BOOT_CPUID)
		return -FDT_ERR_TRUNCATED;
	out->version = fdt32_ld(b + HDR_VERSION);
	last_comp = fdt32_ld(b + HDR_LAST_COMP);
	if (out->version < FDT_VERSION_MIN || last_comp > FDT_VERSION_READ ||
	    last_comp > out->version)
		return -FDT_ERR_BADVERSION;
	hdr_len = out->version >= 17 ? HDR_LEN_V17 : HDR_LEN_V16;
	if (max_size < hdr_len)
		return -FDT_ERR_TRUNCATED;

	total = fdt32_ld(b + HDR_TOTALSIZE);
	/* Node handles are ints, so offsets must stay below 2^31. */
	if (total > max_size || total < hdr_len || total > INT32_MAX)
		return -FDT_ERR_BADTOTALSIZE;
	out->totalsize = total;
	out->boot_cpuid = fdt32_ld(b + HDR_BOOT_CPUID);
	out->off_rsvmap = fdt32_ld(b + HDR_OFF_RSVMAP);
	out->off_struct = fdt32_ld(b + HDR_OFF_STRUCT);
	out->off_strings = fdt32_ld(b + HDR_OFF_STRINGS);
	out->size_strings = fdt32_ld(b + HDR_SIZE_STRINGS);

	/* 5.4: the structure block is 4-byte aligned. */
	if (out->off_struct % 4 != 0 || out->off_struct < hdr_len || out->off_struct > total)
		return -FDT_ERR_BADSTRUCTBLOCK;
	if (out->version >= 17) {
		out->size_struct = fdt32_ld(b + HDR_SIZE_STRUCT);
	} else {
		uint32_t end = out->off_strings > out->off_struct ? out->off_strings : total;

		out->size_struct = MIN(end, total) - out->off_struct;
	}
	if (out->size_struct > total - out->off_struct)
		return -FDT_ERR_BADSTRUCTBLOCK;

	/* 5.5: no alignment constraint on the strings block. */
	if (out->off_strings < hdr_len || out->off_strings > total ||
	    out->size_strings > total - out->off_strings)
		return -FDT_ERR_BADSTRINGSBLOCK;
	if (out->size_strings && out->size_struct &&
	    out->off_strings < out->off_struct + out->size_struct &&
	    out->off_struct < out->off_strings + out->size_strings)
		return -FDT_ERR_BADSTRINGSBLOCK;
	return 0;
}

/* 5.3: 8-byte aligned (address, size) pairs ending with a (0, 0) entry. */
static int check_rsvmap(const uint8_t *b, const struct fdt *f)
{
	uint32_t limit = f->totalsize;
	uint32_t off = f->off_rsvmap;
	uint32_t hdr_len = f->version >= 17 ? HDR_LEN_V17 : HDR_LEN_V16;

	if (off % 8 != 0 || off < hdr_len)
		return -FDT_ERR_BADRSVMAP;
	if (f->off_struct >= off)
		limit = MIN(limit, f->off_struct);
	if (f->size_strings && f->off_strings >= off)
		limit = MIN(limit, f->off_strings);
	for (;;) {
		uint64_t base, size;

		if (off > limit || limit - off < RSV_ENTRY_LEN)
			return -FDT_ERR_BADRSVMAP;
		base = fdt64_ld(b + off);
		size = fdt64_ld(b + off + 8);
		if (base == 0 && size == 0)
			return 0;
		if (size && base + size - 1 < base)
			return -FDT_ERR_BADRSVMAP;
		off += RSV_ENTRY_LEN;
	}
}

static int check_structure(const struct fdt *fdt)
{
	struct token t;
	uint32_t off = 0;
	int depth = 0, roots = 0, rc;

	for (;;) {
		rc = read_token(fdt, off, &t);
		if (rc)
			return rc;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && roots++)
				return -FDT_ERR_BADROOT;
			if (++depth > CONFIG_FDT_MAX_DEPTH)
				return -FDT_ERR_TOODEEP;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return -FDT_ERR_UNBALANCED;
			depth--;
			break;
		case FDT_PROP:
			if (depth == 0)
				return -FDT_ERR_BADROOT;
			break;
		case FDT_END:
			if (depth != 0)
				return -FDT_ERR_UNBALANCED;
			return roots == 1 ? 0 : -FDT_ERR_BADROOT;
		}
		off = t.next;
	}
}

int fdt_init(struct fdt *fdt, const void *blob, size_t max_size)
{
	struct fdt tmp = {.blob = blob};
	int rc;

	if (!fdt)
		return -FDT_ERR_BADARG;
	memset(fdt, 0, sizeof(*fdt));
	if (!blob)
		return -FDT_ERR_BADARG;
	rc = check_header(blob, max_size, &tmp);
	if (!rc)
		rc = check_rsvmap(blob, &tmp);
	if (!rc)
		rc = check_structure(&tmp);
	if (!rc)
		*fdt = tmp;
	return rc;
}

int fdt_check(const void *blob, size_t max_size)
{
	struct fdt fdt;

	return fdt_init(&fdt, blob, max_size);
}

/* ---- nodes ---------------------------------------------------------------- */

static bool is_node(const struct fdt *fdt, int node, struct token *t)
{
	return node >= 0 && read_token(fdt, (uint32_t)node, t) == 0 && t->tag == FDT_BEGIN_NODE;
}

int fdt_next_node(const struct fdt *fdt, int node, int *depth)
{
	struct token t;
	uint32_t off;

	if (node < 0) {
		off = 0;
		*depth = -1;
	} else {
		if (!is_node(fdt, node, &t))
			return -FDT_ERR_BADARG;
		off = t.next;
	}
	for (;;) {
		if (read_token(fdt, off, &t))
			return -FDT_ERR_NOTFOUND;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			++*depth;
			return (int)off;
		case FDT_END_NODE:
			--*depth;
			break;
		case FDT_END:
			return -FDT_ERR_NOTFOUND;
		}
		off = t.next;
	}
}

int fdt_root(const struct fdt *fdt)
{
	int depth;

	return fdt_next_node(fdt, -1, &depth);
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	int depth = 0;
	int child = fdt_next_node(fdt, node, &depth);

	if (child < 0)
		return child;
	return depth == 1 ? child : -FDT_ERR_NOTFOUND;
}

int fdt_next_sibling(const struct fdt *fdt, int child)
{
	int depth = 0;
	int node = child;

	for (;;) {
		node = fdt_next_node(fdt, node, &depth);
		if (node < 0)
			return node;
		if (depth == 0)
			return node;
		if (depth < 0)
			return -FDT_ERR_NOTFOUND;
	}
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
	struct token t;

	if (!is_node(fdt, node, &t))
		return NULL;
	return (const char *)struct_at(fdt, (uint32_t)node + 4);
}

static bool has_char(const char *s, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == c)
			return true;
	return false;
}

int fdt_subnode(const struct fdt *fdt, int parent, const char *name, size_t len)
{
	int child;

	for (child = fdt_first_child(fdt, parent); child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		const char *n = fdt_node_name(fdt, child);
		size_t nlen = strlen(n);

		if (nlen < len || memcmp(n, name, len) != 0)
			continue;
		if (n[len] == '\0')
			return child;
		if (n[len] == '@' && !has_char(name, len, '@'))
			return child;
	}
	return child;
}

int fdt_path(const struct fdt *fdt, const char *path)
{
	int node = fdt_root(fdt);

	if (!path || path[0] != '/')
		return -FDT_ERR_BADARG;
	while (node >= 0) {
		size_t len = 0;

		while (*path == '/')
			path++;
		if (*path == '\0')
			return node;
		while (path[len] != '\0' && path[len] != '/')
			len++;
		node = fdt_subnode(fdt, node, path, len);
		path += len;
	}
	return node;
}

int fdt_parent(const struct fdt *fdt, int node)
{
	int path[CONFIG_FDT_MAX_DEPTH];
	int depth = 0;
	int n = -1;
	struct token t;

	if (!is_node(fdt, node, &t))
		return -FDT_ERR_BADARG;
	for (;;) {
		n = fdt_next_node(fdt, n, &depth);
		if (n < 0)
			return n;
		if (depth < 0 || depth >= CONFIG_FDT_MAX_DEPTH)
			return -FDT_ERR_TOODEEP;
		path[depth] = n;
		if (n == node)
			return depth == 0 ? -FDT_ERR_NOTFOUND : path[depth - 1];
	}
}

/* ---- properties ------------------------------------------------------------ */

const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len, int *err)
{
	struct token t;
	uint32_t off;
	int depth = 0;
	int dummy;

	if (!err)
		err = &dummy;
	if (!is_node(fdt, node, &t) || !name) {
		*err = -FDT_ERR_BADARG;
		return NULL;
	}
	/* Properties normally precede subnodes (5.4.2), but do not rely on it. */
	for (off = t.next; read_token(fdt, off, &t) == 0; off = t.next) {
		if (t.tag == FDT_BEGIN_NODE) {
			depth++;
		} else if (t.tag == FDT_END_NODE) {
			if (depth-- == 0)
				break;
		} else if (t.tag == FDT_END) {
			break;
		} else if (t.tag == FDT_PROP && depth == 0 &&
		           strcmp((const char *)fdt->blob + fdt->off_strings + t.nameoff, name) ==
		               0) {
			if (len)
				*len = t.len;
			*err = 0;
			return struct_at(fdt, t.valoff);
		}
	}
	*err = -FDT_ERR_NOTFOUND;
	return NULL;
}
