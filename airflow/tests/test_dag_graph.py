"""The task graphs Cosmos renders: each DAG holds exactly the nodes dbt selects for its layer,
every node is one task after its parents' tasks, and every test runs where all its nodes are
built."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
LAYERS = {  # DAG: (task group, selector)
    "pinpipe_daily_batch": ("dbt_batch", "batch_layer"),
    "pinpipe_kinesis_keeper": ("dbt_speed", "speed_layer"),
    "pinpipe_lambda_merge": ("dbt_lambda_merge", "lambda_merge"),
}
BUILT = ("model", "seed", "snapshot")


def get_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / f"{dag_id}.py"))
    assert bag.import_errors == {}
    return bag.get_dag(dag_id)


@pytest.fixture(scope="module")
def selected(dag_env: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """What dbt itself selects for each selector (`dbt ls`): the oracle for the graphs."""
    names = {}
    for selector in {selector for _, selector in LAYERS.values()}:
        log = tmp_path_factory.mktemp("ls") / f"{selector}.txt"
        types = [arg for kind in BUILT for arg in ("--resource-type", kind)]
        args = ["ls", "--selector", selector, *types, "--output", "name", "--quiet"]
        run_dbt(dag_env, args, log_path=log)
        names[selector] = set(log.read_text().split())
    return names


def node_of(task_id: str) -> tuple[str, str]:
    """``group.<name>_<resource type>_build`` -> (name, resource type)."""
    name, kind, _verb = task_id.split(".", 1)[1].rsplit("_", 2)
    return name, kind


@pytest.mark.parametrize("dag_id", LAYERS)
def test_each_dag_builds_what_dbt_selects_for_its_layer(
    dag_env: Settings, manifest: dict, selected: dict[str, set[str]], dag_id: str
) -> None:
    group, selector = LAYERS[dag_id]
    dag = get_dag(dag_id)
    builds = {t: node_of(t) for t in dag.task_dict if t.startswith(group) and t.endswith("_build")}
    assert {name for name, _ in builds.values()} == selected[selector]

    uid = {f"{kind}.pinpipe.{name}": task for task, (name, kind) in builds.items()}
    for unique_id, task in uid.items():  # every node after the nodes it reads
        for parent in manifest["nodes"][unique_id].get("depends_on", {}).get("nodes", []):
            if parent in uid:
                assert uid[parent] in dag.task_dict[task].upstream_task_ids, (task, parent)

    tests = [t for t in dag.task_dict if t.startswith(group) and t.endswith("_test")]
    for task in tests:  # a test over several nodes runs after all of them, in this DAG
        name = task.split(".", 1)[1].removesuffix("_test")
        (node,) = [n for n in manifest["nodes"].values() if n["name"] == name]
        parents = [p for p in node["depends_on"]["nodes"] if p.split(".")[0] in BUILT]
        assert {uid.get(p) for p in parents} <= dag.task_dict[task].upstream_task_ids | {None}
        assert all(p in uid for p in parents), f"{task} reads a node another DAG builds"


def test_the_layers_are_apart(dag_env: Settings, selected: dict[str, set[str]]) -> None:
    """A batch run builds no merged table and no mart; a merge run parses no bronze."""
    batch, speed, merge = (selected[s] for s in ("batch_layer", "speed_layer", "lambda_merge"))
    assert batch.isdisjoint(merge)
    assert speed <= batch
    assert not any(name.startswith(("int_", "fct_", "dim_")) for name in batch)
    assert not any(name.startswith(("base_", "stg_")) for name in merge)
    assert {"int_pins_merged", "fct_pin_posts", "pins_latest", "categories"} <= merge
    assert speed and all("stream" in name for name in speed)


def test_landing_and_the_keeper_come_before_dbt(dag_env: Settings) -> None:
    batch = get_dag("pinpipe_daily_batch")
    roots = {t.task_id for t in batch.tasks if not t.upstream_task_ids}
    assert roots == {"land_kafka"}
    assert batch.task_dict["land_kafka"].bash_command.endswith("land kafka --once")
    keeper = get_dag("pinpipe_kinesis_keeper")
    assert {t.task_id for t in keeper.tasks if not t.upstream_task_ids} == {"keep_kinesis_landing"}
    assert not get_dag("pinpipe_lambda_merge").has_task("land_kafka")


@pytest.mark.parametrize("dag_id", LAYERS)
def test_local_target_runs_parallel_dbt_tasks_on_the_sql_server(
    dag_env: Settings, dag_id: str
) -> None:
    dag = get_dag(dag_id)
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith(LAYERS[dag_id][0])]
    assert dbt_tasks and dag.max_active_tasks > 1
    for task in dbt_tasks:
        assert type(task).__name__.endswith("LocalOperator"), task.task_id
        assert task.profile_config.target_name == "local"
        assert task.invocation_mode.name == "DBT_RUNNER"  # dbt inside the task process
        assert task.pool == dag_env.airflow_dbt_pool
        assert task.execution_timeout is not None


def test_databricks_target_uses_the_connection_profile_mapping(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPIPE_DBT_TARGET", "databricks")
    monkeypatch.setenv("PINPIPE_DATABRICKS_CONN_ID", "databricks_prod")
    monkeypatch.setenv("PINPIPE_DBT_EXECUTABLE", "/opt/dbt_venv/bin/dbt")
    dag = get_dag("pinpipe_lambda_merge")
    task = dag.task_dict["dbt_lambda_merge.fct_pin_posts_model_build"]
    mapping = task.profile_config.profile_mapping
    assert type(mapping).__name__ == "DatabricksTokenProfileMapping"
    assert mapping.conn_id == "databricks_prod"
    assert task.profile_config.target_name == "databricks"
    assert task.invocation_mode.name == "SUBPROCESS"
    assert task.dbt_executable_path == "/opt/dbt_venv/bin/dbt"
    assert "databricks" in dag.tags


def test_another_selector_replaces_a_layer(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch, selected: dict[str, set[str]]
) -> None:
    monkeypatch.setenv("PINPIPE_AIRFLOW_LAMBDA_SELECTOR", "speed_layer")
    dag = get_dag("pinpipe_lambda_merge")
    built = {node_of(t)[0] for t in dag.task_dict if t.endswith("_build")}
    assert built == selected["speed_layer"]
