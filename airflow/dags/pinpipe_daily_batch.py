"""Daily batch layer: land everything Kafka holds into bronze, then stage it.

``land_kafka`` runs ``pinpipe land kafka --once`` (Structured Streaming with trigger
availableNow: every record queued since the last run, exactly once into the bronze Delta
tables). ``dbt_batch`` is the ``batch_layer`` selector of ``selectors.yml``, rendered by
Cosmos: the seeds, then the base and staging models of both layers and the quarantine, each
built and tested in its own task. No merged table and no mart: that is the nightly
``pinpipe_lambda_merge``.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from pinpipe_dags.config import default_args, land_command, load_settings, minutes, schedule
from pinpipe_dags.dbt import dbt_task_group

settings = load_settings()

with DAG(
    dag_id="pinpipe_daily_batch",
    description="Kafka -> bronze (availableNow), then dbt: seeds and staging (batch_layer)",
    schedule=schedule(settings.airflow_batch_schedule),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(settings),
    tags=["pinpipe", "batch", "dbt", settings.dbt_target],
    doc_md=__doc__,
) as dag:
    land_kafka = BashOperator(
        task_id="land_kafka",
        bash_command=land_command(settings, "kafka"),
        cwd=str(settings.project_dir),
        execution_timeout=minutes(settings.airflow_land_timeout_minutes),
        doc_md="Land every queued Kafka record into the bronze batch tables, then stop.",
    )
    dbt_batch = dbt_task_group(settings, "dbt_batch", settings.airflow_batch_selector)

    land_kafka >> dbt_batch
