/* SPDX-License-Identifier: MIT */
/*
 * The IPC ABI, shared by the kernel and user programs: rights, the message
 * info word, the register layout of the IPC syscalls and their numbers.
 *
 * Registers of an IPC syscall (ecall; a7 = number):
 *
 *   reg   on entry                                  on return
 *   a0    handle (endpoint or notification)         result: 0 or -errno
 *   a1    info word (IPC_INFO_*), timeout included  info of the received message
 *   a2-a5 message words 0..3 (IPC_MSG_WORDS_MAX)    received words
 *   a6    user address of the message buffer        badge of the sender's handle
 *
 * Only CONFIG_IPC_MSG_WORDS words (1..4) travel; a message may carry fewer
 * (IPC_INFO_WORDS). The buffer, up to IPC_BUF_MAX bytes, is optional: length 0
 * sends none, capacity 0 accepts none. One buffer address serves both
 * directions of a call or reply_recv: the outgoing bytes are read from it
 * before the incoming ones are written to it.
 */
#ifndef UAPI_BORA_IPC_H
#define UAPI_BORA_IPC_H

#include <uapi/bora/ipc_errno.h>

/* ---- rights of a handle --------------------------------------------------------------------- */

#define IPC_RIGHT_SEND  0x1u /* send/call on an endpoint, signal a notification */
#define IPC_RIGHT_RECV  0x2u /* recv/reply_recv on an endpoint, wait on a notification */
#define IPC_RIGHT_GRANT 0x4u /* send handles through this endpoint */
#define IPC_RIGHT_MAP   0x8u /* map a device page; bind or acknowledge an interrupt */
#define IPC_RIGHTS_ALL  0xfu

/* ---- message ----------------------------------------------------------------------------------
 */

#define IPC_MSG_WORDS_MAX 4    /* a2..a5 */
#define IPC_BUF_MAX       4096 /* one page */

/*
 * The info word (a1). On entry:
 *   bits  0..2   number of message words sent (0..CONFIG_IPC_MSG_WORDS)
 *   bits  3..15  buffer bytes sent (0..IPC_BUF_MAX)
 *   bits 16..28  buffer capacity for what comes back or is received (0..IPC_BUF_MAX)
 *   bit  29      a handle travels with the message (needs GRANT on the endpoint handle)
 *   bits 30..33  rights the granted copy keeps: ANDed with the handle's own (never adds)
 *   bits 34..41  the handle to grant (a number in the sender's table)
 *   bits 42..63  timeout in milliseconds: 0 = do not wait, all ones = wait forever
 * On return the same fields describe the message received: words and bytes
 * that arrived, the granted handle's number in the receiver's table and its
 * rights; bits 42..63 then hold IPC_INFO_TRUNCATED / IPC_INFO_GRANT_LOST.
 * Every bit is defined; out-of-range counts are refused with -EINVAL.
 */
#define IPC_INFO_WORDS_SHIFT  0
#define IPC_INFO_WORDS_MASK   0x7ull
#define IPC_INFO_LEN_SHIFT    3
#define IPC_INFO_LEN_MASK     0x1fffull
#define IPC_INFO_CAP_SHIFT    16
#define IPC_INFO_CAP_MASK     0x1fffull
#define IPC_INFO_GRANT        (1ull << 29)
#define IPC_INFO_RIGHTS_SHIFT 30
#define IPC_INFO_RIGHTS_MASK  0xfull
#define IPC_INFO_HANDLE_SHIFT 34
#define IPC_INFO_HANDLE_MASK  0xffull
#define IPC_INFO_TMO_SHIFT    42
#define IPC_INFO_TMO_MASK     0x3fffffull

#define IPC_TIMEOUT_NO_WAIT 0u
#define IPC_TIMEOUT_FOREVER 0x3fffffu /* 22 bits; the longest finite wait is ~69.9 minutes */

/* Flags of a received info word (they reuse the timeout field). */
#define IPC_INFO_TRUNCATED  (1ull << 42) /* the sender's buffer was longer than the capacity */
#define IPC_INFO_GRANT_LOST (1ull << 43) /* a handle was sent but the receiver's table was full */

