// SPDX-License-Identifier: MIT
/*
 * Boot-time memory setup: the configured byte allocator over the linker-reserved
 * temporary heap (kmalloc), the memory map, the frame allocator over every free
 * range of it, and (CONFIG_PAGING_FULL_REMAP) the switch to the kernel's own
 * page table, after which RAM beyond the boot-mapped gigapage joins the frames.
 */
#include <bora/bitmap_buddy.h>
#include <bora/bitmap_page.h>
#include <bora/buddy.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/magazine.h>
#include <bora/memmap.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/ptdump.h>
#include <bora/remap.h>
#include <bora/slab.h>
#include <bora/smp.h>
#include <bora/spinlock.h>
#include <bora/tlsf.h>

#include <bora/boot_info.h>

#define GIGA (1ULL << 30)
/* The boot table maps the first RAM gigapage only (arch/riscv/layout/boot_layout.c). */
#define EARLY_MAPPED_END ((uint64_t)CONFIG_RAM_BASE + GIGA)
/* Sv39 upper half: the linear map ends where the virtual address space does. */
#define LINEAR_MAP_END (0ULL - (uint64_t)CONFIG_KERNEL_VIRT_OFFSET)
/* One bitmap zone per free range, plus one range split at EARLY_MAPPED_END. */
#define FRAME_MAX_ZONES (PHYSMEM_MAX_FREE + 1)

static struct bitmap_page zones[FRAME_MAX_ZONES];
static size_t nr_zones;
static size_t unmanaged_pages;
static spinlock_t frames_lock = SPINLOCK_INIT;

const char *heap_allocator_name(void)
{
	return heap_allocator_ops()->name;
}

const struct byte_allocator_ops *heap_allocator_ops(void)
{
#if defined(CONFIG_HEAP_ALLOC_TLSF)
	return &tlsf_byte_ops;
#elif defined(CONFIG_HEAP_ALLOC_BUDDY)
	return &buddy_byte_ops;
#elif defined(CONFIG_HEAP_ALLOC_BITMAP_BUDDY)
	return &bitmap_buddy_byte_ops;
#else
	return &slab_byte_ops;
#endif
}

/* First fit over the zones in address order, each zone first-fit inside. */
static int zones_alloc(size_t count, size_t align, uintptr_t *va)
{
	int err = -ENOMEM;

	spin_lock(&frames_lock);
	for (size_t i = 0; i < nr_zones; i++) {
		err = bitmap_page_alloc(&zones[i], count, align, va);
		if (err != -ENOMEM)
			break;
	}
	spin_unlock(&frames_lock);
	return err;
}

/* Zones are only ever added, each filled in before nr_zones counts it: no lock needed. */
static struct bitmap_page *zone_of(uintptr_t va)
{
	size_t n = __atomic_load_n(&nr_zones, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < n; i++)
		if (va >= zones[i].base && ((va - zones[i].base) >> PAGE_SHIFT) < zones[i].npages)
			return &zones[i];
	return NULL;
}

static int zones_free(uintptr_t va, size_t count)
{
	struct bitmap_page *z;
	int err = -ENOTALLOC;

	spin_lock(&frames_lock);
	z = zone_of(va);
	if (z)
		err = bitmap_page_free(z, va, count);
	spin_unlock(&frames_lock);
	return err;
}

#ifdef CONFIG_PERCPU_CACHE
/*
 * Per-hart magazines of single frames (include/bora/magazine.h): page tables
 * and other one-page allocations take no shared lock in the common case. A
 * cached frame stays allocated in its zone's bitmap; frame_stats() counts it as
 * available. Order: a hart's magazine lock, then frames_lock.
 */
#define FCACHE_CAPACITY 64
#define FCACHE_BATCH    16

static struct mag_cache fcache;
static bool fcache_ready; /* set up and switched on (frame_set_caches) */
static bool fcache_inited;

