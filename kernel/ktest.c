// SPDX-License-Identifier: MIT
#include <bora/devicetree.h>
#include <bora/ktest.h>
#include <bora/printk.h>
#include <bora/string.h>

extern const struct ktest __start_ktest[], __stop_ktest[];

/*
 * What follows "key=" in /chosen/bootargs (QEMU -append), up to the end of
 * the string (the caller stops at the next space); NULL when absent.
 */
const char *ktest_bootarg(const char *key)
{
	const struct fdt *fdt = dt_get();
	size_t klen = strlen(key);
	const char *args, *p;
	uint32_t len;
	int node, err;

	if (!fdt || (node = fdt_path(fdt, "/chosen")) < 0)
		return NULL;
	args = fdt_prop(fdt, node, "bootargs", &len, &err);
	if (!args || !len || args[len - 1] != '\0')
		return NULL;
	for (p = args; *p; p++)
		if ((p == args || p[-1] == ' ') && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return p + klen + 1;
	return NULL;
}

bool ktest_bootarg_ulong(const char *key, unsigned long *out)
{
	const char *p = ktest_bootarg(key);
	unsigned long v = 0;

	if (!p || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0UL - 9) / 10)
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (*p && *p != ' ')
		return false;
	*out = v;
	return true;
}

/*
 * "ktest=a,b" runs only suites a and b: tests/system/test_smp.py runs the SMP
 * suites alone at -smp 8, where the rest would only test the host's patience,
 * and scripts/bench_smp.py its benchmark suites. NULL: run everything.
 */
static const char *suite_filter(void)
{
	return ktest_bootarg("ktest");
}

/* suite is one of the comma-separated names before the next space of filter. */
static bool suite_selected(const char *filter, const char *suite)
{
	size_t n = strlen(suite);

	while (*filter && *filter != ' ') {
		if (strncmp(filter, suite, n) == 0 &&
		    (filter[n] == ',' || filter[n] == ' ' || filter[n] == '\0'))
			return true;
		while (*filter && *filter != ' ' && *filter != ',')
			filter++;
		if (*filter == ',')
			filter++;
	}
	return false;
}

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

static void report(const struct ktest *t, const struct ktest_ctx *ctx)
{
	switch (ctx->result) {
	case KTEST_PASSED:
		printk("ktest: PASS %s.%s\n", t->suite, t->name);
		break;
	case KTEST_FAILED:
		if (ctx->file)
			printk("ktest: FAIL %s.%s (%s:%d: %s%s)\n", t->suite, t->name, ctx->file,
			       ctx->line, ctx->expr, ctx->detail);
		else
			printk("ktest: FAIL %s.%s (%s)\n", t->suite, t->name, ctx->expr);
		break;
	case KTEST_SKIPPED:
		printk("ktest: SKIP %s.%s (%s)\n", t->suite, t->name, ctx->expr);
		break;
	}
}

int ktest_run_all(void)
{
	int passed = 0, failed = 0, skipped = 0, not_run = 0;
	const char *filter = suite_filter();
	const struct ktest *stopped = NULL;

	if (filter) {
		const char *end = strchr(filter, ' ');

		printk("ktest: only the suites in bootargs ktest=%.*s\n",
		       (int)(end ? (size_t)(end - filter) : strlen(filter)), filter);
	}
	for (const struct ktest *t = __start_ktest; t < __stop_ktest; t++) {
		struct ktest_ctx ctx = {.result = KTEST_PASSED};
		unsigned int left;

		if (filter && !suite_selected(filter, t->suite))
			continue;
		if (stopped) {
			not_run++;
			continue;
		}

		printk("ktest: RUN  %s.%s\n", t->suite, t->name);
		t->fn(&ctx);
		/* Checked before anything here can block and let such a thread run. */
		left = ktest_threads_left(t, false);
		if (left && ctx.result != KTEST_FAILED) {
			ctx.result = KTEST_FAILED;
			ctx.expr = "left a thread running";
		}
		report(t, &ctx);
		passed += ctx.result == KTEST_PASSED;
		failed += ctx.result == KTEST_FAILED;
		skipped += ctx.result == KTEST_SKIPPED;
		if (left) {
			ktest_threads_left(t, true);
			printk("ktest: stopping after %s.%s: the tests after it would run beside "
			       "threads that may point into its stack frame\n",
			       t->suite, t->name);
			stopped = t;
		}
	}
	if (stopped)
		printk("ktest: %d passed, %d failed, %d skipped, %d not run\n", passed, failed,
		       skipped, not_run);
	else
		printk("ktest: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed;
}
