"""Fixtures of the landing tests: the real broker and kinesis-local, and their clients."""

from __future__ import annotations

import pytest

from ingestion.config import Settings


@pytest.fixture(scope="session")
def landing_stack(stack):
    """Kafka and kinesis-local running, started by the project's stack code."""
    stack.up(["kafka", "kinesis"])
    return stack


@pytest.fixture(scope="session")
def kinesis(settings: Settings, landing_stack):
    from ingestion.landing.kinesis_reader import kinesis_client

    return kinesis_client(settings.kinesis_url, settings.aws_region, local=True)


@pytest.fixture(scope="session")
def producer(settings: Settings, landing_stack):
    from ingestion.landing.producers import kafka_producer

    producer = kafka_producer(settings.bootstrap_servers)
    yield producer
    producer.flush(10)
