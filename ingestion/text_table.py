"""Rows as an aligned text table, for a terminal: what ``pinpipe sql`` and the demo print.

Numbers are right-aligned, everything else left-aligned, columns two spaces apart; widths
are terminal columns (an emoji takes two), long text is cut with an ellipsis.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

MAX_CELL = 40  # columns; longer text is cut with an ellipsis
ELLIPSIS = "…"
NULL = "null"


def format_value(value: Any, max_cell: int = MAX_CELL) -> str:
    """One cell: ``null``, integers as they are, floats with one decimal, long text cut."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.1f}" if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, int | Decimal | date):
        return str(value)
    return cut(" ".join(str(value).split()), max_cell)


def char_width(char: str) -> int:
    """Terminal columns of one character: wide and full-width ones (most emoji) take two,
    combining marks and format characters (joiners, variation selectors) none."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def cut(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` columns, else its start and an ellipsis."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += char_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def aligned(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    indent: str = "  ",
    max_cell: int = MAX_CELL,
) -> list[str]:
    """A header line, a rule of dashes and one line per row."""
    cells = [[format_value(v, max_cell) for v in row] for row in rows]
    widths = [
        max([display_width(name), *(display_width(row[i]) for row in cells)])
        for i, name in enumerate(columns)
    ]
    numeric = [
        any(is_number(row[i]) for row in rows)
        and not any(row[i] is not None and not is_number(row[i]) for row in rows)
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            pad(value, width, right)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return indent + "  ".join(parts).rstrip()

    return [line(columns), line(["-" * width for width in widths]), *(line(r) for r in cells)]
