"""Create the three source tables in a SQLAlchemy database and stream the replica into them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ingestion.config import SOURCE_TABLES
from ingestion.errors import BadInput
from ingestion.source_db.generator import ReplicaGenerator
from ingestion.source_db.schema import build_metadata, tables


class SourceError(BadInput):
    """The source database cannot be used as asked (bad URL, missing or existing tables)."""


@dataclass(frozen=True)
class ReplicaStats:
    url: str
    rows: int
    seed: int
    seconds: float
    skipped: bool = False


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_engine(url: str) -> Engine:
    """An engine for ``url``, or a :class:`SourceError` that says what is wrong with it."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SourceError(f"not a SQLAlchemy database URL: {url!r}") from exc
    try:
        engine = create_engine(parsed)
    except NoSuchModuleError as exc:
        raise SourceError(
            f"no SQLAlchemy dialect for {parsed.drivername!r} in {safe(url)}"
        ) from exc
    except ModuleNotFoundError as exc:
        raise SourceError(
            f"the database driver for {parsed.drivername!r} is not installed ({exc.name})"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_fast_load)
    return engine


def _sqlite_fast_load(dbapi_connection, _record) -> None:  # noqa: ANN001
    # the replica can always be regenerated: no need to fsync every commit
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def safe(url: str) -> str:
    """``url`` with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def existing_tables(engine: Engine) -> list[str]:
    present = set(inspect(engine).get_table_names())
    return [name for name in SOURCE_TABLES.values() if name in present]


def write_replica(
    url: str,
    rows: int,
    seed: int = 0,
    *,
    replace: bool = False,
    if_missing: bool = False,
    chunk_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> ReplicaStats:
    """Create the three tables at ``url`` and fill them with ``rows`` rows for ``seed``.

    Existing tables are an error unless ``replace`` (drop and recreate) or ``if_missing``
    (leave all three alone when they already exist) is set. ``progress`` is called with the
    number of rows written after every chunk.
    """
    engine = open_engine(url)
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        found = existing_tables(engine)
        if found and if_missing and len(found) == len(SOURCE_TABLES):
            return ReplicaStats(safe(url), row_count(engine), seed, 0.0, skipped=True)
        if found and not replace:
            raise SourceError(
                f"{', '.join(found)} already exist in {safe(url)}; "
                "pass --replace to drop and recreate them"
            )
        metadata = build_metadata()
        by_entity = tables(metadata)
        started = time.perf_counter()
        with engine.begin() as conn:
            metadata.drop_all(conn, checkfirst=True)
            metadata.create_all(conn)
            written = 0
            for chunk in ReplicaGenerator(rows, seed).chunks(chunk_size):
                _insert(conn, by_entity["pin"], chunk.pins)
                _insert(conn, by_entity["geo"], chunk.geos)
                _insert(conn, by_entity["user"], chunk.users)
                written += len(chunk.pins)
                if progress is not None:
                    progress(written)
        return ReplicaStats(safe(url), rows, seed, time.perf_counter() - started)
    finally:
        engine.dispose()


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert ``rows``; on SQLite straight through the driver (SQLAlchemy's per-row parameter
    handling costs more than SQLite's insert itself), elsewhere through SQLAlchemy Core."""
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    names = [column.name for column in table.columns]
    sql = (
        f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(conn.dialect.identifier_preparer.quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    values = [
        tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in row.values())
        for row in rows
    ]
    conn.exec_driver_sql(sql, values)


def row_count(engine: Engine) -> int:
    """Rows in ``pinterest_data`` (the three tables are row-aligned)."""
    table = tables(build_metadata())["pin"]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
