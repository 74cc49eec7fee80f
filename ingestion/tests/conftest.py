"""Shared fixtures: settings in a temporary state dir, and one local Spark session per run.

Every test run gets its own state dir (lake, catalog, checkpoints, service data), so runs
never see each other's data; the resolved jars and node packages are shared from the project.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingestion.config import Settings, find_project_dir
from ingestion.stack.services import free_port

pytest_plugins = [
    "ingestion.tests.fixtures_source",
    "ingestion.tests.fixtures_emulator",
    "ingestion.tests.fixtures_landing",
    "ingestion.tests.fixtures_dbt",
    "ingestion.tests.fixtures_stack",
]

PROJECT_DIR = find_project_dir(Path(__file__).parent)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    state = tmp_path_factory.mktemp("state")
    return Settings(
        project_dir=PROJECT_DIR,
        state_dir=state,
        jars_dir=PROJECT_DIR / ".local" / "jars",
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        kinesis_port=free_port(),
        gateway_port=free_port(),
        sql_port=free_port(),
        spark_master="local[2]",
        spark_driver_memory="1g",
    )


@pytest.fixture(scope="session")
def spark(settings: Settings):
    """A landing-style session: Delta by path, no metastore (dbt owns that)."""
    from ingestion.landing.spark import spark_session

    session = spark_session(settings, "pinpipe-tests", catalog=False)
    yield session
    session.stop()
    # py4j closes its last connection from __del__ at exit, after pytest closed the streams
    # that Airflow's logging config writes to: keep its INFO goodbye out of them
    logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def dbt_env(settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """dbt writes target/ and logs/ into the test's state dir, not the checkout."""
    mp = pytest.MonkeyPatch()
    mp.setenv("DBT_TARGET_PATH", str(tmp_path_factory.mktemp("dbt-target")))
    mp.setenv("DBT_LOG_PATH", str(tmp_path_factory.mktemp("dbt-logs")))
    mp.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR))
    yield settings
    mp.undo()
