/* SPDX-License-Identifier: MIT */
/*
 * Error values of the IPC and handle syscalls that have no classic errno name.
 * Syscalls return them negated (a0 = -EBADHANDLE, ...). The kernel's
 * <bora/errno.h> includes this file, so kernel and user code share one list;
 * the numbers sit above 200, where no libc defines anything.
 */
#ifndef UAPI_BORA_IPC_ERRNO_H
#define UAPI_BORA_IPC_ERRNO_H

/* A bad handle gets one of four errors, checked in this order: */
#define EBADHANDLE 210 /* the number lies outside the task's handle table */
#define ECLOSED    211 /* the slot is empty: never opened, or closed */
#define EWRONGTYPE                                                                                 \
	212          /* the slot names another kind of object (a notification for an endpoint...) */
#define ENORIGHT 213 /* the handle lacks a right the operation needs */

#define EPEERDIED                                                                                  \
	214          /* the other side went away: no receiver or sender is left, the server died   \
	              * (or received again) without replying, the endpoint was destroyed */
#define ENOREPLY 215 /* reply without a reply capability: no call was received, or it was used */

#endif
