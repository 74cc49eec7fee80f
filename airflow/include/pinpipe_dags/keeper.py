"""Keep the Kinesis landing query alive, tracked like the stack's services (ingestion.stack).

Its pid file (``<state>/run/land-kinesis.pid``) holds the pid and the command's arguments;
the process counts as running only while it is alive and its command line still holds them,
so a stale pid file (a crash, a reboot, a reused pid) reads as stopped.
"""

from __future__ import annotations

import os
import shlex

from ingestion.config import Settings
from ingestion.stack.processes import Tracked
from pinpipe_dags.config import land_command

NAME = "land-kinesis"


def landing_process(settings: Settings) -> Tracked:
    return Tracked(NAME, settings.run_dir)


def keep_running(settings: Settings) -> tuple[int, bool]:
    """The landing query's pid, started detached in its own session when it was not running;
    and whether this call started it. It resumes from its checkpoint: a restart loses and
    doubles nothing."""
    tracked = landing_process(settings)
    pid = tracked.pid()
    if pid is not None:
        return pid, False
    argv = shlex.split(land_command(settings, "kinesis"))
    env = dict(os.environ)
    pid = tracked.start(argv, env=env, cwd=settings.project_dir, marker=" ".join(argv[1:]))
    return pid, True
