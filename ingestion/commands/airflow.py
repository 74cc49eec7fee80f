"""``pinpipe airflow``: Airflow 3 on this machine, running the project's DAGs.

Metadata in SQLite under ``<state>/airflow`` (``AIRFLOW_HOME``), DAGs from ``airflow/dags``,
examples off, the ``PINPIPE_*`` settings exported so the DAGs and their tasks point at the
same local stack as every other ``pinpipe`` command. The dbt manifest the DAGs render from is
refreshed first with ``dbt parse`` (no warehouse needed).

Like ``airflow standalone`` it runs the API server, scheduler, DAG processor and triggerer,
but sized for this machine (``PINPIPE_AIRFLOW_PARALLELISM`` task processes), with the
execution API at the API server's own address (``PINPIPE_HOST``, ``PINPIPE_AIRFLOW_PORT``),
and no log servers: the API server reads the task logs from disk, so nothing else listens.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ingestion.config import Settings
from ingestion.dbt_runner import manifest_file, run_dbt
from ingestion.errors import PinpipeError
from ingestion.stack.processes import signal_group

COMPONENTS = (
    ("api-server",),
    ("scheduler", "--skip-serve-logs"),
    ("dag-processor",),
    ("triggerer", "--skip-serve-logs"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "airflow",
        help="run Airflow 3 with the pinpipe DAGs, pointed at the local stack",
        description=(
            "Refresh the dbt manifest (`dbt parse`), prepare the metadata database and the dbt "
            "pool, then run Airflow's API server, scheduler, DAG processor and triggerer until "
            "stopped: SQLite metadata and logs under <state>/airflow, DAGs from airflow/dags, "
            "examples off, UI on PINPIPE_HOST:PINPIPE_AIRFLOW_PORT. The admin password is "
            "kept in <state>/airflow."
        ),
        epilog=(
            "examples:\n"
            "  make airflow                          set up what is missing, then this command\n"
            "  pinpipe airflow dags list             an airflow command, in the same environment\n"
            "  pinpipe airflow --print-env           the environment Airflow gets\n"
            "  pinpipe airflow --draw                redraw the DAG pictures in docs/airflow.md"
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
        "--draw",
        action="store_true",
        help="redraw the DAG pictures in docs/airflow.md from the DAGs, then exit",
    )
    parser.add_argument(
        "airflow_args",
        nargs=argparse.REMAINDER,
        help="an airflow command to run in the same environment instead "
        "(e.g. `pinpipe airflow dags list`)",
    )
    parser.set_defaults(func=run)


def airflow_env(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the Airflow processes: settings, Airflow config, import path."""
    env = dict(os.environ if environ is None else environ)
    home = settings.state_dir / "airflow"  # type: ignore[operator]
    include = settings.project_dir / "airflow" / "include"
    # the DAGs import pinpipe_dags (airflow/include) and the project's settings (ingestion)
    python_path = [
        str(include),
        str(settings.project_dir),
        *filter(None, env.get("PYTHONPATH", "").split(os.pathsep)),
    ]
    # the components are started as `airflow ...`: the venv's bin comes first
    path = [str(Path(sys.executable).parent), *filter(None, env.get("PATH", "").split(os.pathsep))]
    api = f"http://{settings.host}:{settings.airflow_port}"
    env.update(settings.as_env())
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.project_dir / "airflow" / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": str(settings.airflow_parallelism),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            # Cosmos would keep parsed selectors in an Airflow Variable: a database write at
            # every DAG parse; parsing them is cheaper
            "AIRFLOW__COSMOS__ENABLE_CACHE_DBT_YAML_SELECTORS": "False",
            "SCARF_NO_ANALYTICS": "true",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": settings.host,
            "AIRFLOW__API__PORT": str(settings.airflow_port),
            "AIRFLOW__API__BASE_URL": api,
            "PYTHONPATH": os.pathsep.join(dict.fromkeys(python_path)),
            "PATH": os.pathsep.join(dict.fromkeys(path)),
            "PINPIPE_DBT_MANIFEST": str(manifest_file(settings)),
            "DBT_PROFILES_DIR": env.get("DBT_PROFILES_DIR") or str(settings.project_dir),
        }
    )
    return env


def prepare(settings: Settings, env: dict[str, str]) -> None:
    """Create or upgrade the metadata database, then size the pool the dbt tasks share."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    steps = [
        [airflow, "db", "migrate"],
        [airflow, "pools", "set", settings.airflow_dbt_pool,
         str(settings.airflow_dbt_pool_slots), "dbt tasks on the warehouse at once"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run(step, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise PinpipeError(f"`airflow {' '.join(step[1:3])}` failed:\n{done.stderr[-2000:]}")


def start(
    env: dict[str, str],
    components: tuple[tuple[str, ...], ...] = COMPONENTS,
    *,
    log: Path | None = None,
) -> list[subprocess.Popen]:
    """Start Airflow components, each in its own process group; output to ``log`` if given."""
    airflow = str(Path(sys.executable).with_name("airflow"))
    out = open(log, "a") if log else None  # noqa: SIM115 (the children hold it open)
    try:
        return [
            subprocess.Popen([airflow, *component], env=env, start_new_session=True,
                             stdout=out, stderr=subprocess.STDOUT if out else None)
            for component in components
        ]  # fmt: skip
    finally:
        if out:
            out.close()


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each component's process group; SIGKILL what still runs 30 s later."""
    for process in processes:
        if process.poll() is None:
            signal_group(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            signal_group(process.pid, signal.SIGKILL)
            process.wait()


def supervise(env: dict[str, str]) -> int:
    """Run the components until one stops or this process is told to; then stop them all."""
    processes = start(env)

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        failed = next(p for p in processes if p.poll() is not None)
        print(f"pinpipe airflow: `airflow {failed.args[1]}` exited ({failed.returncode})")
        code = 1
    except KeyboardInterrupt:
        code = 0
    stop(processes)
    return code


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
        # a full parse: dbt's partial parsing keeps the selectors of the previous manifest
        run_dbt(settings, ["parse", "--no-partial-parse"], log_path=log)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    if args.draw:
        doc = str(settings.project_dir / "docs" / "airflow.md")
        os.execve(sys.executable, [sys.executable, "-m", "pinpipe_dags.graphs", doc], env)
    if args.airflow_args:
        command = [str(Path(sys.executable).with_name("airflow")), *args.airflow_args]
        os.execve(command[0], command, env)
    print(f"AIRFLOW_HOME={env['AIRFLOW_HOME']}: preparing the metadata database")
    prepare(settings, env)
    print(
        f"Airflow on http://{settings.host}:{settings.airflow_port} (user admin, password in "
        f"{env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json.generated); Ctrl-C stops it"
    )
    sys.stdout.flush()
    return supervise(env)
