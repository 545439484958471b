# Host unit tests: cmocka programs built with the host gcc under ASan+UBSan from the
# same mm/ and lib/ sources the kernel uses.
#
# Each tests/unit/<name>.mk fragment registers its tests:
#   UNIT_TESTS += foo
#   UNIT_SRCS_foo := tests/unit/test_foo.c mm/foo.c lib/errno.c
#   UNIT_CFLAGS_foo := -DSOMETHING          (optional)
# and a byte allocator joins the shared conformance suite with
#   BYTE_ALLOCS += tlsf
#   BYTE_ALLOC_SRCS_tlsf := mm/tlsf.c
# which builds conformance_tlsf from tests/unit/byte_conformance.c with
# -DCONFORMANCE_OPS=tlsf_byte_ops (and conformance_tlsf_debug, the same with
# -DCONFIG_ALLOC_DEBUG=1).
#
#   make unit            build and run every unit test
#   make unit-foo        build and run one (unit-build-foo: only build it)
#   make unit-list       print the test names

HOSTCC ?= gcc
UNIT_OUT := $(O)/build/unit
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -DBORA_HOST \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iinclude -Itests/unit
HOST_LDLIBS := -lcmocka

UNIT_TESTS :=
BYTE_ALLOCS :=
include $(sort $(wildcard tests/unit/*.mk))

# Each allocator's conformance suite twice: as the kernel builds it by default and
# with CONFIG_ALLOC_DEBUG (its debug-only checks), since both must conform.
UNIT_TESTS += $(addprefix conformance_,$(BYTE_ALLOCS)) \
	$(addsuffix _debug,$(addprefix conformance_,$(BYTE_ALLOCS)))
$(foreach a,$(BYTE_ALLOCS),\
  $(eval UNIT_SRCS_conformance_$(a) := tests/unit/byte_conformance.c lib/errno.c $(BYTE_ALLOC_SRCS_$(a)))\
  $(eval UNIT_CFLAGS_conformance_$(a) := -DCONFORMANCE_OPS=$(a)_byte_ops)\
  $(eval UNIT_SRCS_conformance_$(a)_debug := $(UNIT_SRCS_conformance_$(a)))\
  $(eval UNIT_CFLAGS_conformance_$(a)_debug := -DCONFORMANCE_OPS=$(a)_byte_ops -DCONFIG_ALLOC_DEBUG=1))

UNIT_HEADERS := $(wildcard include/bora/*.h mm/*.h tests/unit/*.h)

define unit_rule
$(UNIT_OUT)/$(1): $(UNIT_SRCS_$(1)) $(UNIT_HEADERS) scripts/unit.mk $(wildcard tests/unit/*.mk) \
		| unit-tools
	@mkdir -p $$(@D)
	$(call msg,HOSTCC,$$@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(UNIT_CFLAGS_$(1)) -o $$@ $(UNIT_SRCS_$(1)) $(HOST_LDLIBS)

.PHONY: unit-$(1) unit-build-$(1)
unit-$(1): $(UNIT_OUT)/$(1)
	$(UNIT_OUT)/$(1)
unit-build-$(1): $(UNIT_OUT)/$(1)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

.PHONY: unit unit-build unit-list unit-tools
unit-tools:
	$(Q)$(CHECK_TOOLS_SH) $(HOSTCC) h:cmocka.h

unit-build: $(addprefix $(UNIT_OUT)/,$(UNIT_TESTS))

unit: unit-build
	@fail=0; for t in $(UNIT_TESTS); do \
		$(UNIT_OUT)/$$t || { echo "unit: $$t FAILED"; fail=1; }; \
	done; exit $$fail

unit-list:
	@echo $(UNIT_TESTS)
