"""``pinpipe land`` as a child process the run can kill, restart and finish.

The job runs in its own process group, so SIGKILL takes the Python driver and its Spark JVM
down together, as when a container dies. Progress is read from the queries' checkpoints
(``commits/<batch id>`` files), without Spark.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingestion.config import ENTITIES, Settings
from ingestion.errors import PinpipeError
from ingestion.landing.jobs import checkpoint
from ingestion.stack.processes import signal_group

LAYER = {"kafka": "batch", "kinesis": "stream"}
STOP_TIMEOUT = 120.0


class LandingFailed(PinpipeError):
    """A ``land --once`` run did not finish after its attempts."""


@dataclass
class JobStart:
    """One (re)start of a job: why, and how long until its first committed micro-batch."""

    cause: str  # start | fault | crash
    at: float
    commits_before: int
    first_commit_after_s: float | None = None

    def as_dict(self) -> dict[str, object]:
        """``first_commit_after_s`` None: killed or stopped before its first commit."""
        return {"cause": self.cause, "first_commit_after_s": self.first_commit_after_s}


class LandingJob:
    """One ``pinpipe land <source> --continuous`` process, started again after each kill."""

    def __init__(self, settings: Settings, source: str, log_dir: Path) -> None:
        self.settings = settings
        self.source = source
        self.log_path = log_dir / f"land-{source}.log"
        self.process: subprocess.Popen | None = None
        self.starts: list[JobStart] = []
        self.unplanned_exits: list[dict[str, object]] = []
        self._lock = threading.Lock()  # a kill and a crash restart never overlap

    def start(self, cause: str = "start") -> None:
        self.starts.append(JobStart(cause, time.monotonic(), self.commits()))
        self.process = _spawn(self.settings, [self.source, "--continuous"], self.log_path)

    def commits(self) -> int:
        """Micro-batches committed so far by the source's three queries."""
        return sum(_commits(self.settings, LAYER[self.source], e) for e in ENTITIES)

    def has_committed_since_start(self) -> bool:
        return bool(self.starts) and self.commits() > self.starts[-1].commits_before

    def watch(self) -> None:
        """Note when the latest start committed its first micro-batch (call now and then)."""
        if not self.starts or self.starts[-1].first_commit_after_s is not None:
            return
        latest = self.starts[-1]
        if self.commits() > latest.commits_before:
            latest.first_commit_after_s = round(time.monotonic() - latest.at, 1)

    def kill_and_restart(self, down_seconds: float) -> None:
        """SIGKILL the job's whole process group, wait ``down_seconds``, start it again."""
        with self._lock:
            self.watch()
            if self.process is not None and self.process.poll() is not None:
                self._note_exit()
            self._kill()
            time.sleep(down_seconds)
            self.start("fault")

    def kill(self) -> None:
        """SIGKILL the job for good (the run is ending early)."""
        with self._lock:
            self._kill()

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> int | None:
        """SIGTERM: the job stops its queries cleanly and exits; SIGKILL after a timeout."""
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                return None if self.process is None else self.process.returncode
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                signal_group(self.process.pid, signal.SIGKILL)
                return self.process.wait()

    def restart_if_exited(self) -> bool:
        """Start the job again when it ended by itself (a crash); True when it did."""
        with self._lock:
            if self.process is None or self.process.poll() is None:
                return False
            self.watch()
            self._note_exit()
            self.start("crash")
            return True

    def _note_exit(self) -> None:
        assert self.process is not None
        self.unplanned_exits.append(
            {
                "exit_code": self.process.returncode,
                "after_s": round(time.monotonic() - self.starts[-1].at, 1),
                "last_error": last_error(self.log_path),
            }
        )


def land_once(settings: Settings, sources: Sequence[str], log_dir: Path, attempts: int = 3) -> int:
    """One ``pinpipe land <sources> --once`` process (one Spark JVM for every source) to the
    end; returns the attempts it took.

    A Python data source worker that does not connect back within Spark's fixed 10 s (a busy
    machine) fails the Kinesis queries; landing resumes from the checkpoints, so it runs again.
    """
    for attempt in range(1, attempts + 1):
        log_path = log_dir / f"land-{'-'.join(sources)}-once-{attempt}.log"
        if _spawn(settings, [*sources, "--once"], log_path).wait() == 0:
            return attempt
    raise LandingFailed(
        f"`pinpipe land {' '.join(sources)} --once` failed {attempts} times; "
        f"last error: {last_error(log_path)} (log: {log_path})"
    )


def last_error(log_path: Path) -> str:
    """The last line of a job's log that names an error, or its last line."""
    try:
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines()]
    except OSError:
        return "(no log)"
    lines = [line for line in lines if line]
    for line in reversed(lines):
        if "pinpipe land:" in line or "Error" in line or "Exception" in line:
            return line[:300]
    return lines[-1][:300] if lines else "(empty log)"


def _spawn(settings: Settings, arguments: list[str], log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "ingestion.cli", "land", *arguments],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **settings.as_env()}, cwd=settings.project_dir,
            start_new_session=True,
        )  # fmt: skip


def _commits(settings: Settings, layer: str, entity: str) -> int:
    folder = Path(checkpoint(settings, layer, entity)) / "commits"
    try:
        return sum(1 for p in folder.iterdir() if p.name.isdigit())
    except OSError:
        return 0
