"""What a newcomer meets first: ``--help`` texts with examples, ``pinpipe dbt`` passing
anything to dbt, an emulator whose defaults end."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ingestion.cli import build_parser
from ingestion.stack.services import free_port
from ingestion.tests.conftest import PROJECT_DIR

PINPIPE = Path(sys.executable).with_name("pinpipe")


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return subparsers.choices


def test_pinpipe_help_points_at_make_demo_and_the_docs() -> None:
    text = build_parser().format_help()
    assert "make demo" in text and "docs/demo.md" in text and "README.md" in text


def test_every_command_help_gives_examples() -> None:
    helps = {name: parser.format_help() for name, parser in commands().items()}
    assert [name for name, text in helps.items() if "examples:" not in text] == []


def test_help_wraps_prose_and_keeps_examples_as_written() -> None:
    text = commands()["emulate"].format_help()
    widest = max(map(len, text.split("examples:")[0].splitlines()))
    assert widest <= int(os.environ.get("COLUMNS", "80"))  # the description is wrapped
    assert "\n  pinpipe emulate --count 0 --rate classic  the original" in text


def test_emulate_without_options_ends_at_a_useful_rate() -> None:
    args = build_parser().parse_args(["emulate"])
    assert args.count > 0 and isinstance(args.rate, float) and args.rate > 1
    classic = build_parser().parse_args(["emulate", "--count", "0", "--rate", "classic"])
    assert (classic.count, classic.rate) == (0, "classic")


def dbt(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``pinpipe dbt ARGS`` with no profiles.yml and no SQL server."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(tmp_path), "PINPIPE_SQL_PORT": str(free_port())}
    return subprocess.run(
        [str(PINPIPE), "dbt", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_pinpipe_dbt_alone_prints_dbts_help_then_its_own(tmp_path: Path) -> None:
    done = dbt(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.index("Usage: dbt [OPTIONS] [COMMAND]") < done.stdout.index(
        "pinpipe dbt build --selector batch_layer"
    )


def test_pinpipe_dbt_passes_what_dbt_accepts(tmp_path: Path) -> None:
    version = dbt(tmp_path, "--version")
    assert version.returncode == 0 and "installed:" in version.stdout, version.stderr
    build_help = dbt(tmp_path, "build", "--help")
    assert build_help.returncode == 0 and "Usage: dbt build [OPTIONS]" in build_help.stdout
