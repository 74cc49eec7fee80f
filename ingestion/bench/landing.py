"""``pinpipe bench landing``: acknowledgement-to-bronze latency, ``--once`` throughput, and
how fast the Kinesis source's Python worker connects back to Spark beside CPU hogs.

Needs the broker and kinesis-local running (``pinpipe stack up``). Works in its own temporary
lake and checkpoint folders, on its own topics and streams (``bench<time>.*``), so it never
touches the project's bronze tables. Records are produced straight with confluent-kafka /
boto3 (acks=all, idempotent); an acknowledgement time is the delivery report / PutRecords
answer. A record is *visible* when the Delta commit that adds its file appears in
``_delta_log`` (a watcher polls every 20 ms and reads the added files' keys with pyarrow).
Beside the latencies it reports the landing job's median milliseconds per micro-batch phase
(Spark's ``durationMs``, from the job's summary) and the CPU it used per Delta commit.

The ``serving`` part measures acknowledgement -> visible in the serving view ``pins_latest``:
it starts a SQL server of its own (own state folder, metastore and lake, a free port), lands
Kinesis into that lake, builds the view once with ``dbt run --select +pins_latest``, then
sends pins and polls the view through the SQL server, as an analyst's ``pinpipe sql`` would.
The JSON ends with a ``summary`` of the headline figures.

The ``busy`` part needs no stack: it starts the worker as Spark's ``createSimpleWorker`` does
and plays the JVM's side of the handshake (docs/landing.md, "Python workers on a busy
machine").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingestion.bench import PIN, emit
from ingestion.config import ENTITIES, Settings
from ingestion.options import add_trigger_ms, trigger_ms

PARTS = ("kafka", "kinesis", "serving", "once", "busy")
SERVICE_OF = {"kafka": "kafka", "once": "kafka", "kinesis": "kinesis", "serving": "kinesis"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "landing",
        help="ack-to-bronze latency (Kafka, Kinesis), rows/s of `land kafka --once`, and the "
        "Kinesis source's Python worker start beside CPU hogs",
        description=(
            "Parts kafka, kinesis: runs `pinpipe land kafka|kinesis --continuous` as a child "
            "process, produces at a fixed open-loop rate spread over the three topics / streams, "
            "and reports p50/p99 of (visible in a bronze Delta commit - acknowledged). Part "
            "serving: starts a SQL server of its own, lands Kinesis, builds pins_latest with "
            "dbt once, sends --serving-rate pins/s and reports p50/p99 of (visible in the view "
            "through the SQL server - acknowledged). Part "
            "once: queues --queued records in Kafka and times `pinpipe land kafka --once` over "
            "them. These start the stack's Kafka or Kinesis server when it is not running "
            "(and leave it running), on topics and streams of their own that they delete at "
            "the end. Part busy: starts the Kinesis source's Python worker, "
            "three at once as a landing job's three queries do, --worker-starts times "
            "per variant (as Spark starts it, with pyspark compiled, through pinpipe's "
            "launcher), first without and then beside --hogs CPU hogs, and reports the seconds "
            "until a worker connects back (Spark waits 10 s) and until its imports are done, "
            "with the 1-minute load average."
        ),
    )
    parser.add_argument("--kafka-rate", type=int, default=1000, help="Kafka records/s")
    parser.add_argument("--kinesis-rate", type=int, default=500, help="Kinesis records/s")
    parser.add_argument("--serving-rate", type=int, default=10, help="pins/s in the serving part")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of producing per source")
    parser.add_argument("--queued", type=int, default=1_000_000, help="records for the --once run")
    add_trigger_ms(parser, "of the landing jobs")
    parser.add_argument(
        "--hogs", type=int, default=2, help="CPU hogs (busy-loop processes) in the busy part"
    )
    parser.add_argument(
        "--worker-starts", type=int, default=5,
        help="rounds of worker starts per variant and load in the busy part (default 5); a "
        "round starts three workers at once, as a landing job's three queries do",
    )  # fmt: skip
    parser.add_argument(
        "--only", choices=PARTS, action="append",
        help="run only this part (repeatable; default all five)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.stack import Stack

    parts = args.only or list(PARTS)
    services = sorted({SERVICE_OF[part] for part in parts if part in SERVICE_OF})
    if services:
        Stack(settings).up(services)
    trigger = trigger_ms(args, settings)
    result: dict[str, Any] = {"trigger_ms": trigger, "note": "records produced straight to "
                              "Kafka/Kinesis (acks=all); the machine may be shared"}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="pinpipe-bench-landing-") as tmp:
        for part in parts:
            name = f"bench{int(time.time())}{part}"
            local = replace(settings, topic_prefix=name, stream_prefix=name,
                            lake_dir=Path(tmp) / part / "lake",
                            checkpoint_dir=Path(tmp) / part / "checkpoints")  # fmt: skip
            load_before = os.getloadavg()[0]
            try:
                if part == "serving":
                    result["serving"] = bench_serving(
                        local, args.serving_rate, args.seconds, trigger
                    )
                elif part == "once":
                    result["kafka_once"] = bench_once(local, args.queued)
                elif part == "busy":
                    result["busy_worker_start"] = bench_busy(
                        Path(tmp), args.hogs, args.worker_starts
                    )
                else:
                    rate = args.kafka_rate if part == "kafka" else args.kinesis_rate
                    result[part] = bench_latency(local, part, rate, args.seconds, trigger)
            finally:
                if part in SERVICE_OF:
                    drop_own(local, SERVICE_OF[part])
            key = {"once": "kafka_once", "busy": "busy_worker_start"}.get(part, part)
            if part != "busy":  # the busy part notes the load of each of its conditions
                result[key]["load_average_1m"] = [round(load_before, 1),
                                                  round(os.getloadavg()[0], 1)]  # fmt: skip
    result["summary"] = summary(result)
    emit("landing", result)
    return 0


def summary(result: dict[str, Any]) -> dict[str, float | None]:
    """The headline figures (None for a part that did not run)."""
    figures = {}
    for source in ("kafka", "kinesis"):
        for key in ("p50_s", "p99_s"):
            figures[f"{source}_{key}"] = result.get(source, {}).get(key)
    figures["serving_visible_p50_s"] = result.get("serving", {}).get("p50_s")
    return figures


def payload(i: int) -> bytes:
    return json.dumps({**PIN, "index": i}).encode()


def create_topics(settings: Settings) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    topics = [NewTopic(settings.topic(e), settings.kafka_partitions, 1) for e in ENTITIES]
    for future in admin.create_topics(topics).values():
        future.result(30)


def create_streams(settings: Settings, client: Any) -> None:
    for entity in ENTITIES:
        client.create_stream(StreamName=settings.stream(entity), ShardCount=settings.kinesis_shards)
    for entity in ENTITIES:
        client.get_waiter("stream_exists").wait(
            StreamName=settings.stream(entity), WaiterConfig={"Delay": 1}
        )


def drop_own(settings: Settings, service: str) -> None:
    """Delete the topics or streams a part created on the stack's servers. kinesis-local
    rewrites its whole state every few seconds, so streams left behind would cost its CPU
    for as long as it runs (docs/stack.md)."""
    if service == "kafka":
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
        existing = admin.list_topics(timeout=30).topics
        ours = [settings.topic(e) for e in ENTITIES if settings.topic(e) in existing]
        for future in admin.delete_topics(ours).values() if ours else ():
            future.result(30)
    else:
        from ingestion.landing.kinesis_reader import kinesis_client

        client = kinesis_client(settings.kinesis_url, settings.aws_region, local=True)
        errors = client.exceptions
        gone = (errors.ResourceNotFoundException, errors.ResourceInUseException)
        for entity in ENTITIES:
            with contextlib.suppress(*gone):  # deleted, or being deleted already
                client.delete_stream(StreamName=settings.stream(entity))


def land(settings: Settings, source: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ingestion.cli", "land", source, *extra],
        env={**os.environ, **settings.as_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


class CommitWatcher(threading.Thread):
    """Notes when each record key first becomes visible in a bronze Delta commit."""

    def __init__(self, settings: Settings, layer: str) -> None:
        super().__init__(daemon=True)
        self.tables = [Path(settings.bronze_path(layer, e)) for e in ENTITIES]
        self.keys = ("partition", "offset") if layer == "batch" else ("shard_id", "sequence_number")
        self.visible: dict[tuple, float] = {}
        self.seen: set[Path] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(0.02)

    def poll(self) -> None:
        import pyarrow.parquet as pq

        for table in self.tables:
            log = table / "_delta_log"
            if not log.is_dir():
                continue
            for commit in sorted(log.glob("*.json")):
                if commit in self.seen:
                    continue
                now = time.time()
                self.seen.add(commit)
                for line in commit.read_text().splitlines():
                    action = json.loads(line)
                    if "add" in action:
                        path = table / action["add"]["path"]
                        cols = pq.read_table(path, columns=list(self.keys)).to_pydict()
                        for key in zip(*cols.values(), strict=True):
                            self.visible.setdefault((table.name, *key), now)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_s": None, "p99_s": None, "max_s": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p99_s": round(p99, 3),
        "max_s": round(ordered[-1], 3),
    }


def bench_latency(settings: Settings, source: str, rate: int, seconds: float, trigger: int) -> dict:
    from ingestion.landing.kinesis_reader import kinesis_client
    from ingestion.landing.producers import kafka_producer

    client = kinesis_client(settings.kinesis_url, settings.aws_region, local=True)
    if source == "kafka":
        create_topics(settings)
    else:
        create_streams(settings, client)
    acks: dict[tuple, float] = {}
    producer = kafka_producer(settings.bootstrap_servers, **{"linger.ms": 1})

    def delivered(err: Any, msg: Any) -> None:
        if err is None:
            table = f"batch_{msg.topic().rsplit('.', 1)[1]}"
            acks[(table, msg.partition(), msg.offset())] = time.time()

    def send(tick: int, count: int) -> None:
        entity = ENTITIES[tick % 3]
        if source == "kafka":
            for i in range(count):
                producer.produce(settings.topic(entity), payload(i), on_delivery=delivered)
            producer.poll(0)
        else:
            records = [{"Data": payload(i), "PartitionKey": str(tick * 100 + i)}
                       for i in range(count)]  # fmt: skip
            answer = client.put_records(StreamName=settings.stream(entity), Records=records)
            now = time.time()
            for result in answer["Records"]:
                if "SequenceNumber" in result:
                    acks[(f"stream_{entity}", result["ShardId"], result["SequenceNumber"])] = now

    def warm_up() -> None:
        for tick in range(3):
            send(tick, 1)
        producer.flush(30)

    job, watcher, startup = start_landing(settings, source, trigger, warm_up)
    try:
        acks.clear()
        cpu_start, commits_start = landing_cpu_seconds(), len(watcher.seen)
        # a PutRecords call is synchronous: Kinesis gets fewer, larger calls
        tick_s = 0.02 if source == "kafka" else 0.1
        per_tick = max(1, round(rate * tick_s))
        begin = time.monotonic()
        ticks = int(seconds / tick_s)
        for tick in range(ticks):
            delay = begin + tick * tick_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            send(tick, per_tick)
        produced_for = time.monotonic() - begin
        producer.flush(30)
        deadline = time.time() + 60
        while time.time() < deadline and not all(k in watcher.visible for k in list(acks)):
            time.sleep(0.1)
        cpu = landing_cpu_seconds() - cpu_start
        window = time.monotonic() - begin
        commits = len(watcher.seen) - commits_start
    finally:
        landed = stop_landing(job, watcher)
    latencies = [watcher.visible[k] - t for k, t in acks.items() if k in watcher.visible]
    first = min(acks.values(), default=0)
    windows: dict[int, list[float]] = {}
    for key, acked in acks.items():
        if key in watcher.visible:
            windows.setdefault(int((acked - first) // 10), []).append(watcher.visible[key] - acked)
    return {
        "target_rate_per_s": rate,
        "achieved_rate_per_s": round(len(acks) / produced_for, 1),
        "acknowledged": len(acks),
        "visible": len(latencies),
        "missing": len(acks) - len(latencies),
        "delta_commits": len(watcher.seen) - 3,
        "job_start_to_first_visible_s": round(startup, 1),
        **percentiles(latencies),
        # p50 of the records acknowledged in each 10 s of producing: a young JVM is slower
        "p50_s_by_10s": [round(statistics.median(windows[w]), 2) for w in sorted(windows)],
        "landing_cpu_cores": round(cpu / window, 2),
        "landing_cpu_s_per_commit": round(cpu / max(1, commits), 2),
        "batch_ms_median": {q["name"]: q["batch_ms"] for q in landed.get("queries", [])},
    }


def landing_cpu_seconds() -> float:
    """CPU seconds used so far by this bench's child processes: the landing job, its Spark
    JVM and the JVM's Python workers."""
    from ingestion.bench.dbt import descendant_cpu_seconds

    return sum(descendant_cpu_seconds(os.getpid()).values())


