"""The gateway's fast JSON path against the standard library's: the same bodies accepted, the
same values written, the same error for every body refused."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ingestion.gateway.errors import RestProxyError
from ingestion.gateway.jsontext import dumps, loads
from ingestion.gateway.rest_proxy_format import parse_records, parse_records_general

LIMIT = 1_000_000
STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
WHITESPACE = re.compile(rb"[ \t\r\n]")
PARTITIONS = 3

TRICKY = st.sampled_from(list('ab /\\":,{}[]é🎨\n\t\x01\u2028\ud800'))
TEXT = st.text(TRICKY, max_size=6) | st.text(max_size=4)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
records = st.lists(
    st.fixed_dictionaries(
        {}, optional={"key": values, "value": values, "partition": st.integers(-1, PARTITIONS)}
    ),
    min_size=0,
    max_size=4,
)
STYLES = [
    {},
    {"separators": (",", ":")},
    {"indent": 2},
    {"ensure_ascii": False},
    {"ensure_ascii": False, "separators": (",", ":")},
]


def render(document: Any, style: int, escape_slashes: bool) -> bytes:
    text = json.dumps(document, **STYLES[style])
    if escape_slashes:  # json.dumps never writes \/, so each / becomes the same character
        text = text.replace("/", "\\/")
    return text.encode("utf-8", "surrogatepass")


def outcome(parse, body: bytes, fmt: str, respell_numbers: bool = False) -> tuple:
    """("ok", the records) or the error; ``respell_numbers``: values as the standard library
    writes them, for bodies whose numbers are not spelt as it spells them."""
    try:
        parsed = parse(body, fmt, max_record_bytes=LIMIT, partitions=PARTITIONS)
    except RestProxyError as exc:
        return ("error", exc.status, exc.code, exc.message)
    if not respell_numbers:
        return ("ok", parsed)
    return ("ok", [(_rewritten(key), _rewritten(value), p) for key, value, p in parsed])


def _rewritten(text: bytes | None) -> bytes | None:
    return None if text is None else dumps(loads(text))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(records, st.integers(0, len(STYLES) - 1), st.booleans())
def test_accepted_bodies_give_the_standard_librarys_values(document, style, escape_slashes):
    body = render({"records": document, "other": 1}, style, escape_slashes)
    fast = outcome(parse_records, body, "json")
    assert fast == outcome(parse_records_general, body, "json")
    if fast[0] == "ok":  # values are written compact, whatever the body's layout
        for key, value, _ in parse_records(body, "json", max_record_bytes=LIMIT):
            for text in (key, value):
                assert text is None or not WHITESPACE.search(STRINGS.sub(b"", text))


MUTATIONS = list(b'{}[],:"\\ 0-.eEnu/') + [0x00, 0x0A, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0xFF]


@settings(max_examples=600, deadline=None, derandomize=True, database=None)
@given(
    records,
    st.integers(0, len(STYLES) - 1),
    st.lists(
        st.tuples(st.sampled_from(["insert", "replace", "delete"]), st.integers(0, 10_000),
                  st.sampled_from(MUTATIONS)),
        min_size=1, max_size=3,
    ),
)  # fmt: skip
def test_broken_bodies_get_the_standard_librarys_error(document, style, mutations):
    body = bytearray(render({"records": document}, style, escape_slashes=False))
    for kind, at, byte in mutations:
        at %= len(body)
        if kind == "insert":
            body.insert(at, byte)
        elif kind == "replace":
            body[at] = byte
        elif len(body) > 1:
            del body[at]
    fast = outcome(parse_records, bytes(body), "json", respell_numbers=True)
    assert fast == outcome(parse_records_general, bytes(body), "json", respell_numbers=True)
    assert decoded(loads, bytes(body)) == decoded(standard_loads, bytes(body))


def standard_loads(body: bytes) -> Any:
    def reject(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(body.decode("utf-8"), parse_constant=reject)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def decoded(load, body: bytes) -> str:
    """The value's repr (so 1 and 1.0, 0.0 and -0.0 differ) or the error message."""
    try:
        return repr(load(body))
    except ValueError as exc:
        return f"ValueError: {exc}"


base64_values = st.one_of(
    st.binary(max_size=12).map(lambda raw: base64.b64encode(raw).decode()),
    st.sampled_from(["not base64!", "YQ", "é", "", "////", "a\\/b"]),
    scalars,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.fixed_dictionaries({}, optional={"key": base64_values, "value": base64_values}),
             min_size=1, max_size=3),
    st.integers(0, len(STYLES) - 1),
    st.booleans(),
)  # fmt: skip
def test_binary_records_decode_as_the_standard_library_decodes_them(
    document, style, escape_slashes
):
    body = render({"records": document}, style, escape_slashes)
    assert outcome(parse_records, body, "binary") == outcome(parse_records_general, body, "binary")


def test_a_value_is_written_as_sent_without_the_whitespace():
    body = b'{"records": [{"value": {"n" : [1.50, 1E5, -0, 123456789012345678901], "s": "a  b"}}]}'
    [(_, value, _)] = parse_records(body, "json", max_record_bytes=LIMIT)
    assert value == b'{"n":[1.50,1E5,-0,123456789012345678901],"s":"a  b"}'
    for escaped, written in [(b'"\\u00e9\\n"', '"é\\n"'), (b'"a\\/b"', '"a/b"')]:
        body = b'{"records": [{"value": ' + escaped + b"}]}"
        [(_, value, _)] = parse_records(body, "json", max_record_bytes=LIMIT)
        assert value == written.encode()
