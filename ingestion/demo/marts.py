"""The gold marts as small aligned text tables.

Which marts answer the business questions comes from the dbt manifest: the models the
``pinterest_insights_report`` exposure depends on, in its order. Their rows are read through
the SQL server, as an analyst would.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from ingestion.config import Settings
from ingestion.dbt_runner import relation
from ingestion.text_table import aligned

REPORT_EXPOSURE = "pinterest_insights_report"
CORE_MARTS = ("fct_pin_posts", "dim_people")
QUARANTINE_MODEL = "stg_pinterest__quarantined_records"
DESCRIPTION_WIDTH = 96


@dataclass(frozen=True)
class Mart:
    name: str
    description: str
    relation: str  # schema.table on the SQL server


def as_mart(node: dict[str, Any]) -> Mart:
    return Mart(node["name"], " ".join(node.get("description", "").split()), relation(node))


def question_marts(manifest: dict[str, Any]) -> list[Mart]:
    """The marts of the insights report exposure, in the exposure's order."""
    exposures = [e for e in manifest["exposures"].values() if e["name"] == REPORT_EXPOSURE]
    if not exposures:
        raise LookupError(f"the dbt manifest has no exposure {REPORT_EXPOSURE!r}")
    nodes = manifest["nodes"]
    return [as_mart(nodes[uid]) for uid in exposures[0]["depends_on"]["nodes"]]


@dataclass(frozen=True)
class MartRows:
    mart: Mart
    columns: list[str]
    rows: list[tuple[Any, ...]]  # every row, sorted by all columns (nulls last)


def sort_key(row: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is None, value) for value in row)


def read_mart(settings: Settings, mart: Mart) -> MartRows:
    from ingestion.warehouse import query

    result = query(settings, f"select * from {mart.relation}")
    return MartRows(mart, result.columns, sorted(result.rows, key=sort_key))


def render(table: MartRows, limit: int) -> list[str]:
    """The mart as text: a title line, its description, then the rows as an aligned table.
    ``limit`` caps the rows shown (0 shows all); a last line says how many were left out.
    """
    total = len(table.rows)
    shown = table.rows if limit == 0 else table.rows[:limit]
    noun = "row" if total == 1 else "rows"
    lines = [f"{table.mart.name} ({total} {noun})"]
    lines += [f"  {text}" for text in textwrap.wrap(table.mart.description, DESCRIPTION_WIDTH)]
    lines += aligned(table.columns, shown)
    if len(shown) < total:
        left = total - len(shown)
        lines.append(
            f"  ... {left} more (pinpipe dbt show --select {table.mart.name} --limit {total})"
        )
    return lines
