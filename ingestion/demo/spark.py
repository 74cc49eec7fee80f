"""The demo's one local Spark session (Delta by path, no metastore).

Landing and reading the marts share one JVM: the session is stopped before dbt runs and a
new one starts in the same JVM in about a second. The JVM's own output (log4j warnings) goes
to a log file, not the screen. A session that was already running in this process (a test
run's) is used as it is and left running.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingestion.config import Settings


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Point this process's stdout and stderr file descriptors at ``path`` for a while.

    A child started meanwhile (the Spark JVM) keeps writing there after they are restored.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


class DemoSpark:
    def __init__(self, settings: Settings, jvm_log: Path) -> None:
        self.settings = settings
        self.jvm_log = jvm_log
        self._session: Any = None
        self._owned = False

    def session(self) -> Any:
        if self._session is None:
            from pyspark import SparkContext

            from ingestion.landing.spark import spark_session

            self._owned = SparkContext._active_spark_context is None
            if SparkContext._gateway is None:
                with output_to(self.jvm_log):
                    self._session = spark_session(self.settings, "pinpipe-demo", catalog=False)
            else:
                self._session = spark_session(self.settings, "pinpipe-demo", catalog=False)
            if self._owned:
                self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def stop(self) -> None:
        """Stop the session if this object started it (the JVM stays for the next one)."""
        if self._session is not None and self._owned:
            self._session.stop()
        self._session = None
