"""The demo's one Spark JVM.

Landing (Delta by path, no metastore) starts it; its session is stopped before dbt runs in
this process, and dbt's session (with the metastore) starts in the same JVM, so the JVM
starts and warms up once. Reading the marts uses whichever session is active then. The
JVM's own output (log4j warnings) goes to a log file, not the screen.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ingestion.config import Settings
from ingestion.redirect import output_to


class DemoSpark:
    def __init__(self, settings: Settings, jvm_log: Path) -> None:
        self.settings = settings
        self.jvm_log = jvm_log
        self._session: Any = None

    def session(self) -> Any:
        if self._session is None:
            from pyspark import SparkContext

            from ingestion.landing.spark import spark_session

            first_jvm = SparkContext._gateway is None
            with output_to(self.jvm_log) if first_jvm else contextlib.nullcontext():
                self._session = spark_session(self.settings, "pinpipe-demo", catalog=False)
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def stop(self) -> None:
        """Stop the session ``session()`` returned: landing's, or dbt's when the marts were read
        after dbt ran (the JVM stays for the next one). A session this object never returned
        (a test's, say) is left alone."""
        if self._session is not None:
            self._session.stop()
        self._session = None
