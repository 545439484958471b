// SPDX-License-Identifier: MIT
/*
 * PLIC register logic (drivers/irq/plic.c) over a fake register file that
 * behaves as the PLIC specification 1.0.0 describes: claim returns the
 * highest-priority pending source enabled for the context whose priority
 * exceeds the threshold (ties to the lowest id), clears its pending bit, and
 * the source stays in service until its id is written back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <bora/errno.h>
#include <bora/plic.h>

#define CONTEXTS 4
#define SOURCES  1024

static struct {
	uint32_t priority[SOURCES];
	uint32_t pending[SOURCES / 32];
	uint32_t enable[CONTEXTS][SOURCES / 32];
	uint32_t threshold[CONTEXTS];
	bool in_service[SOURCES];
	unsigned writes;
	unsigned bad_accesses; /* offsets no register lives at */
} fake;

static void raise_source(unsigned irq)
{
	if (!fake.in_service[irq])
		fake.pending[irq / 32] |= 1u << (irq % 32);
}

static uint32_t fake_claim(unsigned ctx)
{
	unsigned best = 0;

	for (unsigned irq = 1; irq < SOURCES; irq++) {
		bool pend = (fake.pending[irq / 32] >> (irq % 32)) & 1;
		bool en = (fake.enable[ctx][irq / 32] >> (irq % 32)) & 1;

		if (pend && en && fake.priority[irq] > fake.threshold[ctx] &&
		    (best == 0 || fake.priority[irq] > fake.priority[best]))
			best = irq;
	}
	if (best) {
		fake.pending[best / 32] &= ~(1u << (best % 32));
		fake.in_service[best] = true;
	}
	return best;
}

