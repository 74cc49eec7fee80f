"""``pinpipe source`` and ``pinpipe emulate`` as a user runs them: output, exit codes, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from ingestion.cli import main
from ingestion.stack.services import free_port


def test_source_init_and_info(settings, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PINPIPE_STATE_DIR", str(tmp_path))
    assert main(["source", "init", "--rows", "40", "--seed", "5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rows"] == 40 and result["url"] == f"sqlite:///{tmp_path}/source.db"
    assert main(["source", "init", "--rows", "40"]) == 2
    assert "pinterest_data, geolocation_data, user_data already exist" in capsys.readouterr().err
    assert main(["source", "init", "--if-missing", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"] is True
    assert main(["source", "info", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["tables"].values()) == {40}
    (tmp_path / "empty.db").touch()  # an empty file is an empty SQLite database
    assert main(["source", "info", "--url", f"sqlite:///{tmp_path}/empty.db"]) == 2
    assert "has no table pinterest_data" in capsys.readouterr().err


def test_emulate_json_summary_and_exit_codes(replica_url, fake_gateway, capsys, monkeypatch):
    monkeypatch.setenv("PINPIPE_SOURCE_URL", replica_url)
    monkeypatch.setenv("PINPIPE_GATEWAY_URL", fake_gateway.url)
    assert main(["emulate", "--count", "2", "--rate", "0", "--mode", "both", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["records_sent"] == summary["acknowledged"] == 12
    assert summary["layers"]["stream"]["acknowledged"] == 6
    fake_gateway.script.append((400, {"error_code": 400, "message": "bad"}))
    assert main(["emulate", "--count", "1", "--rate", "0"]) == 1
    assert "failed        1" in capsys.readouterr().out
    dead = f"http://127.0.0.1:{free_port()}"
    code = main(["emulate", "--count", "1", "--rate", "0", "--url", dead, "--retries", "1",
                 "--backoff", "0.01"])  # fmt: skip
    assert code == 3
    assert f"cannot connect to {dead}/topics/pinterest.pin after 2 attempts" in (
        capsys.readouterr().err
    )
    missing = "sqlite:////nonexistent-pinpipe/x.db"
    assert main(["emulate", "--count", "1", "--source-url", missing]) == 2
    assert "/nonexistent-pinpipe/x.db does not exist" in capsys.readouterr().err


def test_ctrl_c_prints_the_summary_so_far(replica_url, fake_gateway):
    env = {**os.environ, "PINPIPE_SOURCE_URL": replica_url, "PINPIPE_GATEWAY_URL": fake_gateway.url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingestion.cli", "emulate", "--count", "0", "--rate", "0", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while len(fake_gateway.requests) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["events"] >= 10
    assert summary["records_sent"] == (
        summary["acknowledged"] + summary["failed"] + summary["in_doubt"]
    )
    assert summary["acknowledged"] <= len(fake_gateway.requests)
