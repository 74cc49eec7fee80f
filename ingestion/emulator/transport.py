"""One HTTP request: what came back, or why nothing did.

A failure that leaves open whether the server took the records (the connection dropped after
the request went out, a read timeout, 504) is *in doubt*; a refused connection is
*unreachable* (nothing was delivered). Connection errors, timeouts, 429 and 5xx are worth
retrying; other 4xx answers are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IN_DOUBT_STATUSES = frozenset({504})


@dataclass(frozen=True)
class Reply:
    """The end of one request."""

    status: int | None  # None: no HTTP answer
    body: Any = None  # parsed JSON, or the text when it is not JSON
    unreachable: bool = False  # could not connect at all: nothing delivered
    in_doubt: bool = False  # maybe delivered, no answer
    error: str | None = None
    retry_after: float | None = None  # seconds, from the Retry-After header

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """No answer, or an answer that says: try again (429, 5xx)."""
        return self.status is None or self.status in RETRY_STATUSES


def pooled_session(pool_size: int = 8) -> requests.Session:
    """A session reusing connections; the :class:`~ingestion.emulator.sender.Sender` retries,
    not urllib3."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def attempt(
    session: requests.Session,
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> Reply:
    """One request: its answer, or why there was none."""
    try:
        response = session.request(method, url, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        return _failure(exc)
    return Reply(
        status=response.status_code,
        body=_parse(response),
        in_doubt=response.status_code in IN_DOUBT_STATUSES,
        error=None if response.ok else f"HTTP {response.status_code}: {_text(response)}",
        retry_after=_seconds(response.headers.get("Retry-After")),
    )


def _failure(exc: requests.RequestException) -> Reply:
    refused = isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError) and _is_connect_error(exc)
    )
    return Reply(
        status=None,
        unreachable=refused,
        in_doubt=not refused,
        error=f"{type(exc).__name__}: {exc}",
    )


def _is_connect_error(exc: requests.ConnectionError) -> bool:
    from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | NameResolutionError)


def _seconds(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _parse(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _text(response: requests.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."
