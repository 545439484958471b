# Hart discovery (lib/fdt_cpus.c) over dtc-built blobs; shares fdt.mk's blob rules.
DTC_FLAGS_cpus-mixed := -Wno-unit_address_vs_reg

UNIT_TESTS += fdt_cpus
UNIT_SRCS_fdt_cpus := tests/unit/test_fdt_cpus.c lib/fdt.c lib/fdt_query.c lib/fdt_cpus.c
UNIT_CFLAGS_fdt_cpus := $(UNIT_CFLAGS_fdt_reader)
$(UNIT_OUT)/fdt_cpus: $(FDT_TEST_DTBS)
