"""Reads the source tables: one row of each at an offset, or every row in key order.

``SourceReader`` runs the classic ``SELECT ... ORDER BY key LIMIT offset, 1``, which steps
over ``offset`` rows for every record. ``KeyedSourceReader``, the emulator's reader, reads each
table's keys once, in the same order, and fetches row ``offset`` with ``WHERE key =
keys[offset]``: the same rows in the same sequence, without the walk. Each table's statement
is built once and runs without a transaction around it (autocommit), so no snapshot is held
between events and none needs ending. A table whose keys repeat (a copy of the source without
its primary key) is read the classic way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Select, Table, bindparam, func, inspect, select
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

    def all_rows(self, entity: str) -> list[dict[str, Any]]:
        """Every row of ``entity``'s table, in key order (row ``i`` is ``read(entity, i)``)."""
        table = self.tables[entity]
        with self.engine.connect() as conn:
            query = select(table).order_by(table.c[KEY_COLUMNS[entity]])
            return [dict(row) for row in conn.execute(query).mappings()]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.engine.dispose()


class KeyedSourceReader(SourceReader):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._keys: dict[str, list[Any]] = {}
        self._unique: dict[str, bool] = {}
        self._by_key: dict[str, Select[Any]] = {}
        self._keyed_conn: Connection | None = None

    def _connection(self) -> Connection:
        if self._keyed_conn is None:
            self._keyed_conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._keyed_conn

    def keys(self, entity: str) -> list[Any]:
        """The table's keys in key order, read once."""
        if entity not in self._keys:
            table = self.tables[entity]
            column = table.c[KEY_COLUMNS[entity]]
            rows = self._connection().execute(select(column).order_by(column))
            self._keys[entity] = [row[0] for row in rows]
            self._unique[entity] = len(set(self._keys[entity])) == len(self._keys[entity])
            self._by_key[entity] = select(table).where(column == bindparam("key"))
        return self._keys[entity]

    def read(self, entity: str, offset: int) -> dict[str, Any]:
        keys = self.keys(entity)
        if not self._unique[entity]:
            return super().read(entity, offset)
        table = self.tables[entity]
        if not 0 <= offset < len(keys):
            raise SourceError(f"{table.name} in {self.url} has no row at offset {offset}")
        query = self._by_key[entity]
        row = self._connection().execute(query, {"key": keys[offset]}).mappings().first()
        if row is None:
            raise SourceError(f"{table.name} in {self.url} lost the row with key {keys[offset]}")
        return dict(row)

    def close(self) -> None:
        if self._keyed_conn is not None:
            self._keyed_conn.close()
            self._keyed_conn = None
        super().close()


def _is_url(url: str) -> bool:
    try:
        make_url(url)
    except ArgumentError:
        return False
    return True
