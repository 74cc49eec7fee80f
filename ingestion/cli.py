"""The ``pinpipe`` command line.

Each subcommand lives in its own module under ``ingestion/commands/`` and exposes
``register(subparsers)``; that function adds its parser and sets ``func`` (called with the
parsed arguments and the settings; it returns an exit code, or raises a
:class:`~ingestion.errors.PinpipeError`, which ``main`` prints and turns into its exit code).
Command modules import heavy libraries (Spark, Kafka, dbt) inside their functions so that
``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from ingestion import commands
from ingestion.config import Settings
from ingestion.errors import BROKEN_PIPE, INTERRUPTED, PinpipeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinpipe",
        description=(
            "Replay Pinterest-style posts through Kafka and Kinesis into Delta, and run the "
            "dbt models on top. Settings come from PINPIPE_* environment variables "
            "(see `pinpipe config`)."
        ),
        epilog=(
            "start here:\n"
            "  make demo                  set up, start the stack, replay events, land them,\n"
            "                             build the dbt models, print the answers (docs/demo.md)\n"
            "  pinpipe COMMAND --help     what a command does, with examples\n"
            "  pinpipe config             every setting and its value in effect\n"
            "  README.md, docs/*.md       the architecture and one page per area (docs/stack.md,\n"
            "                             docs/dbt.md, docs/landing.md, ...)"
        ),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.register_modules(commands, subparsers)
    commands.use_formatter(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        passthrough = getattr(args, "passthrough", None)
        if passthrough is None:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        # options before the passed-through words (`pinpipe dbt --version`) are theirs too
        setattr(args, passthrough, unknown + getattr(args, passthrough))
    words = [getattr(args, dest, None) for dest in ("command", "action", "benchmark")]
    name = " ".join(["pinpipe", *filter(None, words)])
    try:
        code = int(args.func(args, Settings.from_env()) or 0)
        sys.stdout.flush()  # here, so that a closed pipe is caught below and not at exit
        return code
    except BrokenPipeError:  # `pinpipe config | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except PinpipeError as exc:  # the one place errors become exit codes (README: Exit codes)
        print(f"{name}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
