/* SPDX-License-Identifier: MIT */
/* Loading the dtc-built test blobs (FDT_BLOB_DIR, or argv[1]) for the FDT unit tests. */
#ifndef TESTS_UNIT_FDT_BLOB_H
#define TESTS_UNIT_FDT_BLOB_H

#include <stdio.h>
#include <stdlib.h>

static const char *blob_dir = FDT_BLOB_DIR;

struct blob {
	uint8_t *data;
	size_t size;
};

static struct blob load(const char *name)
{
	char path[512];
	struct blob b = {0};
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", blob_dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	b.size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	b.data = malloc(b.size);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, b.size, f), b.size);
	fclose(f);
	return b;
}

#endif
