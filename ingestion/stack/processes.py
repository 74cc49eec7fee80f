"""Background processes tracked by pid files: start detached, check, stop.

A pid file holds the pid and a marker string that must appear in the process's command line,
so a pid reused by an unrelated process after a reboot or crash reads as stale, not running.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import PinpipeError


class StackError(PinpipeError):
    """A service could not be started, checked or stopped; the message says what to look at."""


@dataclass(frozen=True)
class Tracked:
    """One service's pid file and log file."""

    name: str
    run_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"

    def read(self) -> tuple[int, str] | None:
        try:
            record = json.loads(self.pid_file.read_text())
            return int(record["pid"]), str(record["marker"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def pid(self) -> int | None:
        """The pid of the live process this file records, or None (stale files are removed)."""
        record = self.read()
        if record is None:
            return None
        pid, marker = record
        if is_alive(pid, marker):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def is_stale(self) -> bool:
        record = self.read()
        return record is not None and not is_alive(*record)

    def start(self, command: list[str], *, env: dict[str, str], cwd: Path, marker: str) -> int:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} start {self.name}\n".encode())
            log.flush()
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=cwd, start_new_session=True,
            )  # fmt: skip
        _children[process.pid] = process
        self.pid_file.write_text(json.dumps({"pid": process.pid, "marker": marker}))
        return process.pid

    def stop(self, *, timeout: float, force: bool = False, leader_first: bool = False) -> bool:
        """SIGTERM (or SIGKILL with ``force``) the process group; True if something was running.

        ``leader_first``: SIGTERM only the group's leader and let it stop its children, as
        `pinpipe land` stops its queries and then its Spark JVM; what is left of the group
        gets SIGTERM once the leader is gone. A JVM signalled beside its leader dies under
        the leader's clean stop."""
        pid = self.pid()
        if pid is None:
            return False
        if leader_first and not force:
            _signal(pid, signal.SIGTERM)
            wait_for(lambda: not _running(pid), timeout)
        signal_group(pid, signal.SIGKILL if force else signal.SIGTERM)
        if not wait_for(lambda: not _running(pid), timeout):
            signal_group(pid, signal.SIGKILL)
            wait_for(lambda: not _running(pid), 10)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# Processes started by this interpreter, so their exit status is collected (no zombies).
_children: dict[int, subprocess.Popen] = {}


def proc_stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, ...; the
    name may hold spaces and parentheses). OSError when the process is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _running(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        state = proc_stat(pid)[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def exit_code(pid: int) -> int | None:
    """The exit status of a process this interpreter started; None while it runs."""
    child = _children.get(pid)
    return None if child is None else child.poll()


def is_alive(pid: int, marker: str) -> bool:
    """The process runs and its command line contains ``marker``."""
    if not _running(pid):
        return False
    if pid in _children:  # started here: it may not have exec'd its command line yet
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return marker in cmdline


def signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        _signal(pid, sig)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
