"""The local services: how each is prepared, started, checked and provisioned.

- ``kafka``: an Apache Kafka 4 broker in KRaft mode (broker and controller in one process),
  run from the Maven-resolved jars; its storage is formatted once.
- ``kinesis``: kinesis-local (the npm package), persisting its streams under the state dir.
- ``gateway``: ``pinpipe gateway``, the Kafka REST Proxy and Kinesis API in front of both.
- ``sql``: a Spark Thrift Server (HiveServer2 protocol) from pyspark's own jars, with Delta:
  the one owner of the metastore, which dbt, analysts and Airflow share.
"""

from __future__ import annotations

import base64
import importlib.util
import random
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import requests

from ingestion.config import ENTITIES, Settings
from ingestion.stack.processes import StackError


class Service(Protocol):
    name: str
    start_timeout: float

    def external(self, settings: Settings) -> bool: ...
    def ports(self, settings: Settings) -> list[int]: ...
    def marker(self, settings: Settings) -> str: ...
    def prepare(self, settings: Settings) -> None: ...
    def command(self, settings: Settings) -> tuple[list[str], dict[str, str]]: ...
    def ready(self, settings: Settings) -> bool: ...
    def provision(self, settings: Settings) -> None: ...
    def address(self, settings: Settings) -> str: ...


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


QUIET_PORTS = (20_000, 32_000)  # below the kernel's ephemeral range (32768 and up)


def free_port(host: str = "127.0.0.1", taken: set[int] | None = None) -> int:
    """A free port for a service to bind later: below the ephemeral range, so no outgoing
    connection takes it meanwhile, and not in ``taken`` (ports already handed out)."""
    taken = set() if taken is None else taken
    rng = random.Random()
    for _ in range(1_000):
        port = rng.randrange(*QUIET_PORTS)
        if port not in taken and port_is_free(host, port):
            taken.add(port)
            return port
    raise RuntimeError(f"no free port between {QUIET_PORTS[0]} and {QUIET_PORTS[1]} on {host}")


@dataclass(frozen=True)
class Kafka:
    name: str = "kafka"
    start_timeout: float = 90

    def external(self, settings: Settings) -> bool:
        return False

    def home(self, settings: Settings) -> Path:
        return settings.state_dir / "kafka"  # type: ignore[operator]

    def ports(self, settings: Settings) -> list[int]:
        return [settings.kafka_port, settings.kafka_controller_port]

    def marker(self, settings: Settings) -> str:
        return str(self.home(settings) / "server.properties")

    def address(self, settings: Settings) -> str:
        return settings.bootstrap_servers

    def jars(self, settings: Settings) -> str:
        folder = settings.jars_dir / "kafka"  # type: ignore[operator]
        if not any(folder.glob("kafka_2.13-*.jar")):
            raise StackError(f"the Kafka broker jars are missing from {folder}: run `make setup`")
        return f"{folder}/*"

    def prepare(self, settings: Settings) -> None:
        home = self.home(settings)
        data = home / "data"
        data.mkdir(parents=True, exist_ok=True)
        host, port, controller = settings.host, settings.kafka_port, settings.kafka_controller_port
        (home / "server.properties").write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@{host}:{controller}",
                    f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
                    f"advertised.listeners=PLAINTEXT://{host}:{port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=1",
                    "num.recovery.threads.per.data.dir=1",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "",
                ]
            )
        )
        (home / "log4j2.properties").write_text(
            "\n".join(
                [
                    "status = warn",
                    "appender.out.type = Console",
                    "appender.out.name = out",
                    "appender.out.layout.type = PatternLayout",
                    "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.out.ref = out",
                    "logger.state.name = state.change.logger",
                    "logger.state.level = WARN",
                    "",
                ]
            )
        )
        if (data / "meta.properties").is_file():
            return
        cluster_id = "-"
        while cluster_id.startswith("-"):  # the storage tool would read it as an option
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        formatted = subprocess.run(
            [
                "java", "-cp", self.jars(settings), *self.log_options(settings),
                "kafka.tools.StorageTool", "format", "-t", cluster_id,
                "-c", str(home / "server.properties"),
            ],
            capture_output=True, text=True,
        )  # fmt: skip
        if formatted.returncode != 0:
            raise StackError(
                f"formatting the Kafka storage in {data} failed:\n"
                f"{formatted.stdout[-2000:]}{formatted.stderr[-2000:]}"
            )

    def log_options(self, settings: Settings) -> list[str]:
        return [f"-Dlog4j2.configurationFile={self.home(settings) / 'log4j2.properties'}"]

    def command(self, settings: Settings) -> tuple[list[str], dict[str, str]]:
        heap = settings.kafka_heap
        return [
            "java", f"-Xmx{heap}", f"-Xms{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            *self.log_options(settings), "-cp", self.jars(settings),
            "kafka.Kafka", self.marker(settings),
        ], {}  # fmt: skip

    def admin(self, settings: Settings):  # noqa: ANN201
        from confluent_kafka.admin import AdminClient

        return AdminClient({"bootstrap.servers": settings.bootstrap_servers, "log_level": 0})

    def ready(self, settings: Settings) -> bool:
        from confluent_kafka import KafkaException

        if port_is_free(settings.host, settings.kafka_port):
            return False
        try:
            metadata = self.admin(settings).list_topics(timeout=2)
        except KafkaException:
            return False
        return bool(metadata.brokers)

    def provision(self, settings: Settings) -> None:
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import NewTopic

        admin = self.admin(settings)
        existing = admin.list_topics(timeout=10).topics
        wanted = [settings.topic(e) for e in ENTITIES if settings.topic(e) not in existing]
        if not wanted:
            return
        partitions = settings.kafka_partitions
        futures = admin.create_topics([NewTopic(t, partitions, 1) for t in wanted])
        for topic, future in futures.items():
            try:
                future.result(timeout=30)
            except KafkaException as exc:
                if "TOPIC_ALREADY_EXISTS" not in str(exc):
                    raise StackError(f"could not create Kafka topic {topic}: {exc}") from exc


