"""``pinpipe bench NAME``: run a benchmark and print its result as JSON."""

from __future__ import annotations

import argparse

from ingestion import bench
from ingestion.commands import register_modules


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="run a benchmark (JSON on stdout)",
        description="Benchmarks measure speed on this machine and print one JSON object each.",
        epilog=(
            "examples:\n"
            "  pinpipe bench source --help         what one benchmark measures, and its options\n"
            "  pinpipe bench gateway > gw.json     gateway records/s and latency, own stack\n"
            "  pinpipe bench dbt --no-session      dbt build times on the SQL server"
        ),
    )
    names = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    register_modules(bench, names)
