# Benchmarks (issue 6). Not part of `make check`; tests/system/test_bench.py checks the
# harness itself on tiny inputs.
#
#   make bench              host allocator benchmark + in-kernel figures, table on stdout,
#                           $(O)/build/bench/results.json and *.png
#   make bench-host         the host allocator benchmark only
#   make bench-kernel       boot cost, page-table pages, footprint and the ktest bench
#                           suite for every defconfig ($(O)/build/bench/kernel.json)
#   make bench-build        just the host benchmark binaries
#   BENCH_FLAGS=...         passed to tests/bench/run_bench.py (e.g. --quick, --reps 3)
#   BENCH_KERNEL_FLAGS=...  passed to scripts/boot_cost.py (e.g. --defconfigs a,b --no-ktest)
#
# The host benchmark is built from the same mm/ sources as the kernel, with -O2 and no
# sanitizers. Each baseline gets its own binary so none replaces malloc for another:
# bench_bora (Bora's byte allocators + glibc), bench_jemalloc, bench_mimalloc.

BENCH_OUT := $(O)/build/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -DBORA_HOST -Iinclude -Itests/bench
# Bind every symbol at load, so no lazy PLT resolution lands inside a counted call.
BENCH_LDFLAGS := -Wl,-z,now
BENCH_COMMON := tests/bench/main.c tests/bench/workloads.c tests/bench/measure.c \
	tests/bench/cgcount.c
BENCH_HEADERS := $(wildcard include/bora/*.h mm/*.h) tests/bench/bench.h

# Every byte allocator present in mm/ joins (slab sits on the page-unit buddy).
BENCH_ALLOCS := $(filter tlsf buddy bitmap_buddy slab,$(basename $(notdir $(wildcard mm/*.c))))
BENCH_MM_SRCS := $(sort $(foreach a,$(BENCH_ALLOCS),$(wildcard mm/$(a).c mm/$(a)_*.c)) \
	mm/kmalloc.c mm/kmalloc_grow.c mm/kmalloc_report.c mm/kmalloc_debug.c \
	$(if $(filter slab,$(BENCH_ALLOCS)),mm/buddy.c)) lib/errno.c
BENCH_HAVE := $(foreach a,$(BENCH_ALLOCS),-DBENCH_HAVE_$(shell echo $(a) | tr a-z A-Z))

BENCH_BINS := $(BENCH_OUT)/bench_bora $(BENCH_OUT)/bench_jemalloc $(BENCH_OUT)/bench_mimalloc

$(BENCH_OUT)/bench_bora: $(BENCH_COMMON) tests/bench/heap_bora.c tests/bench/heap_system.c \
		$(BENCH_MM_SRCS) $(BENCH_HEADERS) scripts/mk/bench.mk
	@mkdir -p $(@D)
	$(call msg,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -DBENCH_WITH_BORA -DBENCH_SYSTEM_GLIBC $(BENCH_HAVE) \
		$(BENCH_LDFLAGS) -o $@ $(filter %.c,$^) -lm

$(BENCH_OUT)/bench_jemalloc: $(BENCH_COMMON) tests/bench/heap_system.c $(BENCH_HEADERS) \
		scripts/mk/bench.mk
	@mkdir -p $(@D)
	$(call msg,HOSTCC,$@)
	$(Q)test -f /usr/include/jemalloc/jemalloc.h || { echo "bench: jemalloc headers missing:" \
		"install Debian's libjemalloc-dev (make install-deps)" >&2; exit 1; }
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -DBENCH_SYSTEM_JEMALLOC $(BENCH_LDFLAGS) -o $@ \
		$(filter %.c,$^) -ljemalloc -lm

$(BENCH_OUT)/bench_mimalloc: $(BENCH_COMMON) tests/bench/heap_system.c $(BENCH_HEADERS) \
		scripts/mk/bench.mk
	@mkdir -p $(@D)
	$(call msg,HOSTCC,$@)
	$(Q)test -f /usr/include/mimalloc.h || { echo "bench: mimalloc headers missing:" \
		"install Debian's libmimalloc-dev (make install-deps)" >&2; exit 1; }
	$(Q)$(HOSTCC) $(BENCH_CFLAGS) -DBENCH_SYSTEM_MIMALLOC $(BENCH_LDFLAGS) -o $@ \
		$(filter %.c,$^) -lmimalloc -lm

.PHONY: bench bench-build bench-host bench-kernel
bench-build: $(BENCH_BINS)

bench-host: $(BENCH_BINS)
	$(Q)$(PYTHON) tests/bench/run_bench.py --bin-dir $(BENCH_OUT) --out-dir $(BENCH_OUT) \
		$(BENCH_FLAGS)

bench-kernel:
	$(Q)$(PYTHON) scripts/boot_cost.py --out-dir $(BENCH_OUT) $(BENCH_KERNEL_FLAGS)

# The kernel part first (its QEMU runs would disturb the host timings if they overlapped);
# a defconfig that fails there is reported, the host part still runs, and make fails after.
bench: $(BENCH_BINS)
	$(Q)$(PYTHON) scripts/boot_cost.py --out-dir $(BENCH_OUT) $(BENCH_KERNEL_FLAGS); \
	status=$$?; \
	$(PYTHON) tests/bench/run_bench.py --bin-dir $(BENCH_OUT) --out-dir $(BENCH_OUT) \
		--kernel-json $(BENCH_OUT)/kernel.json $(BENCH_FLAGS) && exit $$status
