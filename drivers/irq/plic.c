// SPDX-License-Identifier: MIT
/*
 * PLIC register logic (RISC-V PLIC Specification 1.0.0). Enables and pending
 * bits are packed 32 sources to a word, source n at bit n % 32 of word n / 32;
 * a claim read returns the highest-priority pending enabled source above the
 * context's threshold and clears its pending bit; writing that id back to the
 * same register completes it (chapters 3-8).
 */
#include <bora/errno.h>
#include <bora/plic.h>

uint32_t plic_priority_offset(unsigned int irq)
{
	return PLIC_PRIORITY_BASE + 4u * irq;
}

uint32_t plic_enable_offset(unsigned int context, unsigned int irq)
{
	return PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * context + 4u * (irq / 32u);
}

uint32_t plic_threshold_offset(unsigned int context)
{
	return PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * context;
}

uint32_t plic_claim_offset(unsigned int context)
{
	return plic_threshold_offset(context) + PLIC_CLAIM_OFFSET;
}

int plic_hw_init(const struct plic *p)
{
	if (p->ndev == 0 || p->ndev >= PLIC_MAX_SOURCES || p->context >= PLIC_MAX_CONTEXTS)
		return -EINVAL;
	for (unsigned int w = 0; w <= p->ndev / 32u; w++)
		plic_write32(p, plic_enable_offset(p->context, 32u * w), 0);
	for (unsigned int irq = 1; irq <= p->ndev; irq++)
		plic_write32(p, plic_priority_offset(irq), 0);
	plic_write32(p, plic_threshold_offset(p->context), 0);
	return 0;
}

void plic_set_priority(const struct plic *p, unsigned int irq, uint32_t prio)
{
	plic_write32(p, plic_priority_offset(irq), prio);
}

void plic_set_threshold(const struct plic *p, uint32_t threshold)
{
	plic_write32(p, plic_threshold_offset(p->context), threshold);
}

void plic_enable(const struct plic *p, unsigned int irq)
{
	uint32_t off = plic_enable_offset(p->context, irq);

	plic_write32(p, off, plic_read32(p, off) | (1u << (irq % 32u)));
}

void plic_disable(const struct plic *p, unsigned int irq)
{
	uint32_t off = plic_enable_offset(p->context, irq);

	plic_write32(p, off, plic_read32(p, off) & ~(1u << (irq % 32u)));
}

bool plic_is_enabled(const struct plic *p, unsigned int irq)
{
	return (plic_read32(p, plic_enable_offset(p->context, irq)) >> (irq % 32u)) & 1u;
}

bool plic_is_pending(const struct plic *p, unsigned int irq)
{
	return (plic_read32(p, PLIC_PENDING_BASE + 4u * (irq / 32u)) >> (irq % 32u)) & 1u;
}

uint32_t plic_claim(const struct plic *p)
{
	return plic_read32(p, plic_claim_offset(p->context));
}

void plic_complete(const struct plic *p, uint32_t irq)
{
	plic_write32(p, plic_claim_offset(p->context), irq);
}
