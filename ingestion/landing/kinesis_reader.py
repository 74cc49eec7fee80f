"""Reading Kinesis shards between positions: the logic under the Spark Kinesis source.

A *position* is where a shard is read from next, always a string so offsets stay JSON:

- ``TRIM_HORIZON``: the oldest record the shard keeps;
- ``AT_TIMESTAMP:<epoch ms>``: the first record that arrived at or after that time (how a
  ``LATEST`` start is pinned down, so a replay reads exactly the same records);
- ``<digits>``: after that sequence number (the last record already landed).

``KinesisShardReader`` takes an injected boto3-style client, so tests can point it at
kinesis-local or, for throttling, at a client that raises.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TRIM_HORIZON = "TRIM_HORIZON"
AT_TIMESTAMP = "AT_TIMESTAMP:"
THROTTLED = {"ProvisionedThroughputExceededException", "LimitExceededException"}
MAX_GET_RECORDS = 10_000  # the GetRecords API limit per call
MAX_CONNECTIONS = 16  # kept open per client: one per shard read at once (kinesis_source)

Row = tuple[str, str, str, str, str, datetime]


def is_sequence(position: str) -> bool:
    return position.isdigit()


def iterator_args(position: str) -> dict[str, Any]:
    """GetShardIterator arguments for a position."""
    if position == TRIM_HORIZON:
        return {"ShardIteratorType": "TRIM_HORIZON"}
    if position.startswith(AT_TIMESTAMP):
        millis = int(position[len(AT_TIMESTAMP) :])
        return {
            "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": datetime.fromtimestamp(millis / 1000, UTC),
        }
    if is_sequence(position):
        return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": position}
    raise ValueError(f"not a Kinesis shard position: {position!r}")


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


@dataclass
class ReadResult:
    rows: list[Row]
    last_sequence: str | None
    complete: bool  # False when the read stopped on throttling before catching up


@dataclass
class KinesisShardReader:
    """Reads records of one stream's shards, with paging, bounds and throttling backoff."""

    client: Any
    stream: str
    poll_interval: float = 0.2  # 5 GetRecords calls per second per shard
    max_retries: int = 8
    backoff_base: float = 0.25
    backoff_max: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    _iterators: dict[str, tuple[str, str]] = field(default_factory=dict)
    _closed: set[str] = field(default_factory=set)

    def shards(self) -> list[dict[str, Any]]:
        """Every shard of the stream (open and closed), paging ListShards."""
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"StreamName": self.stream}
        while True:
            page = self._call(self.client.list_shards, **kwargs)
            shards.extend(page.get("Shards", []))
            token = page.get("NextToken")
            if not token:
                return shards
            kwargs = {"NextToken": token}

    def read_shard(
        self,
        shard_id: str,
        position: str,
        limit: int,
        *,
        until_sequence: str | None = None,
        arrived_before: datetime | None = None,
    ) -> ReadResult:
        """Up to ``limit`` records after ``position``, stopping once caught up.

        ``until_sequence`` stops after that sequence number (a replay of a known batch);
        ``arrived_before`` leaves records that arrived later for the next run (availableNow).
        """
        rows: list[Row] = []
        last: str | None = None
        if limit <= 0 or (until_sequence is None and shard_id in self._closed):
            return ReadResult(rows, last, True)
        after = int(position) if is_sequence(position) else None
        iterator = self._iterator(shard_id, position)
        calls = 0
        while iterator and len(rows) < limit:
            if calls:
                self.sleep(self.poll_interval)
            calls += 1
            try:
                response = self._call(
                    self.client.get_records,
                    ShardIterator=iterator,
                    Limit=min(MAX_GET_RECORDS, limit - len(rows)),
                )
            except ThrottledError:
                self._iterators.pop(shard_id, None)
                return ReadResult(rows, last, False)
            except Exception as exc:
                if error_code(exc) != "ExpiredIteratorException":
                    raise
                iterator = self._fresh_iterator(shard_id, last or position)
                continue
            stopped = False
            for record in response.get("Records", []):
                sequence = record["SequenceNumber"]
                arrived = record["ApproximateArrivalTimestamp"]
                if after is not None and int(sequence) <= after:
                    continue  # already landed (an AT_SEQUENCE_NUMBER restart)
                if until_sequence is not None and int(sequence) > int(until_sequence):
                    stopped = True
                    break
                if arrived_before is not None and arrived >= arrived_before:
                    stopped = True
                    break
                rows.append(_row(self.stream, shard_id, record))
                last = sequence
            next_iterator = response.get("NextShardIterator")
            if stopped:
                self._iterators.pop(shard_id, None)
                return ReadResult(rows, last, True)
            iterator = next_iterator
            if iterator is None:
                self._closed.add(shard_id)  # a closed (resharded) parent, read to its end
            if until_sequence is not None and last is not None and last == until_sequence:
                break
            if not response.get("Records") and not response.get("MillisBehindLatest"):
                break
            if response.get("MillisBehindLatest") == 0:
                break
        if iterator is not None:
            self._iterators[shard_id] = (last or position, iterator)
        return ReadResult(rows, last, True)

    def _iterator(self, shard_id: str, position: str) -> str | None:
        cached = self._iterators.get(shard_id)
        if cached and cached[0] == position:
            return cached[1]
        return self._fresh_iterator(shard_id, position)

    def _fresh_iterator(self, shard_id: str, position: str) -> str | None:
        args = iterator_args(position)
        try:
            response = self._call(
                self.client.get_shard_iterator, StreamName=self.stream, ShardId=shard_id, **args
            )
        except Exception as exc:
            # kinesis-mock cannot start AFTER the last record of a closed shard; AT that record
            # works, and read_shard skips records at or before the position anyway
            if error_code(exc) != "ResourceNotFoundException" or not is_sequence(position):
                raise
            args["ShardIteratorType"] = "AT_SEQUENCE_NUMBER"
            response = self._call(
                self.client.get_shard_iterator, StreamName=self.stream, ShardId=shard_id, **args
            )
        return response.get("ShardIterator")

    def _call(self, method: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        """Call the API, backing off exponentially while Kinesis says it is throttled."""
        for attempt in range(self.max_retries + 1):
            try:
                return method(**kwargs)
            except Exception as exc:
                if error_code(exc) not in THROTTLED:
                    raise
                if attempt == self.max_retries:
                    raise ThrottledError(str(exc)) from exc
                self.sleep(min(self.backoff_max, self.backoff_base * 2**attempt))
        raise AssertionError("unreachable")


class ThrottledError(RuntimeError):
    """Kinesis kept answering ProvisionedThroughputExceeded after every retry."""


def _row(stream: str, shard_id: str, record: dict[str, Any]) -> Row:
    data = record["Data"]
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)
    return (
        text,
        stream,
        shard_id,
        record["SequenceNumber"],
        record.get("PartitionKey", ""),
        record["ApproximateArrivalTimestamp"],
    )


def kinesis_client(endpoint: str, region: str, *, local: bool) -> Any:
    """A boto3 Kinesis client: dummy credentials for a local server, the default chain else."""
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {
        "region_name": region,
        "config": Config(
            retries={"max_attempts": 2, "mode": "standard"},
            read_timeout=30,
            max_pool_connections=MAX_CONNECTIONS,
        ),
    }
    if endpoint:
        kwargs["endpoint_url"] = endpoint
    if local:
        kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
    return boto3.client("kinesis", **kwargs)
