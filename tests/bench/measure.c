// SPDX-License-Identifier: MIT
/*
 * The untimed measuring run: the same workload through a wrapper that keeps
 * the live requested bytes, the span of addresses a region heap hands out, and
 * samples the heap's own statistics (metadata, a system heap's footprint).
 *
 * Sampling every operation would make the system heaps' statistics calls the
 * whole cost, so the heap is sampled every SAMPLE_EVERY operations and also
 * right before the first free that follows a new live peak, which is where a
 * fill-then-drain workload reaches its footprint peak.
 */
#include "bench.h"

#define SAMPLE_EVERY 32

struct measure_access {
	struct bench_heap wrap; /* what the workload sees */
	struct bench_heap *heap;
	size_t live, since_sample;
	bool peak_pending; /* live reached a new peak since the last sample */
	uintptr_t lo, hi;  /* region heaps: lowest start and highest end handed out */
	struct measure_result r;
};

static void sample(struct measure_access *m)
{
	struct bench_heap *h = m->heap;
	struct heap_sample s = {0};

	h->sample(h, &s);
	if (!h->region_based && s.footprint > m->r.peak_footprint)
		m->r.peak_footprint = s.footprint;
	if (s.metadata_known) {
		m->r.metadata_known = true;
		if (s.metadata > m->r.peak_metadata)
			m->r.peak_metadata = s.metadata;
	}
	m->since_sample = 0;
	m->peak_pending = false;
}

static void note_block(struct measure_access *m, void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p;

	if (a < m->lo)
		m->lo = a;
	if (a + size > m->hi)
		m->hi = a + size;
}

static void grew(struct measure_access *m)
{
	if (m->live > m->r.peak_live) {
		m->r.peak_live = m->live;
		m->peak_pending = true;
	}
	if (++m->since_sample >= SAMPLE_EVERY)
		sample(m);
}

static void *m_malloc(struct bench_heap *w, size_t size)
{
	struct measure_access *m = w->priv;
	void *p = m->heap->malloc(m->heap, size);

	if (p) {
		note_block(m, p, size);
		m->live += size;
		grew(m);
	}
	return p;
}

static void m_free(struct bench_heap *w, void *p, size_t size)
{
	struct measure_access *m = w->priv;

	if (m->peak_pending)
		sample(m);
	m->heap->free(m->heap, p, size);
	m->live -= size;
	if (++m->since_sample >= SAMPLE_EVERY)
		sample(m);
}

static void *m_realloc(struct bench_heap *w, void *p, size_t old_size, size_t new_size)
{
	struct measure_access *m = w->priv;
	void *q;

	if (new_size < old_size && m->peak_pending)
		sample(m);
	q = m->heap->realloc(m->heap, p, old_size, new_size);
	if (q) {
		note_block(m, q, new_size);
		m->live = m->live - old_size + new_size;
		grew(m);
	}
	return q;
}

int measure_workload(struct bench_heap *h, const struct workload *w, const struct workload_size *sz,
                     struct measure_result *out)
{
	struct measure_access m = {
	    .wrap = {.name = h->name, .malloc = m_malloc, .free = m_free, .realloc = m_realloc},
	    .heap = h,
	    .lo = UINTPTR_MAX,
	};
	int err = h->setup(h);

	if (err)
		return err;
	m.wrap.priv = &m;
	m.r.ops = w->run(&m.wrap, sz, w->seed);
	sample(&m);
	if (h->region_based && m.hi > m.lo) {
		m.r.peak_footprint = m.hi - m.lo;
		m.r.peak_from_base = m.hi - h->region_base;
	}
	*out = m.r;
	return 0;
}
