"""The daily batch DAG end to end with ``dag.test()`` against the local stack.

Posts go to the topics of the test's own Kafka broker (``airflow_stack``); the DAG, as it
is deployed, runs the real ``pinpipe land kafka --once`` into bronze, then the one ``dbt
build`` of its Cosmos task group (watcher mode) on the test run's SQL server: seeds,
staging, the lambda merge, the snapshot and every mart, each model followed by its tests. A
mart must answer from exactly the posts that were sent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.landing.producers import kafka_producer, produce_kafka
from ingestion.tests.fixtures_dbt import geo, pin, user

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
MART = "most_popular_category_by_country"

POSTS = {101: ("France", "art"), 102: ("France", "art"), 103: ("France", "travel"),
         104: ("Chile", "travel")}  # fmt: skip
EXPECTED = {("France", "art", 2), ("Chile", "travel", 1)}


def send_posts(settings: Settings) -> int:
    """Every post as its three records (pin, geo, user) on the entity topics; acks counted."""
    producer = kafka_producer(settings.bootstrap_servers)
    rows = {
        "pin": [pin(ind, category=category) for ind, (_, category) in POSTS.items()],
        "geo": [geo(ind, country=country) for ind, (country, _) in POSTS.items()],
        "user": [user(ind) for ind in POSTS],
    }
    acks = 0
    for entity, records in rows.items():
        values = [json.dumps(record).encode() for record in records]
        acks += len(produce_kafka(producer, settings.topic(entity), values))
    return acks


def warehouse_table(settings: Settings, manifest: dict, name: str) -> str:
    node = manifest["nodes"][f"model.pinpipe.{name}"]
    return str(settings.spark_dir / "warehouse" / f"{node['schema']}.db" / node["alias"])


def test_batch_dag_lands_kafka_and_builds_up_to_a_mart(
    dag_env: Settings,
    manifest: dict,
    warehouse: Settings,
    airflow_stack,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    settings = dag_env
    airflow_stack.up(["kafka"])
    assert send_posts(settings) == 3 * len(POSTS)

    monkeypatch.setenv("PINPIPE_AIRFLOW_RETRIES", "0")  # a failure fails the run, no waiting
    monkeypatch.setenv("PINPIPE_AIRFLOW_LAND_TIMEOUT_MINUTES", "10")
    monkeypatch.setenv("PINPIPE_AIRFLOW_DBT_TIMEOUT_MINUTES", "30")
    bag = DagBag(dag_folder=str(DAGS_DIR / "pinpipe_daily_batch.py"))
    assert bag.import_errors == {}
    dag = bag.get_dag("pinpipe_daily_batch")
    assert dag.task_dict["land_kafka"].bash_command.endswith("land kafka --once")
    assert {f"dbt_batch.{MART}.run", "dbt_batch.int_pins_merged.run"} <= set(dag.task_dict)

    run = dag.test()

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert {task: state for task, state in states.items() if state != "success"} == {}
    assert run.state == "success"
    assert set(states) == set(dag.task_dict)

    spark = request.getfixturevalue("spark")  # started now, so it never competes with dbt
    # landing put every record in bronze exactly once
    for entity in ("pin", "geo", "user"):
        bronze = spark.read.format("delta").load(settings.bronze_path("batch", entity))
        assert bronze.count() == len(POSTS), entity

    merged = spark.read.format("delta").load(warehouse_table(settings, manifest, "int_pins_merged"))
    assert sorted(row["ind"] for row in merged.select("ind").collect()) == sorted(POSTS)

    mart = spark.read.format("delta").load(warehouse_table(settings, manifest, MART))
    answer = {(r["country"], r["category"], r["category_count"]) for r in mart.collect()}
    assert answer == EXPECTED