static size_t fcache_get(void *ctx, unsigned int cls, void **out, size_t n)
{
	size_t got = 0;

	(void)ctx;
	(void)cls;
	spin_lock(&frames_lock);
	for (size_t i = 0; i < nr_zones && got < n; i++) {
		uintptr_t va;

		while (got < n && bitmap_page_alloc(&zones[i], 1, PAGE_SIZE, &va) == 0)
			out[got++] = (void *)va;
	}
	spin_unlock(&frames_lock);
	return got;
}

static void fcache_put(void *ctx, unsigned int cls, void *const *objs, size_t n)
{
	(void)ctx;
	(void)cls;
	spin_lock(&frames_lock);
	for (size_t i = 0; i < n; i++) {
		struct bitmap_page *z = zone_of((uintptr_t)objs[i]);

		/* Checked allocated when it was cached: a refusal now is corruption. */
		if (!z || bitmap_page_free(z, (uintptr_t)objs[i], 1))
			panic("frames: cached frame %p refused by its zone", objs[i]);
	}
	spin_unlock(&frames_lock);
}

static const struct mag_backend fcache_backend = {.get = fcache_get, .put = fcache_put};

static void fcache_init(void)
{
	fcache_ready = fcache_inited =
	    mag_init(&fcache, &fcache_backend, NULL, 1, FCACHE_CAPACITY, FCACHE_BATCH) == 0;
}

/* As kheap_set_caches: the gate every frame path tests, then the cached frames go back. */
int frame_set_caches(bool on)
{
	if (!fcache_inited)
		return -ENOTSUP;
	__atomic_store_n(&fcache_ready, on, __ATOMIC_SEQ_CST);
	if (!on)
		mag_drain(&fcache);
	return 0;
}

size_t frame_drain_caches(void)
{
	return fcache_ready ? mag_drain(&fcache) : 0;
}

static size_t fcache_pages(void)
{
	return fcache_ready ? mag_cached(&fcache, 0) : 0;
}
#else
size_t frame_drain_caches(void)
{
	return 0;
}

int frame_set_caches(bool on)
{
	(void)on;
	return -ENOTSUP;
}

static size_t fcache_pages(void)
{
	return 0;
}
#endif

int frame_alloc(size_t count, size_t align, uintptr_t *va)
{
	int err;

#ifdef CONFIG_PERCPU_CACHE
	if (count == 1 && align == PAGE_SIZE && fcache_ready) {
		void *p = mag_alloc(&fcache, smp_this_hart(), 0);

		if (p) {
			*va = (uintptr_t)p;
			return 0;
		}
	}
#endif
	err = zones_alloc(count, align, va);
	/* Frames parked in the harts' magazines are free frames: take them back, retry once. */
	if (err == -ENOMEM && frame_drain_caches())
		err = zones_alloc(count, align, va);
	return err;
}

int frame_free(uintptr_t va, size_t count)
{
#ifdef CONFIG_PERCPU_CACHE
	if (count == 1 && fcache_ready && IS_ALIGNED(va, PAGE_SIZE)) {
		struct bitmap_page *z = zone_of(va);

		/* An allocated frame goes to the magazine; -ENOTALLOC: it is there already. */
		if (z && bitmap_page_is_allocated(z, va))
			return mag_free(&fcache, smp_this_hart(), 0, (void *)va);
	}
#endif
	return zones_free(va, count);
}

void frame_stats(struct page_alloc_stats *st)
{
	size_t cached = fcache_pages(); /* magazine locks before frames_lock */

	*st = (struct page_alloc_stats){0};
	spin_lock(&frames_lock);
	for (size_t i = 0; i < nr_zones; i++) {
		struct page_alloc_stats z;

		bitmap_page_stats(&zones[i], &z);
		st->total_pages += z.total_pages;
		st->used_pages += z.used_pages;
		st->available_pages += z.available_pages;
		st->metadata_pages += z.metadata_pages;
	}
	spin_unlock(&frames_lock);
	cached = MIN(cached, st->used_pages);
	st->used_pages -= cached;
	st->available_pages += cached;
	st->cached_pages = cached;
}

