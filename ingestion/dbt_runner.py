"""Runs the dbt CLI for this project with the settings exported to it.

Locally every dbt process starts its own Spark session on the one Derby metastore, which
only one process may own at a time: runs take an exclusive lock so they queue instead of
failing.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
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
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.spark_dir / "dbt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
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
