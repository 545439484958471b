// SPDX-License-Identifier: MIT
/*
 * Deterministic instruction counts per malloc and per free with valgrind's
 * callgrind (perf_event_open reports "instructions" as not supported on these
 * virtual machines). This binary re-runs itself under
 *   valgrind --tool=callgrind --toggle-collect=bench_counted_*
 * so only instructions inside bench_counted_malloc/free, or _alloc_raw/_free_raw
 * for a heap that has raw calls (and everything they call: the heap), are collected; after every
 * such call the child asks callgrind to dump and reset its counters, tagging the dump with the
 * workload and the operation. Each dump's "summary:" is then the inclusive instruction count of
 * exactly one call. The bracket's own cost is measured on an empty heap and
 * subtracted. Callgrind counts guest x86-64 instructions; a REP-prefixed string
 * instruction counts once per iteration and a system call counts as one.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "bench.h"

#define CALIBRATIONS 16
#define TAG_PREFIX   "Trigger: Client Request: bench "

/* ---- child side, under callgrind -------------------------------------------- */

/* The empty asm keeps these real calls (no tail call), so their cost is inclusive. */
__attribute__((noinline)) void *bench_counted_malloc(struct bench_heap *h, size_t size)
{
	void *p = h->malloc(h, size);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

__attribute__((noinline)) void bench_counted_free(struct bench_heap *h, void *p, size_t size)
{
	h->free(h, p, size);
	__asm__ volatile("" : : : "memory");
}

/* The same brackets around a heap's raw calls; the caller checks the error, uncounted. */
__attribute__((noinline)) int bench_counted_alloc_raw(struct bench_heap *h, size_t size, void **out)
{
	int err = h->alloc_raw(h, size, out);

	__asm__ volatile("" : : "r"(err) : "memory");
	return err;
}

__attribute__((noinline)) int bench_counted_free_raw(struct bench_heap *h, void *p, size_t size)
{
	int err = h->free_raw(h, p, size);

	__asm__ volatile("" : : "r"(err) : "memory");
	return err;
}

struct count_access {
	struct bench_heap wrap;
	struct bench_heap *heap;
	char tag[OP_KINDS][32];
};

static void *c_malloc(struct bench_heap *w, size_t size)
{
	struct count_access *c = w->priv;
	void *p;

	if (c->heap->alloc_raw) {
		int err = bench_counted_alloc_raw(c->heap, size, &p);

		CALLGRIND_DUMP_STATS_AT(c->tag[OP_MALLOC]);
		return err ? NULL : p;
	}
	p = bench_counted_malloc(c->heap, size);
	CALLGRIND_DUMP_STATS_AT(c->tag[OP_MALLOC]);
	return p;
}

static void c_free(struct bench_heap *w, void *p, size_t size)
{
	struct count_access *c = w->priv;

	if (c->heap->free_raw) {
		int err = bench_counted_free_raw(c->heap, p, size);

		CALLGRIND_DUMP_STATS_AT(c->tag[OP_FREE]);
		if (err)
			bench_die("%s: free(%p, %zu) failed: error %d", c->heap->name, p, size,
			          err);
		return;
	}
	bench_counted_free(c->heap, p, size);
	CALLGRIND_DUMP_STATS_AT(c->tag[OP_FREE]);
}

/* Not counted: a moving realloc is mostly memcpy, which says nothing about the allocator. */
static void *c_realloc(struct bench_heap *w, void *p, size_t old_size, size_t new_size)
{
	struct count_access *c = w->priv;

	return c->heap->realloc(c->heap, p, old_size, new_size);
}

static void *empty_malloc(struct bench_heap *h, size_t size)
{
	(void)h;
	(void)size;
	return NULL;
}

int cgcount_child(struct bench_heap *h, double scale, const char *only)
{
	static struct bench_heap empty = {.name = "empty", .malloc = empty_malloc};
	struct count_access c = {
	    .wrap = {.name = h->name, .malloc = c_malloc, .free = c_free, .realloc = c_realloc},
	    .heap = h,
	};

	if (!RUNNING_ON_VALGRIND)
		bench_die("--count-child only makes sense under callgrind (cgcount_run starts it)");
	c.wrap.priv = &c;
	for (int i = 0; i < CALIBRATIONS; i++) {
		bench_counted_malloc(&empty, 1);
		CALLGRIND_DUMP_STATS_AT("bench cal");
	}
	for (size_t i = 0; i < bench_nworkloads; i++) {
		const struct workload *w = &bench_workloads[i];
		struct workload_size sz = workload_scaled(&w->count, scale);

		if (!w->counted || !bench_listed(only, w->name))
			continue;
		/* One uncounted pass first, so a system heap is warm (arenas, caches). */
		if (h->setup(h) || w->run(h, &sz, w->seed) < 0)
			bench_die("%s: %s ran out of memory while counting", h->name, w->name);
		for (int k = 0; k < OP_KINDS; k++)
			snprintf(c.tag[k], sizeof(c.tag[k]), "bench w%zu k%d", i, k);
		if (h->setup(h) || w->run(&c.wrap, &sz, w->seed) < 0)
			bench_die("%s: %s ran out of memory while counting", h->name, w->name);
	}
	h->teardown(h);
	return 0;
}

/* ---- parent side ------------------------------------------------------------------ */

static void push(struct op_counts *oc, uint32_t v)
{
	if (oc->n == oc->cap) {
		size_t cap = oc->cap ? 2 * oc->cap : 256;
		uint32_t *nv = realloc(oc->v, cap * sizeof(*nv));

		if (!nv)
			bench_die("cgcount: out of memory");
		oc->v = nv;
		oc->cap = cap;
	}
	oc->v[oc->n++] = v;
}

/* One dump: its tag (after "bench ") and its instruction total; false if it has no tag. */
static bool read_dump(const char *path, char *tag, size_t tag_len, unsigned long *instr)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool tagged = false;

	*instr = 0;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *t = strstr(line, TAG_PREFIX);

		if (t) {
			snprintf(tag, tag_len, "%s", t + strlen(TAG_PREFIX));
			tag[strcspn(tag, "\n")] = 0;
			tagged = true;
		} else if (strncmp(line, "summary:", 8) == 0) {
			*instr = strtoul(line + 8, NULL, 10);
			break; /* the cost lines that follow are not needed */
		}
	}
	fclose(f);
	return tagged;
}

