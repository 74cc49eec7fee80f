"""``pinpipe config``: print the settings in effect, derived ones included."""

from __future__ import annotations

import argparse
import json

from ingestion.config import Settings
from ingestion.options import add_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help="print the settings in force (from PINPIPE_* variables and defaults)",
        description=(
            "Print every setting with the environment variable that sets it and the value in "
            "effect; `(derived)` marks an unset address that follows PINPIPE_HOST, the ports or "
            "the state dir, `(unset)` an optional setting left empty. Then dbt's own variables "
            "that `pinpipe dbt` and profiles.yml read (DBT_TARGET, ...), `(default)` where "
            "unset. --env prints `export` lines of what is set (derived ones stay derived), "
            "--json a JSON object of the values in effect."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe config                                every value and where it comes from\n"
            "  pinpipe config | grep PORT                    the ports the local stack uses\n"
            "  PINPIPE_STATE_DIR=/tmp/x pinpipe config       what another state dir changes\n"
            "  pinpipe config --env > my.env                 the settings to source elsewhere"
        ),
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--env", action="store_true", help="print shell `export` lines")
    add_json(group, "the values in effect")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.dbt_runner import dbt_variables

    dbt = dbt_variables(settings)
    if args.env:
        for key, value in settings.as_env().items():
            print(f"export {key}='{value}'")
        for key, (value, default) in dbt.items():
            if not default:
                print(f"export {key}='{value}'")
    elif args.json:
        values = {
            name: None if value is None else str(value)
            for name, (value, _) in settings.in_effect().items()
        }
        values |= {name: value for name, (value, _) in dbt.items()}
        print(json.dumps(values, indent=2))
    else:
        rows = [
            (f"PINPIPE_{name.upper()}", value, "derived" if derived else "")
            for name, (value, derived) in settings.in_effect().items()
        ]
        rows += [
            (name, value, "default" if default else "") for name, (value, default) in dbt.items()
        ]
        width = max(len(name) for name, _, _ in rows)
        for name, value, note in rows:
            shown = "(unset)" if value in (None, "") else value
            print(f"{name:<{width}}  {shown}{f'  ({note})' if note else ''}".rstrip())
    return 0
