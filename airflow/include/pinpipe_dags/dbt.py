"""The Cosmos configuration of the dbt project: project, profile, execution and rendering.

- The graph is rendered from ``manifest.json`` (``LoadMode.DBT_MANIFEST``): parsing a DAG file
  runs no dbt command and needs neither Spark nor a warehouse. ``pinpipe dbt parse`` writes
  the manifest (no Spark either); ``pinpipe airflow`` refreshes it before Airflow starts.
- Target ``local`` uses the project's ``profiles.yml`` (dbt-spark ``method: session``, paths
  from ``PINPIPE_*`` variables); target ``databricks`` builds the profile from an Airflow
  connection of type ``databricks`` (``DatabricksTokenProfileMapping``).
- Execution mode ``watcher`` (default) runs one ``dbt build`` per task group, so one Spark
  session owns the local Derby metastore, and mirrors every model and test as a task;
  ``local`` runs one dbt process per node, serialised by ``max_active_tasks=1`` and a pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import DatabricksTokenProfileMapping

from pinpipe_dags.config import ConfigError, OrchestrationConfig

PROFILE_NAME = "pinpipe"
DBT_LOCKED = Path(__file__).resolve().parents[1] / "bin" / "dbt-locked"
"""dbt behind the local metastore lock (the lock ``pinpipe dbt`` takes too)."""


def dbt_executable(config: OrchestrationConfig) -> str:
    """What Cosmos runs as dbt: behind the metastore lock locally, dbt itself on Databricks."""
    return str(DBT_LOCKED) if config.dbt_target == "local" else config.dbt_executable


def project_config(config: OrchestrationConfig) -> ProjectConfig:
    if not config.manifest_path.is_file():  # type: ignore[union-attr]
        raise ConfigError(
            f"no dbt manifest at {config.manifest_path}: run `pinpipe dbt parse` (no Spark "
            "needed) or point PINPIPE_DBT_MANIFEST at one"
        )
    return ProjectConfig(
        dbt_project_path=config.project_dir,
        manifest_path=config.manifest_path,
        project_name="pinpipe",
        install_dbt_deps=False,
        # the locked dbt wrapper (bin/dbt-locked) runs this dbt
        env_vars={"PINPIPE_DBT_REAL": config.dbt_executable},
    )


def profile_config(config: OrchestrationConfig) -> ProfileConfig:
    if config.dbt_target == "databricks":
        mapping = DatabricksTokenProfileMapping(
            conn_id=config.databricks_conn_id,
            profile_args={
                "schema": config.dbt_schema,
                "catalog": config.databricks_catalog,
                "threads": 4,
            },
        )
        return ProfileConfig(
            profile_name=PROFILE_NAME, target_name="databricks", profile_mapping=mapping
        )
    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name="local",
        profiles_yml_filepath=config.profiles_yml,
    )


def execution_config(config: OrchestrationConfig) -> ExecutionConfig:
    # dbt runs as a child process: its Spark JVM never lives inside the Airflow task process.
    pool = {"pool": config.dbt_pool} if config.dbt_pool else {}
    if config.execution_mode == "watcher":
        return ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=dbt_executable(config),
            # the pool holds only the producer (the one dbt process); sensors never take a slot
            setup_operator_args={"execution_timeout": config.dbt_timeout, **pool},
        )
    return ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.SUBPROCESS,
        dbt_executable_path=dbt_executable(config),
    )


def operator_args(config: OrchestrationConfig) -> dict[str, Any]:
    # dbt inherits the worker's environment: the local profile reads PINPIPE_* variables
    args: dict[str, Any] = {"append_env": True}
    if config.execution_mode == "watcher":
        # Consumer sensors check the producer's XCom every few seconds in reschedule mode:
        # no triggerer needed, no worker slot held between checks (the producer always gets
        # one), and they give up when the producer's timeout has passed.
        args.update(
            deferrable=False, mode="reschedule", poke_interval=5, timeout=config.dbt_timeout
        )
    else:
        args.update(execution_timeout=config.dbt_timeout)
        if config.dbt_pool:
            args["pool"] = config.dbt_pool
    return args


def render_config(select: Sequence[str], selector: str | None = None) -> RenderConfig:
    """Nodes by ``select`` (dbt syntax), or by a YAML selector of selectors.yml when named."""
    return RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        select=[] if selector else list(select),
        selector=selector,
        # unit tests belong to CI (pinpipe dbt test), exposures are documentation
        exclude=["resource_type:exposure", "resource_type:unit_test"],
        test_behavior=TestBehavior.AFTER_EACH,
    )


def dbt_task_group(
    config: OrchestrationConfig,
    group_id: str,
    select: Sequence[str],
    selector: str | None = None,
) -> DbtTaskGroup:
    """The selected part of the dbt project as a task group: each model, then its tests."""
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config(config),
        profile_config=profile_config(config),
        execution_config=execution_config(config),
        render_config=render_config(select, selector),
        operator_args=operator_args(config),
    )
