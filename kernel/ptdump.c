// SPDX-License-Identifier: MIT
/*
 * ptdump: print a Sv39 table as ranges. Leaves are merged only when they
 * continue each other in both address spaces and share page size and flags,
 * so a line tells exactly which leaf size maps it (sv39_walk_ranges() would
 * fold a run of 2 MiB leaves into the gigapages after it).
 */
#include <bora/printk.h>
#include <bora/ptdump.h>
#include <bora/remap.h>

struct ptdump_run {
	struct sv39_leaf first;
	uint64_t size;
	size_t leaves;
	bool have;
	struct ptdump_totals totals;
};

static const char *size_str(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB"};
	unsigned int u = 0;

	while (u + 1 < ARRAY_SIZE(units) && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	ksnprintf(buf, len, "%llu %s", (unsigned long long)bytes, units[u]);
	return buf;
}

static const char *const page_names[SV39_LEVELS] = {"4K", "2M", "1G"};

static void print_run(struct ptdump_run *run)
{
	const struct sv39_leaf *l = &run->first;
	uint64_t f = l->flags;
	char size[24];

	printk("ptdump: 0x%016llx-0x%016llx 0x%016llx %10s %s x%-6zu %c%c%c %c%c%c%c\n",
	       (unsigned long long)l->va, (unsigned long long)(l->va + run->size),
	       (unsigned long long)l->pa, size_str(size, sizeof(size), run->size),
	       page_names[l->level], run->leaves, (f & SV39_PTE_R) ? 'R' : '-',
	       (f & SV39_PTE_W) ? 'W' : '-', (f & SV39_PTE_X) ? 'X' : '-',
	       (f & SV39_PTE_U) ? 'U' : '-', (f & SV39_PTE_G) ? 'G' : '-',
	       (f & SV39_PTE_A) ? 'A' : '-', (f & SV39_PTE_D) ? 'D' : '-');
	run->totals.ranges++;
	run->totals.leaves += run->leaves;
}

static int dump_leaf(void *arg, const struct sv39_leaf *leaf)
{
	struct ptdump_run *run = arg;

	if (run->have && run->first.va + run->size == leaf->va &&
	    run->first.pa + run->size == leaf->pa && run->first.flags == leaf->flags &&
	    run->first.level == leaf->level) {
		run->size += leaf->size;
		run->leaves++;
		return 0;
	}
	if (run->have)
		print_run(run);
	run->first = *leaf;
	run->size = leaf->size;
	run->leaves = 1;
	run->have = true;
	return 0;
}

void ptdump(const struct sv39 *pt, const char *title, struct ptdump_totals *totals)
{
	struct ptdump_run run = {0};

	printk("ptdump: %s, root at physical 0x%llx\n", title, (unsigned long long)pt->root_pa);
	printk("ptdump: %-37s %-18s %10s %-10s %s\n", "virtual range", "physical", "size", "pages",
	       "perm");
	sv39_walk(pt, dump_leaf, &run);
	if (run.have)
		print_run(&run);
	printk("ptdump: %zu ranges, %zu leaves\n", run.totals.ranges, run.totals.leaves);
	if (totals)
		*totals = run.totals;
}

void ptdump_kernel(void)
{
	struct sv39 live;

	kernel_live_table(&live);
	ptdump(&live, remap_kernel_table() ? "kernel page table (stage 2)" : "boot page table",
	       NULL);
}
