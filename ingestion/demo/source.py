"""A source reader that finds the row at an offset by its key instead of scanning to it.

The emulator's reader runs the classic ``SELECT ... ORDER BY key LIMIT offset, 1``, which
steps over ``offset`` rows for every record. The demo sends tens of thousands of events, so
it reads each table's keys once, in the same order, and fetches row ``offset`` with
``WHERE key = keys[offset]``: the same rows in the same sequence, several times faster
(``Emulator.run`` takes the reader as an argument). Each table's statement is built once
and runs without a transaction around it (autocommit), so no snapshot is held between
events and none needs ending. A table whose keys repeat (a copy of the source without its
primary key) is read the classic way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, bindparam, select

from ingestion.emulator.reader import SourceReader
from ingestion.source_db.schema import KEY_COLUMNS
from ingestion.source_db.writer import SourceError


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
