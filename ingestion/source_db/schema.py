"""The three source tables, as SQLAlchemy Core tables that work on any dialect.

Column names and kinds follow the original RDS database: ``follower_count`` is text, the key
is ``index`` in ``pinterest_data`` and ``ind`` in the other two. On SQLite datetimes are
stored as ``YYYY-MM-DD HH:MM:SS`` text (no microseconds), so the file reads like the original.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, Table, Text
from sqlalchemy.dialects import sqlite

from ingestion.config import SOURCE_TABLES
from ingestion.contract import CONTRACT

_SQLITE_DATETIME = sqlite.DATETIME(
    storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
    regexp=r"(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)",
)
_DATETIME = DateTime().with_variant(_SQLITE_DATETIME, "sqlite")

KEY_COLUMNS = {name: entity.key for name, entity in CONTRACT.entities.items()}
"""The row key of each table (row k of every table has key k)."""


def build_metadata() -> MetaData:
    """A fresh MetaData holding the three tables (one per call: no shared global state)."""
    metadata = MetaData()
    Table(
        SOURCE_TABLES["pin"],
        metadata,
        Column("index", Integer, primary_key=True, autoincrement=False),
        Column("unique_id", Text),
        Column("title", Text),
        Column("description", Text),
        Column("poster_name", Text),
        Column("follower_count", Text),
        Column("tag_list", Text),
        Column("is_image_or_video", Text),
        Column("image_src", Text),
        Column("downloaded", Integer),
        Column("save_location", Text),
        Column("category", Text),
    )
    Table(
        SOURCE_TABLES["geo"],
        metadata,
        Column("ind", Integer, primary_key=True, autoincrement=False),
        Column("timestamp", _DATETIME),
        Column("latitude", Float(precision=53)),
        Column("longitude", Float(precision=53)),
        Column("country", Text),
    )
    Table(
        SOURCE_TABLES["user"],
        metadata,
        Column("ind", Integer, primary_key=True, autoincrement=False),
        Column("first_name", Text),
        Column("last_name", Text),
        Column("age", Integer),
        Column("date_joined", _DATETIME),
    )
    return metadata


def tables(metadata: MetaData) -> dict[str, Table]:
    """The tables of ``metadata`` by entity (``pin``, ``geo``, ``user``)."""
    return {entity: metadata.tables[name] for entity, name in SOURCE_TABLES.items()}