#define IPC_HANDLE_MAX 255 /* handle numbers that fit the grant field */

static inline unsigned long long ipc_info(unsigned words, unsigned len, unsigned cap,
                                          unsigned timeout_ms)
{
	return ((unsigned long long)(words & IPC_INFO_WORDS_MASK) << IPC_INFO_WORDS_SHIFT) |
	       ((unsigned long long)(len & IPC_INFO_LEN_MASK) << IPC_INFO_LEN_SHIFT) |
	       ((unsigned long long)(cap & IPC_INFO_CAP_MASK) << IPC_INFO_CAP_SHIFT) |
	       ((unsigned long long)(timeout_ms & IPC_INFO_TMO_MASK) << IPC_INFO_TMO_SHIFT);
}

static inline unsigned long long ipc_info_grant(unsigned long long info, unsigned handle,
                                                unsigned rights)
{
	return info | IPC_INFO_GRANT |
	       ((unsigned long long)(rights & IPC_INFO_RIGHTS_MASK) << IPC_INFO_RIGHTS_SHIFT) |
	       ((unsigned long long)(handle & IPC_INFO_HANDLE_MASK) << IPC_INFO_HANDLE_SHIFT);
}

#define IPC_INFO_FIELD(info, f) (((info) >> IPC_INFO_##f##_SHIFT) & IPC_INFO_##f##_MASK)

/* ---- syscall numbers --------------------------------------------------------------------------
 */

/*
 * The IPC block of the syscall table (include/uapi/bora/syscall.h keeps the
 * rest). Arguments beyond the register layout above:
 *   SYS_HANDLE_CLOSE      a0 handle
 *   SYS_HANDLE_MINT       a0 handle, a1 rights mask, a2 badge -> a0 new handle (a badge can be
 *                         set only on an unbadged handle: -EPERM otherwise)
 *   SYS_ENDPOINT_CREATE   -> a0 handle with every right
 *   SYS_NOTIFY_CREATE     -> a0 handle with every right
 *   SYS_NOTIFY_SIGNAL     a0 handle (SEND), a1 bits to OR in
 *   SYS_NOTIFY_WAIT       a0 handle (RECV), a1 info (timeout only) -> a1 bits taken
 *   SYS_IRQ_BIND          a0 interrupt handle (MAP), a1 notification handle (SEND), a2 bits
 *   SYS_IRQ_ACK           a0 interrupt handle (MAP): unmask the source after handling it
 *   SYS_DEVPAGE_MAP       a0 device-page handle (MAP), a1 user address -> mapped R/W, uncached
 */
#define SYS_IPC_BASE        64 /* syscall.h leaves 64..127 to IPC */
#define SYS_IPC_SEND        (SYS_IPC_BASE + 0)
#define SYS_IPC_RECV        (SYS_IPC_BASE + 1)
#define SYS_IPC_CALL        (SYS_IPC_BASE + 2)
#define SYS_IPC_REPLY       (SYS_IPC_BASE + 3)
#define SYS_IPC_REPLY_RECV  (SYS_IPC_BASE + 4)
#define SYS_HANDLE_CLOSE    (SYS_IPC_BASE + 5)
#define SYS_HANDLE_MINT     (SYS_IPC_BASE + 6)
#define SYS_ENDPOINT_CREATE (SYS_IPC_BASE + 7)
#define SYS_NOTIFY_CREATE   (SYS_IPC_BASE + 8)
#define SYS_NOTIFY_SIGNAL   (SYS_IPC_BASE + 9)
#define SYS_NOTIFY_WAIT     (SYS_IPC_BASE + 10)
#define SYS_IRQ_BIND        (SYS_IPC_BASE + 11)
#define SYS_IRQ_ACK         (SYS_IPC_BASE + 12)
#define SYS_DEVPAGE_MAP     (SYS_IPC_BASE + 13)
#define SYS_IPC_COUNT       14 /* numbers SYS_IPC_BASE.. SYS_IPC_BASE + SYS_IPC_COUNT - 1 */

#endif
