"""One chaos run, start to end, and its JSON report.

1. stack: the run's own Kafka broker, kinesis-local and gateway (see ``isolation``);
2. landing: ``pinpipe land kafka --continuous`` and ``land kinesis --continuous`` as child
   processes, started again whenever one ends by itself;
3. sending and faults at once: the lanes post the events at their rates while the fault
   tracks kill and restart services and landing jobs;
4. bad input: the hand-made cases, once every service is back;
5. finish: the continuous jobs stopped (SIGTERM), then one ``land kafka kinesis --once``
   (both sources in one Spark JVM);
6. ``dbt build`` of the lambda merge and the quarantine model with their staging (models
   only: the accounting checks the merge itself, and data tests are ``make test``'s);
7. accounting: bronze read by path and dbt's tables through the SQL server, compared with
   what was acknowledged;
   acknowledged records missing from bronze are looked up in Kafka / kinesis-local.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingestion.chaos import accounting, bad_input, tables
from ingestion.chaos.faults import FaultInjector
from ingestion.chaos.landing import LandingJob, land_once
from ingestion.chaos.lanes import Lanes
from ingestion.chaos.plan import ChaosPlan
from ingestion.chaos.records import SourceSnapshot
from ingestion.chaos.report import build_report
from ingestion.chaos.transport_check import held_by_transport
from ingestion.config import ENTITIES, Settings
from ingestion.dbt_runner import read_manifest, result_statuses, run_dbt

SERVICES = ["kafka", "kinesis", "gateway"]
SOURCES = ("kafka", "kinesis")
TRANSPORT = {"batch": "kafka", "stream": "kinesis_local"}
PROGRESS_EVERY = 15.0
LANDING_ATTEMPTS = 5  # `land --once` runs; a busy machine fails some (Python worker start)


def dbt_build_args(target: Path, logs: Path) -> list[str]:
    merged = [f"+{name}" for name in accounting.MERGED_MODELS.values()]
    return [
        "build", "--select", *merged, accounting.QUARANTINE_MODEL, "--resource-type", "model",
        "--target-path", str(target), "--log-path", str(logs),
    ]  # fmt: skip


class ChaosRun:
    """``settings`` are the run's own (see ``isolation.isolated_settings``); ``stack`` is the
    ``Stack`` of those settings."""

    def __init__(
        self,
        settings: Settings,
        stack: Any,
        plan: ChaosPlan,
        *,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.stack = stack
        self.plan = plan
        self.run_dir = Path(settings.state_dir)  # type: ignore[arg-type]
        self.log_dir = self.run_dir / "logs"
        self.started = time.monotonic()
        self.say = say or self._print
        self.phases: dict[str, float] = {}

    def _print(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f} s] {message}", file=sys.stderr, flush=True)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        begin = time.monotonic()
        self.say(f"{name} ...")
        yield
        self.phases[name] = round(time.monotonic() - begin, 1)
        self.say(f"{name}: {self.phases[name]:.1f} s")

    def run(self) -> dict[str, Any]:
        plan = self.plan
        with self.phase("source"):
            snapshot = SourceSnapshot(self.settings.source, plan.events)
        with self.phase("stack"):
            self.stack.up(SERVICES)
        jobs = {source: LandingJob(self.settings, source, self.log_dir) for source in SOURCES}
        lanes = Lanes(
            self.settings,
            snapshot,
            events={"batch": plan.events, "stream": plan.stream_events},
            rates={"batch": plan.rate, "stream": plan.stream_rate},
            retry_seconds=plan.retry_seconds,
        )
        injector = FaultInjector(self.stack, jobs, plan, say=self.say)
        try:
            for job in jobs.values():
                job.start()
            with self.phase("send under faults"):
                lanes.start()
                injector.start(lanes.started)
                self._supervise(lanes, injector, jobs)
            with self.phase("bad input"):
                probed = bad_input.probe(self.settings)
            with self.phase("final landing"):
                for job in jobs.values():
                    job.stop()
                attempts = self._land_once()
        finally:
            lanes.stop.set()
            injector.stop.set()
            for job in jobs.values():
                job.kill()
        with self.phase("dbt build"):
            dbt = self._dbt_build()
        with self.phase("accounting"):
            report = self._account(lanes, injector, jobs, probed, attempts, dbt)
        report["phases_s"] = {**self.phases, "total": round(time.monotonic() - self.started, 1)}
        (self.run_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        return report

    def _supervise(
        self, lanes: Lanes, injector: FaultInjector, jobs: dict[str, LandingJob]
    ) -> None:
        """Until sending and faults are done: restart landing jobs that ended by themselves,
        and say how far sending got now and then."""
        last = time.monotonic()
        while lanes.running or injector.running:
            time.sleep(1.0)
            injector.revive_crashed(lanes.started)
            for job in jobs.values():
                if job.restart_if_exited():
                    self.say(f"landing {job.source} ended by itself; started again")
                job.watch()
            if time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                self.say(self._progress(lanes))
        lanes.join()
        injector.join()
        injector.revive_crashed(lanes.started)

    def _progress(self, lanes: Lanes) -> str:
        parts = []
        for layer in lanes.events:
            acked = lanes.ledger.acknowledged(layer)
            parts.append(f"{layer} {acked:,}/{lanes.events[layer] * len(ENTITIES):,} acked")
        return "sending: " + ", ".join(parts)

    def _land_once(self) -> dict[str, Any]:
        """One ``land kafka kinesis --once`` run for both sources; its attempts (the same for
        each source), or the failure."""
        try:
            result: Any = land_once(self.settings, SOURCES, self.log_dir, LANDING_ATTEMPTS)
        except Exception as exc:  # noqa: BLE001 - reported, and accounting still runs
            result = f"{type(exc).__name__}: {exc}"
        return dict.fromkeys(SOURCES, result)

    def _dbt_build(self) -> dict[str, Any]:
        target, logs = self.run_dir / "dbt" / "target", self.run_dir / "dbt" / "logs"
        done = run_dbt(
            self.settings,
            dbt_build_args(target, logs),
            target="local",
            log_path=self.log_dir / "dbt-build.log",
            check=False,
        )
        statuses = result_statuses(target)
        return {"exit_code": done.returncode, "statuses": dict(statuses), "target": target}

    def _account(
        self,
        lanes: Lanes,
        injector: FaultInjector,
        jobs: dict[str, LandingJob],
        probed: list[bad_input.BadInputResult],
        attempts: dict[str, Any],
        dbt: dict[str, Any],
    ) -> dict[str, Any]:
        bad_ids = {r.transport_id for r in probed if r.transport_id}
        with self._reading_session() as spark:
            rows = {
                layer: tables.read_bronze(spark, self.settings, layer)
                for layer in ("batch", "stream")
            }
        merged, quarantined = self._dbt_tables(dbt["target"])
        paths = {}
        for layer, planned in (("batch", self.plan.events), ("stream", self.plan.stream_events)):
            account = accounting.account_path(
                layer,
                planned,
                lanes.ledger.lanes,
                lanes.ledger.layer(layer),
                rows[layer],
                bad_ids,
            )
            if account.lost:
                held = held_by_transport(self.settings, layer, account.lost.values())
                account.attribute_losses(held, TRANSPORT[layer])
            paths[layer] = account.counts
        own_ids = {row.record_id for layer_rows in rows.values() for row in layer_rows
                   if row.chaos_id is not None}  # fmt: skip
        merge = accounting.account_merge(accounting.merge_expectations(rows), merged)
        quarantine = accounting.account_quarantine(quarantined, own_ids, probed)
        return build_report(
            plan=self.plan,
            settings=self.settings,
            paths=paths,
            faults=[record.as_dict() for record in injector.records],
            service_crashes=injector.crashes,
            landing={
                source: {
                    "starts": [start.as_dict() for start in jobs[source].starts],
                    "unplanned_exits": jobs[source].unplanned_exits,
                    "once_attempts": attempts.get(source),
                }
                for source in SOURCES
            },
            bad_input=probed,
            dbt={"exit_code": dbt["exit_code"], "statuses": dbt["statuses"]},
            merge=merge,
            quarantine=quarantine,
            errors=dict(sorted(lanes.ledger.errors.items(), key=lambda kv: -kv[1])[:10]),
        )

    def _dbt_tables(self, target: Path) -> tuple[dict[str, Any], Any]:
        try:
            manifest = read_manifest(target)
        except OSError:
            return {entity: None for entity in ENTITIES}, None
        merged = tables.read_models(
            self.settings, manifest, accounting.MERGED_MODELS, ["ind", "source_layer", "record_id"]
        )
        quarantine = {"quarantine": accounting.QUARANTINE_MODEL}
        quarantined = tables.read_models(
            self.settings, manifest, quarantine, ["record_id", "reject_reason"]
        )["quarantine"]
        return merged, quarantined

    @contextmanager
    def _reading_session(self) -> Iterator[Any]:
        """A Spark session to read Delta by path: the process's own if it has one (a test
        run's), else a new one, stopped afterwards, with its JVM output in the run's logs."""
        from pyspark import SparkContext

        from ingestion.landing.spark import spark_session

        owned = SparkContext._active_spark_context is None
        spark = spark_session(
            self.settings, "pinpipe-chaos", catalog=False, jvm_log=self.log_dir / "spark.log"
        )
        try:
            yield spark
        finally:
            if owned:
                spark.stop()
