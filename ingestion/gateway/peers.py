"""The worker processes of one gateway read each other's counts, so ``/metrics`` on any of them
tells about all of them.

The parent process makes a folder; each worker serves a snapshot of its counts on a Unix socket
there (``<pid>.sock``), written at the moment it is asked. A worker answering ``/metrics``
reads every other socket and adds the snapshots to its own. A socket nobody answers on belongs
to a worker that is gone (a replaced worker takes its counts with it) and is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingestion.gateway.jsontext import encode, loads
from ingestion.gateway.logs import gateway_logger

log = gateway_logger("peers")
ANSWER_TIMEOUT = 2.0  # a busy worker still answers well within this


class Peers:
    def __init__(self, folder: Path, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.folder = folder
        self.snapshot = snapshot
        self.own = folder / f"{os.getpid()}.sock"
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_unix_server(self._answer, path=str(self.own))

    async def _answer(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(encode(self.snapshot()))
            await writer.drain()
        finally:
            writer.close()

    async def snapshots(self) -> list[dict[str, Any]]:
        """The snapshots of the other workers that answer."""
        others = [path for path in self.folder.glob("*.sock") if path != self.own]
        answers = await asyncio.gather(*(self._ask(path) for path in others))
        return [answer for answer in answers if answer is not None]

    async def _ask(self, path: Path) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT):
                reader, writer = await asyncio.open_unix_connection(str(path))
                try:
                    return loads(await reader.read())
                finally:
                    writer.close()
        except (ConnectionRefusedError, FileNotFoundError):
            path.unlink(missing_ok=True)  # its worker is gone
        except (OSError, TimeoutError, ValueError) as exc:
            log.warning("no counts from a worker", extra={"socket": str(path), "error": str(exc)})
        return None

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        with contextlib.suppress(OSError):
            self.own.unlink()
