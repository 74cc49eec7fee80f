"""For acknowledged records missing from bronze: does the transport still hold them?

Reads Kafka partitions and Kinesis shards directly and answers, per record id, which chaos
id the transport holds at that position now (None: nothing there, or another record). A
record Kafka or kinesis-local no longer holds was lost by the transport; one it holds was
lost by landing.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ingestion.chaos.records import TAG
from ingestion.config import Settings

READ_TIMEOUT = 60.0


def held_by_transport(settings: Settings, layer: str, record_ids: Iterable[str]) -> dict[str, Any]:
    """Record id -> the chaos id the transport holds there (None when it holds no such record)."""
    ids = list(record_ids)
    if not ids:
        return {}
    found = _kafka(settings, ids) if layer == "batch" else _kinesis(settings, ids)
    return {rid: found.get(rid) for rid in ids}


def _tag(value: bytes | str | None) -> str | None:
    try:
        document = json.loads(value) if value is not None else None
    except ValueError:
        return None
    return document.get(TAG) if isinstance(document, dict) else None


def _kafka(settings: Settings, ids: list[str]) -> dict[str, str | None]:
    from confluent_kafka import Consumer, TopicPartition

    wanted: dict[tuple[str, int], set[int]] = defaultdict(set)
    for rid in ids:
        topic, partition, offset = rid.rsplit("/", 2)
        wanted[(topic, int(partition))].add(int(offset))
    found: dict[str, str | None] = {}
    consumer = Consumer(
        {
            "bootstrap.servers": settings.bootstrap_servers,
            "group.id": "pinpipe-chaos-check",
            "enable.auto.commit": False,
        }
    )
    try:
        for (topic, partition), offsets in wanted.items():
            consumer.assign([TopicPartition(topic, partition, min(offsets))])
            deadline = time.monotonic() + READ_TIMEOUT
            last = max(offsets)
            while time.monotonic() < deadline:
                message = consumer.poll(0.5)
                if message is None or message.error() is not None:
                    continue
                if message.offset() in offsets:
                    found[f"{topic}/{partition}/{message.offset()}"] = _tag(message.value())
                if message.offset() >= last:
                    break
    finally:
        consumer.close()
    return found


def _kinesis(settings: Settings, ids: list[str]) -> dict[str, str | None]:
    from ingestion.landing.kinesis_reader import kinesis_client

    client = kinesis_client(settings.kinesis_url, settings.aws_region, local=True)
    found: dict[str, str | None] = {}
    for stream in {rid.split("/", 1)[0] for rid in ids}:
        shards = client.list_shards(StreamName=stream)["Shards"]
        for shard in shards:
            iterator = client.get_shard_iterator(
                StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            deadline = time.monotonic() + READ_TIMEOUT
            while iterator and time.monotonic() < deadline:
                page = client.get_records(ShardIterator=iterator, Limit=10_000)
                for record in page["Records"]:
                    rid = f"{stream}/{shard['ShardId']}/{record['SequenceNumber']}"
                    found[rid] = _tag(record["Data"])
                iterator = page.get("NextShardIterator")
                if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                    break
    return found
