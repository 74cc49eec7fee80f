"""``pinpipe stack up|down|status|logs``: the local services, in the background."""

from __future__ import annotations

import argparse
import json
import sys
import time

from ingestion.config import Settings
from ingestion.errors import PinpipeError, Unreachable
from ingestion.options import add_json
from ingestion.stack.stack import SERVICES

SERVICE_NAMES = tuple(SERVICES)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stack",
        help="start, stop and inspect the local broker, kinesis-local, gateway and SQL server",
        description=(
            "Runs the local services in the background on PINPIPE_HOST (127.0.0.1): an Apache "
            "Kafka broker (KRaft, one node), kinesis-local, the gateway (`pinpipe gateway`) and "
            "the SQL server (a Spark Thrift Server that owns the metastore; dbt, `pinpipe sql` "
            "and Airflow use it). Data, pid files and logs live under the state dir "
            "(PINPIPE_STATE_DIR); ports come from PINPIPE_KAFKA_PORT, PINPIPE_KINESIS_PORT, "
            "PINPIPE_GATEWAY_PORT and PINPIPE_SQL_PORT."
        ),
        epilog=(
            "examples:\n"
            "  pinpipe stack up          start everything that is not running\n"
            "  pinpipe stack up sql      only the SQL server\n"
            "  pinpipe stack status      what runs, where, and its log file\n"
            "  pinpipe stack logs sql -f follow the SQL server's log"
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up", help="start what is not running, create topics and streams, wait until healthy"
    )
    down = actions.add_parser("down", help="stop the services started for this state dir")
    for action in (up, down):
        action.add_argument(
            "services", nargs="*", metavar="SERVICE",
            help=f"any of {', '.join(SERVICE_NAMES)} (default: all)",
        )  # fmt: skip
    status = actions.add_parser("status", help="what runs, its pid, address and log file")
    add_json(status, "the status")
    logs = actions.add_parser("logs", help="print (or follow) a service's log")
    logs.add_argument("service", choices=SERVICE_NAMES)
    logs.add_argument("-n", "--lines", type=int, default=50, help="lines to show (default 50)")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.stack import Stack

    stack = Stack(settings)
    if args.action == "up":
        stack.up(args.services or None)
        print_status(stack.status())
    elif args.action == "down":
        if not stack.down(args.services or None):
            print("nothing was running", file=sys.stderr)
    elif args.action == "status":
        report = stack.status()
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print_status(report)
        down = [name for name, state in report.items() if not state["healthy"]]
        if down:
            raise Unreachable(f"not answering: {', '.join(down)}")
    else:
        return show_log(stack.tracked(args.service).log_file, args.lines, args.follow)
    return 0


def print_status(report: dict[str, dict[str, object]]) -> None:
    for name, state in report.items():
        if state.get("external"):
            health = "healthy" if state["healthy"] else "NOT ANSWERING"
            print(f"{name:8} elsewhere {state['address']}  {health}")
            continue
        if state["running"]:
            health = "healthy" if state["healthy"] else "NOT ANSWERING"
            line = f"{name:8} running  pid {state['pid']:<8} {state['address']}  {health}"
        else:
            line = f"{name:8} stopped"
            if state.get("stale_pid_file_removed"):
                line += "  (a stale pid file was removed)"
        print(f"{line}\n{'':8} log: {state['log']}")


def show_log(path, lines: int, follow: bool) -> int:  # noqa: ANN001
    if not path.is_file():
        raise PinpipeError(f"no log yet at {path}")
    with path.open(errors="replace") as log:
        for line in log.readlines()[-lines:]:
            print(line, end="")
        while follow:
            line = log.readline()
            if line:
                print(line, end="", flush=True)
            else:
                time.sleep(0.5)
    return 0
