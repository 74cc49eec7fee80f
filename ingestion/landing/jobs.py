"""Streaming queries that land raw records in the bronze Delta tables.

One query per entity and layer, all in one Spark session: Kafka topic -> bronze batch table,
Kinesis stream -> bronze stream table. Each query has its own checkpoint under
``settings.checkpoint_dir/bronze/<layer>_<entity>``; the Delta sink and the checkpoint together
land every offset / sequence number exactly once, also across kills and restarts.
"""

from __future__ import annotations

import signal
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.config import ENTITIES, Settings, parse_pairs
from ingestion.landing.schemas import BRONZE_COLUMNS

KINESIS_MODES = ("local", "aws", "databricks")


@dataclass(frozen=True)
class Trigger:
    """``once``: drain what is there now (availableNow) and stop; else micro-batches."""

    once: bool
    interval_ms: int = 1000

    def apply(self, writer: Any) -> Any:
        if self.once:
            return writer.trigger(availableNow=True)
        return writer.trigger(processingTime=f"{self.interval_ms} milliseconds")


def checkpoint(settings: Settings, layer: str, entity: str) -> str:
    return str(Path(settings.checkpoint_dir) / "bronze" / f"{layer}_{entity}")  # type: ignore[arg-type]


def bronze_target(settings: Settings, layer: str, entity: str) -> tuple[str, str]:
    """``("path", <delta path>)`` locally, ``("table", <name>)`` when a table prefix is set."""
    if settings.bronze_table_prefix:
        return "table", f"{settings.bronze_table_prefix}{layer}_{entity}"
    return "path", settings.bronze_path(layer, entity)


def create_bronze_table(spark: Any, path: str, layer: str, attempts: int = 5) -> None:
    """An empty bronze table at ``path`` unless one is there, before any query writes to it.

    dbt creates it too (``register_bronze_tables``), and two writers that create one Delta
    table in an empty directory at once conflict: the loser's first commit fails. A conflict
    here is retried, and then finds the other writer's table."""
    columns = ", ".join(f"`{name}` {kind}" for name, kind in BRONZE_COLUMNS[layer])
    statement = f"create table if not exists delta.`{path}` ({columns}) using delta"
    for attempt in range(1, attempts + 1):
        try:
            spark.sql(statement)
            return
        except Exception as exc:  # py4j wraps Delta's exceptions: recognised by their names
            if attempt == attempts or not any(name in str(exc) for name in CREATE_CONFLICTS):
                raise
            time.sleep(0.2 * attempt)


CREATE_CONFLICTS = ("DELTA_PROTOCOL_CHANGED", "DELTA_METADATA_CHANGED", "DELTA_CONCURRENT")


