// SPDX-License-Identifier: MIT
/*
 * Every user register that a system call must keep survives IPC calls and
 * replies through each way the kernel's user fast path can end a wait
 * (kernel/ipc_fastpath_user.c): a thread blocked in SYS_IPC_CALL or
 * SYS_IPC_REPLY_RECV keeps no kernel continuation, so its registers come back
 * from its trap frame alone. Each call and reply_recv here holds a fresh
 * pattern in s1-s11 across its ecall and checks it after (s0 is the frame
 * pointer: the program would not get far without it), besides the words.
 *
 *   fast   server waits in reply_recv, client calls: both enter each other
 *          directly;
 *   slow   server receives and replies through the general path: the client
 *          waits in the fast call and is woken by the general reply;
 *   buf    the client's calls carry a buffer (general path): the server
 *          waiting in reply_recv is woken by the general delivery.
 *
 * Prints "ipc_regs: ok" or a FAIL line; exits with the number of failures.
 */
#include <ipc.h>
#include <user.h>

#define CALLS 50

static uint64_t seed = 0x243f6a8885a308d3ULL;

struct call_result {
	long ret;
	unsigned bad; /* bit i: s<i> changed */
};

/*
 * long regs_ecall_asm(long nr, long h, struct ipc_msg *m, uint64_t p, unsigned *bad):
 * the ecall of ipc_syscall (user/lib/ipc.c) with p + i in s<i> (i = 1..11)
 * across it; *bad gets bit i for each s<i> that changed. struct ipc_msg is
 * info, words[4], badge, buf (8 bytes each).
 */
__asm__(".pushsection .text.regs_ecall_asm, \"ax\", @progbits\n"
        ".balign 4\n"
        "regs_ecall_asm:\n"
        "	addi sp, sp, -128\n"
        "	sd ra, 0(sp)\n"
        ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n"
        "	sd s\\r, (8 + 8 * \\r)(sp)\n"
        ".endr\n"
        "	sd a2, 104(sp)\n"
        "	sd a4, 112(sp)\n"
        "	sd a3, 120(sp)\n"
        ".irp r,1,2,3,4,5,6,7,8,9,10,11\n"
        "	addi s\\r, a3, \\r\n"
        ".endr\n"
        "	mv a7, a0\n"
        "	mv a0, a1\n"
        "	ld a1, 0(a2)\n"
        "	ld a3, 16(a2)\n"
        "	ld a4, 24(a2)\n"
        "	ld a5, 32(a2)\n"
        "	ld a6, 48(a2)\n"
        "	ld a2, 8(a2)\n"
        "	ecall\n"
        "	ld t0, 120(sp)\n"
        "	li t1, 0\n"
        ".irp r,1,2,3,4,5,6,7,8,9,10,11\n"
        "	addi t2, t0, \\r\n"
        "	beq s\\r, t2, 1f\n"
        "	ori t1, t1, 1 << (\\r - 1)\n"
        "1:\n"
        ".endr\n"
        "	slli t1, t1, 1\n"
        "	ld t2, 112(sp)\n"
        "	sw t1, 0(t2)\n"
        "	bnez a0, 2f\n"
        "	ld t2, 104(sp)\n"
        "	sd a1, 0(t2)\n"
        "	sd a2, 8(t2)\n"
        "	sd a3, 16(t2)\n"
        "	sd a4, 24(t2)\n"
        "	sd a5, 32(t2)\n"
        "	sd a6, 40(t2)\n"
        "2:	ld ra, 0(sp)\n"
        ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n"
        "	ld s\\r, (8 + 8 * \\r)(sp)\n"
        ".endr\n"
        "	addi sp, sp, 128\n"
        "	ret\n"
        ".popsection\n");
long regs_ecall_asm(long nr, long h, struct ipc_msg *m, uint64_t p, unsigned *bad);

_Static_assert(sizeof(struct ipc_msg) == 56, "regs_ecall_asm's offsets");

