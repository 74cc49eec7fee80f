"""`pinpipe demo` end to end at a reduced size, on a stack of its own.

`pinpipe demo` runs as a process of its own (its own Spark JVM for landing, dbt inside) with
300 events in a state dir and ports of its own (so it starts its own ingestion services and
registers its own bronze tables), building on the test run's SQL server in schemas of its own.
The batch path carries events 1-220, the stream 201-300, the next batch 221-300, with the
wire's dirt at raised rates. Kafka is started before the run, so the run must start only
kinesis-local and the gateway and stop only those. The printed marts are parsed back and
compared with the built Delta tables, the summary with the bronze, quarantine and merged
tables, and the merged rows with the source rows of the events sent.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingestion.cli import build_parser
from ingestion.config import ENTITIES, Settings
from ingestion.stack.services import free_port
from ingestion.tests.conftest import PROJECT_DIR
from ingestion.tests.fixtures_dbt import BASE
from ingestion.tests.fixtures_stack import on_warehouse
from ingestion.tests.fixtures_stack import table_path as warehouse_path

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

EVENTS = 300
STREAM_EVENTS = 100
OVERLAP = 20
BATCH_END = EVENTS - STREAM_EVENTS + OVERLAP  # round 1: batch 1-220, stream 201-300
DIRT = "resend=0.02,reorder=0.02,foreign=0.02,T=0.1,colon=0.1"
ROWS_SHOWN = 4
STEP_NAMES = (
    "stack", "source", "emulate", "land", "dbt-build", "dbt-docs", "marts", "next-batch", "stop",
)  # fmt: skip
MERGED = ("int_pins_merged", "int_geolocations_merged", "int_users_merged")


@dataclass
class DemoRun:
    settings: Settings
    server: Settings
    exit_code: int
    out: str
    err: str
    status_before: dict[str, Any]
    status_after: dict[str, Any]
    target: Path


@pytest.fixture(scope="module")
def demo(settings: Settings, warehouse: Settings, tmp_path_factory: pytest.TempPathFactory):
    from ingestion.stack import Stack

    state = tmp_path_factory.mktemp("demo-state")
    own = replace(
        settings,
        state_dir=state,
        lake_dir=state / "lake",
        checkpoint_dir=state / "checkpoints",
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        kinesis_port=free_port(),
        gateway_port=free_port(),
    )
    own = on_warehouse(own, warehouse, "demo")
    target = tmp_path_factory.mktemp("demo-target")
    env = {
        **os.environ,
        **own.as_env(),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(tmp_path_factory.mktemp("demo-dbt-logs")),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    stack = Stack(own, log=lambda message: None)
    stack.up(["kafka"])
    try:
        before = stack.status()
        command = [
            "demo", "--events", str(EVENTS), "--stream-events", str(STREAM_EVENTS),
            "--overlap", str(OVERLAP), "--dirt", DIRT, "--rows", str(ROWS_SHOWN),
        ]  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "ingestion.cli", *command],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=2400,
        )  # fmt: skip
        after = stack.status()
        yield DemoRun(
            own, warehouse, done.returncode, done.stdout, done.stderr, before, after, target
        )
    finally:
        stack.down()


def table_path(demo: DemoRun, name: str) -> str:
    return warehouse_path(demo.server, demo.settings.dbt_schema, name)


def report_marts() -> list[str]:
    exposures = yaml.safe_load((PROJECT_DIR / "models/marts/_marts__exposures.yml").read_text())
    report = next(e for e in exposures["exposures"] if e["name"] == "pinterest_insights_report")
    return [re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in report["depends_on"]]


@dataclass
class PrintedMart:
    total: int
    columns: list[str]
    rows: list[list[str]]
    more: int


def terminal_columns(line: str) -> list[str]:
    """The line as one entry per terminal column: a wide character (emoji) fills two."""
    slots: list[str] = []
    for char in line:
        if unicodedata.category(char) in ("Mn", "Me", "Cf") and slots:
            slots[-1] += char
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            slots += [char, ""]
        else:
            slots.append(char)
    return slots


def parse_marts(text: str) -> dict[str, PrintedMart]:
    """Each `<name> (<n> rows)` block: the header, rows cut by the rule's column spans."""
    lines = text.splitlines()
    marts = {}
    for i, line in enumerate(lines):
        title = re.fullmatch(r"(\w+) \((\d+) rows?\)", line)
        if not title:
            continue
        rule_at = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("  --"))
        spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[rule_at])]
        columns = [lines[rule_at - 1][a:b].strip() for a, b in spans]
        rows, more = [], 0
        for row in lines[rule_at + 1 :]:
            if not row.strip():
                break
            cut = re.fullmatch(r"  \.\.\. (\d+) more .*", row)
            if cut:
                more = int(cut.group(1))
                break
            slots = terminal_columns(row)
            rows.append(["".join(slots[a:b]).strip() for a, b in spans])
        marts[title.group(1)] = PrintedMart(int(title.group(2)), columns, rows, more)
    return marts


