"""``pinpipe bench gateway``: the gateway's throughput and latency beside a direct producer.

By default starts its own broker and gateway (``pinpipe stack`` code) in a temporary state
dir on free ports and stops them afterwards; ``--running`` uses the stack of the current
settings instead. Works on its own topic (``bench<time>.gateway``). Measured in one run:

- batched: records/s through ``POST /topics/{t}`` in requests of ``--batch`` records, over
  ``--connections`` keep-alive connections, each answer checked for an offset per record;
- direct: the same record values produced in this process with confluent-kafka, with the
  gateway's producer settings (acks=all, idempotence, linger), until every one is acknowledged;
- single: one-record requests/s, closed loop over ``--connections`` connections;
- latency: one-record requests sent open-loop at ``--rate`` per second; a latency runs from
  the time the request was due (not sent), so a backlog counts against the gateway;
- overload: one-record requests sent open-loop at twice the single rate just measured, over at
  most twice as many connections as the workers' in-flight bounds together (a client's pool),
  with the resident memory of all gateway processes sampled twice a second: the gateway turns
  away what it cannot take (429) and its memory stays flat.

``summary`` holds the figures the targets are set on, all from this one run. CPU and memory are
those of the whole gateway: the parent process and every worker. The load generator is a
minimal asyncio HTTP/1.1 client (uvloop) to spend little CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingestion.bench import PIN, emit
from ingestion.config import Settings
from ingestion.emulator import wire
from ingestion.errors import BadInput
from ingestion.options import add_workers
from ingestion.stack.processes import proc_stat
from ingestion.stack.services import free_port


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gateway",
        help="gateway records/s (batched vs direct confluent-kafka), single req/s, p50/p99",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("--records", type=int, default=200_000, help="records for batched/direct")
    parser.add_argument("--batch", type=int, default=100, help="records per batched request")
    parser.add_argument("--connections", type=int, default=64, help="concurrent connections")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of single and latency")
    parser.add_argument("--rate", type=int, default=1000, help="open-loop requests/s (latency)")
    add_workers(parser, "; not with --running")
    parser.add_argument(
        "--running", action="store_true",
        help="use the running stack of the current settings (default: start one in a temp dir)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if min(args.records, args.batch, args.connections, args.rate) < 1 or args.seconds <= 0:
        raise BadInput("counts, rate and seconds must be positive")
    if args.workers is not None and (args.workers < 1 or args.running):
        raise BadInput("--workers must be positive, and not --running")
    if args.workers is not None:
        settings = replace(settings, gateway_workers=args.workers)
    with bench_stack(settings, args.running) as (local, gateway_pid):
        topic = create_topic(local)
        values = [compact({**PIN, "index": i}) for i in range(args.records)]
        url = local.gateway
        gateway = CpuMeter(gateway_pid)
        result: dict[str, Any] = {
            "setup": {
                "stack": "running" if args.running else "temporary (started by the bench)",
                "topic_partitions": local.kafka_partitions,
                "record_bytes": len(values[0]),
                "connections": args.connections,
                "gateway_workers": gateway.workers(),
                "max_in_flight_per_worker": local.gateway_max_in_flight,
                "delivery_timeout_ms": local.gateway_delivery_timeout_ms,
                "load_average_1m_at_start": round(os.getloadavg()[0], 2),
            },
            "note": "load generator, gateway and broker share this machine's cores; cpu_share "
            "and cpu_us_*: CPU of all gateway processes (direct: of the producing process)",
        }
        batched = asyncio_run(
            batched_load(gateway, url, topic, values, args.batch, args.connections)
        )
        direct = direct_produce(CpuMeter(os.getpid()), local, topic, values)
        single = asyncio_run(single_load(gateway, url, topic, args.seconds, args.connections))
        latency = asyncio_run(open_loop(gateway, url, topic, args.seconds, args.rate))
        # connections enough for every worker's in-flight bound twice over, as a client pool
        pool = 2 * local.gateway_max_in_flight * result["setup"]["gateway_workers"]
        overload = asyncio_run(
            open_loop(gateway, url, topic, args.seconds, 2 * single["requests_per_s"], True, pool)
        )
        overload["connections_pool"] = pool
    result["summary"] = {
        "batched_records_per_s": batched["records_per_s"],
        "direct_records_per_s": direct["records_per_s"],
        "batched_ratio": round(batched["records_per_s"] / direct["records_per_s"], 3),
        "single_requests_per_s": single["requests_per_s"],
        "open_loop_p99_ms": latency["p99_ms"],
    }
    result["batched"] = batched
    result["direct"] = direct
    result["single"] = single
    result["latency"] = latency
    result["overload"] = overload
    result["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    emit("gateway", result)
    return 0


@contextmanager
def bench_stack(settings: Settings, running: bool):
    """(settings, gateway pid) of the current stack, or of a fresh broker + gateway in a
    temporary state dir."""
    from ingestion.stack import Stack

    if running:
        stack = Stack(settings)
        stack.up(["kafka", "gateway"])
        yield settings, stack.tracked("gateway").pid()
        return
    with tempfile.TemporaryDirectory(prefix="pinpipe-bench-gateway-") as tmp:
        local = replace(
            settings, state_dir=Path(tmp), kafka_port=free_port(),
            kafka_controller_port=free_port(), kinesis_port=free_port(),
            gateway_port=free_port(), gateway_url="", kafka_bootstrap="",
        )  # fmt: skip
        stack = Stack(local)
        try:
            stack.up(["kafka", "gateway"])
            yield local, stack.tracked("gateway").pid()
        finally:
            stack.down()


@dataclass
class Span:
    wall: float = 0.0
    cpu: float = 0.0

    def figures(self, count: int, unit: str) -> dict[str, Any]:
        """Rate per second, CPU share (cores used) and CPU per ``unit`` of the process."""
        return {
            "seconds": round(self.wall, 3),
            f"{unit}s_per_s": round(count / self.wall),
            "cpu_share": round(self.cpu / self.wall, 2),
            f"cpu_us_per_{unit}": round(self.cpu / count * 1e6, 1),
        }


class CpuMeter:
    """CPU seconds (user + system, all threads) and resident memory of a process and all its
    descendants (the gateway's workers)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.page = os.sysconf("SC_PAGE_SIZE")

    def pids(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                pid = int(stat.parent.name)
                children.setdefault(int(proc_stat(pid)[1]), []).append(pid)
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += children.get(pid, [])
        return found

    def workers(self) -> int:
        """Worker processes (spawned by the parent), or 1 when the process serves alone."""
        spawned = 0
        for pid in self.pids():
            try:
                spawned += b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
        return spawned or 1

    def seconds(self) -> float:
        ticks = 0
        for pid in self.pids():
            try:
                fields = proc_stat(pid)
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / self.ticks

    def rss_mib(self) -> float:
        pages = 0
        for pid in self.pids():
            try:
                pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError):
                continue
        return round(pages * self.page / 2**20, 1)

    @contextmanager
    def span(self) -> Iterator[Span]:
        span = Span()
        cpu, started = self.seconds(), time.perf_counter()
        yield span
        span.wall = time.perf_counter() - started
        span.cpu = self.seconds() - cpu


def create_topic(settings: Settings) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic

    topic = f"bench{int(time.time())}.gateway"
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    new = NewTopic(topic, num_partitions=settings.kafka_partitions, replication_factor=1)
    admin.create_topics([new])[topic].result(30)
    deadline = time.monotonic() + 30  # the gateway learns of new topics from broker metadata
    while topic not in admin.list_topics(timeout=10).topics and time.monotonic() < deadline:
        time.sleep(0.2)
    return topic


def compact(row: dict[str, Any]) -> str:
    return json.dumps(row, separators=(",", ":"))


def asyncio_run(coroutine: Any) -> Any:
    import uvloop

    return uvloop.run(coroutine)


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a body, read status and body."""

    def __init__(self, url: str) -> None:
        host_port = url.split("://", 1)[1].rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: {wire.KAFKA_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            self.writer.write(head + body)
            status_line = await self.reader.readline()
        except (ConnectionResetError, BrokenPipeError):  # it was closed as we wrote
            status_line = b""
        if not status_line:  # the server closed the idle keep-alive connection: reconnect
            self.close()
            await self.open()
            self.writer.write(head + body)
            status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def connections(url: str, count: int) -> list[Connection]:
    return [await Connection(url).open() for _ in range(count)]


def acknowledged(status: int, body: bytes, records: int) -> int:
    """Records the answer acknowledges, as the emulator's sender counts them."""
    if status != 200:
        return 0
    return sum(o.acknowledged for o in wire.kafka_outcomes(json.loads(body), records))


async def batched_load(
    meter: CpuMeter, url: str, topic: str, values: list[str], batch: int, count: int
) -> dict:
    chunks = [values[i : i + batch] for i in range(0, len(values), batch)]
    bodies = [
        (
            len(chunk),
            ('{"records":[' + ",".join('{"value":' + v + "}" for v in chunk) + "]}").encode(),
        )
        for chunk in chunks
    ]
    pool = await connections(url, count)
    path = wire.path("batch", topic)
    await pool[0].post(path, bodies[0][1])  # warm-up: producer id, metadata
    queue = list(reversed(bodies))
    acks = 0
    statuses: Counter[int] = Counter()

    async def worker(connection: Connection) -> None:
        nonlocal acks
        while queue:
            records, body = queue.pop()
            status, answer = await connection.post(path, body)
            statuses[status] += 1
            acks += acknowledged(status, answer, records)

    with meter.span() as span:
        await asyncio.gather(*(worker(c) for c in pool))
    for connection in pool:
        connection.close()
    return {
        "records": len(values),
        "records_per_request": batch,
        **span.figures(len(values), "record"),
        "acknowledged": acks,
        "statuses": dict(statuses),
    }


def direct_produce(meter: CpuMeter, settings: Settings, topic: str, values: list[str]) -> dict:
    from confluent_kafka import Producer

    from ingestion.gateway.kafka_sink import producer_config
    from ingestion.landing.producers import produce_waiting

    producer = Producer(producer_config(settings))
    producer.produce(topic, b"warm-up")
    producer.flush(30)
    acks = 0
    errors = 0

    def delivered(err: Any, _msg: Any) -> None:
        nonlocal acks, errors
        if err is None:
            acks += 1
        else:
            errors += 1

    payloads = [value.encode() for value in values]
    with meter.span() as span:
        for payload in payloads:
            produce_waiting(producer, topic, payload, on_delivery=delivered)
        producer.flush(120)
    return {
        "records": len(values),
        **span.figures(len(values), "record"),
        "acknowledged": acks,
        "errors": errors,
    }


def one_record(i: int) -> bytes:
    return ('{"records":[{"value":' + compact({**PIN, "index": i}) + "}]}").encode()


async def single_load(meter: CpuMeter, url: str, topic: str, seconds: float, count: int) -> dict:
    pool = await connections(url, count)
    path = wire.path("batch", topic)
    body = one_record(0)
    statuses: Counter[int] = Counter()
    acks = 0
    deadline = time.perf_counter() + seconds

    async def worker(connection: Connection) -> None:
        nonlocal acks
        while time.perf_counter() < deadline:
            status, answer = await connection.post(path, body)
            statuses[status] += 1
            acks += acknowledged(status, answer, 1)

    with meter.span() as span:
        await asyncio.gather(*(worker(c) for c in pool))
    for connection in pool:
        connection.close()
    requests = sum(statuses.values())
    return {
        "requests": requests,
        **span.figures(requests, "request"),
        "acknowledged": acks,
        "statuses": dict(statuses),
    }


async def open_loop(
    meter: CpuMeter,
    url: str,
    topic: str,
    seconds: float,
    rate: int,
    memory: bool = False,
    pool: int | None = None,
) -> dict:
    """Requests due every 1/rate s, each on a free connection (more opened when none is, up to
    ``pool``; then the request waits for one); ``requests_per_s`` counts until the last answer.
    ``memory``: the gateway's resident memory sampled every 0.5 s."""
    path = wire.path("batch", topic)
    body = one_record(1)
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for connection in await connections(url, 32):
        idle.put_nowait(connection)
    opened = idle.qsize()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    total = int(seconds * rate)
    rss = [meter.rss_mib()] if memory else []
    start = time.perf_counter() + 0.01

    async def send(due: float) -> None:
        nonlocal opened
        if idle.empty() and (pool is None or opened < pool):
            opened += 1
            connection = await Connection(url).open()
        else:
            connection = await idle.get()
        status, _ = await connection.post(path, body)
        latencies.append(time.perf_counter() - due)
        statuses[status] += 1
        idle.put_nowait(connection)

    async def sample() -> None:
        while True:
            await asyncio.sleep(0.5)
            rss.append(meter.rss_mib())

    sampler = asyncio.create_task(sample()) if memory else None
    tasks = []
    with meter.span() as span:
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(due)))
        await asyncio.gather(*tasks)
    if sampler is not None:
        sampler.cancel()
        rss.append(meter.rss_mib())
    while not idle.empty():
        idle.get_nowait().close()
    ordered = sorted(latencies)

    def quantile(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    result = {
        "target_requests_per_s": rate,
        "requests": total,
        **span.figures(total, "request"),
        "acknowledged_per_s": round(statuses[200] / span.wall),
        "p50_ms": quantile(0.50),
        "p99_ms": quantile(0.99),
        "max_ms": round(ordered[-1] * 1000, 2),
        "statuses": dict(statuses),
    }
    result["connections_opened"] = opened
    if memory:
        result["gateway_rss_mib"] = {
            "start": rss[0],
            "middle": rss[len(rss) // 2],
            "end": rss[-1],
            "peak": max(rss),
            "samples": rss,
        }
    return result
