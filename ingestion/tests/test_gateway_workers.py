"""Several gateway workers on one port as `pinpipe stack` runs them, and the bound on requests
in flight: a busy worker answers 429 and every 200 it gave is in Kafka."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from ingestion.config import Settings
from ingestion.gateway.server import serving_in_thread
from ingestion.stack import Stack
from ingestion.stack.processes import proc_stat, wait_for
from ingestion.stack.services import free_port, port_is_free

JSON_V2 = {"Content-Type": "application/vnd.kafka.json.v2+json"}
WORKERS = 3


def workers_of(pid: int) -> set[int]:
    """The spawned worker processes whose parent is ``pid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        child = int(stat.parent.name)
        try:
            if int(proc_stat(child)[1]) == pid and b"spawn_main" in (
                Path(f"/proc/{child}/cmdline").read_bytes()
            ):
                found.add(child)
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return proc_stat(pid)[0] not in ("Z", "X")
    except OSError:
        return False


def fresh(
    url: str, method: str = "GET", headers: dict | None = None, **kwargs
) -> requests.Response:
    """One request on a connection of its own, so any worker may take it."""
    with requests.Session() as session:
        headers = {"Connection": "close", **(headers or {})}
        return session.request(method, url, timeout=30, headers=headers, **kwargs)


def metric(url: str, name: str) -> float:
    """A sample of /metrics; 0 for a counter nothing has counted yet."""
    for line in fresh(f"{url}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def workers_stack(stack, settings: Settings, tmp_path: Path):
    """A gateway of WORKERS workers started by its own Stack, on the session's broker."""
    stack.up(["kafka"])
    own = Stack(
        replace(
            settings,
            state_dir=tmp_path,
            gateway_port=free_port(),
            gateway_workers=WORKERS,
            kafka_bootstrap=settings.bootstrap_servers,
            kinesis_endpoint=settings.kinesis_url,
        )  # fmt: skip
    )
    yield own
    own.down()


def test_the_stack_gateway_runs_its_workers_on_one_port(workers_stack: Stack):
    workers_stack.up(["gateway"])
    settings = workers_stack.settings
    url = settings.gateway
    parent = workers_stack.tracked("gateway").pid()
    assert parent is not None
    assert wait_for(lambda: len(workers_of(parent)) == WORKERS, 30), workers_of(parent)
    workers = workers_of(parent)

    answered: set[int] = set()
    deadline = time.monotonic() + 60
    while len(answered) < 2 and time.monotonic() < deadline:
        answered.add(fresh(f"{url}/healthz").json()["worker_pid"])
    assert len(answered) >= 2 and answered <= workers  # several workers answer on the one port

    topic = settings.topic("geo")
    before = metric(url, 'pinpipe_gateway_records_total{api="kafka",outcome="acknowledged"}')
    for i in range(30):
        body = {"records": [{"value": {"ind": i}}]}
        assert fresh(f"{url}/topics/{topic}", "POST", json=body, headers=JSON_V2).status_code == 200
    for _ in range(3):  # whichever worker answers, it counts all of them
        assert metric(url, "pinpipe_gateway_workers") == WORKERS
        after = metric(url, 'pinpipe_gateway_records_total{api="kafka",outcome="acknowledged"}')
        assert after - before == 30

    replaced = next(iter(workers))
    os.kill(replaced, signal.SIGKILL)  # a worker that dies is replaced
    assert wait_for(lambda: len(workers_of(parent) - {replaced}) == WORKERS, 60)
    assert fresh(f"{url}/healthz").status_code == 200

    workers = workers_of(parent)
    workers_stack.kill("gateway")  # SIGKILL: no worker outlives the parent
    assert wait_for(lambda: not any(alive(pid) for pid in workers | {parent}), 10)
    assert port_is_free(settings.host, settings.gateway_port)

    workers_stack.up(["gateway"])
    parent = workers_stack.tracked("gateway").pid()
    assert parent is not None and wait_for(lambda: len(workers_of(parent)) == WORKERS, 30)
    workers = workers_of(parent)
    workers_stack.down(["gateway"])  # SIGTERM: all of them stop
    assert wait_for(lambda: not any(alive(pid) for pid in workers | {parent}), 10)


def until_busy(url: str, send, count: int = 24, bursts: int = 10) -> list[requests.Response]:
    """Bursts of ``count`` requests at once, each on its own connection, until one is 429."""
    answers: list[requests.Response] = []
    for _ in range(bursts):
        start = threading.Barrier(count)

        def one(i: int, start: threading.Barrier) -> None:
            start.wait()
            answers.append(send(url, i))

        threads = [threading.Thread(target=one, args=(i, start)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        if any(answer.status_code == 429 for answer in answers):
            break
    return answers


def test_a_busy_worker_answers_429_and_every_200_is_in_kafka(stack, settings: Settings):
    stack.up(["kafka", "kinesis"])
    topic = f"gwtest.busy{int(time.time() * 1000)}"
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(30)
    tight = replace(settings, gateway_max_in_flight=2)

    def produce(url: str, i: int) -> requests.Response:
        body = {"records": [{"value": {"n": i}}]}
        return fresh(f"{url}/topics/{topic}", "POST", json=body, headers=JSON_V2)

    def put(url: str, i: int) -> requests.Response:
        body = {"Data": {"n": i}, "PartitionKey": str(i)}
        return fresh(f"{url}/streams/{settings.stream('user')}/record", "PUT", json=body)

    with serving_in_thread(tight, free_port()) as url:
        answers = until_busy(url, produce)
        streamed = until_busy(url, put)
        busy = metric(
            url, 'pinpipe_gateway_requests_total{method="POST",route="busy",status="429"}'
        )

    statuses = [a.status_code for a in answers]
    assert set(statuses) == {200, 429}, statuses
    refused = [a for a in answers if a.status_code == 429]
    assert all(a.json()["error_code"] == 42901 and a.headers["retry-after"] == "1" for a in refused)
    assert busy == len(refused)
    assert {a.status_code for a in streamed} == {200, 429}
    throttled = {a.json()["__type"] for a in streamed if a.status_code == 429}
    assert throttled == {"ThrottlingException"}

    acknowledged = {a.json()["offsets"][0]["offset"]: a.request.body for a in answers if a.ok}
    consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": "gw-busy"})
    try:
        _, end = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        assert end == len(acknowledged)  # the 429s wrote nothing
        consumer.assign([TopicPartition(topic, 0, 0)])
        written: dict[int, bytes] = {}
        deadline = time.monotonic() + 30
        while len(written) < end and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                written[msg.offset()] = msg.value()
    finally:
        consumer.close()
    sent = {
        offset: json.loads(body)["records"][0]["value"] for offset, body in acknowledged.items()
    }
    assert {offset: json.loads(value) for offset, value in written.items()} == sent
