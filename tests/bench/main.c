// SPDX-License-Identifier: MIT
/*
 * Benchmark driver: runs the workloads on this binary's heaps in up to three
 * passes and writes one JSON document (tests/bench/run_bench.py merges the
 * binaries' documents and draws the table and charts):
 *   time     warm-up run, then --reps timed runs; median/min/max ns per op of this
 *            thread's CPU time (wall time alongside)
 *   measure  one run through the measuring wrapper: live peak, footprint, metadata
 *   count    instruction counts per malloc/free at the reduced "count" sizes,
 *            under callgrind (cgcount.c)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_HEAPS 16
#define MAX_REPS  101

/*
 * The default region (--region-mib 256) holds the largest workload on a
 * power-of-two buddy: vec_push needs a 32 MiB block while the 16 MiB one it
 * grows from is still live; trace_large peaks near 512 slots x 128 KiB.
 */
size_t bench_region_bytes = (size_t)256 << 20;

struct options {
	const char *heaps, *workloads, *out;
	bool do_time, do_measure, do_count, count_child;
	int reps;
	double scale, count_scale;
};

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void *scratch_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap of %zu bytes of harness memory failed", bytes);
	return p;
}

void scratch_free(void *p, size_t bytes)
{
	munmap(p, bytes ? bytes : 1);
}

/* Is `name` in the comma-separated `list` (NULL = everything)? */
bool bench_listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!list)
		return true;
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n + (comma ? 1 : 0);
	}
	return false;
}

static size_t collect_heaps(struct bench_heap **heaps)
{
	size_t n = 0;

#ifdef BENCH_WITH_BORA
	for (size_t i = 0; bench_bora_heaps[i]; i++) {
		if (n == MAX_HEAPS - 1)
			bench_die("more than %d heaps: raise MAX_HEAPS", MAX_HEAPS - 1);
		heaps[n++] = bench_bora_heaps[i];
	}
#endif
	heaps[n++] = &bench_system_heap;
	return n;
}

/* Every name in `list` must be one of `names`, so a typo is an error, not an empty run. */
static void check_names(const char *what, const char *list, const char *const *names, size_t n)
{
	char buf[256];

	if (!list)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found |= strcmp(tok, names[i]) == 0;
		if (!found)
			bench_die("unknown %s '%s' (this binary has: see --list)", what, tok);
	}
}

static double parse_double(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v = s ? strtod(s, &end) : 0;

	if (!s || *end || !(v >= lo && v <= hi))
		bench_die("%s wants a number in [%g, %g], got '%s'", opt, lo, hi, s ? s : "");
	return v;
}

static void usage(FILE *f)
{
	fputs("usage: bench [--heaps a,b] [--workloads w1,w2] [--mode time,measure,count]\n"
	      "             [--reps N] [--scale F] [--count-scale F] [--region-mib N]\n"
	      "             [--out FILE] [--list]\n",
	      f);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){.do_time = true,
	                      .do_measure = true,
	                      .do_count = true,
	                      .reps = 7,
	                      .scale = 1.0,
	                      .count_scale = 1.0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--heaps") == 0 && v) {
			o->heaps = v;
		} else if (strcmp(a, "--workloads") == 0 && v) {
			o->workloads = v;
		} else if (strcmp(a, "--out") == 0 && v) {
			o->out = v;
		} else if (strcmp(a, "--mode") == 0 && v) {
			const char *modes[] = {"time", "measure", "count"};

			check_names("mode", v, modes, 3);
			o->do_time = bench_listed(v, "time");
			o->do_measure = bench_listed(v, "measure");
			o->do_count = bench_listed(v, "count");
		} else if (strcmp(a, "--reps") == 0) {
			o->reps = (int)parse_double(a, v, 1, MAX_REPS);
		} else if (strcmp(a, "--scale") == 0) {
			o->scale = parse_double(a, v, 1e-6, 10);
		} else if (strcmp(a, "--region-mib") == 0) {
			/* Only the Bora heaps have a region; the baselines accept and ignore it. */
			double mib = parse_double(a, v, 1, 4096);

			if (mib !=
			    (double)(1ULL << (unsigned)__builtin_ctzll((unsigned long long)mib)))
				bench_die("--region-mib wants a power of two, got '%s'", v);
			bench_region_bytes = (size_t)mib << 20;
		} else if (strcmp(a, "--count-scale") == 0) {
			o->count_scale = parse_double(a, v, 1e-6, 10);
		} else if (strcmp(a, "--list") == 0) {
			o->out = "-list";
			continue;
		} else if (strcmp(a, "--count-child") == 0) {
			o->count_child = true;
			continue;
		} else {
			usage(stderr);
			bench_die("bad argument '%s'%s", a, v ? "" : " (or its value is missing)");
		}
		i++;
	}
}

