from pathlib import Path

import pytest

from ingestion.config import Settings


def test_defaults_live_under_the_state_dir(tmp_path: Path) -> None:
    settings = Settings(project_dir=tmp_path)
    assert settings.state_dir == tmp_path / ".local"
    assert settings.lake_dir == tmp_path / ".local" / "lake"
    assert settings.bronze_path("batch", "pin") == f"{tmp_path}/.local/lake/bronze/batch_pin"
    assert settings.topic("geo") == "pinterest.geo"
    assert settings.stream("user") == "pinterest-user"
    assert settings.bootstrap_servers == "127.0.0.1:9092"


def test_environment_overrides_and_types(tmp_path: Path) -> None:
    env = {
        "PINPIPE_STATE_DIR": str(tmp_path / "state"),
        "PINPIPE_KAFKA_PORT": "19092",
        "PINPIPE_TOPIC_PREFIX": "abc123",
        "PINPIPE_KAFKA_BOOTSTRAP": "b-1.msk.example:9098",
    }
    settings = Settings.from_env(env, project_dir=tmp_path)
    assert settings.kafka_port == 19092
    assert settings.topic("pin") == "abc123.pin"
    assert settings.bootstrap_servers == "b-1.msk.example:9098"
    assert settings.checkpoint_dir == tmp_path / "state" / "checkpoints"
    assert Settings.from_env(settings.as_env()) == settings


def test_a_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="PINPIPE_GATEWAY_PORT"):
        Settings.from_env({"PINPIPE_GATEWAY_PORT": "eighty"})


def test_client_options_parse_and_name_the_setting_on_bad_input() -> None:
    from ingestion.config import parse_pairs

    text = "security.protocol=SASL_SSL, sasl.mechanism=AWS_MSK_IAM,"
    assert parse_pairs(text, "X") == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "AWS_MSK_IAM",
    }
    with pytest.raises(ValueError, match="PINPIPE_LANDING_KAFKA_OPTIONS: expected key=value"):
        parse_pairs("security.protocol", "PINPIPE_LANDING_KAFKA_OPTIONS")


def test_pinpipe_config_shows_derived_values_in_effect(tmp_path: Path, capsys) -> None:
    from ingestion.cli import build_parser

    settings = Settings.from_env(
        {"PINPIPE_HOST": "10.0.0.5", "PINPIPE_GATEWAY_URL": "https://gw.example"},
        project_dir=tmp_path,
    )
    args = build_parser().parse_args(["config"])
    assert args.func(args, settings) == 0
    lines = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()}
    assert lines["PINPIPE_KAFKA_BOOTSTRAP"] == ["10.0.0.5:9092", "(derived)"]
    assert lines["PINPIPE_SQL_HOST"] == ["10.0.0.5", "(derived)"]
    assert lines["PINPIPE_SOURCE_URL"] == [f"sqlite:///{tmp_path}/.local/source.db", "(derived)"]
    assert lines["PINPIPE_GATEWAY_URL"] == ["https://gw.example"]  # set, not derived


def test_pinpipe_config_lists_every_setting_and_dbt_variable_aligned(tmp_path, capsys) -> None:
    from dataclasses import fields

    from ingestion.cli import build_parser

    args = build_parser().parse_args(["config"])
    assert args.func(args, Settings.from_env({}, project_dir=tmp_path)) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    expected = [f"PINPIPE_{f.name.upper()}" for f in fields(Settings)]
    assert names == [*expected, "DBT_TARGET", "DBT_PROFILES_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH"]
    assert "PINPIPE_AIRFLOW_DBT_POOL_SLOTS" in names
    assert {
        len(line) - len(line[len(name) :].lstrip()) for line, name in zip(lines, names, strict=True)
    } == {max(map(len, names)) + 2}  # every value starts in the same column
    assert all(len(line.split()) > 1 for line in lines)  # no blank values


def test_pinpipe_config_into_a_closed_pipe_ends_quietly(tmp_path) -> None:
    import subprocess
    import sys

    from ingestion.errors import BROKEN_PIPE

    reader_gone = subprocess.Popen(
        [sys.executable, "-m", "ingestion.cli", "config"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "PINPIPE_STATE_DIR": str(tmp_path)},
    )
    reader_gone.stdout.close()  # like `| head -1` that has read its line before pinpipe writes
    _, stderr = reader_gone.communicate(timeout=60)
    assert (reader_gone.returncode, stderr.decode()) == (BROKEN_PIPE, "")
