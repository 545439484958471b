// SPDX-License-Identifier: MIT
/*
 * Slab allocator (Bonwick, USENIX Summer 1994) over a page-unit buddy; see
 * include/bora/slab.h. Policy, following the paper:
 *  - allocate from a partially used slab first, so slabs fill up and whole
 *    slabs can go back; the paper orders a cache's slab list full, partial,
 *    empty to find a free object in O(1), separate lists do the same here;
 *  - an empty slab goes back to the page allocator, except that one per class
 *    is kept, so a class hovering at 0/1 live objects does not create and
 *    destroy a slab on every call (the paper's working-set argument);
 *  - cached empty slabs are reaped when the buddy runs dry, as the paper's
 *    caches give memory back under global memory pressure.
 * Objects are naturally aligned to their class size, so alignment requests up
 * to 2 KiB are served by the class max(size, align).
 */
#include <bora/bitops.h>
#include <bora/errno.h>
#include <bora/slab.h>
#include <bora/string.h>

/*
 * Largest slab: PAGE_SIZE << CONFIG_SLAB_MAX_ORDER bytes, and no more than a
 * sixteenth of the initial region, so a few classes cannot pin all of a small
 * heap. Within that cap each class takes the smallest slab that wastes at most
 * 1/8 of itself (Bonwick's bound on internal fragmentation); from a 256 KiB
 * heap up, with the default 2, the 1 KiB and 2 KiB classes get 8 and 16 KiB
 * slabs of 7 objects, the smaller classes one page.
 */
#ifndef CONFIG_SLAB_MAX_ORDER
#define CONFIG_SLAB_MAX_ORDER 2
#endif
#if CONFIG_SLAB_MAX_ORDER < 0 || CONFIG_SLAB_MAX_ORDER > 4
#error "CONFIG_SLAB_MAX_ORDER must be 0..4"
#endif

#define SLAB_MAGIC 0x51ab51abu
/*
 * The buddy unit is a page on heaps of at least SLAB_MIN_PAGES pages. Smaller
 * heaps (a 4 KiB heap cannot even hold one page after the buddy's metadata) get
 * a unit of size / SLAB_SMALL_UNITS, at least 64 bytes.
 */
#define SLAB_MIN_PAGES      16
#define SLAB_SMALL_UNITS    64
#define SLAB_MIN_UNIT_SHIFT 6
#define SLAB_HEAP_FRACTION  16

static size_t class_size(unsigned c)
{
	return (size_t)1 << (c + SLAB_MIN_SHIFT);
}

static size_t slab_bytes(const struct slab *s, unsigned c)
{
	return buddy_block_bytes(&s->pages, s->cls[c].order);
}

static size_t slab_overhead(const struct slab *s, unsigned c)
{
	return slab_bytes(s, c) - (size_t)s->cls[c].nobjs * class_size(c);
}

int slab_class_for(size_t size, size_t align)
{
	size_t need = MAX(MAX(size, align), class_size(0));

	if (need > class_size(SLAB_CLASSES - 1))
		return -1;
	return ilog2_u64(roundup_pow2(need)) - SLAB_MIN_SHIFT;
}

static void list_push(struct slab_hdr **head, struct slab_hdr *h, uint8_t list)
{
	h->prev = NULL;
	h->next = *head;
	if (*head)
		(*head)->prev = h;
	*head = h;
	h->list = list;
}

