"""OpenAPI descriptions of the routes and of the bodies the handlers read themselves.

Handlers parse raw bodies (the REST Proxy's and Kinesis' own error codes, and speed), so the
request and response schemas are declared here for ``/docs`` and schema-driven tests. Each
route takes its decorator's keyword arguments from one of the operations at the end.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ingestion.gateway.rest_proxy_format import BINARY_V2, JSON_V2, PLAIN_JSON

KAFKA_V2 = "application/vnd.kafka.v2+json"
JSON = "application/json"
TOPIC_PATTERN = r"^[a-zA-Z0-9._\-]{1,249}$"
STREAM_NAME_PATTERN = r"^[a-zA-Z0-9_.\-]{1,128}$"


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON object that has every one of ``properties``."""
    return {"type": "object", "required": list(properties), "properties": properties}


_JSON_RECORD = {
    "type": "object",
    "properties": {
        "key": {"description": "any JSON value, written as its JSON text"},
        "value": {"description": "any JSON value, written as its JSON text"},
        "partition": {"type": ["integer", "null"], "minimum": 0},
    },
}
_BINARY_RECORD = {
    "type": "object",
    "properties": {
        "key": {"type": ["string", "null"], "format": "byte"},
        "value": {"type": ["string", "null"], "format": "byte"},
        "partition": {"type": ["integer", "null"], "minimum": 0},
    },
}


def _produce_request(record: dict[str, Any]) -> dict[str, Any]:
    return _object({"records": {"type": "array", "minItems": 1, "items": record}})


PRODUCE_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_V2: {
                "schema": _produce_request(_JSON_RECORD),
                "example": {"records": [{"value": {"index": 7528, "category": "diy"}}]},
            },
            BINARY_V2: {"schema": _produce_request(_BINARY_RECORD)},
            PLAIN_JSON: {"schema": _produce_request(_JSON_RECORD)},
        },
    }
}

_ERROR = _object({"error_code": {"type": "integer"}, "message": {"type": "string"}})
_OFFSET = _object(
    {
        "partition": {"type": ["integer", "null"]},
        "offset": {"type": ["integer", "null"]},
        "error_code": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
    }
)
_PRODUCE_ANSWER = _object(
    {
        "offsets": {"type": "array", "items": _OFFSET},
        "key_schema_id": {"type": "null"},
        "value_schema_id": {"type": "null"},
    }
)


def _kafka(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {KAFKA_V2: {"schema": schema}}}


def _kafka_error(description: str) -> dict[str, Any]:
    return _kafka(description, _ERROR)


_COMMON_KAFKA_ERRORS = {
    403: _kafka_error("missing or wrong x-api-key (when the gateway has a key)"),
    404: _kafka_error("40401 topic not found; 40402 partition not found"),
    422: _kafka_error("not a topic name or partition number"),
    429: _kafka_error("42901 the gateway is busy (in-flight limit): retry later"),
    503: _kafka_error("50302 Kafka not reachable"),
}
PRODUCE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _kafka("offsets in request order; failed records carry 50002/50003", _PRODUCE_ANSWER),
    400: _kafka_error("unparseable JSON or wrong JSON types"),
    401: _kafka("a record failed authentication with Kafka (40101)", _PRODUCE_ANSWER),
    **_COMMON_KAFKA_ERRORS,
    413: _kafka_error("request body or a record over the size limit"),
    415: _kafka_error("unsupported Content-Type"),
    422: _kafka_error("missing or empty records; 42203 bad base64; a bad topic or partition"),
    429: _kafka_error("42901 producer queue full or the gateway busy: retry later"),
    500: _kafka("no record acknowledged, non-retriable Kafka error (50002)", _PRODUCE_ANSWER),
    504: _kafka("no record acknowledged within the delivery timeout (50003)", _PRODUCE_ANSWER),
}
TOPIC_LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _kafka("topic names", {"type": "array", "items": {"type": "string"}}),
    403: _COMMON_KAFKA_ERRORS[403],
    503: _COMMON_KAFKA_ERRORS[503],
}
TOPIC_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _kafka(
        "the topic",
        _object(
            {
                "name": {"type": "string"},
                "configs": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
                "partitions": {"type": "array", "items": {"type": "object"}},
            }
        ),
    ),
    **_COMMON_KAFKA_ERRORS,
}

# Kinesis (API Gateway proxy)
_KINESIS_ERROR = _object({"__type": {"type": "string"}, "message": {"type": "string"}})


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _kinesis_error(description: str) -> dict[str, Any]:
    return _json(description, _KINESIS_ERROR)


def _json_body(schema: dict[str, Any], *, required: bool = True, **extra: Any) -> dict[str, Any]:
    """A JSON request body, as a route's ``openapi_extra``; ``extra``: e.g. an example."""
    return {"requestBody": {"required": required, "content": {JSON: {"schema": schema, **extra}}}}


