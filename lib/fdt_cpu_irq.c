// SPDX-License-Identifier: MIT
/*
 * Devicetree queries for harts and interrupts: the /cpus node of a hart
 * (Devicetree Specification v0.4, 3.7-3.8), its ISA extensions (the RISC-V
 * bindings' riscv,isa and riscv,isa-extensions), phandles (2.3.3) and the
 * interrupt properties "interrupts" and "interrupts-extended" (2.4.1).
 */
#include <bora/fdt.h>
#include <bora/string.h>

int fdt_cpu_node(const struct fdt *fdt, unsigned long hartid)
{
	int cpus = fdt_path(fdt, "/cpus");
	int node;

	if (cpus < 0)
		return cpus;
	for (node = fdt_first_child(fdt, cpus); node >= 0; node = fdt_next_sibling(fdt, node)) {
		struct fdt_range r;

		if (!fdt_prop_has_string(fdt, node, "device_type", "cpu"))
			continue;
		if (fdt_reg(fdt, node, 0, &r) == 0 && r.base == hartid)
			return node;
	}
	return -FDT_ERR_NOTFOUND;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool same_ignoring_case(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/*
 * riscv,isa: "rv64" then single-letter extensions, then multi-letter ones
 * each introduced by '_' (unprivileged spec, chapter "ISA Extension Naming
 * Conventions"). Only the multi-letter names are compared.
 */
static bool isa_string_has(const char *isa, uint32_t len, const char *ext)
{
	uint32_t i = 0;

	while (i < len && isa[i] && isa[i] != '_')
		i++;
	while (i < len && isa[i] == '_') {
		uint32_t start = ++i;

		while (i < len && isa[i] && isa[i] != '_')
			i++;
		if (same_ignoring_case(isa + start, i - start, ext))
			return true;
	}
	return false;
}

bool fdt_cpu_has_extension(const struct fdt *fdt, int cpu, const char *ext)
{
	uint32_t len;
	const char *isa;

	if (fdt_prop(fdt, cpu, "riscv,isa-extensions", &len, NULL))
		return fdt_prop_has_string(fdt, cpu, "riscv,isa-extensions", ext);
	isa = fdt_prop(fdt, cpu, "riscv,isa", &len, NULL);
	return isa && isa_string_has(isa, len, ext);
}

int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle)
{
	int depth = 0, node = -1;
	uint32_t v;

	if (phandle == 0 || phandle == 0xffffffffu)
		return -FDT_ERR_BADARG;
	for (;;) {
		node = fdt_next_node(fdt, node, &depth);
		if (node < 0)
			return node;
		if (fdt_prop_u32(fdt, node, "phandle", &v) == 0 && v == phandle)
			return node;
	}
}

int fdt_cpu_intc(const struct fdt *fdt, int cpu, uint32_t *phandle)
{
	int node;

	for (node = fdt_first_child(fdt, cpu); node >= 0; node = fdt_next_sibling(fdt, node))
		if (fdt_node_is_compatible(fdt, node, "riscv,cpu-intc"))
			return fdt_prop_u32(fdt, node, "phandle", phandle);
	return -FDT_ERR_NOTFOUND;
}

int fdt_interrupts_extended_index(const struct fdt *fdt, int node, uint32_t parent_phandle,
                                  uint32_t irq)
{
	uint32_t len, off = 0;
	int err, index = 0;
	const uint8_t *v = fdt_prop(fdt, node, "interrupts-extended", &len, &err);

	if (!v)
		return err;
	/* Each entry: the parent's phandle, then #interrupt-cells of that parent. */
	while (off + 4 <= len) {
		uint32_t ph = fdt32_ld(v + off), cells;
		int parent = fdt_node_by_phandle(fdt, ph);

		if (parent < 0 || fdt_prop_u32(fdt, parent, "#interrupt-cells", &cells) != 0 ||
		    cells == 0 || cells > 4 || off + 4 + 4 * cells > len)
			return -FDT_ERR_BADPROP;
		if (ph == parent_phandle && fdt32_ld(v + off + 4) == irq)
			return index;
		off += 4 + 4 * cells;
		index++;
	}
	return -FDT_ERR_NOTFOUND;
}

int fdt_node_irq(const struct fdt *fdt, int node, uint32_t *irq)
{
	uint32_t len;
	int err;
	const uint8_t *v = fdt_prop(fdt, node, "interrupts", &len, &err);

	if (!v)
		return err;
	if (len < 4)
		return -FDT_ERR_BADPROP;
	*irq = fdt32_ld(v);
	return 0;
}
