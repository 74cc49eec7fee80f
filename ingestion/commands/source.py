"""``pinpipe source``: create and inspect the source database (the replica of the RDS tables)."""

from __future__ import annotations

import argparse
import json
import sys

from ingestion.config import Settings
from ingestion.errors import BadInput
from ingestion.options import add_json, add_replica_options
from ingestion.source_db.shapes import DEFAULT_ROWS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "source",
        help="create or inspect the source database the emulator reads",
        description=(
            "The source is three row-aligned tables (pinterest_data, geolocation_data, "
            "user_data) in any SQLAlchemy database: by default a SQLite file "
            "<state dir>/source.db; set PINPIPE_SOURCE_URL or --url for MySQL "
            "(mysql+pymysql://...) or PostgreSQL (postgresql+psycopg://...)."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe source init --if-missing      the SQLite replica, 11,153 rows per table\n"
            "  pinpipe source init --rows 1000000 --replace     a bigger one\n"
            "  pinpipe source info                   the tables and their row counts\n"
            "  pinpipe source init --url postgresql+psycopg://me@db/pins   into PostgreSQL"
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    init = actions.add_parser(
        "init",
        help="create the three tables and fill them with a synthetic replica",
        description=(
            "Create pinterest_data, geolocation_data and user_data and fill them with a "
            "deterministic synthetic replica of the original data: row k of every table has "
            "key k, users and coordinates belong to posters, and every documented placeholder "
            "and follower_count shape appears at a realistic rate. Rows are generated and "
            "inserted in chunks, so memory does not grow with --rows."
        ),
    )
    init.add_argument(
        "--url",
        help="SQLAlchemy database URL (default: PINPIPE_SOURCE_URL or "
        "sqlite:///<state dir>/source.db)",
    )
    add_replica_options(init, DEFAULT_ROWS, ", the size of the original")
    existing = init.add_mutually_exclusive_group()
    existing.add_argument(
        "--replace", action="store_true", help="drop the three tables first if they exist"
    )
    existing.add_argument(
        "--if-missing", action="store_true", help="do nothing when all three tables exist already"
    )
    add_json(init, "the result")
    init.set_defaults(func=run_init)

    info = actions.add_parser(
        "info",
        help="check the three tables and print their row counts",
        description="Check that the source has the three tables with the expected columns, "
        "and print the row count of each.",
    )
    info.add_argument("--url", help="SQLAlchemy database URL (default: the configured source)")
    add_json(info, "the result")
    info.set_defaults(func=run_info)


def run_init(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.source_db.writer import write_replica

    url = args.url or settings.source
    if args.rows < 1 or args.chunk_size < 1:
        raise BadInput("--rows and --chunk-size must be at least 1")
    bar = None
    if not args.json and sys.stderr.isatty() and args.rows >= 100_000:
        from tqdm import tqdm

        bar = tqdm(total=args.rows, unit="row", file=sys.stderr)
    done = 0

    def progress(written: int) -> None:
        nonlocal done
        if bar is not None:
            bar.update(written - done)
        done = written

    try:
        stats = write_replica(
            url,
            args.rows,
            args.seed,
            replace=args.replace,
            if_missing=args.if_missing,
            chunk_size=args.chunk_size,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.close()
    result = {
        "url": stats.url,
        "rows": stats.rows,
        "seed": stats.seed,
        "seconds": round(stats.seconds, 3),
        "skipped": stats.skipped,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    elif stats.skipped:
        print(f"{stats.url}: the three tables exist already ({stats.rows} rows); left alone")
    else:
        print(
            f"{stats.url}: wrote {stats.rows} rows x 3 tables (seed {stats.seed}) "
            f"in {stats.seconds:.1f} s"
        )
    return 0


def run_info(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import func, select

    from ingestion.emulator.reader import SourceReader

    reader = SourceReader(args.url or settings.source)
    try:
        with reader.engine.connect() as conn:
            counts = {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in reader.tables.values()
            }
    finally:
        reader.close()
    if args.json:
        print(json.dumps({"url": reader.url, "tables": counts}, indent=2))
    else:
        print(reader.url)
        for name, count in counts.items():
            print(f"  {name:18} {count} rows")
    return 0
