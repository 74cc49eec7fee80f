"""One plain ASGI middleware for every request: stage prefix, API key, a bound on requests in
progress, metrics, access log.

- An API Gateway stage segment before ``/topics`` or ``/streams`` is dropped, so both
  ``/topics/t`` and ``/prod/topics/t`` work.
- With an API key configured, every route but the open ones needs ``x-api-key``: 403 else.
- A worker handles at most ``max_in_flight`` requests at once; one more is answered 429 at
  once (REST Proxy 42901, Kinesis ``ThrottlingException``, ``Retry-After: 1``), before its
  body is read, so an overload is turned away instead of piling up in memory. The open paths
  (health, metrics, docs) are always answered.
- A request for an API route (a ``LeanRoute``) is served from here (``LeanRoutes``); every
  other goes down the app's usual stack.
- Each answer is counted by method, route template and status and timed into the latency
  histogram; failed answers are logged as JSON lines (all answers at debug level), the busy
  429s as one line a second at most, with their count.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingestion.gateway.errors import KAFKA_V2, json_response
from ingestion.gateway.lean_route import LeanRoutes
from ingestion.gateway.logs import gateway_logger
from ingestion.gateway.metrics import GatewayMetrics

API_FAMILIES = ("topics", "streams")
OPEN_PATHS = frozenset({"/healthz", "/metrics", "/docs", "/docs/oauth2-redirect", "/openapi.json"})
BUSY_ROUTE = "busy"  # the route label of requests turned away by the in-flight bound

access_log = gateway_logger("access")


def strip_stage(path: str) -> str:
    """``/<stage>/topics/...`` -> ``/topics/...``; other paths unchanged."""
    parts = path.split("/", 3)  # "", stage, family, rest
    if len(parts) >= 3 and parts[1] and parts[1] not in API_FAMILIES and parts[2] in API_FAMILIES:
        return "/" + "/".join(parts[2:])
    return path


class GatewayMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        metrics: GatewayMetrics,
        api_key: str,
        max_in_flight: int,
        lean: LeanRoutes,
    ) -> None:
        self.app = app
        self.lean = lean
        self.metrics = metrics
        self.api_key = api_key.encode() if api_key else b""
        self.max_in_flight = max_in_flight
        self.busy_unlogged = 0
        self.busy_logged_at = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = strip_stage(scope["path"])
        if path != scope["path"]:
            scope = {**scope, "path": path, "raw_path": path.encode()}
        status = 500
        request_bytes = 0

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        async def receive_counted() -> Message:
            nonlocal request_bytes
            message = await receive()
            request_bytes += len(message.get("body", b""))
            return message

        metrics = self.metrics
        busy = False
        try:
            if path in OPEN_PATHS:
                await self.app(scope, receive_counted, send_counted)
            elif self.api_key and not self._authorized(scope):
                forbidden = json_response(
                    {"error_code": 40301, "message": "Forbidden: missing or wrong x-api-key"}, 403
                )
                await forbidden(scope, receive, send_counted)
            elif metrics.in_flight >= self.max_in_flight:
                busy = True
                await self._busy(path)(scope, receive, send_counted)
            else:
                metrics.in_flight += 1
                try:
                    if not await self.lean(scope, receive_counted, send_counted):
                        await self.app(scope, receive_counted, send_counted)
                finally:
                    metrics.in_flight -= 1
        finally:
            seconds = time.perf_counter() - started
            route = BUSY_ROUTE if busy else _route(scope)
            metrics.request(scope["method"], route, status, seconds)
            if busy:
                self._log_busy()
            else:
                _log_access(scope, route, status, seconds, request_bytes)

    def _busy(self, path: str) -> Response:
        message = (
            f"Too many requests: this gateway worker is handling {self.max_in_flight} requests "
            "(PINPIPE_GATEWAY_MAX_IN_FLIGHT); retry later"
        )
        if path.startswith("/streams"):
            answer = json_response({"__type": "ThrottlingException", "message": message}, 429)
        else:
            answer = json_response({"error_code": 42901, "message": message}, 429, KAFKA_V2)
        answer.headers["retry-after"] = "1"
        return answer

    def _log_busy(self) -> None:
        self.busy_unlogged += 1
        now = time.monotonic()
        if now - self.busy_logged_at >= 1:
            access_log.info(
                "requests turned away: the worker is busy",
                extra={
                    "status": 429,
                    "requests": self.busy_unlogged,
                    "max_in_flight": self.max_in_flight,
                },
            )
            self.busy_unlogged = 0
            self.busy_logged_at = now

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                return hmac.compare_digest(value, self.api_key)
        return False


def _route(scope: dict[str, Any]) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _log_access(scope: Scope, route: str, status: int, seconds: float, size: int) -> None:
    """Every answer at debug level; failed ones (4xx, 5xx) at info, so they always show."""
    level = logging.INFO if status >= 400 else logging.DEBUG
    if not access_log.isEnabledFor(level):
        return
    client = scope.get("client")
    access_log.log(
        level,
        "request",
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "ms": round(seconds * 1000, 3),
            "bytes_in": size,
            "client": client[0] if client else None,
        },
    )
