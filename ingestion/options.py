"""Option types, and the command-line options that several parsers share, those of
``pinpipe`` commands and of ``pinpipe bench`` alike: one function adds each, so its name,
type, default and help are written once. Imports nothing heavy, so ``--help`` stays fast."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ingestion.config import Settings


def number(kind: type[int] | type[float], minimum: float, *, above: bool = False) -> Callable:
    """An option type: a whole number (``int``) or a number (``float``) of at least
    ``minimum``, or above it with ``above``."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError as exc:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from exc
        if value < minimum or (above and value == minimum):
            bound = "above" if above else "at least"
            raise argparse.ArgumentTypeError(f"must be {bound} {minimum}, got {value}")
        return value

    return parse


def add_option(
    parser: argparse._ActionsContainer,
    flag: str,
    default: Any,
    help: str,
    *,
    note: str = "",
    **keywords: Any,
) -> None:
    """``flag`` with ``default``, which ends ``help`` as "(default: <default><note>)", so the
    default is written once; ``keywords`` (``type``, ``choices``) go to ``add_argument``."""
    shown = f"{default:g}" if isinstance(default, float) else default
    parser.add_argument(flag, default=default, help=f"{help} (default: {shown}{note})", **keywords)


def add_json(parser: argparse._ActionsContainer, what: str, note: str = "") -> None:
    """``--json``: print ``what`` as JSON instead of text; ``note`` says what else changes."""
    parser.add_argument(
        "--json", action="store_true", help=f"print {what} as JSON" + (f" ({note})" if note else "")
    )


def add_trigger_ms(parser: argparse._ActionsContainer, what: str) -> None:
    """``--trigger-ms``: the micro-batch interval of landing jobs, ``what`` says whose."""
    parser.add_argument(
        "--trigger-ms", type=int, default=None,
        help=f"micro-batch interval {what} (default PINPIPE_LANDING_TRIGGER_MS)",
    )  # fmt: skip


def trigger_ms(args: argparse.Namespace, settings: Settings) -> int:
    """The ``--trigger-ms`` given, else the setting."""
    return settings.landing_trigger_ms if args.trigger_ms is None else args.trigger_ms


def add_workers(parser: argparse._ActionsContainer, note: str) -> None:
    """``--workers``: the gateway's worker processes; ``note`` ends the help."""
    parser.add_argument(
        "--workers", type=int, default=None,
        help="gateway worker processes serving the one port, each with its own Kafka producer "
        f"(default PINPIPE_GATEWAY_WORKERS: the number of cores){note}",
    )  # fmt: skip


def add_replica_options(parser: argparse._ActionsContainer, rows: int, rows_note: str = "") -> None:
    """``--rows`` (``rows`` by default), ``--seed`` and ``--chunk-size`` of a source replica, as
    ``ingestion.source_db.writer.write_replica`` takes them."""
    add_option(parser, "--rows", rows, "rows per table", note=rows_note, type=int)
    add_option(
        parser, "--seed", 0, "seed of the replica; the same seed gives the same rows", type=int
    )
    add_option(parser, "--chunk-size", 5_000, "rows generated and inserted per chunk", type=int)


def add_dirt(parser: argparse._ActionsContainer, datetimes: str) -> None:
    """``--dirt``: the rates of the wire's dirt (``ingestion.emulator.dirt``), the setting by
    default; ``datetimes`` names the form that the T and colon dirt replace."""
    parser.add_argument(
        "--dirt", metavar="RATES",
        help="the wire's dirt, rates per record: resend (exact re-send), reorder (re-send with "
        "the JSON keys in another order), foreign (a record of another entity of the event on "
        f"this topic/stream), T and colon (datetimes in that form instead of {datetimes}); e.g. "
        "'resend=0.01,foreign=0.005', or 'none' for clean records (default: "
        f"PINPIPE_EMULATOR_DIRT, {Settings.emulator_dirt})",
    )  # fmt: skip
