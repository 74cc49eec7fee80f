"""``pinpipe emulate``: read source rows the classic way and post them to the gateway."""

from __future__ import annotations

import argparse
import sys

from ingestion.commands import from_args
from ingestion.config import Settings
from ingestion.errors import PinpipeError
from ingestion.options import add_dirt, add_json, add_option, number


def _rate(text: str) -> float | str:
    if text == "classic":
        return text
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected 'classic' or a number, got {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError("the rate cannot be negative")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "emulate",
        help="replay source rows as batch (Kafka REST Proxy) and stream (Kinesis) records",
        description=(
            "Replays the source through the gateway, as the original posting emulator did. "
            "Each event reads one row of pinterest_data, geolocation_data and user_data (the "
            "same row number in each) and sends it as a pin, a geo and a user record: to the "
            "batch path (Kafka REST Proxy v2 -> Kafka), the stream path (API Gateway Kinesis "
            "proxy -> Kinesis) or both. Without options it sends 1,000 events at 100 a second "
            "to the batch path (10 s) and prints what was acknowledged; `--count 0 --rate "
            "classic` is the original: until Ctrl-C, 0 or 1 s apart. --seed 100 picks the "
            "original's rows in its order. It needs the source (`pinpipe source init`) and a "
            "gateway (`pinpipe stack up`), or a real Confluent REST Proxy / API Gateway: only "
            "the URLs differ. Then `pinpipe land kafka` (or kinesis) lands the records in "
            "bronze. Exit status: 0 all acknowledged, 1 some failed or in doubt, 2 bad input "
            "(source, options), 3 gateway unreachable, 130 interrupted (README: Exit codes)."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe stack up; pinpipe source init --if-missing\n"
            "                                            first: a gateway and the source\n"
            "  pinpipe emulate                           1,000 events at 100/s to Kafka\n"
            "  pinpipe emulate --mode both --count 50    50 events to Kafka and to Kinesis\n"
            "  pinpipe emulate --count 100000 --rate 0 --batch-size 500\n"
            "                                            as fast as the gateway takes them\n"
            "  pinpipe emulate --count 0 --rate classic  the original: until Ctrl-C, 0-1 s apart\n"
            "  pinpipe emulate --url https://<api>.execute-api.<region>.amazonaws.com/<stage>\n"
            "                                            a real API Gateway, both paths\n"
            "  pinpipe land kafka                        then land what Kafka holds in bronze"
        ),
    )
    add_option(
        parser, "--mode", "batch", "send to the batch path, the stream path, or both",
        choices=("batch", "stream", "both"),
    )  # fmt: skip
    add_option(
        parser, "--count", 1_000,
        "events to send (three records per path each); 0 runs until Ctrl-C, like the original",
        type=number(int, 0),
    )  # fmt: skip
    add_option(
        parser, "--skip", 0,
        "draw the first N events of the sequence without sending them, then send --count: "
        "e.g. the newest events of a sequence on the stream path",
        type=number(int, 0),
    )  # fmt: skip
    add_option(
        parser, "--rate", 100.0,
        "events per second; 0 sends as fast as the gateway answers; 'classic' waits a random "
        "0 or 1 s before each event, like the original",
        type=_rate,
    )  # fmt: skip
    add_option(
        parser, "--batch-size", 1,
        "records per request: several REST Proxy records per POST, or PutRecords (/records) "
        "instead of PutRecord",
        type=number(int, 1),
    )  # fmt: skip
    add_option(
        parser, "--datetime-format", "space",
        "how datetimes are written: space '2020-08-28 03:52:47', T '2020-08-28T03:52:47', "
        "colon '2020:08:28 03:52:47'",
        choices=("space", "T", "colon"),
    )  # fmt: skip
    add_dirt(parser, "--datetime-format")
    parser.add_argument(
        "--url",
        help="gateway base URL for both paths (default: the "
        "gateway setting, PINPIPE_GATEWAY_URL or http://127.0.0.1:8082)",
    )
    parser.add_argument("--batch-url", help="base URL of the Kafka REST Proxy (overrides --url)")
    parser.add_argument(
        "--stream-url", help="base URL of the API Gateway Kinesis proxy (overrides --url)"
    )
    parser.add_argument(
        "--topic-prefix", help="topics are <prefix>.pin|geo|user (default: PINPIPE_TOPIC_PREFIX)"
    )
    parser.add_argument(
        "--stream-prefix", help="streams are <prefix>-pin|geo|user (default: PINPIPE_STREAM_PREFIX)"
    )
    add_option(
        parser, "--seed", 100, "seed of the sampling; 100 gives the classic sequence",
        type=int,
    )  # fmt: skip
    parser.add_argument(
        "--source-url",
        help="SQLAlchemy URL of the source (default: "
        "PINPIPE_SOURCE_URL or the SQLite replica in the state dir)",
    )
    add_option(
        parser, "--retries", 5,
        "retries per request on connection errors, 429 and 5xx; never on other 4xx",
        type=number(int, 0),
    )  # fmt: skip
    add_option(
        parser, "--backoff", 0.2, "first retry delay in seconds, doubled each retry",
        type=float,
    )  # fmt: skip
    add_option(parser, "--timeout", 10.0, "seconds to wait for an answer", type=float)
    parser.add_argument(
        "--ack-log",
        metavar="PATH",
        help="append one JSON line per acknowledged record (layer, entity, "
        "topic/stream, partition+offset or shard+sequence number, ind)",
    )
    add_json(parser, "the summary", "and no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.emulator.dirt import Dirt
    from ingestion.emulator.runner import Emulator, EndpointUnreachable, write_summary

    emulator = from_args(
        Emulator,
        args,
        settings,
        dirt=Dirt.parse(args.dirt if args.dirt is not None else settings.emulator_dirt),
        progress=not args.json and sys.stderr.isatty(),
    )
    summary = emulator.run()
    write_summary(summary, sys.stdout, args.json)
    if summary.stopped:
        raise EndpointUnreachable(summary.stopped)
    if summary.interrupted:
        raise KeyboardInterrupt
    if summary.failed or summary.in_doubt:
        raise PinpipeError(f"{summary.failed} records failed, {summary.in_doubt} in doubt")
    return 0
