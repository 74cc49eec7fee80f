"""Daily batch layer: land everything Kafka holds into bronze, then build dbt on top of it.

``land_kafka`` runs ``pinpipe land kafka --once`` (Structured Streaming with trigger
availableNow: every record queued since the last run, exactly once into the bronze Delta
tables). ``dbt_batch`` is the dbt project rendered by Cosmos from its manifest: seeds,
staging, the lambda merge, the user snapshot and the marts, each model followed by its tests.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from pinpipe_dags.config import OrchestrationConfig
from pinpipe_dags.dbt import dbt_task_group

config = OrchestrationConfig.from_env()

with DAG(
    dag_id="pinpipe_daily_batch",
    description="Kafka -> bronze (availableNow), then dbt: staging -> lambda merge -> marts",
    schedule=config.batch_schedule,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1 if config.execution_mode == "local" else 16,
    default_args=config.default_args(),
    tags=["pinpipe", "batch", "dbt", config.dbt_target],
    doc_md=__doc__,
) as dag:
    land_kafka = BashOperator(
        task_id="land_kafka",
        bash_command=config.land_kafka_command,
        cwd=str(config.project_dir),
        execution_timeout=config.land_timeout,
        doc_md="Land every queued Kafka record into the bronze batch tables, then stop.",
    )
    dbt_batch = dbt_task_group(config, "dbt_batch", config.batch_select, config.batch_selector)

    land_kafka >> dbt_batch
