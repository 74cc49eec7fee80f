"""The one place local Spark is configured.

``spark_conf`` is what every local Spark shares: Delta, the jars, the catalog's paths. The SQL
server (the stack's ``sql`` service) runs with ``server_conf``, which adds what a long-lived,
shared server needs; ``profiles.example.yml``'s ``local_session`` target sets the same
``spark_conf`` for dbt's in-process session (a test keeps the two equal). Landing jobs pass
``catalog=False``: they write Delta by path and never open the Derby metastore, which only
one process may own at a time: the SQL server.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.config import Settings
from ingestion.errors import BadInput

if TYPE_CHECKING:
    from pyspark import SparkConf


class MissingJarsError(BadInput):
    """The Delta / Kafka jars have not been resolved yet (``make setup`` does it)."""


def spark_jars(settings: Settings) -> Path:
    folder = Path(settings.jars_dir) / "spark"  # type: ignore[arg-type]
    if not any(folder.glob("delta-spark_*.jar")):
        raise MissingJarsError(
            f"no Delta jars in {folder}: run `make setup` (it resolves them with Maven)"
        )
    return folder


def spark_conf(settings: Settings) -> dict[str, str]:
    """Spark configuration shared by every local session: Delta, jars, catalog paths."""
    spark_dir = settings.spark_dir
    return {
        "spark.master": settings.spark_master,
        "spark.driver.memory": settings.spark_driver_memory,
        # a JVM class-path wildcard: the jars are on the class path from the start (local mode)
        "spark.driver.extraClassPath": f"{Path(settings.jars_dir) / 'spark'}/*",  # type: ignore[arg-type]
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.warehouse.dir": f"{spark_dir}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={spark_dir}",
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.databricks.delta.snapshotPartitions": "2",
        # adaptive query execution re-plans every query; on small local data that costs more
        # than it saves (measured in docs/dbt.md)
        "spark.sql.adaptive.enabled": "false",
        # expressions outside whole-stage code (projections, Delta's log reads and file
        # statistics) are interpreted, not compiled: generating their code costs more per
        # statement and per micro-batch than it saves per row at these sizes (docs/dbt.md)
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def landing_conf() -> dict[str, str]:
    """What a session without the catalog (landing, which writes bronze Delta by path) adds to
    ``spark_conf``. Every micro-batch of the Delta sink replays the table's log in a small
    Spark job (Delta 4.4 reads the sink's last batch id from the full table state), and each
    task of it generates code for Delta's wide log schema, most of a commit's CPU (profiled
    in docs/landing.md): the log is read and reduced in one task each, not two."""
    return {
        "spark.databricks.delta.snapshotPartitions": "1",
        "spark.sql.files.minPartitionNum": "1",
    }


def server_conf(settings: Settings) -> dict[str, str]:
    """``spark_conf`` plus what the SQL server needs: the metastore, its own addresses, and
    queries of several clients (dbt threads, analysts, Airflow tasks) sharing the cores."""
    return {
        **spark_conf(settings),
        "spark.sql.catalogImplementation": "hive",
        "spark.driver.host": settings.host,
        "spark.driver.bindAddress": settings.host,
        "spark.scheduler.mode": "FAIR",
        # a Delta table's metastore entry holds a placeholder column list; when a table is
        # replaced with new columns, Hive's check against that placeholder fails and Spark
        # logs the failure (HiveAlterHandler) before it stores the schema its own way
        "spark.hadoop.hive.metastore.disallow.incompatible.col.type.changes": "false",
    }


def spark_session(
    settings: Settings,
    app_name: str = "pinpipe",
    *,
    catalog: bool = True,
    jvm_log: Path | None = None,
):
    """A local SparkSession with Delta; ``catalog=True`` also opens the shared Hive metastore.

    ``jvm_log``: if this call starts the JVM, the JVM's own output (log4j) goes to that file.
    """
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    spark_jars(settings)
    settings.spark_dir.mkdir(parents=True, exist_ok=True)
    # Python workers (data sources, UDFs) run in this interpreter, where pyarrow lives, through
    # python_worker_launcher; a PYSPARK_PYTHON set by hand wins.
    os.environ.setdefault("PYSPARK_PYTHON", str(python_worker_launcher(settings.spark_dir)))
    # only these settings (no defaults read from a running JVM), as the builder would take them
    conf = SparkConf(loadDefaults=False).setAppName(app_name)
    conf.setAll(list(spark_conf(settings).items()))
    if catalog:
        conf.set("spark.sql.catalogImplementation", "hive")  # what enableHiveSupport() sets
    else:
        conf.setAll(list(landing_conf().items()))
    if jvm_log is not None:
        start_jvm(conf, jvm_log)
    return SparkSession.builder.config(conf=conf).getOrCreate()


LAUNCHER = """#!/bin/sh
# Starts Spark's Python workers for pinpipe (written by ingestion/landing/spark.py).
# 1. Spark puts pyspark's own python/lib/*.zip first on a worker's PYTHONPATH. A zip holds
#    sources only, so every worker would compile pyspark again; without them it imports the
#    same pyspark, compiled once, from this environment.
# 2. Spark waits 10 s for a streaming data source's worker to connect back: that worker runs
#    ingestion.landing.python_worker, which connects before it imports pyspark.
set -f
kept=
IFS=:
for entry in ${{PYTHONPATH-}}; do
  case $entry in
    {zips}) ;;
    *) kept=${{kept:+$kept:}}$entry ;;
  esac
done
unset IFS
PYTHONPATH=$kept
export PYTHONPATH
if [ "$*" = "-m {runner}" ]; then
  set -- -m ingestion.landing.python_worker
fi
exec {python} "$@"
"""


def python_worker_launcher(folder: Path) -> Path:
    """An executable for ``PYSPARK_PYTHON`` in ``folder``: this interpreter, started so that
    Spark's Python workers connect back in time also on a busy machine.

    Spark starts a streaming data source's worker as a fresh process per query (never through
    the forking daemon) and waits a fixed 10 s for it to connect back; the worker imported
    pyspark, compiled from Spark's source zip, before it connected, and a busy machine took
    longer than that (docs/landing.md, "Python workers on a busy machine").
    """
    import pyspark

    from ingestion.landing.python_worker import RUNNER

    zips = Path(pyspark.__file__).parent / "python" / "lib"
    text = LAUNCHER.format(
        zips=shlex.quote(f"{zips}/") + "*.zip", runner=RUNNER, python=shlex.quote(sys.executable)
    )
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = folder / f"python-worker-{digest}"
    if not path.exists():  # one file per interpreter and pyspark; written once, atomically
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(text)
        partial.chmod(0o755)
        partial.replace(path)
    return path


def start_jvm(conf: SparkConf, log_path: Path) -> None:
    """Start this process's Spark JVM with its output appended to ``log_path``, unless one runs."""
    from pyspark import SparkContext
    from pyspark.java_gateway import launch_gateway

    with SparkContext._lock:
        if SparkContext._gateway is not None:
            return
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as log:
            gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
        SparkContext._ensure_initialized(gateway=gateway)
