// SPDX-License-Identifier: MIT
/*
 * SMP bring-up: the harts /cpus lists (lib/fdt_cpus.c) are started one at a
 * time with SBI HSM hart_start (SBI spec chapter 9) at the physical entry in
 * arch/riscv/smp_entry.S, each on its own stack from the frame allocator (a
 * guard page below it unmapped under PAGING_FULL_REMAP), with tp pointing at
 * its struct percpu. The boot hart waits for each to check in, up to
 * CONFIG_SMP_BOOT_TIMEOUT_MS by the time CSR; a hart that fails to start or
 * to check in is reported and left out.
 */
#include <bora/cmdline.h>
#include <bora/errno.h>
#include <bora/fdt_cpus.h>
#include <bora/frame.h>
#include <bora/memmap.h>
#include <bora/mm.h>
#include <bora/printk.h>
#include <bora/remap.h>
#include <bora/sched.h>
#include <bora/smp.h>
#include <bora/sv39.h>
#include <bora/thread.h>
#include <asm/csr.h>
#include <asm/sbi.h>
#include <asm/smp_boot.h>

#include "smp_internal.h"

/* /cpus nodes looked at; more are reported and ignored. */
#define SMP_MAX_CPU_NODES (2 * CONFIG_MAX_HARTS + 8)
/* QEMU virt's timebase (its DTB says 10 MHz), for a blob that lacks the property. */
#define SMP_DEFAULT_TIMEBASE_HZ 10000000UL
#define SMP_STACK_PAGES         (CONFIG_SMP_STACK_SIZE / PAGE_SIZE)

_Static_assert(CONFIG_SMP_STACK_SIZE % PAGE_SIZE == 0, "SMP_STACK_SIZE must be whole pages");
_Static_assert(CONFIG_MAX_HARTS <= 64, "a cpumask_t has 64 bits");

static struct smp_boot_args boot_args[CONFIG_MAX_HARTS];
/* In .data: the entry code reads it before the boot hart could clear .bss. */
struct smp_start_pending smp_start_pending = {.hartid = SMP_NO_PENDING_HART};
static struct fdt_hart cpu_nodes[SMP_MAX_CPU_NODES];
static cpumask_t online_mask = 1;
static unsigned int usable_harts = 1;

unsigned int smp_online_count(void)
{
	return (unsigned int)__builtin_popcountll(smp_online_mask());
}

cpumask_t smp_online_mask(void)
{
	return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE);
}

unsigned int smp_usable_count(void)
{
	return usable_harts;
}

