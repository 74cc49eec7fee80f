"""Every DAG file imports cleanly and fast, and follows the house rules for DAGs."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from ingestion.config import Settings

DAGS_DIR = Path(__file__).resolve().parents[1] / "dags"
DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
EXPECTED = {"pinpipe_daily_batch", "pinpipe_lambda_merge", "pinpipe_kinesis_keeper"}


def load(path: Path):
    from airflow.dag_processing.dagbag import DagBag

    started = time.monotonic()
    bag = DagBag(dag_folder=str(path))
    return bag, time.monotonic() - started


def test_the_dags_folder_holds_the_three_dags(dag_env: Settings) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == EXPECTED


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_without_errors_in_under_two_seconds(
    dag_env: Settings, path: Path
) -> None:
    load(path)  # the first parse in a process also imports Cosmos; time parses of the file
    parses = [load(path) for _ in range(3)]
    bag = parses[-1][0]
    assert bag.import_errors == {}
    assert bag.dags, f"{path.name} defines no DAG"
    # the median of three: one parse slowed by a busy machine does not decide it
    seconds = statistics.median(took for _, took in parses)
    assert seconds < 2.0, f"{path.name} took {seconds:.2f} s to parse (median of 3)"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_follows_the_house_rules(dag_env: Settings, path: Path) -> None:
    bag, _ = load(path)
    for dag in bag.dags.values():
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        assert "pinpipe" in dag.tags
        assert dag.doc_md
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), task.task_id
            assert task.retries >= 1, task.task_id
            assert task.execution_timeout is not None, task.task_id


def test_nothing_local_is_hard_coded(dag_env: Settings) -> None:
    """Paths, hosts and ports in the DAGs all come from configuration."""
    for path in [*DAG_FILES, *sorted((DAGS_DIR.parent / "include").rglob("*.py"))]:
        text = path.read_text()
        for literal in ("/work/", "127.0.0.1", "localhost", ":9092", ":4568", ".local/"):
            assert literal not in text, f"{literal!r} in {path}"


def test_a_missing_manifest_is_a_clear_import_error(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PINPIPE_DBT_MANIFEST", str(tmp_path / "missing.json"))
    bag, _ = load(DAGS_DIR / "pinpipe_daily_batch.py")
    (error,) = bag.import_errors.values()
    assert "pinpipe dbt parse" in error


def test_a_bad_target_is_a_clear_import_error(
    dag_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINPIPE_DBT_TARGET", "postgres")
    bag, _ = load(DAGS_DIR / "pinpipe_lambda_merge.py")
    (error,) = bag.import_errors.values()
    assert "PINPIPE_DBT_TARGET must be one of local, databricks" in error
