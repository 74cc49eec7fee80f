"""A Structured Streaming source for Kinesis on open-source Spark (Python Data Source API).

Register with ``spark.dataSource.register(KinesisDataSource)`` and read with
``spark.readStream.format("pinpipe_kinesis").option("stream", ...)``. Options:

- ``stream`` (required), ``region``, ``endpoint`` (empty: the AWS endpoint of the region),
  ``local`` (``true``: dummy credentials for a local Kinesis server);
- ``start``: ``TRIM_HORIZON`` (default) or ``LATEST`` for a query without a checkpoint;
- ``max_records``: records per micro-batch across all shards (default 10,000), an equal share
  per shard, the shards read at once;
- ``poll_interval``: seconds between GetRecords pages of one shard (default 0.2).

The offset is ``{shard id: position}`` (see ``kinesis_reader``), the last landed sequence
number per shard. Shards are listed on every batch, so children of a reshard are picked up
(from their trim horizon). The simple reader API fits: Kinesis has no "latest sequence
number" call, so the driver reads a batch to learn where it ends; the batch is then handed to
Spark, and ``readBetweenOffsets`` replays it exactly after a crash (sequence-number bounds).
``Trigger.AvailableNow`` is supported: records that arrived after the run started are left
for the next run, so a drain ends even while producers keep writing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from pyspark.sql.datasource import DataSource, SimpleDataSourceStreamReader
from pyspark.sql.streaming.datasource import SupportsTriggerAvailableNow
from pyspark.sql.types import StructType

from ingestion.landing.kinesis_reader import (
    AT_TIMESTAMP,
    MAX_CONNECTIONS,
    TRIM_HORIZON,
    KinesisShardReader,
    is_sequence,
    kinesis_client,
)
from ingestion.landing.schemas import KINESIS_RECORD_COLUMNS, ddl

SOURCE_NAME = "pinpipe_kinesis"
MAX_PARALLEL_SHARDS = MAX_CONNECTIONS  # shards read at once (threads of the source's worker)
STARTS = ("TRIM_HORIZON", "LATEST")


class KinesisDataSource(DataSource):
    """Kinesis records as rows: data text, stream, shard, sequence, partition key, arrival."""

    @classmethod
    def name(cls) -> str:
        return SOURCE_NAME

    def schema(self) -> str:
        return ddl(KINESIS_RECORD_COLUMNS)

    def simpleStreamReader(self, schema: StructType) -> KinesisStreamReader:
        return KinesisStreamReader(dict(self.options))


class KinesisStreamReader(SimpleDataSourceStreamReader, SupportsTriggerAvailableNow):
    def __init__(self, options: dict[str, str]) -> None:
        if not options.get("stream"):
            raise ValueError("the Kinesis source needs option 'stream' (the stream name)")
        start = options.get("start", "TRIM_HORIZON").upper()
        if start not in STARTS:
            raise ValueError(f"option 'start' must be one of {STARTS}, got {start!r}")
        self.stream = options["stream"]
        self.start = start
        self.max_records = int(options.get("max_records", 10_000))
        if self.max_records <= 0:
            raise ValueError("option 'max_records' must be a positive number")
        self.options = options
        self.arrived_before: datetime | None = None
        self._reader: KinesisShardReader | None = None

    @property
    def reader(self) -> KinesisShardReader:
        if self._reader is None:
            client = kinesis_client(
                self.options.get("endpoint", ""),
                self.options.get("region", "us-east-1"),
                local=self.options.get("local", "false").lower() == "true",
            )
            self._reader = KinesisShardReader(
                client, self.stream, poll_interval=float(self.options.get("poll_interval", 0.2))
            )
        return self._reader

    def initialOffset(self) -> dict:
        first = TRIM_HORIZON
        if self.start == "LATEST":
            first = f"{AT_TIMESTAMP}{int(time.time() * 1000)}"
        return _sorted({s["ShardId"]: first for s in self.reader.shards()})

    def prepareForTriggerAvailableNow(self) -> None:
        self.arrived_before = datetime.now(UTC)

    def read(self, start: dict) -> tuple[Iterator[tuple], dict]:
        positions = dict(start)
        for shard in self.reader.shards():
            # a shard first seen now is a reshard child: read it whole
            positions.setdefault(shard["ShardId"], TRIM_HORIZON)
        # the shards are read at once, each to an equal share of the batch's records: a batch
        # waits for one GetRecords round trip, not one per shard
        if not positions:
            return iter([]), start
        share = max(1, self.max_records // len(positions))
        limits = {}
        for shard_id in sorted(positions):
            limits[shard_id] = min(share, self.max_records - sum(limits.values()))
        reads = {shard_id: limit for shard_id, limit in limits.items() if limit > 0}
        with ThreadPoolExecutor(min(MAX_PARALLEL_SHARDS, len(reads))) as pool:
            results = pool.map(
                lambda shard_id: self.reader.read_shard(
                    shard_id, positions[shard_id], reads[shard_id],
                    arrived_before=self.arrived_before,
                ),
                reads,
            )  # fmt: skip
            rows: list[tuple] = []
            for shard_id, result in zip(reads, results, strict=True):
                rows.extend(result.rows)
                if result.last_sequence is not None:
                    positions[shard_id] = result.last_sequence
        return iter(rows), _sorted(positions)

    def readBetweenOffsets(self, start: dict, end: dict) -> Iterator[tuple]:
        rows: list[tuple] = []
        for shard_id in sorted(end):
            until = end[shard_id]
            begin = start.get(shard_id, TRIM_HORIZON)
            if not is_sequence(until) or until == begin:
                continue
            result = self.reader.read_shard(
                shard_id, begin, 10**9, until_sequence=until
            )  # fmt: skip
            if result.last_sequence != until:
                raise RuntimeError(
                    f"replay of {self.stream}/{shard_id} from {begin} ended at "
                    f"{result.last_sequence}, not {until}: records are missing (trimmed?)"
                )
            rows.extend(result.rows)
        return iter(rows)

    def commit(self, end: dict) -> None:
        """Nothing to do: the checkpoint holds the offsets."""


def _sorted(offsets: dict[str, Any]) -> dict[str, Any]:
    return {key: offsets[key] for key in sorted(offsets)}
