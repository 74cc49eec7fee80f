"""Errors the gateway answers with, in the shape each API documents.

REST Proxy routes answer ``{"error_code": <int>, "message": <str>}`` (confluentinc/rest-utils);
Kinesis routes answer ``{"__type": <exception name>, "message": <str>}`` (the Kinesis JSON
protocol). Handlers raise these; the app turns them into responses.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ingestion.gateway.jsontext import encode

KAFKA_V2 = "application/vnd.kafka.v2+json"
JSON = "application/json"


class ApiError(Exception):
    """An error answer: its HTTP status, the API's own code for it, and a message."""

    def __init__(self, status: int, code: int | str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class RestProxyError(ApiError):
    code: int  # error_code, e.g. 40401


class KinesisError(ApiError):
    code: str  # __type, e.g. ResourceNotFoundException


def json_response(body: object, status: int = 200, media_type: str = JSON) -> Response:
    return Response(encode(body), status_code=status, media_type=media_type)


def rest_proxy_response(status: int, error_code: int, message: str, media: str = KAFKA_V2):
    return json_response({"error_code": error_code, "message": message}, status, media)


async def rest_proxy_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RestProxyError)
    return rest_proxy_response(exc.status, exc.code, exc.message)


async def kinesis_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KinesisError)
    return json_response({"__type": exc.code, "message": exc.message}, exc.status)


async def read_body(request: Request, limit: int, too_large: type[Exception]) -> bytes:
    """The request body, or ``too_large(413, ...)`` as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(too_large, int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(too_large, size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(kind: type[Exception], size: int, limit: int) -> Exception:
    message = f"request body of {size} bytes or more is over the limit of {limit} bytes"
    if kind is KinesisError:
        return KinesisError(413, "RequestEntityTooLarge", message)
    return RestProxyError(413, 413, message)
