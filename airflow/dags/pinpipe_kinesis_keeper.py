"""Keep the speed layer running: start the Kinesis landing query when it is not running.

Every few minutes ``check_kinesis_landing`` reads the query's pid file; when the process is
gone (never started, crashed, machine restarted) ``start_kinesis_landing`` starts
``pinpipe land kinesis --continuous`` detached, in its own session, so it outlives the task.
The query resumes from its checkpoint, so a restart loses and doubles nothing.
"""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta

from airflow.sdk import DAG, task
from pinpipe_dags.config import OrchestrationConfig

config = OrchestrationConfig.from_env()

with DAG(
    dag_id="pinpipe_kinesis_keeper",
    description="Start `pinpipe land kinesis --continuous` when it is not running",
    schedule=config.keeper_schedule,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=10),
    default_args={**config.default_args(), "retries": 1, "retry_delay": timedelta(minutes=1)},
    tags=["pinpipe", "speed", "kinesis"],
    doc_md=__doc__,
) as dag:

    @task.short_circuit(task_id="check_kinesis_landing", execution_timeout=timedelta(minutes=1))
    def check_kinesis_landing(pid_file: str, command: str) -> bool:
        """True (go on and start it) when the landing query is not running."""
        from pathlib import Path

        from pinpipe_dags.keeper import is_running, read_pid

        running = is_running(Path(pid_file), expect=shlex.split(command)[1:])
        state = f"running, pid {read_pid(Path(pid_file))}" if running else "not running"
        print(f"kinesis landing: {state}")
        return not running

    @task(task_id="start_kinesis_landing", execution_timeout=timedelta(minutes=1))
    def start_kinesis_landing(pid_file: str, command: str, cwd: str) -> int:
        """Start the landing query detached; its output goes to a log beside the pid file."""
        from pathlib import Path

        from pinpipe_dags.keeper import start_detached

        pid_path = Path(pid_file)
        pid = start_detached(command, pid_path, pid_path.with_suffix(".log"), cwd=Path(cwd))
        print(f"started `{command}` as pid {pid}; log: {pid_path.with_suffix('.log')}")
        return pid

    pid_file = str(config.kinesis_pid_file)
    (
        check_kinesis_landing(pid_file, config.land_kinesis_command)
        >> start_kinesis_landing(pid_file, config.land_kinesis_command, str(config.project_dir))
    )
