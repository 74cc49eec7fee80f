"""Checks of the dbt project that need no Spark: the Databricks target parses, compiles and
generates its docs offline, the lineage runs bronze -> staging -> lambda merge -> marts, and
the SQL lints clean."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.contract import CONTRACT
from ingestion.dbt_runner import run_dbt

pytestmark = [pytest.mark.dbt]

OFFLINE_DATABRICKS = {
    "DATABRICKS_HOST": "dbc-00000000-0000.cloud.databricks.invalid",
    "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/0000000000000000",
    "DATABRICKS_TOKEN": "dapi-offline-parse-only",
}


OFFLINE_SELECTION = [
    "--exclude", "config.materialized:incremental", "resource_type:unit_test",
]  # fmt: skip
"""What compiles without a warehouse: incremental models ask the warehouse whether their
table exists (is_incremental()) and unit tests ask for their inputs' columns, so those two
are parsed only; everything else (views, tables, seeds, snapshot, data tests) compiles."""


@pytest.fixture(scope="module")
def databricks_target(
    dbt_env: Settings, tmp_path_factory: pytest.TempPathFactory, monkeypatch_module
) -> Path:
    """`dbt docs generate --target databricks` with dummy credentials and no connection:
    parses the whole project, compiles OFFLINE_SELECTION, writes the docs site."""
    for key, value in OFFLINE_DATABRICKS.items():
        monkeypatch_module.setenv(key, value)
    target = tmp_path_factory.mktemp("dbt-databricks-target")
    command = [
        "docs", "generate", "--empty-catalog", "--no-populate-cache",
        *OFFLINE_SELECTION, "--target-path", str(target),
    ]  # fmt: skip
    run_dbt(dbt_env, command, target="databricks", log_path=target / "docs-generate.log")
    return target


@pytest.fixture(scope="module")
def databricks_manifest(databricks_target: Path) -> dict:
    return json.loads((databricks_target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_databricks_target_compiles_offline(databricks_target: Path) -> None:
    results = json.loads((databricks_target / "run_results.json").read_text())["results"]
    kinds = Counter(result["unique_id"].split(".")[0] for result in results)
    assert kinds["model"] >= 19 and kinds["test"] >= 100 and kinds["snapshot"] == 1, kinds
    assert {result["status"] for result in results} == {"success"}
    compiled = databricks_target / "compiled" / "pinpipe" / "models"
    fct = (compiled / "marts" / "core" / "fct_pin_posts.sql").read_text()
    assert "`main`.`pinpipe`.`int_pins_merged`" in fct  # Unity Catalog three-part names
    median = compiled / "marts" / "questions" / "median_followers_by_age_group.sql"
    assert "percentile(follower_count, 0.5)" in median.read_text()
    assert (databricks_target / "index.html").stat().st_size > 0


def test_test_arguments_render_the_contract(databricks_target: Path) -> None:
    """accepted_values take their lists from var('contract'): dbt renders the var at compile
    time into a real list, one quoted value each (tests of the incremental base models are not
    compiled offline: the quarantine's reject_reason and the staging views' categories are)."""
    compiled = databricks_target / "compiled" / "pinpipe" / "models" / "staging" / "pinterest"
    tests = [path.read_text() for path in compiled.rglob("accepted_values_*.sql")]
    reasons = [sql for sql in tests if "reject_reason as value_field" in sql]
    categories = [sql for sql in tests if "category as value_field" in sql]
    assert len(reasons) == 1 and len(categories) == 2, (len(reasons), len(categories))
    for sql in reasons:
        assert all(f"'{reason}'" in sql for reason in CONTRACT.reject_reasons), sql
    for sql in categories:
        assert all(f"'{category}'" in sql for category in CONTRACT.categories), sql


def test_databricks_target_parses_offline(databricks_manifest: dict) -> None:
    assert databricks_manifest["metadata"]["adapter_type"] == "databricks"
    merged = databricks_manifest["nodes"]["model.pinpipe.int_pins_merged"]["config"]
    assert merged["materialized"] == "incremental"
    assert merged["incremental_strategy"] == "merge" and merged["unique_key"] == "ind"
    assert merged["file_format"] == "delta"
    assert merged["persist_docs"] == {"relation": True, "columns": True}
    assert "macro.pinpipe.databricks__optimize_merged_table" in databricks_manifest["macros"]


def lineage(manifest: dict, node: str) -> set[str]:
    seen: set[str] = set()
    todo = [node]
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_lineage_runs_bronze_staging_lambda_marts(databricks_manifest: dict) -> None:
    upstream = lineage(databricks_manifest, "model.pinpipe.median_followers_by_join_year")
    for node in (
        "model.pinpipe.dim_people",
        "model.pinpipe.fct_pin_posts",
        "model.pinpipe.int_users_merged",
        "model.pinpipe.stg_pinterest__stream_users",
        "model.pinpipe.base_pinterest__batch_users",
        "source.pinpipe.pinterest.batch_user",
        "source.pinpipe.pinterest.stream_user",
        "seed.pinpipe.age_groups",
    ):
        assert node in upstream, node


def test_every_model_is_documented_and_has_a_grain_test(databricks_manifest: dict) -> None:
    nodes = databricks_manifest["nodes"]
    models = {k: v for k, v in nodes.items() if v["resource_type"] == "model"}
    tests = [v for v in nodes.values() if v["resource_type"] == "test"]
    for uid, model in models.items():
        assert model["description"].startswith("One row per"), uid
        undocumented = [c for c, col in model["columns"].items() if not col["description"]]
        assert not undocumented, f"{uid}: {undocumented}"
        grain_tests = {
            t["test_metadata"]["name"]
            for t in tests
            if t.get("test_metadata") and uid in t["depends_on"]["nodes"]
        }
        assert "not_null" in grain_tests, uid
        assert grain_tests & {"unique", "unique_combination_of_columns"}, uid
    marts = [m for m in models.values() if m["fqn"][1] == "marts"]
    assert marts and all(m["config"]["contract"]["enforced"] for m in marts)
    sources = [v for v in databricks_manifest["sources"].values()]
    assert len(sources) == 6
    assert all(s["loaded_at_field"] == "landed_at" and s["freshness"] for s in sources)
    assert databricks_manifest["docs"]["doc.pinpipe.__overview__"]["block_contents"]


def test_sql_lints_clean(dbt_env: Settings) -> None:
    project = Path(dbt_env.project_dir)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("sqlfluff")),
            "lint", "--processes", "2", "models", "macros", "tests", "analyses", "snapshots",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
