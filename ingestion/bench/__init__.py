"""Benchmarks, one module each, run by ``pinpipe bench <name>``.

A module exposes ``register(subparsers)``: it adds its parser and sets
``func(args, settings) -> int``, which prints one JSON object through
``emit(name, result)`` below.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime


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