_DATA = {"description": "a JSON object/array/number (sent as its JSON text) or a string (as is)"}
_PARTITION_KEY = {"type": ["string", "number"], "description": "1 to 256 characters"}
PUT_RECORD_REQUEST = _json_body(
    {
        "type": "object",
        "required": ["Data", "PartitionKey"],
        "properties": {
            "StreamName": {"type": "string"},
            "Data": _DATA,
            "PartitionKey": _PARTITION_KEY,
        },
    },
    example={
        "StreamName": "pinterest-pin",
        "Data": {"index": 7528, "category": "diy"},
        "PartitionKey": "7528",
    },
)
_ENTRY = {
    "type": "object",
    "properties": {
        "Data": _DATA,
        "PartitionKey": _PARTITION_KEY,
        "data": _DATA,
        "partition-key": _PARTITION_KEY,
    },
}
_ENTRIES = {"type": "array", "minItems": 1, "maxItems": 500, "items": _ENTRY}
PUT_RECORDS_REQUEST = _json_body(
    {
        "type": "object",
        "description": "entries under Records (or records, the AWS tutorial's form)",
        "properties": {"StreamName": {"type": "string"}, "Records": _ENTRIES, "records": _ENTRIES},
    }
)
CREATE_STREAM_REQUEST = _json_body(
    {"type": "object", "properties": {"ShardCount": {"type": "integer", "minimum": 1}}},
    required=False,
)
_COMMON_KINESIS_ERRORS = {
    400: _kinesis_error("ValidationException: a malformed body or name"),
    403: _kinesis_error("missing or wrong x-api-key (when the gateway has a key)"),
    404: _kinesis_error("ResourceNotFoundException: no such stream"),
    429: _kinesis_error("ThrottlingException: the gateway is busy (in-flight limit), retry later"),
    503: _kinesis_error("Kinesis not reachable"),
}
PUT_RECORD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json(
        "acknowledged",
        _object({"SequenceNumber": {"type": "string"}, "ShardId": {"type": "string"}}),
    ),
    **_COMMON_KINESIS_ERRORS,
    413: _kinesis_error("body or record over the size limit"),
    429: _kinesis_error(
        "ProvisionedThroughputExceededException, or ThrottlingException (the gateway is busy): "
        "retry later"
    ),
    504: _kinesis_error("no answer from Kinesis in time: the record may have been written"),
}
PUT_RECORDS_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PUT_RECORD_RESPONSES,
    200: _json(
        "per-record results in request order",
        _object(
            {
                "FailedRecordCount": {"type": "integer"},
                "Records": {"type": "array", "items": {"type": "object"}},
            }
        ),
    ),
}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json("the Kinesis answer", {"type": "object"}),
    **_COMMON_KINESIS_ERRORS,
    409: _kinesis_error("ResourceInUseException: the stream exists or is busy"),
    429: _kinesis_error("LimitExceededException, or ThrottlingException (the gateway is busy)"),
}

# operations
HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: _json("the Kafka producer and Kinesis client exist", {"type": "object"}),
    503: _json("starting or stopping", {"type": "object"}),
}
METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Prometheus text format 0.0.4",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


def _operation(
    summary: str,
    responses: dict[int | str, Any],
    request: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A route decorator's keyword arguments: its docs, and raw ``Response`` answers (the
    handlers build their bodies themselves)."""
    return dict(
        summary=summary,
        responses=responses,
        openapi_extra=request,
        response_class=Response,
        **extra,
    )


PRODUCE_TO_TOPIC = _operation("Produce records to a topic", PRODUCE_RESPONSES, PRODUCE_REQUEST)
PRODUCE_TO_PARTITION = _operation(
    "Produce records to one partition of a topic", PRODUCE_RESPONSES, PRODUCE_REQUEST
)
LIST_TOPICS = _operation("List topic names", TOPIC_LIST_RESPONSES)
DESCRIBE_TOPIC = _operation(
    "Describe a topic: partitions (leader, replicas) and configs", TOPIC_RESPONSES
)

LIST_STREAMS = _operation("List streams (ListStreams)", STREAM_RESPONSES)
DESCRIBE_STREAM = _operation("Describe a stream (DescribeStream)", STREAM_RESPONSES)
CREATE_STREAM = _operation(
    'Create a stream (CreateStream); body {"ShardCount": n} is optional',
    STREAM_RESPONSES,
    CREATE_STREAM_REQUEST,
)
DELETE_STREAM = _operation("Delete a stream (DeleteStream)", STREAM_RESPONSES)
PUT_RECORD = _operation("Put one record (PutRecord)", PUT_RECORD_RESPONSES, PUT_RECORD_REQUEST)
PUT_RECORDS = _operation(
    "Put up to 500 records (PutRecords); per-record ErrorCode on failures",
    PUT_RECORDS_RESPONSES,
    PUT_RECORDS_REQUEST,
)

HEALTH = _operation("200 once the clients are created", HEALTH_RESPONSES, tags=["operations"])
METRICS = _operation(
    "Prometheus text format, added up over the worker processes",
    METRICS_RESPONSES,
    tags=["operations"],
)
