# SPDX-License-Identifier: MIT
"""An interactive QEMU console for the shell tests: type, wait for output, read what came back.

No pexpect: QEMU runs with stdin/stdout pipes, stdout non-blocking, and every wait polls it
until a regular expression matches, QEMU exits or a generous hang guard runs out (a hang
guard, not a timed assertion: a slow machine only waits longer).

Input is typed one byte at a time and each printable byte waits for its echo before the next
goes out. The consoles differ in how much input they buffer: the 16550 has a 16-byte FIFO,
the SiFive UART 8 bytes, and spike's HTIF console (through OpenSBI) holds one character and
overwrites it with the next, so typing ahead loses input there.
"""

import os
import re
import signal
import subprocess
import time

from conftest import qemu_command

PROMPT = "bora> "
HANG_GUARD = 120  # seconds before a wait gives up and shows the transcript


class ConsoleError(AssertionError):
    pass


def lines(text):
    """Console text with plain LF line ends (the SBI console on spike sends CR CR LF)."""
    return re.sub(r"\r+\n", "\n", text)


class QemuConsole:
    def __init__(self, out_dir, extra=()):
        self.cmd = qemu_command(out_dir, extra=extra)
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.raw = ""  # everything QEMU printed, CR LF kept
        self.pos = 0   # how far expect() has consumed self.raw

    # ---- output ----------------------------------------------------------------------------

    def _poll(self):
        data = self.proc.stdout.read()
        if data:
            self.raw += data.decode(errors="replace")
            return True
        return False

    def transcript(self):
        return lines(self.raw)

    def expect(self, pattern, guard=HANG_GUARD):
        """Wait for `pattern` after the consumed part; return the text up to the match's end."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + guard
        while True:
            m = regex.search(self.raw, self.pos)
            if m:
                text = self.raw[self.pos:m.end()]
                self.pos = m.end()
                return text
            if not self._poll():
                if self.proc.poll() is not None:
                    self._poll()
                    m = regex.search(self.raw, self.pos)
                    if m:
                        continue
                    raise ConsoleError("QEMU exited (%d) before %r appeared:\n%s"
                                       % (self.proc.returncode, pattern, self.transcript()))
                if time.monotonic() > deadline:
                    raise ConsoleError("no %r within %d s:\n%s"
                                       % (pattern, guard, self.transcript()))
                time.sleep(0.01)

    def wait_prompt(self):
        return self.expect("^" + re.escape(PROMPT))

    # ---- input -----------------------------------------------------------------------------

    def send(self, data):
        self.proc.stdin.write(data.encode() if isinstance(data, str) else data)
        self.proc.stdin.flush()

    def type(self, text):
        """Type printable text, each character after the echo of the previous one."""
        for ch in text:
            assert " " <= ch <= "~", "type() is for printable text; use send() for keys"
            self.send(ch)
            self.expect(re.escape(ch))

    def command(self, line):
        """Type `line`, press Enter, return the output up to (not including) the next prompt."""
        self.type(line)
        self.send("\r")
        self.expect(r"\r*\n")
        text = self.wait_prompt()
        return lines(text[:-len(PROMPT)])

    # ---- end ---------------------------------------------------------------------------------

    def wait_exit(self, guard=HANG_GUARD):
        deadline = time.monotonic() + guard
        while self.proc.poll() is None:
            self._poll()
            if time.monotonic() > deadline:
                raise ConsoleError("QEMU still running after %d s:\n%s"
                                   % (guard, self.transcript()))
            time.sleep(0.02)
        self._poll()
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stdin.close()
