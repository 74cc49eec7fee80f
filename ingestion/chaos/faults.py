"""Carry out a plan's fault steps against the stack and the landing jobs, one thread per track,
and keep a timeline: when each fault hit and how long until the service answered again.
A landing job is killed only once it has committed a micro-batch since it (re)started, so
the kill lands mid-stream, not during its JVM's start; ``at_s`` is when the fault hit.

kinesis-local, stopped gracefully, takes about 30 s to exit (it waits for open connections)
and writes its data before it does, but while requests keep coming it sometimes does not
exit at all; after twice that wait it is SIGKILLed (``forced_kill`` in the fault's record). SIGKILL
loses what it took since its last write (every 5 s) and, during a write, leaves an empty data
file it cannot start from.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ingestion.chaos.landing import LandingJob
from ingestion.chaos.plan import (
    KILL_BROKER,
    KILL_KAFKA_LANDING,
    KILL_KINESIS,
    KILL_KINESIS_LANDING,
    RESTART_GATEWAY,
    RESTART_KINESIS,
    ChaosPlan,
    FaultStep,
)
from ingestion.chaos.threads import Threads

KINESIS_STOP_TIMEOUT = 60.0  # twice kinesis-local's own 30 s wait for open connections
START_ATTEMPTS = 3  # a service that fails to start (its port not yet free, ...) is tried again
SERVICE_OF = {
    KILL_BROKER: "kafka",
    RESTART_GATEWAY: "gateway",
    RESTART_KINESIS: "kinesis",
    KILL_KINESIS: "kinesis",
}
LANDING_PROGRESS_TIMEOUT = 300.0  # a landing job is killed after it committed a batch
LANDING_KILLS = (KILL_KAFKA_LANDING, KILL_KINESIS_LANDING)


@dataclass
class FaultRecord:
    track: str
    fault: str
    planned_at_s: float
    at_s: float = 0.0
    took_s: float | None = None
    note: str | None = None
    error: str | None = None
    forced_kill: bool | None = None  # a graceful stop ran out of time: SIGKILL

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class FaultInjector(Threads):
    def __init__(
        self,
        stack: Any,
        jobs: dict[str, LandingJob],
        plan: ChaosPlan,
        *,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stack = stack
        self.jobs = jobs
        self.plan = plan
        self.say = say
        self.clock = clock
        self.records: list[FaultRecord] = []
        self.crashes: list[dict[str, Any]] = []  # services that ended by themselves
        # held by whoever works on a service: a fault, or the revival of a crashed one
        self._service_locks = {
            name: threading.Lock() for name in dict.fromkeys(SERVICE_OF.values())
        }
        self.stop = threading.Event()
        super().__init__()

    def start(self, started: float) -> None:
        """Run the schedule, its times counted from ``started`` (a ``clock`` reading)."""
        tracks: dict[str, list[FaultStep]] = {}
        for step in self.plan.schedule():
            tracks.setdefault(step.track, []).append(step)
        for name, steps in tracks.items():
            self.spawn(f"chaos-{name}", self._track, steps, started)

    def _track(self, steps: list[FaultStep], started: float) -> None:
        for step in steps:
            wait = started + step.at - self.clock()
            if wait > 0 and self.stop.wait(wait):
                return
            if self.stop.is_set():
                return
            record = FaultRecord(step.track, step.action, step.at)
            if step.action in LANDING_KILLS and not self._await_progress(self._job(step.action)):
                record.note = (
                    f"the job had not committed a batch since it started within "
                    f"{LANDING_PROGRESS_TIMEOUT:.0f} s; killed anyway"
                )
            record.at_s = round(self.clock() - started, 1)
            self.say(f"fault at {record.at_s:.1f} s: {step.action}")
            begin = self.clock()
            try:
                with self._holding(SERVICE_OF.get(step.action)):
                    record.note = self._inject(step.action, record) or record.note
                record.took_s = round(self.clock() - begin, 1)
            except Exception as exc:  # noqa: BLE001 - a failed fault is reported, not raised
                record.error = f"{type(exc).__name__}: {exc}"[:500]
                self.say(f"fault {step.action} failed: {record.error}")
            self.records.append(record)

    def _inject(self, action: str, record: FaultRecord) -> str | None:
        down = self.plan.down_seconds
        if action == KILL_BROKER:
            self.stack.kill("kafka")
            time.sleep(down)
            return self._bring_back("kafka")
        if action == RESTART_GATEWAY:
            return self._bring_back("gateway")
        if action == RESTART_KINESIS:
            begin = time.monotonic()
            self.stack.tracked("kinesis").stop(timeout=KINESIS_STOP_TIMEOUT)
            note = "SIGTERM, waited for kinesis-local to write its data and exit"
            if time.monotonic() - begin >= KINESIS_STOP_TIMEOUT:  # stop() SIGKILLed it
                record.forced_kill = True
                note = (
                    f"SIGTERM, no exit within {KINESIS_STOP_TIMEOUT:.0f} s, then SIGKILL: "
                    "kinesis-local loses what it acknowledged since its last write"
                )
            return "; ".join(filter(None, [note, self._bring_back("kinesis")]))
        if action == KILL_KINESIS:
            self.stack.kill("kinesis")
            time.sleep(down)
            return self._bring_back("kinesis")
        if action in LANDING_KILLS:
            self._job(action).kill_and_restart(down)
            return "SIGKILL of the process group, started again (first commit: see landing)"
        raise ValueError(f"unknown fault {action!r}")

    def revive_crashed(self, started: float) -> None:
        """Start again a service that ended by itself (no fault working on it), as a service
        manager would, and note it."""
        for name, lock in self._service_locks.items():
            if not lock.acquire(blocking=False):
                continue  # a fault is working on it
            try:
                if not self.stack.is_running(name):
                    self._revive(name, started)
            finally:
                lock.release()

    def _revive(self, name: str, started: float) -> None:
        crash: dict[str, Any] = {
            "service": name,
            "at_s": round(self.clock() - started, 1),
            "last_log": _last_error(self.stack.tracked(name).log_tail(40)),
        }
        self.say(f"{name} ended by itself: {crash['last_log']}")
        try:
            crash["note"] = self._bring_back(name) or "started again"
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            crash["error"] = f"{type(exc).__name__}: {exc}"[:500]
        self.crashes.append(crash)

    def _bring_back(self, name: str) -> str | None:
        """(Re)start a service, up to START_ATTEMPTS times; a note when it took more than one."""
        errors: list[str] = []
        for _ in range(START_ATTEMPTS):
            try:
                self.stack.restart(name)
            except Exception as exc:  # noqa: BLE001 - StackError and what a start may raise
                errors.append(str(exc).splitlines()[0][:200])
                time.sleep(5)
                continue
            return f"started at attempt {len(errors) + 1}; before: {errors}" if errors else None
        raise RuntimeError(f"{name} did not start in {START_ATTEMPTS} attempts: {errors}")

    @contextmanager
    def _holding(self, name: str | None) -> Iterator[None]:
        if name is None:
            yield
            return
        with self._service_locks[name]:
            yield

    def _job(self, action: str) -> LandingJob:
        return self.jobs["kafka" if action == KILL_KAFKA_LANDING else "kinesis"]

    def _await_progress(self, job: LandingJob) -> bool:
        """Wait until the job committed a micro-batch since it started (it is mid-stream)."""
        deadline = self.clock() + LANDING_PROGRESS_TIMEOUT
        while not job.has_committed_since_start():
            if self.clock() >= deadline or self.stop.wait(0.5):
                return False
        return True


def _last_error(log_tail: str) -> str:
    lines = [line.strip() for line in log_tail.splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line[:300]
    return lines[-1][:300] if lines else "(empty log)"