/*
 * The timed runs read both clocks: the thread's CPU time is what the table
 * reports, since on a shared machine the wall clock also counts the time other
 * work held the CPU; the wall time goes into the JSON next to it.
 */
static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* One heap x workload: timed runs. Returns the ops count or -1 (out of memory). */
static long time_runs(struct bench_heap *h, const struct workload *w,
                      const struct workload_size *sz, int reps, double *ns_per_op,
                      double *wall_per_op)
{
	long ops = -1;

	for (int r = -1; r < reps; r++) { /* r = -1 is the untimed warm-up */
		double t0, t1, w0, w1;
		int err = h->setup(h);

		if (err)
			bench_die("%s: setup failed (%d)", h->name, err);
		w0 = now_ns(CLOCK_MONOTONIC);
		t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		ops = w->run(h, sz, w->seed);
		t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		w1 = now_ns(CLOCK_MONOTONIC);
		if (ops < 0)
			return -1;
		if (r >= 0) {
			ns_per_op[r] = (t1 - t0) / (double)ops;
			wall_per_op[r] = (w1 - w0) / (double)ops;
		}
	}
	qsort(ns_per_op, (size_t)reps, sizeof(*ns_per_op), cmp_double);
	qsort(wall_per_op, (size_t)reps, sizeof(*wall_per_op), cmp_double);
	return ops;
}

static const char *self_path(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		bench_die("cannot find this program's path in /proc/self/exe");
	path[n] = 0;
	return path;
}

static void json_counts(FILE *f, const char *name, struct op_counts *oc)
{
	double sum = 0;

	if (!oc->n) {
		fprintf(f, "\"%s\": null", name);
		return;
	}
	qsort(oc->v, oc->n, sizeof(*oc->v), cmp_u32);
	for (size_t i = 0; i < oc->n; i++)
		sum += oc->v[i];
	fprintf(f, "\"%s\": {\"n\": %zu, \"mean\": %.2f, \"median\": %u, \"p99\": %u, \"max\": %u}",
	        name, oc->n, sum / (double)oc->n, oc->v[oc->n / 2], oc->v[oc->n * 99 / 100],
	        oc->v[oc->n - 1]);
}

static void run_heap(FILE *f, struct bench_heap *h, const struct options *o, bool *first)
{
	static struct count_result counts[64];
	char count_error[160] = "";
	int count_rc = -1;

	if (h->count_only && !o->do_count)
		return;
	if (o->do_count) {
		fprintf(stderr, "bench: %s: counting instructions\n", h->name);
		count_rc = cgcount_run(self_path(), h, o->count_scale, o->workloads, counts,
		                       count_error, sizeof(count_error));
		if (count_rc)
			fprintf(stderr, "bench: %s: no instruction counts: %s\n", h->name,
			        count_error);
	}
	for (size_t i = 0; i < bench_nworkloads; i++) {
		const struct workload *w = &bench_workloads[i];
		struct workload_size sz = workload_scaled(&w->full, o->scale);
		double ns[MAX_REPS], wall[MAX_REPS];
		struct measure_result m = {0};
		long ops = 0;
		const char *error = NULL;

		if (!bench_listed(o->workloads, w->name))
			continue;
		if (h->count_only && !w->counted)
			continue;
		fprintf(stderr, "bench: %s: %s\n", h->name, w->name);
		if (o->do_time && !h->count_only) {
			ops = time_runs(h, w, &sz, o->reps, ns, wall);
			if (ops < 0)
				error = "out of memory";
		}
		if (o->do_measure && !error && !h->count_only) {
			if (measure_workload(h, w, &sz, &m) || m.ops < 0)
				error = "out of memory";
			ops = m.ops;
		}
		fprintf(f, "%s\n    {\"heap\": \"%s\", \"workload\": \"%s\", \"ops\": %ld",
		        *first ? "" : ",", h->name, w->name, error ? 0 : ops);
		*first = false;
		fprintf(f, ", \"error\": %s%s%s", error ? "\"" : "", error ? error : "null",
		        error ? "\"" : "");
		if (h->state_bytes) /* known once the heap was set up in this process */
			fprintf(f, ", \"state_bytes\": %zu, \"region_bytes\": %zu", h->state_bytes,
			        h->region_bytes);
		if (h->version)
			fprintf(f, ", \"version\": \"%s\"", h->version);
		if (o->do_time && !error && !h->count_only) {
			fprintf(f,
			        ", \"ns_per_op\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}",
			        ns[o->reps / 2], ns[0], ns[o->reps - 1]);
			fprintf(f,
			        ", \"wall_ns_per_op\": {\"median\": %.3f, \"min\": %.3f, \"max\": "
			        "%.3f}",
			        wall[o->reps / 2], wall[0], wall[o->reps - 1]);
		}
		if (o->do_measure && !error && !h->count_only) {
			fprintf(f, ", \"peak_live\": %zu, \"peak_footprint\": %zu", m.peak_live,
			        m.peak_footprint);
			if (h->region_based)
				fprintf(f, ", \"peak_from_base\": %zu", m.peak_from_base);
			if (m.metadata_known)
				fprintf(f, ", \"metadata\": %zu", m.peak_metadata);
		}
		if (o->do_count && w->counted) {
			if (count_rc == 0) {
				fprintf(f, ", \"instructions\": {");
				json_counts(f, "malloc", &counts[i].kind[OP_MALLOC]);
				fprintf(f, ", ");
				json_counts(f, "free", &counts[i].kind[OP_FREE]);
				fprintf(f, "}");
			} else {
				fprintf(f, ", \"instructions_error\": \"%s\"", count_error);
			}
		}
		fprintf(f, "}");
	}
	if (count_rc == 0)
		for (size_t i = 0; i < bench_nworkloads; i++)
			count_result_free(&counts[i]);
	h->teardown(h);
}

