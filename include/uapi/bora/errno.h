/* SPDX-License-Identifier: MIT */
/*
 * Error numbers a system call returns (negated). The values are the classic
 * ones (Linux asm-generic), the same the kernel uses in <bora/errno.h>.
 */
#ifndef UAPI_BORA_ERRNO_H
#define UAPI_BORA_ERRNO_H

#ifndef EPERM
#define EPERM 1 /* not allowed: e.g. killing a task that is not your child */
#endif
#ifndef ENOENT
#define ENOENT 2 /* no such program, or no mapping at that address */
#endif
#ifndef ESRCH
#define ESRCH 3 /* no such task or thread */
#endif
#ifndef E2BIG
#define E2BIG 7 /* too many arguments, or arguments too long */
#endif
#ifndef ENOEXEC
#define ENOEXEC 8 /* the program's ELF image was refused */
#endif
#ifndef ECHILD
#define ECHILD 10 /* not a child of the caller */
#endif
#ifndef EAGAIN
#define EAGAIN 11 /* out of a resource that may free up (thread slots, ids) */
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EFAULT
#define EFAULT 14 /* a pointer argument is outside the user half or not mapped */
#endif
#ifndef EEXIST
#define EEXIST 17 /* something is already mapped there */
#endif
#ifndef EINVAL
#define EINVAL 22 /* bad value: alignment, length, protection, W+X */
#endif
#ifndef ENAMETOOLONG
#define ENAMETOOLONG 36
#endif
#ifndef ENOSYS
#define ENOSYS 38 /* no such system call */
#endif
/* IPC (<uapi/bora/ipc.h>; its own values are in <uapi/bora/ipc_errno.h>). */
#ifndef ENOSPC
#define ENOSPC 28 /* the task's handle table is full */
#endif
#ifndef EMSGSIZE
#define EMSGSIZE 90
#endif
#ifndef ENOTSUP
#define ENOTSUP 95
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110 /* a blocking call's timeout expired, or NO_WAIT found nothing */
#endif
#include <uapi/bora/ipc_errno.h>

#endif
