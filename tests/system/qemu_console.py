# SPDX-License-Identifier: MIT
"""An interactive QEMU console for the shell tests: type, wait for output, read what came back.

No pexpect: QEMU runs with stdin/stdout pipes, stdout non-blocking, and every wait polls it
until a regular expression matches, QEMU exits or a generous hang guard runs out (a hang
guard, not a timed assertion: a slow machine only waits longer).

Input is typed one byte at a time and each printable byte waits for its echo before the next
goes out. The consoles differ in how much input they buffer: the 16550 has a 16-byte FIFO,
the SiFive UART 8 bytes, and spike's HTIF console (through OpenSBI) holds one character and
overwrites it with the next, so typing ahead loses input there. Even one character at a time
a byte can be lost on spike (one arriving while the firmware is busy printing the previous
echo), so a line typed at a fresh prompt whose echo stalls is abandoned with Ctrl-C and typed
again (`ECHO_RETRY` seconds per echo, as often as the hang guard allows): a retry costs time on
a loaded machine, never the test.
"""

import os
import re
import signal
import subprocess
import time

from conftest import qemu_command

PROMPT = "bora> "
HANG_GUARD = 120  # seconds before a wait gives up and shows the transcript
ECHO_RETRY = 10   # seconds without an echo before a line typed at a fresh prompt is retyped
CTRL_C = "\x03"


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
        self.fresh_line = False  # at a prompt with nothing typed since

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
        text = self.expect("^" + re.escape(PROMPT))
        self.fresh_line = True
        return text

    # ---- input -----------------------------------------------------------------------------

    def send(self, data):
        self.fresh_line = False
        self.proc.stdin.write(data.encode() if isinstance(data, str) else data)
        self.proc.stdin.flush()

    def type(self, text):
        """Type printable text, each character after the echo of the previous one.

        At a fresh prompt a stalled echo means a lost byte: Ctrl-C drops the half-typed line,
        the shell prompts again, and the whole text is typed once more. Elsewhere (the line
        already holds edits) there is nothing safe to retype, so the wait is the hang guard.
        """
        assert all(" " <= ch <= "~" for ch in text), \
            "type() is for printable text; use send() for keys"
        if not self.fresh_line:
            for ch in text:
                self.send(ch)
                self.expect(re.escape(ch))
            return
        deadline = time.monotonic() + HANG_GUARD
        while True:
            try:
                for ch in text:
                    self.send(ch)
                    self.expect(re.escape(ch), guard=ECHO_RETRY)
                return
            except ConsoleError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise
            self._abandon_line(deadline)

    def _abandon_line(self, deadline):
        """Ctrl-C until the shell shows ^C and a new prompt (the Ctrl-C itself may be lost)."""
        while True:
            self.send(CTRL_C)
            try:
                self.expect(r"\^C\r*\n", guard=ECHO_RETRY)
                self.wait_prompt()
                return
            except ConsoleError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise

    def command(self, line):
        """Type `line`, press Enter, return the output up to (not including) the next prompt."""
        self.type(line)
        self.send("\r")
        resent = False
        try:
            self.expect(r"\r*\n", guard=ECHO_RETRY)
        except ConsoleError:
            if self.proc.poll() is not None:
                raise
            # Enter lost (or slow): press it again; a slow first one shows an extra prompt.
            self.send("\r")
            resent = True
            self.expect(r"\r*\n")
        text = self.wait_prompt()
        if resent:
            try:
                self.expect(r"^\r*\n?" + re.escape(PROMPT), guard=ECHO_RETRY)
            except ConsoleError:
                pass
            self.fresh_line = True
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
