// SPDX-License-Identifier: MIT
#include <bora/ktest.h>
#include <bora/printk.h>

extern const struct ktest __start_ktest[], __stop_ktest[];

void ktest_fail(struct ktest_ctx *ctx, const char *file, int line, const char *expr)
{
	ctx->result = KTEST_FAILED;
	ctx->file = file;
	ctx->line = line;
	ctx->expr = expr;
}

void ktest_fail_values(struct ktest_ctx *ctx, const char *file, int line, const char *expr,
                       unsigned long a, unsigned long b)
{
	ktest_fail(ctx, file, line, expr);
	ksnprintf(ctx->detail, sizeof(ctx->detail), ": %#lx != %#lx", a, b);
}

int ktest_run_all(void)
{
	int passed = 0, failed = 0, skipped = 0;

	for (const struct ktest *t = __start_ktest; t < __stop_ktest; t++) {
		struct ktest_ctx ctx = {.result = KTEST_PASSED};

		printk("ktest: RUN  %s.%s\n", t->suite, t->name);
		t->fn(&ctx);
		switch (ctx.result) {
		case KTEST_PASSED:
			passed++;
			printk("ktest: PASS %s.%s\n", t->suite, t->name);
			break;
		case KTEST_FAILED:
			failed++;
			printk("ktest: FAIL %s.%s (%s:%d: %s%s)\n", t->suite, t->name, ctx.file,
			       ctx.line, ctx.expr, ctx.detail);
			break;
		case KTEST_SKIPPED:
			skipped++;
			printk("ktest: SKIP %s.%s (%s)\n", t->suite, t->name, ctx.expr);
			break;
		}
	}
	printk("ktest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed;
}