def cell_matches(cell: str, value: Any) -> bool:
    if value is None:
        return cell == "null"
    if isinstance(value, float):
        return math.isclose(float(cell), value, abs_tol=0.05)
    if isinstance(value, int):
        return int(cell) == value
    if isinstance(value, datetime):
        return cell == value.isoformat(sep=" ")
    text = str(value)
    return cell == text or (cell.endswith("…") and text.startswith(cell[:-1]))


def summary_row(out: str, label: str) -> tuple[str, str]:
    found = re.search(rf"^  {re.escape(label)}\s+(\S+(?: / \S+)?)\s+(\S+(?: / \S+)?)$", out, re.M)
    assert found, f"no summary line {label!r} in:\n{out}"
    return found.group(1), found.group(2)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_demo_succeeds_with_numbered_timed_steps_and_logs(demo: DemoRun) -> None:
    assert demo.exit_code == 0, demo.out + demo.err
    for n, name in enumerate(STEP_NAMES, start=1):
        assert re.search(rf"^\[{n}/{len(STEP_NAMES)}\] ", demo.out, re.M), f"step {n} missing"
        log = demo.settings.state_dir / "logs" / "demo" / f"{name}.log"  # type: ignore[operator]
        assert log.is_file(), log
    assert len(re.findall(r"^      done in \d+\.\d s \(elapsed \d+:\d\d\)", demo.out, re.M)) == len(
        STEP_NAMES
    )
    build_log = (demo.settings.state_dir / "logs" / "demo" / "dbt-build.log").read_text()  # type: ignore[operator]
    assert "Completed successfully" in build_log
    assert (demo.target / "index.html").is_file() and (demo.target / "catalog.json").is_file()


def test_printed_marts_equal_the_built_tables(demo: DemoRun, spark) -> None:
    printed = parse_marts(demo.out)
    expected_names = report_marts()
    assert list(printed) == expected_names
    for name in expected_names:
        mart = printed[name]
        frame = spark.read.format("delta").load(table_path(demo, name))
        rows = sorted(
            (tuple(row) for row in frame.collect()),
            key=lambda row: [(v is None, v) for v in row],
        )
        assert rows, f"{name} is empty"
        assert mart.columns == frame.columns, name
        assert mart.total == len(rows), name
        assert len(mart.rows) == min(ROWS_SHOWN, len(rows)), name
        assert mart.more == len(rows) - len(mart.rows), name
        for cells, row in zip(mart.rows, rows, strict=False):
            assert all(cell_matches(c, v) for c, v in zip(cells, row, strict=True)), (
                f"{name}: printed {cells} but the table has {row}"
            )


def summary_line(out: str, label: str) -> str:
    found = re.search(rf"^  {re.escape(label)}\s+(.+)$", out, re.M)
    assert found, f"no summary line {label!r} in:\n{out}"
    return found.group(1)


