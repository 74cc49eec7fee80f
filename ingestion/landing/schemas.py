"""The bronze contract: columns of the batch (Kafka) and stream (Kinesis) Delta tables.

``macros/register_bronze_tables.sql`` declares the same columns for dbt; a test keeps the two
equal. ``KINESIS_RECORD_COLUMNS`` is what the Kinesis data source emits (bronze minus
``landed_at``, which the landing query stamps).
"""

from __future__ import annotations

BRONZE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "batch": (
        ("value", "string"),
        ("topic", "string"),
        ("partition", "int"),
        ("offset", "bigint"),
        ("kafka_timestamp", "timestamp"),
        ("landed_at", "timestamp"),
    ),
    "stream": (
        ("data", "string"),
        ("stream", "string"),
        ("shard_id", "string"),
        ("sequence_number", "string"),
        ("partition_key", "string"),
        ("arrived_at", "timestamp"),
        ("landed_at", "timestamp"),
    ),
}

KINESIS_RECORD_COLUMNS = tuple(c for c in BRONZE_COLUMNS["stream"] if c[0] != "landed_at")


def ddl(columns: tuple[tuple[str, str], ...]) -> str:
    """Columns as a Spark DDL string: ``name type, ...``."""
    return ", ".join(f"{name} {kind}" for name, kind in columns)


def bronze_ddl(layer: str) -> str:
    if layer not in BRONZE_COLUMNS:
        raise ValueError(
            f"unknown bronze layer {layer!r}; expected one of {sorted(BRONZE_COLUMNS)}"
        )
    return ddl(BRONZE_COLUMNS[layer])
