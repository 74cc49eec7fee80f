"""API Gateway Kinesis-proxy bodies: parsing and validation, the answers' JSON. No I/O.

``Data`` that is a JSON object, array, number or boolean is sent as its compact JSON text
(the proxy's ``$util.base64Encode($input.json('$.Data'))``); a string is sent as it is.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ingestion.gateway.errors import KinesisError
from ingestion.gateway.jsontext import dumps, loads
from ingestion.gateway.openapi import STREAM_NAME_PATTERN

STREAM_NAME = re.compile(STREAM_NAME_PATTERN)
MAX_RECORDS = 500  # PutRecords limit
MAX_KEY_CHARS = 256

Entry = dict[str, Any]  # {"Data": bytes, "PartitionKey": str}: boto3 PutRecord(s) arguments


def check_stream_name(name: str) -> None:
    if not STREAM_NAME.fullmatch(name):
        raise _invalid(f"{name!r} is not a stream name: {STREAM_NAME.pattern}")


def parse_object(body: bytes, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}`` when not required."""
    if not body.strip() and not required:
        return {}
    try:
        document = loads(body)
    except ValueError as exc:
        raise KinesisError(400, "SerializationException", f"body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise KinesisError(400, "SerializationException", "body must be a JSON object")
    return document


def put_record_entry(stream: str, body: bytes, max_record_bytes: int) -> Entry:
    """``{"StreamName", "Data", "PartitionKey"}`` -> PutRecord arguments."""
    document = parse_object(body)
    _check_body_stream(document, stream)
    return _entry(document.get("Data"), document.get("PartitionKey"), "", max_record_bytes)


def put_records_entries(stream: str, body: bytes, max_record_bytes: int) -> list[Entry]:
    """``{"Records": [{"Data", "PartitionKey"}]}`` (or the AWS tutorial's
    ``{"records": [{"data", "partition-key"}]}``) -> PutRecords entries."""
    document = parse_object(body)
    _check_body_stream(document, stream)
    records = document.get("Records", document.get("records"))
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_RECORDS:
        raise _invalid(f"Records must be an array of 1 to {MAX_RECORDS} entries")
    entries = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise _invalid(f"Records[{index}] must be a JSON object")
        data = record.get("Data", record.get("data"))
        key = record.get("PartitionKey", record.get("partition-key"))
        entries.append(_entry(data, key, f"Records[{index}].", max_record_bytes))
    return entries


def _check_body_stream(document: dict[str, Any], stream: str) -> None:
    named = document.get("StreamName")
    if named is not None and named != stream:
        raise _invalid(f"StreamName {named!r} in the body differs from {stream!r} in the path")


def _entry(data: Any, key: Any, where: str, max_record_bytes: int) -> Entry:
    if data is None:
        raise _invalid(f"{where}Data is required")
    if isinstance(data, str):
        try:
            blob = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _invalid(f"{where}Data is not valid Unicode text: {exc}") from exc
    else:
        blob = dumps(data)
    partition_key = _partition_key(key, where)
    size = len(blob) + len(partition_key.encode("utf-8"))
    if size > max_record_bytes:
        raise KinesisError(
            413,
            "RequestEntityTooLarge",
            f"{where}Data and PartitionKey are {size} bytes; the limit is {max_record_bytes}",
        )
    return {"Data": blob, "PartitionKey": partition_key}


def _partition_key(key: Any, where: str) -> str:
    if isinstance(key, int | float) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_CHARS:
        raise _invalid(f"{where}PartitionKey must be a string of 1 to {MAX_KEY_CHARS} characters")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _invalid(f"{where}PartitionKey is not valid Unicode text: {exc}") from exc
    return key


def shard_count(body: bytes, default: int) -> int:
    """CreateStream's ``{"ShardCount": n}``; an empty body means ``default``."""
    count = parse_object(body, required=False).get("ShardCount", default)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _invalid("ShardCount must be a whole number of at least 1")
    return count


def answer(response: dict[str, Any]) -> dict[str, Any]:
    """A boto3 answer as the Kinesis JSON protocol has it: no ResponseMetadata, epoch times."""
    return {k: _wire(v) for k, v in response.items() if k != "ResponseMetadata"}


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _invalid(message: str) -> KinesisError:
    return KinesisError(400, "ValidationException", message)
