"""Strict JSON in (UTF-8, no NaN/Infinity); compact JSON out, as Jackson writes it (no spaces,
non-ASCII kept as is).

msgspec does the work where it can; the standard library takes what msgspec refuses (an
unpaired surrogate escape, a number out of float range, invalid input), so what is accepted,
its values and every error message are the standard library's.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

MSGSPEC_REFUSALS = (msgspec.DecodeError, msgspec.EncodeError, UnicodeError, RecursionError)
"""What msgspec raises on input it does not take: the standard library decides then."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_decode = json.JSONDecoder(parse_constant=_reject_constant).decode
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_compact_ascii = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
_fast_decode = msgspec.json.Decoder().decode
_fast_encode = msgspec.json.Encoder().encode
_minify = msgspec.json.format


def dumps(value: object) -> bytes:
    """A value's UTF-8 JSON text, as written to Kafka or Kinesis; an unpaired surrogate (valid
    JSON input, not encodable) is escaped."""
    try:
        return _compact(value).encode("utf-8")
    except UnicodeEncodeError:
        return _compact_ascii(value).encode("ascii")


def encode(answer: object) -> bytes:
    """An answer body as compact JSON text (msgspec; ``dumps`` for what msgspec refuses)."""
    try:
        return _fast_encode(answer)
    except MSGSPEC_REFUSALS:
        return dumps(answer)


def loads(body: bytes) -> Any:
    """The JSON value of a UTF-8 body; ValueError when it is not one."""
    try:
        return _fast_decode(body)  # checks UTF-8 as strictly as bytes.decode
    except MSGSPEC_REFUSALS:
        pass
    try:
        return _decode(body.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def minified(body: bytes) -> bytes:
    """Valid UTF-8 JSON text with the whitespace between tokens removed; msgspec.DecodeError,
    UnicodeDecodeError or RecursionError when ``body`` is not such a text."""
    if not body.isascii():
        body.decode("utf-8")  # msgspec leaves the text inside strings unchecked here
    return _minify(body, indent=-1)


def value_text(raw: bytes) -> bytes:
    """The text to write for a minified JSON value: the value as sent (numbers and repeated
    names as written), or, when it holds a ``\\uXXXX`` or ``\\/`` escape, ``dumps(loads(raw))``,
    which writes the character in place of the escape."""
    if b"\\" in raw and (b"\\u" in raw or b"\\/" in raw):
        return dumps(loads(raw))
    return raw
