"""``pinpipe screenshots``: the dbt lineage graph and the Airflow DAGs as PNGs in docs/images."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from ingestion.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "screenshots",
        help="take the docs' pictures of the dbt lineage graph and the Airflow DAGs",
        description=(
            "Take what a person sees with headless Chromium (Debian's `chromium` package; "
            "`make screenshots` installs it as root) and write PNGs to docs/images:\n"
            "- the dbt docs lineage graph: the pinterest_insights_report exposure and "
            "everything it is built from (dbt-lineage.png), one mart and its upstream "
            "(dbt-lineage-mart.png). It needs a state dir where the project has been built: "
            "run `pinpipe demo` (or `pinpipe dbt build`) with the same PINPIPE_STATE_DIR first. "
            "It runs `dbt docs generate` (on the stack's SQL server, started for it and stopped "
            "again when it was not running) and serves the site on a free port.\n"
            "- the Airflow graph view of each DAG (airflow-<dag>.png): Airflow's DAG processor "
            "and API server in a home of their own under <state>/screenshots/airflow, on a free "
            "port, every user an admin, no scheduler (the DAGs are drawn, nothing runs); "
            "stopped at the end.\n"
            "Logs: <state>/logs/screenshots."
        ),
        epilog=(
            "examples:\n"
            "  make screenshots                    install Chromium if missing, then this command\n"
            "  pinpipe demo && pinpipe screenshots build the project, then take the pictures\n"
            "  pinpipe screenshots --only airflow  the Airflow pictures (no build needed)"
        ),
    )
    parser.add_argument(
        "--only", choices=["dbt", "airflow"], help="take only the dbt or only the Airflow pictures"
    )
    parser.add_argument(
        "--out", type=Path, help="folder for the PNGs (default: docs/images in the project)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.screenshots import IMAGES, take

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # SIGTERM stops what it started, as Ctrl-C does
    out = args.out or settings.project_dir / IMAGES
    taken = take(settings, out, dbt=args.only != "airflow", airflow=args.only != "dbt")
    print(f"{len(taken)} pictures in {out}")
    return 0
