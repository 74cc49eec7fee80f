"""Send the run's records through the gateway at a steady rate and record what became of each.

One thread per path and entity (a *lane*). A lane sends the events due by now in one request
(at most ``max_batch`` records, at most one request per ``linger`` seconds), so requests grow
when the gateway is slow and the backlog of an outage drains at full speed afterwards.

Each record ends in exactly one state: *acknowledged* (the answer names its offset or
sequence number), *rejected* (a 4xx other than 429: retrying cannot help), *failed* (still
refused when its retry time ran out) or *in doubt* (the last attempt got no definite answer),
or stays *unsent* when the run is stopped first. Records are retried on connection errors,
429 and 5xx until ``retry_seconds`` pass; a record that was once in doubt and later
acknowledged may be stored twice by the transport (``doubted``), which the accounting checks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from ingestion.chaos.records import SourceSnapshot, chaos_id
from ingestion.config import ENTITIES, Settings
from ingestion.emulator import wire
from ingestion.emulator.transport import HttpTransport, Reply

ACKNOWLEDGED, REJECTED, FAILED, IN_DOUBT = "acknowledged", "rejected", "failed", "in_doubt"
STATES = (ACKNOWLEDGED, REJECTED, FAILED, IN_DOUBT)
REQUEST_TIMEOUT = 30.0
MAX_BACKOFF = 4.0


@dataclass(slots=True)
class Outcome:
    state: str = IN_DOUBT
    transport_id: str | None = None  # topic/partition/offset or stream/shard/sequence number
    attempts: int = 0
    doubted: bool = False  # some attempt ended without a definite answer
    error: str | None = None


# per-record result of a 200 answer: acknowledged transport id, or the error
Result = tuple[str | None, str | None]


@dataclass(frozen=True)
class PathFormat:
    """How one path's requests are built and its answers read."""

    layer: str
    max_batch: int
    method: str
    headers: dict[str, str]
    url: Callable[[str, Settings, str], str]
    body: Callable[[Settings, str, Sequence[dict[str, Any]], Sequence[str]], dict[str, Any]]
    results: Callable[[Settings, str, Any, int], list[Result] | None]


def _kafka_results(settings: Settings, entity: str, answer: Any, count: int) -> list[Result]:
    topic = settings.topic(entity)
    return [
        (f"{topic}/{o.partition}/{o.offset}", None) if o.acknowledged else (None, o.error)
        for o in wire.kafka_outcomes(answer, count)
    ]


def _kinesis_results(settings: Settings, entity: str, answer: Any, count: int) -> list[Result]:
    stream = settings.stream(entity)
    return [
        (f"{stream}/{o.shard_id}/{o.sequence_number}", None) if o.acknowledged else (None, o.error)
        for o in wire.kinesis_records_outcomes(answer, count)
    ]


BATCH = PathFormat(
    layer="batch",
    max_batch=500,
    method="POST",
    headers={"Content-Type": wire.KAFKA_CONTENT_TYPE, "Accept": wire.KAFKA_ACCEPT},
    url=lambda base, settings, entity: f"{base}/topics/{settings.topic(entity)}",
    body=lambda settings, entity, records, keys: wire.kafka_body(records),
    results=_kafka_results,
)
STREAM = PathFormat(
    layer="stream",
    max_batch=100,  # kinesis-local answers a PutRecords of 500 in tens of seconds when busy
    method="PUT",
    headers={"Content-Type": wire.JSON_CONTENT_TYPE, "Accept": wire.JSON_CONTENT_TYPE},
    url=lambda base, settings, entity: f"{base}/streams/{settings.stream(entity)}/records",
    body=lambda settings, entity, records, keys: wire.kinesis_records_body(
        settings.stream(entity), records, keys
    ),
    results=_kinesis_results,
)
PATHS = {"batch": BATCH, "stream": STREAM}


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

    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)
    lanes: dict[tuple[str, str], LaneStats] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def layer(self, layer: str) -> dict[str, Outcome]:
        return self.outcomes.get(layer, {})

    def acknowledged(self, layer: str) -> int:
        return sum(s.acknowledged for (lane, _), s in self.lanes.items() if lane == layer)

    def note_error(self, error: str) -> None:
        key = error[:160]
        with self._lock:
            self.errors[key] = self.errors.get(key, 0) + 1


