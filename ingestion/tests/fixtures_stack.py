"""The ``stack`` fixture (the project's own Stack on the test run's settings, downed at the
end) and the ``warehouse`` fixture: one SQL server for the whole test run, which every test
that runs dbt shares, each in schemas of its own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ingestion.config import Settings


@pytest.fixture(scope="session")
def stack(settings: Settings):
    """Start services with ``stack.up([...])``; everything started is stopped after the run."""
    from ingestion.stack import Stack

    stack = Stack(settings)
    yield stack
    stack.down()


@pytest.fixture(scope="session")
def warehouse(stack) -> Settings:
    """The test run's SQL server (the stack's ``sql`` service), started once; its settings."""
    stack.up(["sql"])
    return stack.settings


def on_warehouse(settings: Settings, server: Settings, name: str) -> Settings:
    """``settings`` building into schemas ``<name>`` and ``<name>_bronze`` on ``server``'s SQL
    server, which they reach as a server run elsewhere (their stack never starts or stops it)."""
    host, port = server.sql_server
    return replace(
        settings, sql_host=host, sql_port=port, dbt_schema=name, bronze_schema=f"{name}_bronze"
    )


def table_path(server: Settings, schema: str, name: str) -> str:
    """Where the SQL server keeps a table dbt built: read it by path with the test's Spark."""
    return str(Path(server.spark_dir) / "warehouse" / f"{schema}.db" / name)
