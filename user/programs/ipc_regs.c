// SPDX-License-Identifier: MIT
/*
 * Every user register that a system call must keep survives IPC calls and
 * replies through each way the kernel's user fast path can end a wait
 * (kernel/ipc_fastpath_user.c, entered straight from trap_entry.S): a thread
 * blocked in SYS_IPC_CALL or SYS_IPC_REPLY_RECV keeps no kernel continuation,
 * so its registers come back from its trap frame alone, and a peer entered
 * directly gets its results in registers. Around each call and reply_recv
 * here s0-s11, gp, tp and ra hold a fresh pattern, and t0-t6 another; after
 * the ecall the former must be intact, t0-t6 zero (no kernel value reaches
 * U-mode, docs/user-mode.md "The syscall ABI"), a7 the syscall number and sp
 * unchanged. The messages check the rest of the ABI (<uapi/bora/ipc.h>):
 * words past the count read 0 whatever the sender's registers held, the
 * receiver sees the sender's badge, a reply carries badge 0.
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
#define BADGE 0x5a /* the client's send handle's */
#define JUNK  0xdeadbeefcafef00dULL

static uint64_t seed = 0x243f6a8885a308d3ULL;
uint64_t regs_sp; /* the stub's sp across its ecall */

/* Bits of struct call_result.bad: s<i> is bit i. */
#define LOST_GP   (1u << 12)
#define LOST_TP   (1u << 13)
#define LOST_RA   (1u << 14)
#define T_NONZERO (1u << 15) /* some of t0-t6 not cleared */
#define LOST_A7   (1u << 16)
#define LOST_SP   (1u << 17)
#define BAD_MSG   (1u << 18) /* set by the callers: a word, count or badge wrong */

struct call_result {
	long ret;
	unsigned bad;
};

/*
 * long regs_ecall_asm(long nr, long h, struct ipc_msg *m, uint64_t p, unsigned *bad):
 * the ecall of ipc_syscall (<ipc.h>) with p + i in s<i> (i = 0..11), p + 12
 * in gp, p + 13 in tp, p + 14 in ra and p + 15 + i in t<i> across it; *bad
 * gets the bits above. gp and tp are the runtime's own again before it
 * returns. struct ipc_msg is info, words[4], badge, buf (8 bytes each).
 */
__asm__(".pushsection .text.regs_ecall_asm, \"ax\", @progbits\n"
        ".balign 4\n"
        "regs_ecall_asm:\n"
        "	addi sp, sp, -160\n"
        "	sd ra, 0(sp)\n"
        ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n"
        "	sd s\\r, (8 + 8 * \\r)(sp)\n"
        ".endr\n"
        "	sd a2, 104(sp)\n"
        "	sd a4, 112(sp)\n"
        "	sd a3, 120(sp)\n"
        "	sd gp, 128(sp)\n"
        "	sd tp, 136(sp)\n"
        "	sd a0, 144(sp)\n"
        "	lla t0, regs_sp\n"
        "	sd sp, 0(t0)\n"
        ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n"
        "	addi s\\r, a3, \\r\n"
        ".endr\n"
        "	addi gp, a3, 12\n"
        "	addi tp, a3, 13\n"
        "	addi ra, a3, 14\n"
        ".irp r,0,1,2,3,4,5,6\n"
        "	addi t\\r, a3, 15 + \\r\n"
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
        /* t0-t6 first, before any of them is scratch. */
        "	or t0, t0, t1\n"
        "	or t0, t0, t2\n"
        "	or t0, t0, t3\n"
        "	or t0, t0, t4\n"
        "	or t0, t0, t5\n"
        "	or t0, t0, t6\n"
        "	li t1, 0\n"
        "	beqz t0, 1f\n"
        "	li t1, 1 << 15\n"
        "1:	lla t2, regs_sp\n"
        "	ld t2, 0(t2)\n"
        "	beq sp, t2, 1f\n"
        "	li t3, 1 << 17\n"
        "	or t1, t1, t3\n"
        "	mv sp, t2\n" /* to get back at least */
        "1:	ld t2, 144(sp)\n"
        "	beq a7, t2, 1f\n"
        "	li t3, 1 << 16\n"
        "	or t1, t1, t3\n"
        "1:	ld t0, 120(sp)\n"
        ".irp r,0,1,2,3,4,5,6,7,8,9,10,11\n"
        "	addi t2, t0, \\r\n"
        "	beq s\\r, t2, 1f\n"
        "	li t3, 1 << \\r\n"
        "	or t1, t1, t3\n"
        "1:\n"
        ".endr\n"
        "	addi t2, t0, 12\n"
        "	beq gp, t2, 1f\n"
        "	li t3, 1 << 12\n"
        "	or t1, t1, t3\n"
        "1:	addi t2, t0, 13\n"
        "	beq tp, t2, 1f\n"
        "	li t3, 1 << 13\n"
        "	or t1, t1, t3\n"
        "1:	addi t2, t0, 14\n"
        "	beq ra, t2, 1f\n"
        "	li t3, 1 << 14\n"
        "	or t1, t1, t3\n"
        "1:	ld gp, 128(sp)\n"
        "	ld tp, 136(sp)\n"
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
        "	addi sp, sp, 160\n"
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
 * A request as sent: one word (JUNK in the registers of the three unsent
 * ones), through the client's badged handle. (A buffer the server has no
 * room for shows in the info word too: only its count is compared.)
 */
