"""The keeper starts the speed layer's landing query when it is not running, and only then."""

from __future__ import annotations

import os
import shlex
import signal
import sys
from dataclasses import replace
from pathlib import Path

from ingestion.config import Settings
from ingestion.stack.processes import wait_for


def test_keep_running_starts_once_and_restarts_after_a_crash(
    settings: Settings, tmp_path: Path
) -> None:
    from pinpipe_dags.keeper import keep_running, landing_process

    # a stand-in for `pinpipe land kinesis --continuous` that needs no Kinesis server
    command = shlex.join([sys.executable, "-c", "import time; time.sleep(300)", "--continuous"])
    local = replace(settings, state_dir=tmp_path, airflow_land_kinesis_command=command)
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
    finally:
        tracked.stop(timeout=10)
    assert tracked.pid() is None
