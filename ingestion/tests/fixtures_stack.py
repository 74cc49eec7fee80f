"""The ``stack`` fixture: the project's own Stack on the test run's settings, downed at the end."""

from __future__ import annotations

import pytest

from ingestion.config import Settings


@pytest.fixture(scope="session")
def stack(settings: Settings):
    """Start services with ``stack.up([...])``; everything started is stopped after the run."""
    from ingestion.stack import Stack

    stack = Stack(settings)
    yield stack
    stack.down()
