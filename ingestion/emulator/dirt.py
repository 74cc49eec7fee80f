"""The dirt of reality on the wire, at low rates: what the original pipeline's consumer dumps
show (shared/domain.md §1-2), added to the records of each event before they are sent.

- **forms**: a datetime written in the `T` form (``2020-08-28T03:52:47``) or the colon form
  (``2020:08:28 03:52:47``) instead of the base form;
- **resend**: an exact re-send of a record (the same JSON text again);
- **reorder**: a re-send whose JSON keys come in another order;
- **foreign**: a record of another entity of the same event also sent on this entity's topic
  or stream (dbt quarantines it as ``wrong_entity``).

None of it changes what the records mean: after dbt's cleaning (every wire form parsed,
re-sends collapsed by the merge, foreign records quarantined) the marts are the same as for
the clean records. The draws come from a random generator of their own, so the emulator's
classic sequence of offsets never changes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from ingestion.config import ENTITIES, parse_pairs
from ingestion.emulator import wire
from ingestion.errors import BadInput

KINDS = ("resend", "reorder", "foreign")
FORMS = tuple(form for form in wire.DATETIME_FORMATS if form != "space")  # T, colon
NONE = "none"


@dataclass(frozen=True)
class Dirt:
    """Rates per record (0 to 1): re-sends, key-order re-sends, records of another entity,
    and each non-base datetime form."""

    resend: float = 0.0
    reorder: float = 0.0
    foreign: float = 0.0
    forms: dict[str, float] = field(default_factory=dict)  # "T" / "colon" -> rate

    @classmethod
    def parse(cls, text: str) -> Dirt:
        """``none``, or ``resend=0.01,reorder=0.01,foreign=0.005,T=0.05,colon=0.05`` (a name
        left out is 0)."""
        if text.strip().lower() in (NONE, ""):
            return cls()
        rates: dict[str, float] = {}
        for name, value in parse_pairs(text, "dirt").items():
            if name not in (*KINDS, *FORMS):
                raise BadInput(
                    f"dirt: unknown kind {name!r} (one of {', '.join((*KINDS, *FORMS))}, or none)"
                )
            try:
                rate = float(value)
            except ValueError as exc:
                raise BadInput(f"dirt: {name} must be a number, got {value!r}") from exc
            if not 0 <= rate <= 1:
                raise BadInput(f"dirt: {name} must be between 0 and 1, got {rate}")
            rates[name] = rate
        forms = {form: rates.pop(form) for form in FORMS if form in rates}
        if sum(forms.values()) > 1:
            raise BadInput("dirt: the datetime form rates add up to more than 1")
        return cls(**rates, forms=forms)

    @property
    def clean(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def __str__(self) -> str:
        rates = {**{kind: getattr(self, kind) for kind in KINDS}, **self.forms}
        text = ",".join(f"{name}={rate:g}" for name, rate in rates.items() if rate)
        return text or NONE


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One record to send: on ``entity``'s topic or stream; ``dirt`` names what it is when it
    is not the event's own record (``resend``, ``reorder``, ``foreign``)."""

    entity: str
    record: dict[str, Any]
    dirt: str | None = None


class DirtyWire:
    """Turns one event's rows into the records sent for it, with the dirt drawn from its own
    generator (seeded, so a run is repeatable)."""

    def __init__(self, dirt: Dirt, base_form: str = "space", seed: int = 0) -> None:
        self.dirt = dirt
        self.base_form = base_form
        self._rng = random.Random(f"dirt-{seed}")
        self.counts: Counter[str] = Counter()  # dirt sent: kinds, and datetimes per non-base form

    def form(self) -> str:
        """The datetime form of the next record."""
        draw = self._rng.random()
        for form, rate in self.dirt.forms.items():
            if draw < rate:
                return form
            draw -= rate
        return self.base_form

    def event(self, rows: Mapping[str, Mapping[str, Any]]) -> list[Outgoing]:
        """The records of one event, entity by entity, each followed by its dirt."""
        if self.dirt.clean:
            return [Outgoing(e, wire.to_record(rows[e], self.base_form)) for e in ENTITIES]
        records = {}
        for entity in ENTITIES:
            form = self.form()
            records[entity] = wire.to_record(rows[entity], form)
            dated = any(isinstance(v, datetime) for v in rows[entity].values())
            if form != self.base_form and dated:
                self.counts[form] += 1
        out: list[Outgoing] = []
        for entity in ENTITIES:
            record = records[entity]
            out.append(Outgoing(entity, record))
            extras = []
            if self._rng.random() < self.dirt.resend:
                extras.append(Outgoing(entity, dict(record), "resend"))
            if self._rng.random() < self.dirt.reorder:
                extras.append(Outgoing(entity, reordered(record, self._rng), "reorder"))
            if self._rng.random() < self.dirt.foreign:
                other = self._rng.choice([e for e in ENTITIES if e != entity])
                extras.append(Outgoing(entity, dict(records[other]), "foreign"))
            self.counts.update(extra.dirt for extra in extras)
            out += extras
        return out


def reordered(record: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same record with its keys in another order (reversed when a shuffle keeps it)."""
    keys = list(record)
    rng.shuffle(keys)
    if keys == list(record):
        keys.reverse()
    return {key: record[key] for key in keys}
