/* SPDX-License-Identifier: MIT */
/*
 * Kernel objects that tasks reach through handles: a type, a reference count
 * and an ops table. Each handle holds one reference, so does a handle in
 * flight in a message; the object is destroyed when the last one goes.
 *
 * Locking: every kobject, handle table and IPC queue is protected by the one
 * IPC lock (include/bora/ipc.h); the counts are plain integers under it.
 */
#ifndef BORA_KOBJECT_H
#define BORA_KOBJECT_H

#include <bora/types.h>

enum kobject_type {
	KOBJ_NONE = 0, /* matches any type in handle lookups */
	KOBJ_ENDPOINT,
	KOBJ_NOTIFICATION,
	KOBJ_IRQ,
	KOBJ_DEVPAGE,
	KOBJ_TYPE_COUNT,
};

struct kobject;

struct kobject_ops {
	/*
	 * A handle with `rights` to the object was created / closed. Endpoints
	 * count senders and receivers here so that the last one going wakes the
	 * other side with -EPEERDIED instead of leaving it blocked forever.
	 * Either may be NULL.
	 */
	void (*handle_opened)(struct kobject *obj, uint32_t rights);
	void (*handle_closed)(struct kobject *obj, uint32_t rights);
	/* The last reference went: release everything and free the object. */
	void (*destroy)(struct kobject *obj);
};

struct kobject {
	const struct kobject_ops *ops;
	uint32_t type; /* enum kobject_type */
	uint32_t refs;
};

/* The creator holds the first reference. */
static inline void kobject_init(struct kobject *obj, enum kobject_type type,
                                const struct kobject_ops *ops)
{
	obj->ops = ops;
	obj->type = type;
	obj->refs = 1;
}

static inline struct kobject *kobject_get(struct kobject *obj)
{
	obj->refs++;
	return obj;
}

static inline void kobject_put(struct kobject *obj)
{
	if (--obj->refs == 0)
		obj->ops->destroy(obj);
}

const char *kobject_type_name(uint32_t type);

#endif
