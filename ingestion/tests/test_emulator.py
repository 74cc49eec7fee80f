"""The emulator against a live local HTTP endpoint: sampling, exact wire format, failures."""

from __future__ import annotations

import json
import re

import pytest

from ingestion.emulator.reader import SourceReader
from ingestion.emulator.runner import Emulator
from ingestion.emulator.sampler import ClassicSampler
from ingestion.emulator.wire import to_record
from ingestion.source_db.shapes import DEFAULT_ROWS
from ingestion.source_db.writer import SourceError

CLASSIC_OFFSETS = [7528, 2863, 5730, 8304, 8731, 1313, 4315, 10794]


def make(settings, replica_url, gateway, **options) -> Emulator:  # noqa: ANN001
    options = {"rate": 0, "backoff": 0.001, "retries": 3, **options}
    return Emulator(settings, source_url=replica_url, url=gateway.url, **options)


def expected(replica_url: str, offset: int, fmt: str = "space") -> dict[str, dict]:
    reader = SourceReader(replica_url)
    try:
        return {e: to_record(row, fmt) for e, row in reader.read_event(offset).items()}
    finally:
        reader.close()


def test_classic_offsets_and_sleeps():
    sampler = ClassicSampler(DEFAULT_ROWS, seed=100)
    draws = [sampler.next() for _ in range(8)]
    assert [d.offset for d in draws] == CLASSIC_OFFSETS
    assert {d.sleep_seconds for d in draws} <= {0, 1}


def test_batch_requests_are_rest_proxy_v2(settings, replica_url, fake_gateway):
    summary = make(settings, replica_url, fake_gateway, mode="batch", count=3).run()
    reqs = fake_gateway.requests
    assert [r.path for r in reqs] == [
        f"/topics/pinterest.{e}" for _ in range(3) for e in ("pin", "geo", "user")
    ]
    assert {r.method for r in reqs} == {"POST"}
    assert {r.headers["Content-Type"] for r in reqs} == {"application/vnd.kafka.json.v2+json"}
    first = expected(replica_url, CLASSIC_OFFSETS[0])
    assert reqs[0].json == {"records": [{"value": first["pin"]}]}
    assert reqs[1].json == {"records": [{"value": first["geo"]}]}
    assert reqs[2].json == {"records": [{"value": first["user"]}]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first["geo"]["timestamp"])
    assert [r.json["records"][0]["value"]["index"] for r in reqs[::3]] == CLASSIC_OFFSETS[:3]
    assert (summary.events, summary.records_sent, summary.acknowledged) == (3, 9, 9)
    assert (summary.failed, summary.in_doubt, summary.requests) == (0, 0, 9)