static void list_unlink(struct slab_hdr **head, struct slab_hdr *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		*head = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

/* Pick each class's slab order; a class whose object does not fit goes to the buddy. */
static void compute_classes(struct slab *s, size_t heap)
{
	unsigned us = s->pages.unit_shift;
	size_t cap = MIN(PAGE_SIZE << CONFIG_SLAB_MAX_ORDER, (size_t)1 << ilog2_u64(heap));

	if (heap / SLAB_HEAP_FRACTION >= ((size_t)1 << us))
		cap = MIN(cap, (size_t)1 << ilog2_u64(heap / SLAB_HEAP_FRACTION));
	else
		cap = MIN(cap, (size_t)1 << us);
	s->max_order = 0;
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		size_t size = class_size(c), first = ALIGN_UP(sizeof(struct slab_hdr), size);
		size_t bytes = (size_t)1 << us, n = 0;
		unsigned k = 0;

		for (; bytes <= cap; k++, bytes <<= 1) {
			if (bytes < first + size)
				continue;
			n = MIN((bytes - first) / size, (size_t)SLAB_MAX_OBJS);
			if ((bytes - n * size) * 8 <= bytes || bytes == cap)
				break;
		}
		s->cls[c].order = (uint8_t)(n ? k : 0);
		s->cls[c].first = (uint16_t)first;
		s->cls[c].nobjs = (uint16_t)n;
		if (n)
			s->max_order = MAX(s->max_order, k);
	}
}

int slab_init(struct slab *s, void *base, size_t size)
{
	unsigned shift = PAGE_SHIFT;
	int err;

	if (size >> PAGE_SHIFT < SLAB_MIN_PAGES)
		shift =
		    (unsigned)MAX(SLAB_MIN_UNIT_SHIFT, ilog2_u64(MAX(size / SLAB_SMALL_UNITS, 1)));
	memset(s, 0, sizeof(*s));
	err = buddy_init(&s->pages, base, size, shift);
	if (!err)
		compute_classes(s, size);
	return err;
}

int slab_add_region(struct slab *s, void *base, size_t size)
{
	return buddy_add_region(&s->pages, base, size);
}

static void slab_release(struct slab *s, struct slab_hdr *h)
{
	h->magic = 0;
	buddy_set_mark(&s->pages, h, false);
	buddy_free_order(&s->pages, h, s->cls[h->cls].order);
}

size_t slab_reap(struct slab *s)
{
	size_t released = s->cached_bytes;

	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		if (s->cls[c].cached) {
			slab_release(s, s->cls[c].cached);
			s->cls[c].cached = NULL;
		}
	}
	s->cached_bytes = 0;
	return released;
}

static struct slab_hdr *slab_create(struct slab *s, unsigned c)
{
	const struct slab_class *sc = &s->cls[c];
	size_t size = class_size(c);
	struct slab_hdr *h;
	uint8_t *obj0;
	void *mem;

	if (buddy_alloc_order(&s->pages, sc->order, &mem) &&
	    (!slab_reap(s) || buddy_alloc_order(&s->pages, sc->order, &mem)))
		return NULL;
	buddy_set_mark(&s->pages, mem, true);
	h = mem;
	memset(h, 0, sizeof(*h));
	h->magic = SLAB_MAGIC;
	h->cls = (uint8_t)c;
	/* Thread the free list in address order so early objects share cache lines. */
	obj0 = (uint8_t *)mem + sc->first;
	for (unsigned i = sc->nobjs; i-- > 0;) {
		*(void **)(obj0 + i * size) = h->free;
		h->free = obj0 + i * size;
	}
	return h;
}

static int class_alloc(struct slab *s, unsigned c, void **out)
{
	struct slab_class *sc = &s->cls[c];
	struct slab_hdr *h = sc->partial;
	size_t idx;
	void *obj;

	if (!h) {
		if (!sc->nobjs)
			return -ENOMEM;
		if (sc->cached) {
			h = sc->cached;
			sc->cached = NULL;
			s->cached_bytes -= slab_bytes(s, c);
		} else if (!(h = slab_create(s, c))) {
			return -ENOMEM;
		}
		list_push(&sc->partial, h, SLAB_ON_PARTIAL);
		sc->nslabs++;
		s->active_bytes += slab_bytes(s, c);
		s->active_overhead += slab_overhead(s, c);
	}
	obj = h->free;
	h->free = *(void **)obj;
	idx = ((uintptr_t)obj - (uintptr_t)h - sc->first) >> (c + SLAB_MIN_SHIFT);
	h->live[idx / 64] |= 1ull << (idx % 64);
	h->inuse++;
	s->obj_bytes += class_size(c);
	if (h->inuse == sc->nobjs) {
		list_unlink(&sc->partial, h);
		list_push(&sc->full, h, SLAB_ON_FULL);
	}
	*out = obj;
	return 0;
}

