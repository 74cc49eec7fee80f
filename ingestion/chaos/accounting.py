"""Count what became of every record: sent, acknowledged, landed, merged, quarantined.

Pure functions over the sender's ledger, the bronze rows and the dbt tables; no I/O.

- A record is *landed as acknowledged* when bronze holds its chaos id at the position the
  gateway acknowledged; *lost* when bronze does not hold its chaos id at all; *moved* when
  bronze holds it only elsewhere (an acknowledgement naming the wrong position).
- *Duplicate rows* share a position (offset / sequence number): landing wrote one twice.
- *Re-sent copies* are rows of one chaos id at several positions: a retry after an answer
  that never came. Only records with such an in-doubt attempt may have them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ingestion.chaos.bad_input import BadInputResult
from ingestion.chaos.lanes import LaneStats
from ingestion.chaos.tables import BronzeRow
from ingestion.config import ENTITIES
from ingestion.emulator.sender import ACKNOWLEDGED, STATES, Delivery

MERGED_MODELS = {
    "pin": "int_pins_merged",
    "geo": "int_geolocations_merged",
    "user": "int_users_merged",
}
QUARANTINE_MODEL = "stg_pinterest__quarantined_records"
EXAMPLES = 5  # records listed in the report when a check fails


@dataclass
class PathAccount:
    counts: dict[str, Any]
    lost: dict[str, str] = field(default_factory=dict)  # chaos id -> acknowledged record id

    def attribute_losses(self, held: dict[str, str | None], transport: str) -> None:
        """Split the losses by whether the transport still holds the record where it was
        acknowledged (then landing lost it) or not (the transport lost it)."""
        in_transport = sum(1 for cid, rid in self.lost.items() if held.get(rid) == cid)
        self.counts[f"lost_by_{transport}"] = len(self.lost) - in_transport
        self.counts["lost_by_landing"] = in_transport


def account_path(
    layer: str,
    planned_events: int,
    lanes: dict[tuple[str, str], LaneStats],
    outcomes: dict[str, Delivery],
    rows: Iterable[BronzeRow],
    bad_record_ids: set[str],
) -> PathAccount:
    rows = list(rows)
    states = Counter(o.state for o in outcomes.values())
    positions = Counter(row.record_id for row in rows)
    landed: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.chaos_id is not None:
            landed[row.chaos_id].append(row.record_id)
    acknowledged = {cid: o.transport_id for cid, o in outcomes.items() if o.state == ACKNOWLEDGED}
    lost = {cid: rid for cid, rid in acknowledged.items() if cid not in landed}
    moved = [cid for cid, rid in acknowledged.items() if cid in landed and rid not in landed[cid]]
    copies = {cid: len(rids) - 1 for cid, rids in landed.items() if len(rids) > 1}
    undoubted = {cid for cid in copies if cid in outcomes and not outcomes[cid].doubted}
    lane_stats = [s for (lane_layer, _), s in lanes.items() if lane_layer == layer]
    finished = [s.finished_at for s in lane_stats if s.finished_at]
    events_sent = min((s.events_sent for s in lane_stats), default=0)
    counts: dict[str, Any] = {
        "events_planned": planned_events,
        "events_sent": events_sent,
        "events_per_second": round(events_sent / max(finished), 1) if finished else 0.0,
        "records_sent": len(outcomes),
        **{state: states.get(state, 0) for state in STATES},
        "unsent": planned_events * len(ENTITIES) - len(outcomes),
        "requests": sum(s.requests for s in lane_stats),
        "retried_requests": sum(s.retried_requests for s in lane_stats),
        "acknowledged_after_doubt": sum(
            1 for o in outcomes.values() if o.state == ACKNOWLEDGED and o.doubted
        ),
        "landed_rows": len(rows),
        "landed_records": len(landed),
        "bad_input_rows": sum(1 for row in rows if row.record_id in bad_record_ids),
        "unknown_rows": sum(
            1 for row in rows if row.chaos_id is None and row.record_id not in bad_record_ids
        ),
        "duplicate_rows": sum(n - 1 for n in positions.values() if n > 1),
        "lost_acknowledged": len(lost),
        "acknowledged_at_another_position": len(moved),
        "landed_without_acknowledgement": sum(
            1 for cid in landed if outcomes.get(cid, Delivery()).state != ACKNOWLEDGED
        ),
        "resent_copies": sum(copies.values()),
        "resent_copies_without_doubt": sum(n for cid, n in copies.items() if cid in undoubted),
    }
    if lost:
        counts["lost_examples"] = [
            {"chaos_id": cid, "record_id": lost[cid]} for cid in sorted(lost)[:EXAMPLES]
        ]
    if undoubted:
        counts["copies_without_doubt_examples"] = [
            {"chaos_id": cid, "record_ids": landed[cid], "attempts": outcomes[cid].attempts,
             "last_error": outcomes[cid].error}
            for cid in sorted(undoubted)[:EXAMPLES]
        ]  # fmt: skip
    return PathAccount(counts, lost)


def merge_expectations(
    rows_by_layer: dict[str, list[BronzeRow]],
) -> dict[str, dict[str, set[int]]]:
    """Per entity and layer, the post keys of the run's own records that landed."""
    keys: dict[str, dict[str, set[int]]] = {e: {"batch": set(), "stream": set()} for e in ENTITIES}
    for layer, rows in rows_by_layer.items():
        for row in rows:
            if row.chaos_id is not None and row.key is not None:
                keys[row.entity][layer].add(int(row.key))
    return keys


