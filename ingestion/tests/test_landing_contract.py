"""The bronze schema's errors, and the Kinesis reader's paging and backoff.

The throttling client is a stand-in: kinesis-local cannot be made to answer
ProvisionedThroughputExceededException, everything else runs against the real server in
``test_landing.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.cli import build_parser
from ingestion.landing.kinesis_reader import (
    KinesisShardReader,
    ThrottledError,
    iterator_args,
)
from ingestion.landing.schemas import bronze_ddl


def test_unknown_layer_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown bronze layer 'silver'"):
        bronze_ddl("silver")


def test_positions_map_to_shard_iterators() -> None:
    assert iterator_args("TRIM_HORIZON") == {"ShardIteratorType": "TRIM_HORIZON"}
    assert iterator_args("4960") == {
        "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
        "StartingSequenceNumber": "4960",
    }
    at = iterator_args("AT_TIMESTAMP:1700000000000")
    assert at["Timestamp"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a Kinesis shard position"):
        iterator_args("LATEST")


class Throttled(Exception):
    def __init__(self) -> None:
        super().__init__("Rate exceeded for shard")
        self.response = {"Error": {"Code": "ProvisionedThroughputExceededException"}}


class ThrottlingClient:
    """Answers GetRecords with throttling ``throttles`` times, then with two pages."""

    def __init__(self, throttles: int) -> None:
        self.throttles = throttles
        self.calls: list[dict] = []
        arrived = datetime(2026, 1, 1, tzinfo=UTC)
        self.pages = {
            "it-0": ([("1", b'{"a":1}'), ("2", b"not json")], "it-1", 5),
            "it-1": ([("3", b'{"a":3}')], "it-2", 0),
        }
        self.arrived = arrived

    def get_shard_iterator(self, **kwargs):
        return {"ShardIterator": "it-0"}

    def get_records(self, ShardIterator: str, Limit: int):
        self.calls.append({"iterator": ShardIterator, "limit": Limit})
        if self.throttles:
            self.throttles -= 1
            raise Throttled()
        records, following, behind = self.pages[ShardIterator]
        return {
            "Records": [
                {"SequenceNumber": s, "Data": d, "PartitionKey": "k",
                 "ApproximateArrivalTimestamp": self.arrived}
                for s, d in records[:Limit]
            ],
            "NextShardIterator": following,
            "MillisBehindLatest": behind,
        }  # fmt: skip


def test_reader_backs_off_on_throttling_then_pages_until_caught_up() -> None:
    sleeps: list[float] = []
    client = ThrottlingClient(throttles=3)
    reader = KinesisShardReader(client, "s", sleep=sleeps.append)
    result = reader.read_shard("shard-0", "TRIM_HORIZON", 100)
    assert [r[3] for r in result.rows] == ["1", "2", "3"]
    assert result.rows[1][0] == "not json"  # malformed data kept as text
    assert result.last_sequence == "3" and result.complete
    assert sleeps[:3] == [0.25, 0.5, 1.0]  # exponential backoff, then the 0.2 s page gap
    assert sleeps[3:] == [0.2]


def test_reader_gives_up_a_shard_for_this_batch_when_always_throttled() -> None:
    sleeps: list[float] = []
    reader = KinesisShardReader(ThrottlingClient(throttles=100), "s", max_retries=3,
                                sleep=sleeps.append)  # fmt: skip
    result = reader.read_shard("shard-0", "TRIM_HORIZON", 100)
    assert result.rows == [] and result.last_sequence is None and not result.complete
    assert len(sleeps) == 3


def test_reader_respects_the_record_bound() -> None:
    reader = KinesisShardReader(ThrottlingClient(throttles=0), "s", sleep=lambda _: None)
    result = reader.read_shard("shard-0", "TRIM_HORIZON", 2)
    assert [r[3] for r in result.rows] == ["1", "2"]
    assert reader._iterators["shard-0"] == ("2", "it-1")  # the next batch goes on from here


def test_throttled_error_raised_by_listing_after_retries() -> None:
    class Listing:
        def list_shards(self, **kwargs):
            raise Throttled()

    reader = KinesisShardReader(Listing(), "s", max_retries=1, sleep=lambda _: None)
    with pytest.raises(ThrottledError):
        reader.shards()


def test_land_help_names_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["land", "--help"])
    out = capsys.readouterr().out
    for option in ("--once", "--continuous", "--trigger-ms", "--entity", "kafka", "kinesis"):
        assert option in out