@dataclass(frozen=True)
class Kinesis:
    name: str = "kinesis"
    start_timeout: float = 60

    def external(self, settings: Settings) -> bool:
        return False

    def ports(self, settings: Settings) -> list[int]:
        return [settings.kinesis_port]

    def marker(self, settings: Settings) -> str:
        return f"kinesis-local/main.js --pinpipe-port={settings.kinesis_port}"

    def address(self, settings: Settings) -> str:
        return settings.kinesis_url

    def main_js(self, settings: Settings) -> Path:
        path = settings.project_dir / "node_modules" / "kinesis-local" / "main.js"
        if not path.is_file():
            raise StackError(f"kinesis-local is missing ({path}): run `make setup`")
        return path

    def prepare(self, settings: Settings) -> None:
        (settings.state_dir / "kinesis").mkdir(parents=True, exist_ok=True)  # type: ignore[operator]

    def command(self, settings: Settings) -> tuple[list[str], dict[str, str]]:
        streams = ",".join(f"{settings.stream(e)}:{settings.kinesis_shards}" for e in ENTITIES)
        env = {
            "KINESIS_MOCK_PLAIN_PORT": str(settings.kinesis_port),
            # kinesis-local also serves TLS; nothing here uses it, so it gets any free port
            "KINESIS_MOCK_TLS_PORT": str(free_port(settings.host)),
            "KINESIS_MOCK_CERT_PATH": str(self.main_js(settings).parent / "server.json"),
            "INITIALIZE_STREAMS": f"{streams}",
            "AWS_REGION": settings.aws_region,
            "SHOULD_PERSIST_DATA": "true",
            "LOAD_DATA_IF_EXISTS": "true",
            "PERSIST_PATH": str(settings.state_dir / "kinesis"),  # type: ignore[operator]
            # the whole state is rewritten at each interval: too often and the writes eat the
            # server as the streams grow, too seldom and a SIGTERM waits long (docs/stack.md)
            "PERSIST_INTERVAL": "5s",
            "SHARD_LIMIT": "1000",  # per account; the default 50 is 3 streams of 16 shards
            "LOG_LEVEL": "WARN",
            "ROOT_LOG_LEVEL": "WARN",
        }
        # the marker argument is ignored by kinesis-local; it names the process for `status`
        return ["node", str(self.main_js(settings)), self.marker(settings).split(" ", 1)[1]], env

    def client(self, settings: Settings):  # noqa: ANN201
        from ingestion.landing.kinesis_reader import kinesis_client

        return kinesis_client(settings.kinesis_url, settings.aws_region, local=True)

    def ready(self, settings: Settings) -> bool:
        try:
            return requests.get(settings.kinesis_url, timeout=2).status_code < 600
        except requests.RequestException:
            return False

    def provision(self, settings: Settings) -> None:
        client = self.client(settings)
        existing = set(client.list_streams()["StreamNames"])
        for entity in ENTITIES:
            name = settings.stream(entity)
            if name not in existing:
                client.create_stream(StreamName=name, ShardCount=settings.kinesis_shards)
        for entity in ENTITIES:
            client.get_waiter("stream_exists").wait(
                StreamName=settings.stream(entity), WaiterConfig={"Delay": 0.5, "MaxAttempts": 60}
            )


@dataclass(frozen=True)
class Gateway:
    name: str = "gateway"
    start_timeout: float = 60

    def external(self, settings: Settings) -> bool:
        return False

    def ports(self, settings: Settings) -> list[int]:
        return [settings.gateway_port]

    def marker(self, settings: Settings) -> str:
        return f"ingestion.cli gateway --port {settings.gateway_port}"

    def address(self, settings: Settings) -> str:
        return settings.gateway

    def prepare(self, settings: Settings) -> None:
        pass

    def command(self, settings: Settings) -> tuple[list[str], dict[str, str]]:
        return [
            sys.executable, "-m", "ingestion.cli", "gateway",
            "--port", str(settings.gateway_port), "--host", settings.host,
            "--workers", str(settings.gateway_workers),
        ], {}  # fmt: skip

    def ready(self, settings: Settings) -> bool:
        try:
            url = f"http://{settings.host}:{settings.gateway_port}/healthz"
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def provision(self, settings: Settings) -> None:
        pass


