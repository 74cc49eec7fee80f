"""Keep the Kinesis landing query alive, tracked like the stack's services (ingestion.stack).

Its pid file (``<state>/run/land-kinesis.pid``) holds the pid and the command's arguments;
the process counts as running only while it is alive and its command line still holds them,
so a stale pid file (a crash, a reboot, a reused pid) reads as stopped.
"""

from __future__ import annotations

import os
import shlex

from ingestion.commands.land import RUNNING
from ingestion.config import Settings
from ingestion.errors import PinpipeError
from ingestion.stack.processes import Tracked, exit_code, wait_for
from pinpipe_dags.config import land_command

NAME = "land-kinesis"


def landing_process(settings: Settings) -> Tracked:
    return Tracked(NAME, settings.run_dir)


def keep_running(settings: Settings, timeout: float = 240) -> tuple[int, bool]:
    """The landing query's pid, started detached in its own session when it was not running;
    and whether this call started it. It resumes from its checkpoint: a restart loses and
    doubles nothing.

    A start waits until the command says its queries run, so the bronze tables exist before
    dbt reads them, or until it exits: exit 0 hands the work on (a configured command may
    start a Databricks job), any other exit raises with the end of its log."""
    tracked = landing_process(settings)
    pid = tracked.pid()
    if pid is not None:
        return pid, False
    argv = shlex.split(land_command(settings, "kinesis"))
    logged = tracked.log_file.stat().st_size if tracked.log_file.exists() else 0
    env = dict(os.environ)
    pid = tracked.start(argv, env=env, cwd=settings.project_dir, marker=" ".join(argv[1:]))

    def settled() -> bool:
        return tracked.pid() is None or RUNNING.encode() in tracked.log_file.read_bytes()[logged:]

    wait_for(settled, timeout, interval=0.5)
    if exit_code(pid):
        raise PinpipeError(
            f"the Kinesis landing exited with status {exit_code(pid)}; "
            f"the end of {tracked.log_file}:\n{tracked.log_tail(40)}"
        )
    return pid, True
