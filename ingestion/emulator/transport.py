"""HTTP with bounded retries: what came back, or why nothing did.

Retries (with exponential backoff) happen on connection errors, timeouts, 429 and 5xx, never
on other 4xx answers. A failure that leaves open whether the server took the records (the
connection dropped after the request went out, a read timeout, 504) is *in doubt*; a refused
connection is *unreachable* (nothing was delivered).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IN_DOUBT_STATUSES = frozenset({504})


@dataclass(frozen=True)
class Reply:
    """The end of one request after its retries."""

    status: int | None  # None: no HTTP answer
    body: Any = None  # parsed JSON, or the text when it is not JSON
    attempts: int = 1
    unreachable: bool = False  # could not connect at all: nothing delivered
    in_doubt: bool = False  # maybe delivered, no answer
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def pooled_session(pool_size: int = 8) -> requests.Session:
    """A session reusing connections; retries are done by :class:`HttpTransport`, not urllib3."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HttpTransport:
    def __init__(
        self,
        session: requests.Session,
        *,
        retries: int = 5,
        backoff: float = 0.2,
        max_backoff: float = 10.0,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.sleep = sleep
        self.retried = 0  # extra attempts made, over the transport's life

    def send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Reply:
        attempt = 0
        while True:
            attempt += 1
            last = attempt > self.retries
            try:
                response = self.session.request(
                    method, url, data=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                reply = _failure(exc, attempt)
                if last:
                    return reply
                self._wait(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._wait(attempt, response.headers.get("Retry-After"))
                continue
            return Reply(
                status=response.status_code,
                body=_parse(response),
                attempts=attempt,
                in_doubt=response.status_code in IN_DOUBT_STATUSES,
                error=None if response.ok else f"HTTP {response.status_code}: {_text(response)}",
            )

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        self.retried += 1
        delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = min(self.max_backoff, max(delay, float(retry_after)))
        self.sleep(delay)


def _failure(exc: requests.RequestException, attempt: int) -> Reply:
    refused = isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError) and _is_connect_error(exc)
    )
    return Reply(
        status=None,
        attempts=attempt,
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


def _parse(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _text(response: requests.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."