void smp_secondary_main(unsigned long hartid, struct smp_boot_args *args)
{
	unsigned int expected = SMP_HART_STARTING;

	(void)hartid;
	/* Ready for threads before the boot hart counts this hart online and places any here. */
	sched_secondary_prepare(args->sp - CONFIG_SMP_STACK_SIZE, CONFIG_SMP_STACK_SIZE);
	/* Too late: the boot hart gave up on this hart and counts it offline. */
	if (!__atomic_compare_exchange_n(&args->state, &expected, SMP_HART_ONLINE, false,
	                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		sbi_hart_stop();
	smp_ipi_init_this_hart();
	sched_secondary_run();
}

/* Stack pages plus a guard page below them; the top of the stack, or 0. */
static uintptr_t alloc_stack(unsigned long hartid)
{
	uintptr_t base;
	int err = frame_alloc(SMP_STACK_PAGES + 1, PAGE_SIZE, &base);

	if (err) {
		printk("smp: hart %lu: no stack (%s)\n", hartid, errno_name(err));
		return 0;
	}
#ifdef CONFIG_PAGING_FULL_REMAP
	/* A stack overflow then faults on the guard instead of running into other memory. */
	err = sv39_unmap_range(remap_kernel_table(), base, PAGE_SIZE);
	if (err) {
		printk("smp: hart %lu: cannot unmap the stack guard page (%s)\n", hartid,
		       errno_name(err));
		frame_free(base, SMP_STACK_PAGES + 1);
		return 0;
	}
#endif
	return base + (SMP_STACK_PAGES + 1) * PAGE_SIZE;
}

static void frame_free_stack(uintptr_t top)
{
	uintptr_t base = top - (SMP_STACK_PAGES + 1) * PAGE_SIZE;

#ifdef CONFIG_PAGING_FULL_REMAP
	/* The guard goes back mapped, as the linear map had it (4 KiB now; equivalent). */
	if (sv39_map_range(remap_kernel_table(), base, virt_to_phys((void *)base), PAGE_SIZE,
	                   SV39_PTE_R | SV39_PTE_W | SV39_PTE_G) != 0) {
		printk("smp: cannot remap a stack guard page; its frames stay allocated\n");
		return;
	}
#endif
	frame_free(base, SMP_STACK_PAGES + 1);
}

static bool wait_for_checkin(struct smp_boot_args *args, unsigned long hz)
{
	unsigned long start = read_time();
	unsigned long ticks = (unsigned long)CONFIG_SMP_BOOT_TIMEOUT_MS * (hz / 1000);
	unsigned int expected = SMP_HART_STARTING;

	while (read_time() - start < ticks) {
		if (__atomic_load_n(&args->state, __ATOMIC_ACQUIRE) == SMP_HART_ONLINE)
			return true;
		/*
		 * Sleep between looks instead of spinning: the boot hart gives
		 * its host CPU to the new one under QEMU MTTCG on a busy host,
		 * and under -icount, where QEMU runs the harts in turn on one
		 * thread and a spinning hart with no timer armed is never made
		 * to give up its turn, the new hart gets one at all.
		 */
		thread_sleep(TIMEOUT_US(50));
	}
	/* The hart may check in between the last look and this exchange: then it made it. */
	return !__atomic_compare_exchange_n(&args->state, &expected, SMP_HART_ABANDONED, false,
	                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * Where hart_start sends the hart. `smp.entry=kernel` on a ktest kernel's
 * command line sends it to the kernel's own entry point with the DTB as
 * opaque, which is what the firmware race at struct smp_start_pending does
 * now and then, so the test of the way back from there runs every time.
 */
static void start_address(uintptr_t dtb_pa, uintptr_t args_pa, uintptr_t *entry_pa,
                          uintptr_t *opaque)
{
	*entry_pa = virt_to_phys(smp_secondary_entry);
	*opaque = args_pa;
#ifdef CONFIG_KTEST
	extern char _start[];

	if (kernel_cmdline_is("smp.entry", "kernel")) {
		*entry_pa = virt_to_phys(_start);
		*opaque = dtb_pa;
	}
#else
	(void)dtb_pa;
#endif
}

/* Whether slot `index` is spent: a hart that never ran leaves it for the next one. */
static bool start_hart(unsigned int index, unsigned long hartid, unsigned long hz, uintptr_t dtb_pa)
{
	struct smp_boot_args *args = &boot_args[index];
	uintptr_t top = alloc_stack(hartid);
	uintptr_t entry_pa, opaque;
	unsigned int strays = __atomic_load_n(&kernel_entry_strays, __ATOMIC_RELAXED);
	bool online;
	long err;

	if (!top)
		return false;
	percpu_harts[index] = (struct percpu){
	    .self = &percpu_harts[index],
	    .hartid = hartid,
	    .index = index,
	};
	*args = (struct smp_boot_args){
	    .satp = csr_read(satp),
	    .sp = top,
	    .tp = (uintptr_t)&percpu_harts[index],
	    .state = SMP_HART_STARTING,
	};
	smp_start_pending.args_pa = virt_to_phys(args);
	smp_start_pending.hartid = hartid;
	/* The hart reads args and its percpu through another path; publish them first. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	start_address(dtb_pa, virt_to_phys(args), &entry_pa, &opaque);
	err = sbi_hart_start(hartid, entry_pa, opaque);
	if (err) {
		smp_start_pending.hartid = SMP_NO_PENDING_HART;
		printk("smp: hart %lu: hart_start failed: %s (HSM state %ld)\n", hartid,
		       sbi_error_name(err), sbi_hart_status(hartid));
		args->state = SMP_HART_OFFLINE;
		frame_free_stack(top);
		return false;
	}
	online = wait_for_checkin(args, hz);
	/* A hart that arrives later than this stops at the entry (its args are stale). */
	__atomic_store_n(&smp_start_pending.hartid, SMP_NO_PENDING_HART, __ATOMIC_RELEASE);
	if (!online) {
		/* Its stack stays allocated: the hart may still be running on it. */
		printk("smp: hart %lu did not check in within %d ms (HSM state %ld); going on "
		       "without it\n",
		       hartid, CONFIG_SMP_BOOT_TIMEOUT_MS, sbi_hart_status(hartid));
		return true;
	}
	__atomic_fetch_or(&online_mask, CPUMASK_OF(index), __ATOMIC_RELEASE);
	if (__atomic_load_n(&kernel_entry_strays, __ATOMIC_RELAXED) != strays)
		printk("smp: hart %lu entered at the kernel's entry point, not at the one it was "
		       "given; taken on from there\n",
		       hartid);
	printk("smp: hart %lu online\n", hartid);
	return true;
}

static void list_skipped(size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct fdt_hart *h = &cpu_nodes[i];

		if (h->verdict == FDT_HART_USABLE)
			continue;
		printk("smp: hart %llu skipped: %s (riscv,isa %s, mmu-type %s)\n",
		       (unsigned long long)h->hartid, fdt_hart_verdict_name(h->verdict),
		       h->isa ? h->isa : "none", h->mmu_type ? h->mmu_type : "none");
	}
}

/* The blob memmap_init() accepted, or NULL with the reason printed. */
static bool open_dtb(uintptr_t dtb_pa, struct fdt *fdt)
{
	const struct memmap *mm = memmap();
	int err;

	if (!mm || mm->dtb_status != MEMMAP_DTB_OK || mm->dtb_pa != dtb_pa) {
		printk("smp: no usable device tree; running on the boot hart only\n");
		return false;
	}
	err = fdt_init(fdt, phys_to_virt(dtb_pa), mm->dtb_size);
	if (err) {
		printk("smp: device tree rejected (%s); running on the boot hart only\n",
		       fdt_strerror(err));
		return false;
	}
	return true;
}

void smp_init(uintptr_t dtb_pa)
{
	unsigned long boot_hartid = this_cpu()->hartid;
	unsigned int next_index = 1;
	struct fdt fdt;
	size_t count;
	unsigned long hz;
	int err;

	smp_ipi_init_this_hart();
	if (!open_dtb(dtb_pa, &fdt))
		goto done;
	err = fdt_harts(&fdt, boot_hartid, CONFIG_MAX_HARTS, cpu_nodes, SMP_MAX_CPU_NODES, &count);
	if (err == -FDT_ERR_NOSPACE)
		printk("smp: /cpus lists more than %d harts; the rest are ignored\n",
		       SMP_MAX_CPU_NODES);
	else if (err) {
		printk("smp: boot hart %lu not found in /cpus (%s); running on it only\n",
		       boot_hartid, fdt_strerror(err));
		goto done;
	}
	list_skipped(count);
	usable_harts = 0;
	for (size_t i = 0; i < count; i++)
		usable_harts += cpu_nodes[i].verdict == FDT_HART_USABLE;
	if (usable_harts > 1 && !sbi_probe_extension(SBI_EXT_HSM)) {
		printk("smp: the firmware has no SBI HSM extension; running on the boot hart "
		       "only\n");
		goto done;
	}
	hz = fdt_timebase_frequency(&fdt);
	if (!hz)
		hz = SMP_DEFAULT_TIMEBASE_HZ;
	printk("smp: hart %lu online (boot hart)\n", boot_hartid);
	for (size_t i = 0; i < count; i++) {
		if (cpu_nodes[i].verdict != FDT_HART_USABLE || cpu_nodes[i].is_boot)
			continue;
		if (next_index < CONFIG_MAX_HARTS &&
		    start_hart(next_index, cpu_nodes[i].hartid, hz, dtb_pa))
			next_index++;
	}
done:
	printk("smp: %u of %u harts online\n", smp_online_count(), usable_harts);
}
