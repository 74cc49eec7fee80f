"""``pinpipe demo``: the main job from end to end on the local machine."""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime

from ingestion.config import Settings
from ingestion.dbt_runner import DbtError, run_dbt
from ingestion.landing.spark import spark_session

BATCH_COLUMNS = (
    "value string, topic string, partition int, offset bigint, "
    "kafka_timestamp timestamp, landed_at timestamp"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="land sample posts in bronze, build the dbt project and print the result",
        description=(
            "Write a few sample pin records into the bronze batch table with Spark + Delta, "
            "run `dbt build --target local`, and print the staged rows."
        ),
    )
    parser.add_argument("--rows", type=int, default=20, help="sample records to land (default 20)")
    parser.set_defaults(func=run)


def land_sample(settings: Settings, rows: int) -> None:
    spark = spark_session(settings, "pinpipe-demo", catalog=False)
    now = datetime.now(UTC)
    records = [
        (
            json.dumps({"index": i, "unique_id": f"demo-{i}", "category": "art"}),
            settings.topic("pin"),
            0,
            i,
            now,
            now,
        )
        for i in range(rows)
    ]
    frame = spark.createDataFrame(records, BATCH_COLUMNS)
    frame.write.format("delta").mode("overwrite").save(settings.bronze_path("batch", "pin"))
    spark.stop()


def run(args: argparse.Namespace, settings: Settings) -> int:
    log_dir = settings.state_dir / "logs"  # type: ignore[operator]
    started = time.monotonic()
    print(f"[1/3] landing {args.rows} sample records in {settings.bronze_path('batch', 'pin')}")
    land_sample(settings, args.rows)
    try:
        print(f"[2/3] dbt build --target local (log: {log_dir / 'dbt-build.log'})")
        run_dbt(settings, ["build"], target="local", log_path=log_dir / "dbt-build.log")
        print("[3/3] stg_pinterest__pins")
        run_dbt(
            settings,
            ["show", "--select", "stg_pinterest__pins", "--limit", "5", "--quiet"],
            target="local",
        )
    except DbtError as exc:
        print(f"pinpipe demo: {exc}")
        return 1
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0