def dirt_sent(out: str) -> dict[str, int]:
    """The dirt line: `<rates>: resend 12, reorder 9, ...` -> counts."""
    rates, _, sent = summary_line(out, "wire dirt").partition(": ")
    assert rates == DIRT
    return {name: number(n) for name, n in (part.split(" ") for part in sent.split(", "))}


def test_summary_matches_bronze_and_quarantine(demo: DemoRun, spark) -> None:
    assert summary_line(demo.out, "events").startswith(
        f"{EVENTS:,}: 1-{BATCH_END} to Kafka, {EVENTS - STREAM_EVENTS + 1}-{EVENTS} to Kinesis, "
        f"then {BATCH_END + 1}-{EVENTS} to Kafka (next batch)"
    )
    dirt = dirt_sent(demo.out)
    assert all(dirt[kind] > 0 for kind in ("resend", "reorder", "foreign", "T", "colon")), dirt
    sent = tuple(map(number, summary_row(demo.out, "records sent")))
    assert sent[0] >= EVENTS * 3 and sent[1] >= STREAM_EVENTS * 3
    assert sum(sent) - (EVENTS + STREAM_EVENTS) * 3 == dirt["resend"] + dirt["reorder"] + dirt[
        "foreign"
    ]  # fmt: skip
    for label in ("acknowledged", "landed in bronze"):
        assert tuple(map(number, summary_row(demo.out, label))) == sent, label
    assert summary_row(demo.out, "failed / in doubt") == ("0 / 0", "0 / 0")
    quarantine = spark.read.format("delta").load(
        table_path(demo, "stg_pinterest__quarantined_records")
    )
    for i, layer in enumerate(("batch", "stream")):
        bronze = sum(
            spark.read.format("delta").load(demo.settings.bronze_path(layer, e)).count()
            for e in ENTITIES
        )
        assert bronze == sent[i], layer
        assert (
            number(summary_row(demo.out, "quarantined")[i])
            == quarantine.where(quarantine.source_layer == layer).count()
        )
    # the quarantine holds every rejected row of both rounds: the next batch rebuilds it
    for layer in ("batch", "stream"):
        rejected = sum(
            spark.read.format("delta").load(table_path(demo, name))
            .where("reject_reason is not null").count()
            for name in BASE if f"__{layer}_" in name
        )  # fmt: skip
        assert quarantine.where(quarantine.source_layer == layer).count() == rejected, layer
    # records of another entity, and nothing else, are quarantined, as wrong_entity
    reasons = {
        (row.reject_reason, row.source_layer): row["count"]
        for row in quarantine.groupBy("reject_reason", "source_layer").count().collect()
    }
    assert {reason for reason, _ in reasons} == {"wrong_entity"}
    expected = " · ".join(
        [
            f"wrong_entity {sum(reasons.values())} ("
            + ", ".join(f"{layer} {n}" for (_, layer), n in sorted(reasons.items()))
            + ")"
        ]
    )
    assert summary_line(demo.out, "quarantined as") == expected
    for name in ("fct_pin_posts", "dim_people"):
        count = spark.read.format("delta").load(table_path(demo, name)).count()
        assert f"{name} {count:,} rows" in demo.out


def test_the_stream_wins_the_newest_keys_until_the_next_batch(demo: DemoRun, spark) -> None:
    won = tuple(map(number, summary_row(demo.out, "merged rows won")))
    after = tuple(map(number, summary_row(demo.out, "after next batch")))
    assert won[0] > 0 and won[1] > 0, won
    assert after == (sum(won), 0), after
    layers: dict[str, int] = {}
    for name in MERGED:
        merged = spark.read.format("delta").load(table_path(demo, name))
        for row in merged.groupBy("source_layer").count().collect():
            layers[row.source_layer] = layers.get(row.source_layer, 0) + row["count"]
    assert layers == {"batch": sum(won)}
    fct = spark.read.format("delta").load(table_path(demo, "fct_pin_posts"))
    assert {row.source_layer for row in fct.select("source_layer").distinct().collect()} == {
        "batch"
    }


