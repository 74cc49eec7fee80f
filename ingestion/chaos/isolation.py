"""A chaos run's own world: a state dir, ports, topic and stream names of its own.

The run starts its own Kafka broker, kinesis-local and gateway in its state dir, on free ports, so
the faults never touch the services or data of ``pinpipe stack``. dbt builds on the stack's
SQL server (no fault touches it), in schemas named for the run. A killed service gets its port
back on restart: ``free_port`` picks ports no outgoing connection can be given meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from ingestion.config import Settings
from ingestion.stack.services import free_port


def run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def isolated_settings(base: Settings, run_dir: Path, prefix: str) -> Settings:
    """``base`` moved into ``run_dir`` on free ports, with topics and streams named ``prefix``,
    building on ``base``'s SQL server in schemas named ``prefix`` too."""
    taken: set[int] = set()
    host = base.host
    sql_host, sql_port = base.sql_server
    schema = prefix.replace("-", "_")
    return replace(
        base,
        state_dir=run_dir,
        lake_dir=run_dir / "lake",
        checkpoint_dir=run_dir / "checkpoints",
        kafka_port=free_port(host, taken),
        kafka_controller_port=free_port(host, taken),
        kinesis_port=free_port(host, taken),
        gateway_port=free_port(host, taken),
        kafka_bootstrap="",
        kinesis_endpoint="",
        gateway_url="",
        kinesis_mode="local",
        source_url=base.source,
        topic_prefix=prefix,
        stream_prefix=prefix,
        bronze_table_prefix="",
        sql_host=sql_host,
        sql_port=sql_port,
        dbt_schema=schema,
        bronze_schema=f"{schema}_bronze",
    )