uint32_t plic_read32(const struct plic *p, uint32_t off)
{
	(void)p;
	if (off < PLIC_PENDING_BASE)
		return fake.priority[off / 4];
	if (off < PLIC_PENDING_BASE + SOURCES / 8)
		return fake.pending[(off - PLIC_PENDING_BASE) / 4];
	if (off >= PLIC_ENABLE_BASE && off < PLIC_ENABLE_BASE + CONTEXTS * PLIC_ENABLE_STRIDE)
		return fake.enable[(off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE]
		                  [(off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4];
	if (off >= PLIC_CONTEXT_BASE && off < PLIC_CONTEXT_BASE + CONTEXTS * PLIC_CONTEXT_STRIDE) {
		unsigned ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;

		switch ((off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE) {
		case 0:
			return fake.threshold[ctx];
		case PLIC_CLAIM_OFFSET:
			return fake_claim(ctx);
		}
	}
	fake.bad_accesses++;
	return 0;
}

void plic_write32(const struct plic *p, uint32_t off, uint32_t v)
{
	(void)p;
	fake.writes++;
	if (off < PLIC_PENDING_BASE) {
		fake.priority[off / 4] = v;
		return;
	}
	if (off >= PLIC_ENABLE_BASE && off < PLIC_ENABLE_BASE + CONTEXTS * PLIC_ENABLE_STRIDE) {
		fake.enable[(off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE]
		           [(off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4] = v;
		return;
	}
	if (off >= PLIC_CONTEXT_BASE && off < PLIC_CONTEXT_BASE + CONTEXTS * PLIC_CONTEXT_STRIDE) {
		unsigned ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;

		switch ((off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE) {
		case 0:
			fake.threshold[ctx] = v;
			return;
		case PLIC_CLAIM_OFFSET:
			if (v < SOURCES)
				fake.in_service[v] = false;
			return;
		}
	}
	fake.bad_accesses++;
}

static int reset(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static void offsets_follow_the_memory_map(void **state)
{
	(void)state;
	assert_int_equal(plic_priority_offset(5), 0x14);
	assert_int_equal(plic_enable_offset(1, 10), 0x2080);
	assert_int_equal(plic_enable_offset(2, 33), 0x2104);
	assert_int_equal(plic_enable_offset(0, 1023), 0x207c);
	assert_int_equal(plic_threshold_offset(2), 0x202000);
	assert_int_equal(plic_claim_offset(2), 0x202004);
	assert_int_equal(plic_claim_offset(15871), 0x3fff004);
}

static void init_masks_only_its_context(void **state)
{
	struct plic p = {.ndev = 96, .context = 2};

	(void)state;
	memset(fake.enable, 0xff, sizeof(fake.enable));
	for (unsigned i = 0; i < SOURCES; i++)
		fake.priority[i] = 7;
	fake.threshold[2] = 5;
	assert_int_equal(plic_hw_init(&p), 0);
	for (unsigned w = 0; w < 3; w++) {
		assert_int_equal(fake.enable[2][w], 0);
		assert_int_equal(fake.enable[1][w], 0xffffffffu);
		assert_int_equal(fake.enable[3][w], 0xffffffffu);
	}
	assert_int_equal(fake.enable[2][3] & 1, 0); /* source 96 is the first of word 3 */
	for (unsigned i = 1; i <= 96; i++)
		assert_int_equal(fake.priority[i], 0);
	assert_int_equal(fake.priority[97], 7); /* beyond ndev: untouched */
	assert_int_equal(fake.threshold[2], 0);
	assert_int_equal(fake.bad_accesses, 0);
}

static void init_refuses_bad_geometry(void **state)
{
	struct plic bad[] = {
	    {.ndev = 0, .context = 1},
	    {.ndev = 1024, .context = 1},
	    {.ndev = 10, .context = PLIC_MAX_CONTEXTS},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(plic_hw_init(&bad[i]), -EINVAL);
	assert_int_equal(fake.writes, 0);
}

static void enable_and_disable_touch_one_bit(void **state)
{
	struct plic p = {.ndev = 96, .context = 1};

	(void)state;
	fake.enable[1][1] = 0x5;
	plic_enable(&p, 33 + 4);
	assert_int_equal(fake.enable[1][1], 0x5 | (1u << 5));
	assert_true(plic_is_enabled(&p, 37));
	assert_false(plic_is_enabled(&p, 38));
	plic_disable(&p, 32);
	assert_int_equal(fake.enable[1][1], 0x4 | (1u << 5));
	plic_enable(&p, 10);
	assert_int_equal(fake.enable[1][0], 1u << 10);
	assert_int_equal(fake.enable[0][0], 0);
	assert_int_equal(fake.enable[2][0], 0);
	assert_int_equal(fake.bad_accesses, 0);
}

static void claim_takes_highest_priority_above_threshold(void **state)
{
	struct plic p = {.ndev = 96, .context = 1};

	(void)state;
	assert_int_equal(plic_hw_init(&p), 0);
	plic_set_priority(&p, 10, 1);
	plic_set_priority(&p, 40, 3);
	plic_set_priority(&p, 41, 3);
	plic_set_priority(&p, 50, 2);
	plic_enable(&p, 10);
	plic_enable(&p, 40);
	plic_enable(&p, 41);
	plic_enable(&p, 50);
	raise_source(10);
	raise_source(41);
	raise_source(40);
	raise_source(50);
	raise_source(60); /* pending but not enabled */
	assert_true(plic_is_pending(&p, 60));

	plic_set_threshold(&p, 1); /* source 10 (priority 1) is masked */
	assert_int_equal(plic_claim(&p), 40);
	assert_int_equal(plic_claim(&p), 41);
	assert_int_equal(plic_claim(&p), 50);
	assert_int_equal(plic_claim(&p), 0);
	plic_set_threshold(&p, 0);
	assert_int_equal(plic_claim(&p), 10);
	assert_int_equal(plic_claim(&p), 0);

	/* In service until completed: raising again does nothing until then. */
	raise_source(40);
	assert_int_equal(plic_claim(&p), 0);
	plic_complete(&p, 40);
	assert_false(fake.in_service[40]);
	raise_source(40);
	assert_int_equal(plic_claim(&p), 40);
	plic_complete(&p, 40);
	assert_int_equal(fake.bad_accesses, 0);
}

static void other_contexts_see_their_own_enables(void **state)
{
	struct plic mine = {.ndev = 96, .context = 1}, other = {.ndev = 96, .context = 2};

	(void)state;
	plic_set_priority(&mine, 7, 1);
	plic_enable(&other, 7);
	raise_source(7);
	assert_int_equal(plic_claim(&mine), 0);
	assert_int_equal(plic_claim(&other), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(offsets_follow_the_memory_map, reset),
	    cmocka_unit_test_setup(init_masks_only_its_context, reset),
	    cmocka_unit_test_setup(init_refuses_bad_geometry, reset),
	    cmocka_unit_test_setup(enable_and_disable_touch_one_bit, reset),
	    cmocka_unit_test_setup(claim_takes_highest_priority_above_threshold, reset),
	    cmocka_unit_test_setup(other_contexts_see_their_own_enables, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