#ifdef CONFIG_PERCPU_CACHE
static void check_cached_frame(void *arg, unsigned int cls, void *obj)
{
	struct bitmap_page *z = zone_of((uintptr_t)obj);

	(void)cls;
	if (!z || !bitmap_page_is_allocated(z, (uintptr_t)obj))
		*(bool *)arg = false;
}
#endif

int frame_validate(char *why, size_t why_len)
{
	int err = 0;

#ifdef CONFIG_PERCPU_CACHE
	if (fcache_ready) {
		bool ok = true;

		err = mag_validate(&fcache, why, why_len);
		if (err)
			return err;
		mag_for_each(&fcache, check_cached_frame, &ok);
		if (!ok)
			return validate_failed(why, why_len,
			                       "frames: a cached frame is free in its zone");
	}
#endif
	spin_lock(&frames_lock);
	for (size_t i = 0; i < nr_zones && !err; i++)
		err = bitmap_page_validate(&zones[i], why, why_len);
	spin_unlock(&frames_lock);
	return err;
}

size_t frame_zone_count(void)
{
	return nr_zones;
}

int frame_zone_info(size_t index, struct frame_zone_info *out)
{
	if (index >= nr_zones)
		return -ENOENT;
	*out = (struct frame_zone_info){
	    .base = virt_to_phys((void *)zones[index].base),
	    .pages = zones[index].npages,
	    .meta_pages = zones[index].meta_pages,
	};
	return 0;
}

size_t frame_pages_unmanaged(void)
{
	return unmanaged_pages;
}

/*
 * The heap grows through these while it holds its own lock; the wrappers take
 * the frame lock so other frame users stay serialised with it.
 */
static int grow_alloc(void *state, size_t count, size_t align, uintptr_t *out)
{
	(void)state;
	return frame_alloc(count, align, out);
}

static int grow_free(void *state, uintptr_t addr, size_t count)
{
	(void)state;
	return frame_free(addr, count);
}

static const struct page_allocator_ops locked_frame_ops = {
    .name = "frames",
    .alloc_pages = grow_alloc,
    .free_pages = grow_free,
};

const struct page_allocator_ops *frame_allocator_ops(void)
{
	return nr_zones ? &locked_frame_ops : NULL;
}

/* The ops above ignore their state: the zones are this file's. */
void *frame_allocator_state(void)
{
	return NULL;
}

static void report_bad_free(struct kheap *h, enum kheap_error kind, void *ptr, void *caller)
{
	/* A test that frees a bad pointer on purpose says so first (kheap_expect_errors). */
	if (kheap_error_expected(h)) {
		printk("kfree: %s of %p from caller %p (expected)\n", kheap_error_name(kind), ptr,
		       caller);
		return;
	}
#ifdef CONFIG_ALLOC_DEBUG
	panic("kfree: %s of %p from caller %p", kheap_error_name(kind), ptr, caller);
#else
	/* Refused and counted; the heap is unchanged, so the kernel can go on. */
	printk("kfree: %s of %p from caller %p: refused\n", kheap_error_name(kind), ptr, caller);
#endif
}

static void init_heap(void)
{
	unsigned int flags = 0;
	size_t size = (size_t)(_eheap - _sheap);
	int err;

#ifdef CONFIG_ALLOC_DEBUG
	flags |= KHEAP_DEBUG;
#endif
	err = kmalloc_init_heap(heap_allocator_ops(), NULL, _sheap, size, flags);
	if (err)
		panic("heap: %s cannot manage the %zu-byte temporary heap at %p: %s",
		      heap_allocator_name(), size, (void *)_sheap, errno_name(err));
	kmalloc_heap()->report = report_bad_free;
}

