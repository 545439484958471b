// SPDX-License-Identifier: MIT
/* Boot-time memory setup: hands the linker-reserved temporary heap to kmalloc. */
#include <bora/printk.h>

#include "boot_info.h"

const char *heap_allocator_name(void)
{
#if defined(CONFIG_HEAP_ALLOC_TLSF)
	return "tlsf";
#elif defined(CONFIG_HEAP_ALLOC_BUDDY)
	return "buddy";
#elif defined(CONFIG_HEAP_ALLOC_BITMAP_BUDDY)
	return "bitmap-buddy";
#else
	return "slab";
#endif
}

void boot_mm_init(const struct boot_info *bi)
{
	(void)bi;
}
