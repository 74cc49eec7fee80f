"""Command-line options that several parsers share, those of ``pinpipe`` commands and of
``pinpipe bench`` alike: one function adds each, so its name, type, default and help are
written once. Imports nothing heavy, so ``--help`` stays fast."""

from __future__ import annotations

import argparse


def add_json(parser: argparse._ActionsContainer, what: str, note: str = "") -> None:
    """``--json``: print ``what`` as JSON instead of text; ``note`` says what else changes."""
    parser.add_argument(
        "--json", action="store_true", help=f"print {what} as JSON" + (f" ({note})" if note else "")
    )
