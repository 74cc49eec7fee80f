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

# one pin record of the source's shape, the payload the benchmarks send
PIN = {
    "index": 0, "unique_id": "0f9c1f5e-5a3b-4a57-8f55-3c8c3d0a8d1e",
    "title": "25 Easy DIY Crafts for the Whole Family", "description": "No description available",
    "poster_name": "Crafty Corner", "follower_count": "26k", "tag_list": "diy,craft,kids,home",
    "is_image_or_video": "image", "image_src": "https://i.pinimg.com/originals/ab/cd/ef.jpg",
    "downloaded": 1, "save_location": "Local save in /data/diy-and-crafts",
    "category": "diy-and-crafts",
}  # fmt: skip


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
