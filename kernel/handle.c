// SPDX-License-Identifier: MIT
/* Handle tables: see include/bora/handle.h. Host-testable (no kernel dependencies). */
#include <bora/errno.h>
#include <bora/handle.h>

const char *kobject_type_name(uint32_t type)
{
	static const char *const names[KOBJ_TYPE_COUNT] = {
	    [KOBJ_NONE] = "none",
	    [KOBJ_ENDPOINT] = "endpoint",
	    [KOBJ_NOTIFICATION] = "notification",
	    [KOBJ_IRQ] = "interrupt",
	    [KOBJ_DEVPAGE] = "device page",
	};

	return type < KOBJ_TYPE_COUNT ? names[type] : "?";
}

void handle_table_init(struct handle_table *t, struct handle *slots, uint32_t size)
{
	t->slots = slots;
	t->size = size;
	t->used = 0;
	for (uint32_t i = 0; i < size; i++)
		slots[i] = (struct handle){0};
}

int handle_install(struct handle_table *t, struct kobject *obj, uint32_t rights, uint64_t badge)
{
	if (t->used == t->size)
		return -ENOSPC;
	for (uint32_t i = 0; i < t->size; i++) {
		struct handle *slot = &t->slots[i];

		if (slot->obj)
			continue;
		slot->obj = kobject_get(obj);
		slot->rights = rights & IPC_RIGHTS_ALL;
		slot->badge = badge;
		t->used++;
		if (obj->ops->handle_opened)
			obj->ops->handle_opened(obj, slot->rights);
		return (int)i;
	}
	return -ENOSPC; /* unreachable while `used` is right */
}

int handle_lookup(const struct handle_table *t, long h, uint32_t type, uint32_t need,
                  const struct handle **out)
{
	if (h < 0 || (unsigned long)h >= t->size)
		return -EBADHANDLE;
	const struct handle *slot = &t->slots[h];

	if (!slot->obj)
		return -ECLOSED;
	if (type != KOBJ_NONE && slot->obj->type != type)
		return -EWRONGTYPE;
	if ((slot->rights & need) != need)
		return -ENORIGHT;
	*out = slot;
	return 0;
}

int handle_close(struct handle_table *t, long h)
{
	const struct handle *found;
	int err = handle_lookup(t, h, KOBJ_NONE, 0, &found);

	if (err)
		return err;
	struct handle *slot = &t->slots[h];
	struct kobject *obj = slot->obj;
	uint32_t rights = slot->rights;

	*slot = (struct handle){0};
	t->used--;
	if (obj->ops->handle_closed)
		obj->ops->handle_closed(obj, rights);
	kobject_put(obj);
	return 0;
}

int handle_mint(struct handle_table *t, long h, uint32_t mask, uint64_t badge)
{
	const struct handle *src;
	int err = handle_lookup(t, h, KOBJ_NONE, 0, &src);

	if (err)
		return err;
	if (src->badge && badge && badge != src->badge)
		return -EPERM;
	return handle_install(t, src->obj, src->rights & mask, src->badge ? src->badge : badge);
}

int handle_copy(const struct handle_table *src, long h, uint32_t mask, struct handle_table *dst)
{
	const struct handle *from;
	int err = handle_lookup(src, h, KOBJ_NONE, 0, &from);

	if (err)
		return err;
	return handle_install(dst, from->obj, from->rights & mask, from->badge);
}

void handle_table_close_all(struct handle_table *t)
{
	for (uint32_t i = 0; i < t->size && t->used; i++)
		if (t->slots[i].obj)
			handle_close(t, i);
}
