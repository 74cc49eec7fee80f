"""Source fixtures: the default replica in SQLite, and a real PostgreSQL server for dialect tests.

The PostgreSQL server is the system's (Debian ``postgresql``, installed by
``make system-deps``): ``initdb`` into a temporary folder, started on a free loopback port,
stopped and removed at the end. As root it runs as the ``postgres`` user, as PostgreSQL
requires.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ingestion.config import Settings
from ingestion.source_db.shapes import DEFAULT_ROWS
from ingestion.source_db.writer import write_replica
from ingestion.stack.services import free_port

REPLICA_SEED = 7


@pytest.fixture(scope="session")
def replica_url(settings: Settings) -> str:
    """The default-size replica (11,153 rows) in a SQLite file of the test state dir."""
    url = f"sqlite:///{settings.state_dir}/replica.db"
    write_replica(url, DEFAULT_ROWS, REPLICA_SEED, replace=True)
    return url


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        pytest.fail(
            f"PostgreSQL's {name} is not installed: run `make system-deps` (as root) first",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL server; yields a SQLAlchemy URL of an empty database."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="pinpipe-pg-"))
    root.chmod(0o755)
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
         "start"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    try:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE pinpipe_source")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/pinpipe_source"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
