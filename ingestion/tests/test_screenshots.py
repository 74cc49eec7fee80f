"""``pinpipe screenshots`` says what to do first when nothing is built; the pictures themselves
need Chromium and a built project (``make screenshots``, docs/dbt.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ingestion.tests.conftest import PROJECT_DIR

PINPIPE = Path(sys.executable).with_name("pinpipe")


def test_an_empty_state_dir_asks_for_a_build_first(tmp_path: Path) -> None:
    env = {**os.environ, "PINPIPE_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(PINPIPE), "screenshots", "--out", str(tmp_path / "images")],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"nothing is built in {tmp_path}: run `pinpipe demo`" in done.stderr
    assert not (tmp_path / "images").exists()
