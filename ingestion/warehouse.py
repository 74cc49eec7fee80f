"""The SQL server as its clients see it: connect, run statements, read rows.

Locally the server is the stack's ``sql`` service, a Spark Thrift Server that owns the
metastore; elsewhere any HiveServer2 endpoint (``PINPIPE_SQL_HOST``, ``PINPIPE_SQL_PORT``).
dbt, ``pinpipe sql``, the demo and the tests all reach the tables through it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ingestion.config import Settings
from ingestion.errors import PinpipeError, Unreachable


class WarehouseError(PinpipeError):
    """The SQL server refused a statement (the message is the server's) or cannot be reached."""


class SqlServerUnreachable(WarehouseError, Unreachable):
    """Nothing answers at the SQL server's address."""


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def is_answering(settings: Settings, timeout: float = 2.0) -> bool:
    """True when something accepts connections at the SQL server's address."""
    try:
        with socket.create_connection(settings.sql_server, timeout=timeout):
            return True
    except OSError:
        return False


def unreachable(settings: Settings) -> str:
    """What to say when the SQL server does not answer, and how to start it."""
    host, port = settings.sql_server
    if settings.sql_host:
        return (
            f"no SQL server answers at {host}:{port} (PINPIPE_SQL_HOST, PINPIPE_SQL_PORT): "
            "check that it runs and that this machine reaches it"
        )
    return (
        f"the SQL server (stack service `sql`) does not answer at {host}:{port}: "
        "start it with `pinpipe stack up sql` (`pinpipe stack logs sql` shows why it stopped)"
    )


@contextlib.contextmanager
def connect(settings: Settings) -> Iterator[Any]:
    """A HiveServer2 session on the SQL server, closed at the end of the block."""
    from pyhive import hive
    from thrift.transport.TTransport import TTransportException

    host, port = settings.sql_server
    # thrift logs its own connection failures; the WarehouseError below says it better
    logging.getLogger("thrift.transport.TSocket").setLevel(logging.CRITICAL)
    try:
        connection = hive.connect(host=host, port=port, username="pinpipe")
    except (TTransportException, OSError) as exc:
        raise SqlServerUnreachable(unreachable(settings)) from exc
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            connection.close()


def run(cursor: Any, statement: str, settings: Settings) -> Result:
    """Run one statement on an open cursor; rows for a query, none for a command."""
    from pyhive.exc import Error
    from thrift.transport.TTransport import TTransportException

    try:
        cursor.execute(statement)
        rows = cursor.fetchall() if cursor.description else []
    except Error as exc:
        raise WarehouseError(server_message(exc)) from exc
    except (TTransportException, OSError) as exc:
        raise SqlServerUnreachable(f"{unreachable(settings)} ({exc})") from exc
    columns = [column[0] for column in cursor.description or []]
    return Result(columns, [tuple(row) for row in rows])


def query(settings: Settings, statements: str | Sequence[str]) -> Result:
    """Run statements in one session; the result of the last one."""
    if isinstance(statements, str):
        statements = [statements]
    result = Result([], [])
    with connect(settings) as connection:
        cursor = connection.cursor()
        for statement in statements:
            result = run(cursor, statement, settings)
    return result


def server_message(exc: Exception) -> str:
    """The server's own error text out of a PyHive error (which wraps a thrift response),
    without the Java stack trace and the exception class the server repeats."""
    for arg in exc.args:
        status = getattr(arg, "status", None)
        message = getattr(status, "errorMessage", None) or getattr(arg, "errorMessage", None)
        if message:
            text = str(message).split("\n\tat ", 1)[0]
            text = text.removeprefix("Error running query: ")
            return re.sub(r"^(\[[A-Z_.]+\] )[\w.$]+(Exception|Error):\s*\1", r"\1", text).strip()
    return str(exc).strip() or type(exc).__name__
