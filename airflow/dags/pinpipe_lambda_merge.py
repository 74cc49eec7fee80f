"""Nightly lambda merge: fold the speed layer into the batch view, then rebuild the marts.

``dbt_lambda_merge`` is the ``lambda_merge`` selector of ``selectors.yml``, rendered by
Cosmos: the merged tables per entity (Delta ``merge``; the batch version of a post wins,
stream rows fill the gap since the last batch), the user snapshot, the serving views and the
marts, each built and tested in its own task. It reads the staging that the daily batch and
the speed keeper keep current, and parses no bronze.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG
from pinpipe_dags.config import default_args, load_settings, schedule
from pinpipe_dags.dbt import dbt_task_group

settings = load_settings()

with DAG(
    dag_id="pinpipe_lambda_merge",
    description="dbt: merge batch and stream per entity, snapshot, serving views, marts",
    schedule=schedule(settings.airflow_lambda_schedule),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(settings),
    tags=["pinpipe", "lambda", "dbt", settings.dbt_target],
    doc_md=__doc__,
) as dag:
    dbt_task_group(settings, "dbt_lambda_merge", settings.airflow_lambda_selector)
