"""Send records to the gateway and say what became of each: the product's one sender.

``Sender.send(layer, entity, records, keys)`` sends the records of one topic or stream in one
request (Kafka REST Proxy v2 ``POST /topics/<topic>``, Kinesis ``PUT /streams/<stream>/records``,
or ``/record`` when ``batch_size`` is 1) and retries what was not taken. The emulator, the demo
and chaos configure it: batch size, retries (a number, a time, or both), the backoff, whether
records refused inside a 200 answer are sent again, and the request timeout.

Each record ends in exactly one state: *acknowledged* (the answer names its offset or sequence
number), *rejected* (a 4xx other than 429: retrying cannot help), *failed* (still refused when
the retries ran out) or *in doubt* (some attempt got no definite answer, so it may have been
stored; once acknowledged, such a record may be stored twice: ``doubted``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from ingestion.config import Settings
from ingestion.emulator import wire
from ingestion.emulator.transport import Reply, attempt, pooled_session
from ingestion.errors import BadInput

ACKNOWLEDGED, REJECTED, FAILED, IN_DOUBT = "acknowledged", "rejected", "failed", "in_doubt"
STATES = (ACKNOWLEDGED, REJECTED, FAILED, IN_DOUBT)


@dataclass(slots=True)
class Delivery:
    """What became of one record."""

    state: str = IN_DOUBT
    ack: wire.Outcome | None = None  # the acknowledgement: partition + offset or shard + seq
    transport_id: str | None = None  # topic/partition/offset or stream/shard/sequence number
    attempts: int = 0
    doubted: bool = False  # some attempt ended without a definite answer
    error: str | None = None


@dataclass
class Sent:
    """One ``send``: a delivery per record, in order, and what the requests met."""

    deliveries: list[Delivery]
    url: str
    requests: int = 0
    errors: list[str] = field(default_factory=list)  # one per failed request or record
    unreachable: str | None = None  # the last attempt could not connect: the error

    @property
    def retries(self) -> int:
        return max(self.requests - 1, 0)


class Sender:
    """Sends records to ``batch_url`` / ``stream_url`` (default: ``settings.gateway``) under the
    topics and streams ``settings`` names.

    A request is retried on connection errors, timeouts, 429 and 5xx (after ``backoff`` seconds,
    doubled each time up to ``max_backoff``, or the server's Retry-After) until ``retries``
    retries were made or ``retry_seconds`` passed (``None``: no such bound). With
    ``retry_records`` the records a 200 answer refused are sent again too. ``sleep`` waits
    between attempts and ``stopped`` ends the retries early (a stop event's ``wait`` and
    ``is_set``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        batch_url: str | None = None,
        stream_url: str | None = None,
        batch_size: int = 1,
        retries: int | None = 5,
        retry_seconds: float | None = None,
        backoff: float = 0.2,
        max_backoff: float = 10.0,
        retry_records: bool = False,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        stopped: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if batch_size < 1:
            raise BadInput(f"batch size must be at least 1, got {batch_size}")
        self.settings = settings
        self.urls = {
            "batch": (batch_url or settings.gateway).rstrip("/"),
            "stream": (stream_url or settings.gateway).rstrip("/"),
        }
        self.batch_size = batch_size
        self.retries = retries
        self.retry_seconds = retry_seconds
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retry_records = retry_records
        self.timeout = timeout
        self._own_session = session is None
        self.session = session or pooled_session()
        self.sleep = sleep
        self.stopped = stopped
        self.clock = clock

    def name(self, layer: str, entity: str) -> str:
        """The topic (batch) or stream (stream) of ``entity``."""
        return self.settings.topic(entity) if layer == "batch" else self.settings.stream(entity)

    def url(self, layer: str, entity: str) -> str:
        one = self.batch_size == 1
        return self.urls[layer] + wire.path(layer, self.name(layer, entity), one_record=one)

    def send(
        self, layer: str, entity: str, records: Sequence[dict[str, Any]], keys: Sequence[str]
    ) -> Sent:
        """Send ``records`` (with their partition ``keys``) until each is settled."""
        name, url = self.name(layer, entity), self.url(layer, entity)
        sent = Sent([Delivery() for _ in records], url)
        pending = list(range(len(records)))
        deadline = None if self.retry_seconds is None else self.clock() + self.retry_seconds
        while pending:
            body = self._body(
                layer, name, [records[i] for i in pending], [keys[i] for i in pending]
            )
            method, headers = wire.METHODS[layer], wire.HEADERS[layer]
            reply = attempt(self.session, method, url, body, headers, self.timeout)
            sent.requests += 1
            for i in pending:
                sent.deliveries[i].attempts += 1
            pending = self._settle(layer, name, sent, pending, reply)
            if not pending or not self._retry(sent.requests, deadline):
                break
            self.sleep(self._delay(sent.requests, reply))
        for i in pending:
            delivery = sent.deliveries[i]
            delivery.state = IN_DOUBT if delivery.doubted else FAILED
        return sent

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def _body(self, layer: str, name: str, records: list[dict[str, Any]], keys: list[str]) -> bytes:
        if layer == "batch":
            return wire.encode(wire.kafka_body(records))
        if self.batch_size == 1:
            return wire.encode(wire.kinesis_record_body(name, records[0], keys[0]))
        return wire.encode(wire.kinesis_records_body(name, records, keys))

    def _settle(
        self, layer: str, name: str, sent: Sent, pending: list[int], reply: Reply
    ) -> list[int]:
        """Record one attempt's answer; the records worth sending again."""
        deliveries = [sent.deliveries[i] for i in pending]
        sent.unreachable = None
        if not reply.ok:
            if reply.unreachable:
                error = f"cannot connect to {sent.url}: {reply.error}"
                sent.unreachable = reply.error
            elif reply.in_doubt:
                error = f"no answer from {sent.url}: {reply.error}"
            else:
                error = reply.error or f"HTTP {reply.status}"
            sent.errors.append(error)
            for delivery in deliveries:
                delivery.error = error
                delivery.doubted |= reply.in_doubt
                if not reply.retryable:
                    delivery.state = REJECTED if 400 <= (reply.status or 0) < 500 else FAILED
            return pending if reply.retryable else []
        again = []
        outcomes = self._outcomes(layer, reply, len(pending))
        for i, delivery, outcome in zip(pending, deliveries, outcomes, strict=True):
            if outcome.acknowledged:
                delivery.state, delivery.ack = ACKNOWLEDGED, outcome
                delivery.transport_id = f"{name}/{outcome.where}"
                continue
            delivery.error = outcome.error or "rejected"
            sent.errors.append(delivery.error)
            if self.retry_records:
                again.append(i)
            else:
                delivery.state = FAILED
        return again

    def _outcomes(self, layer: str, reply: Reply, count: int) -> list[wire.Outcome]:
        if layer == "batch":
            return wire.kafka_outcomes(reply.body, count)
        if self.batch_size == 1:
            return [wire.kinesis_record_outcome(reply.body)]
        return wire.kinesis_records_outcomes(reply.body, count)

    def _retry(self, requests_made: int, deadline: float | None) -> bool:
        if self.retries is not None and requests_made > self.retries:
            return False
        if deadline is not None and self.clock() >= deadline:
            return False
        return not self.stopped()

    def _delay(self, requests_made: int, reply: Reply) -> float:
        delay = self.backoff * 2 ** (requests_made - 1)
        if reply.retry_after is not None:
            delay = max(delay, reply.retry_after)
        return min(self.max_backoff, delay)
