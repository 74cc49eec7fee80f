"""The FastAPI app: clients made once at start-up (lifespan), routes, errors, docs."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ingestion.config import Settings
from ingestion.gateway import kinesis_proxy, openapi, rest_proxy
from ingestion.gateway.errors import (
    KinesisError,
    RestProxyError,
    json_response,
    kinesis_error_handler,
    rest_proxy_error_handler,
)
from ingestion.gateway.kafka_sink import KafkaSink, librdkafka_log, parse_extra_config
from ingestion.gateway.lean_route import LeanRoutes
from ingestion.gateway.logs import gateway_logger
from ingestion.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from ingestion.gateway.middleware import GatewayMiddleware
from ingestion.gateway.peers import Peers

KINESIS_THREADS = 32
API = ("/topics", "/streams")
log = gateway_logger()


def create_app(settings: Settings, peers: Path | None = None) -> FastAPI:
    """The gateway for ``settings``; Kafka and Kinesis clients are created when it starts.
    ``peers``: the folder where the worker processes of one gateway meet (``peers.Peers``)."""
    parse_extra_config(settings.kafka_extra_config)  # a bad setting fails here, not later
    metrics = GatewayMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.kafka = KafkaSink(settings)
        app.state.kafka_admin = AdminClient(
            {
                "bootstrap.servers": settings.bootstrap_servers,
                "logger": librdkafka_log,
                **parse_extra_config(settings.kafka_extra_config),
            }
        )
        client = kinesis_proxy.kinesis_client(settings, KINESIS_THREADS)
        app.state.kinesis = kinesis_proxy.KinesisCalls(client, KINESIS_THREADS)
        if peers is not None:
            app.state.peers = Peers(peers, lambda: _snapshot(app))
            await app.state.peers.start()
        gc.freeze()  # what exists now lives as long as the gateway: no collection need look at it
        app.state.ready = True
        log.info(
            "gateway ready",
            extra={
                "kafka": settings.bootstrap_servers,
                "kinesis": settings.kinesis_url if settings.kinesis_mode == "local" else "aws",
                "auth": bool(settings.gateway_api_key),
            },
        )
        try:
            yield
        finally:
            app.state.ready = False
            if app.state.peers is not None:
                await app.state.peers.close()
            app.state.kinesis.close()
            app.state.kafka.close()
            log.info("gateway stopped")

    app = FastAPI(
        title="pinpipe gateway",
        summary="Kafka REST Proxy v2 and the API Gateway Kinesis proxy of the pinpipe pipeline",
        version="1",
        lifespan=lifespan,
        redirect_slashes=False,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.ready = False
    app.state.peers = None
    app.include_router(rest_proxy.router)
    app.include_router(kinesis_proxy.router)
    # the API first: the router tries routes in order, and docs routes are rarely asked for
    app.router.routes.sort(key=lambda route: not getattr(route, "path", "").startswith(API))
    app.add_exception_handler(RestProxyError, rest_proxy_error_handler)
    app.add_exception_handler(KinesisError, kinesis_error_handler)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(
        GatewayMiddleware,
        metrics=metrics,
        api_key=settings.gateway_api_key,
        max_in_flight=settings.gateway_max_in_flight,
        lean=LeanRoutes(app.router.routes, app.exception_handlers),
    )
    _add_operations(app, settings)
    app.openapi = _openapi(app, bool(settings.gateway_api_key))  # type: ignore[method-assign]
    return app


def _add_operations(app: FastAPI, settings: Settings) -> None:
    @app.get("/healthz", **openapi.HEALTH)
    async def healthz(request: Request) -> Response:
        if not request.app.state.ready:
            return json_response({"status": "starting"}, 503)
        kafka: KafkaSink = request.app.state.kafka
        return json_response(
            {
                "status": "ok",
                "worker_pid": os.getpid(),
                "kafka": {"bootstrap": settings.bootstrap_servers, "queued": kafka.queued()},
                "kinesis": {"mode": settings.kinesis_mode, "region": settings.aws_region},
            }
        )

    @app.get("/metrics", **openapi.METRICS)
    async def metrics(request: Request) -> Response:
        peers: Peers | None = request.app.state.peers
        snapshots = [_snapshot(request.app), *(await peers.snapshots() if peers else [])]
        return Response(GatewayMetrics.added(snapshots).render(), media_type=CONTENT_TYPE)


def _snapshot(app: FastAPI) -> dict[str, Any]:
    """This worker's counts, with its producer queue's length."""
    queued = app.state.kafka.queued() if app.state.ready else 0
    return app.state.metrics.snapshot(kafka_queued=queued)


async def _http_error(_request: Request, exc: Exception) -> Response:
    """Unknown paths and methods, as rest-utils answers them."""
    assert isinstance(exc, HTTPException)
    body = {"error_code": exc.status_code, "message": f"HTTP {exc.status_code} {exc.detail}"}
    return json_response(body, exc.status_code)


def _openapi(app: FastAPI, api_key: bool) -> Callable[[], dict[str, Any]]:
    """OpenAPI without FastAPI's unused validation-error answers; x-api-key when configured."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    if "HTTPValidationError" in str(operation["responses"].get("422", "")):
                        del operation["responses"]["422"]
                    if api_key and path.startswith(API):
                        operation["security"] = [{"apiKey": []}]
            components = schema.setdefault("components", {})
            for name in ("HTTPValidationError", "ValidationError"):
                components.get("schemas", {}).pop(name, None)
            if api_key:
                components["securitySchemes"] = {
                    "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}
                }
            app.openapi_schema = schema
        return app.openapi_schema

    return build
