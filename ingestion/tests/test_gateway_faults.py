"""No false acks: the broker SIGKILLed under load, then restarted."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, replace

import requests
from confluent_kafka import Consumer, KafkaError, TopicPartition

from ingestion.config import Settings
from ingestion.gateway.kafka_sink import KafkaSink
from ingestion.gateway.server import serving_in_thread
from ingestion.stack.services import free_port

DELIVERY_TIMEOUT_MS = 3000
HEADERS = {"Content-Type": "application/vnd.kafka.json.v2+json"}


@dataclass
class Answer:
    value: bytes
    sent: float
    answered: float
    status: int | None
    body: dict | str


def keep_posting(url: str, worker: int, stop: threading.Event, answers: list[Answer]) -> None:
    session = requests.Session()
    count = 0
    while not stop.is_set():
        value = {"worker": worker, "n": count}
        sent = time.monotonic()
        try:
            reply = session.post(url, json={"records": [{"value": value}]}, headers=HEADERS,
                                 timeout=30)  # fmt: skip
            status, body = reply.status_code, reply.json()
        except requests.RequestException as exc:
            status, body = None, str(exc)
        answers.append(Answer(json.dumps(value, separators=(",", ":")).encode(), sent,
                              time.monotonic(), status, body))  # fmt: skip
        count += 1


def written(settings: Settings, topic: str, first: int, last: int) -> dict[int, bytes]:
    """Offset -> value of partition 0 between two offsets, as a consumer reads them now."""
    consumer = Consumer(
        {"bootstrap.servers": settings.bootstrap_servers, "group.id": "gateway-fault-tests",
         "enable.auto.commit": False}
    )  # fmt: skip
    consumer.assign([TopicPartition(topic, 0, first)])
    found: dict[int, bytes] = {}
    deadline = time.monotonic() + 30
    try:
        while last not in found and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                found[msg.offset()] = msg.value()
    finally:
        consumer.close()
    return found


def test_a_killed_broker_never_gets_a_200_and_acks_survive_restart(stack, settings: Settings):
    stack.up(["kafka", "kinesis"])
    quick = replace(settings, gateway_delivery_timeout_ms=DELIVERY_TIMEOUT_MS)
    topic = settings.topic("pin")
    answers: list[Answer] = []
    with serving_in_thread(quick, free_port()) as url:
        stop = threading.Event()
        workers = [
            threading.Thread(target=keep_posting, args=(f"{url}/topics/{topic}", w, stop, answers))
            for w in range(3)
        ]
        for worker in workers:
            worker.start()
        time.sleep(1.5)
        stack.kill("kafka")
        killed = time.monotonic()
        time.sleep(2 * DELIVERY_TIMEOUT_MS / 1000 + 1)
        stop.set()
        for worker in workers:
            worker.join(30)

        limit = DELIVERY_TIMEOUT_MS / 1000 + 2.5
        assert all(a.status is not None for a in answers), "a request got no HTTP answer"
        slowest = max(a.answered - a.sent for a in answers)
        assert slowest < limit, f"an answer took {slowest:.1f} s"
        acked = [a for a in answers if a.status == 200]
        after_kill = [a for a in answers if a.sent > killed]
        assert acked and after_kill
        assert {a.status for a in after_kill} <= {503, 504}, {a.status for a in after_kill}
        assert all(a.status in (200, 503, 504) for a in answers)

        stack.restart("kafka")
        deadline = time.monotonic() + 60
        while True:
            reply = requests.post(f"{url}/topics/{topic}", json={"records": [{"value": "back"}]},
                                  headers=HEADERS, timeout=30)  # fmt: skip
            if reply.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert reply.status_code == 200, reply.text

    offsets = {a.body["offsets"][0]["offset"]: a.value for a in acked}
    kafka_has = written(settings, topic, min(offsets), max(offsets))
    assert {o: kafka_has.get(o) for o in offsets} == offsets


def test_a_fatal_producer_error_replaces_the_producer(stack, settings: Settings):
    """Idempotence can end a producer (e.g. out-of-order sequence); the broker cannot be made to
    do that on demand, so the error librdkafka would report is handed to the error callback."""
    stack.up(["kafka"])
    sink = KafkaSink(settings)
    try:
        first = sink.producer
        sink._on_error(KafkaError(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER, "injected", fatal=True))
        deadline = time.monotonic() + 10
        while sink.producer is first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sink.producer is not first
        [delivery] = asyncio.run(sink.produce(settings.topic("pin"), [(None, b'"after"', None)]))
        assert delivery.acknowledged and delivery.offset is not None
    finally:
        sink.close()
