"""Serving the app with uvicorn: in the foreground (``pinpipe gateway``), with one or several
worker processes, or on a thread.

With several workers the parent binds the port and starts the workers (uvicorn's supervisor,
spawned processes); every worker accepts connections on that one socket, runs the app with its
own Kafka producer and Kinesis client, and is replaced if it dies or stops answering the
supervisor's health check. SIGTERM or SIGINT to the parent stops them all; each finishes its
requests in flight first, as a single process does. A worker loads the app only once it
answers health checks, so a slow start on a busy machine is not taken for a hang.
"""

from __future__ import annotations

import gc
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from ingestion.config import Settings
from ingestion.gateway.logs import logging_config

if TYPE_CHECKING:
    from fastapi import FastAPI

GC_THRESHOLDS = (50_000, 20, 100)  # the default (700, 10, 10) collected every few requests
WORKER_HEALTHCHECK_SECONDS = 30  # uvicorn's 5 s killed workers still starting on a busy machine


def _config(settings: Settings, app: Any, host: str, port: int, log_level: str, **more: Any):
    """uvicorn's settings for the gateway: JSON logs, our own access lines, no Server header."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=logging_config(log_level),
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=max(1, settings.gateway_delivery_timeout_ms // 1000 + 1),
        **more,
    )


def app(settings: Settings, peers: Path | None = None) -> FastAPI:
    """``create_app``, imported when first called (in a worker: after it answers health checks)."""
    from ingestion.gateway.app import create_app

    return create_app(settings, peers)


def served_app(settings: Settings, peers: Path | None = None) -> FastAPI:
    """``app`` for a process that serves it (a worker): cyclic garbage collected less often."""
    gc.set_threshold(*GC_THRESHOLDS)
    return app(settings, peers)


def server(settings: Settings, host: str, port: int, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for the gateway in this process."""
    return uvicorn.Server(_config(settings, app(settings), host, port, log_level))


def serve(settings: Settings, host: str, port: int, workers: int, log_level: str = "info") -> int:
    """Serve until SIGTERM / SIGINT with ``workers`` processes; the exit code (1: the gateway
    could not start)."""
    if workers == 1:
        gc.set_threshold(*GC_THRESHOLDS)
        instance = server(settings, host, port, log_level)
        instance.run()
        return 0 if instance.started else 1
    app(settings)  # a bad setting fails here, in the parent, with its message
    with tempfile.TemporaryDirectory(prefix="pinpipe-gateway-") as peers:
        config = _config(
            settings, partial(served_app, settings, Path(peers)), host, port, log_level,
            factory=True, workers=workers, timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )  # fmt: skip
        try:
            sock = config.bind_socket()
        except SystemExit:  # uvicorn logged why (the port is taken, say)
            return 1
        supervisor = Multiprocess(config, sockets=[sock])
        supervisor.run()
    return 1 if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes) else 0


@contextmanager
def serving_in_thread(
    settings: Settings, port: int, log_level: str = "warning", timeout: float = 30
) -> Iterator[str]:
    """Serve on a background thread (in-process use: tests, embedding); yields the base URL."""
    instance = server(settings, settings.host, port, log_level)
    thread = threading.Thread(target=instance.run, name="gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not instance.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the gateway did not start on {settings.host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{settings.host}:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout)
