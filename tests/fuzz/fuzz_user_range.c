// SPDX-License-Identifier: MIT
/* libFuzzer target: user_range_ok against 128-bit arithmetic, on (addr, len) pairs. */
#include <stdlib.h>
#include <string.h>

#include <bora/uaccess.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v[2] = {0, 0};

	memcpy(v, data, size < sizeof(v) ? size : sizeof(v));
	unsigned __int128 end = (unsigned __int128)v[0] + v[1];
	bool want = v[1] == 0 || (v[0] >= USER_VA_START && end <= USER_VA_END);

	if (user_range_ok(v[0], v[1]) != want)
		abort();
	return 0;
}
