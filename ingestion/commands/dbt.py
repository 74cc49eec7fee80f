"""``pinpipe dbt ARGS``: dbt with the project's settings, profile and metastore lock."""

from __future__ import annotations

import argparse

from ingestion.config import Settings
from ingestion.dbt_runner import DbtError, run_dbt


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dbt",
        help="run dbt with the PINPIPE_* settings exported and the metastore lock held",
        description=(
            "Run any dbt command in the project, e.g. `pinpipe dbt build --target local`. "
            "The settings are exported as PINPIPE_* variables (profiles.yml reads them), "
            "--profiles-dir points at the project, and a lock makes concurrent runs queue "
            "(the local Derby metastore admits one Spark process at a time)."
        ),
    )
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments passed to dbt")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.dbt_args:
        args.dbt_args = ["--help"]
    try:
        return run_dbt(settings, args.dbt_args, check=False).returncode
    except DbtError as exc:
        print(f"pinpipe dbt: {exc}")
        return 2