int slab_alloc(struct slab *s, size_t size, size_t align, void **out)
{
	int c, err;

	if (size == 0 || !is_power_of_2(align))
		return -EINVAL;
	c = slab_class_for(size, align);
	if (c >= 0 && class_alloc(s, (unsigned)c, out) == 0)
		return 0;
	/* Large request, or no page left for a new slab: try the buddy itself. */
	err = buddy_alloc(&s->pages, size, align, out);
	if (err == -ENOMEM && slab_reap(s))
		err = buddy_alloc(&s->pages, size, align, out);
	return err;
}

struct slab_hdr *slab_lookup(const struct slab *s, const void *ptr)
{
	for (unsigned k = 0; k <= s->max_order; k++) {
		uintptr_t base = ALIGN_DOWN((uintptr_t)ptr, buddy_block_bytes(&s->pages, k));
		unsigned order;
		bool mark;

		if (!buddy_lookup(&s->pages, (void *)base, &order, &mark) && mark && order == k)
			return (struct slab_hdr *)base;
	}
	return NULL;
}

/* Index of the live object at ptr in h, or -ENOTALLOC; -EINVAL if its class is not `cls`. */
static long live_object(const struct slab *s, const struct slab_hdr *h, const void *ptr, int cls)
{
	const struct slab_class *sc = &s->cls[h->cls];
	uintptr_t obj0 = (uintptr_t)h + sc->first, off = (uintptr_t)ptr - obj0;
	size_t idx = off >> (h->cls + SLAB_MIN_SHIFT);

	if ((uintptr_t)ptr < obj0 || !IS_ALIGNED(off, class_size(h->cls)) || idx >= sc->nobjs)
		return -ENOTALLOC;
	if (!(h->live[idx / 64] & (1ull << (idx % 64))))
		return -ENOTALLOC;
	if (cls != h->cls)
		return -EINVAL;
	return (long)idx;
}

/* The last object left h: keep it as the class's cached slab or give it back. */
static void slab_retire(struct slab *s, struct slab_hdr *h)
{
	struct slab_class *sc = &s->cls[h->cls];

	list_unlink(&sc->partial, h);
	sc->nslabs--;
	s->active_bytes -= slab_bytes(s, h->cls);
	s->active_overhead -= slab_overhead(s, h->cls);
	if (!sc->cached) {
		h->list = SLAB_CACHED;
		sc->cached = h;
		s->cached_bytes += slab_bytes(s, h->cls);
	} else {
		slab_release(s, h);
	}
}

int slab_free(struct slab *s, void *ptr, size_t size, size_t align)
{
	struct slab_hdr *h;
	struct slab_class *sc;
	long idx;

	if (size == 0 || !is_power_of_2(align))
		return -EINVAL;
	h = slab_lookup(s, ptr);
	if (!h)
		return buddy_free(&s->pages, ptr, size, align);
	idx = live_object(s, h, ptr, slab_class_for(size, align));
	if (idx < 0)
		return (int)idx;
	sc = &s->cls[h->cls];
	h->live[idx / 64] &= ~(1ull << (idx % 64));
	*(void **)ptr = h->free;
	h->free = ptr;
	h->inuse--;
	s->obj_bytes -= class_size(h->cls);
	if (h->list == SLAB_ON_FULL) {
		list_unlink(&sc->full, h);
		list_push(&sc->partial, h, SLAB_ON_PARTIAL);
	}
	if (h->inuse == 0)
		slab_retire(s, h);
	return 0;
}

