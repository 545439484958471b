# The scheduler's ready queue, once per kind; the bitmap kind also with more
# priorities than one bitmap word holds.
UNIT_TESTS += sched_queue_simple sched_queue_bitmap sched_queue_bitmap_256
UNIT_SRCS_sched_queue_simple := tests/unit/test_sched_queue.c kernel/sched_simple.c lib/errno.c
UNIT_CFLAGS_sched_queue_simple := -DCONFIG_SCHED_SIMPLE -DCONFIG_NUM_PRIORITIES=32
UNIT_SRCS_sched_queue_bitmap := tests/unit/test_sched_queue.c kernel/sched_bitmap.c lib/errno.c
UNIT_CFLAGS_sched_queue_bitmap := -DCONFIG_SCHED_BITMAP -DCONFIG_NUM_PRIORITIES=32
UNIT_SRCS_sched_queue_bitmap_256 := $(UNIT_SRCS_sched_queue_bitmap)
UNIT_CFLAGS_sched_queue_bitmap_256 := -DCONFIG_SCHED_BITMAP -DCONFIG_NUM_PRIORITIES=256
