"""`pinpipe airflow` gives Airflow the project's DAGs, a private home and the settings, runs it
on any port, and the DAG drawings in docs/airflow.md are the DAGs'."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import requests

from ingestion.config import Settings
from ingestion.stack.processes import Tracked, wait_for
from ingestion.stack.services import free_port

PINPIPE = str(Path(sys.executable).with_name("pinpipe"))


def test_print_env_points_airflow_at_the_project_and_the_state_dir(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**settings.as_env(), "PATH": "/usr/bin:/bin", "PINPIPE_AIRFLOW_PORT": "18080",
           "PINPIPE_AIRFLOW_PARALLELISM": "3"}  # fmt: skip
    out = subprocess.run(
        [PINPIPE, "airflow", "--print-env"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    values = dict(line.split("=", 1) for line in out.splitlines())
    assert values["AIRFLOW_HOME"] == str(settings.state_dir / "airflow")
    assert values["AIRFLOW__CORE__DAGS_FOLDER"] == str(settings.project_dir / "airflow" / "dags")
    assert values["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert values["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:///")
    assert str(settings.state_dir) in values["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert values["AIRFLOW__API__PORT"] == "18080"
    # tasks report to the execution API at the API server's own address, not localhost:8080
    assert values["AIRFLOW__API__BASE_URL"] == f"http://{settings.host}:18080"
    assert values["AIRFLOW__CORE__PARALLELISM"] == "3"
    assert values["PINPIPE_KAFKA_PORT"] == str(settings.kafka_port)
    assert str(settings.project_dir / "airflow" / "include") in values["PYTHONPATH"]
    # the components are started by name: the venv's `airflow` comes first on PATH
    assert values["PATH"].split(":")[0] == str(Path(sys.executable).parent)


def test_the_drawings_in_the_docs_are_the_dags(dag_env: Settings) -> None:
    from pinpipe_dags.graphs import block, draw

    doc = (dag_env.project_dir / "docs" / "airflow.md").read_text()
    drawn = draw(dag_env.project_dir / "airflow" / "dags")
    assert block(doc) == drawn, "docs/airflow.md is stale: run `pinpipe airflow --draw`"


def listening(port: int) -> list[str]:
    """Local addresses (hex, as the kernel writes them) of the TCP sockets listening on port."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_airflow_on_other_ports_runs_a_task_and_listens_only_there(
    settings: Settings, tmp_path: Path, landing_stand_in: Callable[..., str]
) -> None:
    """The keeper DAG, unpaused at creation, runs its first task through the scheduler, the
    executor and the execution API; its stand-in landing command leaves a pid file."""
    local = replace(
        settings, state_dir=tmp_path, airflow_port=free_port(), airflow_parallelism=2,
        airflow_land_kinesis_command=landing_stand_in(), airflow_batch_schedule="none",
        airflow_lambda_schedule="none",
    )  # fmt: skip
    env = {**os.environ, **local.as_env(), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False"}  # fmt: skip
    log = (tmp_path / "airflow.log").open("w")
    airflow = subprocess.Popen(
        [PINPIPE, "airflow"], env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    landing = Tracked("land-kinesis", local.run_dir)
    api = f"http://{local.host}:{local.airflow_port}/api/v2/monitor/health"
    try:
        assert wait_for(lambda: landing.pid() is not None or airflow.poll() is not None, 420), (
            "the keeper's task did not run:\n" + (tmp_path / "airflow.log").read_text()[-3000:]
        )
        assert airflow.poll() is None
        health = requests.get(api, timeout=10).json()
        assert {part["status"] for part in health.values()} == {"healthy"}
        assert listening(local.airflow_port) == ["0100007F"]  # 127.0.0.1 only
        assert listening(8793) == [] and listening(8794) == []  # no log servers
    finally:
        os.killpg(airflow.pid, signal.SIGTERM)
        stopped = wait_for(lambda: airflow.poll() is not None, 60)
        landing.stop(timeout=10)
        if not stopped:
            os.killpg(airflow.pid, signal.SIGKILL)
    assert airflow.returncode == 0