int main(int argc, char **argv)
{
	struct bench_heap *heaps[MAX_HEAPS];
	const char *heap_names[MAX_HEAPS], *workload_names[64];
	size_t nheaps = collect_heaps(heaps);
	struct options o;
	bool first = true;
	FILE *f = stdout;

	parse_args(argc, argv, &o);
	for (size_t i = 0; i < nheaps; i++)
		heap_names[i] = heaps[i]->name;
	for (size_t i = 0; i < bench_nworkloads; i++)
		workload_names[i] = bench_workloads[i].name;
	if (o.out && strcmp(o.out, "-list") == 0) {
		for (size_t i = 0; i < nheaps; i++)
			printf("heap %s %s\n", heaps[i]->name, heaps[i]->family);
		for (size_t i = 0; i < bench_nworkloads; i++)
			printf("workload %s\n", bench_workloads[i].name);
		return 0;
	}
	check_names("heap", o.heaps, heap_names, nheaps);
	check_names("workload", o.workloads, workload_names, bench_nworkloads);
	if (o.count_child) {
		for (size_t i = 0; i < nheaps; i++)
			if (strcmp(heaps[i]->name, o.heaps ? o.heaps : "") == 0)
				return cgcount_child(heaps[i], o.count_scale, o.workloads);
		bench_die("--count-child needs --heaps with exactly one heap");
	}
	if (o.out && !(f = fopen(o.out, "w")))
		bench_die("cannot write %s", o.out);

	fprintf(f,
	        "{\n  \"schema\": \"bora-bench/1\", \"reps\": %d, \"scale\": %g, "
	        "\"count_scale\": %g,\n  \"count_method\": \"callgrind\",\n",
	        o.reps, o.scale, o.count_scale);
	fprintf(f, "  \"workloads\": [");
	for (size_t i = 0; i < bench_nworkloads; i++) {
		const struct workload *w = &bench_workloads[i];
		struct workload_size sz = workload_scaled(&w->full, o.scale);
		struct workload_size cs = workload_scaled(&w->count, o.count_scale);

		fprintf(f,
		        "%s\n    {\"name\": \"%s\", \"what\": \"%s\", \"n\": %zu, \"slots\": %zu, "
		        "\"counted\": %s, \"count_n\": %zu, \"count_slots\": %zu}",
		        i ? "," : "", w->name, w->what, sz.n, sz.slots,
		        w->counted ? "true" : "false", w->counted ? cs.n : 0,
		        w->counted ? cs.slots : 0);
	}
	fprintf(f, "\n  ],\n  \"heaps\": [");
	for (size_t i = 0, k = 0; i < nheaps; i++) {
		if (!bench_listed(o.heaps, heaps[i]->name))
			continue;
		fprintf(f, "%s\n    {\"name\": \"%s\", \"family\": \"%s\"}", k++ ? "," : "",
		        heaps[i]->name, heaps[i]->family);
	}
	fprintf(f, "\n  ],\n  \"results\": [");
	for (size_t i = 0; i < nheaps; i++)
		if (bench_listed(o.heaps, heaps[i]->name))
			run_heap(f, heaps[i], &o, &first);
	fprintf(f, "\n  ]\n}\n");
	if (f != stdout)
		fclose(f);
	return 0;
}
