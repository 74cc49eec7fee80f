"""The steps of ``pinpipe demo``, in order, each with its own log under ``<state>/logs/demo``.

stack -> source -> emulate -> land -> dbt build -> dbt docs -> marts -> next batch -> stop.
The batch path carries the older events of the classic sequence and the stream path the
newest ones, with an overlap, so the lambda merge takes some rows from each layer; the next
batch then lands the events only the stream carried, and its versions replace the stream's.
The stack
includes the SQL server, on which dbt builds and from which the marts are read; landing runs
in this process's own Spark JVM, which starts while the emulator runs (ingestion/demo/spark.py),
and dbt runs in this process too (its programmatic runner).
The services the run started are stopped at the end, also after a failure or Ctrl-C, unless
``keep`` is set.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import IO, Any

from ingestion.config import Settings
from ingestion.dbt_runner import (
    invoke_dbt,
    model_node,
    profiles_dir,
    read_manifest,
    relation,
    result_statuses,
    target_dir,
)
from ingestion.demo.marts import (
    CORE_MARTS,
    QUARANTINE_MODEL,
    MartRows,
    question_marts,
    read_mart,
    render,
)
from ingestion.demo.progress import Progress, Step, StepFailed
from ingestion.demo.spark import DemoSpark
from ingestion.demo.summary import DemoSummary
from ingestion.emulator.dirt import Dirt
from ingestion.errors import PinpipeError

SERVICES = ["kafka", "kinesis", "gateway", "sql"]
WAREHOUSE = "sql"  # the SQL server holds the answers: it stays up for `pinpipe sql`
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]
DOCS_ARGS = ["docs", "generate"]
DOCS_PORT = 8081
STEPS = {
    "stack": "stack: start the Kafka broker, kinesis-local, the gateway and the SQL server "
    "where not running",
    "source": "source: create the replica of the three RDS tables if it is missing",
    "emulate": "emulate: post events 1-{batch_end} of {events} through the gateway to Kafka "
    "(batch), the newest {stream_events} ({stream_start}-{events}) to Kinesis (stream)",
    "land": "land --once: Kafka topics and Kinesis streams -> bronze Delta tables, "
    "the six queries together",
    "dbt-build": "dbt build: staging + quarantine, lambda merge, gold marts, data tests",
    "dbt-docs": "dbt docs generate: the documentation site",
    "marts": "marts: read the gold marts",
    "next-batch": "next batch: events {next_start}-{events} to Kafka, land them, dbt run the "
    "batch layer, the quarantine, the merge and fct_pin_posts",
    "stop": "stop: stop the ingestion services this run started (the SQL server stays)",
}
LAYER_OF = {"kafka": "batch", "kinesis": "stream"}
MERGED_MODELS = ("int_pins_merged", "int_geolocations_merged", "int_users_merged")
# the batch layer and the quarantine (every bronze row stays staged or quarantined), the
# merge, and the fact table that names each row's layer
NEXT_BATCH_ARGS = [
    "run", "--select", "tag:batch", QUARANTINE_MODEL, "path:models/intermediate", "fct_pin_posts"
]  # fmt: skip


class DemoError(PinpipeError):
    """A step finished but its result is wrong (e.g. fewer records landed than acknowledged)."""


@dataclass(frozen=True)
class DemoOptions:
    events: int = 30_000  # events of the classic sequence, in all
    stream_events: int = 3_000  # the newest N go to Kinesis (docs/demo.md)
    overlap: int = 500  # of those, the oldest N go to Kafka too
    next_batch: bool = True  # then the rest go to Kafka: the batch versions replace the stream's
    dirt: str | None = None  # the wire's dirt (ingestion/emulator/dirt.py); None: the setting
    batch_size: int = 500  # records per request on both paths (PutRecords takes up to 500)
    rows: int = 10  # rows shown per mart; 0 shows all
    keep: bool = False

    @property
    def batch_end(self) -> int:
        """The batch path carries events [0, batch_end); the stream [stream_start, events)."""
        return self.stream_start + min(self.overlap, self.stream_events)

    @property
    def stream_start(self) -> int:
        return self.events - self.stream_events


class Demo:
    def __init__(self, settings: Settings, options: DemoOptions, out: IO[str]) -> None:
        from ingestion.stack import Stack

        self.settings = settings
        self.options = options
        counts = {
            "events": f"{options.events:,}",
            "stream_events": f"{options.stream_events:,}",
            "batch_end": f"{options.batch_end:,}",
            "stream_start": f"{options.stream_start + 1:,}",
            "next_start": f"{options.batch_end + 1:,}",
        }
        steps = {n: t for n, t in STEPS.items() if n != "next-batch" or self.next_batch_due}
        titles = {name: title.format(**counts) for name, title in steps.items()}
        self.progress = Progress(titles, settings.state_dir / "logs" / "demo", out)  # type: ignore[operator]
        self.spark = DemoSpark(settings, self.progress.log_path("spark"))
        self.dirt = Dirt.parse(settings.emulator_dirt if options.dirt is None else options.dirt)
        self.summary = DemoSummary(
            events=options.events,
            batch_events=options.batch_end,
            stream_events=options.stream_events,
            next_batch_events=options.events - options.batch_end if self.next_batch_due else 0,
            dirt=str(self.dirt),
        )
        self.stack = Stack(settings, log=self._stack_log)
        self.running_before: set[str] | None = None  # None: unknown, so stop nothing
        self.current: Step | None = None
        self.land_started = datetime.now(UTC)
        self.marts: list[MartRows] = []

    @property
    def next_batch_due(self) -> bool:
        return self.options.next_batch and self.options.batch_end < self.options.events

    def _stack_log(self, message: str) -> None:
        if self.current is not None:
            self.current.say(message)

    def run(self) -> int:
        p = self.progress
        p.print(
            f"pinpipe demo: {self.options.events:,} events from the source replica through the "
            "gateway, Kafka and Kinesis into Delta, then dbt"
        )
        p.print(f"  step logs: {p.log_dir}/<step>.log")
        p.print()
        failure: StepFailed | None = None
        try:
            self.start_stack()
            self.create_source()
            self.emulate()
            self.land()
            self.build()
            self.generate_docs()
            self.read_marts()
            if self.next_batch_due:
                self.land_next_batch()
        except StepFailed as exc:
            failure = exc
        finally:
            self.spark.stop()
            try:
                self.finish()
            except StepFailed as exc:
                failure = failure or exc
        if failure is not None:
            print(f"\npinpipe demo: {failure}", file=sys.stderr, flush=True)
            return 1
        for table in self.marts:
            p.print()
            for line in render(table, self.options.rows):
                p.print(line)
        self.summary.total_seconds = p.elapsed
        p.print()
        for line in self.summary.render():
            p.print(line)
        p.print()
        for line in self.hints():
            p.print(line)
        return 0

    # the steps
    def start_stack(self) -> None:
        from ingestion.landing.spark import spark_jars

        with self.progress.step("stack") as step:
            self.current = step
            self.running_before = {name for name in SERVICES if self.stack.is_running(name)}
            spark_jars(self.settings)  # the installs `make setup` makes, checked up front
            profiles_dir(self.settings)
            started = self.stack.up(SERVICES)
            running = [name for name in SERVICES if name not in started]
            notes = []
            if started:
                notes.append(f"started {', '.join(started)}")
            if running:
                notes.append(f"already running: {', '.join(running)}")
            step.note = ", ".join(notes)

    def create_source(self) -> None:
        from ingestion.source_db.shapes import DEFAULT_ROWS
        from ingestion.source_db.writer import write_replica

        with self.progress.step("source") as step:
            stats = write_replica(self.settings.source, DEFAULT_ROWS, 0, if_missing=True)
            state = "already there" if stats.skipped else f"written in {stats.seconds:.1f} s"
            step.note = f"{stats.rows:,} rows x 3 tables, {state}"
            step.write(f"{stats.url}: {step.note}")

    def emulate(self) -> None:
        o = self.options
        with self.progress.step("emulate") as step:
            self.spark.start()  # in the background, on the core the emulator leaves idle
            # one sequence (seed 100): the batch path its older events, the stream the newest
            runs = (("batch", 0, o.batch_end), ("stream", o.stream_start, o.stream_events))
            step.note = "; ".join(self.send(step, mode, skip, n) for mode, skip, n in runs if n)

    def send(self, step: Step, mode: str, skip: int, count: int) -> str:
        """Events ``skip`` to ``skip + count`` of the sequence on one path; a one-line note."""
        from ingestion.emulator.reader import KeyedSourceReader
        from ingestion.emulator.runner import Emulator

        emulator = Emulator(
            self.settings,
            mode=mode,
            count=count,
            skip=skip,
            rate=0,
            batch_size=self.options.batch_size,
            dirt=self.dirt,
            progress=sys.stderr.isatty(),
        )
        reader = KeyedSourceReader(self.settings.source)
        try:
            result = emulator.run(reader)
        finally:
            reader.close()
        step.write(result.as_text())
        if result.interrupted:
            raise KeyboardInterrupt
        if result.stopped:
            raise DemoError(result.stopped)
        counts = self.summary.paths[mode]
        for name, value in asdict(result.layers[mode]).items():
            setattr(counts, name, getattr(counts, name) + value)
        for name, n in result.dirt.items():
            self.summary.dirt_sent[name] = self.summary.dirt_sent.get(name, 0) + n
        return (
            f"{mode}: {result.acknowledged:,} of {result.records_sent:,} records "
            f"acknowledged, {result.events_per_second:,.0f} events/s"
        )

    def land(self) -> None:
        """Both sources' ``--once`` queries together; landed rows are counted in bronze."""
        from ingestion.landing.jobs import Trigger, land

        with self.progress.step("land") as step:
            spark = self.spark.session()
            self.land_started = datetime.now(UTC)
            for report in land(spark, self.settings, LAYER_OF, Trigger(once=True)):
                step.write(json.dumps(report.__dict__))
            notes = [self.check_landed(spark, layer) for layer in LAYER_OF.values()]
            step.note = f"{' + '.join(notes)} records in the bronze tables"

    def check_landed(self, spark: Any, layer: str) -> str:
        """Count the layer's rows landed by this run; fewer than acknowledged is an error."""
        from ingestion.demo.landing import landed_since

        counts = self.summary.paths[layer]
        counts.landed = landed_since(spark, self.settings, layer, self.land_started)
        if counts.landed < counts.acknowledged:
            raise DemoError(
                f"{counts.landed:,} {layer} records landed, fewer than the "
                f"{counts.acknowledged:,} acknowledged (did landing stop early?)"
            )
        return f"{counts.landed:,} {layer}"

    def build(self) -> None:
        with self.progress.step("dbt-build") as step:
            invoke_dbt(self.settings, BUILD_ARGS, target="local", log_path=step.log_path)
            statuses = result_statuses(target_dir(self.settings))
            self.summary.build_note = ", ".join(f"{n} {status}" for status, n in statuses.items())
            step.note = self.summary.build_note
        self.summary.build_seconds = step.seconds

    def generate_docs(self) -> None:
        with self.progress.step("dbt-docs") as step:
            invoke_dbt(self.settings, DOCS_ARGS, target="local", log_path=step.log_path)
            step.note = f"site in {target_dir(self.settings)}"
        self.summary.docs_seconds = step.seconds

    def read_marts(self) -> None:
        from ingestion.warehouse import query

        with self.progress.step("marts") as step:
            manifest = read_manifest(target_dir(self.settings))
            self.marts = [read_mart(self.settings, mart) for mart in question_marts(manifest)]
            for name in CORE_MARTS:
                table = relation(model_node(manifest, name))
                self.summary.core_rows[name] = query(
                    self.settings, f"select count(*) from {table}"
                ).rows[0][0]
            self.summary.question_marts = len(self.marts)
            self.count_quarantined(manifest)
            self.summary.merged_won = self.merged_won(manifest)
            for table in self.marts:
                step.write("\n".join(render(table, 0)) + "\n")
            step.note = f"{len(self.marts)} question marts"

    def count_quarantined(self, manifest: dict[str, Any]) -> None:
        """Quarantined records per reason and layer among those landed by this run."""
        from ingestion.warehouse import query

        since = self.land_started.strftime("%Y-%m-%d %H:%M:%S.%f")
        table = relation(model_node(manifest, QUARANTINE_MODEL))
        result = query(
            self.settings,
            f"select reject_reason, source_layer, count(*) from {table}"
            f" where landed_at >= timestamp '{since}' group by reject_reason, source_layer",
        )
        self.summary.quarantined = {(reason, layer): n for reason, layer, n in result.rows}
        for layer, counts in self.summary.paths.items():
            counts.quarantined = sum(
                n for (_, of), n in self.summary.quarantined.items() if of == layer
            )

    def merged_won(self, manifest: dict[str, Any]) -> dict[str, int]:
        """Rows of the merged tables per layer whose version won the lambda merge."""
        from ingestion.warehouse import query

        selects = " union all ".join(
            f"select source_layer from {relation(model_node(manifest, name))}"
            for name in MERGED_MODELS
        )
        result = query(
            self.settings, f"select source_layer, count(*) from ({selects}) group by source_layer"
        )
        return dict(result.rows)

    def land_next_batch(self) -> None:
        """The next batch: the events only the stream carried go to Kafka, land, and the batch
        layer and the merge run again (incrementally): their batch versions replace the stream's.
        fct_pin_posts, which names each row's layer, is rebuilt; the other marts hold the same
        rows either way (a key's batch and stream versions carry the same source row).
        """
        from ingestion.landing.jobs import Trigger, land

        o = self.options
        with self.progress.step("next-batch") as step:
            note = self.send(step, "batch", o.batch_end, o.events - o.batch_end)
            spark = self.spark.session()
            for report in land(spark, self.settings, ["kafka"], Trigger(once=True)):
                step.write(json.dumps(report.__dict__))
            self.check_landed(spark, "batch")
            invoke_dbt(self.settings, NEXT_BATCH_ARGS, target="local", log_path=step.log_path)
            manifest = read_manifest(target_dir(self.settings))
            self.summary.merged_won_next = self.merged_won(manifest)
            self.count_quarantined(manifest)
            step.note = f"{note}; merged rows won: " + ", ".join(
                f"{n:,} {layer}" for layer, n in self.summary.merged_won_next.items()
            )

    def finish(self) -> None:
        """Stop the ingestion services this run started, unless --keep; the SQL server, which
        serves the answers, stays up."""
        with self.progress.step("stop") as step:
            self.current = step
            before = set(SERVICES) if self.running_before is None else self.running_before
            ours = [
                n
                for n in SERVICES
                if n not in before and n != WAREHOUSE and self.stack.is_running(n)
            ]
            if self.options.keep:
                step.note = "--keep: the stack stays up"
            elif ours:
                self.stack.down(ours)
                step.note = f"stopped {', '.join(ours)}"
            else:
                step.note = "nothing to stop: this run started no ingestion service"

    def hints(self) -> list[str]:
        lines = [
            "The SQL server keeps serving the tables:",
            '  pinpipe sql -e "select * from top_category_by_year"   (or `pinpipe sql` for a '
            "prompt; `pinpipe stack down sql` stops it)",
        ]
        return lines + (self.keep_hints() if self.options.keep else [])

    def keep_hints(self) -> list[str]:
        return [
            "The stack keeps running (--keep):",
            f"  dbt docs   .venv/bin/pinpipe dbt docs serve --port {DOCS_PORT}, "
            f"then open http://{self.settings.host}:{DOCS_PORT}",
            f"  Airflow    make airflow, then open http://{self.settings.host}:{self.settings.airflow_port}",
            "  the stack  .venv/bin/pinpipe stack status; .venv/bin/pinpipe stack down stops it",
        ]


def run_demo(settings: Settings, options: DemoOptions, out: IO[str] | None = None) -> int:
    """Run the demo, printing to ``out`` (default: the current ``sys.stdout``)."""
    return Demo(settings, options, out or sys.stdout).run()
