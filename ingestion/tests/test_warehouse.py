"""The SQL server (the stack's ``sql`` service) and its clients: ``pinpipe sql``, dbt builds
that run while others query, a server killed during a build, and incremental builds that
give the same tables as a full rebuild of the same bronze data."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.dbt_runner import DbtError, run_dbt
from ingestion.stack.services import free_port
from ingestion.tests.conftest import PROJECT_DIR
from ingestion.tests.fixtures_dbt import ROUND_1, T0, DbtProject, DbtRounds, write_bronze
from ingestion.tests.fixtures_stack import on_warehouse
from ingestion.warehouse import WarehouseError, query

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

# the tables are what these builds compare; the data tests of the same rows run in
# `dbt_project`'s build
BUILD = ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"]


def pinpipe(settings: Settings, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings.as_env(), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "ingestion.cli", *args],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def without_run_columns(rows: list[dict]) -> list[str]:
    """Rows comparable across builds: sorted, without dbt's run-time columns (``dbt_*``)."""
    return sorted(repr(sorted((k, v) for k, v in row.items() if not k.startswith("dbt_")))
                  for row in rows)  # fmt: skip


def round_1_lake(spark, settings: Settings, tmp_path_factory) -> Settings:
    lake = tmp_path_factory.mktemp("lake")
    settings = replace(settings, lake_dir=lake)
    write_bronze(spark, settings, ROUND_1, T0)
    return settings


def build(settings: Settings, name: str, logs: Path) -> None:
    target = logs / f"target-{name}"
    args = [*BUILD, "--target-path", str(target), "--log-path", str(logs)]
    run_dbt(settings, args, target="local", log_path=logs / f"{name}.log")


def test_pinpipe_sql_prints_an_aligned_table_and_fails_with_the_servers_message(
    warehouse: Settings,
) -> None:
    done = pinpipe(warehouse, "sql", "--schema", "default", "-e",
                   "select 7 as n, 'seven' as word; select 1 as one")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:4] == ["n  word", "-  -----", "7  seven", "(1 row)"]
    assert done.stdout.splitlines()[-1] == "(1 row)"

    failed = pinpipe(warehouse, "sql", "-e", "select * from no_such_table")
    assert failed.returncode == 1
    assert "TABLE_OR_VIEW_NOT_FOUND" in failed.stderr and "no_such_table" in failed.stderr
    assert "\tat org.apache" not in failed.stderr  # the message, not the Java stack

    stopped = replace(warehouse, sql_host="", sql_port=free_port(warehouse.host))
    unanswered = pinpipe(stopped, "sql", "-e", "select 1")
    assert unanswered.returncode == 3  # README: Exit codes
    assert "start it with `pinpipe stack up sql`" in unanswered.stderr


def test_status_names_the_sql_server_and_its_jdbc_url(warehouse: Settings) -> None:
    done = pinpipe(warehouse, "stack", "status", "--json")
    host, port = warehouse.sql_server
    assert f'"address": "jdbc:hive2://{host}:{port}/' in done.stdout


def test_queries_answer_during_a_build_and_a_killed_server_fails_it_by_name(
    spark, dbt_env: Settings, warehouse: Settings, stack, dbt_rounds: DbtRounds, tmp_path: Path,
    tmp_path_factory,
) -> None:  # fmt: skip
    """A build of round 1 that the server's death cuts short; after a restart, the next build
    gives the tables of round 1's whole build (``dbt_rounds.after_build``)."""
    settings = on_warehouse(round_1_lake(spark, dbt_env, tmp_path_factory), warehouse, "killed")
    host, port = settings.sql_server  # elsewhere to the build: the stack does not restart it
    failures: list[Exception] = []

    def doomed() -> None:
        try:
            build(settings, "doomed", tmp_path)
        except DbtError as exc:
            failures.append(exc)

    running = threading.Thread(target=doomed, daemon=True)
    running.start()
    log = tmp_path / "doomed.log"
    try:
        assert wait_for_line(log, "START sql", running)
        asked = pinpipe(settings, "sql", "-e", "select count(*) as bronze_pins from "
                        f"{settings.bronze_schema}.batch_pin")  # fmt: skip
        asked_during_build = running.is_alive()
        shown = pinpipe(settings, "dbt", "show", "--inline", "select 42 as answer")
        shown_during_build = running.is_alive()

        assert wait_for_line(log, "int_pins_merged", running)
        stack.kill("sql")
        join_while_logging(running, log)
        with pytest.raises(WarehouseError, match=f"no SQL server answers at {host}:{port}"):
            query(settings, "select 1")
    finally:
        stack.up(["sql"])  # the other tests share this server

    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.splitlines()[2].strip() == str(len(ROUND_1["batch", "pin"]))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "42" in shown.stdout
    assert asked_during_build and shown_during_build, "the build ended before the queries"
    assert len(failures) == 1
    assert f"no SQL server answers at {host}:{port}" in str(failures[0])

    build(settings, "after", tmp_path)
    after = DbtProject(settings, warehouse, tmp_path)
    for table, rows in dbt_rounds.after_build.items():
        assert without_run_columns(after.read(spark, table)) == without_run_columns(rows), table


def test_an_incremental_build_gives_the_tables_of_a_full_rebuild(
    spark, dbt_rounds: DbtRounds, warehouse: Settings, tmp_path: Path
) -> None:
    """Round 1 built in full and round 2 merged incrementally (``dbt_rounds``) give the tables
    of one full build of both rounds' bronze rows."""
    rebuilt = on_warehouse(dbt_rounds.project.settings, warehouse, "rebuilt")
    build(rebuilt, "rebuilt", tmp_path)
    whole = DbtProject(rebuilt, warehouse, tmp_path)
    for table, rows in dbt_rounds.after_round_2.items():
        if table.startswith("snp_"):  # history: one version per merge run, by design
            continue
        assert without_run_columns(whole.read(spark, table)) == without_run_columns(rows), table
    assert len(dbt_rounds.after_round_2["int_pins_merged"]) == 11


STALLED = 300.0  # seconds without a new line in the build's log: stuck, not slow


def progress(log: Path, running: threading.Thread, done) -> bool:  # noqa: ANN001
    """Wait until ``done(log text)``; False when the build ends first, an AssertionError when
    its log stalls: a slow machine only slows the waits down, a stuck build fails them."""
    size, changed = -1, time.monotonic()
    while True:
        text = log.read_text() if log.is_file() else ""
        if done(text):
            return True
        if not running.is_alive():
            return False
        if len(text) != size:
            size, changed = len(text), time.monotonic()
        assert time.monotonic() - changed < STALLED, f"no progress in {log} for {STALLED:.0f} s"
        time.sleep(0.5)


def wait_for_line(log: Path, text: str, running: threading.Thread) -> bool:
    return progress(log, running, lambda written: text in written)


def join_while_logging(running: threading.Thread, log: Path) -> None:
    progress(log, running, lambda written: False)
    running.join()
