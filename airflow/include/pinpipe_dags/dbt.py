"""One layer of the dbt project as Airflow tasks (Cosmos): project, profile, execution, graph.

- The graph is rendered from ``manifest.json`` (``LoadMode.DBT_MANIFEST``): parsing a DAG file
  runs no dbt command and needs no warehouse. ``pinpipe dbt parse`` writes the manifest;
  ``pinpipe airflow`` refreshes it before Airflow starts.
- Each DAG renders one selector of ``selectors.yml`` (one layer of the lambda architecture).
- Every model, seed and snapshot is one task that runs ``dbt build`` on it: the node, then its
  own tests (``TestBehavior.BUILD``). A test over several nodes is a task of its own after all
  of them; indirect selection is cautious, so a node's task never runs a test whose other
  parent belongs to another task or another layer.
- Tasks run in parallel (Cosmos' local execution mode), each in the pool sized for the
  warehouse: locally the stack's SQL server, which owns the metastore, so no lock is needed.
- Target ``local`` uses the project's ``profiles.yml`` (dbt-spark over thrift) and runs dbt
  inside the task process (dbt is installed beside Airflow); target ``databricks`` builds the
  profile from an Airflow connection and runs the dbt executable of its own virtualenv.
"""

from __future__ import annotations

from pathlib import Path

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)
from cosmos.profiles import DatabricksTokenProfileMapping

from ingestion.config import Settings
from ingestion.dbt_runner import manifest_file
from pinpipe_dags.config import ConfigError, executable, minutes, profiles_yml

PROFILE_NAME = "pinpipe"


def project_config(settings: Settings) -> ProjectConfig:
    manifest = manifest_file(settings)
    if not manifest.is_file():
        raise ConfigError(
            f"no dbt manifest at {manifest}: run `pinpipe dbt parse` (no warehouse needed) or "
            "point PINPIPE_DBT_MANIFEST at one"
        )
    return ProjectConfig(
        dbt_project_path=Path(settings.project_dir),
        manifest_path=manifest,
        project_name="pinpipe",
        install_dbt_deps=False,
        # unit tests test the SQL, in CI (pinpipe dbt test); production runs the data tests
        env_vars={"DBT_EXCLUDE_RESOURCE_TYPES": "unit_test"},
    )


def profile_config(settings: Settings) -> ProfileConfig:
    if settings.dbt_target == "databricks":
        mapping = DatabricksTokenProfileMapping(
            conn_id=settings.databricks_conn_id,
            profile_args={
                "schema": settings.dbt_schema,
                "catalog": settings.databricks_catalog,
                "threads": 1,
            },
        )
        return ProfileConfig(
            profile_name=PROFILE_NAME, target_name="databricks", profile_mapping=mapping
        )
    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name="local",
        profiles_yml_filepath=profiles_yml(settings),
    )


def execution_config(settings: Settings) -> ExecutionConfig:
    # locally dbt is importable beside Airflow: run it in the task process, no second
    # interpreter start per task; on MWAA dbt lives in a virtualenv of its own
    in_process = settings.dbt_target == "local" and not settings.dbt_executable
    return ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER if in_process else InvocationMode.SUBPROCESS,
        test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        dbt_executable_path=executable(settings.dbt_executable, "dbt"),
    )


def dbt_task_group(
    settings: Settings, group_id: str, selector: str, *, tests_across_nodes: bool = True
) -> DbtTaskGroup:
    """The nodes of one ``selectors.yml`` selector as tasks: each node built, then tested.
    A test over several nodes is a task after them, unless ``tests_across_nodes`` is off
    (then it runs only where all its nodes are built)."""
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config(settings),
        profile_config=profile_config(settings),
        execution_config=execution_config(settings),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            selector=selector,
            test_behavior=TestBehavior.BUILD,
            should_detach_multiple_parents_tests=tests_across_nodes,
        ),
        operator_args={
            # dbt inherits the worker's environment: the local profile reads PINPIPE_* variables
            "append_env": True,
            "pool": settings.airflow_dbt_pool,
            "execution_timeout": minutes(settings.airflow_dbt_timeout_minutes),
        },
    )
