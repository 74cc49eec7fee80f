"""Nightly lambda merge: fold the speed layer into the batch view, then rebuild the marts.

The intermediate models merge batch and stream rows per entity (Delta ``merge``; the batch
version of a post wins, stream rows fill the gap since the last batch), the user snapshot
records changes, and the marts are rebuilt from the merged tables. No landing here: the
Kinesis query runs continuously (see ``pinpipe_kinesis_keeper``).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG
from pinpipe_dags.config import OrchestrationConfig
from pinpipe_dags.dbt import dbt_task_group

config = OrchestrationConfig.from_env()

with DAG(
    dag_id="pinpipe_lambda_merge",
    description="dbt: merge batch and stream layers per entity, then rebuild the marts",
    schedule=config.lambda_schedule,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1 if config.execution_mode == "local" else 16,
    default_args=config.default_args(),
    tags=["pinpipe", "lambda", "dbt", config.dbt_target],
    doc_md=__doc__,
) as dag:
    dbt_task_group(config, "dbt_lambda_merge", config.lambda_select, config.lambda_selector)
