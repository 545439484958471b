# FDT reader tests over blobs that dtc builds from tests/unit/fdt/*.dts. The
# blobs live in $(UNIT_OUT)/fdt/, so the test binary is called fdt_reader;
# `make unit-fdt` is an alias. The test reads the blobs from FDT_BLOB_DIR (or
# from the directory given as its first argument).
DTC ?= dtc
FDT_TEST_DTS := $(wildcard tests/unit/fdt/*.dts)
FDT_TEST_DTBS := $(patsubst tests/unit/fdt/%.dts,$(UNIT_OUT)/fdt/%.dtb,$(FDT_TEST_DTS)) \
	$(UNIT_OUT)/fdt/qemu-virt-v16.dtb
# cells.dts relies on the default cell counts on purpose.
DTC_FLAGS_cells := -Wno-avoid_default_addr_size

UNIT_TESTS += fdt_reader
UNIT_SRCS_fdt_reader := tests/unit/test_fdt.c lib/fdt.c lib/fdt_query.c mm/physmem.c lib/errno.c
UNIT_CFLAGS_fdt_reader := -DCONFIG_FDT_MAX_DEPTH=16 -DFDT_BLOB_DIR='"$(abspath $(UNIT_OUT)/fdt)"'

$(UNIT_OUT)/fdt_reader: $(FDT_TEST_DTBS)

$(UNIT_OUT)/fdt/%.dtb: tests/unit/fdt/%.dts
	@mkdir -p $(@D)
	$(call msg,DTC,$@)
	$(Q)$(DTC) $(DTC_FLAGS_$*) -I dts -O dtb -o $@ $<

# The same tree in the older version-16 layout (no size_dt_struct field).
$(UNIT_OUT)/fdt/qemu-virt-v16.dtb: tests/unit/fdt/qemu-virt.dts
	@mkdir -p $(@D)
	$(call msg,DTC,$@)
	$(Q)$(DTC) -V 16 -I dts -O dtb -o $@ $<

$(UNIT_OUT)/fdt/opensbi-virt.dtb: tests/unit/fdt/qemu-virt.dts

.PHONY: unit-fdt
unit-fdt: unit-fdt_reader

UNIT_TESTS += fdt_corrupt
UNIT_SRCS_fdt_corrupt := tests/unit/test_fdt_corrupt.c lib/fdt.c lib/fdt_query.c
UNIT_CFLAGS_fdt_corrupt := $(UNIT_CFLAGS_fdt_reader)
$(UNIT_OUT)/fdt_corrupt: $(FDT_TEST_DTBS)
