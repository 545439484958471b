// SPDX-License-Identifier: MIT
#include <bora/percpu.h>

struct percpu percpu_harts[PERCPU_MAX_HARTS];

void percpu_init_this_hart(unsigned int index, unsigned long hartid)
{
	struct percpu *p = &percpu_harts[index];

	p->self = p;
	p->hartid = hartid;
	p->index = index;
	__asm__ volatile("mv tp, %0" ::"r"(p) : "memory");
}
