"""`make test`'s pytest step: the browser tests and the rest run side by side, as two pytest processes.

The browser tests (tests/e2e) spend most of their time waiting on Chromium and on their own dev server,
each with its own DynamoDB Local, so they share nothing with the rest (whose IAM audit sees only the
in-process Lambda entry points: a browser test's requests go through the dev server, never through
them). Run one after the other they took 361 s in CI on this 2-CPU machine; side by side the wall time
is about the longer group's (the figures are in the README, "Tests").

The rest streams its output as it runs; the browser group's output is printed whole when it ends,
so the two never interleave. Arguments go to both (``-x``, ``-k expr``). The exit status is non-zero
when either group fails; a group with no test selected (pytest's status 5) is not a failure unless
neither group selected any.

Usage: .venv/bin/python -m studytracker.testrun [pytest arguments]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from .localenv import ROOT

BROWSER = "tests/e2e"
NO_TESTS = 5  # pytest's exit status when nothing was selected


def outcome(statuses: list[int]) -> int:
    """One exit status for the groups' statuses."""
    if all(status == NO_TESTS for status in statuses):
        return NO_TESTS
    return max((status for status in statuses if status != NO_TESTS), default=0)


def main(argv: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest", *argv]
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", prefix="studytracker-e2e-") as browser_log:
        # The cache plugin writes .pytest_cache at the end of a run: one writer only.
        browser = subprocess.Popen(
            [*pytest, "-p", "no:cacheprovider", BROWSER], cwd=ROOT, stdout=browser_log, stderr=subprocess.STDOUT
        )
        print(f"[testrun] browser tests ({BROWSER}) running alongside; their output follows the rest's", flush=True)
        try:
            rest = subprocess.run([*pytest, f"--ignore={BROWSER}"], cwd=ROOT).returncode
            rest_done = time.monotonic() - started
            waited = browser.wait()
        except KeyboardInterrupt:
            browser.terminate()
            browser.wait()
            raise
        browser_log.seek(0)
        print(f"\n[testrun] ---- browser tests ({BROWSER}) ----", flush=True)
        sys.stdout.write(browser_log.read())
    total = time.monotonic() - started
    print(
        f"[testrun] rest: exit {rest} after {rest_done:.0f} s; browser tests: exit {waited}; wall time {total:.0f} s",
        flush=True,
    )
    return outcome([rest, waited])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
