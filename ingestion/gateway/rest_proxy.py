"""Kafka REST Proxy v2 routes: produce to a topic (or one partition), list and describe topics."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource
from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from ingestion.emulator import wire
from ingestion.gateway import openapi
from ingestion.gateway.errors import KAFKA_V2, RestProxyError, json_response, read_body
from ingestion.gateway.kafka_sink import KafkaSink, QueueFull
from ingestion.gateway.lean_route import LeanRoute
from ingestion.gateway.metrics import GatewayMetrics
from ingestion.gateway.rest_proxy_format import embedded_format, parse_records, produce_answer

router = APIRouter(tags=["Kafka REST Proxy v2"], route_class=LeanRoute)
TOPIC = re.compile(openapi.TOPIC_PATTERN)
PARTITION = re.compile(r"^[0-9]{1,10}$")
TopicName = Path(description="Kafka topic name", pattern=openapi.TOPIC_PATTERN)


@router.post(wire.TOPIC_ROUTE, **openapi.PRODUCE_TO_TOPIC)
async def produce_to_topic(request: Request, topic: str = TopicName) -> Response:
    return await _produce(request, topic, None)


@router.post("/topics/{topic}/partitions/{partition}", **openapi.PRODUCE_TO_PARTITION)
async def produce_to_partition(
    request: Request,
    topic: str = TopicName,
    partition: str = Path(pattern=PARTITION.pattern, description="partition number"),
) -> Response:
    if not PARTITION.fullmatch(partition):
        raise RestProxyError(422, 422, f"partition must be a whole number, got {partition!r}")
    return await _produce(request, topic, int(partition))


async def _produce(request: Request, topic: str, partition: int | None) -> Response:
    state = request.app.state
    _check_name(topic)
    sink: KafkaSink = state.kafka
    metrics: GatewayMetrics = state.metrics
    fmt = embedded_format(request.headers.get("content-type"))
    body = await read_body(request, state.settings.gateway_max_body_bytes, RestProxyError)
    partitions = await _partitions(sink, topic)
    if partition is not None and partition >= partitions:
        raise RestProxyError(404, 40402, "Partition not found.")
    records = parse_records(
        body, fmt, max_record_bytes=state.settings.gateway_max_record_bytes, partitions=partitions
    )
    if partition is not None:
        records = [(key, value, partition) for key, value, _ in records]
    try:
        deliveries = await sink.produce(topic, records)
    except QueueFull as exc:
        raise RestProxyError(429, 42901, f"Too many requests: {exc}") from exc
    failures = [str(d.error_code) for d in deliveries if d.error_code is not None]
    metrics.answered("kafka", len(deliveries) - len(failures), failures)
    status, answer = produce_answer(deliveries)
    return json_response(answer, status, KAFKA_V2)


def _check_name(topic: str) -> None:
    if not TOPIC.fullmatch(topic):
        raise RestProxyError(422, 422, f"{topic!r} is not a topic name: {openapi.TOPIC_PATTERN}")


async def _partitions(sink: KafkaSink, topic: str) -> int:
    """Partition count of a topic the broker has; 404/40401 otherwise, 503 when unreachable."""
    try:
        partitions = await sink.topics.lookup(topic)
    except KafkaException as exc:
        raise RestProxyError(503, 50302, f"Kafka is not available: {exc.args[0].str()}") from exc
    if partitions is None:
        raise RestProxyError(404, 40401, "Topic not found.")
    return partitions


@router.get("/topics", **openapi.LIST_TOPICS)
async def list_topics(request: Request) -> Response:
    sink: KafkaSink = request.app.state.kafka
    try:
        names = await sink.topics.names()
    except KafkaException as exc:
        raise RestProxyError(503, 50302, f"Kafka is not available: {exc.args[0].str()}") from exc
    return json_response(names, media_type=KAFKA_V2)


@router.get(wire.TOPIC_ROUTE, **openapi.DESCRIBE_TOPIC)
async def describe_topic(request: Request, topic: str = TopicName) -> Response:
    sink: KafkaSink = request.app.state.kafka
    admin: AdminClient = request.app.state.kafka_admin
    _check_name(topic)
    await _partitions(sink, topic)
    try:
        description = await asyncio.to_thread(_describe, sink, admin, topic)
    except KafkaException as exc:
        raise RestProxyError(503, 50302, f"Kafka is not available: {exc.args[0].str()}") from exc
    if description is None:
        raise RestProxyError(404, 40401, "Topic not found.")
    return json_response(description, media_type=KAFKA_V2)


def _describe(sink: KafkaSink, admin: AdminClient, topic: str) -> dict[str, Any] | None:
    timeout = min(sink.delivery_timeout, 10)
    metadata = sink.producer.list_topics(timeout=timeout).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return None
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin.describe_configs([resource], request_timeout=timeout)[resource].result(timeout)
    partitions = [
        {
            "partition": p.id,
            "leader": p.leader,
            "replicas": [
                {"broker": b, "leader": b == p.leader, "in_sync": b in p.isrs} for b in p.replicas
            ],
        }
        for p in sorted(metadata.partitions.values(), key=lambda p: p.id)
    ]
    configs = {name: entry.value for name, entry in sorted(entries.items())}
    return {"name": topic, "configs": configs, "partitions": partitions}