def test_merged_rows_are_the_source_rows_of_the_events_despite_the_dirt(
    demo: DemoRun, spark
) -> None:
    """One merged row per key sent, with the source's values: the T and colon forms parsed to
    the same time, re-sends collapsed, records of another entity never merged."""
    from pyspark.sql import functions as F

    from ingestion.emulator.reader import SourceReader
    from ingestion.emulator.sampler import ClassicSampler

    reader = SourceReader(demo.settings.source)
    try:
        sampler = ClassicSampler(reader.row_count())
        offsets = {sampler.next().offset for _ in range(EVENTS)}
        rows = [reader.read_event(offset) for offset in sorted(offsets)]
    finally:
        reader.close()
    as_text = "%Y-%m-%d %H:%M:%S"
    expected = {
        "int_pins_merged": {(r["pin"]["index"], r["pin"]["unique_id"]) for r in rows},
        "int_geolocations_merged": {
            (r["geo"]["ind"], r["geo"]["timestamp"].strftime(as_text)) for r in rows
        },
        "int_users_merged": {
            (r["user"]["ind"], r["user"]["age"], r["user"]["date_joined"].strftime(as_text))
            for r in rows
        },
    }
    second = "yyyy-MM-dd HH:mm:ss"
    columns = {
        "int_pins_merged": [F.col("ind"), F.col("unique_id")],
        "int_geolocations_merged": [F.col("ind"), F.date_format("timestamp", second)],
        "int_users_merged": [F.col("ind"), F.col("age"), F.date_format("date_joined", second)],
    }
    for name in MERGED:
        merged = spark.read.format("delta").load(table_path(demo, name))
        found = [tuple(row) for row in merged.select(*columns[name]).collect()]
        assert len(found) == len(offsets), name
        assert set(found) == expected[name], name


def test_stops_only_what_it_started(demo: DemoRun) -> None:
    assert demo.status_before["kafka"]["running"]
    assert not demo.status_before["kinesis"]["running"]
    assert not demo.status_before["gateway"]["running"]
    assert "started kinesis, gateway" in demo.out and "already running: kafka" in demo.out
    assert demo.status_after["kafka"]["running"], "the demo stopped a service it did not start"
    assert not demo.status_after["kinesis"]["running"]
    assert not demo.status_after["gateway"]["running"]
    assert "stopped kinesis, gateway" in demo.out


def test_a_failed_step_names_itself_and_its_log(settings: Settings, tmp_path: Path) -> None:
    broken = replace(settings, state_dir=tmp_path, jars_dir=tmp_path / "no-jars")
    args = build_parser().parse_args(["demo", "--events", "1"])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = args.func(args, broken)
    assert code == 1
    log = tmp_path / "logs" / "demo" / "stack.log"
    assert (
        f"step 1/8 (stack) failed: no Delta jars in {tmp_path / 'no-jars' / 'spark'}"
        in err.getvalue()
    )
    assert f"log: {log}" in err.getvalue()
    assert "MissingJarsError" in log.read_text()
    assert "nothing to stop: this run started no ingestion service" in out.getvalue()


def test_render_aligns_cuts_and_parses_back() -> None:
    from ingestion.demo.marts import Mart, MartRows, render

    long_name = "British Indian Ocean Territory (Chagos Archipelago)"
    table = MartRows(
        Mart("posts_by_country", "One row per country.", "nowhere.posts_by_country"),
        ["country", "posts", "median"],
        [("Chad", 7, 1500.5), (long_name, 12345, None), ("Peru", 1, 2.0)],
    )
    lines = render(table, 2)
    assert lines[:2] == ["posts_by_country (3 rows)", "  One row per country."]
    assert lines[2] == "  country                                   posts  median"
    assert lines[4] == "  Chad                                          7  1500.5"
    assert lines[5] == "  British Indian Ocean Territory (Chagos …  12345    null"
    assert lines[6].startswith("  ... 1 more (pinpipe dbt show --select posts_by_country")
    parsed = parse_marts("\n".join(lines))["posts_by_country"]
    assert parsed.columns == ["country", "posts", "median"] and parsed.more == 1
    assert [cell_matches(c, v) for c, v in zip(parsed.rows[1], table.rows[1], strict=True)] == [
        True, True, True
    ]  # fmt: skip
    assert not cell_matches("Chad", "Chat") and not cell_matches("7", 8)
    assert render(table, 0)[-1] == "  Peru                                          1     2.0"


