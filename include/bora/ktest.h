/* SPDX-License-Identifier: MIT */
/*
 * In-kernel tests (CONFIG_KTEST). A test is a function registered in the .ktest
 * section; the runner prints the design brief's contract:
 *   ktest: RUN  <suite>.<test>
 *   ktest: PASS <suite>.<test>
 *   ktest: FAIL <suite>.<test> (<file>:<line>: <expr>)
 *   ktest: SKIP <suite>.<test> (<reason>)
 *   ktest: N passed, N failed, N skipped
 * and after a test that leaves a thread running (ktest_thread_create below)
 *   ktest <suite>.<test> left thread <name> running (<what it does>)
 *   ktest: stopping after <suite>.<test>: ...
 *   ktest: N passed, N failed, N skipped, N not run
 */
#ifndef BORA_KTEST_H
#define BORA_KTEST_H

#include <bora/types.h>

struct thread;

enum ktest_result { KTEST_PASSED, KTEST_FAILED, KTEST_SKIPPED };

struct ktest_ctx {
	enum ktest_result result;
	const char *file;
	int line;
	const char *expr;
	char detail[96];
};

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest_ctx *ctx);
};

#define KTEST(suite, name)                                                                         \
	static void ktest_fn_##suite##_##name(struct ktest_ctx *ktest_ctx__);                      \
	static const struct ktest ktest_##suite##_##name                                           \
	    __attribute__((used, section(".ktest"), aligned(8))) = {#suite, #name,                 \
	                                                            ktest_fn_##suite##_##name};    \
	static void ktest_fn_##suite##_##name(struct ktest_ctx *ktest_ctx__)

void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *expr);
void ktest_fail_values(struct ktest_ctx *ctx, const char *file, int line, const char *expr,
                       unsigned long a, unsigned long b);

#define KTEST_ASSERT(expr)                                                                         \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			ktest_fail(ktest_ctx__, __FILE__, __LINE__, #expr);                        \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Compares as unsigned long and prints both values on failure. */
#define KTEST_ASSERT_EQ(a, b)                                                                      \
	do {                                                                                       \
		unsigned long ka__ = (unsigned long)(a), kb__ = (unsigned long)(b);                \
		if (ka__ != kb__) {                                                                \
			ktest_fail_values(ktest_ctx__, __FILE__, __LINE__, #a " == " #b, ka__,     \
			                  kb__);                                                   \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define KTEST_SKIP(reason)                                                                         \
	do {                                                                                       \
		ktest_ctx__->result = KTEST_SKIPPED;                                               \
		ktest_ctx__->expr = (reason);                                                      \
		return;                                                                            \
	} while (0)

/*
 * Boot arguments for tests (/chosen/bootargs, QEMU -append): what follows
 * "key=" (up to the next space or the end), or NULL; and the same read as a
 * decimal number (false when absent or not one).
 */
const char *ktest_bootarg(const char *key);
bool ktest_bootarg_ulong(const char *key, unsigned long *out);

/*
 * thread_create and thread_create_on for tests: the runner follows the thread
 * until its entry function returns (which it must do, not call thread_exit).
 * A test that ends, passed or failed, with one still running fails with
 * "ktest <suite>.<test> left thread <name> running (<what it does>)", and no
 * further test runs in that boot: the thread may hold pointers into the
 * finished test's stack frame (kernel/ktest_thread.c). -EBUSY also when more
 * than 64 test threads run at once.
 */
int ktest_thread_create(struct thread **out, void (*entry)(void *arg), void *arg,
                        unsigned int priority, size_t stack_size, const char *name);
int ktest_thread_create_on(struct thread **out, void (*entry)(void *arg), void *arg,
                           unsigned int priority, size_t stack_size, const char *name,
                           uint64_t affinity);

/* For the runner: the test threads still running after test t, each named when report. */
unsigned int ktest_threads_left(const struct ktest *t, bool report);

/*
 * Runs every registered test (or those "ktest=a,b" names), stopping after a test
 * that leaves a thread running; returns the number that failed.
 */
int ktest_run_all(void);

#endif
