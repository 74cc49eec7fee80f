"""Daemon threads started one by one and joined together: the lanes and the fault tracks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Threads:
    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def spawn(self, name: str, target: Callable[..., Any], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name=name)
        thread.start()
        self._threads.append(thread)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)
