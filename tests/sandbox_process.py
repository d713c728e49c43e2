"""Start ``bingx-sim serve`` as a real subprocess and read its URL from the banner.

Shared by the sandbox tests and the how-tos that drive the sandbox the way a client in
another process (or language) does: over HTTP only.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bingx_clocks import real_monotonic


def read_banner(proc: subprocess.Popen[bytes], deadline_s: float = 20.0) -> str:
    """Read stdout until the banner's last line, with a real-time deadline (no sleeps)."""
    assert proc.stdout is not None
    fd, text = proc.stdout.fileno(), b""
    deadline = real_monotonic() + deadline_s
    while b"SIGTERM stops it." not in text:
        remaining = deadline - real_monotonic()
        ready, _, _ = select.select([fd], [], [], max(remaining, 0))
        if not ready:
            proc.kill()
            raise AssertionError(f"no banner within {deadline_s} s; got {text!r}")
        chunk = os.read(fd, 4096)
        if not chunk:
            raise AssertionError(f"the sandbox exited early: {text!r}")
        text += chunk
    return text.decode()


@contextmanager
def sandbox_process(
    args: Sequence[str] = (), *, log: Path | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``bingx-sim serve --port 0 ARGS``; yields the process and its REST URL, kills it
    on exit if it still runs. The log goes to ``log`` (a file, so a chatty sandbox never
    blocks on a full pipe) or, without one, to a pipe the caller reads after it stops."""
    command = [sys.executable, "-m", "bingx_sim", "serve", "--port", "0", *args]
    with ExitStack() as stack:
        sink = stack.enter_context(open(log, "wb")) if log is not None else subprocess.PIPE
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=sink)
        try:
            match = re.search(r"REST\s+(http://\S+)", read_banner(proc))
            assert match is not None
            yield proc, match.group(1)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=10)
