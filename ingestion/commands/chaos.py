"""``pinpipe chaos``: send events through the gateway while services and landing jobs are
killed and restarted, then count what became of every record (JSON report)."""

from __future__ import annotations

import argparse
import json
import sys

from ingestion.commands import from_args
from ingestion.config import Settings
from ingestion.errors import PinpipeError
from ingestion.options import add_option, number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "chaos",
        help="fault suite: send events while Kafka, kinesis-local, the gateway and the "
        "landing jobs are killed; report lost, duplicate and quarantined records (JSON)",
        description=(
            "Starts its own Kafka broker, kinesis-local and gateway in a new state dir\n"
            "(<state dir>/chaos/<run id>, on free ports, with its own topics and streams), so\n"
            "your `pinpipe stack` and its data are never touched, then:\n"
            "  - runs `pinpipe land kafka --continuous` and `land kinesis --continuous`;\n"
            "  - sends --events events at --rate events/s to the REST Proxy (Kafka) and, over\n"
            "    the same window, --stream-rate events/s to the Kinesis API; each event is a\n"
            "    pin, a geo and a user record; records are retried on 429, 5xx and connection\n"
            "    errors for --retry-seconds;\n"
            "  - meanwhile SIGKILLs the broker --broker-kills times (starting it again after\n"
            "    --down-seconds), SIGKILLs the Kafka landing job and starts it again, restarts\n"
            "    the gateway, restarts kinesis-local (--kinesis-fault) and SIGKILLs the Kinesis\n"
            "    landing job;\n"
            "  - sends hand-made bad input (wrong types, missing fields, huge strings, invalid\n"
            "    UTF-8, deep nesting, oversized bodies, wrong content types);\n"
            "  - lands the rest with `land ... --once`, runs `dbt build` of the lambda merge\n"
            "    and the quarantine model, and counts per path: sent, acknowledged, rejected,\n"
            "    failed, in doubt, landed, duplicate rows by offset / sequence number, lost\n"
            "    acknowledged records (and whether Kafka / kinesis-local or landing lost\n"
            "    them), re-sent copies; every post exactly once in the merged tables; every\n"
            "    bad input rejected with its documented 4xx or quarantined with its reason.\n"
            "Progress goes to stderr, the JSON report to stdout and <run dir>/report.json.\n"
            "Needs the source replica (`pinpipe source init`). Exit status: 0 the verdict\n"
            "holds, 1 it does not (or a step failed), 2 bad options or missing installs."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe chaos > report.json           the full run: 100,000 events at 1,000/s\n"
            "  pinpipe chaos --events 2000 --rate 50 --stream-rate 10 --broker-kills 1\n"
            "                                        the reduced run of `make test`"
        ),
    )
    add_option(
        parser, "--events", 100_000, "events sent to the REST Proxy (Kafka path)",
        type=number(int, 1),
    )  # fmt: skip
    add_option(
        parser, "--rate", 1_000.0,
        "events per second on the Kafka path; the run sends for events / rate seconds",
        type=number(float, 0, above=True),
    )  # fmt: skip
    add_option(
        parser, "--stream-rate", 100.0,
        "events per second on the Kinesis path over the same window; kinesis-local takes about "
        "a thousand records/s on this 2-core machine",
        type=number(float, 0),
    )  # fmt: skip
    add_option(
        parser, "--broker-kills", 3, "times the Kafka broker is SIGKILLed and started again",
        type=number(int, 0),
    )  # fmt: skip
    add_option(
        parser, "--kinesis-fault", "graceful",
        "graceful: SIGTERM kinesis-local and wait until it wrote its data; kill: SIGKILL "
        "(kinesis-local then loses what it took in its last second; the report counts that "
        "apart as lost_by_kinesis_local)",
        choices=("graceful", "kill"),
    )  # fmt: skip
    add_option(
        parser, "--down-seconds", 3.0, "how long a killed service or job stays down",
        type=number(float, 0),
    )  # fmt: skip
    add_option(
        parser, "--retry-seconds", 300.0, "how long a record is retried before it counts as failed",
        type=number(float, 0, above=True),
    )  # fmt: skip
    parser.add_argument(
        "--keep", action="store_true",
        help="leave the run's services running at the end (stop them with "
        "PINPIPE_STATE_DIR=<run dir> pinpipe stack down)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.chaos.isolation import isolated_settings, run_id
    from ingestion.chaos.plan import ChaosPlan
    from ingestion.chaos.run import ChaosRun
    from ingestion.dbt_runner import profiles_dir
    from ingestion.landing.spark import spark_jars
    from ingestion.stack import Stack

    plan = from_args(ChaosPlan, args)
    spark_jars(settings)  # fails early, with what to run, when the jars are missing
    profiles_dir(settings)
    Stack(settings).up(["sql"])  # dbt's warehouse: the stack's, started if missing
    rid = run_id()
    run_settings = isolated_settings(
        settings,
        settings.state_dir / "chaos" / rid,
        f"chaos-{rid}",  # type: ignore[operator]
    )
    stack = Stack(run_settings)
    print(f"pinpipe chaos: run dir {run_settings.state_dir}", file=sys.stderr, flush=True)
    try:
        report = ChaosRun(run_settings, stack, plan).run()
    finally:
        if not args.keep:
            stack.down()
    print(json.dumps(report, indent=2))
    if not report["verdict"]["ok"]:
        raise PinpipeError('the verdict failed: see "verdict" in the report')
    return 0
