"""Landing against the real broker and kinesis-local: every acknowledged offset / sequence
number lands in bronze exactly once, malformed records land as text, and a landing job
killed with SIGKILL resumes from its checkpoint without gaps or doubles.

Records are produced straight with confluent-kafka / boto3 (acks=all, idempotent), which
gives the acknowledged set; the gateway answers with the same offsets and sequence numbers.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from ingestion.config import ENTITIES, Settings
from ingestion.contract import CONTRACT
from ingestion.landing.jobs import Trigger, land
from ingestion.landing.producers import produce_kafka, put_kinesis
from ingestion.stack import SERVICES

pytestmark = pytest.mark.spark

MALFORMED = b'{"index": 7, "title": "cut off'


def payloads(entity: str, n: int, tag: str) -> list[bytes]:
    rows = [
        {"ind": i, "entity": entity, "tag": tag, "title": "caf\u00e9 \U0001f600"} for i in range(n)
    ]
    return [json.dumps(r, ensure_ascii=False).encode() for r in rows]


def isolated(settings: Settings, name: str, streams: bool = False) -> Settings:
    """Own topics, streams, lake and checkpoints: other tests of the session write to the
    default topics and streams, and a checkpoint belongs to one topic/stream.

    The topics (and, with `streams`, the Kinesis streams) are created here: neither
    service creates them on first use."""
    state = settings.state_dir / name  # type: ignore[operator]
    local = replace(settings, topic_prefix=name, stream_prefix=name,
                    lake_dir=state / "lake", checkpoint_dir=state / "checkpoints")  # fmt: skip
    SERVICES["kafka"].provision(local)
    if streams:
        SERVICES["kinesis"].provision(local)
    return local


def bronze(spark, settings: Settings, layer: str, entity: str):
    return spark.read.format("delta").load(settings.bronze_path(layer, entity))


def landed_keys(rows: list, layer: str) -> list[tuple]:
    """Each row's record id: (topic, partition, offset) or (stream, shard, sequence number),
    as the producer's acknowledgement names the record."""
    return [tuple(row[column] for column in CONTRACT.layers[layer].record_id) for row in rows]


def assert_landed_once(spark, settings: Settings, layer: str, acked: dict, sent: dict) -> dict:
    """Each entity's bronze rows of ``layer``: every acknowledged record once, with the text
    that was sent."""
    landed = {}
    for entity in ENTITIES:
        rows = landed[entity] = bronze(spark, settings, layer, entity).collect()
        keys = landed_keys(rows, layer)
        assert len(keys) == len(set(keys)), f"a {layer} {entity} record landed twice"
        assert set(keys) == {ack[:3] for ack in acked[entity]}
        texts = sorted(row[CONTRACT.layers[layer].raw_text] for row in rows)
        assert texts == sorted(v.decode() for v in sent[entity])
    return landed


def test_kafka_once_lands_every_acknowledged_offset_once(spark, settings, producer) -> None:
    settings = isolated(settings, "once-kafka")
    acked, sent = {}, {}
    for entity in ENTITIES:
        values = payloads(entity, 40, "once") + ([MALFORMED] if entity == "pin" else [])
        sent[entity] = values
        acked[entity] = produce_kafka(producer, settings.topic(entity), values)
    reports = land(spark, settings, ["kafka"], Trigger(once=True))
    assert sum(r.rows for r in reports) == sum(len(v) for v in sent.values())
    for rows in assert_landed_once(spark, settings, "batch", acked, sent).values():
        assert all(r.kafka_timestamp is not None and r.landed_at is not None for r in rows)
    pin = bronze(spark, settings, "batch", "pin")
    assert pin.filter(pin.value == MALFORMED.decode()).count() == 1

    # a second drain with nothing new adds nothing
    again = land(spark, settings, ["kafka"], Trigger(once=True))
    assert sum(r.rows for r in again) == 0
    assert bronze(spark, settings, "batch", "pin").count() == 41


def test_kinesis_once_lands_every_acknowledged_sequence_number_once(
    spark, settings, kinesis
) -> None:
    settings = isolated(settings, "once-kinesis", streams=True)
    acked, sent = {}, {}
    for entity in ENTITIES:
        values = payloads(entity, 30, "once") + ([MALFORMED] if entity == "geo" else [])
        sent[entity] = values
        acked[entity] = put_kinesis(kinesis, settings.stream(entity), values, batch=16)
    land(spark, settings, ["kinesis"], Trigger(once=True))
    for rows in assert_landed_once(spark, settings, "stream", acked, sent).values():
        assert all(r.arrived_at is not None and r.partition_key for r in rows)
    geo = bronze(spark, settings, "stream", "geo")
    assert geo.filter(geo.data == MALFORMED.decode()).count() == 1


def test_kinesis_follows_a_reshard(spark, settings, kinesis) -> None:
    """A shard split mid-stream: records of the closed parent and of both children land."""
    local = isolated(settings, "reshard")
    stream = local.stream("pin")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1})
    acked = put_kinesis(kinesis, stream, payloads("pin", 10, "before"))
    once = Trigger(once=True)
    land(spark, local, ["kinesis"], once, entities=["pin"])
    parent = kinesis.list_shards(StreamName=stream)["Shards"][0]
    middle = (
        int(parent["HashKeyRange"]["StartingHashKey"])
        + int(parent["HashKeyRange"]["EndingHashKey"])
    ) // 2
    kinesis.split_shard(
        StreamName=stream, ShardToSplit=parent["ShardId"], NewStartingHashKey=str(middle)
    )
    kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1})
    for _ in range(30):
        if (
            kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
                "StreamStatus"
            ]
            == "ACTIVE"
        ):
            break
        time.sleep(0.5)
    acked += put_kinesis(kinesis, stream, payloads("pin", 30, "after"))
    assert len({shard for _, shard, _, _ in acked}) >= 2, "records went to the children"
    land(spark, local, ["kinesis"], once, entities=["pin"])
    rows = bronze(spark, local, "stream", "pin").collect()
    keys = [(r.shard_id, r.sequence_number) for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(shard, seq) for _, shard, seq, _ in acked}


