"""The API Gateway Kinesis proxy of the original pipeline: streams and their records.

``GET /streams``, ``GET|POST|DELETE /streams/{name}``, ``PUT /streams/{name}/record`` and
``PUT /streams/{name}/records``. boto3 calls run on a thread pool; a 200 carries the sequence
numbers Kinesis gave. Errors answer ``{"__type", "message"}`` with an HTTP status that says
what to do: 4xx fix the request, 429 / 503 retry, 504 in doubt (the write may have happened).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)
from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from ingestion.config import Settings
from ingestion.emulator import wire
from ingestion.gateway import kinesis_format as fmt
from ingestion.gateway import openapi
from ingestion.gateway.errors import KinesisError, json_response, read_body
from ingestion.gateway.lean_route import LeanRoute
from ingestion.gateway.metrics import GatewayMetrics

router = APIRouter(tags=["Kinesis (API Gateway proxy)"], route_class=LeanRoute)
StreamName = Path(description="stream name", pattern=openapi.STREAM_NAME_PATTERN)

STATUS_OF_CODE = {
    "ResourceNotFoundException": 404,
    "ResourceInUseException": 409,
    "ProvisionedThroughputExceededException": 429,
    "LimitExceededException": 429,
    "ThrottlingException": 429,
    "AccessDeniedException": 403,
    "UnrecognizedClientException": 403,
    "ExpiredTokenException": 403,
    "KMSAccessDeniedException": 403,
    "ValidationException": 400,
    "InvalidArgumentException": 400,
    "SerializationException": 400,
    "InternalFailure": 502,
    "ServiceUnavailable": 503,
}


def kinesis_client(settings: Settings, pool_size: int) -> Any:
    """boto3 Kinesis: local mode uses kinesis_url with dummy keys, aws the default chain."""
    import boto3
    from botocore.config import Config

    timeout = max(1.0, settings.gateway_delivery_timeout_ms / 1000)
    kwargs: dict[str, Any] = {
        "region_name": settings.aws_region,
        "config": Config(
            # one attempt: a put retried after a timeout can store its records twice; the
            # gateway answers 504 (in doubt) instead and the client decides
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=min(timeout, 5.0),
            read_timeout=timeout,
            max_pool_connections=pool_size,
        ),
    }
    if settings.kinesis_mode == "local":
        kwargs.update(
            endpoint_url=settings.kinesis_url,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
    elif settings.kinesis_endpoint:
        kwargs["endpoint_url"] = settings.kinesis_endpoint
    return boto3.client("kinesis", **kwargs)


class KinesisCalls:
    """Runs boto3 calls on a thread pool and turns their failures into KinesisError."""

    def __init__(self, client: Any, pool_size: int) -> None:
        self.client = client
        self.pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="kinesis")

    async def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        method: Callable[..., dict[str, Any]] = getattr(self.client, operation)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, lambda: method(**kwargs))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "InternalFailure")
            status = STATUS_OF_CODE.get(code, 502 if _server_side(exc) else 400)
            raise KinesisError(status, code, str(error.get("Message") or exc)) from exc
        except ParamValidationError as exc:
            raise KinesisError(400, "ValidationException", str(exc)) from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            raise KinesisError(503, "ServiceUnavailable", f"Kinesis not reachable: {exc}") from exc
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            raise KinesisError(
                504, "GatewayTimeout", f"no answer from Kinesis; it may have taken the call: {exc}"
            ) from exc
        except NoCredentialsError as exc:
            raise KinesisError(500, "MissingAuthenticationToken", str(exc)) from exc
        except BotoCoreError as exc:
            raise KinesisError(502, "InternalFailure", str(exc)) from exc

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _server_side(exc: ClientError) -> bool:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
    return int(status) >= 500


def _calls(request: Request) -> KinesisCalls:
    return request.app.state.kinesis


@router.get("/streams", **openapi.LIST_STREAMS)
async def list_streams(request: Request) -> Response:
    calls = _calls(request)
    names: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = await calls.call("list_streams", **kwargs)
        names += page.get("StreamNames", [])
        if not page.get("HasMoreStreams") or not names:
            return json_response({"StreamNames": names, "HasMoreStreams": False})
        kwargs = {"ExclusiveStartStreamName": names[-1]}


@router.get("/streams/{name}", **openapi.DESCRIBE_STREAM)
async def describe_stream(request: Request, name: str = StreamName) -> Response:
    fmt.check_stream_name(name)
    described = await _calls(request).call("describe_stream", StreamName=name)
    return json_response(fmt.answer(described))


@router.post("/streams/{name}", **openapi.CREATE_STREAM)
async def create_stream(request: Request, name: str = StreamName) -> Response:
    body = await _body(request, name)
    shards = fmt.shard_count(body, request.app.state.settings.kinesis_shards)
    created = await _calls(request).call("create_stream", StreamName=name, ShardCount=shards)
    return json_response(fmt.answer(created))


@router.delete("/streams/{name}", **openapi.DELETE_STREAM)
async def delete_stream(request: Request, name: str = StreamName) -> Response:
    fmt.check_stream_name(name)
    deleted = await _calls(request).call("delete_stream", StreamName=name)
    return json_response(fmt.answer(deleted))


@router.put(wire.RECORD_ROUTE, **openapi.PUT_RECORD)
async def put_record(request: Request, name: str = StreamName) -> Response:
    body = await _body(request, name)
    entry = fmt.put_record_entry(name, body, request.app.state.settings.gateway_max_record_bytes)
    return await _put(request, "put_record", 1, StreamName=name, **entry)


@router.put(wire.RECORDS_ROUTE, **openapi.PUT_RECORDS)
async def put_records(request: Request, name: str = StreamName) -> Response:
    body = await _body(request, name)
    entries = fmt.put_records_entries(
        name, body, request.app.state.settings.gateway_max_record_bytes
    )
    return await _put(request, "put_records", len(entries), StreamName=name, Records=entries)


async def _body(request: Request, name: str) -> bytes:
    """The body of a request on stream ``name``, once the name is checked."""
    fmt.check_stream_name(name)
    settings: Settings = request.app.state.settings
    return await read_body(request, settings.gateway_max_body_bytes, KinesisError)


async def _put(request: Request, operation: str, records: int, **kwargs: Any) -> Response:
    """PutRecord or PutRecords of ``records`` records, counted in the metrics: all failed when
    the call fails, else per record (a PutRecords answer has an ErrorCode per failed one)."""
    metrics: GatewayMetrics = request.app.state.metrics
    try:
        put = await _calls(request).call(operation, **kwargs)
    except KinesisError as exc:
        metrics.record("kinesis", "failed", records)
        metrics.error("kinesis", exc.code, records)
        raise
    results = put.get("Records", []) if operation == "put_records" else [put]
    failures = [r["ErrorCode"] for r in results if r.get("ErrorCode")]
    metrics.answered("kinesis", len(results) - len(failures), failures)
    return json_response(fmt.answer(put))