def last_json(out: bytes) -> dict:
    """The JSON summary a ``pinpipe land`` job prints last ({} when it printed none)."""
    lines = out.decode(errors="replace").strip().splitlines()
    return json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}


def start_landing(
    settings: Settings, source: str, trigger: int, warm_up: Callable[[], None]
) -> tuple[subprocess.Popen, CommitWatcher, float]:
    """Start ``pinpipe land <source> --continuous`` and a commit watcher; ``warm_up`` sends one
    record per entity, and this returns once all three are visible (with the seconds it took)."""
    layer = "batch" if source == "kafka" else "stream"
    job = land(settings, source, "--continuous", "--trigger-ms", str(trigger))
    watcher = CommitWatcher(settings, layer)
    watcher.start()
    try:
        started = time.time()
        warm_up()
        while len(watcher.visible) < len(ENTITIES):
            if job.poll() is not None or time.time() - started > 180:
                raise RuntimeError(f"land {source} did not start (exit {job.returncode})")
            time.sleep(0.1)
    except BaseException:
        stop_landing(job, watcher)
        raise
    return job, watcher, time.time() - started


def stop_landing(job: subprocess.Popen, watcher: CommitWatcher) -> dict:
    """Stop the watcher and the landing job (SIGTERM: its queries stop cleanly); the job's
    JSON summary."""
    watcher.stop.set()
    job.send_signal(signal.SIGTERM)
    try:
        out, _ = job.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        job.kill()
        out, _ = job.communicate()
    return last_json(out)


