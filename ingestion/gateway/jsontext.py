"""Strict JSON in (UTF-8, no NaN/Infinity); compact JSON out, as Jackson writes it (no spaces,
non-ASCII kept as is)."""

from __future__ import annotations

import json
from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_decode = json.JSONDecoder(parse_constant=_reject_constant).decode
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_compact_ascii = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def dumps(value: object) -> bytes:
    """UTF-8 JSON text; an unpaired surrogate (valid JSON input, not encodable) is escaped."""
    try:
        return _compact(value).encode("utf-8")
    except UnicodeEncodeError:
        return _compact_ascii(value).encode("ascii")


def loads(body: bytes) -> Any:
    """The JSON value of a UTF-8 body; ValueError when it is not one."""
    try:
        return _decode(body.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
