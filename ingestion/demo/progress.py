"""Numbered, timed steps with one log file each.

``Progress.step(name)`` prints ``[n/M] title`` when a step starts and its duration and the
total elapsed time when it ends. Everything a step writes with ``Step.write`` goes to
``<log dir>/<name>.log``; an exception inside a step is written there with its traceback and
raised again as :class:`StepFailed`, which names the step and its log.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ingestion.errors import PinpipeError

INDENT = "      "


def clock_text(seconds: float) -> str:
    """``75.4`` -> ``1:15``."""
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}:{rest:02d}"


class StepFailed(PinpipeError):
    """A step raised; the message says which step and where its log is."""

    def __init__(self, number: int, total: int, name: str, reason: str, log: Path) -> None:
        super().__init__(f"step {number}/{total} ({name}) failed: {reason}\n  log: {log}")
        self.name = name
        self.reason = reason
        self.log = log


@dataclass
class Step:
    number: int
    name: str
    log_path: Path
    log: IO[str]
    echo: Callable[[str], None]
    note: str = ""  # shown on the step's closing line
    seconds: float = 0.0

    def write(self, text: str) -> None:
        """Append to the step's log."""
        self.log.write(text.rstrip("\n") + "\n")
        self.log.flush()

    def say(self, text: str) -> None:
        """Print an indented line under the step and log it."""
        self.write(text)
        self.echo(text)


@dataclass
class Progress:
    """The steps of one run, in order; ``titles`` maps each step name to its title."""

    titles: dict[str, str]
    log_dir: Path
    out: IO[str]
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)
    steps: dict[str, Step] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.log_dir.mkdir(parents=True, exist_ok=True)

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def echo(self, text: str) -> None:
        for line in text.splitlines():
            self.print(f"{INDENT}{line}")

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        number, total = list(self.titles).index(name) + 1, len(self.titles)
        self.print(f"[{number}/{total}] {self.titles[name]}")
        began = self.clock()
        path = self.log_path(name)
        path.write_text("", encoding="utf-8")
        # append mode: a child that writes the same file (dbt) never has its output overwritten
        with open(path, "a", encoding="utf-8") as log:
            step = Step(number, name, path, log, self.echo)
            self.steps[name] = step
            try:
                yield step
            except KeyboardInterrupt:
                step.write("interrupted")
                self.echo(f"interrupted after {self.clock() - began:.1f} s")
                raise
            except Exception as exc:  # every failure becomes a StepFailed naming the step
                step.write(traceback.format_exc())
                step.seconds = self.clock() - began
                self.echo(f"failed after {step.seconds:.1f} s")
                reason = str(exc).strip() or type(exc).__name__
                raise StepFailed(number, total, name, reason, path) from exc
        step.seconds = self.clock() - began
        note = f" - {step.note}" if step.note else ""
        self.echo(f"done in {step.seconds:.1f} s (elapsed {clock_text(self.elapsed)}){note}")
