// SPDX-License-Identifier: MIT
/* Handle tables (kernel/handle.c): slots, rights, badges, reference counts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/handle.h>

/* A test object that records what the table told it. */
struct probe {
	struct kobject obj;
	int destroyed;
	int opened[16], closed[16]; /* per rights value */
};

static void probe_opened(struct kobject *obj, uint32_t rights)
{
	container_of(obj, struct probe, obj)->opened[rights]++;
}

static void probe_closed(struct kobject *obj, uint32_t rights)
{
	container_of(obj, struct probe, obj)->closed[rights]++;
}

static void probe_destroy(struct kobject *obj)
{
	container_of(obj, struct probe, obj)->destroyed++;
}

static const struct kobject_ops probe_ops = {probe_opened, probe_closed, probe_destroy};

static void probe_init(struct probe *p, enum kobject_type type)
{
	*p = (struct probe){0};
	kobject_init(&p->obj, type, &probe_ops);
}

#define NSLOTS 4

static void install_fills_the_lowest_free_slot_then_refuses(void **state)
{
	(void)state;
	struct handle slots[NSLOTS];
	struct handle_table t;
	struct probe p;

	probe_init(&p, KOBJ_ENDPOINT);
	handle_table_init(&t, slots, NSLOTS);
	for (int i = 0; i < NSLOTS; i++)
		assert_int_equal(handle_install(&t, &p.obj, IPC_RIGHT_SEND, 0), i);
	assert_int_equal(handle_install(&t, &p.obj, IPC_RIGHT_SEND, 0), -ENOSPC);
	assert_int_equal(p.obj.refs, 1 + NSLOTS);
	assert_int_equal(handle_close(&t, 1), 0);
	assert_int_equal(handle_install(&t, &p.obj, IPC_RIGHT_RECV, 0), 1);
	handle_table_close_all(&t);
	assert_int_equal(t.used, 0);
	assert_int_equal(p.obj.refs, 1);
	assert_int_equal(p.destroyed, 0);
}

static void each_bad_handle_gets_its_own_error(void **state)
{
	(void)state;
	struct handle slots[NSLOTS];
	struct handle_table t;
	struct probe ep, n;
	const struct handle *out = NULL;

	probe_init(&ep, KOBJ_ENDPOINT);
	probe_init(&n, KOBJ_NOTIFICATION);
	handle_table_init(&t, slots, NSLOTS);
	assert_int_equal(handle_install(&t, &ep.obj, IPC_RIGHT_SEND, 7), 0);
	assert_int_equal(handle_install(&t, &n.obj, IPC_RIGHTS_ALL, 0), 1);

	assert_int_equal(handle_lookup(&t, -1, KOBJ_ENDPOINT, 0, &out), -EBADHANDLE);
	assert_int_equal(handle_lookup(&t, NSLOTS, KOBJ_ENDPOINT, 0, &out), -EBADHANDLE);
	assert_int_equal(handle_lookup(&t, 1L << 40, KOBJ_ENDPOINT, 0, &out), -EBADHANDLE);
	assert_int_equal(handle_lookup(&t, 2, KOBJ_ENDPOINT, 0, &out), -ECLOSED);
	assert_int_equal(handle_lookup(&t, 1, KOBJ_ENDPOINT, 0, &out), -EWRONGTYPE);
	assert_int_equal(handle_lookup(&t, 0, KOBJ_ENDPOINT, IPC_RIGHT_RECV, &out), -ENORIGHT);
	assert_int_equal(
	    handle_lookup(&t, 0, KOBJ_ENDPOINT, IPC_RIGHT_SEND | IPC_RIGHT_GRANT, &out), -ENORIGHT);
	assert_null(out);
	assert_int_equal(handle_lookup(&t, 0, KOBJ_ENDPOINT, IPC_RIGHT_SEND, &out), 0);
	assert_ptr_equal(out->obj, &ep.obj);
	assert_int_equal(out->badge, 7);
	assert_int_equal(handle_lookup(&t, 1, KOBJ_NONE, 0, &out), 0);

	/* Closing: same order of checks; a closed slot stays closed. */
	assert_int_equal(handle_close(&t, -5), -EBADHANDLE);
	assert_int_equal(handle_close(&t, 3), -ECLOSED);
	assert_int_equal(handle_close(&t, 0), 0);
	assert_int_equal(handle_close(&t, 0), -ECLOSED);
	assert_int_equal(handle_lookup(&t, 0, KOBJ_ENDPOINT, 0, &out), -ECLOSED);
	handle_table_close_all(&t);
}

static void the_last_handle_destroys_the_object(void **state)
{
	(void)state;
	struct handle s1[NSLOTS], s2[NSLOTS];
	struct handle_table a, b;
	struct probe p;

	probe_init(&p, KOBJ_ENDPOINT);
	handle_table_init(&a, s1, NSLOTS);
	handle_table_init(&b, s2, NSLOTS);
	assert_int_equal(handle_install(&a, &p.obj, IPC_RIGHTS_ALL, 0), 0);
	kobject_put(&p.obj); /* the creator's reference: the handle keeps it alive */
	assert_int_equal(p.destroyed, 0);
	assert_int_equal(handle_copy(&a, 0, IPC_RIGHTS_ALL, &b), 0);
	assert_int_equal(handle_close(&a, 0), 0);
	assert_int_equal(p.destroyed, 0);
	assert_int_equal(handle_close(&b, 0), 0);
	assert_int_equal(p.destroyed, 1);
}

