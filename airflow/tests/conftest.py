"""Airflow test environment: a throw-away AIRFLOW_HOME with SQLite metadata, the project's
DAGs folder, examples off, and a dbt manifest parsed for the test's settings.

Airflow reads its configuration when it is first imported, so the AIRFLOW_* variables are
set when this module loads, before any test imports Airflow. The PINPIPE_* settings are read
when a DAG file is parsed, so fixtures set them per session (``dag_env``).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingestion.commands.airflow import prepare
from ingestion.commands.land import RUNNING
from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt
from ingestion.tests.conftest import PROJECT_DIR, settings, spark  # noqa: F401  (fixtures)
from ingestion.tests.fixtures_stack import stack, warehouse  # noqa: F401  (fixtures)

DAGS_DIR = PROJECT_DIR / "airflow" / "dags"
INCLUDE_DIR = PROJECT_DIR / "airflow" / "include"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="pinpipe-airflow-home-"))

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACKS": "True",
        "AIRFLOW__COSMOS__CACHE_DIR": str(AIRFLOW_HOME / "cosmos"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__ENABLE_CACHE_DBT_YAML_SELECTORS": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
    }
)
if str(INCLUDE_DIR) not in sys.path:
    sys.path.insert(0, str(INCLUDE_DIR))


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def dag_env(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:  # noqa: F811
    """PINPIPE_* settings of the test exported, a fresh manifest, a migrated metadata DB."""
    target = tmp_path_factory.mktemp("dbt-target")
    mp = pytest.MonkeyPatch()
    for key, value in settings.as_env().items():
        mp.setenv(key, value)
    mp.setenv("DBT_TARGET_PATH", str(target))
    mp.setenv("DBT_LOG_PATH", str(tmp_path_factory.mktemp("dbt-logs")))
    mp.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR))
    mp.setenv("PINPIPE_DBT_MANIFEST", str(target / "manifest.json"))
    mp.setenv("PINPIPE_DBT_TARGET", "local")
    mp.setenv("PYTHONPATH", os.pathsep.join([str(INCLUDE_DIR), os.environ.get("PYTHONPATH", "")]))
    run_dbt(settings, ["parse"], log_path=target / "parse.log")
    prepare(settings, dict(os.environ))  # the metadata database and the dbt pool
    yield settings
    mp.undo()


@pytest.fixture(scope="session")
def manifest(dag_env: Settings) -> dict:
    return json.loads(Path(os.environ["PINPIPE_DBT_MANIFEST"]).read_text())


@pytest.fixture(scope="session")
def airflow_stack(dag_env: Settings) -> Iterator:
    """The local services on the Airflow tests' own settings: their own broker, topics, lake and
    checkpoints, so what the DAGs land and count belongs to these tests alone (the session
    ``stack`` serves the ingestion tests' settings, whose lake their landing tests fill)."""
    from ingestion.stack import Stack

    services = Stack(dag_env)
    yield services
    services.down()


@pytest.fixture
def landing_stand_in() -> Callable[..., str]:
    """A stand-in for `pinpipe land kinesis --continuous` that needs no Kinesis server: it says
    its queries run and sleeps, or with ``exit_status`` fails to start."""

    def command(exit_status: int | None = None) -> str:
        code = (
            f"import time; print('3 {RUNNING}', flush=True); time.sleep(300)"
            if exit_status is None
            else f"print('no Kinesis server', flush=True); raise SystemExit({exit_status})"
        )
        return shlex.join([sys.executable, "-c", code, "--continuous"])

    return command