SERVING_VIEW = "pins_latest"
SERVING_KEYS = 1_000_000_000  # pins' ind from here on: no clash with the warm-up's


def bench_serving(settings: Settings, rate: int, seconds: float, trigger: int) -> dict:
    """Acknowledgement -> a pin visible in the serving view ``pins_latest``, read through a
    SQL server of the bench's own (own metastore and lake), with no dbt run in between."""
    from ingestion.dbt_runner import run_dbt
    from ingestion.landing.kinesis_reader import kinesis_client
    from ingestion.stack import Stack
    from ingestion.stack.services import free_port
    from ingestion.warehouse import WarehouseError, query

    state = Path(settings.lake_dir).parent  # type: ignore[arg-type]
    bench = replace(settings, state_dir=state, sql_host="", sql_port=free_port(settings.host))
    client = kinesis_client(bench.kinesis_url, bench.aws_region, local=True)
    create_streams(bench, client)

    def put(entity: str, indexes: list[int]) -> dict[int, float]:
        records = [{"Data": payload(i), "PartitionKey": str(i)} for i in indexes]
        answer = client.put_records(StreamName=bench.stream(entity), Records=records)
        now = time.time()
        return {i: now for i, r in zip(indexes, answer["Records"], strict=True)
                if "SequenceNumber" in r}  # fmt: skip

    stack = Stack(bench, log=lambda message: None)
    stack.up(["sql"])
    try:
        # the view is built before landing starts: dbt registers the bronze tables, landing
        # then appends to them, and no dbt run happens while records are measured
        started = time.perf_counter()
        run_dbt(bench, ["run", "--select", f"+{SERVING_VIEW}", "--target-path",
                        str(state / "target"), "--log-path", str(state / "logs")],
                log_path=state / "dbt.log")  # fmt: skip
        dbt_seconds = time.perf_counter() - started
        job, watcher, _ = start_landing(bench, "kinesis", trigger,
                                        lambda: [put(e, [0]) for e in ENTITIES])  # fmt: skip
    except BaseException:
        stack.down(["sql"])
        raise
    try:
        seen: dict[int, float] = {}
        queries: list[float] = []
        stop = threading.Event()
        statement = (f"select ind from {bench.dbt_schema}.{SERVING_VIEW} "
                     f"where ind >= {SERVING_KEYS}")  # fmt: skip

        def poll() -> None:
            while not stop.is_set():
                asked = time.time()
                try:
                    rows = query(bench, statement).rows
                except WarehouseError:  # e.g. a file replaced while the view read it
                    stop.wait(0.5)
                    continue
                now = time.time()
                queries.append(now - asked)
                for (ind,) in rows:
                    seen.setdefault(int(ind), now)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        acks: dict[int, float] = {}
        begin = time.monotonic()
        for tick in range(int(seconds * rate)):
            delay = begin + tick / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            acks |= put("pin", [SERVING_KEYS + tick])
        deadline = time.time() + 120
        while time.time() < deadline and not acks.keys() <= seen.keys():
            time.sleep(0.2)
        stop.set()
        poller.join(60)
    finally:
        stop_landing(job, watcher)
        stack.down(["sql"])
    latencies = [seen[i] - t for i, t in acks.items() if i in seen]
    return {
        "view": SERVING_VIEW,
        "rate_per_s": rate,
        "acknowledged": len(acks),
        "visible": len(latencies),
        "missing": len(acks) - len(latencies),
        "dbt_run_s": round(dbt_seconds, 1),
        "view_query_median_s": round(statistics.median(queries), 2) if queries else None,
        **percentiles(latencies),
    }