static bool request_ok(const struct ipc_msg *m)
{
	return IPC_INFO_FIELD(m->info, WORDS) == 1 && !m->words[1] && !m->words[2] &&
	       !m->words[3] && m->badge == BADGE;
}

/*
 * "fastserver": answers word0 + 1 and, in word1, the registers its own
 * reply_recv lost and BAD_MSG for a request not as sent (ORed over every
 * wait); until word0 == 0. Words 2 and 3 carry JUNK past the count of two.
 */
static int fast_server(void)
{
	struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};
	long ret = ipc_recv(0, &m);
	unsigned lost = 0;

	while (ret == 0 && m.words[0] != 0) {
		uint64_t w0 = m.words[0];
		struct call_result r;

		lost |= request_ok(&m) ? 0 : BAD_MSG;
		m = (struct ipc_msg){.info = ipc_info(2, 0, 0, IPC_TIMEOUT_FOREVER),
		                     .words = {w0 + 1, lost, JUNK, JUNK}};
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

/* "slowserver": the general path both ways (receive, then reply), answering as fastserver. */
static int slow_server(void)
{
	unsigned lost = 0;

	for (;;) {
		struct ipc_msg m = {.info = ipc_info(0, 0, 0, IPC_TIMEOUT_FOREVER)};
		uint64_t w0;

		if (ipc_recv(0, &m))
			return 1;
		w0 = m.words[0];
		lost |= request_ok(&m) ? 0 : BAD_MSG;
		if (w0 == 0) { /* the stop: answered with no words, as fastserver does */
			m = (struct ipc_msg){.info = ipc_info(0, 0, 0, 0)};
			return ipc_reply(&m) != 0;
		}
		m = (struct ipc_msg){.info = ipc_info(2, 0, 0, 0),
		                     .words = {w0 + 1, lost, JUNK, JUNK}};
		if (ipc_reply(&m))
			return 1;
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

/*
 * CALLS calls through `h` (badged BADGE) to a server of `mode`; with_buf: each
 * carries a buffer (the server sees no words past the first either way).
 * 0 or the failures.
 */
static int run(long ep, long h, const char *mode, bool with_buf)
{
	long server = spawn(ep, mode);
	char buf[8] = "regs";
	int failed = 0, status = -1;
	unsigned server_lost = 0;

	for (uint64_t i = 1; i <= CALLS; i++) {
		struct ipc_msg m = {.info = ipc_info(1, with_buf ? 4 : 0, 0, IPC_TIMEOUT_FOREVER),
		                    .words = {i << 4, JUNK, JUNK, JUNK},
		                    .buf = with_buf ? buf : NULL};
		struct call_result r = regs_ecall(SYS_IPC_CALL, h, &m);

		if (r.ret == 0 &&
		    (m.info != ipc_info(2, 0, 0, 0) || m.words[2] || m.words[3] || m.badge != 0))
			r.bad |= BAD_MSG;
		if (r.ret || r.bad || m.words[0] != (i << 4) + 1) {
			printf(
			    "ipc_regs: FAIL %s call %lu: %ld, registers lost or message wrong %#x, "
			    "word %lu\n",
			    mode, (unsigned long)i, r.ret, r.bad, (unsigned long)m.words[0]);
			failed++;
			break;
		}
		server_lost |= (unsigned)m.words[1];
	}
	if (server_lost) {
		printf("ipc_regs: FAIL %s: its side lost registers or got a wrong message %#x\n",
		       mode, server_lost);
		failed++;
	}
	struct ipc_msg stop = {.info = ipc_info(1, 0, 0, IPC_TIMEOUT_FOREVER), .words = {0}};

	/*
	 * A server that stops answers with no words; one that took the stop word
	 * for another (a broken kernel) goes on waiting, and is killed rather
	 * than waited for.
	 */
	if (failed || ipc_call(h, &stop) || IPC_INFO_FIELD(stop.info, WORDS) != 0) {
		if (!failed) {
			printf("ipc_regs: FAIL %s did not stop\n", mode);
			failed = 1;
		}
		sys_kill(server);
		sys_wait(server, &status);
		return failed;
	}
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
	long h = handle_mint(ep, IPC_RIGHT_SEND, BADGE);

	failed = run(ep, h, "fastserver", false);
	failed += run(ep, h, "slowserver", false);
	failed += run(ep, h, "fastserver", true);
	if (!failed)
		printf("ipc_regs: ok\n");
	return failed;
}
