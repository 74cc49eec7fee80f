"""``pinpipe`` exits with the code of what went wrong (README: Exit codes), with its message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.stack.services import free_port
from ingestion.tests.conftest import PROJECT_DIR

PINPIPE = Path(sys.executable).with_name("pinpipe")


def pinpipe(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PINPIPE), *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, **settings.as_env(), **env},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["config"], {"PINPIPE_KAFKA_PORT": "ninety"},
         2, "pinpipe config: PINPIPE_KAFKA_PORT must be a whole number, got 'ninety'"),
        (["source", "info", "--url", "sqlite:////nonexistent-pinpipe/x.db"], {},
         2, "pinpipe source info: "),
        (["source", "init", "--rows", "0"], {},
         2, "pinpipe source init: --rows and --chunk-size must be at least 1"),
        (["stack", "logs", "gateway"], {}, 1, "pinpipe stack logs: no log yet at "),
        (["sql", "-e", "select 1"], {"PINPIPE_SQL_HOST": "127.0.0.1"},
         3, "pinpipe sql: no SQL server answers at 127.0.0.1:"),
        (["stack", "status"], {}, 3, "pinpipe stack status: not answering: "),
    ],
)  # fmt: skip
def test_a_failure_exits_with_its_code_and_says_why(settings, args, env, code, message):
    done = pinpipe(settings, *args, PINPIPE_SQL_PORT=str(free_port()), **env)
    assert (done.returncode, done.stderr.splitlines()[-1][: len(message)]) == (code, message)


def test_an_unreachable_gateway_exits_3(settings, replica_url):
    dead = f"http://127.0.0.1:{free_port()}"
    done = pinpipe(
        settings, "emulate", "--count", "1", "--rate", "0", "--retries", "0", "--url", dead,
        PINPIPE_SOURCE_URL=replica_url,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert f"pinpipe emulate: cannot connect to {dead}/topics/pinterest.pin" in done.stderr
    assert "acknowledged  0" in done.stdout  # the summary comes first
