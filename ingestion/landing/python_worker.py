"""The Kinesis source's Python worker: connect back to Spark first, import pyspark after.

Spark runs a streaming Python data source's reader in a fresh
``python -m pyspark.sql.streaming.python_streaming_source_runner`` process per query and waits
a fixed 10 s for it to connect back (``PythonWorkerFactory.createSimpleWorker``; no setting
changes it, and the forking daemon is not used for it). That module imports pyspark, pyarrow
and numpy before it connects, seconds of CPU on a busy machine. The launcher of
``ingestion.landing.spark`` runs this module in its place: it connects and authenticates with
the standard library only, then imports the runner and hands it the open connection, so the
imports happen after the connection, where Spark waits without a limit.

The handshake is the one of ``pyspark.worker_util.get_sock_file_to_executor`` (pyspark 4.2):
connect to ``PYTHON_WORKER_FACTORY_PORT``, send the secret (length-prefixed), read ``ok``,
send the process id.
"""

from __future__ import annotations

import os
import runpy
import socket
import struct
import sys
from typing import BinaryIO

RUNNER = "pyspark.sql.streaming.python_streaming_source_runner"


def connect_back(environ: dict[str, str]) -> BinaryIO:
    """The authenticated connection to the JVM, as the buffered file the runner reads."""
    host = "::1" if environ.get("SPARK_PREFER_IPV6", "false").lower() == "true" else "127.0.0.1"
    port = int(environ["PYTHON_WORKER_FACTORY_PORT"])
    secret = environ["PYTHON_WORKER_FACTORY_SECRET"].encode()
    timeout = int(environ.get("SPARK_AUTH_SOCKET_TIMEOUT", "15"))
    sock = socket.create_connection((host, port), timeout=timeout)
    sock_file = sock.makefile("rwb", int(environ.get("SPARK_BUFFER_SIZE", "65536")))
    sock_file.write(struct.pack("!i", len(secret)) + secret)
    sock_file.flush()
    (length,) = struct.unpack("!i", sock_file.read(4))
    if sock_file.read(length) != b"ok":
        sock_file.close()
        raise ConnectionError("Spark did not accept this Python worker's secret")
    sock.settimeout(None)  # the runner then waits for Spark's calls as long as the query runs
    sock_file.write(struct.pack("!i", os.getpid()))
    sock_file.flush()
    return sock_file  # type: ignore[return-value]


def main() -> None:
    if "PYTHON_WORKER_FACTORY_PORT" not in os.environ:  # e.g. a Unix domain socket: as Spark does
        runpy.run_module(RUNNER, run_name="__main__", alter_sys=True)
        return
    sock_file = connect_back(dict(os.environ))
    from pyspark.sql.streaming import python_streaming_source_runner as runner

    with sock_file:
        runner.main(sock_file, sock_file)


if __name__ == "__main__":
    sys.exit(main())
