"""A live HTTP endpoint that answers like the Kafka REST Proxy and the API Gateway Kinesis proxy.

It runs a real ``ThreadingHTTPServer`` on a free loopback port and records every request
(method, path, headers, raw body). ``script`` queues answers for the next requests (status,
JSON body, or a dropped connection) to exercise retries and failures; ``fail_records``
makes chosen record positions fail inside a 200 answer.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeGateway:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    script: deque = field(default_factory=deque)  # (status, body) or "drop"
    fail_records: set[int] = field(default_factory=set)  # positions failing inside a 200
    offsets: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.script.clear()
            self.fail_records.clear()
            self.offsets.clear()

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any] | str:
        with self.lock:
            if self.script:
                return self.script.popleft()
            payload = json.loads(body)
            if method == "POST" and path.startswith("/topics/"):
                topic = path.removeprefix("/topics/")
                offsets = []
                for i, _ in enumerate(payload["records"]):
                    if i in self.fail_records:
                        offsets.append(
                            {"partition": None, "offset": None, "error_code": 50002,
                             "error": "Kafka error"}
                        )  # fmt: skip
                        continue
                    offsets.append(
                        {"partition": 0, "offset": self.offsets[topic], "error_code": None,
                         "error": None}
                    )  # fmt: skip
                    self.offsets[topic] += 1
                return 200, {"offsets": offsets, "key_schema_id": None, "value_schema_id": None}
            if method == "PUT" and path.endswith("/record"):
                stream = path.split("/")[2]
                self.offsets[stream] += 1
                return 200, {"SequenceNumber": f"{self.offsets[stream]:056d}",
                             "ShardId": "shardId-000000000000"}  # fmt: skip
            if method == "PUT" and path.endswith("/records"):
                stream = path.split("/")[2]
                records, failed = [], 0
                for i, _ in enumerate(payload["Records"]):
                    if i in self.fail_records:
                        failed += 1
                        records.append({"ErrorCode": "ProvisionedThroughputExceededException",
                                        "ErrorMessage": "Rate exceeded"})  # fmt: skip
                        continue
                    self.offsets[stream] += 1
                    records.append({"SequenceNumber": f"{self.offsets[stream]:056d}",
                                    "ShardId": "shardId-000000000000"})  # fmt: skip
                return 200, {"FailedRecordCount": failed, "Records": records}
            return 404, {"error_code": 404, "message": "HTTP 404 Not Found"}


def _handler(gateway: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with gateway.lock:
                gateway.requests.append(
                    Recorded(self.command, self.path, dict(self.headers.items()), body)
                )
            reply = gateway.answer(self.command, self.path, body)
            if reply == "drop":  # the request arrived; the answer never does
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, payload = reply
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PUT = _handle

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def fake_gateway_server():
    gateway = FakeGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield gateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_gateway(fake_gateway_server: FakeGateway) -> FakeGateway:
    fake_gateway_server.reset()
    return fake_gateway_server
