// SPDX-License-Identifier: MIT
/*
 * The baseline heap of this binary, picked at compile time so each baseline
 * lives in its own process and none replaces malloc for another:
 *   BENCH_SYSTEM_GLIBC     the C library's malloc
 *   BENCH_SYSTEM_JEMALLOC  Debian's libjemalloc (unprefixed: it is this process's malloc)
 *   BENCH_SYSTEM_MIMALLOC  Debian's libmimalloc through its mi_* entry points
 *
 * Their footprint is the allocator's own figure for memory it holds, minus
 * that figure on the emptied heap at setup: glibc mallinfo2() arena + mmapped
 * bytes, jemalloc stats.resident, and for mimalloc the bytes of blocks carved
 * in its pages (the sum of mi_heap_area_t.committed over the default heap; its
 * process-wide commit counter moves in whole segments). The runner measures
 * each workload in a fresh process, so earlier workloads leave nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#if defined(BENCH_SYSTEM_GLIBC)
#include <gnu/libc-version.h>
#include <malloc.h>
#define SYSTEM_NAME "glibc"
#define sys_malloc  malloc
#define sys_free    free
#define sys_realloc realloc

static void sys_empty(void)
{
	malloc_trim(0);
}

static const char *sys_version(void)
{
	return gnu_get_libc_version();
}

static size_t sys_footprint(size_t *metadata, bool *metadata_known)
{
	struct mallinfo2 mi = mallinfo2();

	*metadata = 0;
	*metadata_known = false; /* glibc keeps its 8-byte chunk headers out of every statistic */
	return mi.arena + mi.hblkhd;
}

#elif defined(BENCH_SYSTEM_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define SYSTEM_NAME "jemalloc"
#define sys_malloc  malloc
#define sys_free    free
#define sys_realloc realloc

static size_t je_stat(const char *name)
{
	size_t v = 0, len = sizeof(v);

	if (mallctl(name, &v, &len, NULL, 0))
		bench_die("jemalloc: mallctl(%s) failed (built without statistics?)", name);
	return v;
}

static void je_refresh(void)
{
	uint64_t epoch = 1;
	size_t len = sizeof(epoch);

	mallctl("epoch", &epoch, &len, &epoch, len);
}

static const char *sys_version(void)
{
	const char *v = "unknown";
	size_t len = sizeof(v);

	mallctl("version", &v, &len, NULL, 0);
	return v;
}

static void sys_empty(void)
{
	/* MALLCTL_ARENAS_ALL (4096): return every arena's unused dirty pages to the kernel. */
	mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
}

static size_t sys_footprint(size_t *metadata, bool *metadata_known)
{
	je_refresh();
	*metadata = je_stat("stats.metadata");
	*metadata_known = true;
	return je_stat("stats.resident");
}

#elif defined(BENCH_SYSTEM_MIMALLOC)
#include <mimalloc.h>
#define SYSTEM_NAME "mimalloc"
#define sys_malloc  mi_malloc
#define sys_free    mi_free
#define sys_realloc mi_realloc

static void sys_empty(void)
{
	mi_collect(true);
}

static const char *sys_version(void)
{
	static char v[16];
	int n = mi_version(); /* major * 100 + minor * 10 + patch */

	snprintf(v, sizeof(v), "%d.%d.%d", n / 100, n / 10 % 10, n % 10);
	return v;
}

static bool add_area(const mi_heap_t *heap, const mi_heap_area_t *area, void *block,
                     size_t block_size, void *arg)
{
	(void)heap;
	(void)block;
	(void)block_size;
	*(size_t *)arg += area->committed;
	return true;
}

static size_t sys_footprint(size_t *metadata, bool *metadata_known)
{
	size_t committed = 0;

	mi_heap_visit_blocks(mi_heap_get_default(), false, add_area, &committed);
	*metadata = 0;
	*metadata_known = false;
	return committed;
}

#else
#error "define one of BENCH_SYSTEM_GLIBC, BENCH_SYSTEM_JEMALLOC, BENCH_SYSTEM_MIMALLOC"
#endif

struct system_priv {
	size_t base_footprint, base_metadata;
};

static struct system_priv priv;

static int system_setup(struct bench_heap *h)
{
	bool known;

	h->version = sys_version();
	sys_empty();
	priv.base_footprint = sys_footprint(&priv.base_metadata, &known);
	return 0;
}

static void system_teardown(struct bench_heap *h)
{
	(void)h;
	sys_empty();
}

static void *system_malloc(struct bench_heap *h, size_t size)
{
	(void)h;
	return sys_malloc(size);
}

static void system_free(struct bench_heap *h, void *p, size_t size)
{
	(void)h;
	(void)size;
	sys_free(p);
}

static void *system_realloc(struct bench_heap *h, void *p, size_t old_size, size_t new_size)
{
	(void)h;
	(void)old_size;
	return sys_realloc(p, new_size);
}

static void system_sample(struct bench_heap *h, struct heap_sample *s)
{
	size_t fp = sys_footprint(&s->metadata, &s->metadata_known);

	(void)h;
	s->footprint = fp > priv.base_footprint ? fp - priv.base_footprint : 0;
	if (s->metadata_known)
		s->metadata =
		    s->metadata > priv.base_metadata ? s->metadata - priv.base_metadata : 0;
}

struct bench_heap bench_system_heap = {
    .name = SYSTEM_NAME,
    .family = "system",
    .region_based = false,
    .setup = system_setup,
    .teardown = system_teardown,
    .malloc = system_malloc,
    .free = system_free,
    .realloc = system_realloc,
    .sample = system_sample,
    .priv = &priv,
};
