// SPDX-License-Identifier: MIT
/* The shell's thread commands: ps and sleep. */
#include <bora/errno.h>
#include <bora/printk.h>
#include <bora/shell.h>
#include <bora/smp.h>
#include <bora/string.h>
#include <bora/thread.h>
#include <bora/timer.h>
#include <bora/wait.h>

#define SLEEP_MAX_MS (24ULL * 3600 * 1000)

/*
 * One line per thread under the design brief's header. PRI is the effective
 * priority (raised by priority inheritance, base in parentheses at the end);
 * HART is the firmware's hart id, as the boot log's "smp: hart N online"
 * names it (the hart the thread runs or is queued on, else the one it last
 * ran on); RUNTIME is in milliseconds; STACK USED is the high-water mark.
 */
static int cmd_ps(int argc, char *argv[])
{
	struct thread_info ti;
	size_t cursor = 0;
	uint64_t hz = timer_freq();

	(void)argc;
	(void)argv;
	printk("  ID NAME             PRI STATE     HART   RUNTIME  SWITCHES  STACK USED/SIZE\n");
	while (thread_info_next(&cursor, &ti)) {
		char extra[40] = "";
		bool waits = ti.state == THREAD_BLOCKED || ti.state == THREAD_SLEEPING;

		if (waits && ti.wait_what)
			ksnprintf(extra, sizeof(extra), "  on %s", ti.wait_what);
		if (ti.prio != ti.base_prio)
			ksnprintf(extra + strnlen(extra, sizeof(extra)),
			          sizeof(extra) - strnlen(extra, sizeof(extra)), "  (base %u)",
			          ti.base_prio);
		printk("%4zu %-16s %3u %-9s %4u %9llu %9llu  %zu/%zu%s\n", ti.id, ti.name, ti.prio,
		       thread_state_name(ti.state), (unsigned int)smp_hartid(ti.hart),
		       (unsigned long long)(ti.runtime_ticks * 1000 / hz),
		       (unsigned long long)ti.switches, ti.stack_used, ti.stack_size, extra);
	}
	return 0;
}

static int cmd_sleep(int argc, char *argv[])
{
	uint64_t ms;
	int err = shell_parse_u64(argv[1], &ms);

	(void)argc;
	if (err) {
		printk("sleep: '%s': %s\n", argv[1], shell_parse_error(err));
		return err;
	}
	if (ms > SLEEP_MAX_MS) {
		printk("sleep: at most %llu ms\n", (unsigned long long)SLEEP_MAX_MS);
		return -ERANGE;
	}
	err = thread_sleep(TIMEOUT_MS(ms));
	if (err)
		printk("sleep: %s\n", errno_name(err));
	return err;
}

SHELL_CMD(ps, "", "threads: priority, state, runtime (ms), switches, stack", 0, 0, cmd_ps);
SHELL_CMD(sleep, "<ms>", "sleep the shell thread for ms milliseconds", 1, 1, cmd_sleep);
