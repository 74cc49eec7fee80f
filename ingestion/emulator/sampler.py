"""The classic sampling: which row to send next, and how long to wait before it."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ingestion.errors import BadInput

CLASSIC_SEED = 100


@dataclass(frozen=True, slots=True)
class Draw:
    sleep_seconds: int
    offset: int


class ClassicSampler:
    """Two draws per event, in this order: ``randrange(0, 2)`` (the sleep, 0 or 1 s), then
    ``randint(0, rows - 1)`` (the row offset). With seed 100 over 11,153 rows the offsets start
    7528, 2863, 5730, 8304, 8731, 1313, 4315, 10794. The sleep draw is made even when the caller
    paces events another way, so the offsets never depend on the pacing."""

    def __init__(self, rows: int, seed: int = CLASSIC_SEED) -> None:
        if rows < 1:
            raise BadInput("the source has no rows to sample")
        self.rows = rows
        self._rng = random.Random(seed)

    def next(self) -> Draw:
        sleep = self._rng.randrange(0, 2)
        return Draw(sleep, self._rng.randint(0, self.rows - 1))
