"""``pinpipe bench NAME``: run a benchmark and print its result as JSON."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
from datetime import UTC, datetime

from ingestion import bench


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="run a benchmark (JSON on stdout)",
        description="Benchmarks measure speed on this machine and print one JSON object each.",
    )
    names = parser.add_subparsers(dest="benchmark", metavar="NAME", required=True)
    for module in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        importlib.import_module(f"{bench.__name__}.{module.name}").register(names)


def emit(name: str, result: dict) -> None:
    """Print a benchmark result with the context needed to compare runs."""
    context = {
        "benchmark": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
    }
    print(json.dumps({**context, **result}, indent=2))


def _cpus() -> int:
    return os.cpu_count() or 0
