"""`pinpipe airflow` gives Airflow the project's DAGs, a private home and the settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ingestion.config import Settings


def test_print_env_points_airflow_at_the_project_and_the_state_dir(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**settings.as_env(), "PATH": "/usr/bin:/bin", "PINPIPE_AIRFLOW_PORT": "18080"}
    out = subprocess.run(
        [str(Path(sys.executable).with_name("pinpipe")), "airflow", "--print-env"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    values = dict(line.split("=", 1) for line in out.splitlines())
    assert values["AIRFLOW_HOME"] == str(settings.state_dir / "airflow")
    assert values["AIRFLOW__CORE__DAGS_FOLDER"] == str(settings.project_dir / "airflow" / "dags")
    assert values["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert values["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:///")
    assert str(settings.state_dir) in values["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert values["AIRFLOW__API__PORT"] == "18080"
    assert values["PINPIPE_KAFKA_PORT"] == str(settings.kafka_port)
    assert str(settings.project_dir / "airflow" / "include") in values["PYTHONPATH"]
    # standalone starts `airflow` subprocesses by name: the venv's comes first on PATH
    assert values["PATH"].split(":")[0] == str(Path(sys.executable).parent)
