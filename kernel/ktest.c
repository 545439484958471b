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

int ktest_run_all(void)
{
	int passed = 0, failed = 0, skipped = 0;
	const char *filter = suite_filter();

	if (filter) {
		const char *end = strchr(filter, ' ');

		printk("ktest: only the suites in bootargs ktest=%.*s\n",
		       (int)(end ? (size_t)(end - filter) : strlen(filter)), filter);
	}
	for (const struct ktest *t = __start_ktest; t < __stop_ktest; t++) {
		struct ktest_ctx ctx = {.result = KTEST_PASSED};

		if (filter && !suite_selected(filter, t->suite))
			continue;

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
