"""The DAGs' view of the project's settings (``ingestion.config.Settings``, ``PINPIPE_*``).

Every default lives in ``Settings``; this module only turns settings into what Airflow wants
(minutes into timedeltas, ``none`` into no schedule, empty commands into their defaults).
Locally ``pinpipe airflow`` exports the settings; on MWAA the startup script does. Nothing
here opens the metadata database, so a DAG file that reads it parses in milliseconds.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from datetime import timedelta
from pathlib import Path

from ingestion.config import Settings
from ingestion.errors import BadInput

TARGETS = ("local", "databricks")


class ConfigError(BadInput):
    """A PINPIPE_* variable the DAGs read has a value they cannot use."""


def load_settings() -> Settings:
    """The settings from the environment, checked for what the DAGs need."""
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if settings.dbt_target not in TARGETS:
        raise ConfigError(
            f"PINPIPE_DBT_TARGET must be one of {', '.join(TARGETS)}, got {settings.dbt_target!r}"
        )
    return settings


def executable(configured: str, name: str) -> str:
    """The configured command, else ``name`` beside the running interpreter, else on PATH."""
    if configured:
        return configured
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name) or name


def profiles_yml(settings: Settings) -> Path:
    if settings.dbt_profiles_yml:
        return Path(settings.dbt_profiles_yml)
    local = settings.project_dir / "profiles.yml"
    return local if local.is_file() else settings.project_dir / "profiles.example.yml"


def land_command(settings: Settings, transport: str) -> str:
    """What the DAGs run to land a transport: the configured command or ``pinpipe land``."""
    configured = {
        "kafka": settings.airflow_land_kafka_command,
        "kinesis": settings.airflow_land_kinesis_command,
    }[transport]
    trigger = "--once" if transport == "kafka" else "--continuous"
    pinpipe = executable(settings.executable, "pinpipe")
    return configured or shlex.join([pinpipe, "land", transport, trigger])


def schedule(value: str) -> str | None:
    """A cron expression or preset; ``none`` means the DAG runs only when triggered."""
    return None if value.strip().lower() == "none" else value


def minutes(value: int) -> timedelta:
    return timedelta(minutes=value)


def default_args(settings: Settings) -> dict[str, object]:
    """Owner, retries and back-off shared by every task of the pinpipe DAGs."""
    return {
        "owner": settings.airflow_owner,
        "retries": settings.airflow_retries,
        "retry_delay": minutes(settings.airflow_retry_delay_minutes),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
    }
