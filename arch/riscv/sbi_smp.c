// SPDX-License-Identifier: MIT
/* SBI calls for SMP: HSM hart control, IPIs and remote fences (SBI spec v2.0, chapters 7-9). */
#include <asm/sbi.h>

/* HSM function IDs, chapter 9. */
#define HSM_HART_START      0
#define HSM_HART_STOP       1
#define HSM_HART_GET_STATUS 2
/* IPI function ID, chapter 7. */
#define IPI_SEND_IPI 0
/* RFENCE function IDs, chapter 8. */
#define RFENCE_SFENCE_VMA      1
#define RFENCE_SFENCE_VMA_ASID 2

struct sbiret sbi_call5(long ext, long fid, long arg0, long arg1, long arg2, long arg3, long arg4)
{
	register long a0 __asm__("a0") = arg0;
	register long a1 __asm__("a1") = arg1;
	register long a2 __asm__("a2") = arg2;
	register long a3 __asm__("a3") = arg3;
	register long a4 __asm__("a4") = arg4;
	register long a6 __asm__("a6") = fid;
	register long a7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
	                 : "+r"(a0), "+r"(a1)
	                 : "r"(a2), "r"(a3), "r"(a4), "r"(a6), "r"(a7)
	                 : "memory");
	return (struct sbiret){.error = a0, .value = a1};
}

const char *sbi_error_name(long err)
{
	static const char *const names[] = {
	    "SBI_SUCCESS",
	    "SBI_ERR_FAILED",
	    "SBI_ERR_NOT_SUPPORTED",
	    "SBI_ERR_INVALID_PARAM",
	    "SBI_ERR_DENIED",
	    "SBI_ERR_INVALID_ADDRESS",
	    "SBI_ERR_ALREADY_AVAILABLE",
	    "SBI_ERR_ALREADY_STARTED",
	    "SBI_ERR_ALREADY_STOPPED",
	};

	if (err > 0 || -err >= (long)(sizeof(names) / sizeof(names[0])))
		return "SBI_ERR_?";
	return names[-err];
}

long sbi_hart_start(unsigned long hartid, uintptr_t start_pa, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, HSM_HART_START, (long)hartid, (long)start_pa, (long)opaque)
	    .error;
}

void sbi_hart_stop(void)
{
	sbi_call(SBI_EXT_HSM, HSM_HART_STOP, 0, 0, 0);
	/* Only returns on failure; park here then. */
	for (;;)
		__asm__ volatile("wfi");
}

long sbi_hart_status(unsigned long hartid)
{
	struct sbiret r = sbi_call(SBI_EXT_HSM, HSM_HART_GET_STATUS, (long)hartid, 0, 0);

	return r.error ? r.error : r.value;
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	return sbi_call(SBI_EXT_IPI, IPI_SEND_IPI, (long)hart_mask, (long)hart_mask_base, 0).error;
}

long sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base, uintptr_t start,
                           size_t size)
{
	return sbi_call5(SBI_EXT_RFENCE, RFENCE_SFENCE_VMA, (long)hart_mask, (long)hart_mask_base,
	                 (long)start, (long)size, 0)
	    .error;
}

long sbi_remote_sfence_vma_asid(unsigned long hart_mask, unsigned long hart_mask_base,
                                uintptr_t start, size_t size, unsigned long asid)
{
	return sbi_call5(SBI_EXT_RFENCE, RFENCE_SFENCE_VMA_ASID, (long)hart_mask,
	                 (long)hart_mask_base, (long)start, (long)size, (long)asid)
	    .error;
}