int slab_resize_in_place(struct slab *s, void *ptr, size_t old_size, size_t new_size, size_t align)
{
	struct slab_hdr *h;
	long idx;

	if (old_size == 0 || new_size == 0 || !is_power_of_2(align))
		return -EINVAL;
	h = slab_lookup(s, ptr);
	if (!h)
		return buddy_resize_in_place(&s->pages, ptr, old_size, new_size, align);
	idx = live_object(s, h, ptr, slab_class_for(old_size, align));
	if (idx < 0)
		return (int)idx;
	/* An object cannot change class without moving. */
	return slab_class_for(new_size, align) == h->cls ? 0 : -ENOMEM;
}

/*
 * What the buddy's largest free block would be after slab_reap(): merge the
 * cached slabs, on paper, with their free buddies and with each other.
 */
static size_t largest_after_reap(const struct slab *s, size_t now)
{
	struct {
		uintptr_t addr;
		unsigned order;
		bool live;
	} v[SLAB_CLASSES];
	unsigned n = 0;
	bool merged;

	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		if (s->cls[c].cached) {
			v[n].addr = (uintptr_t)s->cls[c].cached;
			v[n].order = s->cls[c].order;
			v[n++].live = true;
		}
	do {
		merged = false;
		for (unsigned a = 0; a < n; a++) {
			bool is_free = false;
			void *bp;
			unsigned m = n;

			if (!v[a].live)
				continue;
			bp = buddy_buddy_of(&s->pages, (void *)v[a].addr, v[a].order, &is_free);
			if (!bp)
				continue;
			if (!is_free) {
				for (m = 0; m < n; m++)
					if (m != a && v[m].live && v[m].addr == (uintptr_t)bp &&
					    v[m].order == v[a].order)
						break;
				if (m == n)
					continue;
				v[m].live = false;
			}
			v[a].addr = MIN(v[a].addr, (uintptr_t)bp);
			v[a].order++;
			merged = true;
		}
	} while (merged);
	for (unsigned a = 0; a < n; a++)
		if (v[a].live)
			now = MAX(now, buddy_block_bytes(&s->pages, v[a].order));
	return now;
}

size_t slab_usable_size(const struct slab *s, const void *ptr)
{
	const struct slab_hdr *h = slab_lookup(s, ptr);

	if (!h)
		return buddy_usable_size(&s->pages, ptr);
	return live_object(s, h, ptr, h->cls) < 0 ? 0 : class_size(h->cls);
}

void slab_stats(const struct slab *s, struct byte_alloc_stats *st)
{
	struct byte_alloc_stats b;
	size_t largest;

	buddy_stats(&s->pages, &b);
	st->total = b.total;
	st->used = s->obj_bytes + (b.used - s->active_bytes - s->cached_bytes);
	st->metadata = b.metadata + s->active_overhead;
	st->available = st->total - st->used - st->metadata;
	/*
	 * Every size up to the (reaped) buddy's largest block succeeds, directly or
	 * in a new slab; beyond it, classes with a free object extend the range only
	 * while there is no gap, so any size <= largest_free can be allocated.
	 */
	largest = largest_after_reap(s, b.largest_free);
	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		if (class_size(c) <= largest)
			continue;
		if (!s->cls[c].partial)
			break;
		largest = class_size(c);
	}
	st->largest_free = largest;
}

