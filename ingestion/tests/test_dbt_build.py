"""`dbt build --target local` on bronze rows that Spark wrote by path."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt

pytestmark = [pytest.mark.spark, pytest.mark.dbt]


def test_dbt_build_reads_bronze_through_a_source(spark, dbt_env: Settings, tmp_path) -> None:
    settings = dbt_env
    now = datetime.now(UTC)
    rows = [
        (
            json.dumps({"index": 40 + i, "unique_id": f"u{i}", "category": "travel"}),
            settings.topic("pin"),
            0,
            i,
            now,
            now,
        )
        for i in range(5)
    ]
    columns = (
        "value string, topic string, partition int, offset bigint, "
        "kafka_timestamp timestamp, landed_at timestamp"
    )
    spark.createDataFrame(rows, columns).write.format("delta").save(
        settings.bronze_path("batch", "pin")
    )

    run_dbt(settings, ["build"], target="local", log_path=tmp_path / "build.log")
    shown = run_dbt(
        settings,
        ["show", "--select", "stg_pinterest__pins", "--output", "json", "--quiet", "--limit", "10"],
        target="local",
        log_path=tmp_path / "show.log",
    )
    assert shown.returncode == 0
    text = (tmp_path / "show.log").read_text()
    payload = json.loads(text[text.index("{") :])
    assert sorted(row["ind"] for row in payload["show"]) == [40, 41, 42, 43, 44]
