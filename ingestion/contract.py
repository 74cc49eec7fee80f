"""The entity contract, read from where the dbt project keeps it (``vars.contract`` in
``dbt_project.yml``): the entities and their keys and fields, the layers and their bronze
columns, the categories, media types, placeholders and reject reasons.

Python never keeps a second copy: the settings, the bronze schemas, the source replica, the
benchmarks and the tests take their lists from here. The file is the one beside this package
(the checkout the code runs from), so the contract always belongs to the code that reads it.
docs/dbt.md ("The entity contract") describes every key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ingestion.errors import BadInput

DBT_PROJECT_FILE = Path(__file__).resolve().parents[1] / "dbt_project.yml"

T = TypeVar("T")


class ContractError(BadInput):
    """The contract in dbt_project.yml is missing or incomplete."""


@dataclass(frozen=True)
class Entity:
    """One record kind: its source table, key field and JSON fields."""

    name: str
    source_table: str
    key: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """One lambda layer: its transport and the columns of its bronze tables."""

    name: str
    transport: str
    raw_text: str  # the column holding the record's JSON text
    record_id: tuple[str, ...]  # the columns naming the record as its transport acknowledged it
    bronze_columns: tuple[tuple[str, str], ...]  # (name, Spark type), in table order


@dataclass(frozen=True)
class Contract:
    entities: dict[str, Entity]
    layers: dict[str, Layer]
    categories: tuple[str, ...]
    media_types: tuple[str, ...]
    placeholders: dict[str, tuple[str, ...]]
    reject_reasons: tuple[str, ...]


def dbt_vars(path: Path = DBT_PROJECT_FILE) -> dict[str, Any]:
    """The ``vars`` of a dbt_project.yml, unrendered (Jinja stays text)."""
    try:
        project = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ContractError(f"cannot read the entity contract from {path}: {exc}") from exc
    return dict(project.get("vars") or {})


def parse_contract(spec: dict[str, Any]) -> Contract:
    """A Contract from the ``contract`` var; a clear error naming what is missing."""
    try:
        return Contract(
            entities=_named(Entity, spec["entities"], fields=tuple),
            layers=_named(
                Layer, spec["layers"], record_id=tuple, bronze_columns=lambda c: tuple(c.items())
            ),
            categories=tuple(spec["categories"]),
            media_types=tuple(spec["media_types"]),
            placeholders={f: tuple(v) for f, v in spec["placeholders"].items()},
            reject_reasons=tuple(spec["reject_reasons"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ContractError(f"incomplete entity contract (vars.contract): {exc!r}") from exc


def _named(kind: type[T], specs: dict[str, Any], **convert: Callable[[Any], Any]) -> dict[str, T]:
    """One ``kind`` per entry of ``specs``, named by its key: every other field of ``kind`` is
    the entry's value of that name, passed through ``convert``'s function of that name if any."""
    keys = [f.name for f in fields(kind) if f.name != "name"]
    return {
        name: kind(name=name, **{k: convert.get(k, _same)(spec[k]) for k in keys})
        for name, spec in specs.items()
    }


def _same(value: Any) -> Any:
    return value


@cache
def load_contract(path: Path = DBT_PROJECT_FILE) -> Contract:
    """The contract of the dbt project at ``path`` (read once per process)."""
    spec = dbt_vars(path).get("contract")
    if spec is None:
        raise ContractError(f"{path} has no vars.contract")
    return parse_contract(spec)


CONTRACT = load_contract()