static struct call_result regs_ecall(long nr, long h, struct ipc_msg *m)
{
	struct call_result r;

	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	r.ret = regs_ecall_asm(nr, h, m, seed, &r.bad);
	return r;
}

/*
 * "fastserver": answers word0 + 1 and, in word1, the registers its own
 * reply_recv lost (ORed over every wait); until word0 == 0.
 */
static int fast_server(void)
{
	struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};
	long ret = ipc_recv(0, &m);
	unsigned lost = 0;

	while (ret == 0 && m.words[0] != 0) {
		uint64_t w0 = m.words[0];
		struct call_result r;

		m = (struct ipc_msg){.info = ipc_info(2, 0, 0, IPC_TIMEOUT_FOREVER)};
		m.words[0] = w0 + 1;
		m.words[1] = lost;
		r = regs_ecall(SYS_IPC_REPLY_RECV, 0, &m);
		ret = r.ret;
		lost |= r.bad;
	}
	if (ret == 0) {
		m.info = ipc_info(0, 0, 0, 0);
		ipc_reply(&m);
	}
	return ret != 0;
}

/* "slowserver": the general path both ways (receive, then reply), answering word0 + 1. */
static int slow_server(void)
{
	for (;;) {
		struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};
		uint64_t w0;

		if (ipc_recv(0, &m))
			return 1;
		w0 = m.words[0];
		m = (struct ipc_msg){.info = ipc_info(2, 0, 0, 0)};
		m.words[0] = w0 + 1;
		if (ipc_reply(&m))
			return 1;
		if (w0 == 0)
			return 0;
	}
}

static long spawn(long ep, const char *mode)
{
	const char *argv[] = {"ipc_regs", mode};
	long give[1] = {handle_mint(ep, IPC_RIGHT_RECV, 0)};
	long id = spawn_with_handles("ipc_regs", argv, 2, give, 1);

	handle_close(give[0]);
	return id;
}

/* CALLS calls to a server of `mode`; with_buf: each carries a buffer. 0 or the failures. */
static int run(long ep, const char *mode, bool with_buf)
{
	long server = spawn(ep, mode);
	char buf[8] = "regs";
	int failed = 0, status = -1;
	unsigned server_lost = 0;

	for (uint64_t i = 1; i <= CALLS; i++) {
		struct ipc_msg m = {.info = ipc_info(1, with_buf ? 4 : 0, 0, IPC_TIMEOUT_FOREVER),
		                    .words = {i << 4},
		                    .buf = with_buf ? buf : NULL};
		struct call_result r = regs_ecall(SYS_IPC_CALL, ep, &m);

		if (r.ret || r.bad || m.words[0] != (i << 4) + 1) {
			printf("ipc_regs: FAIL %s call %lu: %ld, s-registers lost %#x, word %lu\n",
			       mode, (unsigned long)i, r.ret, r.bad, (unsigned long)m.words[0]);
			failed++;
			break;
		}
		server_lost |= (unsigned)m.words[1];
	}
	if (server_lost && strcmp(mode, "fastserver") == 0) {
		printf("ipc_regs: FAIL %s: its reply_recv lost s-registers %#x\n", mode,
		       server_lost);
		failed++;
	}
	struct ipc_msg stop = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), .words = {0}};

	ipc_call(ep, &stop);
	if (sys_wait(server, &status) || status != 0) {
		printf("ipc_regs: FAIL %s exited with %d\n", mode, status);
		failed++;
	}
	return failed;
}

int main(int argc, char **argv)
{
	int failed;
	long ep;

	if (argc > 1 && strcmp(argv[1], "fastserver") == 0)
		return fast_server();
	if (argc > 1 && strcmp(argv[1], "slowserver") == 0)
		return slow_server();
	ep = endpoint_create();
	if (ep < 0) {
		printf("ipc_regs: FAIL endpoint_create %ld\n", ep);
		return 1;
	}
	failed = run(ep, "fastserver", false);
	failed += run(ep, "slowserver", false);
	failed += run(ep, "fastserver", true);
	if (!failed)
		printf("ipc_regs: ok\n");
	return failed;
}
