"""The keeper starts the speed-layer process when it is not running, and only then."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
from pathlib import Path

import pytest

from ingestion.config import Settings

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"


def stop(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def test_pid_file_checks_liveness_and_command(tmp_path: Path) -> None:
    from pinpipe_dags.keeper import is_running, start_detached

    pid_file = tmp_path / "run" / "job.pid"
    assert not is_running(pid_file)
    pid_file.parent.mkdir()
    pid_file.write_text("not a pid\n")
    assert not is_running(pid_file)

    command = [sys.executable, "-c", "import time; time.sleep(120)", "land", "kinesis"]
    pid = start_detached(command, pid_file, tmp_path / "run" / "job.log")
    try:
        assert pid_file.read_text().strip() == str(pid)
        assert os.getsid(pid) == pid  # its own session: it outlives the task that started it
        assert is_running(pid_file, expect=["land", "kinesis"])
        assert not is_running(pid_file, expect=["land", "kafka"])  # a reused pid is not ours
    finally:
        stop(pid)
    assert not is_running(pid_file, expect=["land", "kinesis"])  # stale pid file


def test_keeper_dag_starts_the_landing_once(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two keeper runs: the first starts the configured command, the second finds it running."""
    from airflow.dag_processing.dagbag import DagBag
    from pinpipe_dags.keeper import is_running, read_pid

    pid_file = tmp_path / "land-kinesis.pid"
    # a stand-in for `pinpipe land kinesis --continuous` that needs no Kinesis server
    command = shlex.join([sys.executable, "-c", "import time; time.sleep(300)", "--continuous"])
    monkeypatch.setenv("PINPIPE_KINESIS_PID_FILE", str(pid_file))
    monkeypatch.setenv("PINPIPE_AIRFLOW_LAND_KINESIS_COMMAND", command)
    dag = DagBag(dag_folder=str(DAGS_DIR / "pinpipe_kinesis_keeper.py")).get_dag(
        "pinpipe_kinesis_keeper"
    )
    first = dag.test()
    pid = read_pid(pid_file)
    try:
        states = {ti.task_id: ti.state for ti in first.get_task_instances()}
        assert states == {"check_kinesis_landing": "success", "start_kinesis_landing": "success"}
        assert pid is not None and is_running(pid_file, expect=shlex.split(command)[1:])

        second = dag.test()
        states = {ti.task_id: ti.state for ti in second.get_task_instances()}
        assert states == {"check_kinesis_landing": "success", "start_kinesis_landing": "skipped"}
        assert read_pid(pid_file) == pid
    finally:
        if pid:
            stop(pid)