def bench_once(settings: Settings, queued: int) -> dict:
    from ingestion.landing.producers import kafka_producer, produce_waiting

    create_topics(settings)
    producer = kafka_producer(settings.bootstrap_servers, **{"linger.ms": 50,
                              "batch.num.messages": 10000, "compression.type": "lz4"})  # fmt: skip
    started = time.perf_counter()
    for i in range(queued):
        produce_waiting(producer, settings.topic(ENTITIES[i % 3]), payload(i))
    if producer.flush(120):
        raise RuntimeError("the queue-filling producer did not flush")
    fill = time.perf_counter() - started
    started = time.perf_counter()
    job = land(settings, "kafka", "--once")
    out, _ = job.communicate(timeout=1800)
    wall = time.perf_counter() - started
    if job.returncode != 0:
        raise RuntimeError(f"land kafka --once failed (exit {job.returncode})")
    summary = last_json(out)
    query_seconds = max(q["seconds"] for q in summary["queries"])
    return {
        "queued": queued,
        "payload_bytes": len(payload(0)),
        "fill_seconds": round(fill, 1),
        "landed": summary["rows"],
        "query_seconds": query_seconds,
        "rows_per_second_queries": round(summary["rows"] / query_seconds),
        "wall_seconds_with_jvm_start": round(wall, 1),
        "rows_per_second_wall": round(summary["rows"] / wall),
    }


