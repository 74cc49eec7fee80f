"""CPU hogs: busy-loop processes that keep cores busy, as ``stress-ng --cpu N`` does.

The busy-machine landing test and ``pinpipe bench landing --only busy`` start them, to show
what landing does while other work takes the CPU. Each hog runs in its own session, like a
program started from another terminal.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cpu_hogs(count: int) -> Iterator[list[int]]:
    """Run ``count`` busy-loop processes while the block runs; yields their pids."""
    hogs = [
        subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", "while True: pass"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]
    try:
        yield [hog.pid for hog in hogs]
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()
