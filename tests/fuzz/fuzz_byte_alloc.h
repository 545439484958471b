/* SPDX-License-Identifier: MIT */
/*
 * The byte-allocator fuzz target's shared state, split over two files:
 * fuzz_byte_alloc.c (the driver and the operations inside the contract) and
 * fuzz_byte_hostile.c (pointers, sizes and regions outside it). Both are built
 * once per algorithm with -DFUZZ_OPS=<alg>_byte_ops.
 */
#ifndef BORA_FUZZ_BYTE_ALLOC_H
#define BORA_FUZZ_BYTE_ALLOC_H

#include "shadow.h"

#include <bora/alloc.h>

#ifndef FUZZ_OPS
#error "build with -DFUZZ_OPS=<alg>_byte_ops"
#endif

extern const struct byte_allocator_ops FUZZ_OPS;
#define OPS (&FUZZ_OPS)

#define MAX_STEPS   4096
#define MAX_REGIONS 32
/* Keeps one run fast: validate() and the sweeps are linear in what is managed. */
#define MAX_MANAGED (256 * 1024)
#define SWEEP_EVERY 64
/* validate() walks all state, so plain steps run it only this often. */
#define VALIDATE_EVERY 16
#define UNTOUCHED      ((void *)(uintptr_t)0xdeadbeef5a5a5a50ULL)

struct region {
	uintptr_t base;
	size_t size;
};

struct ctx {
	void *state;
	struct guarded_set mem;
	struct region reg[MAX_REGIONS];
	unsigned int nreg;
	size_t managed;       /* bytes of accepted regions */
	unsigned char *spare; /* unused bytes right after the init region */
	size_t spare_size;
	struct shadow sh;
	size_t full_available; /* available with no live block */
	size_t full_largest;   /* largest_free right after init */
	unsigned int step;
	bool hostile;       /* this step may have changed the layout outside the plain ops */
	size_t live_before; /* live blocks at the last check */
};

/* The ops, traced with FUZZ_TRACE=1. */
int call_alloc(struct ctx *c, size_t size, size_t align, void **out);
int call_free(struct ctx *c, uintptr_t a, size_t size, size_t align);
int call_resize(struct ctx *c, uintptr_t a, size_t old, size_t size, size_t align);
int call_add_region(struct ctx *c, void *base, size_t size);

struct byte_alloc_stats get_stats(const struct ctx *c);
/* Aborts unless a refused call (`what`, error `err`) left the stats as they were. */
void expect_same_stats(const struct byte_alloc_stats *a, const struct byte_alloc_stats *b,
                       const char *what, int err);
bool in_one_region(const struct ctx *c, uintptr_t a, size_t size);
/* add_region expecting 0 or an error from `allowed`; records an accepted region. */
int add_region(struct ctx *c, void *base, size_t size, const int *allowed);

/* fuzz_byte_hostile.c */
void do_bad_free(struct ctx *c, struct fuzz_in *in);
void do_wrong_size_free(struct ctx *c, struct fuzz_in *in);
void do_bad_resize(struct ctx *c, struct fuzz_in *in);
void do_add_hostile(struct ctx *c, struct fuzz_in *in);

#endif
