"""The same seed gives the same rows in SQLite and in a real PostgreSQL server."""

from __future__ import annotations

import pytest

from ingestion.emulator.reader import SourceReader
from ingestion.emulator.sampler import ClassicSampler
from ingestion.emulator.wire import to_record
from ingestion.source_db.writer import SourceError, write_replica
from ingestion.tests.test_source_replica import read_all

ROWS, SEED = 3_000, 11


def test_postgres_holds_the_same_replica_as_sqlite(settings, postgres_url):
    sqlite_url = f"sqlite:///{settings.state_dir}/dialect.db"
    write_replica(sqlite_url, ROWS, SEED, replace=True, chunk_size=700)
    write_replica(postgres_url, ROWS, SEED, replace=True, chunk_size=700)
    lite, pg = read_all(sqlite_url), read_all(postgres_url)
    assert len(pg["pin"]) == ROWS
    for entity in ("pin", "geo", "user"):
        assert pg[entity] == lite[entity], entity
    # and the emulator reads the same records from both, at the classic offsets
    readers = [SourceReader(sqlite_url), SourceReader(postgres_url)]
    try:
        offsets = [d.offset for d in (ClassicSampler(ROWS).next() for _ in range(5))]
        for offset in offsets:
            lite_event, pg_event = (r.read_event(offset) for r in readers)
            for entity in ("pin", "geo", "user"):
                assert to_record(pg_event[entity]) == to_record(lite_event[entity])
    finally:
        for reader in readers:
            reader.close()
    with pytest.raises(SourceError, match="already exist"):
        write_replica(postgres_url, 10, SEED)


def test_mysql_urls_have_a_driver_and_valid_ddl():
    """No MySQL server runs here: check the driver loads and the DDL suits MySQL."""
    from sqlalchemy.schema import CreateTable

    from ingestion.source_db.schema import build_metadata
    from ingestion.source_db.writer import open_engine

    engine = open_engine("mysql+pymysql://user:secret@127.0.0.1:1/pinterest_data")
    ddl = str(CreateTable(build_metadata().tables["pinterest_data"]).compile(engine))
    assert "`index` INTEGER NOT NULL" in ddl  # the reserved word is quoted
    geo = str(CreateTable(build_metadata().tables["geolocation_data"]).compile(engine))
    assert "latitude FLOAT(53)" in geo and "timestamp DATETIME" in geo  # double precision
    engine.dispose()
