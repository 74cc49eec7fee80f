"""``pinpipe chaos`` at a reduced size: 2,000 events at 50/s on the Kafka path and 10/s on the
Kinesis path, one fault of each kind (broker SIGKILL, Kafka landing job SIGKILL, gateway
restart, kinesis-local restart, Kinesis landing job SIGKILL), the hand-made bad input, final
landing, dbt, accounting. Its own stack on quiet ports in the test state dir."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from ingestion.chaos.bad_input import cases
from ingestion.chaos.plan import (
    KILL_BROKER,
    KILL_KAFKA_LANDING,
    KILL_KINESIS_LANDING,
    RESTART_GATEWAY,
    RESTART_KINESIS,
    ChaosPlan,
)
from ingestion.cli import build_parser
from ingestion.config import Settings
from ingestion.tests.conftest import PROJECT_DIR

REDUCED = ["--events", "2000", "--rate", "50", "--stream-rate", "10", "--broker-kills", "1"]
EVERY_KIND = {KILL_BROKER, KILL_KAFKA_LANDING, RESTART_GATEWAY, RESTART_KINESIS,
              KILL_KINESIS_LANDING}  # fmt: skip


def documented(status: int, code: int | str, doc: str) -> bool:
    """The REST Proxy table writes `413 / 413`; the Kinesis text writes 400 `Validation...`."""
    if isinstance(code, int):
        return f"{status} / {code}" in doc
    return re.search(rf"{status} [^,(]*`{code}`", doc) is not None


def test_every_rejection_a_case_expects_is_documented(settings: Settings):
    doc = (PROJECT_DIR / "docs" / "gateway.md").read_text()
    rejected = [c for c in cases(settings) if not c.accepted]
    assert len(rejected) >= 20
    undocumented = [(c.name, c.status, c.code) for c in rejected
                    if not documented(c.status, c.code, doc)]  # fmt: skip
    assert undocumented == []


def test_the_plan_spreads_one_fault_of_each_kind_over_the_window():
    plan = ChaosPlan(events=2000, rate=50, stream_rate=10, broker_kills=1)
    steps = plan.schedule()
    assert {s.action for s in steps} == EVERY_KIND and len(steps) == 5
    assert all(0 < s.at < plan.seconds for s in steps)
    assert plan.stream_events == 400
    full = ChaosPlan()
    assert [s.action for s in full.schedule()].count(KILL_BROKER) == 3
    assert full.seconds == 100 and full.stream_events == 10_000
    with pytest.raises(ValueError, match="kinesis fault"):
        ChaosPlan(kinesis_fault="pause")


def test_the_command_has_help():
    done = subprocess.run(
        [sys.executable, "-m", "ingestion.cli", "chaos", "--help"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    for option in ("--events", "--rate", "--stream-rate", "--kinesis-fault", "--keep"):
        assert option in done.stdout


def test_no_acknowledged_record_is_lost_under_faults(warehouse, replica_url, spark, capsys):
    args = build_parser().parse_args(["chaos", *REDUCED])
    code = args.func(args, replace(warehouse, source_url=replica_url))
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])

    faults = report["faults"]
    assert {f["fault"] for f in faults} == EVERY_KIND
    assert [f for f in faults if "error" in f] == []

    for layer, events in (("batch", 2000), ("stream", 400)):
        path = report[layer]
        assert path["records_sent"] == 3 * events
        assert path["acknowledged"] == 3 * events, path
        # kinesis-local's own losses (when it dies between two writes) are counted apart
        own_losses = path.get("lost_by_kinesis_local", 0)
        assert path["lost_acknowledged"] == own_losses, path.get("lost_examples")
        assert path["duplicate_rows"] == 0
        assert path["acknowledged_at_another_position"] == 0
        assert path["resent_copies_without_doubt"] == 0, path.get("copies_without_doubt_examples")
        assert path["unknown_rows"] == 0
        assert path["landed_records"] == (
            path["acknowledged"] - own_losses + path["landed_without_acknowledgement"]
        )
    assert report["batch"]["retried_requests"] > 0  # the broker and gateway faults were felt
    assert report["batch"]["lost_acknowledged"] == report["verdict"]["lost_by_pinpipe"] == 0
    if report["stream"]["lost_acknowledged"]:  # kinesis-local died between two state writes
        assert any(c["service"] == "kinesis" for c in report["service_crashes"]) or any(
            f.get("forced_kill") for f in faults if f["track"] == "kinesis"
        )

    bad = report["bad_input"]
    accepted = sum(1 for c in cases(warehouse) if c.accepted)
    assert bad["server_errors"] == 0
    assert bad["problems"] == []
    assert bad["accepted_then_quarantined"] == accepted
    assert report["quarantine"]["bad_input_rows"] == accepted
    assert report["quarantine"]["own_records"] == report["quarantine"]["unexplained"] == 0

    for entity, merged in report["merged"].items():
        assert merged["expected_keys"] > 0, entity
        assert merged["duplicate_keys"] == merged["missing_keys"] == 0, (entity, merged)
        assert merged["unexpected_keys"] == merged["stream_row_over_batch"] == 0, (entity, merged)

    assert report["dbt"]["exit_code"] == 0
    assert report["verdict"]["ok"] and code == 0
