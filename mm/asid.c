// SPDX-License-Identifier: MIT
/* ASID allocation with generations; see include/bora/asid.h. */
#include <bora/asid.h>

static void fresh_generation(struct asid_space *s)
{
	id_bitmap_init(&s->ids, s->storage, sizeof(s->storage), s->nr);
	id_bitmap_alloc_fixed(&s->ids, 0);
}

void asid_space_init(struct asid_space *s, unsigned int bits, size_t limit)
{
	s->nr = bits > ASID_MAX_BITS ? ASID_MAX_IDS : 1U << bits;
	if (bits == 0)
		s->nr = 1;
	if (limit && limit < s->nr)
		s->nr = limit;
	s->generation = 1;
	s->rollovers = 0;
	if (asid_enabled(s))
		fresh_generation(s);
}

enum asid_action asid_assign(struct asid_space *s, uint16_t *asid, uint64_t *generation)
{
	enum asid_action action = ASID_FLUSH_ONE;
	size_t id;

	if (!asid_enabled(s)) {
		*asid = 0;
		return ASID_FLUSH_ALL;
	}
	if (*generation == s->generation && *asid != 0)
		return ASID_KEEP;
	if (id_bitmap_alloc(&s->ids, &id) != 0) {
		s->generation++;
		s->rollovers++;
		fresh_generation(s);
		id_bitmap_alloc(&s->ids, &id); /* cannot fail: nr >= 2 and only 0 is taken */
		action = ASID_FLUSH_ALL;
	}
	*asid = (uint16_t)id;
	*generation = s->generation;
	return action;
}

void asid_release(struct asid_space *s, uint16_t asid, uint64_t generation)
{
	if (asid_enabled(s) && asid != 0 && generation == s->generation)
		id_bitmap_free(&s->ids, asid);
}
