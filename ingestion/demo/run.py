"""The steps of ``pinpipe demo``, in order, each with its own log under ``<state>/logs/demo``.

stack -> source -> emulate -> land -> dbt build -> dbt docs -> marts -> stop. The stack
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
from ingestion.demo.summary import DemoSummary, PathCounts
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
    "emulate": "emulate: post {events} events through the gateway to Kafka (batch), "
    "the first {stream_events} of them to Kinesis too (stream)",
    "land": "land --once: Kafka topics and Kinesis streams -> bronze Delta tables, "
    "the six queries together",
    "dbt-build": "dbt build: staging + quarantine, lambda merge, gold marts, data tests",
    "dbt-docs": "dbt docs generate: the documentation site",
    "marts": "marts: read the gold marts",
    "stop": "stop: stop the ingestion services this run started (the SQL server stays)",
}
LAYER_OF = {"kafka": "batch", "kinesis": "stream"}


class DemoError(PinpipeError):
    """A step finished but its result is wrong (e.g. fewer records landed than acknowledged)."""


@dataclass(frozen=True)
class DemoOptions:
    events: int = 30_000
    stream_events: int = 3_000  # the first N events also go to Kinesis (docs/demo.md)
    batch_size: int = 500  # records per request on both paths (PutRecords takes up to 500)
    rows: int = 10  # rows shown per mart; 0 shows all
    keep: bool = False


class Demo:
    def __init__(self, settings: Settings, options: DemoOptions, out: IO[str]) -> None:
        from ingestion.stack import Stack

        self.settings = settings
        self.options = options
        counts = {"events": f"{options.events:,}", "stream_events": f"{options.stream_events:,}"}
        titles = {name: title.format(**counts) for name, title in STEPS.items()}
        self.progress = Progress(titles, settings.state_dir / "logs" / "demo", out)  # type: ignore[operator]
        self.spark = DemoSpark(settings, self.progress.log_path("spark"))
        self.summary = DemoSummary(events=options.events, stream_events=options.stream_events)
        self.stack = Stack(settings, log=self._stack_log)
        self.running_before: set[str] | None = None  # None: unknown, so stop nothing
        self.current: Step | None = None
        self.land_started = datetime.now(UTC)
        self.marts: list[MartRows] = []

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
        from ingestion.emulator.reader import KeyedSourceReader
        from ingestion.emulator.runner import Emulator

        with self.progress.step("emulate") as step:
            self.spark.start()  # in the background, on the core the emulator leaves idle
            reader = KeyedSourceReader(self.settings.source)
            notes = []
            try:
                # the same seed: the stream path carries the first events of the batch path
                for mode, count in (("batch", self.options.events),
                                    ("stream", self.options.stream_events)):  # fmt: skip
                    if not count:
                        continue
                    emulator = Emulator(
                        self.settings,
                        mode=mode,
                        count=count,
                        rate=0,
                        batch_size=self.options.batch_size,
                        progress=sys.stderr.isatty(),
                    )
                    result = emulator.run(reader)
                    step.write(result.as_text())
                    if result.interrupted:
                        raise KeyboardInterrupt
                    if result.stopped:
                        raise DemoError(result.stopped)
                    self.summary.paths[mode] = PathCounts(**asdict(result.layers[mode]))
                    notes.append(
                        f"{mode}: {result.acknowledged:,} of {result.records_sent:,} records "
                        f"acknowledged, {result.events_per_second:,.0f} events/s"
                    )
            finally:
                reader.close()
            step.note = "; ".join(notes)

    def land(self) -> None:
        """Both sources' ``--once`` queries together; landed rows are counted in bronze."""
        from ingestion.demo.landing import landed_since
        from ingestion.landing.jobs import Trigger, run_until_done, start_queries

        with self.progress.step("land") as step:
            spark = self.spark.session()
            self.land_started = datetime.now(UTC)
            once = Trigger(once=True)
            queries = [
                query
                for source in LAYER_OF
                for query in start_queries(spark, self.settings, source, once)
            ]
            for report in run_until_done(queries, once=True):
                step.write(json.dumps(report.__dict__))
            notes = []
            for layer in LAYER_OF.values():
                counts = self.summary.paths[layer]
                counts.landed = landed_since(spark, self.settings, layer, self.land_started)
                if counts.landed < counts.acknowledged:
                    raise DemoError(
                        f"{counts.landed:,} {layer} records landed, fewer than the "
                        f"{counts.acknowledged:,} acknowledged (did landing stop early?)"
                    )
                notes.append(f"{counts.landed:,} {layer}")
            step.note = f"{' + '.join(notes)} records in the bronze tables"

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
            for layer, n in self.quarantined(manifest).items():
                self.summary.paths[layer].quarantined = n
            for table in self.marts:
                step.write("\n".join(render(table, 0)) + "\n")
            step.note = f"{len(self.marts)} question marts"

    def quarantined(self, manifest: dict[str, Any]) -> dict[str, int]:
        """Quarantined records per layer among those landed by this run."""
        from ingestion.warehouse import query

        since = self.land_started.strftime("%Y-%m-%d %H:%M:%S.%f")
        result = query(
            self.settings,
            f"select source_layer, count(*) from {relation(model_node(manifest, QUARANTINE_MODEL))}"
            f" where landed_at >= timestamp '{since}' group by source_layer",
        )
        return dict(result.rows)

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
