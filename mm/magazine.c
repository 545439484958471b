// SPDX-License-Identifier: MIT
/*
 * Per-hart magazines; include/bora/magazine.h gives the design and contract.
 */
#include <bora/errno.h>
#include <bora/magazine.h>
#include <bora/spinlock.h>
#include <bora/string.h>

static inline void **obj_words(void *obj)
{
	return (void **)obj;
}

int mag_init(struct mag_cache *mc, const struct mag_backend *be, void *ctx, unsigned int nclasses,
             unsigned int capacity, unsigned int batch)
{
	if (!mc || !be || !be->get || !be->put || nclasses == 0 || nclasses > MAG_MAX_CLASSES ||
	    batch == 0 || batch > MAG_MAX_BATCH || capacity < batch || capacity > MAG_MAX_CAPACITY)
		return -EINVAL;
	memset(mc, 0, sizeof(*mc));
	mc->be = be;
	mc->ctx = ctx;
	mc->nclasses = nclasses;
	mc->capacity = capacity;
	mc->batch = batch;
	/* Any value no object's second word holds by accident; odd, so never an aligned pointer. */
	mc->tag_key = ((uintptr_t)mc * 0x9e3779b97f4a7c15ULL) ^ 0x6d6167617a696e65ULL;
	mc->tag_key |= 1;
	return 0;
}

static inline void push(struct mag_cache *mc, struct mag_stack *s, void *obj)
{
	obj_words(obj)[0] = s->top;
	obj_words(obj)[1] = (void *)mag_tag(mc, obj);
	s->top = obj;
	s->count++;
}

static inline void *pop(struct mag_stack *s)
{
	void *obj = s->top;

	s->top = obj_words(obj)[0];
	s->count--;
	obj_words(obj)[1] = NULL; /* no longer cached: a later free is not a double free */
	return obj;
}

/* Hand up to n objects from the top of s back to the backend; hart lock held. */
static void release(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls, unsigned int n)
{
	struct mag_stack *s = &mh->stack[cls];
	void *objs[MAG_MAX_BATCH];

	while (n && s->count) {
		unsigned int k = 0;

		while (k < n && k < MAG_MAX_BATCH && s->count)
			objs[k++] = pop(s);
		mc->be->put(mc->ctx, cls, objs, k);
		mh->releases++;
		n -= k;
	}
}

/* mag_alloc found the stack empty: refill it from the backend and pop one, or NULL. */
void *mag_refill_unlock(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls,
                        unsigned long flags)
{
	struct mag_stack *s = &mh->stack[cls];
	void *objs[MAG_MAX_BATCH], *obj = NULL;
	size_t n = mc->be->get(mc->ctx, cls, objs, mc->batch);

	mh->refills++;
	while (n)
		push(mc, s, objs[--n]);
	if (s->count) {
		mh->allocs++;
		obj = pop(s);
	}
	mag_unlock(mh, flags);
	return obj;
}

/* mag_free found the stack full: give a batch back, then push obj. */
void mag_overflow_unlock(struct mag_cache *mc, struct mag_hart *mh, unsigned int cls, void *obj,
                         unsigned long flags)
{
	release(mc, mh, cls, mc->batch);
	push(mc, &mh->stack[cls], obj);
	mh->frees++;
	mag_unlock(mh, flags);
}

size_t mag_drain(struct mag_cache *mc)
{
	size_t total = 0;

	for (unsigned int h = 0; h < PERCPU_MAX_HARTS; h++) {
		struct mag_hart *mh = &mc->hart[h];
		unsigned long flags = mag_lock(mh);

		for (unsigned int c = 0; c < mc->nclasses; c++) {
			total += mh->stack[c].count;
			release(mc, mh, c, mh->stack[c].count);
		}
		mag_unlock(mh, flags);
	}
	return total;
}

size_t mag_cached(struct mag_cache *mc, unsigned int cls)
{
	size_t total = 0;

	if (cls >= mc->nclasses)
		return 0;
	for (unsigned int h = 0; h < PERCPU_MAX_HARTS; h++) {
		unsigned long flags = mag_lock(&mc->hart[h]);

		total += mc->hart[h].stack[cls].count;
		mag_unlock(&mc->hart[h], flags);
	}
	return total;
}

void mag_for_each(struct mag_cache *mc, void (*fn)(void *arg, unsigned int cls, void *obj),
                  void *arg)
{
	for (unsigned int h = 0; h < PERCPU_MAX_HARTS; h++) {
		struct mag_hart *mh = &mc->hart[h];
		unsigned long flags = mag_lock(mh);

		for (unsigned int c = 0; c < mc->nclasses; c++)
			for (void *o = mh->stack[c].top; o; o = obj_words(o)[0])
				fn(arg, c, o);
		mag_unlock(mh, flags);
	}
}

/* One stack: as many linked objects as counted, each aligned and tagged, no cycle. */
static const char *check_stack(const struct mag_cache *mc, const struct mag_stack *s)
{
	unsigned int n = 0;

	if (s->count > mc->capacity)
		return "magazine: more objects than the capacity";
	for (void *o = s->top; o; o = obj_words(o)[0]) {
		if ((uintptr_t)o & 7)
			return "magazine: misaligned object";
		if (!mag_is_cached(mc, o))
			return "magazine: cached object lost its tag (written after free?)";
		if (++n > s->count)
			return "magazine: more objects linked than counted";
	}
	return n == s->count ? NULL : "magazine: fewer objects linked than counted";
}

int mag_validate(struct mag_cache *mc, char *why, size_t why_len)
{
	const char *bad = NULL;

	if (!mc || !mc->be)
		return validate_failed(why, why_len, "magazine: not initialised");
	for (unsigned int h = 0; h < PERCPU_MAX_HARTS && !bad; h++) {
		struct mag_hart *mh = &mc->hart[h];
		unsigned long flags = mag_lock(mh);

		for (unsigned int c = 0; c < mc->nclasses && !bad; c++)
			bad = check_stack(mc, &mh->stack[c]);
		mag_unlock(mh, flags);
	}
	return bad ? validate_failed(why, why_len, bad) : 0;
}
