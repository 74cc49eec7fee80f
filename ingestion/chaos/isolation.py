"""A chaos run's own world: a state dir, ports, topic and stream names of its own.

The run starts its own Kafka broker, kinesis-local and gateway in its state dir, so the
faults never touch the services or data of ``pinpipe stack``. dbt builds on the stack's SQL
server (no fault touches it), in schemas named for the run. Ports are picked below the
kernel's ephemeral range (32768 and up): a killed service gets its port back on restart, as
no outgoing connection can have been given it meanwhile.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

from ingestion.config import Settings
from ingestion.stack.services import port_is_free

QUIET_PORTS = (20_000, 32_000)


def quiet_port(host: str, taken: set[int]) -> int:
    rng = random.Random()
    for _ in range(1_000):
        port = rng.randrange(*QUIET_PORTS)
        if port not in taken and port_is_free(host, port):
            taken.add(port)
            return port
    raise RuntimeError(f"no free port between {QUIET_PORTS[0]} and {QUIET_PORTS[1]} on {host}")


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
        kafka_port=quiet_port(host, taken),
        kafka_controller_port=quiet_port(host, taken),
        kinesis_port=quiet_port(host, taken),
        gateway_port=quiet_port(host, taken),
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
