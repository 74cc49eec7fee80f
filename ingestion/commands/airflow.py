"""``pinpipe airflow``: Airflow 3 standalone on this machine, running the project's DAGs.

Metadata in SQLite under ``<state>/airflow`` (``AIRFLOW_HOME``), DAGs from ``airflow/dags``,
examples off, the ``PINPIPE_*`` settings exported so the DAGs and their tasks point at the
same local stack as every other ``pinpipe`` command. The dbt manifest the DAGs render from is
refreshed first with ``dbt parse`` (no Spark needed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "airflow",
        help="start Airflow 3 standalone with the pinpipe DAGs, pointed at the local stack",
        description=(
            "Refresh the dbt manifest (`dbt parse`), then replace this process with "
            "`airflow standalone`: SQLite metadata and logs under <state>/airflow, DAGs from "
            "airflow/dags, examples off, UI on PINPIPE_AIRFLOW_PORT. The admin password is "
            "printed at start and kept in <state>/airflow."
        ),
    )
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="print the environment Airflow would get (AIRFLOW_*, PINPIPE_*, DBT_*, PATH, "
        "PYTHONPATH) and exit",
    )
    parser.add_argument(
        "--no-parse", action="store_true", help="use the existing manifest, skip `dbt parse`"
    )
    parser.add_argument(
        "airflow_args",
        nargs=argparse.REMAINDER,
        help="another airflow command to run in the same environment instead of standalone "
        "(e.g. `pinpipe airflow dags list`)",
    )
    parser.set_defaults(func=run)


def manifest_path(settings: Settings, environ: dict[str, str] | None = None) -> Path:
    """Where `dbt parse` writes the manifest: DBT_TARGET_PATH, else <project>/target."""
    env = os.environ if environ is None else environ
    target = Path(env.get("DBT_TARGET_PATH") or "target")
    if not target.is_absolute():
        target = settings.project_dir / target
    return target / "manifest.json"


def airflow_env(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the Airflow processes: settings, Airflow config, import path."""
    env = dict(os.environ if environ is None else environ)
    home = settings.state_dir / "airflow"  # type: ignore[operator]
    include = settings.project_dir / "airflow" / "include"
    python_path = [str(include), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    # standalone starts its components as `airflow ...` subprocesses: the venv's bin comes first
    path = [str(Path(sys.executable).parent), *filter(None, env.get("PATH", "").split(os.pathsep))]
    env.update(settings.as_env())
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.project_dir / "airflow" / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "SCARF_NO_ANALYTICS": "true",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__PORT": str(settings.airflow_port),
            "AIRFLOW__API__HOST": settings.host,
            "PYTHONPATH": os.pathsep.join(dict.fromkeys(python_path)),
            "PATH": os.pathsep.join(dict.fromkeys(path)),
            "PINPIPE_DBT_MANIFEST": env.get("PINPIPE_DBT_MANIFEST")
            or str(manifest_path(settings, env)),
            "DBT_PROFILES_DIR": env.get("DBT_PROFILES_DIR") or str(settings.project_dir),
        }
    )
    return env


def run(args: argparse.Namespace, settings: Settings) -> int:
    env = airflow_env(settings)
    if args.print_env:
        for key in sorted(env):
            if key.startswith(("AIRFLOW", "PINPIPE_", "DBT_")) or key in ("PATH", "PYTHONPATH"):
                print(f"{key}={env[key]}")
        return 0
    if not args.no_parse:
        log = settings.state_dir / "logs" / "dbt-parse.log"  # type: ignore[operator]
        print(f"dbt parse -> {env['PINPIPE_DBT_MANIFEST']} (log: {log})")
        run_dbt(settings, ["parse"], log_path=log)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    airflow = Path(sys.executable).with_name("airflow")
    command = [str(airflow), *(args.airflow_args or ["standalone"])]
    print(
        f"AIRFLOW_HOME={env['AIRFLOW_HOME']}; UI on http://{settings.host}:{settings.airflow_port}"
    )
    sys.stdout.flush()
    os.execve(command[0], command, env)
    return 0  # not reached
