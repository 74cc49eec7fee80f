"""``pinpipe config``: print the settings in force."""

from __future__ import annotations

import argparse
import json
from dataclasses import fields

from ingestion.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help="print the settings in force (from PINPIPE_* variables and defaults)",
        description=(
            "Print every setting with the environment variable that sets it. "
            "--env prints `export` lines for a shell, --json a JSON object."
        ),
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--env", action="store_true", help="print shell `export` lines")
    group.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.env:
        for key, value in settings.as_env().items():
            print(f"export {key}='{value}'")
    elif args.json:
        print(
            json.dumps({f.name: str(getattr(settings, f.name)) for f in fields(settings)}, indent=2)
        )
    else:
        for f in fields(settings):
            print(f"{'PINPIPE_' + f.name.upper():34} {getattr(settings, f.name)}")
    return 0
