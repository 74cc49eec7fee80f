"""Read what landed (bronze Delta tables, by path) and what dbt built (through the SQL server).

Bronze rows come back as (entity, record id, chaos id, post key): the record id is the
transport position as dbt's ``record_id`` spells it (``topic/partition/offset``,
``stream/shard/sequence number``); chaos id and key are read from the raw JSON text and are
None for text that is not a JSON object with those fields.
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path
from typing import Any, NamedTuple

from ingestion.chaos.records import KEY_FIELD, TAG
from ingestion.config import ENTITIES, Settings


class BronzeRow(NamedTuple):
    entity: str
    record_id: str
    chaos_id: str | None
    key: str | None


def read_bronze(spark: Any, settings: Settings, layer: str) -> list[BronzeRow]:
    """Every bronze row of the layer's three tables, in one Spark job."""
    from pyspark.sql import functions as F

    text = "value" if layer == "batch" else "data"
    position = (
        ["topic", F.col("partition").cast("string"), F.col("offset").cast("string")]
        if layer == "batch"
        else ["stream", "shard_id", "sequence_number"]
    )
    frames = [
        spark.read.format("delta")
        .load(settings.bronze_path(layer, entity))
        .select(
            F.lit(entity).alias("entity"),
            F.concat_ws("/", *position).alias("record_id"),
            F.get_json_object(text, f"$.{TAG}").alias("chaos_id"),
            F.get_json_object(text, f"$.{KEY_FIELD[entity]}").alias("key"),
        )
        for entity in ENTITIES
        if _is_delta(settings.bronze_path(layer, entity))
    ]
    return [BronzeRow(*row) for row in _union(frames)]


def read_models(
    settings: Settings,
    manifest: dict[str, Any],
    models: dict[str, str],
    columns: list[str],
) -> dict[str, list[dict[str, Any]] | None]:
    """Rows (only ``columns``) of each model, by key of ``models``, read through the SQL
    server; None for a model dbt did not build."""
    from ingestion.dbt_runner import model_node, relation
    from ingestion.warehouse import WarehouseError, query

    rows: dict[str, list[dict[str, Any]] | None] = {}
    for key, name in models.items():
        try:
            table = relation(model_node(manifest, name))
            rows[key] = query(settings, f"select {', '.join(columns)} from {table}").records()
        except (LookupError, WarehouseError):
            rows[key] = None
    return rows


def _is_delta(path: str) -> bool:
    return (Path(path) / "_delta_log").is_dir()


def _union(frames: list[Any]) -> list[Any]:
    if not frames:
        return []
    return reduce(lambda a, b: a.unionByName(b), frames).collect()
