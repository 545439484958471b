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

#ifndef EPERM
#define EPERM 1 /* not allowed (re-badging a badged handle, unlocking another's mutex) */
#endif
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
#ifndef ENODEV
#define ENODEV 19 /* the hardware is absent */
#endif
#ifndef EINVAL
#define EINVAL 22 /* bad argument: zero or huge size, bad alignment, bad range */
#endif
#ifndef ENOSPC
#define ENOSPC 28 /* a fixed-size table (e.g. a task's handles) is full */
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef EDEADLK
#define EDEADLK 35 /* waiting would never end (join self, a cycle of mutex owners) */
#endif
#ifndef ENOSYS
#define ENOSYS 38 /* no such syscall */
#endif
#ifndef EOVERFLOW
#define EOVERFLOW 75 /* a count would pass its limit */
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef ENOTSUP
#define ENOTSUP 95 /* the algorithm does not offer this operation */
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110 /* a blocking call's timeout expired (IPC: also NO_WAIT found nothing) */
#endif
#ifndef ECANCELED
#define ECANCELED 125 /* woken because the object waited on was destroyed */
#endif

/* Used by syscalls; <uapi/bora/errno.h> gives user code the same values. */
#ifndef ESRCH
#define ESRCH 3
#endif
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef ENOEXEC
#define ENOEXEC 8
#endif
#ifndef ECHILD
#define ECHILD 10
#endif
#ifndef EAGAIN
#define EAGAIN 11 /* try again later (NO_WAIT and the call would have had to block) */
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif

#define EOVERLAP  201 /* a region overlaps one the allocator already manages */
#define ENOTALLOC 202 /* pointer, page or id was not handed out (or was already freed) */
#define ECORRUPT  203 /* a validator found a broken invariant */
#define EIRQCTX   204 /* a blocking or thread-only call from an interrupt handler */
/* EBADHANDLE, ECLOSED, EWRONGTYPE, ENORIGHT, EPEERDIED, ENOREPLY (210..): user code sees them too
 */
#include <uapi/bora/ipc_errno.h>

/* "EINVAL", "ENOMEM", ... for messages; "E?" for an unknown value. Sign is ignored. */
const char *errno_name(int err);

/*
 * For validators: copy `msg` into why[why_len] (truncated, NUL-terminated; why may
 * be NULL) and return -ECORRUPT.
 */
int validate_failed(char *why, size_t why_len, const char *msg);

#endif
