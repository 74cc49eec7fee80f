"""``pinpipe config``: print the settings in effect, derived ones included."""

from __future__ import annotations

import argparse
import json

from ingestion.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help="print the settings in force (from PINPIPE_* variables and defaults)",
        description=(
            "Print every setting with the environment variable that sets it and the value in "
            "effect; `(derived)` marks an unset address that follows PINPIPE_HOST, the ports or "
            "the state dir. --env prints `export` lines of what is set (derived ones stay "
            "derived), --json a JSON object of the values in effect."
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
        values = {name: str(value) for name, (value, _) in settings.in_effect().items()}
        print(json.dumps(values, indent=2))
    else:
        values = settings.in_effect()
        width = max(len(name) for name in values) + len("PINPIPE_") + 1
        for name, (value, derived) in values.items():
            print(f"{'PINPIPE_' + name.upper():{width}} {value}{'  (derived)' if derived else ''}")
    return 0
