"""The orchestration settings, read from ``PINPIPE_*`` environment variables.

Locally ``pinpipe airflow`` exports them; on MWAA the startup script does. Nothing here
opens the metadata database, so a DAG file that reads it parses in milliseconds.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

TARGETS = ("local", "databricks")
EXECUTION_MODES = ("watcher", "local")

BATCH_SELECT = (
    "path:seeds",
    "path:models/staging",
    "path:models/intermediate",
    "path:snapshots",
    "path:models/marts",
)
"""The daily batch layer: reference seeds, staging, the lambda merge, the user snapshot, marts.

A selection must hold every node its tests refer to: dbt runs each test touching a selected
node, and a test whose other parent was never built fails. The project's tests tie the layers
together (staged-or-quarantined over all staging, relationships from the marts to the seeds
and to the merged tables), so the whole project is the one such selection."""

LAMBDA_SELECT = BATCH_SELECT
"""The nightly lambda merge: the stream rows landed since the batch run staged (incremental:
little else is parsed again), batch and stream merged per entity, the snapshot, the marts
rebuilt; the same selection as the batch run, without the landing."""


def _find_project_dir() -> Path:
    """The folder with ``dbt_project.yml`` above this package (the checkout, locally)."""
    for candidate in Path(__file__).resolve().parents:
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    return Path.cwd()


def _executable(name: str) -> str:
    """``name`` beside the running interpreter (the venv), else on PATH, else the bare name."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    return shutil.which(name) or name


def _words(raw: str) -> tuple[str, ...]:
    return tuple(word for word in raw.replace(",", " ").split() if word)


class ConfigError(ValueError):
    """A PINPIPE_* variable the DAGs read has a value they cannot use."""