def bench_busy(folder: Path, hogs: int, starts: int) -> dict:
    """Start the Kinesis source's Python worker, three at once (one per entity's query), in
    ``starts`` rounds per variant, without and then beside ``hogs`` CPU hogs; seconds until
    each connects back and until its imports are done."""
    import pyspark

    from ingestion.chaos.hogs import cpu_hogs
    from ingestion.landing.python_worker import RUNNER
    from ingestion.landing.spark import python_worker_launcher

    zips = sorted(str(z) for z in (Path(pyspark.__file__).parent / "python" / "lib").glob("*.zip"))
    own = [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []
    spark_path = ":".join([*zips, *own])  # what Spark gives a worker: pyspark's zips first
    variants = {
        "spark_default": (sys.executable, spark_path),
        "compiled_pyspark": (sys.executable, ":".join(own)),
        "pinpipe_launcher": (str(python_worker_launcher(folder)), spark_path),
    }
    result: dict[str, Any] = {"spark_waits_s": 10, "workers_started": starts * len(ENTITIES)}
    for condition, count in (("no_hogs", 0), (f"{hogs}_hogs", hogs)):
        with cpu_hogs(count):
            load_start = round(os.getloadavg()[0], 2)
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
            for _ in range(starts):
                for name, (python, path) in variants.items():
                    with ThreadPoolExecutor(len(ENTITIES)) as pool:
                        at_once = [pool.submit(worker_start, python, RUNNER, path)
                                   for _ in ENTITIES]  # fmt: skip
                        times[name] += [started.result() for started in at_once]
            result[condition] = {
                name: {
                    "connect_back_median_s": round(statistics.median(c for c, _ in ts), 2),
                    "connect_back_max_s": round(max(c for c, _ in ts), 2),
                    "over_spark_wait": sum(c > 10 for c, _ in ts),
                    "imports_done_median_s": round(statistics.median(d for _, d in ts), 2),
                }
                for name, ts in times.items()
            }
            load_end = round(os.getloadavg()[0], 2)
            result[condition]["load_average_1m"] = {"start": load_start, "end": load_end}
    return result


def worker_start(python: str, module: str, python_path: str) -> tuple[float, float]:
    """Start ``python -m module`` as Spark's ``createSimpleWorker`` does and answer its
    handshake (secret, ``ok``, its pid) as the JVM does, then hang up. Returns the seconds
    until it connected back and until it exited: a worker that finds the connection closed
    exits once its imports are done."""
    secret = secrets.token_hex(16)
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(1)
        env = {**os.environ, "PYTHONPATH": python_path, "PYTHONUNBUFFERED": "YES",
               "PYTHON_WORKER_FACTORY_PORT": str(server.getsockname()[1]),
               "PYTHON_WORKER_FACTORY_SECRET": secret}  # fmt: skip
        started = time.perf_counter()
        worker = subprocess.Popen([python, "-m", module], env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        try:
            while True:  # as long as the worker runs: slow is not lost
                try:
                    conn, _ = server.accept()
                    break
                except TimeoutError:
                    if worker.poll() is not None:
                        raise RuntimeError(
                            f"the worker exited before connecting back: {worker.stderr.read()!r}"
                        ) from None
            connected = time.perf_counter() - started
            with conn, conn.makefile("rwb") as stream:
                conn.settimeout(None)
                (length,) = struct.unpack("!i", stream.read(4))
                if stream.read(length) != secret.encode():
                    raise RuntimeError("the worker sent a wrong secret")
                stream.write(struct.pack("!i", 2) + b"ok")
                stream.flush()
                stream.read(4)  # its pid
            worker.communicate()
            return connected, time.perf_counter() - started
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
