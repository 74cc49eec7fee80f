"""Kafka REST Proxy v2 produce bodies: content types, parsing, validation, the answer.

Pure functions, no I/O. Errors follow the REST Proxy (reference: confluentinc/kafka-rest and
rest-utils): unparseable JSON or wrong JSON types 400/400, missing or empty ``records``
422/422, a record over the size limit 413/413, an unsupported content type 415/415.

A body is read the fast way first: msgspec checks and minifies it and hands each key and value
over as its JSON text, so a value is never parsed into Python objects and written again. A body
that way does not take (any error, an unpaired surrogate escape, a number beyond 64 bits where
a partition goes) is read again by ``parse_records_general`` with the standard library, which
decides what is accepted and gives every error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

import msgspec

from ingestion.gateway.errors import RestProxyError
from ingestion.gateway.jsontext import MSGSPEC_REFUSALS, dumps, loads, minified, value_text
from ingestion.gateway.kafka_sink import Delivery, Record

JSON_V2 = "application/vnd.kafka.json.v2+json"
BINARY_V2 = "application/vnd.kafka.binary.v2+json"
PLAIN_JSON = "application/json"
EMBEDDED_FORMATS = {JSON_V2: "json", BINARY_V2: "binary", PLAIN_JSON: "json"}
RECORD_FIELDS = ("key", "value", "partition")


def embedded_format(content_type: str | None) -> str:
    """``json`` or ``binary`` from the Content-Type header; 415 for anything else."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in EMBEDDED_FORMATS:
        return EMBEDDED_FORMATS[media]
    raise RestProxyError(
        415,
        415,
        f"HTTP 415 Unsupported Media Type: {media or 'no Content-Type'}; "
        f"use {JSON_V2}, {BINARY_V2} or {PLAIN_JSON}",
    )


def parse_json(body: bytes) -> Any:
    """Strict JSON (no NaN/Infinity); 400/400 when it does not parse."""
    try:
        return loads(body)
    except ValueError as exc:
        raise RestProxyError(400, 400, f"Unexpected character or malformed JSON: {exc}") from exc


class _Record(msgspec.Struct):
    key: msgspec.Raw = msgspec.Raw()  # empty when absent
    value: msgspec.Raw = msgspec.Raw()
    partition: int | None = None


class _Body(msgspec.Struct):
    records: list[_Record] | None = None


_decode_body = msgspec.json.Decoder(_Body).decode


def parse_records(
    body: bytes, fmt: str, *, max_record_bytes: int, partitions: int | None = None
) -> list[Record]:
    """The records of a produce request, each as (key bytes, value bytes, partition)."""
    try:
        records = _decode_body(minified(body)).records
    except MSGSPEC_REFUSALS:
        return parse_records_general(
            body, fmt, max_record_bytes=max_record_bytes, partitions=partitions
        )
    if not records:
        raise RestProxyError(422, 422, "records may not be empty")
    parsed = []
    for index, record in enumerate(records):
        key = _embedded_text(bytes(record.key), fmt, index, "key")
        value = _embedded_text(bytes(record.value), fmt, index, "value")
        parsed.append(_record(key, value, record.partition, index, max_record_bytes, partitions))
    return parsed


def _embedded_text(text: bytes, fmt: str, index: int, name: str) -> bytes | None:
    """``_embedded`` for a key or value given as its minified JSON text (empty: absent)."""
    if not text or text == b"null":
        return None
    if fmt == "json":
        return value_text(text)
    if text[:1] != b'"' or b"\\" in text or not text.isascii():
        return _embedded(loads(text), fmt, index, name)
    return _base64(text[1:-1], index, name)


def parse_records_general(
    body: bytes, fmt: str, *, max_record_bytes: int, partitions: int | None = None
) -> list[Record]:
    """``parse_records`` with the standard library's parser: every body, every error."""
    document = parse_json(body)
    if not isinstance(document, dict):
        raise RestProxyError(400, 400, "the request body must be a JSON object with 'records'")
    records = document.get("records")
    if records is None or records == []:
        raise RestProxyError(422, 422, "records may not be empty")
    if not isinstance(records, list):
        raise RestProxyError(400, 400, "records must be an array")
    parsed = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise RestProxyError(400, 400, f"records[{index}] must be a JSON object")
        key = _embedded(record.get("key"), fmt, index, "key")
        value = _embedded(record.get("value"), fmt, index, "value")
        partition = record.get("partition")
        parsed.append(_record(key, value, partition, index, max_record_bytes, partitions))
    return parsed


def _record(
    key: bytes | None,
    value: bytes | None,
    partition: Any,
    index: int,
    max_record_bytes: int,
    partitions: int | None,
) -> Record:
    size = len(key or b"") + len(value or b"")
    if size > max_record_bytes:
        raise RestProxyError(
            413, 413, f"records[{index}] is {size} bytes; the limit is {max_record_bytes}"
        )
    return key, value, _partition(partition, index, partitions)


def _embedded(data: Any, fmt: str, index: int, name: str) -> bytes | None:
    if data is None:
        return None
    if fmt == "json":
        return dumps(data)
    if not isinstance(data, str):
        raise RestProxyError(400, 400, f"records[{index}].{name} must be a base64 string")
    return _base64(data, index, name)


def _base64(data: str | bytes, index: int, name: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RestProxyError(
            422, 42203, f"records[{index}].{name} is not valid base64: {exc}"
        ) from exc


def _partition(value: Any, index: int, partitions: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RestProxyError(400, 400, f"records[{index}].partition must be an integer")
    if value < 0 or (partitions is not None and value >= partitions):
        raise RestProxyError(404, 40402, "Partition not found.")
    return value


def produce_answer(deliveries: Sequence[Delivery]) -> tuple[int, dict[str, Any]]:
    """HTTP status and the v2 body: offsets in request order, schema ids null.

    All acknowledged: 200. Some failed: 200 with per-record error codes (as the REST Proxy).
    None acknowledged: a request-level 5xx (504 when Kafka may have written some, as after a
    delivery timeout; 503 when the error is retriable; 500 otherwise), so a client never takes
    a failure for an acknowledgement. 40101 / 40301 on any record make it 401 / 403.
    """
    offsets = [
        {"partition": d.partition, "offset": d.offset, "error_code": d.error_code, "error": d.error}
        for d in deliveries
    ]
    body = {"offsets": offsets, "key_schema_id": None, "value_schema_id": None}
    codes = {d.error_code for d in deliveries}
    if 40101 in codes:
        return 401, body
    if 40301 in codes:
        return 403, body
    if None in codes:
        return 200, body
    first = deliveries[0]
    if any(d.in_doubt for d in deliveries):
        status, code = 504, 50003
        message = (
            f"Kafka did not acknowledge the records in time; some may have been written "
            f"({first.error})"
        )
    elif codes == {50003}:
        status, code, message = 503, 50302, f"Kafka is not available ({first.error})"
    else:
        status, code, message = 500, 50002, f"Kafka error ({first.error})"
    return status, {"error_code": code, "message": message, **body}
