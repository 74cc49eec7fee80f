"""Produce a request's records to Kafka and wait, without blocking the event loop, until every
record's delivery report is in.

One idempotent producer (acks=all) per process. A poll thread serves delivery reports; each
request waits on one asyncio future that the last report of its batch resolves. The delivery
timeout (``message.timeout.ms``) bounds the wait, so a dead broker ends in failed reports, not
in a hang. A fatal producer error (possible with idempotence) replaces the producer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

from confluent_kafka import KafkaError, KafkaException, Producer

from ingestion.config import Settings, parse_pairs
from ingestion.gateway.logs import gateway_logger

log = gateway_logger("kafka")
librdkafka_log = gateway_logger("librdkafka")

RETRIABLE_CODES = frozenset(
    {
        KafkaError._MSG_TIMED_OUT,
        KafkaError._TIMED_OUT,
        KafkaError._TIMED_OUT_QUEUE,
        KafkaError._TRANSPORT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError._QUEUE_FULL,
        KafkaError._PURGE_QUEUE,
        KafkaError._PURGE_INFLIGHT,
        KafkaError.NOT_ENOUGH_REPLICAS,
        KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        KafkaError.REQUEST_TIMED_OUT,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.NOT_LEADER_FOR_PARTITION,
    }
)
TIMEOUT_CODES = frozenset(
    {KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT, KafkaError._PURGE_INFLIGHT}
)
AUTHENTICATION_CODES = frozenset(
    {KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED}
)
AUTHORIZATION_CODES = frozenset(
    {
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.CLUSTER_AUTHORIZATION_FAILED,
        KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    }
)


class Delivery(NamedTuple):
    """The end of one record: acknowledged at partition/offset, or failed."""

    partition: int | None = None
    offset: int | None = None
    error_code: int | None = None  # REST Proxy code: 50002, 50003, 40101, 40301
    error: str | None = None
    in_doubt: bool = False  # timed out or purged in flight: Kafka may have written it

    @property
    def acknowledged(self) -> bool:
        return self.error_code is None


def rest_proxy_code(err: KafkaError) -> int:
    """The per-record code the REST Proxy gives a producer error."""
    code = err.code()
    if code in AUTHENTICATION_CODES:
        return 40101
    if code in AUTHORIZATION_CODES:
        return 40301
    return 50003 if err.retriable() or code in RETRIABLE_CODES else 50002


def failed(err: KafkaError) -> Delivery:
    return Delivery(
        error_code=rest_proxy_code(err), error=err.str(), in_doubt=err.code() in TIMEOUT_CODES
    )


class PendingBatch:
    """Delivery reports of one request, resolved on the event loop when all are in."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()
        self.results: list[Delivery | None] = [None] * size
        self.lock = threading.Lock()
        self.enqueued = 0
        self.reported = 0
        self.sealed = False

    def report(self, index: int, err: KafkaError | None, msg: Any) -> None:
        """Delivery callback (poll thread)."""
        self.results[index] = (
            failed(err) if err is not None else Delivery(msg.partition(), msg.offset())
        )
        with self.lock:
            self.reported += 1
            done = self.sealed and self.reported == self.enqueued
        if done:
            self.loop.call_soon_threadsafe(self._resolve)

    def refuse(self, index: int, delivery: Delivery) -> None:
        """A record the producer did not take (event loop thread)."""
        self.results[index] = delivery

    def seal(self, enqueued: int) -> None:
        """All records handed over; resolve now if every report is already in."""
        with self.lock:
            self.enqueued = enqueued
            self.sealed = True
            done = self.reported == self.enqueued
        if done:
            self._resolve()

    def expire(self, topic: str) -> None:
        log.error("delivery reports overdue", extra={"topic": topic})
        self._resolve()

    def _resolve(self) -> None:
        if not self.future.done():
            self.future.set_result(None)


Record = tuple[bytes | None, bytes | None, int | None]  # key, value, partition


