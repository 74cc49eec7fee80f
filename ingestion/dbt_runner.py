"""Runs dbt for this project with the settings exported to it.

``run_dbt`` starts the dbt CLI as a child process; ``invoke_dbt`` runs dbt inside this
process (dbt's programmatic runner). The ``local`` target builds on the SQL server (the
stack's ``sql`` service), which any number of dbt commands share: a command checks first that
the server answers, and a failed one says so when the server went away during it. The
``local_session`` target starts Spark inside dbt and opens the Derby metastore itself, which
only one process may own at a time: its runs take an exclusive lock and queue. The artifacts
dbt writes (manifest, run results) are read here too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingestion.config import Settings
from ingestion.errors import BadInput, PinpipeError

SERVER_TARGET = "local"
SESSION_TARGET = "local_session"


class DbtError(PinpipeError):
    """dbt exited non-zero. (No profile is a ``BadInput``; no SQL server is the warehouse's
    ``SqlServerUnreachable``.)"""


def profiles_dir(settings: Settings) -> Path:
    folder = Path(os.environ.get("DBT_PROFILES_DIR") or settings.project_dir)
    if not (folder / "profiles.yml").is_file():
        raise BadInput(
            f"no profiles.yml in {folder}: copy profiles.example.yml to profiles.yml "
            "(make setup does it) or set DBT_PROFILES_DIR"
        )
    return folder


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def dbt_env(settings: Settings, *, need_profile: bool = True) -> dict[str, str]:
    """The environment dbt runs in: the settings, the profile's folder, no usage stats.

    Without ``need_profile`` (dbt's help or version) a missing profiles.yml is no error."""
    env = {**os.environ, **settings.as_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    try:
        env["DBT_PROFILES_DIR"] = str(profiles_dir(settings))
    except BadInput:
        if need_profile:
            raise
    return env


def dbt_variables(settings: Settings) -> dict[str, tuple[str, bool]]:
    """dbt's own variables that steer ``pinpipe dbt``, each with its value in effect and whether
    that is the default (the variable is unset)."""
    defaults = {
        "DBT_TARGET": SERVER_TARGET,
        "DBT_PROFILES_DIR": str(settings.project_dir),
        "DBT_TARGET_PATH": "target",
        "DBT_LOG_PATH": "logs",
    }
    return {name: (os.environ.get(name) or default, not os.environ.get(name))
            for name, default in defaults.items()}  # fmt: skip


def target_of(args: Sequence[str], target: str | None = None) -> str:
    """The profile target a dbt command runs against: --target/-t, else DBT_TARGET, else local."""
    for i, arg in enumerate(args):
        if arg in ("--target", "-t") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--target="):
            return arg.split("=", 1)[1]
    return target or os.environ.get("DBT_TARGET") or SERVER_TARGET


OFFLINE_COMMANDS = {"parse", "deps", "clean", "debug", "init", "ls", "list", "docs serve"}
"""dbt commands that open no connection (``debug`` reports the connection itself)."""


def asks_dbt_only(args: Sequence[str]) -> bool:
    """Whether a dbt command line only asks dbt itself (its help, its version, or no command):
    it needs neither the profile nor the warehouse."""
    words = [arg for arg in args if not arg.startswith("-")]
    return not words or any(arg in ("--help", "-h", "--version", "-v", "-V") for arg in args)


def needs_server(args: Sequence[str]) -> bool:
    """Whether a dbt command line opens a connection to the warehouse."""
    if asks_dbt_only(args):
        return False
    words = [arg for arg in args if not arg.startswith("-")]
    command = " ".join(words[:2]) if words[0] == "docs" else words[0]
    return command not in OFFLINE_COMMANDS


@contextlib.contextmanager
def _prepared(settings: Settings, args: Sequence[str], target: str | None) -> Iterator[None]:
    """Check the SQL server before a command that needs it, hold the metastore lock for the
    session target, and name the server when a command fails because it went away."""
    from ingestion.warehouse import SqlServerUnreachable, is_answering, unreachable

    chosen = target_of(args, target)
    if chosen == SERVER_TARGET and needs_server(args) and not is_answering(settings):
        raise SqlServerUnreachable(unreachable(settings))
    lock = metastore_lock(settings) if chosen == SESSION_TARGET else contextlib.nullcontext()
    with lock:
        yield


def run_dbt(
    settings: Settings,
    args: Sequence[str],
    *,
    target: str | None = None,
    log_path: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` in the project; output goes to ``log_path`` when given, else through."""
    command = [dbt_executable(), *args]
    if target:
        command += ["--target", target]
    env = dbt_env(settings, need_profile=not asks_dbt_only(args))
    with _prepared(settings, args, target):
        if log_path is None:
            result = subprocess.run(
                command, cwd=settings.project_dir, env=env, text=True, check=False
            )
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "w") as log:
                result = subprocess.run(
                    command,
                    cwd=settings.project_dir,
                    env=env,
                    text=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
    if result.returncode != 0:
        reason = _server_gone(settings, args, target)
        if reason:
            print(f"pinpipe dbt: {reason}", file=sys.stderr)
        if check:
            where = f"; log: {log_path}" if log_path else ""
            why = f"; {reason}" if reason else ""
            raise DbtError(f"`dbt {' '.join(args)}` exited {result.returncode}{where}{why}")
    return result


def invoke_dbt(
    settings: Settings, args: Sequence[str], *, target: str | None = None, log_path: Path
) -> None:
    """Run ``dbt <args>`` inside this process, its console output appended to ``log_path``.

    The settings are exported to this process's environment, where the profile reads them.
    """
    from dbt.cli.main import dbtRunner

    from ingestion.redirect import output_to

    os.environ.update(dbt_env(settings))
    command = [*args, "--project-dir", str(settings.project_dir)]
    if target:
        command += ["--target", target]
    with _prepared(settings, args, target), output_to(log_path):
        result = dbtRunner().invoke(command)
    if not result.success:
        detail = f": {result.exception}" if result.exception else ""
        reason = _server_gone(settings, args, target)
        why = f"; {reason}" if reason else ""
        raise DbtError(f"`dbt {' '.join(args)}` failed{detail}; log: {log_path}{why}")


def _server_gone(settings: Settings, args: Sequence[str], target: str | None) -> str:
    """After a failure: why, if the SQL server stopped answering during the command."""
    from ingestion.warehouse import is_answering, unreachable

    gone = target_of(args, target) == SERVER_TARGET and needs_server(args)
    return unreachable(settings) if gone and not is_answering(settings) else ""


_locks_held: set[Path] = set()  # metastore locks this process holds


@contextlib.contextmanager
def metastore_lock(settings: Settings) -> Iterator[None]:
    """Hold the exclusive lock on the local metastore for a dbt run with its own Spark session
    (waits while another process holds it; inside an outer hold of this process it holds
    nothing more)."""
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


def target_dir(settings: Settings) -> Path:
    """dbt's target folder: ``DBT_TARGET_PATH`` (relative to the project) or ``target``."""
    return Path(settings.project_dir) / os.environ.get("DBT_TARGET_PATH", "target")


def manifest_file(settings: Settings) -> Path:
    """The manifest the Airflow DAGs render: ``PINPIPE_DBT_MANIFEST``, else dbt's own."""
    return Path(settings.dbt_manifest or target_dir(settings) / "manifest.json")


def read_manifest(target: Path) -> dict[str, Any]:
    path = target / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"no dbt manifest at {path}: `dbt build` writes it")
    return json.loads(path.read_text(encoding="utf-8"))


def result_statuses(target: Path) -> Counter[str]:
    """How many nodes of the last command ended in each status; empty without run results."""
    path = target / "run_results.json"
    if not path.is_file():
        return Counter()
    return Counter(result["status"] for result in run_results(target))


def run_results(target: Path) -> list[dict[str, Any]]:
    return json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]


def model_node(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "snapshot") and node["name"] == name:
            return node
    raise LookupError(f"the dbt manifest has no model {name!r}")


def relation(node: dict[str, Any]) -> str:
    """The node's table as the SQL server names it: ``schema.alias``."""
    return f"{node['schema']}.{node.get('alias') or node['name']}"