static const char *check_slab(const struct slab *s, unsigned c, const struct slab_hdr *h,
                              uint8_t list)
{
	const struct slab_class *sc = &s->cls[c];
	uintptr_t obj0 = (uintptr_t)h + sc->first;
	uint64_t seen[SLAB_MAX_OBJS / 64] = {0};
	unsigned order, live = 0, nfree = 0;
	bool mark;

	if (buddy_lookup(&s->pages, h, &order, &mark) || !mark || order != sc->order)
		return "slab is not a marked buddy block of its class's order";
	if (h->magic != SLAB_MAGIC || h->cls != c || h->list != list)
		return "slab header magic, class or list tag wrong";
	for (unsigned i = 0; i < SLAB_MAX_OBJS; i++) {
		if (!(h->live[i / 64] & (1ull << (i % 64))))
			continue;
		if (i >= sc->nobjs)
			return "live bit beyond the last object";
		live++;
	}
	if (live != h->inuse)
		return "live bitmap and in-use count differ";
	if ((list == SLAB_ON_FULL) != (h->inuse == sc->nobjs) ||
	    (list == SLAB_CACHED) != (h->inuse == 0))
		return "slab on the wrong list for its fill level";
	for (const uint8_t *p = h->free; p; p = *(void *const *)p) {
		uintptr_t off = (uintptr_t)p - obj0;
		size_t idx = off >> (c + SLAB_MIN_SHIFT);

		if ((uintptr_t)p < obj0 || !IS_ALIGNED(off, class_size(c)) || idx >= sc->nobjs)
			return "free-list entry outside the slab's objects";
		if (h->live[idx / 64] & (1ull << (idx % 64)))
			return "live object on the free list";
		if (seen[idx / 64] & (1ull << (idx % 64)))
			return "object twice on the free list";
		seen[idx / 64] |= 1ull << (idx % 64);
		nfree++;
	}
	if (nfree != (unsigned)sc->nobjs - h->inuse)
		return "free-list length does not match the free count";
	return NULL;
}

/* One class list: prev links, a bound against cycles, every slab checked. */
static const char *check_list(const struct slab *s, unsigned c, const struct slab_hdr *head,
                              uint8_t list, size_t *nslabs, size_t *objs)
{
	size_t limit = s->pages.total >> s->pages.unit_shift;
	const struct slab_hdr *prev = NULL;
	const char *msg;

	for (const struct slab_hdr *h = head; h; prev = h, h = h->next) {
		if (++*nslabs > limit)
			return "slab list has a cycle";
		msg = check_slab(s, c, h, list);
		if (msg)
			return msg;
		if (h->prev != prev)
			return "slab list prev link broken";
		*objs += h->inuse;
	}
	return NULL;
}

int slab_validate(const struct slab *s, char *why, size_t why_len)
{
	size_t active = 0, overhead = 0, cached = 0, obj_bytes = 0;
	const char *msg;

	for (unsigned c = 0; c < SLAB_CLASSES; c++) {
		const struct slab_class *sc = &s->cls[c];
		size_t nslabs = 0, objs = 0;

		msg = check_list(s, c, sc->partial, SLAB_ON_PARTIAL, &nslabs, &objs);
		if (!msg)
			msg = check_list(s, c, sc->full, SLAB_ON_FULL, &nslabs, &objs);
		if (!msg && sc->cached)
			msg = check_slab(s, c, sc->cached, SLAB_CACHED);
		if (msg)
			return validate_failed(why, why_len, msg);
		if (nslabs != sc->nslabs)
			return validate_failed(why, why_len, "class slab count wrong");
		active += nslabs * slab_bytes(s, c);
		overhead += nslabs * slab_overhead(s, c);
		cached += sc->cached ? slab_bytes(s, c) : 0;
		obj_bytes += objs * class_size(c);
	}
	if (active != s->active_bytes || overhead != s->active_overhead ||
	    cached != s->cached_bytes || obj_bytes != s->obj_bytes)
		return validate_failed(why, why_len, "slab byte counters wrong");
	if (buddy_marked_bytes(&s->pages) != active + cached)
		return validate_failed(why, why_len, "a marked buddy block is on no slab list");
	return buddy_validate(&s->pages, why, why_len);
}

DEFINE_BYTE_ALLOCATOR_OPS(slab, slab_init);
