/* SPDX-License-Identifier: MIT */
/*
 * Host allocator benchmark: one heap interface every allocator is driven through
 * (Bora's byte allocators via struct byte_allocator_ops, the C library's malloc
 * and the jemalloc/mimalloc baselines), the workloads, and the instruction
 * counter. See docs/benchmarks.md for the method.
 */
#ifndef BORA_BENCH_H
#define BORA_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Footprint and bookkeeping of a heap at one moment. */
struct heap_sample {
	size_t footprint; /* bytes the heap occupies now (system heaps only) */
	size_t metadata;  /* allocator bookkeeping bytes, 0 when unknown */
	bool metadata_known;
};

struct bench_heap {
	const char *name;
	const char *family;  /* "bora" or "system" */
	const char *version; /* system heaps: the library's version, once set up */
	/*
	 * Bora heaps work inside one region: the harness measures their footprint
	 * from the addresses handed out. System heaps report it through sample().
	 */
	bool region_based;
	uintptr_t region_base;
	size_t region_bytes;
	size_t state_bytes; /* fixed control structure outside the region (0 if none) */
	/* Only its instructions are counted (no time or footprint): kmalloc's own cost. */
	bool count_only;
	/* A fresh, empty heap before each workload run; 0 or a negative error. */
	int (*setup)(struct bench_heap *h);
	void (*teardown)(struct bench_heap *h);
	/* NULL when out of memory. free/realloc get the size malloc was given. */
	void *(*malloc)(struct bench_heap *h, size_t size);
	void (*free)(struct bench_heap *h, void *p, size_t size);
	void *(*realloc)(struct bench_heap *h, void *p, size_t old_size, size_t new_size);
	void (*sample)(struct bench_heap *h, struct heap_sample *s);
	/*
	 * Optional, what the counting run calls instead of malloc/free: the heap's
	 * own function reached with nothing but argument set-up (Bora's algorithms:
	 * a direct call, as the system heaps' one jump), its error returned so the
	 * check stays outside the counted call. NULL: malloc/free are counted.
	 */
	int (*alloc_raw)(struct bench_heap *h, size_t size, void **out);
	int (*free_raw)(struct bench_heap *h, void *p, size_t size);
	void *priv;
};
/*
 * The timed runs call a heap directly; the measuring and counting runs wrap it
 * in another struct bench_heap (measure.c, cgcount.c).
 */

/* Size of each Bora heap's region, a power of two (--region-mib). */
extern size_t bench_region_bytes;

/* Heaps a binary offers (heap_bora.c, heap_system.c); NULL-terminated. */
extern struct bench_heap *const bench_bora_heaps[];
extern struct bench_heap bench_system_heap;

/* ---- workloads ----------------------------------------------------------- */

enum op_kind { OP_MALLOC, OP_FREE, OP_REALLOC, OP_KINDS };

/* Problem sizes of one run; the full sizes are the issue's, tiny ones are for tests. */
struct workload_size {
	size_t n;     /* items, blocks, operations or rounds (see workloads.c) */
	size_t slots; /* random traces only */
};

struct workload {
	const char *name;
	const char *what;
	struct workload_size full;
	struct workload_size count; /* reduced size for the instruction counter */
	bool counted;               /* malloc/free instruction counts are reported */
	/* Returns the number of heap operations, or -1 when the heap ran out of memory. */
	long (*run)(struct bench_heap *h, const struct workload_size *sz, uint64_t seed);
	uint64_t seed;
};

extern const struct workload bench_workloads[];
extern const size_t bench_nworkloads;

/* Scale a size by f (at least 1 of each), for --scale. */
struct workload_size workload_scaled(const struct workload_size *sz, double f);

/* ---- measuring run: live bytes, footprint, metadata ---------------------- */

struct measure_result {
	size_t peak_live;      /* requested bytes */
	size_t peak_footprint; /* region heaps: highest end minus lowest start handed out */
	size_t peak_from_base; /* region heaps: highest end minus region base */
	size_t peak_metadata;
	bool metadata_known;
	long ops;
};

int measure_workload(struct bench_heap *h, const struct workload *w, const struct workload_size *sz,
                     struct measure_result *out);

/* ---- instruction counting (callgrind, cgcount.c) ----------------------- */

struct op_counts {
	size_t n, cap;
	uint32_t *v; /* instructions per call, the bracket's own cost removed */
};

struct count_result {
	struct op_counts kind[OP_KINDS];
};

/*
 * Count the instructions of every malloc/free of the workloads marked
 * `counted` on heap h (at their count size times `scale`; `only` limits the
 * workloads as bench_listed() does) by re-running this binary under callgrind.
 * Fills res[i] for workload i. 0, or -1 with the reason in why.
 */
int cgcount_run(const char *self, struct bench_heap *h, double scale, const char *only,
                struct count_result *res, char *why, size_t why_len);
/* The other side: run under callgrind by cgcount_run (--count-child). */
int cgcount_child(struct bench_heap *h, double scale, const char *only);
void count_result_free(struct count_result *r);

/* Is `name` in the comma-separated `list`? A NULL list holds every name. */
bool bench_listed(const char *list, const char *name);
/* Harness bookkeeping memory straight from mmap, so it never shows up in a heap's figures. */
void *scratch_alloc(size_t bytes);
void scratch_free(void *p, size_t bytes);
/* Print "bench: <message>" and exit(2): a heap broke its contract. */
void bench_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- deterministic random numbers ----------------------------------------- */

/* SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", 2014). */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (n >= 1); the modulo bias is below 2^-40 for the sizes used here. */
static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return rng_next(s) % n;
}

#endif
