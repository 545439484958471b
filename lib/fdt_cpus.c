// SPDX-License-Identifier: MIT
/*
 * Hart discovery from /cpus (Devicetree Specification v0.4, 3.7 and 3.8; the
 * RISC-V CPU binding gives "reg" = the hart id, "riscv,isa" and "mmu-type").
 */
#include <bora/fdt_cpus.h>
#include <bora/string.h>

const char *fdt_hart_verdict_name(enum fdt_hart_verdict v)
{
	switch (v) {
	case FDT_HART_USABLE:
		return "usable";
	case FDT_HART_DISABLED:
		return "status not okay";
	case FDT_HART_NO_MMU:
		return "no MMU";
	case FDT_HART_SMALL_MMU:
		return "MMU narrower than Sv39";
	case FDT_HART_ISA_DIFFERS:
		return "ISA differs from the boot hart's";
	case FDT_HART_BAD_REG:
		return "no single hart id in reg";
	case FDT_HART_DUPLICATE:
		return "hart id listed twice";
	case FDT_HART_OVER_LIMIT:
		return "beyond CONFIG_MAX_HARTS";
	}
	return "?";
}

/* A string property whose value is one NUL-terminated string inside its length. */
static const char *prop_string(const struct fdt *fdt, int node, const char *name)
{
	uint32_t len;
	const char *v = fdt_prop(fdt, node, name, &len, NULL);

	if (!v || len == 0 || v[len - 1] != '\0')
		return NULL;
	return v;
}

/* Section 2.3.4: an absent status means "okay"; "ok" is the legacy spelling. */
static bool status_okay(const struct fdt *fdt, int node)
{
	uint32_t len;
	int err;

	if (!fdt_prop(fdt, node, "status", &len, &err))
		return err == -FDT_ERR_NOTFOUND;
	return fdt_prop_has_string(fdt, node, "status", "okay") ||
	       fdt_prop_has_string(fdt, node, "status", "ok");
}

static enum fdt_hart_verdict mmu_verdict(const char *mmu)
{
	static const char *const wide_enough[] = {"riscv,sv39", "riscv,sv48", "riscv,sv57"};

	if (!mmu || strcmp(mmu, "riscv,none") == 0)
		return FDT_HART_NO_MMU;
	for (size_t i = 0; i < ARRAY_SIZE(wide_enough); i++)
		if (strcmp(mmu, wide_enough[i]) == 0)
			return FDT_HART_USABLE;
	return FDT_HART_SMALL_MMU;
}

static bool same_string(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int read_hartid(const struct fdt *fdt, int node, uint64_t *id)
{
	struct fdt_range r;

	if (fdt_reg_count(fdt, node) != 1 || fdt_reg(fdt, node, 0, &r) != 0)
		return -FDT_ERR_BADREG;
	*id = r.base;
	return 0;
}

static int cpus_node(const struct fdt *fdt)
{
	int root = fdt_root(fdt);

	if (root < 0)
		return root;
	return fdt_subnode(fdt, root, "cpus", strlen("cpus"));
}

static bool is_cpu(const struct fdt *fdt, int node)
{
	return fdt_prop_has_string(fdt, node, "device_type", "cpu");
}

/* The boot hart's node, for its ISA string; -FDT_ERR_NOTFOUND when absent. */
static int find_boot_node(const struct fdt *fdt, int cpus, uint64_t boot_hartid)
{
	uint64_t id;

	for (int n = fdt_first_child(fdt, cpus); n >= 0; n = fdt_next_sibling(fdt, n))
		if (is_cpu(fdt, n) && read_hartid(fdt, n, &id) == 0 && id == boot_hartid)
			return n;
	return -FDT_ERR_NOTFOUND;
}

static bool listed_before(const struct fdt_hart *out, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (out[i].verdict != FDT_HART_BAD_REG && out[i].hartid == id)
			return true;
	return false;
}

static enum fdt_hart_verdict classify(const struct fdt *fdt, struct fdt_hart *h,
                                      const char *boot_isa)
{
	enum fdt_hart_verdict v;

	if (!status_okay(fdt, h->node))
		return FDT_HART_DISABLED;
	v = mmu_verdict(h->mmu_type);
	if (v != FDT_HART_USABLE)
		return v;
	if (!same_string(h->isa, boot_isa))
		return FDT_HART_ISA_DIFFERS;
	return FDT_HART_USABLE;
}

int fdt_harts(const struct fdt *fdt, uint64_t boot_hartid, size_t max_usable, struct fdt_hart *out,
              size_t max, size_t *count)
{
	int cpus = cpus_node(fdt);
	int boot;
	const char *boot_isa;
	size_t usable = 1, n = 0;
	bool boot_seen = false;

	*count = 0;
	if (cpus < 0)
		return cpus;
	boot = find_boot_node(fdt, cpus, boot_hartid);
	boot_isa = boot >= 0 ? prop_string(fdt, boot, "riscv,isa") : NULL;
	for (int node = fdt_first_child(fdt, cpus); node >= 0; node = fdt_next_sibling(fdt, node)) {
		struct fdt_hart *h;

		if (!is_cpu(fdt, node))
			continue;
		if (n == max) {
			*count = n;
			return -FDT_ERR_NOSPACE;
		}
		h = &out[n];
		*h = (struct fdt_hart){
		    .node = node,
		    .isa = prop_string(fdt, node, "riscv,isa"),
		    .mmu_type = prop_string(fdt, node, "mmu-type"),
		};
		if (read_hartid(fdt, node, &h->hartid) != 0)
			h->verdict = FDT_HART_BAD_REG;
		else if (listed_before(out, n, h->hartid))
			h->verdict = FDT_HART_DUPLICATE;
		else if (node == boot) {
			h->is_boot = true;
			boot_seen = true;
		} else {
			h->verdict = classify(fdt, h, boot_isa);
			if (h->verdict == FDT_HART_USABLE && usable++ >= max_usable)
				h->verdict = FDT_HART_OVER_LIMIT;
		}
		n++;
	}
	*count = n;
	return boot_seen ? 0 : -FDT_ERR_NOTFOUND;
}

uint32_t fdt_timebase_frequency(const struct fdt *fdt)
{
	uint32_t hz;
	int cpus = cpus_node(fdt);

	if (cpus < 0 || fdt_prop_u32(fdt, cpus, "timebase-frequency", &hz) != 0)
		return 0;
	return hz;
}
