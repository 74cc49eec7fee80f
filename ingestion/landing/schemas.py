"""The bronze contract: columns of the batch (Kafka) and stream (Kinesis) Delta tables.

The columns come from the entity contract (``ingestion/contract.py``), which the dbt project's
sources and ``register_bronze_tables`` read as well. ``KINESIS_RECORD_COLUMNS`` is what the
Kinesis data source emits (bronze minus ``landed_at``, which the landing query stamps).
"""

from __future__ import annotations

from ingestion.contract import CONTRACT

BRONZE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    name: layer.bronze_columns for name, layer in CONTRACT.layers.items()
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
