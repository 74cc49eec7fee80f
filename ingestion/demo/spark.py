"""The demo's one Spark JVM and session.

``start()`` opens them in the background while the emulator posts events (it keeps one core
busy, the other is idle): the JVM (its own output goes to a log file), a session with the
metastore, and the metastore itself, under the metastore lock, which the demo holds until
``stop()``. Landing, dbt (in this process; dbt-spark's session method finds this session)
and reading the marts all use it, so the JVM starts and warms up once.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ingestion.config import Settings


class DemoSpark:
    def __init__(self, settings: Settings, jvm_log: Path) -> None:
        self.settings = settings
        self.jvm_log = jvm_log
        self._opening: Future[Any] | None = None
        self._lock = contextlib.ExitStack()

    def start(self) -> None:
        """Begin opening the session in the background (``session()`` waits for it)."""
        if self._opening is None:
            pool = ThreadPoolExecutor(1, thread_name_prefix="demo-spark")
            self._opening = pool.submit(self._open)
            pool.shutdown(wait=False)  # the pool ends when its one task does

    def _open(self) -> Any:
        from ingestion.dbt_runner import metastore_lock
        from ingestion.landing.spark import spark_session

        self._lock.enter_context(metastore_lock(self.settings))
        spark = spark_session(self.settings, "pinpipe-demo", jvm_log=self.jvm_log)
        spark.sparkContext.setLogLevel("ERROR")
        spark.catalog.listDatabases()  # opens the metastore (creates it on the first run)
        return spark

    def session(self) -> Any:
        self.start()
        assert self._opening is not None
        return self._opening.result()

    def stop(self) -> None:
        """Stop the session ``session()`` returned and release the metastore lock. A session
        this object never opened (a test's, say) is left alone."""
        opening, self._opening = self._opening, None
        try:
            if opening is not None and opening.exception() is None:
                opening.result().stop()
        finally:
            self._lock.close()
