// SPDX-License-Identifier: MIT
/*
 * Boot-time memory setup: the configured byte allocator over the linker-reserved
 * temporary heap (kmalloc), and the frame allocator over free RAM.
 */
#include <bora/bitmap_buddy.h>
#include <bora/bitmap_page.h>
#include <bora/buddy.h>
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/kmalloc.h>
#include <bora/mm.h>
#include <bora/panic.h>
#include <bora/printk.h>
#include <bora/slab.h>
#include <bora/spinlock.h>
#include <bora/tlsf.h>

#include "boot_info.h"

/* QEMU puts the DTB in the last 2 MiB below min(RAM end, 3 GiB) (hw/riscv/boot.c). */
#define DTB_WINDOW (2UL << 20)
#define GIGA       (1UL << 30)

static struct bitmap_page frames;
static spinlock_t frames_lock = SPINLOCK_INIT;
static bool frames_ready;

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

int frame_alloc(size_t count, size_t align, uintptr_t *va)
{
	int err;

	if (!frames_ready)
		return -ENOMEM;
	spin_lock(&frames_lock);
	err = bitmap_page_alloc(&frames, count, align, va);
	spin_unlock(&frames_lock);
	return err;
}

int frame_free(uintptr_t va, size_t count)
{
	int err;

	if (!frames_ready)
		return -ENOTALLOC;
	spin_lock(&frames_lock);
	err = bitmap_page_free(&frames, va, count);
	spin_unlock(&frames_lock);
	return err;
}

void frame_stats(struct page_alloc_stats *st)
{
	*st = (struct page_alloc_stats){0};
	if (frames_ready)
		bitmap_page_stats(&frames, st);
}

int frame_validate(char *why, size_t why_len)
{
	return frames_ready ? bitmap_page_validate(&frames, why, why_len) : 0;
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
	return frames_ready ? &locked_frame_ops : NULL;
}

void *frame_allocator_state(void)
{
	return &frames;
}

static void report_bad_free(struct kheap *h, enum kheap_error kind, void *ptr, void *caller)
{
	(void)h;
	panic("kfree: %s of %p from caller %p", kheap_error_name(kind), ptr, caller);
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

/*
 * Free RAM under the early stage: from the end of the image to the end of the
 * first gigapage, stopping below the DTB. The stage-2 remap replaces this with
 * the device tree's memory map.
 */
static void init_frames(const struct boot_info *bi)
{
	uintptr_t start = ALIGN_UP(virt_to_phys(_end), PAGE_SIZE);
	uintptr_t ram_end = CONFIG_RAM_BASE + CONFIG_RAM_SIZE;
	uintptr_t end = MIN(ram_end, CONFIG_RAM_BASE + GIGA);
	int err;

	if (bi->dtb_pa >= start && bi->dtb_pa < end)
		end = ALIGN_DOWN(bi->dtb_pa, PAGE_SIZE);
	if (ram_end > CONFIG_RAM_BASE + GIGA)
		printk("mm: early paging maps 1 GiB of RAM; %lu MiB above it left unused\n",
		       (unsigned long)((ram_end - CONFIG_RAM_BASE - GIGA) >> 20));
	err = bitmap_page_init(&frames, (uintptr_t)phys_to_virt(start), end - start);
	if (err) {
		printk("mm: no frame allocator over [%#lx, %#lx): %s\n", (unsigned long)start,
		       (unsigned long)end, errno_name(err));
		return;
	}
	frames_ready = true;
}

void boot_mm_init(const struct boot_info *bi)
{
	struct kheap_stats hs;
	struct page_alloc_stats fs;

	init_heap();
#ifdef CONFIG_PAGE_ALLOC_BITMAP
	init_frames(bi);
#ifdef CONFIG_HEAP_GROWABLE
	if (frames_ready)
		kheap_set_page_source(kmalloc_heap(), &locked_frame_ops, NULL);
#endif
#else
	(void)bi;
#endif
	kheap_stats(kmalloc_heap(), &hs);
	frame_stats(&fs);
	printk("mm: heap %s, %zu KiB total, %zu KiB free, %zu bytes metadata%s\n",
	       heap_allocator_name(), hs.total / 1024, hs.free / 1024, hs.metadata,
	       kmalloc_heap()->page_ops ? ", grows from frames" : "");
	printk("mm: frames %zu free of %zu (%zu KiB), %zu bitmap pages\n", fs.available_pages,
	       fs.total_pages, fs.total_pages * (PAGE_SIZE / 1024), fs.metadata_pages);
}
