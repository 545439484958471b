// SPDX-License-Identifier: MIT
/* System calls about memory: anonymous mmap, munmap, mprotect. */
#include <bora/errno.h>
#include <bora/frame.h>
#include <bora/uaccess.h>
#include "internal.h"

/* Where mmap(NULL, ...) starts looking: above the programs, below the stack. */
#define MMAP_BASE 0x1000000000UL

/* A page-aligned range inside the user half; -EINVAL otherwise. */
static int check_range(long addr, long len, uint64_t *size)
{
	if (len <= 0 || addr % PAGE_SIZE)
		return -EINVAL;
	*size = ALIGN_UP((uint64_t)len, PAGE_SIZE);
	if (*size < (uint64_t)len || !user_range_ok((uint64_t)addr, *size) ||
	    (uint64_t)addr < USER_VA_START)
		return -EINVAL;
	return 0;
}

long sys_mmap(long addr, long len, long prot, long a3, long a4, long a5)
{
	struct aspace *as = &task_current()->as;
	struct page_alloc_stats fs;
	uint64_t size, va = (uint64_t)addr;
	int err;

	(void)a3, (void)a4, (void)a5;
	if (!aspace_prot_to_pte((unsigned int)prot) || prot < 0)
		return -EINVAL;
	err = check_range(addr ? addr : (long)MMAP_BASE, len, &size);
	if (err)
		return err;
	frame_stats(&fs);
	/* Never let one call drain the frames the kernel itself needs. */
	if (size / PAGE_SIZE + 64 > fs.available_pages)
		return -ENOMEM;
	if (!addr && aspace_find_free(as, MMAP_BASE, USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE,
	                              size, &va))
		return -ENOMEM;
	err = aspace_map_anon(as, va, size, (unsigned int)prot);
	return err ? err : (long)va;
}

long sys_munmap(long addr, long len, long a2, long a3, long a4, long a5)
{
	uint64_t size;
	int err;

	(void)a2, (void)a3, (void)a4, (void)a5;
	err = check_range(addr, len, &size);
	return err ? err : aspace_unmap(&task_current()->as, (uint64_t)addr, size);
}

long sys_mprotect(long addr, long len, long prot, long a3, long a4, long a5)
{
	uint64_t size;
	int err;

	(void)a3, (void)a4, (void)a5;
	if (!aspace_prot_to_pte((unsigned int)prot) || prot < 0)
		return -EINVAL;
	err = check_range(addr, len, &size);
	return err ? err
	           : aspace_protect(&task_current()->as, (uint64_t)addr, size, (unsigned int)prot);
}
