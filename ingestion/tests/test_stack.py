"""The local stack: real broker and kinesis-local started, provisioned, checked and stopped."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import replace

import pytest

from ingestion.cli import main
from ingestion.config import ENTITIES, Settings
from ingestion.stack import Stack, StackError
from ingestion.stack.processes import wait_for
from ingestion.stack.services import free_port


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """A stack of its own (state dir and ports), so stopping it disturbs no other test."""
    mine = Settings(
        project_dir=settings.project_dir,
        state_dir=tmp_path_factory.mktemp("stack-state"),
        jars_dir=settings.jars_dir,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        kinesis_port=free_port(),
        gateway_port=free_port(),
        kafka_partitions=3,
        kinesis_shards=2,
    )
    stack = Stack(mine)
    assert stack.up(["kafka", "kinesis"]) == ["kafka", "kinesis"]
    yield stack
    stack.down()


def test_up_provisions_topics_and_streams(own: Stack):
    from confluent_kafka.admin import AdminClient

    settings = own.settings
    topics = AdminClient({"bootstrap.servers": settings.bootstrap_servers}).list_topics(timeout=10)
    for entity in ENTITIES:
        assert len(topics.topics[settings.topic(entity)].partitions) == 3
    client = _kinesis(settings)
    for entity in ENTITIES:
        shards = client.list_shards(StreamName=settings.stream(entity))["Shards"]
        assert len(shards) == 2


def test_up_twice_is_a_no_op(own: Stack):
    pids = {name: own.tracked(name).pid() for name in ("kafka", "kinesis")}
    assert own.up(["kafka", "kinesis"]) == []
    assert {name: own.tracked(name).pid() for name in pids} == pids


def test_status_reports_running_and_stopped_services(own: Stack, monkeypatch, capsys):
    report = own.status()
    assert report["kafka"]["running"] and report["kafka"]["healthy"]
    assert report["kinesis"]["running"] and report["kinesis"]["healthy"]
    assert not report["gateway"]["running"]
    for key, value in own.settings.as_env().items():
        monkeypatch.setenv(key, value)
    assert main(["stack", "status", "--json"]) == 3  # the gateway is not running
    printed = json.loads(capsys.readouterr().out)
    assert printed["kafka"]["pid"] == report["kafka"]["pid"]


def test_a_stale_pid_file_is_detected(own: Stack):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    pid_file = own.tracked("gateway").pid_file
    pid_file.write_text(json.dumps({"pid": dead.pid, "marker": "ingestion.cli gateway"}))
    state = own.status()["gateway"]
    assert state == {**state, "running": False, "stale_pid_file_removed": True}
    assert not pid_file.exists()


def test_killed_broker_restarts_with_its_data(own: Stack):
    from ingestion.landing.producers import kafka_producer, produce_kafka

    settings = own.settings
    topic = settings.topic("pin")
    acks = produce_kafka(kafka_producer(settings.bootstrap_servers), topic, [b"before the kill"])
    own.kill("kafka")
    assert not own.is_running("kafka") and not own.status()["kafka"]["healthy"]
    own.restart("kafka")
    assert own.status()["kafka"]["healthy"]
    _, partition, offset, _ = acks[0]
    assert _read_one(settings, topic, partition, offset) == b"before the kill"


def test_a_busy_port_gives_a_clear_error(own: Stack):
    with socket.socket() as busy:
        busy.bind((own.settings.host, own.settings.gateway_port))
        busy.listen()
        with pytest.raises(StackError, match=f"port {own.settings.gateway_port} .* in use"):
            own.up(["gateway"])


def test_down_stops_only_what_it_started(own: Stack):
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        pids = [own.tracked(name).pid() for name in ("kafka", "kinesis")]
        assert own.down() == ["kinesis", "kafka"]
        for pid in pids:
            assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)
        assert bystander.poll() is None
        assert own.down() == []
    finally:
        bystander.kill()


def test_a_benchmark_part_deletes_the_topics_and_streams_it_created(own: Stack):
    """kinesis-local rewrites its whole state every 5 s: streams left behind cost its CPU."""
    from confluent_kafka.admin import AdminClient

    from ingestion.bench.landing import create_streams, create_topics, drop_own

    own.up(["kafka", "kinesis"])  # an earlier test stops them
    part = replace(own.settings, topic_prefix="benchpart", stream_prefix="benchpart")
    client = _kinesis(part)
    create_topics(part)
    create_streams(part, client)
    for service in ("kafka", "kinesis", "kinesis"):  # the second time: nothing left, no error
        drop_own(part, service)

    admin = AdminClient({"bootstrap.servers": part.bootstrap_servers})

    def left_behind() -> list[str]:
        names = [*admin.list_topics(timeout=10).topics, *client.list_streams()["StreamNames"]]
        return [name for name in names if name.startswith("benchpart")]

    assert wait_for(lambda: not left_behind(), 30, 0.5), left_behind()
    assert sorted(client.list_streams()["StreamNames"]) == sorted(
        own.settings.stream(e) for e in ENTITIES
    )


def _kinesis(settings: Settings):
    from ingestion.landing.kinesis_reader import kinesis_client

    return kinesis_client(settings.kinesis_url, settings.aws_region, local=True)


def _read_one(settings: Settings, topic: str, partition: int, offset: int) -> bytes:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": "stack-test"})
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        message = consumer.poll(30)
        assert message is not None and message.error() is None
        return message.value()
    finally:
        consumer.close()


def _is_zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


# A job like `pinpipe land`: on SIGTERM it stops its child itself (as the landing stops its
# queries, then its Spark JVM); the child writes down the signal that stopped it.
CHILD = """
import signal, sys, time
def note(sig, _):
    open(sys.argv[1], "a").write(signal.Signals(sig).name + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, note)
signal.signal(signal.SIGINT, note)
time.sleep(300)
"""
LEADER = """
import signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
def stop(*_):
    time.sleep(0.5)  # a clean stop takes a moment
    child.send_signal(signal.SIGINT)
    child.wait()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("child started", flush=True)
time.sleep(300)
"""


def test_down_lets_a_job_stop_its_own_children(tmp_path, settings: Settings):
    from ingestion.stack.processes import wait_for

    stack = Stack(Settings(project_dir=settings.project_dir, state_dir=tmp_path))
    job = stack.tracked("land-stand-in")
    notes = tmp_path / "child-signals"
    job.start([sys.executable, "-c", LEADER, CHILD, str(notes)], env=dict(os.environ),
              cwd=tmp_path, marker=str(notes))  # fmt: skip
    assert wait_for(lambda: "child started" in job.log_tail(), timeout=30), job.log_tail()
    assert stack.down(["kafka"]) == []  # stopping some services leaves jobs alone
    assert job.pid() is not None
    assert stack.down() == ["land-stand-in"]
    assert notes.read_text() == "SIGINT\n"  # from its leader, not a SIGTERM to the group
    assert job.pid() is None
