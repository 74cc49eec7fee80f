"""The three DAGs end to end with ``dag.test()``, each building its own layer, on the local stack.

Posts go to the Kafka topics and the Kinesis streams of the Airflow tests' own stack
(``airflow_stack``). The keeper starts the real ``pinpipe land kinesis --continuous`` and
stages the stream; the daily batch lands Kafka with ``pinpipe land kafka --once`` and stages
both layers; the nightly merge builds the merged tables, the serving views and the marts. Every
dbt node is a task of its own on the test run's SQL server. The stream carries one post no
batch has (it must reach the marts) and a second version of a batch post (the batch version
must win).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.landing.kinesis_reader import kinesis_client
from ingestion.landing.producers import kafka_producer, produce_kafka, put_kinesis
from ingestion.tests.fixtures_dbt import geo, pin, user
from ingestion.warehouse import WarehouseError, query

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
MART = "most_popular_category_by_country"
BATCH = {101: ("France", "art"), 102: ("France", "art"), 103: ("France", "travel"),
         104: ("Chile", "travel")}  # fmt: skip
STREAM = {104: ("Chile", "art"), 105: ("Chile", "travel")}  # 104: a stream version of a batch post
EXPECTED = {("France", "art", 2), ("Chile", "travel", 2)}  # 104 as batched, 105 from the stream


def records(posts: dict[int, tuple[str, str]]) -> dict[str, list[bytes]]:
    """Each post as its three records (pin, geo, user), JSON-encoded, by entity."""
    rows = {
        "pin": [pin(ind, category=category) for ind, (_, category) in posts.items()],
        "geo": [geo(ind, country=country) for ind, (country, _) in posts.items()],
        "user": [user(ind) for ind in posts],
    }
    return {entity: [json.dumps(row).encode() for row in values] for entity, values in rows.items()}


def send(settings: Settings) -> int:
    """The batch posts on Kafka, the stream posts on Kinesis; acknowledgements counted."""
    producer = kafka_producer(settings.bootstrap_servers)
    kinesis = kinesis_client(settings.kinesis_url, settings.aws_region, local=True)
    acks = 0
    for entity, values in records(BATCH).items():
        acks += len(produce_kafka(producer, settings.topic(entity), values))
    for entity, values in records(STREAM).items():
        acks += len(put_kinesis(kinesis, settings.stream(entity), values))
    return acks


def rows(settings: Settings, sql: str) -> list[dict]:
    return query(settings, sql).records()


def wait_for_stream_bronze(settings: Settings, timeout: float = 300) -> None:
    """Until the landing query has put every stream pin into bronze."""
    table = f"delta.`{settings.bronze_path('stream', 'pin')}`"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if rows(settings, f"select count(*) as n from {table}")[0]["n"] >= len(STREAM):
                return
        except WarehouseError:  # no table before the first micro-batch
            pass
        time.sleep(2)
    raise AssertionError(f"the stream pins did not reach {table} in {timeout} s")


def run(dag_id: str) -> tuple[object, dict[str, str]]:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py"))
    assert bag.import_errors == {}
    dag = bag.get_dag(dag_id)
    result = dag.test()
    print(f"{dag_id}: {(result.end_date - result.start_date).total_seconds():.0f} s")  # -rP
    states = {ti.task_id: ti.state for ti in result.get_task_instances()}
    assert {task: state for task, state in states.items() if state != "success"} == {}, dag_id
    assert set(states) == set(dag.task_dict), dag_id
    return dag, states


def dbt_nodes(states: dict[str, str]) -> set[str]:
    """The dbt nodes a run built or tested: task ids without their group and verb."""
    return {task.split(".", 1)[1].rsplit("_", 2)[0] for task in states if "." in task}


def test_each_dag_builds_its_own_layer(
    dag_env: Settings, warehouse: Settings, airflow_stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinpipe_dags.keeper import landing_process

    settings, schema = dag_env, dag_env.dbt_schema
    airflow_stack.up(["kafka", "kinesis"])
    assert send(settings) == 3 * (len(BATCH) + len(STREAM))
    monkeypatch.setenv("PINPIPE_AIRFLOW_RETRIES", "0")  # a failure fails the run, no waiting

    try:
        _, first = run("pinpipe_kinesis_keeper")  # starts the landing query
        pid = landing_process(settings).pid()
        assert pid is not None, landing_process(settings).log_tail(60)
        wait_for_stream_bronze(settings)
        _, speed = run("pinpipe_kinesis_keeper")  # finds it running, stages what it landed
        assert landing_process(settings).pid() == pid, landing_process(settings).log_tail(60)
    finally:
        landing_process(settings).stop(timeout=30)
    staged = rows(settings, f"select ind from {schema}.stg_pinterest__stream_pins")
    assert sorted(row["ind"] for row in staged) == sorted(STREAM)

    _, batch = run("pinpipe_daily_batch")
    staged = rows(settings, f"select ind from {schema}.stg_pinterest__batch_pins")
    assert sorted(row["ind"] for row in staged) == sorted(BATCH)

    _, merge = run("pinpipe_lambda_merge")
    merged = rows(settings, f"select ind, category from {schema}.int_pins_merged")
    assert {row["ind"]: row["category"] for row in merged} == {
        **{ind: category for ind, (_, category) in BATCH.items()},
        105: "travel",
    }
    answer = rows(settings, f"select country, category, category_count from {schema}.{MART}")
    assert {(r["country"], r["category"], r["category_count"]) for r in answer} == EXPECTED

    # each run built its own layer only
    speed_nodes, batch_nodes, merge_nodes = dbt_nodes(speed), dbt_nodes(batch), dbt_nodes(merge)
    assert speed_nodes and all("stream" in n for n in speed_nodes)
    assert not any(n.startswith(("int_", "fct_", "dim_")) or MART in n for n in batch_nodes)
    assert not any(n.startswith("base_") for n in merge_nodes)
    assert batch_nodes.isdisjoint(merge_nodes)
    assert first.keys() == speed.keys()
