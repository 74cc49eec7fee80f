"""The demo's Spark JVM and session, for landing.

``start()`` opens them in the background while the emulator posts events (it keeps one core
busy, the other is idle): the JVM (its own output goes to a log file) and a session that
writes Delta by path. The land step and counting the landed rows use it. dbt and the marts
use the SQL server instead.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ingestion.config import Settings


class DemoSpark:
    def __init__(self, settings: Settings, jvm_log: Path) -> None:
        self.settings = settings
        self.jvm_log = jvm_log
        self._opening: Future[Any] | None = None

    def start(self) -> None:
        """Begin opening the session in the background (``session()`` waits for it)."""
        if self._opening is None:
            pool = ThreadPoolExecutor(1, thread_name_prefix="demo-spark")
            self._opening = pool.submit(self._open)
            pool.shutdown(wait=False)  # the pool ends when its one task does

    def _open(self) -> Any:
        from ingestion.landing.spark import spark_session

        spark = spark_session(self.settings, "pinpipe-demo", catalog=False, jvm_log=self.jvm_log)
        spark.sparkContext.setLogLevel("ERROR")
        return spark

    def session(self) -> Any:
        self.start()
        assert self._opening is not None
        return self._opening.result()

    def stop(self) -> None:
        """Stop the session ``session()`` returned. A session this object never opened (a
        test's, say) is left alone."""
        opening, self._opening = self._opening, None
        if opening is not None and opening.exception() is None:
            opening.result().stop()
