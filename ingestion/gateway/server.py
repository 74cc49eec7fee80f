"""Serving the app with uvicorn: in the foreground (``pinpipe gateway``) or on a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from ingestion.config import Settings
from ingestion.gateway.app import create_app
from ingestion.gateway.logs import logging_config


def server(settings: Settings, host: str, port: int, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for the gateway: JSON logs, our own access lines, no Server header."""
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_config=logging_config(log_level),
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=max(1, settings.gateway_delivery_timeout_ms // 1000 + 1),
    )
    return uvicorn.Server(config)


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
