"""The run's JSON report and its verdict.

The verdict holds when: no acknowledged record is lost by pinpipe (losses kinesis-local
causes itself, after a SIGKILL, are counted apart), no position landed twice, no record
landed at another position than acknowledged, no copy without an in-doubt attempt, every
landed post exactly once in each merged table, none of the run's own records quarantined,
every bad input rejected or quarantined as documented, and dbt built without errors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ingestion.chaos.accounting import exactly_once
from ingestion.chaos.bad_input import BadInputResult
from ingestion.chaos.plan import ChaosPlan
from ingestion.config import Settings


def build_report(
    *,
    plan: ChaosPlan,
    settings: Settings,
    paths: dict[str, dict[str, Any]],
    faults: list[dict[str, Any]],
    service_crashes: list[dict[str, Any]],
    landing: dict[str, Any],
    bad_input: list[BadInputResult],
    dbt: dict[str, Any],
    merge: dict[str, Any],
    quarantine: dict[str, Any],
    errors: dict[str, int],
) -> dict[str, Any]:
    lost = sum(p["lost_acknowledged"] for p in paths.values())
    lost_by_kinesis_local = paths["stream"].get("lost_by_kinesis_local", 0)
    problems = [r.as_dict() for r in bad_input if r.problem]
    verdict = {
        "lost_acknowledged": lost,
        "lost_by_kinesis_local": lost_by_kinesis_local,
        "lost_by_pinpipe": lost - lost_by_kinesis_local,
        "duplicate_rows": sum(p["duplicate_rows"] for p in paths.values()),
        "acknowledged_at_another_position": sum(
            p["acknowledged_at_another_position"] for p in paths.values()
        ),
        "resent_copies_without_doubt": sum(
            p["resent_copies_without_doubt"] for p in paths.values()
        ),
        "posts_exactly_once": exactly_once(merge),
        "own_records_quarantined": quarantine.get("own_records"),
        "bad_input_problems": len(problems),
        "dbt_ok": dbt["exit_code"] == 0,
        "faults_failed": sum(1 for f in faults if "error" in f),
    }
    verdict["ok"] = (
        verdict["lost_by_pinpipe"] == 0
        and verdict["duplicate_rows"] == 0
        and verdict["acknowledged_at_another_position"] == 0
        and verdict["resent_copies_without_doubt"] == 0
        and verdict["posts_exactly_once"]
        and verdict["own_records_quarantined"] == 0
        and verdict["bad_input_problems"] == 0
        and verdict["dbt_ok"]
        and verdict["faults_failed"] == 0
    )
    accepted = [r for r in bad_input if r.case.accepted]
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": {
            "events": plan.events,
            "rate": plan.rate,
            "stream_events": plan.stream_events,
            "stream_rate": plan.stream_rate,
            "kinesis_fault": plan.kinesis_fault,
            "down_seconds": plan.down_seconds,
            "retry_seconds": plan.retry_seconds,
        },
        "state_dir": str(settings.state_dir),
        "verdict": verdict,
        "batch": paths["batch"],
        "stream": paths["stream"],
        "faults": faults,
        "service_crashes": service_crashes,
        "landing": landing,
        "bad_input": {
            "cases": len(bad_input),
            "rejected_4xx": sum(
                1 for r in bad_input if r.status is not None and 400 <= r.status < 500
            ),
            "accepted_then_quarantined": sum(1 for r in accepted if not r.problem),
            "server_errors": sum(1 for r in bad_input if r.status is not None and r.status >= 500),
            "problems": problems,
        },
        "dbt": dbt,
        "merged": merge,
        "quarantine": quarantine,
        "send_errors": errors,
    }
