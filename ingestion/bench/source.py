"""``pinpipe bench source``: speed and peak memory of writing the replica."""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from ingestion.bench import emit
from ingestion.config import Settings
from ingestion.options import add_replica_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "source",
        help="time `source init` (generate + insert) and report rows/s and peak memory",
        description=(
            "Writes a replica of --rows rows (default 1,000,000) into a throw-away SQLite file "
            "(or --url) and prints rows/s, seconds and the peak resident memory of the process. "
            "Also times generation alone, so the cost of the inserts shows."
        ),
    )
    add_replica_options(parser, 1_000_000)
    parser.add_argument(
        "--url", help="SQLAlchemy URL to write to (default: a temporary SQLite file); "
        "its three tables are replaced"
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.source_db.generator import ReplicaGenerator
    from ingestion.source_db.writer import safe, write_replica

    started = time.perf_counter()
    for _ in ReplicaGenerator(args.rows, args.seed).chunks(args.chunk_size):
        pass
    generate_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="pinpipe-bench-") as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'source.db'}"
        stats = write_replica(url, args.rows, args.seed, replace=True, chunk_size=args.chunk_size)
        size = Path(tmp, "source.db").stat().st_size if not args.url else None
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    emit(
        "source",
        {
            "url": safe(url),
            "rows": args.rows,
            "chunk_size": args.chunk_size,
            "seconds": round(stats.seconds, 2),
            "rows_per_second": round(args.rows / stats.seconds),
            "generate_only_seconds": round(generate_seconds, 2),
            "generate_only_rows_per_second": round(args.rows / generate_seconds),
            "peak_rss_mib": round(peak_mib, 1),
            "database_bytes": size,
        },
    )
    return 0
