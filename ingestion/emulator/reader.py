"""Reads one row of each source table at an offset, the classic way (``LIMIT n, 1``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, MetaData, Table, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ingestion.config import ENTITIES, SOURCE_TABLES
from ingestion.source_db.schema import KEY_COLUMNS, build_metadata, tables
from ingestion.source_db.writer import SourceError, open_engine, safe, sqlite_file


class SourceReader:
    """The three source tables of one database, checked on open.

    Tables are reflected, so any database holding tables with the documented names and
    columns works (the generated replica, a MySQL copy of the original, PostgreSQL ...).
    """

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = safe(url)
        if engine is None:
            path = sqlite_file(url) if _is_url(url) else None
            if path is not None and not path.is_file():
                raise SourceError(
                    f"the source database file {path} does not exist "
                    "(create the replica with `pinpipe source init`)"
                )
        self.engine = engine or open_engine(url)
        self.tables = self._reflect()
        self._conn = None

    def _reflect(self) -> dict[str, Table]:
        try:
            present = set(inspect(self.engine).get_table_names())
        except SQLAlchemyError as exc:
            raise SourceError(f"cannot open the source database {self.url}: {exc}") from exc
        missing = [SOURCE_TABLES[e] for e in ENTITIES if SOURCE_TABLES[e] not in present]
        if missing:
            raise SourceError(
                f"the source database {self.url} has no table {', '.join(missing)} "
                "(create the replica with `pinpipe source init`)"
            )
        expected = tables(build_metadata())
        metadata = MetaData()
        found: dict[str, Table] = {}
        for entity in ENTITIES:
            table = Table(SOURCE_TABLES[entity], metadata, autoload_with=self.engine)
            lacking = [c.name for c in expected[entity].columns if c.name not in table.columns]
            if lacking:
                raise SourceError(
                    f"table {table.name} in {self.url} lacks column(s) {', '.join(lacking)}"
                )
            found[entity] = table
        return found

    def row_count(self) -> int:
        table = self.tables["pin"]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def read(self, entity: str, offset: int) -> dict[str, Any]:
        """Row ``offset`` of ``entity``'s table in key order (``SELECT * ... LIMIT offset, 1``)."""
        table = self.tables[entity]
        query = select(table).order_by(table.c[KEY_COLUMNS[entity]]).offset(offset).limit(1)
        if self._conn is None:
            self._conn = self.engine.connect()
        row = self._conn.execute(query).mappings().first()
        self._conn.rollback()  # end the read transaction: no snapshot held between events
        if row is None:
            raise SourceError(f"{table.name} in {self.url} has no row at offset {offset}")
        return dict(row)

    def read_event(self, offset: int) -> Mapping[str, dict[str, Any]]:
        return {entity: self.read(entity, offset) for entity in ENTITIES}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.engine.dispose()


def _is_url(url: str) -> bool:
    try:
        make_url(url)
    except ArgumentError:
        return False
    return True