class Sender:
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
        self.url = settings.gateway.rstrip("/")
        self.linger = linger
        self.clock = clock
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.started = 0.0
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.started = self.clock()
        for layer in self.events:
            self.ledger.outcomes[layer] = {}
            for entity in ENTITIES:
                self.ledger.lanes[(layer, entity)] = LaneStats()
                thread = threading.Thread(
                    target=self._lane, args=(PATHS[layer], entity), daemon=True,
                    name=f"chaos-send-{layer}-{entity}",
                )  # fmt: skip
                thread.start()
                self._threads.append(thread)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _lane(self, path: PathFormat, entity: str) -> None:
        total, rate = self.events[path.layer], self.rates[path.layer]
        stats = self.ledger.lanes[(path.layer, entity)]
        session = requests.Session()
        transport = HttpTransport(session, retries=0, timeout=REQUEST_TIMEOUT)
        sent, next_send = 0, self.started
        try:
            while sent < total and not self.stop.is_set():
                now = self.clock()
                due = min(total, int((now - self.started) * rate) + 1)
                if due <= sent or (due - sent < path.max_batch and now < next_send):
                    wake = max(next_send, self.started + sent / rate)
                    self.stop.wait(min(max(wake - now, 0.005), 0.5))
                    continue
                upto = min(due, sent + path.max_batch)
                self._deliver(path, entity, range(sent, upto), transport, stats)
                sent = upto
                stats.events_sent = sent
                next_send = self.clock() + self.linger
        finally:
            stats.finished_at = round(self.clock() - self.started, 2)
            session.close()

    def _deliver(
        self,
        path: PathFormat,
        entity: str,
        events: range,
        transport: HttpTransport,
        stats: LaneStats,
    ) -> None:
        layer = path.layer
        pending = {chaos_id(layer, entity, e): e for e in events}
        outcomes = {cid: Outcome() for cid in pending}
        self.ledger.outcomes[layer].update(outcomes)
        url = path.url(self.url, self.settings, entity)
        deadline = self.clock() + self.retry_seconds
        attempt = 0
        while pending:
            attempt += 1
            ids = list(pending)
            records = [self.snapshot.record(layer, entity, pending[cid]) for cid in ids]
            keys = [str(self.snapshot.key(entity, pending[cid])) for cid in ids]
            body = wire.encode(path.body(self.settings, entity, records, keys))
            reply = transport.send(path.method, url, body, path.headers)
            stats.requests += 1
            stats.retried_requests += attempt > 1
            for cid in ids:
                outcomes[cid].attempts += 1
            if not self._settle(path, entity, ids, reply, pending, outcomes, stats):
                break
            if pending:
                if self.clock() >= deadline or self.stop.is_set():
                    break
                self.stop.wait(min(MAX_BACKOFF, 0.25 * 2 ** (attempt - 1)))
        for cid in pending:
            outcome = outcomes[cid]
            outcome.state = IN_DOUBT if outcome.doubted else FAILED

    def _settle(
        self,
        path: PathFormat,
        entity: str,
        ids: list[str],
        reply: Reply,
        pending: dict[str, int],
        outcomes: dict[str, Outcome],
        stats: LaneStats,
    ) -> bool:
        """Record one attempt's answer; False when the records must not be retried."""
        if reply.ok:
            results = path.results(self.settings, entity, reply.body, len(ids))
            for cid, (transport_id, error) in zip(ids, results, strict=True):
                if transport_id is not None:
                    outcomes[cid].state, outcomes[cid].transport_id = ACKNOWLEDGED, transport_id
                    stats.acknowledged += 1
                    del pending[cid]
                else:
                    outcomes[cid].error = error
                    self.ledger.note_error(f"{path.layer}: {error}")
            return True
        error = reply.error or f"HTTP {reply.status}"
        self.ledger.note_error(f"{path.layer}: {error}")
        if reply.status is not None and 400 <= reply.status < 500 and reply.status != 429:
            for cid in ids:
                outcomes[cid].state, outcomes[cid].error = REJECTED, error
                del pending[cid]
            return False
        for cid in ids:
            outcomes[cid].error = error
            outcomes[cid].doubted |= reply.in_doubt
        return True
