"""Compact JSON text, UTF-8, as Jackson writes it (no spaces, non-ASCII kept as is)."""

from __future__ import annotations

import json

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_compact_ascii = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def dumps(value: object) -> bytes:
    """UTF-8 JSON text; an unpaired surrogate (valid JSON input, not encodable) is escaped."""
    try:
        return _compact(value).encode("utf-8")
    except UnicodeEncodeError:
        return _compact_ascii(value).encode("ascii")
