"""The emulator loop: draw an offset, read one row of each table, send the records.

Every record that goes out in a request is counted as *sent*, and ends as exactly one of
*acknowledged* (the answer names its offset / sequence number), *failed* (the answer or a
refused connection says it was not taken) or *in doubt* (no answer: it may have landed).
Records read but never sent (the run stopped first) are *unsent*. So
``sent == acknowledged + failed + in_doubt`` always holds, also after Ctrl-C.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import requests

from ingestion.config import ENTITIES, Settings
from ingestion.emulator import wire
from ingestion.emulator.dirt import Dirt, DirtyWire
from ingestion.emulator.reader import KeyedSourceReader, SourceReader
from ingestion.emulator.sampler import CLASSIC_SEED, ClassicSampler
from ingestion.emulator.sender import ACKNOWLEDGED, IN_DOUBT, Delivery, Sender
from ingestion.errors import BadInput, Unreachable

LAYERS = {"batch": ("batch",), "stream": ("stream",), "both": ("batch", "stream")}
CLASSIC = "classic"


class EndpointUnreachable(Unreachable):
    """Every attempt to connect to an endpoint failed."""


@dataclass
class Tally:
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    in_doubt: int = 0


@dataclass
class Summary:
    """What a run did. ``sent == acknowledged + failed + in_doubt``."""

    events: int = 0
    records_sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    in_doubt: int = 0
    unsent: int = 0
    requests: int = 0
    retries: int = 0
    elapsed_seconds: float = 0.0
    events_per_second: float = 0.0
    records_per_second: float = 0.0
    interrupted: bool = False
    stopped: str | None = None  # why the run ended early
    layers: dict[str, Tally] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    dirt: dict[str, int] = field(default_factory=dict)  # dirt sent, per path: kind or form

    @property
    def balanced(self) -> bool:
        return self.records_sent == self.acknowledged + self.failed + self.in_doubt

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_text(self) -> str:
        lines = [
            f"events        {self.events}",
            f"records sent  {self.records_sent}",
            f"acknowledged  {self.acknowledged}",
            f"failed        {self.failed}",
            f"in doubt      {self.in_doubt}",
        ]
        if self.unsent:
            lines.append(f"unsent        {self.unsent} (read, never sent: the run stopped)")
        lines += [
            f"requests      {self.requests} ({self.retries} retries)",
            f"rate          {self.events_per_second:.1f} events/s, "
            f"{self.records_per_second:.1f} records/s",
            f"elapsed       {self.elapsed_seconds:.2f} s",
        ]
        if self.dirt:
            dirt = ", ".join(f"{name} {count}" for name, count in self.dirt.items())
            lines.append(f"dirt          {dirt} (per path)")
        for reason, count in self.errors.items():
            lines.append(f"error x{count}: {reason}")
        if self.interrupted:
            lines.append("interrupted: the summary covers the run so far")
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        return "\n".join(lines)


@dataclass(slots=True)
class _Pending:
    record: dict[str, Any]
    ind: Any
    event: int


class Emulator:
    """Reads the source with the classic sampling and posts records to the gateway.

    Records go out through the :class:`~ingestion.emulator.sender.Sender` (``batch_size``,
    ``retries``, ``backoff``, ``timeout``, the URLs: ``settings.gateway`` by default).
    ``session`` (a ``requests.Session``) and ``sleep``/``clock`` are injectable. ``rate`` is
    ``"classic"`` (sleep 0 or 1 s as drawn), a number of events per second, or 0 (as fast as
    possible). ``count`` 0 runs until interrupted; the first ``skip`` events of the sequence
    are drawn but not sent. ``dirt`` adds the wire's dirt (:mod:`ingestion.emulator.dirt`;
    default none).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        source_url: str | None = None,
        mode: str = "batch",
        count: int = 0,
        skip: int = 0,
        rate: float | str = CLASSIC,
        batch_size: int = 1,
        datetime_format: str = "space",
        url: str | None = None,
        batch_url: str | None = None,
        stream_url: str | None = None,
        topic_prefix: str | None = None,
        stream_prefix: str | None = None,
        seed: int = CLASSIC_SEED,
        dirt: Dirt | None = None,
        retries: int = 5,
        backoff: float = 0.2,
        timeout: float = 10.0,
        ack_log: Path | str | None = None,
        progress: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if mode not in LAYERS:
            raise BadInput(f"mode must be one of {', '.join(LAYERS)}, got {mode!r}")
        if rate != CLASSIC and (not isinstance(rate, int | float) or rate < 0):
            raise BadInput(f"rate must be 'classic' or a number >= 0, got {rate!r}")
        if count < 0:
            raise BadInput(f"count must be 0 (no limit) or more, got {count}")
        if skip < 0:
            raise BadInput(f"skip must be 0 or more, got {skip}")
        if datetime_format not in wire.DATETIME_FORMATS:
            raise BadInput(
                f"datetime format must be one of {', '.join(wire.DATETIME_FORMATS)}, "
                f"got {datetime_format!r}"
            )
        if topic_prefix or stream_prefix:
            settings = replace(
                settings,
                topic_prefix=topic_prefix or settings.topic_prefix,
                stream_prefix=stream_prefix or settings.stream_prefix,
            )
        self.settings = settings
        self.source_url = source_url or settings.source
        self.layers = LAYERS[mode]
        self.count = count
        self.skip = skip
        self.dirt = dirt or Dirt()
        self.rate = rate
        self.batch_size = batch_size
        self.datetime_format = datetime_format
        self.seed = seed
        self.ack_log = Path(ack_log) if ack_log else None
        self.progress = progress
        self.sleep = sleep
        self.clock = clock
        self.sender = Sender(
            settings, batch_url=batch_url or url, stream_url=stream_url or url,
            batch_size=batch_size, retries=retries, backoff=backoff, timeout=timeout,
            session=session, sleep=sleep,
        )  # fmt: skip

    # the loop
    def run(self, reader: SourceReader | None = None) -> Summary:
        """Run until ``count`` events are sent, the endpoint is unreachable, or Ctrl-C.

        Source problems raise :class:`~ingestion.source_db.writer.SourceError` before anything
        is sent; an unreachable endpoint and Ctrl-C end the run with a summary (``stopped`` /
        ``interrupted`` set).
        """
        own_reader = reader is None
        reader = reader or KeyedSourceReader(self.source_url)
        self._summary = Summary(layers={layer: Tally() for layer in self.layers})
        self._dirty: DirtyWire | None = None
        self._errors: Counter[str] = Counter()
        self._buffers: dict[tuple[str, str], list[_Pending]] = {
            (layer, entity): [] for layer in self.layers for entity in ENTITIES
        }
        ack_file = self.ack_log.open("a", encoding="utf-8") if self.ack_log else None
        self._ack_file = ack_file
        started = self.clock()
        bar = self._progress_bar()
        try:
            sampler = ClassicSampler(reader.row_count(), self.seed)
            for _ in range(self.skip):
                sampler.next()
            dirty = DirtyWire(self.dirt, self.datetime_format, self.seed + self.skip)
            self._dirty = dirty
            event = 0
            while self.count == 0 or event < self.count:
                draw = sampler.next()
                self._pace(draw.sleep_seconds, event, started)
                rows = reader.read_event(draw.offset)
                outgoing = dirty.event(rows)
                for layer in self.layers:
                    for item in outgoing:
                        row = rows[item.entity]
                        ind = row.get("index" if item.entity == "pin" else "ind")
                        buffer = self._buffers[(layer, item.entity)]
                        buffer.append(_Pending(item.record, ind, self.skip + event))
                        if len(buffer) >= self.batch_size:
                            self._flush(layer, item.entity)
                event += 1
                self._summary.events = event
                if bar is not None:
                    bar.update(1)
            for layer, entity in self._buffers:
                self._flush(layer, entity)
        except KeyboardInterrupt:
            self._summary.interrupted = True
            for layer, tally in self._summary.layers.items():
                # records of a request cut short: they may or may not have been taken
                gap = tally.sent - tally.acknowledged - tally.failed - tally.in_doubt
                if gap:
                    self._count(layer, "in_doubt", gap)
                    self._errors["interrupted while waiting for an answer"] += gap
        except EndpointUnreachable as exc:
            self._summary.stopped = str(exc)
        finally:
            if bar is not None:
                bar.close()
            if ack_file is not None:
                ack_file.close()
            if own_reader:
                reader.close()
            self.sender.close()
        return self._finish(started)

    def _pace(self, drawn_sleep: int, event: int, started: float) -> None:
        if self.rate == CLASSIC:
            if drawn_sleep:
                self.sleep(drawn_sleep)
        elif self.rate:
            wait = started + event / float(self.rate) - self.clock()
            if wait > 0:
                self.sleep(wait)

    def _flush(self, layer: str, entity: str) -> None:
        pending = self._buffers[(layer, entity)]
        if not pending:
            return
        self._buffers[(layer, entity)] = []
        self._count(layer, "sent", len(pending))
        records, keys = [p.record for p in pending], [str(p.ind) for p in pending]
        sent = self.sender.send(layer, entity, records, keys)
        self._summary.requests += sent.requests
        self._summary.retries += sent.retries
        for item, delivery in zip(pending, sent.deliveries, strict=True):
            if delivery.state == ACKNOWLEDGED:
                self._count(layer, "acknowledged", 1)
                self._log_ack(layer, entity, item, delivery)
            else:
                self._count(layer, "in_doubt" if delivery.state == IN_DOUBT else "failed", 1)
                self._errors[delivery.error or delivery.state] += 1
        if sent.unreachable:
            raise EndpointUnreachable(
                f"cannot connect to {sent.url} after {sent.requests} attempts ({sent.unreachable})"
            )

    def _count(self, layer: str, what: str, n: int) -> None:
        tally = self._summary.layers[layer]
        setattr(tally, what, getattr(tally, what) + n)
        attr = "records_sent" if what == "sent" else what
        setattr(self._summary, attr, getattr(self._summary, attr) + n)

    def _log_ack(self, layer: str, entity: str, item: _Pending, delivery: Delivery) -> None:
        if self._ack_file is None:
            return
        name, outcome = self.sender.name(layer, entity), delivery.ack
        assert outcome is not None
        if layer == "batch":
            line = {
                "layer": layer,
                "entity": entity,
                "topic": name,
                "partition": outcome.partition,
                "offset": outcome.offset,
                "ind": item.ind,
                "event": item.event,
            }
        else:
            line = {
                "layer": layer,
                "entity": entity,
                "stream": name,
                "shard_id": outcome.shard_id,
                "sequence_number": outcome.sequence_number,
                "ind": item.ind,
                "event": item.event,
            }
        self._ack_file.write(json.dumps(line) + "\n")
        self._ack_file.flush()

    def _progress_bar(self) -> Any:
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=self.count or None, unit="event", file=sys.stderr, dynamic_ncols=True)

    def _finish(self, started: float) -> Summary:
        summary = self._summary
        summary.unsent = sum(len(b) for b in self._buffers.values())
        summary.elapsed_seconds = round(self.clock() - started, 3)
        if summary.elapsed_seconds > 0:
            summary.events_per_second = round(summary.events / summary.elapsed_seconds, 2)
            summary.records_per_second = round(summary.records_sent / summary.elapsed_seconds, 2)
        summary.errors = dict(self._errors.most_common(10))
        summary.dirt = dict(sorted(self._dirty.counts.items())) if self._dirty else {}
        return summary


def write_summary(summary: Summary, stream: IO[str], as_json: bool) -> None:
    if as_json:
        stream.write(json.dumps(summary.as_dict(), indent=2) + "\n")
    else:
        stream.write(summary.as_text() + "\n")
