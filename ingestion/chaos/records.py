"""The records a chaos run sends: the emulator's classic sampling over an in-memory copy of
the source tables, each record tagged with a unique ``chaos_id``.

The tag (``<layer>/<entity>/<event>``) is one more JSON field; the dbt record schemas ignore
fields they do not name. It tells records apart that carry the same source row (sampling is
with replacement) and, after kinesis-local lost records, the same sequence number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingestion.config import ENTITIES
from ingestion.emulator import wire
from ingestion.emulator.reader import SourceReader
from ingestion.emulator.sampler import CLASSIC_SEED, ClassicSampler

TAG = "chaos_id"
KEY_FIELD = {"pin": "index", "geo": "ind", "user": "ind"}  # the post key in each record


def chaos_id(layer: str, entity: str, event: int) -> str:
    return f"{layer}/{entity}/{event}"


def parse_chaos_id(value: str) -> tuple[str, str, int]:
    layer, entity, event = value.split("/")
    return layer, entity, int(event)


class SourceSnapshot:
    """Every row of the three source tables in key order, read once (the classic
    ``LIMIT offset, 1`` per record would cost a table walk per record at 1,000 events/s)."""

    def __init__(self, url: str, events: int, seed: int = CLASSIC_SEED) -> None:
        reader = SourceReader(url)
        try:
            self.rows = {entity: reader.all_rows(entity) for entity in ENTITIES}
        finally:
            reader.close()
        sampler = ClassicSampler(len(self.rows["pin"]), seed)
        self.offsets = [sampler.next().offset for _ in range(events)]

    def record(self, layer: str, entity: str, event: int) -> dict[str, Any]:
        """The wire record of ``entity`` for event number ``event``, tagged."""
        row = self.rows[entity][self.offsets[event]]
        return {**wire.to_record(row), TAG: chaos_id(layer, entity, event)}

    def key(self, entity: str, event: int) -> int:
        """The post key (``index`` / ``ind``) the record of ``event`` carries."""
        return int(self.rows[entity][self.offsets[event]][KEY_FIELD[entity]])

    def keys(self, entity: str, events: Sequence[int]) -> set[int]:
        return {self.key(entity, event) for event in events}
