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

static inline uintptr_t tag_of(const struct mag_cache *mc, const void *obj)
{
	return (uintptr_t)obj ^ mc->tag_key;
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
	for (unsigned int i = 0; i < PERCPU_MAX_HARTS; i++)
		spin_lock_init(&mc->hart[i].lock);
	return 0;
}

static inline void push(struct mag_cache *mc, struct mag_stack *s, void *obj)
{
	obj_words(obj)[0] = s->top;
	obj_words(obj)[1] = (void *)tag_of(mc, obj);
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

void *mag_alloc(struct mag_cache *mc, unsigned int hart, unsigned int cls)
{
	struct mag_hart *mh = &mc->hart[hart];
	struct mag_stack *s = &mh->stack[cls];
	unsigned long flags;
	void *obj = NULL;

	if (__builtin_expect(hart >= PERCPU_MAX_HARTS || cls >= mc->nclasses, 0))
		return NULL;
	flags = spin_lock_irqsave(&mh->lock);
	if (__builtin_expect(!s->count, 0)) {
		void *objs[MAG_MAX_BATCH];
		size_t n = mc->be->get(mc->ctx, cls, objs, mc->batch);

		mh->refills++;
		while (n)
			push(mc, s, objs[--n]);
	}
	if (s->count) {
		obj = pop(s);
		mh->allocs++;
	}
	spin_unlock_irqrestore(&mh->lock, flags);
	return obj;
}

bool mag_is_cached(const struct mag_cache *mc, const void *obj)
{
	return ((const uintptr_t *)obj)[1] == tag_of(mc, obj);
}

int mag_free(struct mag_cache *mc, unsigned int hart, unsigned int cls, void *obj)
{
	struct mag_hart *mh = &mc->hart[hart];
	struct mag_stack *s = &mh->stack[cls];
	unsigned long flags;

	if (__builtin_expect(
	        hart >= PERCPU_MAX_HARTS || cls >= mc->nclasses || !obj || ((uintptr_t)obj & 7), 0))
		return -EINVAL;
	if (__builtin_expect(mag_is_cached(mc, obj), 0))
		return -ENOTALLOC;
	flags = spin_lock_irqsave(&mh->lock);
	if (__builtin_expect(s->count >= mc->capacity, 0))
		release(mc, mh, cls, mc->batch);
	push(mc, s, obj);
	mh->frees++;
	spin_unlock_irqrestore(&mh->lock, flags);
	return 0;
}

size_t mag_drain(struct mag_cache *mc)
{
	size_t total = 0;

	for (unsigned int h = 0; h < PERCPU_MAX_HARTS; h++) {
		struct mag_hart *mh = &mc->hart[h];
		unsigned long flags = spin_lock_irqsave(&mh->lock);

		for (unsigned int c = 0; c < mc->nclasses; c++) {
			total += mh->stack[c].count;
			release(mc, mh, c, mh->stack[c].count);
		}
		spin_unlock_irqrestore(&mh->lock, flags);
	}
	return total;
}

size_t mag_cached(struct mag_cache *mc, unsigned int cls)
{
	size_t total = 0;

	if (cls >= mc->nclasses)
		return 0;
	for (unsigned int h = 0; h < PERCPU_MAX_HARTS; h++) {
		unsigned long flags = spin_lock_irqsave(&mc->hart[h].lock);

		total += mc->hart[h].stack[cls].count;
		spin_unlock_irqrestore(&mc->hart[h].lock, flags);
	}
	return total;
}

void mag_for_each(struct mag_cache *mc, void (*fn)(void *arg, unsigned int cls, void *obj),
                  void *arg)
{
	for (unsigned int h = 0; h < PERCPU_MAX_HARTS; h++) {
		struct mag_hart *mh = &mc->hart[h];
		unsigned long flags = spin_lock_irqsave(&mh->lock);

		for (unsigned int c = 0; c < mc->nclasses; c++)
			for (void *o = mh->stack[c].top; o; o = obj_words(o)[0])
				fn(arg, c, o);
		spin_unlock_irqrestore(&mh->lock, flags);
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
		unsigned long flags = spin_lock_irqsave(&mh->lock);

		for (unsigned int c = 0; c < mc->nclasses && !bad; c++)
			bad = check_stack(mc, &mh->stack[c]);
		spin_unlock_irqrestore(&mh->lock, flags);
	}
	return bad ? validate_failed(why, why_len, bad) : 0;
}
