"""Landing for the demo: ``land <source> --once`` in the demo's Spark session.

The three queries of a source run together. The Kinesis reader is a Python data source:
each query starts a Python worker that must connect back to Spark within a fixed 10 s. On a
heavily loaded machine it may not, and the query fails before reading anything. Landing
resumes from the checkpoints, so the demo then lands the entities one at a time (one
worker starting at a time), each up to ``ATTEMPTS`` times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ingestion.config import ENTITIES, Settings
from ingestion.landing.jobs import (
    QueryReport,
    Trigger,
    bronze_target,
    run_until_done,
    start_queries,
)

SLOW_WORKER = "Python worker failed to connect back"
ATTEMPTS = 3


def land_once(
    spark: Any, settings: Settings, source: str, say: Callable[[str], None]
) -> list[QueryReport]:
    """Land everything queued for ``source`` now; returns the reports of the final runs."""
    try:
        return _run(spark, settings, source, ENTITIES)
    except RuntimeError as exc:
        if SLOW_WORKER not in str(exc):
            raise
        say(str(exc).splitlines()[0])
        say("landing the entities one at a time, from the checkpoints")
    reports: list[QueryReport] = []
    for entity in ENTITIES:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                reports += _run(spark, settings, source, [entity])
                break
            except RuntimeError as exc:
                if attempt == ATTEMPTS or SLOW_WORKER not in str(exc):
                    raise
                say(f"{entity}: {str(exc).splitlines()[0]}; again ({attempt + 1}/{ATTEMPTS})")
    return reports


def _run(spark: Any, settings: Settings, source: str, entities: Sequence[str]) -> list[QueryReport]:
    queries = start_queries(spark, settings, source, Trigger(once=True), entities=entities)
    return run_until_done(queries, once=True)


def landed_since(spark: Any, settings: Settings, layer: str, since: datetime) -> int:
    """Rows of the layer's three bronze tables with ``landed_at`` at or after ``since``."""
    from pyspark.sql import functions as F

    total = 0
    for entity in ENTITIES:
        kind, target = bronze_target(settings, layer, entity)
        reader = spark.read
        frame = reader.table(target) if kind == "table" else reader.format("delta").load(target)
        total += frame.where(F.col("landed_at") >= F.lit(since)).count()
    return total