def account_merge(
    expected: dict[str, dict[str, set[int]]], merged: dict[str, list[dict[str, Any]] | None]
) -> dict[str, Any]:
    """Every landed post key exactly once per merged table, the batch version where there is one."""
    report: dict[str, Any] = {}
    for entity, rows in merged.items():
        if rows is None:
            report[entity] = {"built": False}
            continue
        batch, stream = expected[entity]["batch"], expected[entity]["stream"]
        keys = [int(row["ind"]) for row in rows]
        present = set(keys)
        report[entity] = {
            "model": MERGED_MODELS[entity],
            "rows": len(keys),
            "expected_keys": len(batch | stream),
            "duplicate_keys": len(keys) - len(present),
            "missing_keys": len((batch | stream) - present),
            "unexpected_keys": len(present - (batch | stream)),
            "stream_row_over_batch": sum(
                1 for row in rows if row["source_layer"] == "stream" and int(row["ind"]) in batch
            ),
        }
    return report


def exactly_once(merge: dict[str, Any]) -> bool:
    problems = ("duplicate_keys", "missing_keys", "unexpected_keys", "stream_row_over_batch")
    return all(
        entity.get("built", True) and not any(entity[p] for p in problems)
        for entity in merge.values()
    )


def account_quarantine(
    rows: list[dict[str, Any]] | None,
    own_record_ids: set[str],
    bad_input: list[BadInputResult],
) -> dict[str, Any]:
    """Quarantined rows: the run's bad input each with its expected reason, none of its own
    records. Sets ``problem`` on a bad-input result whose record is not quarantined as due."""
    if rows is None:
        for result in bad_input:
            if result.case.accepted and result.problem is None:
                result.problem = "not checked: dbt did not build the quarantine model"
        return {"built": False}
    reasons = {row["record_id"]: row["reject_reason"] for row in rows}
    expected = {r.transport_id: r for r in bad_input if r.case.accepted and r.transport_id}
    for record_id, result in expected.items():
        found = reasons.get(record_id)
        if found != result.case.reason and result.problem is None:
            result.problem = (
                f"quarantined as {found}, expected {result.case.reason}"
                if found
                else f"landed as {record_id} but not quarantined"
            )
    return {
        "model": QUARANTINE_MODEL,
        "rows": len(rows),
        "bad_input_rows": sum(1 for rid in reasons if rid in expected),
        "own_records": sum(1 for rid in reasons if rid in own_record_ids),
        "unexplained": sum(
            1 for rid in reasons if rid not in expected and rid not in own_record_ids
        ),
        "reasons": dict(Counter(reasons.values()).most_common()),
    }
