"""Speed layer: keep the Kinesis landing query running, and stage what it landed.

Every few minutes ``keep_kinesis_landing`` checks the query's pid file; when the process is
gone (never started, crashed, machine restarted) it starts ``pinpipe land kinesis
--continuous`` detached, in its own session, so it outlives the task; the query resumes from
its checkpoint, so a restart loses and doubles nothing. ``dbt_speed`` is the ``speed_layer``
selector of ``selectors.yml``: the stream's base and staging models, each built and tested in
its own task (the quarantine and the tests over both layers run in the daily batch, where all
their nodes are built). Between two merges the serving views read the rest of the
stream at query time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task
from pinpipe_dags.config import default_args, load_settings, schedule
from pinpipe_dags.dbt import dbt_task_group

settings = load_settings()

with DAG(
    dag_id="pinpipe_kinesis_keeper",
    description="Keep `pinpipe land kinesis --continuous` running, then dbt: speed_layer",
    schedule=schedule(settings.airflow_keeper_schedule),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=10),
    default_args={**default_args(settings), "retries": 1, "retry_delay": timedelta(minutes=1)},
    tags=["pinpipe", "speed", "kinesis", "dbt", settings.dbt_target],
    doc_md=__doc__,
) as dag:

    @task(task_id="keep_kinesis_landing", execution_timeout=timedelta(minutes=5))
    def keep_kinesis_landing() -> int:
        """Start the landing query when it is not running; its log is beside its pid file."""
        from pinpipe_dags.config import load_settings
        from pinpipe_dags.keeper import keep_running, landing_process

        pid, started = keep_running(load_settings())
        log = landing_process(load_settings()).log_file
        print(f"kinesis landing {'started' if started else 'running'}: pid {pid}; log {log}")
        return pid

    # the tests over several nodes (the stream against the seeds, bronze = staged +
    # quarantined over both layers) run in the daily batch, where all their nodes are built
    speed = dbt_task_group(
        settings, "dbt_speed", settings.airflow_speed_selector, tests_across_nodes=False
    )
    keep_kinesis_landing() >> speed
