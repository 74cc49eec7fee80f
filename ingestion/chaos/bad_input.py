"""Hand-made bad requests and records, each with the fate it must meet.

A case is either *rejected* by the gateway with a given 4xx and error code (REST Proxy
``error_code`` or Kinesis ``__type``, as docs/gateway.md lists them), or *accepted*, landed,
and then quarantined by dbt with a given ``reject_reason``. Anything else is a problem: a
5xx, another status or code, a rejection where quarantine was due or the reverse, no answer.
The quarantine half is checked by the accounting after landing and dbt.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import requests

from ingestion.config import Settings
from ingestion.emulator import wire

KAFKA_JSON = wire.KAFKA_CONTENT_TYPE
KAFKA_BINARY = "application/vnd.kafka.binary.v2+json"
JSON = wire.JSON_CONTENT_TYPE
TIMEOUT = 60.0
UNAVAILABLE_RETRIES = 3  # 503 / 504 means the service behind the gateway was busy or down
UNAVAILABLE_PAUSE = 2.0
DEEP = 100_000  # nesting levels: beyond any recursive parser's stack
SHALLOW_DEEP = 400  # nesting a parser takes: the record lands
INVALID = (400, "ValidationException")  # Kinesis proxy: a field missing or of a wrong type

_DROP = object()  # pin(index=_DROP): a record without that field

# a valid record of each entity; a case sets or drops some of its fields
RECORDS: dict[str, dict[str, Any]] = {
    "pin": {
        "index": 900_001,
        "unique_id": "c4a5a4a4-0000-4000-8000-000000000001",
        "title": "A bad record",
        "description": "Sent by the chaos run",
        "poster_name": "Chaos",
        "follower_count": "26k",
        "tag_list": "a,b",
        "is_image_or_video": "image",
        "image_src": "https://i.pinimg.com/bad.jpg",
        "downloaded": 1,
        "save_location": "Local save in /data/art",
        "category": "art",
    },
    "geo": {
        "ind": 900_001,
        "timestamp": "2020-01-01 00:00:00",
        "latitude": -45.5,
        "longitude": 120.25,
        "country": "Chad",
    },
    "user": {
        "ind": 900_001,
        "first_name": "Bad",
        "last_name": "Record",
        "age": 33,
        "date_joined": "2016-01-01 00:00:00",
    },
}


def record(entity: str, **fields: Any) -> dict[str, Any]:
    """The valid ``entity`` record with ``fields`` set, and without those set to ``_DROP``."""
    return {k: v for k, v in {**RECORDS[entity], **fields}.items() if v is not _DROP}


pin = partial(record, "pin")
geo = partial(record, "geo")
user = partial(record, "user")


@dataclass(frozen=True)
class BadInput:
    name: str
    layer: str  # batch: POST /topics/..., stream: PUT /streams/...
    entity: str
    body: bytes
    content_type: str | None = None
    status: int | None = None  # rejected: the 4xx
    code: int | str | None = None  # rejected: error_code / __type
    reason: str | None = None  # accepted: the quarantine reject_reason
    route: str = ""  # "", "/records" or a missing topic/stream name

    @property
    def accepted(self) -> bool:
        return self.reason is not None


@dataclass
class BadInputResult:
    case: BadInput
    status: int | None = None
    code: int | str | None = None
    transport_id: str | None = None
    problem: str | None = None
    unavailable: int = 0  # 503 / 504 answers before this one, each followed by a retry

    def as_dict(self) -> dict[str, Any]:
        expected = (
            f"quarantined: {self.case.reason}"
            if self.case.accepted
            else f"{self.case.status} {self.case.code}"
        )
        return {
            "case": self.case.name,
            "path": self.case.layer,
            "expected": expected,
            "status": self.status,
            "code": self.code,
            **({"record_id": self.transport_id} if self.transport_id else {}),
            **({"problem": self.problem} if self.problem else {}),
            **({"retried_after_unavailable": self.unavailable} if self.unavailable else {}),
        }


def _text(value: Any) -> bytes:
    return json.dumps(value).encode()


def _kafka(*values: Any, **extra: Any) -> bytes:
    return _text({"records": [{"value": v, **extra} for v in values]})


def _kinesis(data: Any, key: Any = "900001") -> bytes:
    return _text({"Data": data, "PartitionKey": key})


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def cases(settings: Settings) -> list[BadInput]:
    """Every hand-made case; the size limits come from the gateway's settings."""
    too_big_body = settings.gateway_max_body_bytes + 1
    too_big_record = settings.gateway_max_record_bytes + 1
    huge_string_in_limit = settings.gateway_max_record_bytes // 2
    return [
        # ---- rejected by the REST Proxy
        BadInput("wrong content type text/plain", "batch", "pin", _kafka(pin()), "text/plain",
                 415, 415),
        BadInput("no content type", "batch", "pin", _kafka(pin()), None, 415, 415),
        BadInput("avro content type (needs a schema registry)", "batch", "pin", _kafka(pin()),
                 "application/vnd.kafka.avro.v2+json", 415, 415),
        BadInput("body is not JSON", "batch", "pin", b'{"records": [{"value": ', KAFKA_JSON,
                 400, 400),
        BadInput("invalid UTF-8 in the body", "batch", "pin",
                 b'{"records": [{"value": {"title": "\xff\xfe"}}]}', KAFKA_JSON, 400, 400),
        BadInput("NaN is not JSON", "batch", "pin", b'{"records": [{"value": NaN}]}',
                 KAFKA_JSON, 400, 400),
        BadInput("records missing", "batch", "pin", b"{}", KAFKA_JSON, 422, 422),
        BadInput("records empty", "batch", "pin", b'{"records": []}', KAFKA_JSON, 422, 422),
        BadInput("records is an object", "batch", "pin", b'{"records": {"value": 1}}',
                 KAFKA_JSON, 400, 400),
        BadInput("a record is a number", "batch", "pin", b'{"records": [1]}', KAFKA_JSON,
                 400, 400),
        BadInput("partition is a string", "batch", "pin", _kafka(pin(), partition="zero"),
                 KAFKA_JSON, 400, 400),
        BadInput("partition out of range", "batch", "pin", _kafka(pin(), partition=99),
                 KAFKA_JSON, 404, 40402),
        BadInput(f"nested {DEEP:,} levels deep", "batch", "pin",
                 b'{"records": [{"value": ' + _nested(DEEP).encode() + b"}]}", KAFKA_JSON,
                 400, 400),
        BadInput("binary value that is not base64", "batch", "pin",
                 _kafka("not base64!"), KAFKA_BINARY, 422, 42203),
        BadInput("record over the record limit (huge string)", "batch", "pin",
                 _kafka(pin(title="x" * too_big_record)), KAFKA_JSON, 413, 413),
        BadInput("body over the body limit", "batch", "pin",
                 _kafka(*[pin(title="x" * 1024)] * (too_big_body // 1024 + 1)), KAFKA_JSON,
                 413, 413),
        BadInput("topic does not exist", "batch", "pin", _kafka(pin()), KAFKA_JSON, 404, 40401,
                 route="no-such-topic"),
        # ---- rejected by the Kinesis proxy
        BadInput("body is not JSON", "stream", "pin", b'{"Data": ', JSON, 400,
                 "SerializationException"),
        BadInput("form-encoded body", "stream", "pin", b"Data=x&PartitionKey=1",
                 "application/x-www-form-urlencoded", 400, "SerializationException"),
        BadInput("invalid UTF-8 in the body", "stream", "pin",
                 b'{"Data": {"title": "\xff\xfe"}, "PartitionKey": "1"}', JSON, 400,
                 "SerializationException"),
        BadInput(f"nested {DEEP:,} levels deep", "stream", "pin",
                 b'{"PartitionKey": "1", "Data": ' + _nested(DEEP).encode() + b"}", JSON, 400,
                 "SerializationException"),
        BadInput("Data missing", "stream", "pin", _text({"PartitionKey": "1"}), JSON,
                 *INVALID),
        BadInput("PartitionKey missing", "stream", "pin", _text({"Data": pin()}), JSON,
                 *INVALID),
        BadInput("PartitionKey is an object", "stream", "pin", _kinesis(pin(), {"k": 1}), JSON,
                 *INVALID),
        BadInput("Data is text with a lone surrogate", "stream", "pin",
                 b'{"Data": "\\ud800", "PartitionKey": "1"}', JSON,
                 *INVALID),
        BadInput("Records is not an array", "stream", "pin", _text({"Records": {"Data": 1}}),
                 JSON, *INVALID, route="/records"),
        BadInput("record over the record limit (huge string)", "stream", "pin",
                 _kinesis("x" * too_big_record), JSON, 413, "RequestEntityTooLarge"),
        BadInput("body over the body limit", "stream", "pin", _kinesis("x" * too_big_body),
                 JSON, 413, "RequestEntityTooLarge"),
        BadInput("stream does not exist", "stream", "pin", _kinesis(pin()), JSON, 404,
                 "ResourceNotFoundException", route="no-such-stream"),
        # ---- accepted, then quarantined by dbt
        BadInput("pin key is text", "batch", "pin", _kafka(pin(index="abc")), KAFKA_JSON,
                 reason="invalid_key"),
        BadInput("pin key missing", "batch", "pin", _kafka(pin(index=_DROP)), KAFKA_JSON,
                 reason="invalid_key"),
        BadInput("pin key is a fraction", "batch", "pin", _kafka(pin(index=1.5)), KAFKA_JSON,
                 reason="invalid_key"),
        BadInput("follower_count with a decimal", "batch", "pin",
                 _kafka(pin(follower_count="1.5k")), KAFKA_JSON, reason="invalid_follower_count"),
        BadInput("follower_count beyond a bigint", "batch", "pin",
                 _kafka(pin(follower_count="99999999999999999999")), KAFKA_JSON,
                 reason="invalid_follower_count"),
        BadInput("category is a number", "batch", "pin", _kafka(pin(category=7)), KAFKA_JSON,
                 reason="unknown_category"),
        BadInput("media type gif", "batch", "pin", _kafka(pin(is_image_or_video="gif")),
                 KAFKA_JSON, reason="unknown_media_type"),
        BadInput("value is a JSON string", "batch", "pin", _kafka("just text"), KAFKA_JSON,
                 reason="malformed_json"),
        BadInput("value is a JSON array", "batch", "pin", _kafka([1, 2, 3]), KAFKA_JSON,
                 reason="malformed_json"),
        BadInput("value missing (null)", "batch", "pin", _text({"records": [{"key": "k"}]}),
                 KAFKA_JSON, reason="malformed_json"),
        BadInput("binary value of invalid UTF-8", "batch", "pin",
                 _text({"records": [{"value": base64.b64encode(b'\xff\xfe{"index": 1').decode()}]}),
                 KAFKA_BINARY, reason="malformed_json"),
        BadInput(f"huge string ({huge_string_in_limit:,} bytes) in a record without a key",
                 "batch", "pin", _kafka(pin(index=_DROP, description="y" * huge_string_in_limit)),
                 KAFKA_JSON, reason="invalid_key"),
        BadInput(f"nested {SHALLOW_DEEP} levels deep in a field, key is text", "batch", "pin",
                 _kafka(pin(index="deep", title=json.loads(_nested(SHALLOW_DEEP)))),
                 KAFKA_JSON, reason="invalid_key"),
        BadInput("latitude is text", "batch", "geo", _kafka(geo(latitude="north")), KAFKA_JSON,
                 reason="invalid_coordinates"),
        BadInput("latitude beyond the pole", "batch", "geo", _kafka(geo(latitude=123.4)),
                 KAFKA_JSON, reason="invalid_coordinates"),
        BadInput("timestamp is a word", "batch", "geo", _kafka(geo(timestamp="yesterday")),
                 KAFKA_JSON, reason="invalid_timestamp"),
        BadInput("age is a word", "batch", "user", _kafka(user(age="thirty")), KAFKA_JSON,
                 reason="invalid_age"),
        BadInput("date_joined month 13", "batch", "user",
                 _kafka(user(date_joined="2020-13-45 00:00:00")), KAFKA_JSON,
                 reason="invalid_timestamp"),
        BadInput("Data is plain text", "stream", "pin", _kinesis("not json at all"), JSON,
                 reason="malformed_json"),
        BadInput("pin key is a fraction", "stream", "pin", _kinesis(pin(index=1.5)), JSON,
                 reason="invalid_key"),
        BadInput("geo key missing", "stream", "geo", _kinesis(geo(ind=_DROP)), JSON,
                 reason="invalid_key"),
        BadInput("user key is a word", "stream", "user", _kinesis(user(ind="seven")), JSON,
                 reason="invalid_key"),
        BadInput("age is a fraction", "stream", "user", _kinesis(user(age=12.5)), JSON,
                 reason="invalid_age"),
    ]  # fmt: skip


def send(settings: Settings, case: BadInput) -> BadInputResult:
    """Send one case and judge the answer (the quarantine half is judged later)."""
    many = case.route == "/records"
    own = settings.topic(case.entity) if case.layer == "batch" else settings.stream(case.entity)
    name = own if many else case.route or own
    url = settings.gateway.rstrip("/") + wire.path(case.layer, name, one_record=not many)
    method = wire.METHODS[case.layer]
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    result = BadInputResult(case)
    while True:
        try:
            answer = requests.request(method, url, data=case.body, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            result.problem = f"no answer: {type(exc).__name__}: {exc}"[:300]
            return result
        if not _retry(case, answer.status_code, result.unavailable):
            break
        result.unavailable += 1
        time.sleep(UNAVAILABLE_PAUSE)
    result.status = answer.status_code
    body = _json(answer)
    if answer.status_code == 200:
        result.transport_id = _transport_id(settings, case, body)
        if not case.accepted:
            result.problem = f"accepted, expected {case.status} {case.code}"
        elif result.transport_id is None:
            result.problem = f"200 without an offset or sequence number: {answer.text[:200]}"
        return result
    result.code = body.get("error_code", body.get("__type")) if isinstance(body, dict) else None
    if answer.status_code >= 500:
        result.problem = f"server error {answer.status_code}: {answer.text[:200]}"
    elif case.accepted:
        result.problem = f"rejected with {answer.status_code} {result.code}, expected to land"
    elif (answer.status_code, result.code) != (case.status, case.code):
        result.problem = f"got {answer.status_code} {result.code}: {answer.text[:200]}"
    return result


def _retry(case: BadInput, status: int, retried: int) -> bool:
    """A client retries 503 (not written) and, for what must be refused, 504 (in doubt); a
    record that must land is not sent twice on a 504."""
    if retried >= UNAVAILABLE_RETRIES:
        return False
    return status == 503 or (status == 504 and not case.accepted)


def probe(settings: Settings) -> list[BadInputResult]:
    return [send(settings, case) for case in cases(settings)]


def _json(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _transport_id(settings: Settings, case: BadInput, body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if case.layer == "batch":
        offsets = body.get("offsets") or [{}]
        first = offsets[0]
        if first.get("offset") is None:
            return None
        return f"{settings.topic(case.entity)}/{first['partition']}/{first['offset']}"
    if not body.get("SequenceNumber"):
        return None
    return f"{settings.stream(case.entity)}/{body['ShardId']}/{body['SequenceNumber']}"
