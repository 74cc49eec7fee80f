"""``pinpipe bench dbt``: the dbt project on synthetic bronze data, on the SQL server and with
dbt's in-process Spark session side by side.

For each size it writes N events (one pin, geo and user record each; 80% through the batch
layer, 20% through the stream layer) straight into fresh bronze Delta tables with Spark, then
times, in one run:

- ``session_full_s``: a full ``dbt build`` with the in-process session target
  (``local_session``), a fresh JVM of its own, as every dbt command ran before the server;
- ``server_first_full_s``: the first full build on a freshly started SQL server;
- ``server_full_s``: a second full build on the warm server, from empty tables;
- ``server_incremental_s``: a build after ``--increment`` more events;
- ``one_model_s``: ``dbt run -s <one question mart>`` on the warm server.

The rows carry the source's dirty values: the four follower_count shapes in the domain's
proportions, story-format rows full of placeholders, the three datetime wire forms, exact
re-sends (keys drawn with replacement) and about 0.1% malformed JSON. Beside each wall time
it reports the CPU seconds that dbt, its Spark JVM and the SQL server used (sampled from
/proc) and the load average around the run: on a shared machine the wall time says as much
about the neighbours as about the project; the CPU seconds hardly change with them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingestion.bench import emit
from ingestion.config import Settings
from ingestion.contract import CONTRACT
from ingestion.landing.schemas import BRONZE_COLUMNS
from ingestion.stack.processes import proc_stat

BUILD = ["build", "--exclude-resource-type", "unit_test"]
ONE_MODEL = "top_category_by_year"
TARGETS = {
    "server_full_share_of_session_full": 0.4,
    "server_incremental_share_of_server_full": 0.3,
    "one_model_s": 5.0,
}

COUNTRIES = [
    "Albania", "Anguilla", "Antarctica (the territory South of 60 deg S)", "Armenia",
    "Aruba", "Bouvet Island (Bouvetoya)", "British Indian Ocean Territory (Chagos Archipelago)",
    "Chad", "Cote d'Ivoire", "Palestinian Territory", "Saint Barthelemy",
    "Svalbard & Jan Mayen Islands",
]  # fmt: skip
FIRST_NAMES = ["Abigail", "Alexandra", "Andrew", "Brittany", "Christopher", "Dylan", "Rachel"]
LAST_NAMES = ["Ali", "Holmes", "Davis", "Young", "Mendoza", "Nguyen", "Smith"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dbt",
        help="time dbt builds on the SQL server against dbt's in-process Spark session",
        description=(
            "For each --events size: write synthetic bronze rows with Spark into a fresh state "
            "dir, then time a full `dbt build` with the in-process session target, the first "
            "and a second full build on a freshly started SQL server of its own, an "
            "incremental build after --increment more events, and `dbt run` of one question "
            "mart. Unit tests are excluded, as in production. One JSON object on stdout."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe bench dbt                          30,000 events\n"
            "  pinpipe bench dbt --events 1000000 --no-session"
        ),
    )
    parser.add_argument(
        "--events", type=int, nargs="+", default=[30_000],
        help="event counts to measure (default: 30000)",
    )  # fmt: skip
    parser.add_argument(
        "--increment", type=float, default=0.01,
        help="new events before the incremental run, as a share of --events (default 0.01)",
    )  # fmt: skip
    parser.add_argument(
        "--no-session", action="store_true",
        help="skip the in-process session build (slow at large sizes); its keys are null",
    )  # fmt: skip
    parser.add_argument(
        "--work-dir", type=Path,
        help="where the throw-away state dirs go (default: a temporary dir, removed after)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=100, help="seed of the synthetic rows")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if any(n < 100 for n in args.events) or not 0 < args.increment <= 1:
        print("pinpipe bench dbt: --events must be >= 100 and 0 < --increment <= 1")
        return 2
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="pinpipe-bench-dbt-"))
    results = []
    try:
        for events in args.events:
            results.append(measure(settings, work / f"events-{events}", events, args))
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    top = results[0] if len(results) == 1 else {}
    emit(
        "dbt",
        {
            **top,
            "note": "wall seconds (_s) with the CPU seconds of dbt, its JVM and the SQL server "
            "(_cpu_s) beside them; threads as in profiles.yml",
            "targets": TARGETS,
            "runs": results,
        },
    )
    return 0


def measure(settings: Settings, state: Path, events: int, args: argparse.Namespace) -> dict:
    from ingestion.landing.spark import spark_session
    from ingestion.stack import Stack
    from ingestion.stack.services import free_port

    bench = replace(
        settings,
        state_dir=state,
        lake_dir=state / "lake",
        checkpoint_dir=state / "checkpoints",
        sql_host="",
        sql_port=free_port(settings.host),
    )
    landed = datetime(2026, 1, 1, tzinfo=UTC)
    spark = spark_session(bench, "pinpipe-bench-dbt", catalog=False)
    try:
        started = time.perf_counter()
        bronze_rows = write_events(spark, bench, 0, events, events, args.seed, landed)
        generate_seconds = time.perf_counter() - started
    finally:
        spark.stop()
    timings: dict[str, object] = {}
    if not args.no_session:  # its own state dir: the Derby metastore has one owner
        session = replace(bench, state_dir=state / "session")
        timings |= timed(session, state, "session_full", BUILD, target="local_session")
    stack = Stack(bench, log=lambda message: None)
    try:
        started = time.perf_counter()
        with DescendantCpu() as cpu:
            stack.up(["sql"])
        timings |= {"server_start_s": round(time.perf_counter() - started, 1),
                    "server_start_cpu_s": cpu.seconds}  # fmt: skip
        timings |= timed(bench, state, "server_first_full", BUILD)
        drop_schema(bench)
        timings |= timed(bench, state, "server_full", BUILD)
        extra = max(1, int(events * args.increment))
        spark = spark_session(bench, "pinpipe-bench-dbt", catalog=False)
        try:
            later = landed + timedelta(hours=1)
            write_events(spark, bench, events, extra, events, args.seed, later)
        finally:
            spark.stop()
        timings |= timed(bench, state, "server_incremental", BUILD)
        timings |= timed(bench, state, "one_model", ["run", "--select", ONE_MODEL])
    finally:
        stack.down(["sql"])
    return {
        "events": events,
        "bronze_rows": bronze_rows,
        "generate_seconds": round(generate_seconds, 1),
        "incremental_events": extra,
        **{k: v for k, v in timings.items() if not k.endswith("_details")},
        "ratios": {
            "server_full_share_of_session_full": share(
                timings["server_full_s"], timings.get("session_full_s")
            ),
            "server_incremental_share_of_server_full": share(
                timings["server_incremental_s"], timings["server_full_s"]
            ),
        },
        "details": {k: v for k, v in timings.items() if k.endswith("_details")},
    }


def drop_schema(settings: Settings) -> None:
    """Empty the dbt schema (what a full build from scratch starts from)."""
    from ingestion.warehouse import query

    query(settings, f"drop schema if exists {settings.dbt_schema} cascade")


def timed(
    settings: Settings, state: Path, name: str, args: list[str], target: str = "local"
) -> dict[str, object]:
    """``dbt <args>``: wall and CPU seconds, load average, nodes and the slowest ones."""
    from ingestion.dbt_runner import run_dbt, run_results

    # one target dir for every run, as a scheduled project has: later runs parse partially
    target_path = state / f"target-{target}"
    logged = [*args, "--target-path", str(target_path), "--log-path", str(state / "logs")]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with DescendantCpu() as cpu:
        result = run_dbt(
            settings, logged, target=target, log_path=state / f"{name}.log", check=False
        )
    seconds = round(time.perf_counter() - started, 1)
    if result.returncode != 0:
        raise RuntimeError(f"dbt {args[0]} ({name}) failed; log: {state / f'{name}.log'}")
    nodes = run_results(target_path)
    slowest = sorted(nodes, key=lambda n: -n["execution_time"])[:5]
    return {
        f"{name}_s": seconds,
        f"{name}_cpu_s": cpu.seconds,
        f"{name}_details": {
            "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "nodes": len(nodes),
            "slowest": {
                n["unique_id"].split(".")[-1]: round(n["execution_time"], 1) for n in slowest
            },
        },
    }


def share(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else round(part / whole, 3)


def descendant_cpu_seconds(root: int) -> dict[int, float]:
    """User + system CPU seconds of every process below ``root``, read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = proc_stat(int(entry.name))
        except OSError:  # the process ended while the table was read
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    below = {}
    for pid, seconds in cpu.items():
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            below[pid] = seconds
    return below