def test_render_counts_an_emoji_as_two_columns() -> None:
    from ingestion.demo.marts import Mart, MartRows, render

    table = MartRows(
        Mart("posters", "", "nowhere.posters"),
        ["poster_name", "follower_count"],
        [("George \U0001f3a8 Life", 811), ("Plain name", 5), ("\U0001f3a8" * 25, 1)],
    )
    lines = render(table, 0)
    # the poster column is 39 terminal columns wide: 19 emoji (38) and the ellipsis
    assert lines[1:] == [
        "  poster_name" + " " * 28 + "  follower_count",
        "  " + "-" * 39 + "  " + "-" * 14,
        "  George \U0001f3a8 Life" + " " * 25 + "  " + " " * 11 + "811",
        "  Plain name" + " " * 29 + "  " + " " * 13 + "5",
        "  " + "\U0001f3a8" * 19 + "\u2026" + "  " + " " * 13 + "1",
    ]
    parsed = parse_marts("\n".join(lines))["posters"]
    assert parsed.rows[0] == ["George \U0001f3a8 Life", "811"]
    assert cell_matches(parsed.rows[2][0], table.rows[2][0])


def test_keyed_reader_reads_the_rows_of_the_classic_reader(replica_url: str) -> None:
    from ingestion.emulator.reader import KeyedSourceReader, SourceReader
    from ingestion.emulator.sampler import ClassicSampler
    from ingestion.source_db.writer import SourceError

    classic, keyed = SourceReader(replica_url), KeyedSourceReader(replica_url)
    try:
        rows = classic.row_count()
        sampler = ClassicSampler(rows, 100)
        offsets = [0, rows - 1, *(sampler.next().offset for _ in range(200))]
        for offset in offsets:
            assert keyed.read_event(offset) == classic.read_event(offset), offset
        with pytest.raises(SourceError, match=f"no row at offset {rows}"):
            keyed.read("pin", rows)
    finally:
        classic.close()
        keyed.close()


def test_summary_renders_the_merge_and_the_quarantine_reasons() -> None:
    from ingestion.demo.summary import DemoSummary, PathCounts

    summary = DemoSummary(
        events=30_000, batch_events=27_500, stream_events=3_000, next_batch_events=2_500,
        dirt="resend=0.01", dirt_sent={"resend": 1_002},
        paths={"batch": PathCounts(sent=91_002), "stream": PathCounts(sent=9_000)},
        quarantined={("wrong_entity", "stream"): 5, ("wrong_entity", "batch"): 1_200},
        merged_won={"batch": 30_000, "stream": 800}, merged_won_next={"batch": 30_800},
    )  # fmt: skip
    out = "\n".join(summary.render())
    assert summary_line(out, "events") == (
        "30,000: 1-27,500 to Kafka, 27,001-30,000 to Kinesis, then 27,501-30,000 to Kafka "
        "(next batch); 3 records each"
    )
    assert summary_line(out, "wire dirt") == "resend=0.01: resend 1,002"
    assert summary_row(out, "records sent") == ("91,002", "9,000")
    assert summary_row(out, "merged rows won") == ("30,000", "800")
    assert summary_row(out, "after next batch") == ("30,800", "0")
    assert summary_line(out, "quarantined as") == "wrong_entity 1,205 (batch 1,200, stream 5)"
    quiet = DemoSummary(events=10, batch_events=10, dirt="none")
    lines = quiet.render()
    assert "  events            10: 1-10 to Kafka; 3 records each" in lines
    assert not any(line.startswith("  after next batch") for line in lines)
    assert "  quarantined as    none" in lines
