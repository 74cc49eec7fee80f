"""Send the run's records through the gateway at a steady rate and record what became of each.

One thread per path and entity (a *lane*), each with its own product
:class:`~ingestion.emulator.sender.Sender`. A lane sends the events due by now in one request
(at most ``MAX_BATCH[layer]`` records, at most one request per ``linger`` seconds), so requests
grow when the gateway is slow and the backlog of an outage drains at full speed afterwards.

Records are retried on connection errors, 429 and 5xx, and when a 200 answer refuses them,
until ``retry_seconds`` pass; each ends in one of the sender's states (``STATES``), or stays
*unsent* when the run is stopped first. A record that was once in doubt and later
acknowledged may be stored twice by the transport (``doubted``), which the accounting checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ingestion.chaos.records import SourceSnapshot, chaos_id
from ingestion.chaos.threads import Threads
from ingestion.config import ENTITIES, Settings
from ingestion.emulator.sender import ACKNOWLEDGED, Delivery, Sender

REQUEST_TIMEOUT = 30.0
MAX_BACKOFF = 4.0
# records per request; kinesis-local answers a PutRecords of 500 in tens of seconds when busy
MAX_BATCH = {"batch": 500, "stream": 100}


@dataclass
class LaneStats:
    """Counters of one lane, written by its thread only."""

    events_sent: int = 0
    acknowledged: int = 0
    requests: int = 0
    retried_requests: int = 0
    finished_at: float | None = None  # seconds after the start


@dataclass
class Ledger:
    """Every sent record's outcome by layer and chaos id, and per-lane counters. Outcomes
    are read once the lanes are done; progress reads the lanes' counters."""

    outcomes: dict[str, dict[str, Delivery]] = field(default_factory=dict)
    lanes: dict[tuple[str, str], LaneStats] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def layer(self, layer: str) -> dict[str, Delivery]:
        return self.outcomes.get(layer, {})

    def acknowledged(self, layer: str) -> int:
        return sum(s.acknowledged for (lane, _), s in self.lanes.items() if lane == layer)

    def note_error(self, error: str) -> None:
        key = error[:160]
        with self._lock:
            self.errors[key] = self.errors.get(key, 0) + 1


class Lanes(Threads):
    """Sends ``events[layer]`` events per path at ``rates[layer]`` events/s to the gateway."""

    def __init__(
        self,
        settings: Settings,
        snapshot: SourceSnapshot,
        *,
        events: dict[str, int],
        rates: dict[str, float],
        retry_seconds: float,
        linger: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.events = {layer: n for layer, n in events.items() if n > 0}
        self.rates = rates
        self.retry_seconds = retry_seconds
        self.linger = linger
        self.clock = clock
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.started = 0.0
        super().__init__()

    def start(self) -> None:
        self.started = self.clock()
        for layer in self.events:
            self.ledger.outcomes[layer] = {}
            for entity in ENTITIES:
                self.ledger.lanes[(layer, entity)] = LaneStats()
                self.spawn(f"chaos-send-{layer}-{entity}", self._lane, layer, entity)

    def _lane(self, layer: str, entity: str) -> None:
        total, rate, batch = self.events[layer], self.rates[layer], MAX_BATCH[layer]
        stats = self.ledger.lanes[(layer, entity)]
        sender = Sender(
            self.settings, batch_size=batch, retries=None, retry_seconds=self.retry_seconds,
            backoff=0.25, max_backoff=MAX_BACKOFF, retry_records=True, timeout=REQUEST_TIMEOUT,
            sleep=self.stop.wait, stopped=self.stop.is_set, clock=self.clock,
        )  # fmt: skip
        sent, next_send = 0, self.started
        try:
            while sent < total and not self.stop.is_set():
                now = self.clock()
                due = min(total, int((now - self.started) * rate) + 1)
                if due <= sent or (due - sent < batch and now < next_send):
                    wake = max(next_send, self.started + sent / rate)
                    self.stop.wait(min(max(wake - now, 0.005), 0.5))
                    continue
                upto = min(due, sent + batch)
                self._deliver(sender, layer, entity, range(sent, upto), stats)
                sent = upto
                stats.events_sent = sent
                next_send = self.clock() + self.linger
        finally:
            stats.finished_at = round(self.clock() - self.started, 2)
            sender.close()

    def _deliver(
        self, sender: Sender, layer: str, entity: str, events: range, stats: LaneStats
    ) -> None:
        ids = [chaos_id(layer, entity, e) for e in events]
        records = [self.snapshot.record(layer, entity, e) for e in events]
        keys = [str(self.snapshot.key(entity, e)) for e in events]
        sent = sender.send(layer, entity, records, keys)
        self.ledger.outcomes[layer].update(zip(ids, sent.deliveries, strict=True))
        stats.requests += sent.requests
        stats.retried_requests += sent.retries
        stats.acknowledged += sum(d.state == ACKNOWLEDGED for d in sent.deliveries)
        for error in sent.errors:
            self.ledger.note_error(f"{layer}: {error}")