def test_stream_requests_are_api_gateway_kinesis(settings, replica_url, fake_gateway):
    summary = make(
        settings, replica_url, fake_gateway, mode="stream", count=2, datetime_format="T"
    ).run()
    reqs = fake_gateway.requests
    assert [(r.method, r.path) for r in reqs[:3]] == [
        ("PUT", f"/streams/pinterest-{e}/record") for e in ("pin", "geo", "user")
    ]
    first = expected(replica_url, CLASSIC_OFFSETS[0], "T")
    assert reqs[1].json == {
        "StreamName": "pinterest-geo",
        "Data": first["geo"],
        "PartitionKey": str(CLASSIC_OFFSETS[0]),
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", reqs[1].json["Data"]["timestamp"])
    assert reqs[0].headers["Content-Type"] == "application/json"
    assert summary.acknowledged == summary.records_sent == 6


def test_batching_both_paths_with_colon_datetimes(settings, replica_url, fake_gateway, tmp_path):
    ack_log = tmp_path / "acks.jsonl"
    summary = make(
        settings, replica_url, fake_gateway, mode="both", count=5, batch_size=2,
        datetime_format="colon", ack_log=ack_log,
    ).run()  # fmt: skip
    kafka = [r for r in fake_gateway.requests if r.path.startswith("/topics/")]
    kinesis = [r for r in fake_gateway.requests if r.path.startswith("/streams/")]
    assert [len(r.json["records"]) for r in kafka] == [2] * 6 + [1] * 3
    assert all(r.path.endswith("/records") for r in kinesis)
    body = kinesis[1].json
    assert body["StreamName"] == "pinterest-geo" and len(body["Records"]) == 2
    assert set(body["Records"][0]) == {"Data", "PartitionKey"}
    assert re.fullmatch(r"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d", body["Records"][0]["Data"]["timestamp"])
    assert summary.records_sent == summary.acknowledged == 30
    lines = [json.loads(line) for line in ack_log.read_text().splitlines()]
    assert len(lines) == 30
    pins = [x for x in lines if x["layer"] == "batch" and x["entity"] == "pin"]
    assert [x["offset"] for x in pins] == [0, 1, 2, 3, 4]
    assert [x["ind"] for x in pins] == CLASSIC_OFFSETS[:5]
    assert {x["topic"] for x in pins} == {"pinterest.pin"}
    streams = [x for x in lines if x["layer"] == "stream"]
    assert all(x["shard_id"] and x["sequence_number"] for x in streams)


def test_retries_on_429_and_5xx_then_acknowledges(settings, replica_url, fake_gateway):
    fake_gateway.script.extend([(503, {"error": "busy"}), (429, {"error": "slow down"})])
    summary = make(settings, replica_url, fake_gateway, count=1).run()
    assert summary.retries == 2 and summary.requests == 5
    assert summary.acknowledged == 3 and summary.failed == 0
    assert len(fake_gateway.requests) == 5


def test_no_retry_on_4xx_and_per_record_errors_are_failures(settings, replica_url, fake_gateway):
    fake_gateway.script.append((422, {"error_code": 42201, "message": "bad record"}))
    fake_gateway.fail_records.add(1)
    summary = make(settings, replica_url, fake_gateway, mode="both", count=3, batch_size=3).run()
    # 6 requests: the first (pins, 3 records) is refused outright and not retried;
    # every other request has its second record rejected inside a 200
    assert len(fake_gateway.requests) == 6 and summary.retries == 0
    assert summary.records_sent == 18
    assert summary.failed == 3 + 5 and summary.acknowledged == 10
    assert summary.balanced
    assert any("422" in reason for reason in summary.errors)
    assert any("ProvisionedThroughputExceeded" in reason for reason in summary.errors)


def test_dropped_answers_leave_records_in_doubt(settings, replica_url, fake_gateway):
    fake_gateway.script.extend(["drop"] * 4)  # first request + 3 retries all lose their answer
    summary = make(settings, replica_url, fake_gateway, count=1).run()
    assert summary.in_doubt == 1 and summary.acknowledged == 2 and summary.balanced
    assert summary.retries == 3


def test_unreachable_endpoint_stops_the_run(settings, replica_url):
    from ingestion.stack.services import free_port

    url = f"http://127.0.0.1:{free_port()}"
    summary = Emulator(
        settings, source_url=replica_url, url=url, rate=0, count=5, backoff=0.001, retries=2
    ).run()
    assert summary.stopped and url in summary.stopped and "3 attempts" in summary.stopped
    assert summary.records_sent == 1 and summary.failed == 1 and summary.acknowledged == 0
    assert summary.unsent == 0 and summary.balanced


def test_source_problems_name_what_is_missing(settings, fake_gateway, tmp_path):
    (tmp_path / "empty.db").touch()
    empty = f"sqlite:///{tmp_path}/empty.db"
    with pytest.raises(SourceError, match="pinterest_data, geolocation_data, user_data"):
        Emulator(settings, source_url=empty, url=fake_gateway.url, count=1).run()
    with pytest.raises(SourceError, match="not a SQLAlchemy database URL"):
        Emulator(settings, source_url="no-such-url", url=fake_gateway.url, count=1).run()
    with pytest.raises(SourceError, match="missing.db does not exist"):
        Emulator(settings, source_url=f"sqlite:///{tmp_path}/missing.db", count=1).run()
    assert not (tmp_path / "missing.db").exists()
    assert fake_gateway.requests == []


def test_skip_sends_the_later_events_of_the_sequence(settings, replica_url, fake_gateway, tmp_path):
    ack_log = tmp_path / "acks.jsonl"
    make(settings, replica_url, fake_gateway, count=2, skip=3, ack_log=ack_log).run()
    pins = [r.json["records"][0]["value"] for r in fake_gateway.requests[::3]]
    assert [p["index"] for p in pins] == CLASSIC_OFFSETS[3:5]
    lines = [json.loads(line) for line in ack_log.read_text().splitlines()]
    assert {x["event"] for x in lines} == {3, 4}


def clean_view(entity: str, records: list[dict]) -> list[str]:
    """What dbt keeps of a topic's records: those of its entity (keys), datetimes in one
    form, one per exact content (re-sends and key-order re-sends collapse)."""
    from ingestion.source_db.schema import build_metadata, tables

    columns = {c.name for c in tables(build_metadata())[entity].columns}
    kept = set()
    for record in records:
        if set(record) != columns:
            continue  # another entity's record: quarantined as wrong_entity
        record = {
            k: re.sub(r"^(\d{4})[-:](\d\d)[-:](\d\d)[ T]", r"\1-\2-\3 ", v)
            if isinstance(v, str) else v
            for k, v in record.items()
        }  # fmt: skip
        kept.add(json.dumps(record, sort_keys=True))
    return sorted(kept)


def test_dirt_changes_nothing_the_cleaning_keeps(replica_url):
    from ingestion.emulator.dirt import Dirt, DirtyWire

    dirt = Dirt.parse("resend=0.05,reorder=0.05,foreign=0.05,T=0.2,colon=0.2")
    dirty, clean = DirtyWire(dirt, seed=1), DirtyWire(Dirt())
    reader = SourceReader(replica_url)
    sampler = ClassicSampler(reader.row_count())
    sent = {"dirty": {}, "clean": {}}
    try:
        for _ in range(300):
            rows = reader.read_event(sampler.next().offset)
            for name, wire in (("dirty", dirty), ("clean", clean)):
                for item in wire.event(rows):
                    sent[name].setdefault(item.entity, []).append(item.record)
    finally:
        reader.close()
    counts = dirty.counts
    assert all(counts[kind] > 0 for kind in ("resend", "reorder", "foreign", "T", "colon"))
    assert sum(map(len, sent["clean"].values())) == 900
    extras = counts["resend"] + counts["reorder"] + counts["foreign"]
    assert sum(map(len, sent["dirty"].values())) == 900 + extras
    texts = {json.dumps(r) for rs in sent["dirty"].values() for r in rs}
    assert any(re.search(r'"\d{4}-\d\d-\d\dT\d\d:', t) for t in texts)
    assert any(re.search(r'"\d{4}:\d\d:\d\d \d\d:', t) for t in texts)
    for entity, records in sent["clean"].items():
        assert clean_view(entity, sent["dirty"][entity]) == clean_view(entity, records), entity
        assert len(clean_view(entity, records)) == len({json.dumps(r) for r in records})
    assert not clean.counts


def test_dirt_settings_parse_and_print():
    from ingestion.config import Settings
    from ingestion.emulator.dirt import Dirt
    from ingestion.errors import BadInput

    default = Dirt.parse(Settings.emulator_dirt)
    assert default.resend == 0.01 and default.forms == {"T": 0.05, "colon": 0.05}
    assert str(default) == Settings.emulator_dirt
    assert Dirt.parse("none").clean and str(Dirt.parse("none")) == "none"
    bad_texts = {
        "resend=2": "between 0 and 1",
        "typo=0.1": "unknown kind",
        "T=0.6,colon=0.6": "more than 1",
        "foreign=x": "a number",
    }
    for bad, message in bad_texts.items():
        with pytest.raises(BadInput, match=message):
            Dirt.parse(bad)


def test_emulator_sends_and_counts_the_dirt(settings, replica_url, fake_gateway):
    from ingestion.emulator.dirt import Dirt

    dirt = Dirt.parse("resend=0.1,reorder=0.1,foreign=0.1")
    summary = make(settings, replica_url, fake_gateway, count=20, dirt=dirt).run()
    extras = sum(summary.dirt.values())
    assert extras > 0 and set(summary.dirt) <= {"resend", "reorder", "foreign"}
    assert summary.records_sent == summary.acknowledged == 60 + extras
    assert len(fake_gateway.requests) == 60 + extras
    assert f"dirt          {', '.join(f'{k} {v}' for k, v in summary.dirt.items())}" in (
        summary.as_text()
    )
