/* SPDX-License-Identifier: MIT */
/*
 * Kernel error numbers. Functions return 0 or a negative value from this list.
 * The classic values match Linux's asm-generic numbering so a host test that also
 * sees libc's <errno.h> gets identical definitions; the Bora-specific ones live
 * above 200 where no libc uses them.
 */
#ifndef BORA_ERRNO_H
#define BORA_ERRNO_H

#include <stddef.h>

#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef ENOMEM
#define ENOMEM 12 /* the request cannot be met from what is free */
#endif
#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EEXIST
#define EEXIST 17 /* already allocated / already mapped */
#endif
#ifndef EINVAL
#define EINVAL 22 /* bad argument: zero or huge size, bad alignment, bad range */
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef ENOTSUP
#define ENOTSUP 95 /* the algorithm does not offer this operation */
#endif

#define EOVERLAP  201 /* a region overlaps one the allocator already manages */
#define ENOTALLOC 202 /* pointer, page or id was not handed out (or was already freed) */
#define ECORRUPT  203 /* a validator found a broken invariant */

/* "EINVAL", "ENOMEM", ... for messages; "E?" for an unknown value. Sign is ignored. */
const char *errno_name(int err);

/*
 * For validators: copy `msg` into why[why_len] (truncated, NUL-terminated; why may
 * be NULL) and return -ECORRUPT.
 */
int validate_failed(char *why, size_t why_len, const char *msg);

#endif
