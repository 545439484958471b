// SPDX-License-Identifier: MIT
/*
 * Device-page handles from user mode (`run -h uart devpage_test`: handle 0 =
 * the UART's page, 1 = its interrupt): every bad handle, right and address
 * gets its own error, a good map reads the UART's registers, the mapping is
 * never executable and can be unmapped and made again. Prints
 * "devpage_test: N passed, M failed".
 */
#include <ipc.h>
#include <user.h>

#define VA      0x20000000UL
#define PG      4096UL
#define LSR     5
#define LSR_TEM 0x40 /* transmitter empty: QEMU's 16550 sends at once */

static int passed, failed;

static void check(const char *what, long got, long want)
{
	if (got == want) {
		passed++;
		return;
	}
	failed++;
	printf("devpage_test: FAIL %s: got %ld (%s), want %ld (%s)\n", what, got, err_name(got),
	       want, err_name(want));
}

int main(int argc, char **argv)
{
	long nomap;

	(void)argc, (void)argv;
	check("handle out of range", devpage_map(IPC_HANDLE_MAX + 1, (void *)VA), -EBADHANDLE);
	check("negative handle", devpage_map(-1, (void *)VA), -EBADHANDLE);
	check("empty slot", devpage_map(9, (void *)VA), -ECLOSED);
	check("interrupt, not a page", devpage_map(1, (void *)VA), -EWRONGTYPE);
	nomap = handle_mint(0, IPC_RIGHT_SEND, 0);
	check("mint without MAP", nomap >= 2 ? 0 : nomap, 0);
	check("page without MAP right", devpage_map(nomap, (void *)VA), -ENORIGHT);
	check("misaligned address", devpage_map(0, (void *)(VA + 8)), -EINVAL);
	check("kernel address", devpage_map(0, (void *)0xffffffc000000000UL), -EFAULT);
	check("NULL page", devpage_map(0, (void *)0), -EFAULT);
	check("map", devpage_map(0, (void *)VA), 0);
	check("LSR readable", *(volatile unsigned char *)(VA + LSR) & LSR_TEM, LSR_TEM);
	check("map twice", devpage_map(0, (void *)VA), -EEXIST);
	check("never executable", sys_mprotect((void *)VA, PG, PROT_READ | PROT_EXEC), -EPERM);
	check("unmap", sys_munmap((void *)VA, PG), 0);
	check("map again", devpage_map(0, (void *)VA), 0);
	check("interrupt without MAP right", irq_ack(handle_mint(1, IPC_RIGHT_SEND, 0)), -ENORIGHT);
	printf("devpage_test: %d passed, %d failed\n", passed, failed);
	/* Exits with the page mapped: the kernel must drop it without freeing it as a frame. */
	return failed ? 1 : 0;
}
