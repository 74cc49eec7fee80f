"""``pinpipe land kafka|kinesis ...``: land raw records in the bronze Delta tables."""

from __future__ import annotations

import argparse
import json
import sys

from ingestion.config import ENTITIES, Settings
from ingestion.errors import BadInput, PinpipeError
from ingestion.options import add_trigger_ms, trigger_ms

# printed once every query has started (and so every bronze table exists)
RUNNING = "queries running"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "land",
        help="land Kafka (batch layer) and/or Kinesis (speed layer) records in bronze Delta",
        description=(
            "Runs one Spark Structured Streaming query per entity (pin, geo, user) of each "
            "source given, from the Kafka topics or Kinesis streams into the bronze Delta "
            "tables, all in one Spark session: several sources share one Spark JVM. Raw "
            "record text is kept untouched with its transport metadata; each query resumes "
            "from its checkpoint, so every offset / sequence number lands once. Never opens "
            "the metastore, so it can run beside dbt."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe land kafka                    what the topics hold now, then exit\n"
            "  pinpipe land kafka kinesis --once     both layers in one Spark JVM\n"
            "  pinpipe land kinesis --continuous     the speed layer, until Ctrl-C\n"
            "  pinpipe land kafka --entity pin       only the pin topic\n"
            "  pinpipe dbt build                     then build the models on what landed"
        ),
    )
    parser.add_argument(
        "sources", nargs="+", choices=("kafka", "kinesis"),
        help="kafka: topics <topic_prefix>.<entity> -> bronze batch_<entity>; "
        "kinesis: streams <stream_prefix>-<entity> -> bronze stream_<entity>; "
        "several sources land together in one Spark session",
    )  # fmt: skip
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--once", action="store_true",
        help="land everything queued now (trigger availableNow) and exit (the default)",
    )  # fmt: skip
    mode.add_argument(
        "--continuous", action="store_true",
        help="run micro-batches until SIGTERM or Ctrl-C, then stop the queries cleanly",
    )  # fmt: skip
    add_trigger_ms(parser, "for --continuous")
    parser.add_argument(
        "--entity", action="append", choices=ENTITIES, dest="entities",
        help="land only this entity (repeatable; default all three)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.landing.jobs import Trigger, land
    from ingestion.landing.spark import spark_session

    interval = trigger_ms(args, settings)
    if interval < 0:
        raise BadInput("--trigger-ms must be 0 or more")
    trigger = Trigger(once=not args.continuous, interval_ms=interval)
    mode = "continuous" if args.continuous else "once"
    sources = list(dict.fromkeys(args.sources))
    named = " ".join(sources)

    def started(queries: list) -> None:
        print(f"pinpipe land {named}: {len(queries)} {RUNNING} ({mode})", file=sys.stderr)
        sys.stderr.flush()

    spark = spark_session(settings, f"pinpipe-land-{'-'.join(sources)}", catalog=False)
    try:
        spark.sparkContext.setLogLevel("WARN")
        reports = land(
            spark, settings, sources, trigger, args.entities or ENTITIES, started=started
        )
    except (RuntimeError, ValueError) as exc:  # a query failed (Spark's errors)
        raise PinpipeError(str(exc)) from exc
    finally:
        spark.stop()
    summary = {
        "sources": sources,
        "mode": mode,
        "queries": [r.__dict__ for r in reports],
        "rows": sum(r.rows for r in reports),
    }
    print(json.dumps(summary))
    return 0
