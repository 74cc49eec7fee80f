"""One settings object for the whole project.

Every value can be set with an environment variable named ``PINPIPE_<FIELD>`` (upper case);
the defaults describe the local stack. Paths default to folders under the state directory,
``<project>/.local``, so one variable (``PINPIPE_STATE_DIR``) moves all local state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from ingestion.contract import CONTRACT
from ingestion.errors import BadInput

ENTITIES = tuple(CONTRACT.entities)
"""The record kinds (pin, geo, user), in the order the source tables are read."""

SOURCE_TABLES = {name: entity.source_table for name, entity in CONTRACT.entities.items()}


def find_project_dir(start: Path | None = None) -> Path:
    """The folder holding ``dbt_project.yml``: the project root this process works in."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    package_root = Path(__file__).resolve().parents[1]
    if (package_root / "dbt_project.yml").is_file():
        return package_root
    return here


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def parse_pairs(text: str, variable: str) -> dict[str, str]:
    """``key=value,key=value`` (a client-options setting) -> a dict; a clear error otherwise."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(
                f"{variable}: expected key=value, got {item!r} "
                "(e.g. security.protocol=SASL_SSL,sasl.mechanism=PLAIN)"
            )
        pairs[key.strip()] = value.strip()
    return pairs


@dataclass(frozen=True)
class Settings:
    """Ports, paths, names and credentials of a pinpipe deployment."""

    # where things live
    project_dir: Path = field(default_factory=find_project_dir)
    state_dir: Path | None = None
    lake_dir: Path | None = None  # bronze Delta tables (local path or s3://...)
    checkpoint_dir: Path | None = None
    jars_dir: Path | None = None

    # names
    topic_prefix: str = "pinterest"
    stream_prefix: str = "pinterest"
    dbt_schema: str = "pinpipe"
    bronze_schema: str = "bronze"  # where dbt finds (locally: registers) the bronze tables

    # local services, all on loopback
    host: str = "127.0.0.1"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_partitions: int = 1
    kafka_heap: str = "512m"  # JVM heap of the local broker
    kinesis_port: int = 4568
    kinesis_shards: int = 16  # kinesis-local's puts slow down as a shard fills (docs/stack.md)
    gateway_port: int = 8082
    airflow_port: int = 8080  # `pinpipe airflow`: the Airflow UI / API server
    sql_port: int = 10000  # the SQL server (Spark Thrift Server, HiveServer2 protocol)
    sql_statement_threads: int = 8  # the SQL server's statements at once; more wait their turn

    # endpoints: empty means "the local service above"
    kafka_bootstrap: str = ""
    kinesis_endpoint: str = ""
    gateway_url: str = ""
    source_url: str = ""  # SQLAlchemy URL of the source database
    sql_host: str = ""  # a SQL server that `pinpipe stack` does not run (e.g. a cluster's)
    aws_region: str = "us-east-1"

    # Spark
    spark_master: str = "local[2]"
    spark_driver_memory: str = "2g"
    spark_shuffle_partitions: int = 4

    # the emulator (`pinpipe emulate`, `pinpipe demo`): the wire's dirt, rates per record
    # (ingestion/emulator/dirt.py; docs/source-and-emulator.md); `none` sends clean records
    emulator_dirt: str = "resend=0.01,reorder=0.01,foreign=0.005,T=0.05,colon=0.05"

    # landing (`pinpipe land`)
    bronze_table_prefix: str = ""  # empty: bronze Delta by path; else tables `<prefix><layer>_<e>`
    kinesis_mode: str = "local"  # local (kinesis_url, dummy keys) | aws (boto3 chain) | databricks
    kinesis_start: str = "TRIM_HORIZON"  # where a stream without a checkpoint starts: or LATEST
    landing_trigger_ms: int = 1000  # micro-batch interval of `land ... --continuous`
    landing_max_records: int = 0  # records per micro-batch per query; 0: Kafka all, Kinesis 10,000
    landing_kafka_options: str = ""  # Kafka consumer settings 'key=value,...' (SASL/SSL, e.g. MSK)

    # gateway (pinpipe gateway)
    gateway_api_key: str = ""  # when set, requests need header x-api-key: <key>; empty: no auth
    gateway_delivery_timeout_ms: int = 5000  # bound on a Kafka delivery; later: 5xx, never a 200
    gateway_max_body_bytes: int = 10_485_760  # larger request bodies: 413
    gateway_max_record_bytes: int = 1_048_576  # larger single records: 413
    gateway_topic_cache_ms: int = 5000  # how long broker topic metadata is trusted
    gateway_queue_max_messages: int = 100_000  # producer queue of each worker; full: 429
    gateway_workers: int = field(default_factory=usable_cores)  # worker processes on one port
    gateway_max_in_flight: int = 256  # requests one worker handles at once; more: 429 at once
    kafka_extra_config: str = ""  # producer settings 'key=value,key=value' (SASL/SSL, e.g. MSK)

    # dbt as the Airflow DAGs run it (docs/airflow.md); read when a DAG file is parsed
    dbt_target: str = "local"  # local (the SQL server) | databricks (an Airflow connection)
    dbt_manifest: Path | None = None  # what Cosmos renders; default <project>/target/manifest.json
    dbt_profiles_yml: Path | None = None  # default <project>/profiles.yml, else the example
    dbt_executable: str = ""  # default: dbt beside the running Python, else on PATH
    executable: str = ""  # `pinpipe`; default: beside the running Python, else on PATH
    databricks_conn_id: str = "databricks_default"
    databricks_catalog: str = "main"

    # Airflow (`pinpipe airflow` and the DAGs)
    airflow_parallelism: int = field(default_factory=usable_cores)  # task processes at once
    airflow_dbt_pool: str = "pinpipe_sql"  # the pool every dbt task takes a slot of
    airflow_dbt_pool_slots: int = 2  # `pinpipe airflow` sizes the pool: dbt tasks at once
    airflow_owner: str = "data-platform"
    airflow_retries: int = 2  # then exponential back-off from the delay, at most 30 min
    airflow_retry_delay_minutes: int = 5
    airflow_land_timeout_minutes: int = 30
    airflow_dbt_timeout_minutes: int = 60
    airflow_batch_schedule: str = "@daily"  # cron or preset; `none`: only when triggered
    airflow_lambda_schedule: str = "0 3 * * *"
    airflow_keeper_schedule: str = "*/5 * * * *"
    airflow_batch_selector: str = "batch_layer"  # selectors.yml names, one per DAG
    airflow_speed_selector: str = "speed_layer"
    airflow_lambda_selector: str = "lambda_merge"
    airflow_land_kafka_command: str = ""  # default: pinpipe land kafka --once
    airflow_land_kinesis_command: str = ""  # default: pinpipe land kinesis --continuous

    def __post_init__(self) -> None:
        state = Path(self.state_dir or self.project_dir / ".local").resolve()
        object.__setattr__(self, "state_dir", state)
        defaults = {
            "lake_dir": state / "lake",
            "checkpoint_dir": state / "checkpoints",
            "jars_dir": state / "jars",
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            object.__setattr__(self, name, Path(value).resolve() if value else default)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``PINPIPE_*`` variables; keyword overrides win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"PINPIPE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise BadInput(
                        f"PINPIPE_{f.name.upper()} must be a whole number, got {raw!r}"
                    ) from exc
            elif "Path" in str(f.type):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    # derived names and endpoints
    def topic(self, entity: str) -> str:
        return f"{self.topic_prefix}.{entity}"

    def stream(self, entity: str) -> str:
        return f"{self.stream_prefix}-{entity}"

    def in_effect(self) -> dict[str, tuple[object, bool]]:
        """Every setting's value in effect, and whether it is derived from others (an empty
        address setting takes its value from PINPIPE_HOST, the ports or the state dir)."""
        derived = {
            "kafka_bootstrap": self.bootstrap_servers,
            "kinesis_endpoint": self.kinesis_url,
            "gateway_url": self.gateway,
            "source_url": self.source,
            "sql_host": self.sql_server[0],
        }
        return {
            f.name: (derived[f.name], True) if f.name in derived and not getattr(self, f.name)
            else (getattr(self, f.name), False)
            for f in fields(self)
        }  # fmt: skip

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka_bootstrap or f"{self.host}:{self.kafka_port}"

    @property
    def kinesis_url(self) -> str:
        return self.kinesis_endpoint or f"http://{self.host}:{self.kinesis_port}"

    @property
    def gateway(self) -> str:
        return self.gateway_url or f"http://{self.host}:{self.gateway_port}"

    @property
    def sql_server(self) -> tuple[str, int]:
        """Host and port of the SQL server dbt, analysts and Airflow use."""
        return self.sql_host or self.host, self.sql_port

    @property
    def source(self) -> str:
        """SQLAlchemy URL of the source tables; default a SQLite file in the state dir."""
        return self.source_url or f"sqlite:///{self.state_dir}/source.db"

    @property
    def spark_dir(self) -> Path:
        """Warehouse and Derby metastore of the local catalog (owned by the SQL server)."""
        return self.state_dir / "spark"  # type: ignore[operator]

    @property
    def run_dir(self) -> Path:
        """Pid files and logs of the services ``pinpipe stack`` starts."""
        return self.state_dir / "run"  # type: ignore[operator]

    def bronze_path(self, layer: str, entity: str) -> str:
        """Where a bronze Delta table lives: ``<lake>/bronze/<layer>_<entity>``."""
        return f"{self.lake_dir}/bronze/{layer}_{entity}"

    def as_env(self) -> dict[str, str]:
        """The settings as ``PINPIPE_*`` variables, for child processes (dbt, Airflow, services)."""
        return {
            f"PINPIPE_{f.name.upper()}": str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) not in (None, "")
        }
