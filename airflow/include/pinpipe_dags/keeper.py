"""Keep one detached process alive, tracked by a pid file (the Kinesis landing query).

The check trusts a pid only when the process is alive and its command line still contains
the expected words, so a stale pid file (a crash, a reboot, a reused pid) reads as stopped.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _command_line(pid: int) -> list[str] | None:
    """The process's arguments, or None when it is gone or a zombie."""
    proc = Path("/proc") / str(pid)
    try:
        status = (proc / "status").read_text()
        if "\nState:\tZ" in status:
            return None
        return (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        return None
    except OSError:  # no /proc (not Linux): fall back to the signal check
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return []


def is_running(pid_file: Path, expect: Sequence[str] = ()) -> bool:
    """True when the pid in ``pid_file`` is a live process whose arguments hold ``expect``."""
    pid = read_pid(pid_file)
    if pid is None:
        return False
    argv = _command_line(pid)
    if argv is None:
        return False
    words = " ".join(argv)
    return all(word in words for word in expect)


def wait_for_command_line(pid: int, timeout: float = 5.0) -> None:
    """Wait until the kernel shows the new program's arguments: for a moment after ``exec``
    ``/proc/<pid>/cmdline`` is empty, and a check then would take the process for a stranger."""
    deadline = time.monotonic() + timeout
    while _command_line(pid) == [""] and time.monotonic() < deadline:
        time.sleep(0.01)


def start_detached(
    command: str | Sequence[str],
    pid_file: Path,
    log_file: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``command`` in its own session (it outlives the caller); record and return its pid."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise ValueError("no command to start")
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            close_fds=True,
        )
    wait_for_command_line(process.pid)
    partial = pid_file.with_suffix(".tmp")
    partial.write_text(f"{process.pid}\n")
    partial.replace(pid_file)
    return process.pid
