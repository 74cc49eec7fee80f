"""The keeper starts the speed layer's landing query when it is not running, and only then."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.errors import PinpipeError
from ingestion.stack import Stack
from ingestion.stack.processes import wait_for


def test_keep_running_starts_once_and_restarts_after_a_crash(
    settings: Settings, tmp_path: Path, landing_stand_in: Callable[..., str]
) -> None:
    from pinpipe_dags.keeper import NAME, keep_running, landing_process

    local = replace(settings, state_dir=tmp_path, airflow_land_kinesis_command=landing_stand_in())
    tracked = landing_process(local)
    try:
        pid, started = keep_running(local)
        assert started and tracked.pid() == pid
        assert os.getsid(pid) == pid  # its own session: it outlives the task that started it
        assert keep_running(local) == (pid, False)

        os.killpg(pid, signal.SIGKILL)  # a crash: the pid file stays behind, stale
        assert wait_for(lambda: tracked.is_stale(), timeout=10)
        again, started = keep_running(local)
        assert started and again != pid
        assert Stack(local).down() == [NAME]  # `pinpipe stack down` stops it too
    finally:
        tracked.stop(timeout=10)
    assert tracked.pid() is None


def test_a_landing_that_fails_to_start_fails_the_keeper_with_its_log(
    settings: Settings, tmp_path: Path, landing_stand_in: Callable[..., str]
) -> None:
    from pinpipe_dags.keeper import keep_running, landing_process

    failing = landing_stand_in(exit_status=3)
    local = replace(settings, state_dir=tmp_path, airflow_land_kinesis_command=failing)
    with pytest.raises(PinpipeError, match="(?s)exited with status 3.*no Kinesis server"):
        keep_running(local)
    assert landing_process(local).pid() is None

    handed_on = replace(local, airflow_land_kinesis_command="true")  # a Databricks job's trigger
    pid, started = keep_running(handed_on)
    assert started and landing_process(handed_on).pid() is None
