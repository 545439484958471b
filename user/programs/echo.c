// SPDX-License-Identifier: MIT
/*
 * Reads lines from the console and prints each back as "echo: <line>" until
 * "quit". Started by `init console echo` it is a client of the user-mode UART
 * server; a read that fails (the server killed while it waited) is reported
 * and retried, which a restarted server then serves.
 */
#include <user.h>

int main(int argc, char **argv)
{
	char line[128];
	size_t len = 0;
	int failures = 0;

	(void)argc, (void)argv;
	printf("echo: type lines, 'quit' ends (console %s)\n",
	       user_console >= 0 ? "uart_server" : "kernel");
	for (;;) {
		char buf[64];
		long n = console_read(buf, sizeof(buf));

		if (n < 0) {
			printf("echo: read failed: %s, retrying\n", err_name(n));
			if (++failures > 10)
				return 1;
			continue;
		}
		for (long i = 0; i < n; i++) {
			char c = buf[i];

			if (c != '\r' && c != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = c;
				continue;
			}
			if (!len)
				continue;
			line[len] = '\0';
			len = 0;
			if (strcmp(line, "quit") == 0) {
				printf("echo: bye\n");
				return 0;
			}
			printf("echo: %s\n", line);
		}
	}
}