SQL_LOG_LEVELS = {
    "rootLogger": "WARN",
    # the line that says the server is up
    "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2": "INFO",
    # per statement: a Hive option Spark sets that Hive 2.3 does not know
    "org.apache.hadoop.hive.conf.HiveConf": "ERROR",
    # per statement: closing it cancels its job group, which has ended already
    "org.apache.spark.scheduler.DAGScheduler": "ERROR",
    # per Delta table created: stored in Spark's own format, as Delta tables always are
    "org.apache.spark.sql.hive.HiveExternalCatalog": "ERROR",
}


@dataclass(frozen=True)
class Sql:
    name: str = "sql"
    start_timeout: float = 240  # a JVM, Spark, Delta and the Derby metastore

    def external(self, settings: Settings) -> bool:
        """A server elsewhere (PINPIPE_SQL_HOST): used, never started or stopped here."""
        return bool(settings.sql_host)

    def ports(self, settings: Settings) -> list[int]:
        return [settings.sql_port]

    def marker(self, settings: Settings) -> str:
        return f"hive.server2.thrift.port={settings.sql_port}"

    def address(self, settings: Settings) -> str:
        host, port = settings.sql_server
        return f"jdbc:hive2://{host}:{port}/{settings.dbt_schema}"

    def conf_dir(self, settings: Settings) -> Path:
        return settings.spark_dir / "conf"

    def prepare(self, settings: Settings) -> None:
        from ingestion.landing.spark import MissingJarsError, spark_jars

        try:
            spark_jars(settings)
        except MissingJarsError as exc:
            raise StackError(str(exc)) from exc
        conf = self.conf_dir(settings)
        conf.mkdir(parents=True, exist_ok=True)
        lines = [
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n",
            f"rootLogger.level = {SQL_LOG_LEVELS['rootLogger']}",
            "rootLogger.appenderRef.out.ref = out",
        ]
        loggers = [(n, level) for n, level in SQL_LOG_LEVELS.items() if n != "rootLogger"]
        for i, (logger, level) in enumerate(loggers):
            lines += [f"logger.l{i}.name = {logger}", f"logger.l{i}.level = {level}"]
        (conf / "log4j2.properties").write_text("\n".join([*lines, ""]))

    def command(self, settings: Settings) -> tuple[list[str], dict[str, str]]:
        from ingestion.landing.spark import server_conf

        home = spark_home()
        options = [
            word
            for key, value in server_conf(settings).items()
            for word in ("--conf", f"{key}={value}")
        ]
        command = [
            str(home / "bin" / "spark-submit"), "--name", "pinpipe-sql",
            "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
            *options,
            "--hiveconf", f"hive.server2.thrift.bind.host={settings.host}",
            "--hiveconf", self.marker(settings),
            # a metastore store (a Hive configuration parsed, a DataNucleus store) lives in a
            # thread and its Hive client: statements run on a fixed pool of threads kept for a
            # day when idle (Hive's default pool of 100 starts a new thread for nearly
            # every statement and ends idle ones after 10 s), and as the server's own user
            # (with doAs each session's user closes and reopens the thread's client). No
            # per-statement log files: nothing here reads them (docs/sql.md)
            "--hiveconf", f"hive.server2.async.exec.threads={settings.sql_statement_threads}",
            "--hiveconf", "hive.server2.async.exec.keepalive.time=86400s",
            "--hiveconf", "hive.server2.enable.doAs=false",
            "--hiveconf", "hive.server2.logging.operation.enabled=false",
            "spark-internal",
        ]  # fmt: skip
        return command, {
            "SPARK_HOME": str(home),
            "SPARK_CONF_DIR": str(self.conf_dir(settings)),
            "SPARK_LOCAL_IP": settings.host,
            # Python workers (UDFs, data sources) run in this interpreter
            "PYSPARK_PYTHON": sys.executable,
        }

    def ready(self, settings: Settings) -> bool:
        from ingestion.warehouse import is_answering

        return is_answering(settings)

    def provision(self, settings: Settings) -> None:
        """Open a session and run a statement: the first one pays for the metastore and the
        JIT, here rather than in the first dbt command."""
        from ingestion.warehouse import WarehouseError, query

        try:
            query(settings, "show databases")
        except WarehouseError as exc:
            raise StackError(f"the SQL server started but refused a statement: {exc}") from exc


def spark_home() -> Path:
    """pyspark's own folder: its jars, bin/spark-submit and bin/beeline (not imported here)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("pyspark is not installed in this Python: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))