class DescendantCpu:
    """CPU seconds the child processes (dbt, its Spark JVM) use inside a ``with`` block.

    Sampled every ``interval`` seconds, because the JVM may end after dbt and is then no
    longer below this process; ``seconds`` is None where /proc does not exist.
    """

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.seconds: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}

    def __enter__(self) -> DescendantCpu:
        if Path("/proc/self/stat").exists():
            self._start = descendant_cpu_seconds(os.getpid())
            self._last = dict(self._start)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._thread.is_alive():
            return
        self._stop.set()
        self._thread.join()
        self._last.update(descendant_cpu_seconds(os.getpid()))
        used = sum(now - self._start.get(pid, 0.0) for pid, now in self._last.items())
        self.seconds = round(used, 1)

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(self.interval):
            self._last.update(descendant_cpu_seconds(os.getpid()))


def write_events(
    spark, settings: Settings, start: int, count: int, keys: int, seed: int, landed: datetime
) -> int:
    """Append `count` events (ids start..start+count) to the six bronze tables; returns rows."""
    from pyspark.sql import functions as F

    key_space = max(keys // 2, 100)
    ids = spark.range(start, start + count).select(
        F.col("id"),
        (F.pmod(F.xxhash64("id", F.lit(seed)), F.lit(key_space)) + 1).alias("k"),
        (F.pmod(F.col("id"), F.lit(5)) == 0).alias("is_stream"),
    )
    records = {
        "pin": F.expr(pin_json_sql()),
        "geo": F.expr(geo_json_sql()),
        "user": F.expr(user_json_sql()),
    }
    landed_lit = F.lit(landed.replace(tzinfo=None)).cast("timestamp")
    total = 0
    for entity, record in records.items():
        text = F.when(
            F.pmod(F.col("id"), F.lit(1000)) == 999, F.substring(record, 1, 20)
        ).otherwise(record)
        frame = ids.select("id", "is_stream", text.alias("text"))
        received = landed_lit - F.expr("interval 1 second")
        values = {
            "batch": {
                "value": F.col("text"),
                "topic": F.lit(settings.topic(entity)),
                "partition": F.lit(0),
                "offset": F.col("id"),
                "kafka_timestamp": received,
                "landed_at": landed_lit,
            },
            "stream": {
                "data": F.col("text"),
                "stream": F.lit(settings.stream(entity)),
                "shard_id": F.lit("shardId-000000000000"),
                "sequence_number": F.lpad(F.col("id").cast("string"), 56, "0"),
                "partition_key": F.col("id").cast("string"),
                "arrived_at": received,
                "landed_at": landed_lit,
            },
        }
        for layer, is_stream in (("batch", ~F.col("is_stream")), ("stream", F.col("is_stream"))):
            # the bronze columns in the contract's order and types (a missing one: KeyError)
            columns = [
                values[layer][name].cast(kind).alias(name) for name, kind in BRONZE_COLUMNS[layer]
            ]
            rows = frame.where(is_stream).select(*columns)
            rows.write.format("delta").mode("append").save(settings.bronze_path(layer, entity))
        total += count
    return total


def _array(values: list[str]) -> str:
    return "array(" + ", ".join("'" + v.replace("'", "\\'") + "'" for v in values) + ")"


def pin_json_sql() -> str:
    categories = list(CONTRACT.categories)
    category = f"element_at({_array(categories)}, cast(pmod(k, {len(categories)}) + 1 as int))"
    story = "pmod(k, 25) = 0"
    return f"""to_json(named_struct(
        'index', k,
        'unique_id', md5(cast(k as string)),
        'title', case when {story} then 'No Title Data Available' else concat('Post ', k) end,
        'description', case when {story} then 'No description available Story format'
            when pmod(k, 50) = 1 then 'Untitled' else concat('About post ', k, ' …\u00a0') end,
        'poster_name', case when pmod(k, 67) = 0 then 'User Info Error'
            else concat('Poster ', pmod(k, 5000), ' | ') end,
        'follower_count', case
            when pmod(k, 200) = 0 then 'User Info Error'
            when pmod(k, 100) < 17 then cast(pmod(k, 1000) as string)
            when pmod(k, 100) < 92 then concat(pmod(k, 999) + 1, 'k')
            else concat(pmod(k, 15) + 1, 'M') end,
        'tag_list', case when {story} then 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e'
            else 'Art,Painting,Ideas' end,
        'is_image_or_video', case when {story} then 'multi-video(story page format)'
            when pmod(k, 7) = 0 then 'video' else 'image' end,
        'image_src', case when {story} then 'Image src error.'
            else concat('https://i.pinimg.com/', k, '.jpg') end,
        'downloaded', case when {story} then 0 else 1 end,
        'save_location', concat('Local save in /data/', {category}),
        'category', {category}))"""


def geo_json_sql() -> str:
    posted = "timestamp_seconds(1483228800 + pmod(k * 7919, 189302400))"  # 2017-2022
    form = (
        f"case pmod(id, 3) when 0 then date_format({posted}, 'yyyy-MM-dd HH:mm:ss') "
        f"when 1 then date_format({posted}, \"yyyy-MM-dd'T'HH:mm:ss\") "
        f"else date_format({posted}, 'yyyy:MM:dd HH:mm:ss') end"
    )
    country = (
        f"element_at({_array(COUNTRIES)}, cast(pmod(pmod(k, 5000), {len(COUNTRIES)}) + 1 as int))"
    )
    return f"""to_json(named_struct(
        'ind', k, 'timestamp', {form},
        'latitude', round(-89.9 + pmod(pmod(k, 5000) * 37, 17980) / 100.0, 4),
        'longitude', round(-179.9 + pmod(pmod(k, 5000) * 53, 35980) / 100.0, 3),
        'country', {country}))"""


def user_json_sql() -> str:
    poster = "pmod(k, 5000)"
    joined = f"timestamp_seconds(1420070400 + pmod({poster} * 104729, 94608000))"  # 2015-2017
    return f"""to_json(named_struct(
        'ind', k,
        'first_name', element_at({_array(FIRST_NAMES)}, cast(pmod({poster}, 7) + 1 as int)),
        'last_name', concat(element_at({_array(LAST_NAMES)}, cast(pmod({poster}, 5) + 1 as int)),
            cast({poster} as string)),
        'age', 20 + pmod({poster}, 40),
        'date_joined', case pmod(id, 3)
            when 0 then date_format({joined}, 'yyyy-MM-dd HH:mm:ss')
            when 1 then date_format({joined}, "yyyy-MM-dd'T'HH:mm:ss")
            else date_format({joined}, 'yyyy:MM:dd HH:mm:ss') end))"""
