"""Headless Chromium, driven over the DevTools protocol: open a page, wait until it shows what
it is meant to, take a PNG.

``chromium --screenshot`` alone can only guess when a page is drawn (a virtual time budget)
and cannot set what a page keeps in its local storage (Airflow's choice of the graph view);
the protocol does both. Chromium is Debian's package (``apt-get install chromium``).
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from ingestion.errors import BadInput, PinpipeError
from ingestion.stack.processes import signal_group, wait_for

CHROMIUM = "chromium"


class BrowserError(PinpipeError):
    """Chromium did not start, or a page never showed what was waited for."""


def chromium_path() -> str:
    path = shutil.which(CHROMIUM)
    if path is None:
        raise BadInput(
            "chromium is not installed: `make screenshots` installs Debian's package as root "
            "(or: sudo apt-get install chromium)"
        )
    return path


class Browser:
    """One headless Chromium with one tab, in a throw-away profile; a context manager."""

    def __init__(self, width: int = 1600, height: int = 1000, scale: float = 1.0) -> None:
        self.width, self.height, self.scale = width, height, scale
        self._ids = iter(range(1, 1_000_000))

    def __enter__(self) -> Browser:
        from websockets.sync.client import connect

        self._profile = tempfile.TemporaryDirectory(
            prefix="pinpipe-chromium-", ignore_cleanup_errors=True
        )
        profile = Path(self._profile.name)
        self._log = open(profile / "chromium.log", "w")  # noqa: SIM115 (closed in __exit__)
        self._process = subprocess.Popen(
            [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-extensions", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", f"--window-size={self.width},{self.height}",
             "about:blank"],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        port_file = profile / "DevToolsActivePort"

        def listening() -> bool:
            return port_file.is_file() and len(port_file.read_text().splitlines()) >= 2

        wait_for(lambda: listening() or self._process.poll() is not None, 30, interval=0.1)
        if not listening():
            self.__exit__(None, None, None)
            raise BrowserError("chromium did not start its DevTools endpoint")
        port, path = port_file.read_text().splitlines()[:2]
        self._socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=None)
        target = self._call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=self.width, height=self.height, deviceScaleFactor=self.scale, mobile=False,
        )  # fmt: skip
        return self

    def __exit__(self, *_exc: object) -> None:
        if getattr(self, "_socket", None) is not None:
            self._socket.close()
        # Chromium's helper processes share its process group: stop them all
        signal_group(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            signal_group(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._log.close()
        self._profile.cleanup()

    def _call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:  # events arrive in between; only the answer counts
            answer = json.loads(self._socket.recv(timeout=120))
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """A DevTools command on the tab."""
        return self._call(method, self._session, **params)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        """Load ``url`` afresh (a blank page first, so a new fragment loads the page again)."""
        self.call("Page.navigate", url="about:blank")
        self.call("Page.navigate", url=url)

    def click(self, label: str) -> bool:
        """Click the button labelled ``label`` (its aria-label); False when there is none."""
        button = f"document.querySelector('button[aria-label={json.dumps(label)}]')"
        return bool(self.evaluate(f"(b => {{ if (b) b.click(); return !!b; }})({button})"))

    def wait_for(self, expression: str, what: str, timeout: float = 90) -> None:
        """Wait until ``expression`` is true in the page, then until the page is still."""
        if not wait_for(lambda: bool(self.evaluate(expression)), timeout, interval=0.5):
            raise BrowserError(f"the page never showed {what} ({timeout:.0f} s)")
        time.sleep(2)  # layout animations and fonts

    def screenshot(self, path: Path) -> int:
        """Save what the tab shows as a PNG; return its size in bytes."""
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return len(data)