@dataclass(frozen=True)
class OrchestrationConfig:
    """What the DAGs need to know about the deployment (see docs/airflow.md for each variable)."""

    project_dir: Path
    dbt_target: str = "local"
    manifest_path: Path | None = None
    profiles_yml: Path | None = None
    databricks_conn_id: str = "databricks_default"
    dbt_schema: str = "pinpipe"
    databricks_catalog: str = "main"
    execution_mode: str = "watcher"
    dbt_executable: str = field(default_factory=lambda: _executable("dbt"))
    pinpipe_executable: str = field(default_factory=lambda: _executable("pinpipe"))
    dbt_pool: str = ""
    owner: str = "data-platform"
    retries: int = 2
    retry_delay: timedelta = timedelta(minutes=5)
    land_timeout: timedelta = timedelta(minutes=30)
    dbt_timeout: timedelta = timedelta(hours=1)
    batch_schedule: str | None = "@daily"
    lambda_schedule: str | None = "0 3 * * *"
    keeper_schedule: str | None = "*/5 * * * *"
    batch_select: tuple[str, ...] = BATCH_SELECT
    lambda_select: tuple[str, ...] = LAMBDA_SELECT
    batch_selector: str | None = None
    lambda_selector: str | None = None
    state_dir: Path | None = None
    kinesis_pid_file: Path | None = None
    land_kafka_command: str = ""
    land_kinesis_command: str = ""

    def __post_init__(self) -> None:
        if self.dbt_target not in TARGETS:
            raise ConfigError(
                f"PINPIPE_DBT_TARGET must be one of {', '.join(TARGETS)}, got {self.dbt_target!r}"
            )
        if self.execution_mode not in EXECUTION_MODES:
            raise ConfigError(
                "PINPIPE_AIRFLOW_EXECUTION_MODE must be one of "
                f"{', '.join(EXECUTION_MODES)}, got {self.execution_mode!r}"
            )
        project = Path(self.project_dir).resolve()
        object.__setattr__(self, "project_dir", project)
        if self.manifest_path is None:
            object.__setattr__(self, "manifest_path", project / "target" / "manifest.json")
        state = Path(self.state_dir or project / ".local").resolve()
        object.__setattr__(self, "state_dir", state)
        if self.kinesis_pid_file is None:
            object.__setattr__(self, "kinesis_pid_file", state / "run" / "land-kinesis.pid")
        if not self.land_kafka_command:
            command = shlex.join([self.pinpipe_executable, "land", "kafka", "--once"])
            object.__setattr__(self, "land_kafka_command", command)
        if not self.land_kinesis_command:
            command = shlex.join([self.pinpipe_executable, "land", "kinesis", "--continuous"])
            object.__setattr__(self, "land_kinesis_command", command)
        if self.profiles_yml is None:
            local = project / "profiles.yml"
            example = project / "profiles.example.yml"
            object.__setattr__(self, "profiles_yml", local if local.is_file() else example)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OrchestrationConfig:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def minutes(name: str) -> timedelta | None:
            raw = get(name)
            if raw is None:
                return None
            try:
                return timedelta(minutes=float(raw))
            except ValueError as exc:
                raise ConfigError(f"{name} must be a number of minutes, got {raw!r}") from exc

        def schedule(name: str) -> str | None:
            raw = get(name)
            return None if raw is not None and raw.lower() == "none" else raw

        values: dict[str, object] = {
            "project_dir": Path(get("PINPIPE_PROJECT_DIR") or _find_project_dir()),
        }
        text_fields = {
            "dbt_target": "PINPIPE_DBT_TARGET",
            "databricks_conn_id": "PINPIPE_DATABRICKS_CONN_ID",
            "dbt_schema": "PINPIPE_DBT_SCHEMA",
            "databricks_catalog": "PINPIPE_DATABRICKS_CATALOG",
            "execution_mode": "PINPIPE_AIRFLOW_EXECUTION_MODE",
            "dbt_executable": "PINPIPE_DBT_EXECUTABLE",
            "pinpipe_executable": "PINPIPE_EXECUTABLE",
            "dbt_pool": "PINPIPE_AIRFLOW_DBT_POOL",
            "owner": "PINPIPE_AIRFLOW_OWNER",
            "batch_selector": "PINPIPE_AIRFLOW_BATCH_SELECTOR",
            "lambda_selector": "PINPIPE_AIRFLOW_LAMBDA_SELECTOR",
            "land_kafka_command": "PINPIPE_AIRFLOW_LAND_KAFKA_COMMAND",
            "land_kinesis_command": "PINPIPE_AIRFLOW_LAND_KINESIS_COMMAND",
        }
        for key, name in text_fields.items():
            if (value := get(name)) is not None:
                values[key] = value
        for key, name in {
            "manifest_path": "PINPIPE_DBT_MANIFEST",
            "profiles_yml": "PINPIPE_DBT_PROFILES_YML",
            "state_dir": "PINPIPE_STATE_DIR",
            "kinesis_pid_file": "PINPIPE_KINESIS_PID_FILE",
        }.items():
            if (value := get(name)) is not None:
                values[key] = Path(value)
        if (retries := get("PINPIPE_AIRFLOW_RETRIES")) is not None:
            if not retries.isdigit():
                raise ConfigError(
                    f"PINPIPE_AIRFLOW_RETRIES must be a whole number, got {retries!r}"
                )
            values["retries"] = int(retries)
        for key, name in {
            "retry_delay": "PINPIPE_AIRFLOW_RETRY_DELAY_MINUTES",
            "land_timeout": "PINPIPE_AIRFLOW_LAND_TIMEOUT_MINUTES",
            "dbt_timeout": "PINPIPE_AIRFLOW_DBT_TIMEOUT_MINUTES",
        }.items():
            if (value := minutes(name)) is not None:
                values[key] = value
        for key, name in {
            "batch_schedule": "PINPIPE_AIRFLOW_BATCH_SCHEDULE",
            "lambda_schedule": "PINPIPE_AIRFLOW_LAMBDA_SCHEDULE",
            "keeper_schedule": "PINPIPE_AIRFLOW_KEEPER_SCHEDULE",
        }.items():
            if name in env and env[name].strip():
                values[key] = schedule(name)
        for key, name in {
            "batch_select": "PINPIPE_AIRFLOW_BATCH_SELECT",
            "lambda_select": "PINPIPE_AIRFLOW_LAMBDA_SELECT",
        }.items():
            if (value := get(name)) is not None:
                values[key] = _words(value)
        return cls(**values)  # type: ignore[arg-type]

    def default_args(self) -> dict[str, object]:
        """Owner, retries and timeouts shared by every task of the pinpipe DAGs."""
        return {
            "owner": self.owner,
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=30),
        }