static int parse_dumps(const char *dir, struct count_result *res, char *why, size_t why_len)
{
	long cal_min = -1;

	for (unsigned part = 1;; part++) {
		char path[PATH_MAX + 32], tag[64];
		unsigned long instr;
		size_t wl;
		int kind;

		snprintf(path, sizeof(path), "%s/cg.out.%u", dir, part);
		if (access(path, F_OK) != 0)
			break;
		if (!read_dump(path, tag, sizeof(tag), &instr))
			continue;
		unlink(path);
		if (strcmp(tag, "cal") == 0) {
			if (cal_min < 0 || (long)instr < cal_min)
				cal_min = (long)instr;
		} else if (sscanf(tag, "w%zu k%d", &wl, &kind) == 2 && wl < bench_nworkloads &&
		           kind >= 0 && kind < OP_KINDS) {
			long net = (long)instr - (cal_min < 0 ? 0 : cal_min);

			push(&res[wl].kind[kind], (uint32_t)(net < 0 ? 0 : net));
		}
	}
	if (cal_min < 0) {
		snprintf(why, why_len, "callgrind wrote no dumps (see its log)");
		return -1;
	}
	return 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int cgcount_run(const char *self, struct bench_heap *h, double scale, const char *only,
                struct count_result *res, char *why, size_t why_len)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], out_opt[PATH_MAX + 32], log_opt[PATH_MAX + 32], scale_arg[32];
	char region_arg[32];
	int status, rc = -1;
	pid_t pid;

	memset(res, 0, bench_nworkloads * sizeof(*res));
	snprintf(dir, sizeof(dir), "%s/bora-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(why, why_len, "cannot create a directory for callgrind's dumps");
		return -1;
	}
	snprintf(out_opt, sizeof(out_opt), "--callgrind-out-file=%s/cg.out", dir);
	snprintf(log_opt, sizeof(log_opt), "--log-file=%s/valgrind.log", dir);
	snprintf(scale_arg, sizeof(scale_arg), "%.17g", scale);
	snprintf(region_arg, sizeof(region_arg), "%zu", bench_region_bytes >> 20);
	char *argv[] = {"valgrind",
	                "--tool=callgrind",
	                "--toggle-collect=bench_counted_*",
	                "--dump-line=no",
	                "--dump-instr=no",
	                out_opt,
	                log_opt,
	                (char *)self,
	                "--count-child",
	                "--heaps",
	                (char *)h->name,
	                "--count-scale",
	                scale_arg,
	                "--region-mib",
	                region_arg,
	                only ? "--workloads" : NULL,
	                (char *)only,
	                NULL};

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		snprintf(why, why_len, "cannot start valgrind");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(why, why_len,
		         "valgrind not found: install Debian's valgrind (make install-deps)");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_len, "the counting run under callgrind failed (status %d)",
		         status);
	} else {
		rc = parse_dumps(dir, res, why, why_len);
	}
	remove_dir(dir);
	if (rc)
		for (size_t i = 0; i < bench_nworkloads; i++)
			count_result_free(&res[i]);
	return rc;
}

void count_result_free(struct count_result *r)
{
	for (int k = 0; k < OP_KINDS; k++) {
		free(r->kind[k].v);
		r->kind[k] = (struct op_counts){0};
	}
}
