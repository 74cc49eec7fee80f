"""The two wire formats: Kafka REST Proxy v2 (batch) and the API Gateway Kinesis proxy (stream).

Paths and bodies are built and answers parsed here, with no I/O, so the formats are easy to
read and test; the gateway serves the same route templates. An answer is turned into one
:class:`Outcome` per record: acknowledged with its Kafka partition and offset (or Kinesis
shard and sequence number), or failed with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ingestion.source_db.shapes import DATETIME_FORMATS

KAFKA_CONTENT_TYPE = "application/vnd.kafka.json.v2+json"
KAFKA_ACCEPT = "application/vnd.kafka.v2+json, application/json"
JSON_CONTENT_TYPE = "application/json"

TOPIC_ROUTE = "/topics/{topic}"  # Kafka REST Proxy v2 produce
RECORD_ROUTE = "/streams/{name}/record"  # Kinesis PutRecord
RECORDS_ROUTE = "/streams/{name}/records"  # Kinesis PutRecords
METHODS = {"batch": "POST", "stream": "PUT"}
HEADERS = {
    "batch": {"Content-Type": KAFKA_CONTENT_TYPE, "Accept": KAFKA_ACCEPT},
    "stream": {"Content-Type": JSON_CONTENT_TYPE, "Accept": JSON_CONTENT_TYPE},
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one record of a request."""

    acknowledged: bool
    partition: int | None = None
    offset: int | None = None
    shard_id: str | None = None
    sequence_number: str | None = None
    error: str | None = None

    @property
    def where(self) -> str:
        """``partition/offset`` (Kafka) or ``shard/sequence number`` (Kinesis)."""
        if self.offset is not None:
            return f"{self.partition}/{self.offset}"
        return f"{self.shard_id}/{self.sequence_number}"


def to_record(row: Mapping[str, Any], datetime_format: str = "space") -> dict[str, Any]:
    """A source row as the JSON object sent on the wire (datetimes as text, numbers as numbers)."""
    pattern = DATETIME_FORMATS[datetime_format]
    record: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, datetime):
            value = value.strftime(pattern)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = float(value)
        record[name] = value
    return record


def path(layer: str, name: str, one_record: bool = False) -> str:
    """The gateway path records of ``layer`` go to: ``/topics/<topic>`` (batch), or
    ``/streams/<stream>/records`` (stream; ``/record`` when ``one_record``: PutRecord)."""
    if layer == "batch":
        return TOPIC_ROUTE.format(topic=name)
    return (RECORD_ROUTE if one_record else RECORDS_ROUTE).format(name=name)


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# batch: Kafka REST Proxy v2
def kafka_body(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"records": [{"value": record} for record in records]}


def kafka_outcomes(answer: Any, count: int) -> list[Outcome]:
    """``{"offsets": [{"partition", "offset", "error_code", "error"}, ...]}`` -> outcomes."""
    offsets = answer.get("offsets") if isinstance(answer, dict) else None
    if not isinstance(offsets, list) or len(offsets) != count:
        return [Outcome(False, error=f"unexpected REST Proxy answer: {_short(answer)}")] * count
    outcomes = []
    for item in offsets:
        if not isinstance(item, dict) or item.get("error_code") is not None or item.get("error"):
            code = item.get("error_code") if isinstance(item, dict) else None
            message = item.get("error") if isinstance(item, dict) else None
            outcomes.append(Outcome(False, error=f"REST Proxy error {code}: {message}"))
        elif item.get("offset") is None:
            outcomes.append(Outcome(False, error=f"REST Proxy gave no offset: {_short(item)}"))
        else:
            outcomes.append(Outcome(True, partition=item.get("partition"), offset=item["offset"]))
    return outcomes


# stream: API Gateway's Kinesis proxy
def kinesis_record_body(stream: str, record: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {"StreamName": stream, "Data": record, "PartitionKey": key}


def kinesis_records_body(
    stream: str, records: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> dict[str, Any]:
    return {
        "StreamName": stream,
        "Records": [{"Data": r, "PartitionKey": k} for r, k in zip(records, keys, strict=True)],
    }


def kinesis_record_outcome(answer: Any) -> Outcome:
    """PutRecord: ``{"SequenceNumber", "ShardId"}``; anything else is a failure."""
    if isinstance(answer, dict) and answer.get("SequenceNumber") and answer.get("ShardId"):
        return Outcome(
            True, shard_id=answer["ShardId"], sequence_number=str(answer["SequenceNumber"])
        )
    return Outcome(False, error=f"unexpected PutRecord answer: {_short(answer)}")


def kinesis_records_outcomes(answer: Any, count: int) -> list[Outcome]:
    """PutRecords: ``{"FailedRecordCount", "Records": [{SequenceNumber, ShardId} | {ErrorCode,
    ErrorMessage}]}`` in request order."""
    records = answer.get("Records") if isinstance(answer, dict) else None
    if not isinstance(records, list) or len(records) != count:
        return [Outcome(False, error=f"unexpected PutRecords answer: {_short(answer)}")] * count
    outcomes = []
    for item in records:
        if isinstance(item, dict) and item.get("ErrorCode"):
            outcomes.append(
                Outcome(False, error=f"Kinesis {item['ErrorCode']}: {item.get('ErrorMessage')}")
            )
        else:
            outcomes.append(kinesis_record_outcome(item))
    return outcomes


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."