def kafka_frame(spark: Any, settings: Settings, entity: str) -> Any:
    """The Kafka records of one entity's topic, in bronze batch columns."""
    from pyspark.sql import functions as F

    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.bootstrap_servers)
        .option("subscribe", settings.topic(entity))
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", "true")
    )
    if settings.landing_max_records:
        reader = reader.option("maxOffsetsPerTrigger", str(settings.landing_max_records))
    options = parse_pairs(settings.landing_kafka_options, "PINPIPE_LANDING_KAFKA_OPTIONS")
    for key, value in options.items():
        reader = reader.option(f"kafka.{key}", value)
    return reader.load().select(
        F.col("value").cast("string").alias("value"),
        F.col("topic"),
        F.col("partition"),
        F.col("offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.current_timestamp().alias("landed_at"),
    )


def kinesis_frame(spark: Any, settings: Settings, entity: str) -> Any:
    """The Kinesis records of one entity's stream, in bronze stream columns."""
    from pyspark.sql import functions as F

    mode = settings.kinesis_mode
    if mode not in KINESIS_MODES:
        raise ValueError(f"PINPIPE_KINESIS_MODE must be one of {KINESIS_MODES}, got {mode!r}")
    if mode == "databricks":
        return _databricks_kinesis_frame(spark, settings, entity)
    from ingestion.landing.kinesis_source import SOURCE_NAME, KinesisDataSource

    spark.dataSource.register(KinesisDataSource)
    local = mode == "local"
    frame = (
        spark.readStream.format(SOURCE_NAME)
        .option("stream", settings.stream(entity))
        .option("region", settings.aws_region)
        .option("endpoint", settings.kinesis_url if local else settings.kinesis_endpoint)
        .option("local", str(local).lower())
        .option("start", settings.kinesis_start)
        .option("max_records", str(settings.landing_max_records or 10_000))
        .load()
    )
    return frame.select(*frame.columns, F.current_timestamp().alias("landed_at"))


def _databricks_kinesis_frame(spark: Any, settings: Settings, entity: str) -> Any:
    """Databricks' built-in ``kinesis`` source (docs.databricks.com, "Amazon Kinesis").

    Credentials come from the cluster (instance profile / default chain). Runs on Databricks
    only; the columns are renamed to the bronze stream contract.
    """
    from pyspark.sql import functions as F

    reader = (
        spark.readStream.format("kinesis")
        .option("streamName", settings.stream(entity))
        .option("region", settings.aws_region)
        .option("initialPosition", settings.kinesis_start.lower())
    )
    if settings.kinesis_endpoint:
        reader = reader.option("endpoint", settings.kinesis_endpoint)
    return reader.load().select(
        F.col("data").cast("string").alias("data"),
        F.col("stream"),
        F.col("shardId").alias("shard_id"),
        F.col("sequenceNumber").alias("sequence_number"),
        F.col("partitionKey").alias("partition_key"),
        F.col("approximateArrivalTimestamp").alias("arrived_at"),
        F.current_timestamp().alias("landed_at"),
    )


def start_queries(
    spark: Any,
    settings: Settings,
    source: str,
    trigger: Trigger,
    entities: Iterable[str] = ENTITIES,
) -> list[Any]:
    """Start one landing query per entity for ``source`` (``kafka`` or ``kinesis``)."""
    layer = {"kafka": "batch", "kinesis": "stream"}.get(source)
    if layer is None:
        raise ValueError(f"unknown landing source {source!r}; expected kafka or kinesis")
    frame_of = kafka_frame if source == "kafka" else kinesis_frame
    queries = []
    for entity in entities:
        if entity not in ENTITIES:
            raise ValueError(f"unknown entity {entity!r}; expected one of {ENTITIES}")
        frame = frame_of(spark, settings, entity)
        expected = [name for name, _ in BRONZE_COLUMNS[layer]]
        if frame.columns != expected:  # the contract, checked before anything is written
            raise AssertionError(f"{source} frame columns {frame.columns} != {expected}")
        writer = (
            frame.writeStream.format("delta")
            .outputMode("append")
            .queryName(f"bronze_{layer}_{entity}")
            .option("checkpointLocation", checkpoint(settings, layer, entity))
        )
        kind, target = bronze_target(settings, layer, entity)
        if kind == "path":
            create_bronze_table(spark, target, layer)
        writer = trigger.apply(writer)
        queries.append(writer.toTable(target) if kind == "table" else writer.start(target))
    return queries


@dataclass
class QueryReport:
    name: str
    rows: int
    batches: int
    seconds: float
    # median milliseconds per phase of the batches that landed rows (Spark's progress
    # ``durationMs``: latestOffset, getBatch, addBatch, walCommit, commitOffsets, ...)
    batch_ms: dict[str, float]


def run_until_done(queries: list[Any], *, once: bool, poll: float = 0.5) -> list[QueryReport]:
    """Wait for ``--once`` queries to finish, or run until SIGTERM/SIGINT, then stop cleanly.

    Raises the first query failure. Returns rows and batches per query.
    """
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    rows = {q.name: 0 for q in queries}
    batches = {q.name: 0 for q in queries}
    seen: dict[str, set[int]] = {q.name: set() for q in queries}
    phases: dict[str, list[dict[str, int]]] = {q.name: [] for q in queries}

    def collect() -> None:
        for q in queries:
            for progress in q.recentProgress:
                batch = progress["batchId"]
                if batch not in seen[q.name]:
                    seen[q.name].add(batch)
                    rows[q.name] += int(progress.get("numInputRows", 0))
                    batches[q.name] += 1
                    if progress.get("numInputRows"):
                        phases[q.name].append(progress.get("durationMs", {}))

    try:
        while not stop.is_set():
            for q in queries:
                if q.exception() is not None:
                    raise RuntimeError(f"landing query {q.name} failed: {q.exception()}")
            collect()
            if once and not any(q.isActive for q in queries):
                break
            stop.wait(poll)
    finally:
        for q in queries:
            if q.isActive:
                q.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    collect()
    for q in queries:
        if q.exception() is not None:
            raise RuntimeError(f"landing query {q.name} failed: {q.exception()}")
    seconds = time.monotonic() - started
    return [
        QueryReport(
            q.name, rows[q.name], batches[q.name], round(seconds, 2), medians(phases[q.name])
        )
        for q in queries
    ]


def medians(durations: list[dict[str, int]]) -> dict[str, float]:
    """The median of each phase over the batches' ``durationMs``."""
    names = sorted({name for d in durations for name in d})
    return {name: statistics.median(d.get(name, 0) for d in durations) for name in names}


def land(
    spark: Any,
    settings: Settings,
    sources: Iterable[str],
    trigger: Trigger,
    entities: Iterable[str] = ENTITIES,
    started: Callable[[list[Any]], None] = lambda queries: None,
) -> list[QueryReport]:
    """Land ``sources`` (``kafka``, ``kinesis``) together: one query per source and entity,
    run to the end (``--once``) or until SIGTERM / Ctrl-C. ``started`` is called once every
    query runs, so every bronze table exists."""
    queries: list[Any] = []
    try:
        for source in sources:
            queries += start_queries(spark, settings, source, trigger, entities)
    except BaseException:
        for query in queries:
            query.stop()
        raise
    started(queries)
    return run_until_done(queries, once=trigger.once)
