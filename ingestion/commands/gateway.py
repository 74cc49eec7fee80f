"""``pinpipe gateway``: serve the ingestion gateway (Kafka REST Proxy v2 + Kinesis proxy)."""

from __future__ import annotations

import argparse

from ingestion.config import Settings
from ingestion.errors import BadInput
from ingestion.options import add_workers


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gateway",
        help="serve the ingestion gateway: Kafka REST Proxy v2 and the Kinesis proxy API",
        description=(
            "Serves the gateway with uvicorn until SIGTERM / Ctrl-C: POST /topics/{topic} "
            "(Kafka REST Proxy v2, answered only after Kafka acknowledged every record), "
            "the API Gateway Kinesis proxy under /streams, /healthz, /metrics and OpenAPI at "
            "/docs. Everything else comes from PINPIPE_* settings: Kafka bootstrap servers "
            "and PINPIPE_KAFKA_EXTRA_CONFIG (SASL/SSL), PINPIPE_KINESIS_MODE (local|aws), "
            "PINPIPE_GATEWAY_API_KEY, delivery timeout, size limits and the in-flight bound "
            "(see `pinpipe config`). Logs are JSON lines on stderr."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe stack up gateway              in the background, with the stack's settings\n"
            "  pinpipe gateway --port 9000 --workers 1 --log-level debug\n"
            "                                        in the foreground, every request logged\n"
            "  curl -s localhost:8082/healthz        is it up; OpenAPI at /docs"
        ),
    )
    parser.add_argument(
        "--host", default=None, help="address to listen on (default PINPIPE_HOST, 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=None,
        help="port to listen on (default PINPIPE_GATEWAY_PORT, 8082)",
    )  # fmt: skip
    add_workers(parser, "; SIGTERM to this process stops them all")
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error"),
        help="lowest level logged (default info): failed requests are logged at info, "
        "every request at debug",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.gateway.server import serve

    port = settings.gateway_port if args.port is None else args.port
    workers = settings.gateway_workers if args.workers is None else args.workers
    if not 0 < port < 65536:
        raise BadInput(f"--port must be 1-65535, got {port}")
    if workers < 1:
        raise BadInput(f"--workers must be at least 1, got {workers}")
    try:
        return serve(settings, args.host or settings.host, port, workers, args.log_level)
    except ValueError as exc:  # a client-options setting (PINPIPE_KAFKA_EXTRA_CONFIG) is wrong
        raise BadInput(str(exc)) from exc
