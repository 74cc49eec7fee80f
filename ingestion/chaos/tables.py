"""Read what landed and what dbt built, by Delta path (no metastore: dbt may own it).

Bronze rows come back as (entity, record id, chaos id, post key): the record id is the
transport position as dbt's ``record_id`` spells it (``topic/partition/offset``,
``stream/shard/sequence number``); chaos id and key are read from the raw JSON text and are
None for text that is not a JSON object with those fields.
"""

from __future__ import annotations

import json
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
    from pyspark.sql import functions as F

    text = "value" if layer == "batch" else "data"
    position = (
        ["topic", F.col("partition").cast("string"), F.col("offset").cast("string")]
        if layer == "batch"
        else ["stream", "shard_id", "sequence_number"]
    )
    rows: list[BronzeRow] = []
    for entity in ENTITIES:
        path = settings.bronze_path(layer, entity)
        if not (Path(path) / "_delta_log").is_dir():
            continue
        frame = (
            spark.read.format("delta")
            .load(path)
            .select(
                F.concat_ws("/", *position).alias("record_id"),
                F.get_json_object(text, f"$.{TAG}").alias("chaos_id"),
                F.get_json_object(text, f"$.{KEY_FIELD[entity]}").alias("key"),
            )
        )
        rows += [BronzeRow(entity, *row) for row in frame.collect()]
    return rows


def load_manifest(target_path: Path) -> dict[str, Any]:
    return json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))


def model_path(settings: Settings, manifest: dict[str, Any], name: str) -> str:
    """The Delta folder dbt built model ``name`` in (its schema and alias from the manifest)."""
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "snapshot") and node["name"] == name:
            alias = node.get("alias") or node["name"]
            return f"{settings.spark_dir}/warehouse/{node['schema']}.db/{alias}"
    raise KeyError(f"model {name} is not in the dbt manifest")


def read_model(
    spark: Any, settings: Settings, manifest: dict[str, Any], name: str, columns: list[str]
) -> list[dict[str, Any]] | None:
    """The model's rows (only ``columns``), or None when dbt did not build it."""
    path = model_path(settings, manifest, name)
    if not (Path(path) / "_delta_log").is_dir():
        return None
    frame = spark.read.format("delta").load(path).select(*columns)
    return [row.asDict() for row in frame.collect()]
