// SPDX-License-Identifier: MIT
/*
 * The benchmark workloads of issue 6. Each one is a fixed-seed sequence of
 * heap operations; it returns how many it made (the ns/op denominator) or -1
 * when the heap ran out of memory. Every block gets a word written into it so
 * the heaps that hand out fresh pages pay for touching them, as a program would.
 */
#include <math.h>
#include <string.h>

#include "bench.h"

static void touch(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* 1. A vector of 8-byte items grown by one realloc per push. */
static long run_vec_push(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	uint64_t *v = NULL;

	for (size_t i = 0; i < sz->n; i++) {
		uint64_t *nv = a->realloc(a, v, i * sizeof(*v), (i + 1) * sizeof(*v));

		if (!nv) {
			if (v)
				a->free(a, v, i * sizeof(*v));
			return -1;
		}
		v = nv;
		v[i] = i ^ seed;
	}
	for (size_t i = 0; i < sz->n; i += 4099)
		if (v[i] != (i ^ seed))
			bench_die("vec_push: item %zu lost across reallocs", i);
	a->free(a, v, sz->n * sizeof(*v));
	return (long)sz->n + 1;
}

/* 2, 3. n blocks of one size, freed in shuffled order (Fisher-Yates). */
static long rand_free(struct bench_heap *a, size_t n, size_t size, uint64_t seed)
{
	void **blocks = scratch_alloc(n * sizeof(*blocks));
	size_t live = n;
	long ops;

	for (size_t i = 0; i < n; i++) {
		blocks[i] = a->malloc(a, size);
		if (!blocks[i]) {
			live = i;
			break;
		}
		touch(blocks[i], i);
	}
	for (size_t i = live; i > 1; i--) {
		size_t j = rng_below(&seed, i);
		void *t = blocks[i - 1];

		blocks[i - 1] = blocks[j];
		blocks[j] = t;
	}
	for (size_t i = 0; i < live; i++)
		a->free(a, blocks[i], size);
	ops = live == n ? (long)(2 * n) : -1;
	scratch_free(blocks, n * sizeof(*blocks));
	return ops;
}

static long run_rand_free_64(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	return rand_free(a, sz->n, 64, seed);
}

static long run_rand_free_520(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	return rand_free(a, sz->n, 520, seed);
}

/* 4. Insert/delete on an unbalanced binary search tree of heap nodes. */
struct node {
	uint64_t key;
	struct node *left, *right;
	uint64_t value;
};

static bool tree_toggle(struct bench_heap *a, struct node **root, uint64_t key, size_t *count)
{
	struct node **link = root;

	while (*link && (*link)->key != key)
		link = key < (*link)->key ? &(*link)->left : &(*link)->right;
	if (!*link) {
		struct node *n = a->malloc(a, sizeof(*n));

		if (!n)
			return false;
		*n = (struct node){.key = key, .value = key * 3};
		*link = n;
		(*count)++;
		return true;
	}
	struct node *victim = *link;

	if (victim->left && victim->right) {
		/* Two children: the in-order successor's key moves up, its node goes. */
		struct node **succ = &victim->right;

		while ((*succ)->left)
			succ = &(*succ)->left;
		struct node *s = *succ;

		victim->key = s->key;
		victim->value = s->value;
		*succ = s->right;
		victim = s;
	} else {
		*link = victim->left ? victim->left : victim->right;
	}
	a->free(a, victim, sizeof(*victim));
	(*count)--;
	return true;
}

static long tree_free_all(struct bench_heap *a, struct node *root, size_t count)
{
	struct node **stack = scratch_alloc((count + 1) * sizeof(*stack));
	size_t top = 0;
	long freed = 0;

	if (root)
		stack[top++] = root;
	while (top) {
		struct node *n = stack[--top];

		if (n->left)
			stack[top++] = n->left;
		if (n->right)
			stack[top++] = n->right;
		a->free(a, n, sizeof(*n));
		freed++;
	}
	scratch_free(stack, (count + 1) * sizeof(*stack));
	return freed;
}

static long run_map(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	struct node *root = NULL;
	size_t count = 0;
	long ops = (long)sz->n;

	/* Keys from [0, slots): each op flips one key, so about slots/2 nodes stay live. */
	for (size_t i = 0; i < sz->n; i++) {
		if (!tree_toggle(a, &root, rng_below(&seed, sz->slots), &count)) {
			ops = -1;
			break;
		}
	}
	long freed = tree_free_all(a, root, count);

	return ops < 0 ? -1 : ops + freed;
}

/* 5. Random slot trace: alloc into an empty slot, free a full one. */
static size_t size_uniform_16_4096(uint64_t *rng)
{
	return 16 + rng_below(rng, 4096 - 16 + 1);
}

static size_t size_loguniform_8k_128k(uint64_t *rng)
{
	double u = (double)(rng_next(rng) >> 11) / (double)(1ULL << 53);

	return (size_t)(8192.0 * exp2(4.0 * u)); /* 8 KiB * 2^[0,4) = [8, 128) KiB */
}

static long slot_trace(struct bench_heap *a, const struct workload_size *sz, uint64_t seed,
                       size_t (*draw)(uint64_t *))
{
	struct slot {
		void *p;
		size_t size;
	} *slots = scratch_alloc(sz->slots * sizeof(*slots));
	long ops = (long)sz->n;

	for (size_t i = 0; i < sz->n; i++) {
		struct slot *s = &slots[rng_below(&seed, sz->slots)];

		if (s->p) {
			a->free(a, s->p, s->size);
			s->p = NULL;
			continue;
		}
		s->size = draw(&seed);
		s->p = a->malloc(a, s->size);
		if (!s->p) {
			ops = -1;
			break;
		}
		touch(s->p, i);
	}
	for (size_t i = 0; i < sz->slots; i++) {
		if (slots[i].p) {
			a->free(a, slots[i].p, slots[i].size);
			if (ops >= 0)
				ops++;
		}
	}
	scratch_free(slots, sz->slots * sizeof(*slots));
	return ops;
}

static long run_trace_uniform(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	return slot_trace(a, sz, seed, size_uniform_16_4096);
}

static long run_trace_large(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	return slot_trace(a, sz, seed, size_loguniform_8k_128k);
}

/*
 * 6. The worst cases named in the TLSF paper (Masmano et al., ECRTS 2004,
 * section 4): a small malloc served by splitting the one large free block,
 * and a free that merges with both physical neighbours. Per round, on a heap
 * that is one free block: a, b, c are split off it; freeing a merges with
 * nothing, c merges with the remainder on its right, b with both sides, which
 * leaves one free block again.
 */
static long run_tlsf_worst(struct bench_heap *a, const struct workload_size *sz, uint64_t seed)
{
	const size_t size = 32;

	(void)seed;
	for (size_t i = 0; i < sz->n; i++) {
		void *pa = a->malloc(a, size), *pb = a->malloc(a, size), *pc = a->malloc(a, size);

		if (!pa || !pb || !pc)
			return -1;
		touch(pb, i);
		a->free(a, pa, size);
		a->free(a, pc, size);
		a->free(a, pb, size);
	}
	return (long)(6 * sz->n);
}

const struct workload bench_workloads[] = {
    {"vec_push",
     "3,000,000 8-byte items, one realloc per push",
     {3000000, 0},
     {0, 0},
     false,
     run_vec_push,
     0x7665635f70757368ULL},
    {"rand_free_64",
     "25,000 x 64 B, freed in shuffled order",
     {25000, 0},
     {2000, 0},
     true,
     run_rand_free_64,
     0x72616e6436340000ULL},
    {"rand_free_520",
     "7,500 x 520 B, freed in shuffled order",
     {7500, 0},
     {1000, 0},
     true,
     run_rand_free_520,
     0x72616e6435323000ULL},
    {"map_50k",
     "50,000 insert/delete on a BST of 32-byte nodes, keys < 8192",
     {50000, 8192},
     {1500, 512},
     true,
     run_map,
     0x6d617035306b0000ULL},
    {"trace_uniform",
     "200,000 slot ops over 4096 slots, sizes uniform 16-4096 B",
     {200000, 4096},
     {1500, 256},
     true,
     run_trace_uniform,
     0x756e69666f726dULL},
    {"trace_large",
     "40,000 slot ops over 512 slots, sizes log-uniform 8-128 KiB",
     {40000, 512},
     {600, 64},
     true,
     run_trace_large,
     0x6c6f67756e69ULL},
    {"tlsf_worst",
     "rounds of 3 x 32 B split from one free block, frees merging 0/1/2 sides",
     {20000, 0},
     {150, 0},
     true,
     run_tlsf_worst,
     0},
};
const size_t bench_nworkloads = sizeof(bench_workloads) / sizeof(bench_workloads[0]);

struct workload_size workload_scaled(const struct workload_size *sz, double f)
{
	struct workload_size s = *sz;

	s.n = (size_t)((double)sz->n * f);
	if (s.n < 1)
		s.n = 1;
	if (sz->slots) {
		s.slots = (size_t)((double)sz->slots * f);
		if (s.slots < 2)
			s.slots = 2;
	}
	return s;
}
