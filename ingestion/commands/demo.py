"""``pinpipe demo``: the main job from end to end on the local machine (``make demo``)."""

from __future__ import annotations

import argparse

from ingestion.commands import from_args
from ingestion.config import Settings
from ingestion.options import add_dirt, add_option, number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the main job end to end: stack, emulate, land, dbt build + docs, print the marts",
        description=(
            "Runs the whole pipeline on this machine and prints the answers:\n"
            "  1 stack         start the Kafka broker, kinesis-local, the gateway and the SQL\n"
            "                  server (only those not running; topics and streams are created)\n"
            "  2 source        create the SQLite replica of the three RDS tables if missing\n"
            "  3 emulate       of --events events of the classic sequence, post the older ones\n"
            "                  through the gateway to Kafka and the newest --stream-events to\n"
            "                  Kinesis (--overlap of them to both), with the wire's dirt\n"
            "                  (batch: REST Proxy -> Kafka; stream: Kinesis API -> kinesis-local)\n"
            "  4 land          `land kafka --once` and `land kinesis --once` together:\n"
            "                  topics and streams -> bronze batch and stream Delta tables\n"
            "  5 dbt build     staging + quarantine, lambda merge, gold marts, data tests, on\n"
            "                  the SQL server (unit tests are left to `make test`)\n"
            "  6 dbt docs      `dbt docs generate` (the site is target/index.html)\n"
            "  7 marts         read the gold marts through the SQL server\n"
            "  8 next batch    the events only Kinesis carried to Kafka, landed, `dbt run` of\n"
            "                  the batch layer, the merge and fct_pin_posts (not with\n"
            "                  --no-next-batch)\n"
            "  9 stop          stop the ingestion services this run started (not with --keep);\n"
            "                  the SQL server stays up for `pinpipe sql`\n"
            "Then it prints each question mart as a table and a summary: records sent,\n"
            "acknowledged, failed / in doubt and landed per path, quarantined records (and\n"
            "why), merged rows won by each layer (before and after the next batch), row\n"
            "counts of the core marts, dbt build and docs time, total time.\n\n"
            "Each step prints its number, its duration and the elapsed time, and writes its\n"
            "log to <state dir>/logs/demo/<step>.log (the Spark JVM's to spark.log); a failure\n"
            "names the step and its log, stops what the run started and exits 1. Ctrl-C\n"
            "stops too (exit 130). `make demo` runs `make setup` first, so a fresh clone\n"
            "needs nothing else. Settings (ports, paths) come from PINPIPE_* variables."
        ),
        epilog=(
            "examples:\n"
            "  make demo                             set up what is missing, then this command\n"
            "  pinpipe demo --keep                   leave the stack up: `pinpipe sql`, docs\n"
            "  pinpipe demo --events 1000 --stream-events 100    a quick run\n"
            "  PINPIPE_STATE_DIR=/tmp/demo2 pinpipe demo         a second demo beside the first\n"
            "                                        (give it other ports: `pinpipe config`)"
        ),
    )
    add_option(
        parser, "--events", 30_000,
        "events of the classic sequence to emulate; each is one pin, geo and user record",
        type=number(int, 1),
    )  # fmt: skip
    add_option(
        parser, "--stream-events", 3_000,
        "of those, the newest N go to the stream path (Kinesis), the older ones to the batch "
        "path (Kafka); kinesis-local slows down as its streams fill",
        note=", at most --events", type=number(int, 0),
    )  # fmt: skip
    add_option(
        parser, "--overlap", 500, "of the stream's events, the oldest N go to Kafka too",
        note=", at most --stream-events", type=number(int, 0),
    )  # fmt: skip
    parser.add_argument(
        "--next-batch", action=argparse.BooleanOptionalAction, default=True,
        help="after the marts, send the events only Kinesis carried to Kafka, land them and "
        "run the batch layer, the merge and fct_pin_posts: the batch versions replace the "
        "stream's (default: on)",
    )  # fmt: skip
    add_dirt(parser, "the space form")
    add_option(
        parser, "--batch-size", 500, "records per gateway request on both paths",
        note=", the PutRecords limit", type=number(int, 1),
    )  # fmt: skip
    add_option(
        parser, "--rows", 10, "rows printed per mart, 0 for all; the rest are counted",
        type=number(int, 0),
    )  # fmt: skip
    parser.add_argument(
        "--keep", action="store_true",
        help="leave the stack running at the end and print how to open the dbt docs site "
        "and Airflow",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.demo.run import DemoOptions, run_demo

    options = from_args(
        DemoOptions,
        args,
        stream_events=min(args.stream_events, args.events),
        overlap=min(args.overlap, args.stream_events, args.events),
    )
    return run_demo(settings, options)
