"""What MWAA gets still matches the DAGs: the Cosmos its requirements install, and the settings
its startup script exports, with which the DAGs parse for the Databricks target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingestion.config import Settings

MWAA = Path(__file__).resolve().parents[1] / "mwaa"
REQUIREMENTS = MWAA.parent / "requirements.txt"
LAYER_DAGS = ("pinpipe_daily_batch", "pinpipe_kinesis_keeper", "pinpipe_lambda_merge")


def pins(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("==", 1) for line in lines if "==" in line and " " not in line)


def test_requirements_pin_the_cosmos_the_dags_are_tested_with(dag_env: Settings) -> None:
    tested = pins(dag_env.project_dir / "constraints.txt")
    assert pins(REQUIREMENTS)["astronomer-cosmos"] == tested["astronomer-cosmos"]


PARSE = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder="{dags}")
task = bag.get_dag("pinpipe_lambda_merge").task_dict["dbt_lambda_merge.fct_pin_posts_model_build"]
print(json.dumps({{"errors": list(bag.import_errors), "dags": sorted(bag.dag_ids),
                   "target": task.profile_config.target_name, "dbt": task.dbt_executable_path,
                   "pool": task.pool}}))
"""


def test_the_dags_parse_with_the_startup_scripts_settings(
    dag_env: Settings, tmp_path: Path
) -> None:
    """The bucket's layout (DAGs, pinpipe_dags, the project under dags/pinpipe), the script
    sourced on a web server (no dbt install), then the DAG folder parsed as MWAA would."""
    home = tmp_path / "airflow"
    dags = home / "dags"
    dags.mkdir(parents=True)
    (dags / "pinpipe").symlink_to(dag_env.project_dir)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PINPIPE_")} | {
        "AIRFLOW_HOME": str(home),
        "MWAA_AIRFLOW_COMPONENT": "webserver",
        "PINPIPE_DBT_MANIFEST": os.environ["PINPIPE_DBT_MANIFEST"],
    }
    sourced = subprocess.run(
        ["sh", "-c", f". {MWAA / 'startup.sh'} >/dev/null && env -0"],
        env=env, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    mwaa = dict(item.split("=", 1) for item in sourced.decode().split("\0") if "=" in item)
    assert mwaa["PYTHONPATH"].split(":")[0] == str(dags / "pinpipe")

    script = PARSE.format(dags=dag_env.project_dir / "airflow" / "dags")
    out = subprocess.run(
        [sys.executable, "-c", script], env=mwaa, cwd=tmp_path, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    parsed = json.loads(out.stdout.strip().splitlines()[-1])
    assert parsed["errors"] == []
    assert parsed["dags"] == sorted(LAYER_DAGS)
    assert parsed["target"] == "databricks"
    assert parsed["dbt"] == str(home / "dbt_venv" / "bin" / "dbt")
    assert parsed["pool"] == "default_pool"
