"""The gateway in-process (uvicorn on a thread) against the real broker and kinesis-local."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace

import pytest
import requests
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from ingestion.config import Settings
from ingestion.gateway.server import serving_in_thread
from ingestion.landing.kinesis_reader import kinesis_client
from ingestion.stack.services import free_port

JSON_V2 = "application/vnd.kafka.json.v2+json"
BINARY_V2 = "application/vnd.kafka.binary.v2+json"
TWO_PARTITIONS = "gwtest.two"
SMALL_MESSAGES = "gwtest.small"  # max.message.bytes 1000: the broker refuses bigger records


@pytest.fixture(scope="module")
def services(stack, settings: Settings) -> Settings:
    stack.up(["kafka", "kinesis"])
    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    futures = admin.create_topics(
        [
            NewTopic(TWO_PARTITIONS, num_partitions=2, replication_factor=1),
            NewTopic(
                SMALL_MESSAGES,
                num_partitions=2,
                replication_factor=1,
                config={"max.message.bytes": "1000"},
            ),
        ]  # fmt: skip
    )
    for future in futures.values():
        future.result(30)
    return settings


@pytest.fixture(scope="module")
def gateway_settings(services: Settings) -> Settings:
    return replace(
        services,
        gateway_delivery_timeout_ms=3000,
        gateway_max_body_bytes=200_000,
        gateway_max_record_bytes=20_000,
    )


@pytest.fixture(scope="module")
def gateway(gateway_settings: Settings):
    with serving_in_thread(gateway_settings, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def kinesis(services: Settings):
    return kinesis_client(services.kinesis_url, services.aws_region, local=True)


def post(url: str, body: object, content_type: str = JSON_V2, **kwargs) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    return requests.post(url, data=data, headers=headers, timeout=30, **kwargs)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def read_back(settings: Settings, topic: str, partition: int, offset: int) -> tuple:
    """(key, value) of the record at that offset, read by a real consumer."""
    consumer = Consumer(
        {"bootstrap.servers": settings.bootstrap_servers, "group.id": "gateway-tests",
         "enable.auto.commit": False}
    )  # fmt: skip
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                assert msg.offset() == offset
                return msg.key(), msg.value()
        raise AssertionError(f"nothing at {topic}/{partition}@{offset}")
    finally:
        consumer.close()


def end_offset(settings: Settings, topic: str, partition: int = 0) -> int:
    consumer = Consumer({"bootstrap.servers": settings.bootstrap_servers, "group.id": "gw-end"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
    finally:
        consumer.close()


# Kafka REST Proxy v2


def test_json_records_are_acknowledged_with_offsets_a_consumer_reads_back(gateway, services):
    topic = services.topic("pin")
    records = [
        {"value": {"index": 7528, "poster_name": "Crafty 🎨 Corner", "follower_count": "26k"}},
        {"key": "k-1", "value": [1, 2.5, None]},
        {"value": "plain text"},
    ]
    answer = post(f"{gateway}/topics/{topic}", {"records": records})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.kafka.v2+json"
    body = answer.json()
    assert body["key_schema_id"] is None and body["value_schema_id"] is None
    offsets = body["offsets"]
    first = offsets[0]["offset"]
    assert [o["offset"] for o in offsets] == [first, first + 1, first + 2]
    assert all(o["error_code"] is None and o["error"] is None for o in offsets)
    expected = [
        (None, '{"index":7528,"poster_name":"Crafty 🎨 Corner","follower_count":"26k"}'),
        (b'"k-1"', "[1,2.5,null]"),
        (None, '"plain text"'),
    ]
    for offset, (key, value) in zip(offsets, expected, strict=True):
        got_key, got_value = read_back(services, topic, offset["partition"], offset["offset"])
        assert got_key == key
        assert got_value.decode("utf-8") == value


def test_binary_plain_json_partitions_and_a_stage_prefix(gateway, services):
    raw = bytes(range(256))
    record = {"key": b64(b"key"), "value": b64(raw), "partition": 1}
    binary = post(f"{gateway}/topics/{TWO_PARTITIONS}", {"records": [record]}, BINARY_V2)
    assert binary.status_code == 200, binary.text
    [offset] = binary.json()["offsets"]
    assert offset["partition"] == 1
    assert read_back(services, TWO_PARTITIONS, 1, offset["offset"]) == (b"key", raw)

    plain = post(f"{gateway}/topics/{TWO_PARTITIONS}/partitions/0", {"records": [{"value": 1}]},
                 "application/json; charset=utf-8")  # fmt: skip
    assert plain.status_code == 200, plain.text
    assert plain.json()["offsets"][0]["partition"] == 0

    staged = post(f"{gateway}/prod/topics/{TWO_PARTITIONS}", {"records": [{"value": {"s": 1}}]})
    assert staged.status_code == 200, staged.text
    [offset] = staged.json()["offsets"]
    _, value = read_back(services, TWO_PARTITIONS, offset["partition"], offset["offset"])
    assert value == b'{"s":1}'


def _rejections(topic: str, big: int) -> list[tuple[str, str, bytes, int, int]]:
    """(path, content type, body) -> (status, error_code) for each kind of bad request."""
    one = json.dumps({"records": [{"value": 1}]}).encode()
    return [
        (f"/topics/{topic}", "text/plain", one, 415, 415),
        (f"/topics/{topic}", "application/vnd.kafka.avro.v2+json", one, 415, 415),
        (f"/topics/{topic}", JSON_V2, b'{"records": [', 400, 400),
        (f"/topics/{topic}", JSON_V2, b'{"records": [{"value": NaN}]}', 400, 400),
        (f"/topics/{topic}", JSON_V2, b"[1, 2]", 400, 400),
        (f"/topics/{topic}", JSON_V2, b"{}", 422, 422),
        (f"/topics/{topic}", JSON_V2, b'{"records": []}', 422, 422),
        (f"/topics/{topic}", JSON_V2, b'{"records": {"value": 1}}', 400, 400),
        (f"/topics/{topic}", JSON_V2, b'{"records": [1]}', 400, 400),
        (f"/topics/{topic}", JSON_V2, b'{"records": [{"value": 1, "partition": "0"}]}', 400, 400),
        (f"/topics/{topic}", JSON_V2, b'{"records": [{"value": 1, "partition": 7}]}', 404, 40402),
        (f"/topics/{topic}/partitions/7", JSON_V2, one, 404, 40402),
        (f"/topics/{topic}/partitions/²", JSON_V2, one, 422, 422),
        ("/topics/not*a*topic", JSON_V2, one, 422, 422),
        ("/topics/no.such.topic", JSON_V2, one, 404, 40401),
        (f"/topics/{topic}", BINARY_V2, b'{"records": [{"value": "not base64!"}]}', 422, 42203),
        (f"/topics/{topic}", JSON_V2, b'{"records": [{"value": "' + b"x" * big + b'"}]}', 413, 413),
        (f"/topics/{topic}", JSON_V2, b'{"records": [], "pad": "' + b"x" * 10 * big + b'"}', 413,
         413),
    ]  # fmt: skip


def test_every_bad_request_gets_its_rest_proxy_code_and_writes_nothing(gateway, services):
    topic = services.topic("geo")
    before = end_offset(services, topic)
    for path, content_type, body, status, code in _rejections(topic, big=30_000):
        answer = post(gateway + path, body, content_type)
        got = (answer.status_code, answer.json()["error_code"])
        assert got == (status, code), (path, body[:80])
        assert answer.json()["message"]
    assert end_offset(services, topic) == before
    assert requests.get(f"{gateway}/nowhere", timeout=10).json() == {
        "error_code": 404, "message": "HTTP 404 Not Found"
    }  # fmt: skip
    assert requests.delete(f"{gateway}/topics/{topic}", timeout=10).status_code == 405


def test_a_record_kafka_refuses_fails_alone_inside_a_200(gateway, services):
    small, big = {"value": "ok", "partition": 0}, {"value": "x" * 2000, "partition": 1}
    mixed = post(f"{gateway}/topics/{SMALL_MESSAGES}", {"records": [small, big]})
    assert mixed.status_code == 200, mixed.text
    good, bad = mixed.json()["offsets"]
    assert good["error_code"] is None and good["offset"] >= 0
    assert bad == {"partition": None, "offset": None, "error_code": 50002, "error": bad["error"]}
    assert "too large" in bad["error"]

    only_bad = post(f"{gateway}/topics/{SMALL_MESSAGES}", {"records": [big]})
    assert only_bad.status_code == 500
    assert only_bad.json()["error_code"] == 50002
    assert only_bad.json()["offsets"][0]["error_code"] == 50002


def test_a_full_producer_queue_answers_429(gateway_settings):
    tight = replace(gateway_settings, gateway_queue_max_messages=5)
    with serving_in_thread(tight, free_port()) as url:
        topic = tight.topic("user")
        too_many = post(f"{url}/topics/{topic}", {"records": [{"value": i} for i in range(6)]})
        assert too_many.status_code == 429
        assert too_many.json()["error_code"] == 42901
        fits = post(f"{url}/topics/{topic}", {"records": [{"value": i} for i in range(5)]})
        assert fits.status_code == 200


def test_list_and_describe_topics(gateway, services):
    topics = requests.get(f"{gateway}/topics", timeout=10)
    assert topics.status_code == 200
    assert {services.topic(e) for e in ("pin", "geo", "user")} <= set(topics.json())
    assert not any(name.startswith("__") for name in topics.json())
    described = requests.get(f"{gateway}/topics/{TWO_PARTITIONS}", timeout=10).json()
    assert described["name"] == TWO_PARTITIONS
    assert [p["partition"] for p in described["partitions"]] == [0, 1]
    assert described["partitions"][0]["replicas"][0]["in_sync"] is True
    assert described["configs"]["cleanup.policy"] == "delete"
    missing = requests.get(f"{gateway}/topics/no.such.topic", timeout=10)
    assert (missing.status_code, missing.json()["error_code"]) == (404, 40401)


# Kinesis proxy


def read_record(kinesis, stream: str, shard_id: str, sequence: str) -> dict:
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=sequence,
    )["ShardIterator"]  # fmt: skip
    [record, *_] = kinesis.get_records(ShardIterator=iterator, Limit=1)["Records"]
    assert record["SequenceNumber"] == sequence
    return record


def test_put_record_sends_the_json_text_of_data(gateway, services, kinesis):
    stream = services.stream("pin")
    row = {"index": 2863, "title": "Sunset ☀", "downloaded": 1}
    answer = requests.put(
        f"{gateway}/streams/{stream}/record",
        json={"StreamName": stream, "Data": row, "PartitionKey": "2863"}, timeout=30,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["SequenceNumber"].isdigit() and body["ShardId"].startswith("shardId-")
    record = read_record(kinesis, stream, body["ShardId"], body["SequenceNumber"])
    assert record["Data"].decode("utf-8") == '{"index":2863,"title":"Sunset ☀","downloaded":1}'
    assert record["PartitionKey"] == "2863"


def test_put_records_in_both_body_shapes(gateway, services, kinesis):
    stream = services.stream("geo")
    shapes = [
        {"StreamName": stream, "Records": [{"Data": {"ind": 1}, "PartitionKey": "1"},
                                           {"Data": "raw text", "PartitionKey": 2}]},
        {"records": [{"data": {"ind": 3}, "partition-key": "3"}]},
    ]  # fmt: skip
    sent = []
    for body in shapes:
        answer = requests.put(f"{gateway}/streams/{stream}/records", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["FailedRecordCount"] == 0
        sent += answer.json()["Records"]
    datas = [read_record(kinesis, stream, r["ShardId"], r["SequenceNumber"])["Data"] for r in sent]
    assert datas == [b'{"ind":1}', b"raw text", b'{"ind":3}']


def test_kinesis_errors_have_kinesis_shapes(gateway, services):
    stream = services.stream("user")
    record = {"Data": {"a": 1}, "PartitionKey": "k"}
    cases = [
        ("put", "/streams/no-such-stream/record", json.dumps(record), 404,
         "ResourceNotFoundException"),
        ("put", f"/streams/{stream}/record", '{"Data": ', 400, "SerializationException"),
        ("put", f"/streams/{stream}/record", '{"Data": {"a": 1}}', 400, "ValidationException"),
        ("put", f"/streams/{stream}/record", json.dumps({**record, "StreamName": "other"}), 400,
         "ValidationException"),
        ("put", f"/streams/{stream}/record", json.dumps({**record, "Data": "x" * 30_000}), 413,
         "RequestEntityTooLarge"),
        ("put", f"/streams/{stream}/records", json.dumps({"Records": [record] * 501}), 400,
         "ValidationException"),
        ("put", f"/streams/{stream}/records", '{"Records": []}', 400, "ValidationException"),
        ("get", "/streams/bad*name", "", 400, "ValidationException"),
        ("get", "/streams/no-such-stream", "", 404, "ResourceNotFoundException"),
        ("post", f"/streams/{stream}", "", 409, "ResourceInUseException"),
        ("post", "/streams/gwtest-x", '{"ShardCount": 0}', 400, "ValidationException"),
    ]  # fmt: skip
    for method, path, body, status, kind in cases:
        answer = requests.request(method, gateway + path, data=body.encode(), timeout=30)
        assert (answer.status_code, answer.json()["__type"]) == (status, kind), (method, path)
        assert answer.json()["message"]


def test_create_describe_list_and_delete_a_stream(gateway, kinesis):
    name = f"gwtest-{int(time.time() * 1000)}"
    created = requests.post(f"{gateway}/streams/{name}", json={"ShardCount": 2}, timeout=30)
    assert created.status_code == 200, created.text
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    described = requests.get(f"{gateway}/streams/{name}", timeout=30).json()["StreamDescription"]
    assert described["StreamName"] == name and described["StreamStatus"] == "ACTIVE"
    assert len(described["Shards"]) == 2
    assert isinstance(described["StreamCreationTimestamp"], float)
    assert name in requests.get(f"{gateway}/streams", timeout=30).json()["StreamNames"]
    deleted = requests.delete(f"{gateway}/streams/{name}", timeout=30)
    assert deleted.status_code == 200, deleted.text
    kinesis.get_waiter("stream_not_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})


# services the gateway cannot reach, auth, metrics, docs


def test_unreachable_kafka_and_kinesis_answer_503_promptly(gateway_settings):
    nowhere = replace(
        gateway_settings, kafka_port=free_port(), kinesis_port=free_port(),
        gateway_delivery_timeout_ms=1500,
    )  # fmt: skip
    with serving_in_thread(nowhere, free_port()) as url:
        started = time.monotonic()
        kafka = post(f"{url}/topics/{nowhere.topic('pin')}", {"records": [{"value": 1}]})
        assert (kafka.status_code, kafka.json()["error_code"]) == (503, 50302)
        assert time.monotonic() - started < 5
        kinesis = requests.put(
            f"{url}/streams/{nowhere.stream('pin')}/record",
            json={"Data": {"a": 1}, "PartitionKey": "1"}, timeout=30,
        )  # fmt: skip
        assert (kinesis.status_code, kinesis.json()["__type"]) == (503, "ServiceUnavailable")


def test_api_key_is_required_only_when_configured(gateway, gateway_settings):
    assert requests.get(f"{gateway}/topics", timeout=10).status_code == 200
    locked = replace(gateway_settings, gateway_api_key="s3cret")
    with serving_in_thread(locked, free_port()) as url:
        assert requests.get(f"{url}/topics", timeout=10).status_code == 403
        wrong = requests.get(f"{url}/topics", headers={"x-api-key": "guess"}, timeout=10)
        assert (wrong.status_code, wrong.json()["error_code"]) == (403, 40301)
        staged = requests.get(f"{url}/prod/streams", timeout=10)
        assert staged.status_code == 403
        right = requests.get(f"{url}/topics", headers={"x-api-key": "s3cret"}, timeout=10)
        assert right.status_code == 200
        assert requests.get(f"{url}/healthz", timeout=10).json()["status"] == "ok"
        schema = requests.get(f"{url}/openapi.json", timeout=10).json()
        assert schema["components"]["securitySchemes"]["apiKey"]["name"] == "x-api-key"


def metric_samples(url: str) -> dict[str, float]:
    text = requests.get(f"{url}/metrics", timeout=10).text
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_metrics_count_requests_records_errors_and_latency(gateway, services):
    topic = services.topic("user")
    acked = 'pinpipe_gateway_records_total{api="kafka",outcome="acknowledged"}'
    posted = 'pinpipe_gateway_requests_total{method="POST",route="/topics/{topic}",status="200"}'
    latency = (
        'pinpipe_gateway_request_duration_seconds_count{method="POST",route="/topics/{topic}"}'
    )
    not_found = 'pinpipe_gateway_errors_total{kind="http",code="404"}'
    before = metric_samples(gateway)
    assert post(f"{gateway}/topics/{topic}", {"records": [{"value": 1}, {"value": 2}]}).ok
    assert post(f"{gateway}/topics/no.such.topic", {"records": [{"value": 1}]}).status_code == 404
    after = metric_samples(gateway)
    assert after[acked] - before.get(acked, 0) == 2
    assert after[posted] - before.get(posted, 0) == 1
    assert after[latency] - before.get(latency, 0) == 2
    assert after[not_found] - before.get(not_found, 0) == 1
    assert "pinpipe_gateway_kafka_queued_records" in after
    assert 'le="+Inf"' in "".join(after)


def test_openapi_and_docs(gateway):
    schema = requests.get(f"{gateway}/openapi.json", timeout=10).json()
    assert {"/topics/{topic}", "/streams/{name}/record", "/streams/{name}/records"} <= set(
        schema["paths"]
    )
    produce = schema["paths"]["/topics/{topic}"]["post"]
    assert JSON_V2 in produce["requestBody"]["content"]
    docs = requests.get(f"{gateway}/docs", timeout=10)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