class KafkaSink:
    """The gateway's producer, its poll thread and a cache of the broker's topics."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.delivery_timeout = settings.gateway_delivery_timeout_ms / 1000
        self.queue_limit = settings.gateway_queue_max_messages
        self.config = producer_config(settings)
        self.producer = self._new_producer()
        self.topics = TopicCache(self._fetch_topics, settings.gateway_topic_cache_ms / 1000)
        self._fatal: KafkaError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="kafka-poll", daemon=True)
        self._thread.start()

    def _new_producer(self) -> Producer:
        return Producer({**self.config, "error_cb": self._on_error, "logger": librdkafka_log})

    def _on_error(self, err: KafkaError) -> None:
        """Errors are logged by librdkafka's logger already; a fatal one needs a new producer."""
        if err.fatal():
            self._fatal = err

    def _serve(self) -> None:
        while not self._stop.is_set():
            self.producer.poll(0.1)
            if self._fatal is not None:
                self._replace_producer()

    def _replace_producer(self) -> None:
        old, reason = self.producer, self._fatal
        self._fatal = None
        log.error("fatal producer error: replacing the producer", extra={"error": str(reason)})
        self.producer = self._new_producer()
        old.purge()
        old.flush(self.delivery_timeout)

    def queued(self) -> int:
        return len(self.producer)

    async def produce(self, topic: str, records: Sequence[Record]) -> list[Delivery]:
        """Every record's delivery, in request order. Raises QueueFull if they cannot fit."""
        producer = self.producer
        if len(producer) + len(records) > self.queue_limit:
            raise QueueFull(len(producer), self.queue_limit)
        batch = PendingBatch(asyncio.get_running_loop(), len(records))
        enqueued = 0
        for index, (key, value, partition) in enumerate(records):
            callback = partial(batch.report, index)
            try:
                if partition is None:
                    producer.produce(topic, value, key, on_delivery=callback)
                else:
                    producer.produce(topic, value, key, partition, on_delivery=callback)
            except BufferError:
                batch.refuse(index, Delivery(error_code=50003, error="producer queue is full"))
            except KafkaException as exc:
                batch.refuse(index, failed(exc.args[0]))
            else:
                enqueued += 1
        batch.seal(enqueued)
        # the reports come by the delivery timeout; this timer only guards against a bug
        overdue = batch.loop.call_later(self.delivery_timeout + 5, batch.expire, topic)
        try:
            await batch.future
        finally:
            overdue.cancel()
        late = Delivery(error_code=50003, error="no delivery report in time", in_doubt=True)
        return [result or late for result in batch.results]

    def _fetch_topics(self) -> dict[str, int]:
        metadata = self.producer.list_topics(timeout=min(self.delivery_timeout, 10))
        return {
            name: len(topic.partitions)
            for name, topic in metadata.topics.items()
            if topic.error is None and not name.startswith("__")
        }

    def close(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join()
        left = self.producer.flush(self.delivery_timeout if timeout is None else timeout)
        if left:
            log.warning("undelivered records at shutdown", extra={"records": left})


class QueueFull(Exception):
    def __init__(self, queued: int, limit: int) -> None:
        super().__init__(f"producer queue holds {queued} of at most {limit} records")


class TopicCache:
    """Topic name -> partition count from broker metadata, refreshed when older than ``ttl``.

    A name that is not there triggers a refresh too, at most once a second, so a new topic is
    seen at once and unknown names cannot flood the broker with metadata requests.
    """

    MISS_REFRESH = 1.0

    def __init__(self, fetch: Callable[[], dict[str, int]], ttl: float) -> None:
        self.fetch = fetch
        self.ttl = ttl
        self.partitions: dict[str, int] = {}
        self.fetched_at = float("-inf")
        self.failure: KafkaException | None = None
        self.failed_at = float("-inf")
        self._lock = asyncio.Lock()

    async def lookup(self, topic: str) -> int | None:
        """Partitions of ``topic``, or None when the broker does not have it."""
        age = time.monotonic() - self.fetched_at
        if age > self.ttl or (topic not in self.partitions and age > self.MISS_REFRESH):
            await self.refresh(max_age=self.MISS_REFRESH)
        return self.partitions.get(topic)

    async def names(self) -> list[str]:
        await self.refresh(max_age=self.MISS_REFRESH)
        return sorted(self.partitions)

    async def refresh(self, max_age: float) -> None:
        """Fetch unless fetched within ``max_age``; a failure is reused for MISS_REFRESH s,
        so requests during an outage fail at once instead of each waiting for the broker."""
        async with self._lock:  # one metadata request at a time; waiters reuse its answer
            now = time.monotonic()
            if now - self.fetched_at <= max_age:
                return
            if self.failure is not None and now - self.failed_at <= self.MISS_REFRESH:
                raise self.failure
            try:
                self.partitions = await asyncio.to_thread(self.fetch)
            except KafkaException as exc:
                self.failure, self.failed_at = exc, time.monotonic()
                raise
            self.failure = None
            self.fetched_at = time.monotonic()


def parse_extra_config(text: str) -> dict[str, str]:
    """``key=value,key=value`` (PINPIPE_KAFKA_EXTRA_CONFIG) -> a librdkafka config dict."""
    return parse_pairs(text, "PINPIPE_KAFKA_EXTRA_CONFIG")


def producer_config(settings: Settings) -> dict[str, Any]:
    """acks=all, idempotent, bounded delivery time; the Java client's key partitioning."""
    return {
        "bootstrap.servers": settings.bootstrap_servers,
        "client.id": "pinpipe-gateway",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "delivery.timeout.ms": settings.gateway_delivery_timeout_ms,
        "queue.buffering.max.messages": settings.gateway_queue_max_messages,
        "partitioner": "murmur2_random",
        "allow.auto.create.topics": False,  # unknown topics are answered 404, never created
        **parse_extra_config(settings.kafka_extra_config),
    }
