"""The task graph Cosmos renders from the manifest: every selected dbt node is a task, its
tests follow it, and the order is the manifest's dependency order."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.config import Settings

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
VERB = {"model": "run", "seed": "seed", "snapshot": "snapshot"}


def get_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py"))
    assert bag.import_errors == {}
    return bag.get_dag(dag_id)


def selected_nodes(manifest: dict, paths: tuple[str, ...]) -> dict[str, dict]:
    """The project's models, seeds and snapshots under the selected folders."""
    prefixes = tuple(p.removeprefix("path:").rstrip("/") + "/" for p in paths)
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in VERB
        and node["package_name"] == "pinpipe"
        and node["original_file_path"].startswith(prefixes)
    }


def nodes_with_tests(manifest: dict) -> set[str]:
    """Nodes with at least one test on them alone (Cosmos runs those right after the node)."""
    return {
        node["depends_on"]["nodes"][0]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and len(node["depends_on"]["nodes"]) == 1
    }


def task_ids(group: str, node: dict, has_tests: bool) -> tuple[str, str]:
    """(task that builds the node, last task of the node) as Cosmos names them."""
    verb = VERB[node["resource_type"]]
    if has_tests:
        return f"{group}.{node['name']}.{verb}", f"{group}.{node['name']}.test"
    return (f"{group}.{node['name']}_{verb}",) * 2


def assert_graph_follows_manifest(dag, group: str, nodes: dict[str, dict], manifest: dict) -> None:
    with_tests = nodes_with_tests(manifest)
    for uid, node in nodes.items():
        build, last = task_ids(group, node, uid in with_tests)
        assert build in dag.task_dict, f"{uid} has no task {build}"
        if last != build:
            assert build in dag.task_dict[last].upstream_task_ids, f"{last} must follow {build}"
        for parent_uid in node["depends_on"].get("nodes", []):
            if parent_uid in nodes:
                _, parent_last = task_ids(group, nodes[parent_uid], parent_uid in with_tests)
                assert parent_last in dag.task_dict[build].upstream_task_ids, (
                    f"{build} must wait for {parent_last}"
                )
    dbt_tasks = {t for t in dag.task_dict if t.startswith(f"{group}.")}
    expected = {tid for uid, n in nodes.items() for tid in task_ids(group, n, uid in with_tests)}
    producer = {f"{group}.dbt_producer_watcher", f"{group}.dbt_producer_watcher_done"}
    assert dbt_tasks - producer == expected


def test_batch_dag_lands_kafka_then_builds_every_layer_in_order(
    dag_env: Settings, manifest: dict
) -> None:
    from pinpipe_dags.config import BATCH_SELECT

    dag = get_dag("pinpipe_daily_batch")
    nodes = selected_nodes(manifest, BATCH_SELECT)
    names = {n["name"] for n in nodes.values()}
    assert any(name.startswith("stg_pinterest__") for name in names)
    assert_graph_follows_manifest(dag, "dbt_batch", nodes, manifest)

    # landing comes first: it precedes the one dbt build and every root dbt node
    producer = dag.task_dict["dbt_batch.dbt_producer_watcher"]
    assert producer.upstream_task_ids == {"land_kafka"}
    roots = [t for t in dag.tasks if t.task_id.startswith("dbt_batch.") and not t.upstream_task_ids]
    assert roots == []
    assert type(dag.task_dict["land_kafka"]).__name__ == "BashOperator"
    assert dag.task_dict["land_kafka"].bash_command.endswith("land kafka --once")


def test_staging_precedes_intermediate_precedes_marts(dag_env: Settings, manifest: dict) -> None:
    """Along every path of the batch graph, layers appear in the lambda order."""
    from pinpipe_dags.config import BATCH_SELECT

    dag = get_dag("pinpipe_daily_batch")
    layer_of = {"staging": 0, "intermediate": 1, "marts": 2}
    nodes = selected_nodes(manifest, BATCH_SELECT)
    rank = {}
    for node in nodes.values():
        folder = (
            node["original_file_path"].split("/")[1] if node["resource_type"] == "model" else ""
        )
        if folder in layer_of:
            rank[node["name"]] = layer_of[folder]
    checked = 0
    for task in dag.tasks:
        name = task.task_id.split(".")[1] if task.task_id.count(".") >= 1 else ""
        name = name.removesuffix("_run")
        if name not in rank:
            continue
        for upstream in task.get_flat_relatives(upstream=True):
            up_name = (
                upstream.task_id.split(".")[1].removesuffix("_run")
                if "." in upstream.task_id
                else ""
            )
            if up_name in rank:
                assert rank[up_name] <= rank[name], f"{upstream.task_id} precedes {task.task_id}"
                checked += 1
    assert checked > 0 or len(set(rank.values())) < 2


