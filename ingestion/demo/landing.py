"""What the demo's landing step landed: rows counted in the bronze tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ingestion.config import ENTITIES, Settings
from ingestion.landing.jobs import bronze_target


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
