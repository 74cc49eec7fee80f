"""Kinesis landing on a busy machine: the source's Python workers connect back in time.

Spark starts the Kinesis source's Python worker as a fresh process per query and waits a
fixed 10 s for it to connect back (docs/landing.md, "Python workers on a busy machine").
pinpipe's launcher (``ingestion.landing.spark.python_worker_launcher``) makes the worker
connect before it imports pyspark, and import pyspark compiled instead of from Spark's source
zip. These tests check the launcher, then land ``--once`` and continuously while two CPU hogs
keep both cores of the test machine busy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ingestion.chaos.hogs import cpu_hogs
from ingestion.config import ENTITIES
from ingestion.landing.jobs import Trigger, run_until_done, start_queries
from ingestion.landing.producers import put_kinesis
from ingestion.landing.spark import python_worker_launcher
from ingestion.tests.test_landing import bronze, follow, isolated, payloads

PROBE = (
    "import json, os, pyspark, py4j; "
    "print(json.dumps([pyspark.__file__, py4j.__file__, os.environ.get('PYTHONPATH')]))"
)


def test_the_worker_launcher_imports_pyspark_compiled_and_keeps_other_paths(
    tmp_path: Path,
) -> None:
    import pyspark

    zips = Path(pyspark.__file__).parent / "python" / "lib"
    spark_path = [str(zips / "pyspark.zip"), str(next(zips.glob("py4j-*.zip")))]
    launcher = python_worker_launcher(tmp_path)
    assert python_worker_launcher(tmp_path) == launcher  # one file, written once
    env = {**os.environ, "PYTHONPATH": ":".join([*spark_path, "/kept/one", "/kept/two"])}

    def probe(executable: str) -> list[str]:
        out = subprocess.run([executable, "-c", PROBE], env=env, capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        return json.loads(out)

    # what Spark's path does without the launcher: both packages from the source zips
    assert all(".zip" in module for module in probe(sys.executable)[:2])
    pyspark_file, py4j_file, path = probe(str(launcher))
    assert pyspark_file == pyspark.__file__
    assert ".zip" not in py4j_file
    assert path == "/kept/one:/kept/two"


def rows_landed(queries: list[Any]) -> int:
    return sum(int(p.get("numInputRows", 0)) for q in queries for p in q.recentProgress)


def failed(queries: list[Any]) -> str | None:
    return next((f"{q.name} failed: {q.exception()}" for q in queries if q.exception()), None)


@pytest.mark.spark
def test_kinesis_lands_once_and_continuously_beside_two_cpu_hogs(spark, settings, kinesis):
    # two shards a stream, not sixteen: the same worker starts, fewer GetRecords calls a batch
    local = isolated(replace(settings, kinesis_shards=2), "busy-kinesis", streams=True)
    acked: list = []
    with cpu_hogs(2):
        for entity in ENTITIES:
            acked += put_kinesis(kinesis, local.stream(entity), payloads(entity, 20, "queued"))
        once = start_queries(spark, local, "kinesis", Trigger(once=True))
        follow(lambda: not any(q.isActive for q in once), lambda: failed(once), local)
        assert sum(r.rows for r in run_until_done(once, once=True)) == 60

        continuous = start_queries(spark, local, "kinesis", Trigger(once=False, interval_ms=500))
        try:
            for entity in ENTITIES:
                acked += put_kinesis(kinesis, local.stream(entity), payloads(entity, 20, "live"))
            follow(lambda: rows_landed(continuous) >= 60, lambda: failed(continuous), local)
        finally:
            for q in continuous:
                q.stop()
        assert all(q.exception() is None for q in continuous)

    landed = [
        (row.stream, row.shard_id, row.sequence_number)
        for entity in ENTITIES
        for row in bronze(spark, local, "stream", entity).collect()
    ]
    assert len(landed) == len(set(landed)), "a sequence number landed twice"
    assert set(landed) == {(stream, shard, seq) for stream, shard, seq, _ in acked}
