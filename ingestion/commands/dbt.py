"""``pinpipe dbt ARGS``: dbt in the project, with the settings and the profile in place."""

from __future__ import annotations

import argparse

from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dbt",
        help="run dbt in the project with the PINPIPE_* settings exported",
        description=(
            "Run any dbt command in the project. The settings are exported as PINPIPE_* "
            "variables (profiles.yml reads them) and DBT_PROFILES_DIR points at the project's "
            "profiles.yml. The `local` target builds on the stack's SQL server: a command that "
            "needs it fails at once, saying how to start it, when it does not answer. Runs of "
            "the `local_session` target (Spark inside dbt) queue behind a lock."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe dbt build                            everything, on the SQL server\n"
            "  pinpipe dbt build --selector batch_layer     one layer (selectors.yml)\n"
            "  pinpipe dbt run -s top_category_by_year      one model\n"
            "  pinpipe dbt show -s fct_pin_posts --limit 5\n"
            "  pinpipe dbt docs generate && pinpipe dbt docs serve"
        ),
        add_help=False,
    )
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments passed to dbt")
    parser.set_defaults(func=run, passthrough="dbt_args", usage=parser.format_help)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``pinpipe dbt`` alone or with ``--help``: dbt's own help, then what pinpipe adds."""
    dbt_args = args.dbt_args or ["--help"]
    code = run_dbt(settings, dbt_args, check=False).returncode
    if dbt_args in (["--help"], ["-h"]):
        print(f"\n{args.usage()}")
    return code
