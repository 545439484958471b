/* SPDX-License-Identifier: MIT */
/*
 * RISC-V Platform-Level Interrupt Controller register logic
 * (drivers/irq/plic.c), RISC-V PLIC Specification 1.0.0, chapter 3 "Memory
 * Map": per-source priority words at 0x0, pending bits at 0x1000, per-context
 * enable bits at 0x2000 + 0x80 * context, per-context threshold at
 * 0x20_0000 + 0x1000 * context with claim/complete 4 bytes above it.
 *
 * Registers are reached through plic_read32/plic_write32: MMIO in the kernel,
 * functions the test supplies in host builds (a fake register file).
 */
#ifndef BORA_PLIC_H
#define BORA_PLIC_H

#include <bora/types.h>

#define PLIC_PRIORITY_BASE  0x0u
#define PLIC_PENDING_BASE   0x1000u
#define PLIC_ENABLE_BASE    0x2000u
#define PLIC_ENABLE_STRIDE  0x80u
#define PLIC_CONTEXT_BASE   0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_CLAIM_OFFSET   4u
#define PLIC_MAX_SOURCES    1024u /* source 0 is reserved: "no interrupt" */
#define PLIC_MAX_CONTEXTS   15872u
#define PLIC_MMIO_SIZE      0x4000000u

struct plic {
	uintptr_t base;       /* virtual address of the register block */
	unsigned int ndev;    /* sources 1..ndev exist */
	unsigned int context; /* this hart's S-mode context */
};

#ifdef BORA_HOST
uint32_t plic_read32(const struct plic *p, uint32_t offset);
void plic_write32(const struct plic *p, uint32_t offset, uint32_t value);
#else
static inline uint32_t plic_read32(const struct plic *p, uint32_t offset)
{
	return *(volatile uint32_t *)(p->base + offset);
}
static inline void plic_write32(const struct plic *p, uint32_t offset, uint32_t value)
{
	*(volatile uint32_t *)(p->base + offset) = value;
}
#endif

/* Byte offsets of a source's or a context's registers. */
uint32_t plic_priority_offset(unsigned int irq);
uint32_t plic_enable_offset(unsigned int context, unsigned int irq);
uint32_t plic_threshold_offset(unsigned int context);
uint32_t plic_claim_offset(unsigned int context);

/*
 * Quiesce for this context: every source masked in it and at priority 0
 * (priority 0 never interrupts, spec chapter 4), threshold 0. -EINVAL when
 * ndev or the context is out of range (nothing is written then).
 */
int plic_hw_init(const struct plic *p);
void plic_set_priority(const struct plic *p, unsigned int irq, uint32_t prio);
void plic_set_threshold(const struct plic *p, uint32_t threshold);
void plic_enable(const struct plic *p, unsigned int irq);
void plic_disable(const struct plic *p, unsigned int irq);
bool plic_is_enabled(const struct plic *p, unsigned int irq);
bool plic_is_pending(const struct plic *p, unsigned int irq);
/* The highest-priority pending source for this context (now in service), 0 if none. */
uint32_t plic_claim(const struct plic *p);
void plic_complete(const struct plic *p, uint32_t irq);

/*
 * Kernel only (drivers/irq/plic_probe.c): the PLIC's physical base, source
 * count and this hart's S-mode context from the device tree ("devicetree"),
 * else the board's Kconfig values with a warning ("Kconfig"); NULL when the
 * board has none.
 */
const char *plic_probe(uint64_t *base, unsigned int *ndev, unsigned int *context);

#endif
