"""Write records straight to Kafka / Kinesis and keep what the service acknowledged.

Used by the landing tests and ``pinpipe bench landing`` to know exactly which offsets and
sequence numbers must reach bronze, and when each one was acknowledged. Clients are injected.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

KafkaAck = tuple[str, int, int, float]  # topic, partition, offset, acknowledged at (epoch s)
KinesisAck = tuple[str, str, str, float]  # stream, shard id, sequence number, acknowledged at


def kafka_producer(bootstrap_servers: str, **config: Any) -> Any:
    """An idempotent producer with acks=all, the settings the gateway uses."""
    from confluent_kafka import Producer

    return Producer(
        {
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            **config,
        }
    )


def produce_waiting(producer: Any, topic: str, value: bytes, **kwargs: Any) -> None:
    """Produce one value; while the producer's queue is full, serve delivery reports."""
    while True:
        try:
            producer.produce(topic, value, **kwargs)
            return
        except BufferError:
            producer.poll(0.05)


def produce_kafka(producer: Any, topic: str, values: Iterable[bytes]) -> list[KafkaAck]:
    """Produce every value and wait; return the acknowledged records (raise on any failure)."""
    acks: list[KafkaAck] = []
    errors: list[str] = []

    def delivered(err: Any, msg: Any) -> None:
        if err is not None:
            errors.append(str(err))
        else:
            acks.append((msg.topic(), msg.partition(), msg.offset(), time.time()))

    for value in values:
        produce_waiting(producer, topic, value, on_delivery=delivered)
        producer.poll(0)
    remaining = producer.flush(60)
    if errors or remaining:
        raise RuntimeError(
            f"Kafka did not acknowledge {len(errors) + remaining} records: {errors[:3]}"
        )
    return acks


def put_kinesis(
    client: Any, stream: str, values: Iterable[bytes], *, batch: int = 100
) -> list[KinesisAck]:
    """PutRecords in batches, retrying failed entries; return the acknowledged records."""
    acks: list[KinesisAck] = []
    pending = [{"Data": value, "PartitionKey": str(i)} for i, value in enumerate(values)]
    for begin in range(0, len(pending), batch):
        chunk = pending[begin : begin + batch]
        for _attempt in range(20):
            answer = client.put_records(StreamName=stream, Records=chunk)
            now = time.time()
            retry = []
            for entry, result in zip(chunk, answer["Records"], strict=True):
                if "SequenceNumber" in result and not result.get("ErrorCode"):
                    acks.append((stream, result["ShardId"], result["SequenceNumber"], now))
                else:
                    retry.append(entry)
            if not retry:
                break
            chunk = retry
            time.sleep(0.2)
        else:
            raise RuntimeError(f"Kinesis kept failing {len(chunk)} records of {stream}")
    return acks