static void copies_and_mints_only_drop_rights(void **state)
{
	(void)state;
	struct handle s1[NSLOTS], s2[NSLOTS];
	struct handle_table a, b;
	struct probe p;
	const struct handle *out;

	probe_init(&p, KOBJ_ENDPOINT);
	handle_table_init(&a, s1, NSLOTS);
	handle_table_init(&b, s2, NSLOTS);
	assert_int_equal(handle_install(&a, &p.obj, IPC_RIGHT_SEND | IPC_RIGHT_GRANT, 0), 0);

	/* Asking for every right (and bits that are no right) gives what the source has. */
	assert_int_equal(handle_copy(&a, 0, ~0u, &b), 0);
	assert_int_equal(handle_lookup(&b, 0, KOBJ_ENDPOINT, 0, &out), 0);
	assert_int_equal(out->rights, IPC_RIGHT_SEND | IPC_RIGHT_GRANT);
	assert_int_equal(handle_lookup(&b, 0, KOBJ_ENDPOINT, IPC_RIGHT_RECV, &out), -ENORIGHT);

	/* Reduced copies stay reduced, and a copy of a copy cannot regain anything. */
	assert_int_equal(handle_copy(&b, 0, IPC_RIGHT_SEND, &b), 1);
	assert_int_equal(handle_copy(&b, 1, IPC_RIGHTS_ALL, &a), 1);
	assert_int_equal(handle_lookup(&a, 1, KOBJ_ENDPOINT, IPC_RIGHT_GRANT, &out), -ENORIGHT);
	assert_int_equal(handle_mint(&a, 1, IPC_RIGHTS_ALL, 0), 2);
	assert_int_equal(a.slots[2].rights, IPC_RIGHT_SEND);

	/* The table told the object each handle's rights as they came and went. */
	assert_int_equal(p.opened[IPC_RIGHT_SEND | IPC_RIGHT_GRANT], 2);
	assert_int_equal(p.opened[IPC_RIGHT_SEND], 3);
	handle_table_close_all(&a);
	handle_table_close_all(&b);
	assert_int_equal(p.closed[IPC_RIGHT_SEND | IPC_RIGHT_GRANT], 2);
	assert_int_equal(p.closed[IPC_RIGHT_SEND], 3);
	assert_int_equal(p.obj.refs, 1);
}

static void a_badge_is_set_once(void **state)
{
	(void)state;
	struct handle slots[NSLOTS];
	struct handle_table t;
	struct probe p;

	probe_init(&p, KOBJ_ENDPOINT);
	handle_table_init(&t, slots, NSLOTS);
	assert_int_equal(handle_install(&t, &p.obj, IPC_RIGHTS_ALL, 0), 0);
	assert_int_equal(handle_mint(&t, 0, IPC_RIGHT_SEND, 0x42), 1);
	assert_int_equal(t.slots[1].badge, 0x42);
	assert_int_equal(t.slots[1].rights, IPC_RIGHT_SEND);
	/* A badged handle keeps its badge: re-badging is refused, a plain copy is not. */
	assert_int_equal(handle_mint(&t, 1, IPC_RIGHT_SEND, 0x43), -EPERM);
	assert_int_equal(handle_mint(&t, 1, IPC_RIGHT_SEND, 0x42), 2);
	assert_int_equal(handle_mint(&t, 1, IPC_RIGHTS_ALL, 0), 3);
	assert_int_equal(t.slots[3].badge, 0x42);
	assert_int_equal(t.slots[3].rights, IPC_RIGHT_SEND);
	assert_int_equal(handle_close(&t, 3), 0);
	assert_int_equal(handle_copy(&t, 1, IPC_RIGHTS_ALL, &t), 3);
	assert_int_equal(t.slots[3].badge, 0x42);
	/* Bad handles fail the same way as in lookups. */
	assert_int_equal(handle_mint(&t, NSLOTS, IPC_RIGHT_SEND, 1), -EBADHANDLE);
	assert_int_equal(handle_mint(&t, 0, IPC_RIGHT_SEND, 1), -ENOSPC);
	assert_int_equal(handle_close(&t, 3), 0);
	assert_int_equal(handle_copy(&t, 3, IPC_RIGHT_SEND, &t), -ECLOSED);
	handle_table_close_all(&t);
	assert_int_equal(p.obj.refs, 1);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(kobject_type_name(KOBJ_ENDPOINT), "endpoint");
	assert_string_equal(kobject_type_name(KOBJ_DEVPAGE), "device page");
	assert_string_equal(kobject_type_name(999), "?");
	assert_string_equal(errno_name(-EBADHANDLE), "EBADHANDLE");
	assert_string_equal(errno_name(-ECLOSED), "ECLOSED");
	assert_string_equal(errno_name(-EWRONGTYPE), "EWRONGTYPE");
	assert_string_equal(errno_name(-ENORIGHT), "ENORIGHT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(install_fills_the_lowest_free_slot_then_refuses),
	    cmocka_unit_test(each_bad_handle_gets_its_own_error),
	    cmocka_unit_test(the_last_handle_destroys_the_object),
	    cmocka_unit_test(copies_and_mints_only_drop_rights),
	    cmocka_unit_test(a_badge_is_set_once),
	    cmocka_unit_test(type_names),
	};
	return cmocka_run_group_tests_name("handle", tests, NULL, NULL);
}
