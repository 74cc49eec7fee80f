"""The demo's one Spark JVM.

Landing (Delta by path, no metastore) starts it; its session is stopped before dbt runs in
this process, and dbt's session (with the metastore) starts in the same JVM, so the JVM
starts and warms up once. Reading the marts uses whichever session is active then. The
JVM's own output (log4j warnings) goes to a log file, not the screen.
"""

from __future__ import annotations

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

            if SparkContext._gateway is None:
                with output_to(self.jvm_log):
                    self._session = spark_session(self.settings, "pinpipe-demo", catalog=False)
            else:
                self._session = spark_session(self.settings, "pinpipe-demo", catalog=False)
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    def stop(self) -> None:
        """Stop the running session, this object's or dbt's (the JVM stays for the next one)."""
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        if SparkContext._active_spark_context is not None:
            SparkSession.builder.getOrCreate().stop()
        self._session = None