def land_process(settings: Settings, source: str) -> subprocess.Popen:
    env = {**os.environ, **settings.as_env(), "PINPIPE_SPARK_DRIVER_MEMORY": "768m"}
    return subprocess.Popen(
        [sys.executable, "-m", "ingestion.cli", "land", source, "--continuous",
         "--entity", "pin", "--trigger-ms", "300"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip


STALLED = 300.0  # seconds in which landing wrote nothing: stuck, not slow


def footprint(folders: Iterable[Path]) -> tuple[int, int] | None:
    """How many files the folders hold and their bytes; None if one changed while counted."""
    files = size = 0
    try:
        for folder in folders:
            for path in folder.rglob("*") if folder.exists() else ():
                size += path.stat().st_size
                files += 1
    except FileNotFoundError:  # Spark renames and deletes its temporary files as it goes
        return None
    return files, size


def follow(done: Callable[[], bool], failure: Callable[[], str | None], settings: Settings) -> None:
    """Wait until ``done()`` while landing keeps writing checkpoints or bronze files: fail at
    once when ``failure()`` names one, and when nothing was written for ``STALLED`` seconds.
    A slow machine only slows the wait down."""
    folders = [Path(settings.checkpoint_dir), Path(settings.lake_dir)]  # type: ignore[arg-type]
    seen, changed = footprint(folders), time.monotonic()
    while not done():
        problem = failure()
        assert problem is None, problem
        now = footprint(folders)
        if now is None or now != seen:
            seen, changed = now, time.monotonic()
        assert time.monotonic() - changed < STALLED, f"landing wrote nothing for {STALLED:.0f} s"
        time.sleep(1)


def exited(job: subprocess.Popen) -> str | None:
    return None if job.poll() is None else f"the landing job exited ({job.returncode})"


def wait_for_rows(
    spark, settings: Settings, layer: str, at_least: int, job: subprocess.Popen
) -> int:
    """Wait until ``at_least`` rows are in bronze ``<layer>_pin``, while ``job`` lands."""
    path = settings.bronze_path(layer, "pin")
    commits, count = 0, 0

    def landed() -> bool:
        nonlocal commits, count
        now = len(glob.glob(f"{path}/_delta_log/*.json"))
        if now != commits:  # count again only after a new commit
            commits, count = now, spark.read.format("delta").load(path).count()
        return count >= at_least

    follow(landed, lambda: exited(job), settings)
    return count


@pytest.mark.parametrize("source", ["kafka", "kinesis"])
def test_sigkill_mid_stream_then_restart_has_no_gap_and_no_double(
    spark, settings, producer, kinesis, source
) -> None:
    local = isolated(settings, f"kill-{source}")
    layer = "batch" if source == "kafka" else "stream"
    if source == "kinesis":
        kinesis.create_stream(StreamName=local.stream("pin"), ShardCount=2)
        kinesis.get_waiter("stream_exists").wait(StreamName=local.stream("pin"),
                                                 WaiterConfig={"Delay": 1})  # fmt: skip
    acked: list = []
    stop = threading.Event()

    def produce() -> None:  # a steady trickle, ~100 records/s, until told to stop
        n = 0
        while not stop.is_set():
            values = payloads("pin", 10, f"kill-{n}")
            if source == "kafka":
                acked.extend(produce_kafka(producer, local.topic("pin"), values))
            else:
                acked.extend(put_kinesis(kinesis, local.stream("pin"), values))
            n += 1
            time.sleep(0.1)

    writer = threading.Thread(target=produce, daemon=True)
    writer.start()
    first = land_process(local, source)
    try:
        wait_for_rows(spark, local, layer, 1, first)
        time.sleep(1.5)  # let it land a few more batches, then kill it mid-stream
    except BaseException:
        stop.set()
        raise
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    assert first.returncode == -signal.SIGKILL
    time.sleep(2)  # records keep arriving while nothing lands
    second = land_process(local, source)
    try:
        time.sleep(3)
        stop.set()
        writer.join(30)
        wait_for_rows(spark, local, layer, len(acked), second)
        time.sleep(1)  # one more trigger: nothing extra may appear
    finally:
        stop.set()
        second.send_signal(signal.SIGTERM)  # it finishes its micro-batch, then exits
        follow(lambda: second.poll() is not None, lambda: None, local)
        out, _ = second.communicate()
    assert second.returncode == 0, "SIGTERM stops the queries cleanly"
    assert json.loads(out.decode().strip().splitlines()[-1])["mode"] == "continuous"
    rows = bronze(spark, local, layer, "pin").collect()
    keys = landed_keys(rows, layer)
    expected = {ack[:3] for ack in acked}
    assert len(keys) == len(set(keys)), "a record landed twice across the kill"
    assert set(keys) == expected, f"{len(expected - set(keys))} acknowledged records missing"
