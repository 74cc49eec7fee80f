"""The gold marts as small aligned text tables.

Which marts answer the business questions comes from the dbt manifest: the models the
``pinterest_insights_report`` exposure depends on, in its order. Locally each built table
is a Delta folder in the Spark warehouse, ``<state>/spark/warehouse/<schema>.db/<alias>``,
read by path so the Derby metastore stays free.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingestion.config import Settings

REPORT_EXPOSURE = "pinterest_insights_report"
CORE_MARTS = ("fct_pin_posts", "dim_people")
QUARANTINE_MODEL = "stg_pinterest__quarantined_records"
MAX_CELL = 40  # columns; longer text is cut with an ellipsis
DESCRIPTION_WIDTH = 96
ELLIPSIS = "…"
NULL = "null"


def target_dir(settings: Settings) -> Path:
    """dbt's target folder: ``DBT_TARGET_PATH`` (relative to the project) or ``target``."""
    return Path(settings.project_dir) / os.environ.get("DBT_TARGET_PATH", "target")


def load_manifest(settings: Settings) -> dict[str, Any]:
    path = target_dir(settings) / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"no dbt manifest at {path}: `dbt build` writes it")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Mart:
    name: str
    description: str
    path: str  # the Delta folder of the built table


def model_node(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "snapshot") and node["name"] == name:
            return node
    raise LookupError(f"the dbt manifest has no model {name!r}")


def table_path(settings: Settings, node: dict[str, Any]) -> str:
    alias = node.get("alias") or node["name"]
    return f"{settings.spark_dir}/warehouse/{node['schema']}.db/{alias}"


def as_mart(settings: Settings, node: dict[str, Any]) -> Mart:
    return Mart(
        node["name"], " ".join(node.get("description", "").split()), table_path(settings, node)
    )


def question_marts(settings: Settings, manifest: dict[str, Any]) -> list[Mart]:
    """The marts of the insights report exposure, in the exposure's order."""
    exposures = [e for e in manifest["exposures"].values() if e["name"] == REPORT_EXPOSURE]
    if not exposures:
        raise LookupError(f"the dbt manifest has no exposure {REPORT_EXPOSURE!r}")
    nodes = manifest["nodes"]
    return [as_mart(settings, nodes[uid]) for uid in exposures[0]["depends_on"]["nodes"]]


@dataclass(frozen=True)
class MartRows:
    mart: Mart
    columns: list[str]
    rows: list[tuple[Any, ...]]  # every row, sorted by all columns (nulls last)


def sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is None, value) for value in row)


def read_mart(spark: Any, mart: Mart) -> MartRows:
    frame = spark.read.format("delta").load(mart.path)
    rows = sorted((tuple(row) for row in frame.collect()), key=sort_key)
    return MartRows(mart, list(frame.columns), rows)


def format_value(value: Any) -> str:
    """One cell: ``null``, integers as they are, floats with one decimal, long text cut."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.1f}" if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, int | Decimal | date):
        return str(value)
    return cut(" ".join(str(value).split()), MAX_CELL)


def char_width(char: str) -> int:
    """Terminal columns of one character: wide and full-width ones (most emoji) take two,
    combining marks and format characters (joiners, variation selectors) none."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def cut(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` columns, else its start and an ellipsis."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += char_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def render(table: MartRows, limit: int) -> list[str]:
    """The mart as text: a title line, its description, a header, a rule and the rows.

    Numbers are right-aligned, everything else left-aligned, columns two spaces apart;
    widths are terminal columns (an emoji takes two).
    ``limit`` caps the rows shown (0 shows all); a last line says how many were left out.
    """
    total = len(table.rows)
    shown = table.rows if limit == 0 else table.rows[:limit]
    cells = [[format_value(v) for v in row] for row in shown]
    widths = [
        max([len(name), *(display_width(row[i]) for row in cells)])
        for i, name in enumerate(table.columns)
    ]
    numeric = [
        any(is_number(row[i]) for row in shown)
        and not any(row[i] is not None and not is_number(row[i]) for row in shown)
        for i in range(len(table.columns))
    ]

    def line(values: list[str]) -> str:
        parts = [
            pad(value, width, right)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  " + "  ".join(parts).rstrip()

    noun = "row" if total == 1 else "rows"
    lines = [f"{table.mart.name} ({total} {noun})"]
    lines += [f"  {text}" for text in textwrap.wrap(table.mart.description, DESCRIPTION_WIDTH)]
    lines.append(line(list(table.columns)))
    lines.append(line(["-" * width for width in widths]))
    lines += [line(row) for row in cells]
    if len(shown) < total:
        left = total - len(shown)
        lines.append(
            f"  ... {left} more (pinpipe dbt show --select {table.mart.name} --limit {total})"
        )
    return lines