def test_lambda_dag_stages_the_stream_then_merges_and_rebuilds_the_marts(
    dag_env: Settings, manifest: dict
) -> None:
    """No landing; the stream rows landed since the batch run are staged before the merge."""
    from pinpipe_dags.config import LAMBDA_SELECT

    dag = get_dag("pinpipe_lambda_merge")
    nodes = selected_nodes(manifest, LAMBDA_SELECT)
    assert_graph_follows_manifest(dag, "dbt_lambda_merge", nodes, manifest)
    assert "land_kafka" not in dag.task_dict
    merge = dag.task_dict["dbt_lambda_merge.int_pins_merged.run"]
    assert "dbt_lambda_merge.stg_pinterest__stream_pins.test" in merge.upstream_task_ids
    fact = dag.task_dict["dbt_lambda_merge.fct_pin_posts.run"]
    assert "dbt_lambda_merge.int_pins_merged.test" in fact.upstream_task_ids


@pytest.mark.parametrize("name", ["BATCH_SELECT", "LAMBDA_SELECT"])
def test_a_selection_holds_every_node_its_tests_refer_to(
    dag_env: Settings, manifest: dict, name: str
) -> None:
    """dbt runs every test that touches a selected node; one whose other parent is not
    selected would fail on a table that was never built."""
    from pinpipe_dags import config

    selected = set(selected_nodes(manifest, getattr(config, name)))
    for uid, test in manifest["nodes"].items():
        if test["resource_type"] != "test":
            continue
        parents = {p for p in test["depends_on"]["nodes"] if p.split(".")[0] in VERB}
        if parents & selected:
            assert parents <= selected, f"{uid} refers to {sorted(parents - selected)}"


@pytest.mark.parametrize("dag_id", ["pinpipe_daily_batch", "pinpipe_lambda_merge"])
def test_local_target_runs_dbt_behind_the_metastore_lock(dag_env: Settings, dag_id: str) -> None:
    dag = get_dag(dag_id)
    producer = next(t for t in dag.tasks if t.task_id.endswith(".dbt_producer_watcher"))
    assert Path(producer.dbt_executable_path).name == "dbt-locked"
    assert producer.profile_config.target_name == "local"
    sensors = [t for t in dag.tasks if t.task_id.endswith((".run", ".test", "_run"))]
    assert sensors and all(s.mode == "reschedule" and not s.deferrable for s in sensors)


def test_databricks_target_uses_the_connection_profile_mapping(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPIPE_DBT_TARGET", "databricks")
    monkeypatch.setenv("PINPIPE_DATABRICKS_CONN_ID", "databricks_prod")
    dag = get_dag("pinpipe_daily_batch")
    producer = dag.task_dict["dbt_batch.dbt_producer_watcher"]
    mapping = producer.profile_config.profile_mapping
    assert type(mapping).__name__ == "DatabricksTokenProfileMapping"
    assert mapping.conn_id == "databricks_prod"
    assert producer.profile_config.target_name == "databricks"
    assert Path(producer.dbt_executable_path).name == "dbt"
    assert "databricks" in dag.tags


def test_local_execution_mode_serialises_dbt(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch, manifest: dict
) -> None:
    monkeypatch.setenv("PINPIPE_AIRFLOW_EXECUTION_MODE", "local")
    dag = get_dag("pinpipe_lambda_merge")
    assert dag.max_active_tasks == 1
    assert not any("producer" in t for t in dag.task_dict)
    assert type(dag.task_dict[next(iter(t for t in dag.task_dict if "run" in t))]).__name__ == (
        "DbtRunLocalOperator"
    )


def test_a_yaml_selector_replaces_the_path_selection(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch, manifest: dict
) -> None:
    """PINPIPE_AIRFLOW_LAMBDA_SELECTOR names a selector of selectors.yml; dbt builds just that."""
    name = next(iter(manifest["selectors"]))
    monkeypatch.setenv("PINPIPE_AIRFLOW_LAMBDA_SELECTOR", name)
    dag = get_dag("pinpipe_lambda_merge")
    producer = dag.task_dict["dbt_lambda_merge.dbt_producer_watcher"]
    assert producer.selector == name
    assert not producer.select
    assert len(dag.tasks) > 2
