"""Runs dbt for this project with the settings exported to it.

``run_dbt`` starts the dbt CLI as a child process; ``invoke_dbt`` runs dbt inside this
process (dbt's programmatic runner), where its Spark session reuses this process's JVM.
Locally every dbt session opens the one Derby metastore, which only one process may own at
a time: runs take an exclusive lock so they queue instead of failing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ingestion.config import Settings


class DbtError(RuntimeError):
    """dbt exited non-zero."""


def profiles_dir(settings: Settings) -> Path:
    folder = Path(os.environ.get("DBT_PROFILES_DIR") or settings.project_dir)
    if not (folder / "profiles.yml").is_file():
        raise DbtError(
            f"no profiles.yml in {folder}: copy profiles.example.yml to profiles.yml "
            "(make setup does it) or set DBT_PROFILES_DIR"
        )
    return folder


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def dbt_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.as_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def run_dbt(
    settings: Settings,
    args: Sequence[str],
    *,
    target: str | None = None,
    log_path: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` in the project; output goes to ``log_path`` when given, else through."""
    command = [dbt_executable(), *args, "--profiles-dir", str(profiles_dir(settings))]
    if target:
        command += ["--target", target]
    with metastore_lock(settings):
        if log_path is None:
            result = subprocess.run(
                command, cwd=settings.project_dir, env=dbt_env(settings), text=True, check=False
            )
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "w") as log:
                result = subprocess.run(
                    command,
                    cwd=settings.project_dir,
                    env=dbt_env(settings),
                    text=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
    if check and result.returncode != 0:
        where = f"; log: {log_path}" if log_path else ""
        raise DbtError(f"`dbt {' '.join(args)}` exited {result.returncode}{where}")
    return result


def invoke_dbt(
    settings: Settings, args: Sequence[str], *, target: str | None = None, log_path: Path
) -> None:
    """Run ``dbt <args>`` inside this process, its console output appended to ``log_path``.

    dbt-spark's session method then starts its Spark session (with the metastore) in this
    process's JVM, or reuses the one an earlier call started; a session without the
    metastore must be stopped first. The settings are exported to this process's
    environment, where the profile reads them.
    """
    from dbt.cli.main import dbtRunner
    from pyspark import SparkContext

    from ingestion.redirect import output_to

    running = SparkContext._active_spark_context
    if running is not None and running.getConf().get("spark.sql.catalogImplementation") != "hive":
        raise DbtError("a Spark session without the metastore runs in this process: stop it first")

    os.environ.update(dbt_env(settings))
    command = [*args, "--project-dir", str(settings.project_dir)]
    command += ["--profiles-dir", str(profiles_dir(settings))]
    if target:
        command += ["--target", target]
    with metastore_lock(settings), output_to(log_path):
        result = dbtRunner().invoke(command)
    if not result.success:
        reason = f": {result.exception}" if result.exception else ""
        raise DbtError(f"`dbt {' '.join(args)}` failed{reason}; log: {log_path}")


_locks_held: set[Path] = set()  # metastore locks this process holds


@contextlib.contextmanager
def metastore_lock(settings: Settings) -> Iterator[None]:
    """Hold the exclusive lock on the local metastore (waits while another process holds it;
    inside an outer hold of this process it holds nothing more)."""
    path = settings.spark_dir / "dbt.lock"
    if path in _locks_held:
        yield
        return
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _locks_held.add(path)
        try:
            yield
        finally:
            _locks_held.discard(path)