#ifdef CONFIG_PAGE_ALLOC_BITMAP
/*
 * A zone's bitmaps live in its own first pages, written through the linear
 * map, so a range can only become a zone once the running table maps it.
 */
static void add_zone(uint64_t start, uint64_t end)
{
	size_t pages = (size_t)((end - start) >> PAGE_SHIFT);
	int err;

	if (nr_zones == FRAME_MAX_ZONES) {
		unmanaged_pages += pages;
		printk("mm: no zone left for [%#llx, %#llx); %zu pages unused\n",
		       (unsigned long long)start, (unsigned long long)end, pages);
		return;
	}
	err = bitmap_page_init(&zones[nr_zones], (uintptr_t)phys_to_virt(start), end - start);
	if (err) {
		/* Only a lone page, which cannot also hold its bitmap, gets here. */
		unmanaged_pages += pages;
		return;
	}
	spin_lock(&frames_lock);
	nr_zones++;
	spin_unlock(&frames_lock);
}

/* Zones for the part of every free range inside [lo, hi). */
static void add_zones(const struct physmem *pm, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < pm->nr_free; i++) {
		uint64_t s = MAX(pm->free[i].base, lo);
		uint64_t e = MIN(pm->free[i].base + pm->free[i].size, hi);

		if (s < e)
			add_zone(s, e);
	}
}
#endif

static void report_clipped(const struct physmem *pm)
{
	if (!pm->clipped_bytes)
		return;
#ifdef CONFIG_PAGING_FULL_REMAP
	printk("mm: the linear map ends at physical %#llx; %llu MiB above it left unused\n",
	       (unsigned long long)LINEAR_MAP_END, (unsigned long long)(pm->clipped_bytes >> 20));
#else
	printk("mm: early paging maps 1 GiB of RAM; %llu MiB above it left unused\n",
	       (unsigned long long)(pm->clipped_bytes >> 20));
#endif
}

void boot_mm_init(const struct boot_info *bi)
{
	const struct memmap *mm;
	struct kheap_stats hs;
	struct page_alloc_stats fs;

	init_heap();
#ifdef CONFIG_PAGING_FULL_REMAP
	mm = memmap_init(bi->dtb_pa, LINEAR_MAP_END);
#else
	mm = memmap_init(bi->dtb_pa, EARLY_MAPPED_END);
#endif
	report_clipped(&mm->pm);
#ifdef CONFIG_PAGE_ALLOC_BITMAP
	/* The boot table maps the first RAM gigapage: enough for the remap's tables. */
	add_zones(&mm->pm, CONFIG_RAM_BASE, EARLY_MAPPED_END);
#ifdef CONFIG_HEAP_GROWABLE
	if (nr_zones)
		kheap_set_page_source(kmalloc_heap(), &locked_frame_ops, NULL);
#endif
#endif
#ifdef CONFIG_PAGING_FULL_REMAP
	remap_kernel(&mm->pm, LINEAR_MAP_END);
	add_zones(&mm->pm, 0, CONFIG_RAM_BASE);
	add_zones(&mm->pm, EARLY_MAPPED_END, UINT64_MAX);
#endif
#ifdef CONFIG_PTDUMP
	ptdump_kernel();
#endif
#ifdef CONFIG_PERCPU_CACHE
	fcache_init();
#endif
	kheap_stats(kmalloc_heap(), &hs);
	frame_stats(&fs);
	printk("mm: heap %s, %zu KiB total, %zu KiB free, %zu bytes metadata%s\n",
	       heap_allocator_name(), hs.total / 1024, hs.free / 1024, hs.metadata,
	       kmalloc_heap()->page_ops ? ", grows from frames" : "");
	printk("mm: frames %zu free of %zu (%zu KiB), %zu bitmap pages, %zu zone%s\n",
	       fs.available_pages, fs.total_pages, fs.total_pages * (PAGE_SIZE / 1024),
	       fs.metadata_pages, nr_zones, nr_zones == 1 ? "" : "s");
}
