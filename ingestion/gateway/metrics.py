"""Counters and a latency histogram, rendered in the Prometheus text format (version 0.0.4).

Updated only from the event loop thread, so plain dicts suffice. Label values are bounded:
routes are path templates (``/topics/{topic}``), never raw paths. Each worker process counts
its own; ``GatewayMetrics.added`` adds up the snapshots of every worker (see ``peers``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PREFIX = "pinpipe_gateway"

Labels = tuple[tuple[str, str], ...]


class Histogram:
    def __init__(self, buckets: Iterable[float] = LATENCY_BUCKETS) -> None:
        self.bounds = tuple(buckets)
        self.counts = [0] * len(self.bounds)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
                break

    def add(self, counts: Sequence[int], total: int, seconds: float) -> None:
        self.counts = [mine + theirs for mine, theirs in zip(self.counts, counts, strict=True)]
        self.total += total
        self.sum += seconds

    def cumulative(self) -> list[tuple[str, int]]:
        running, rows = 0, []
        for bound, count in zip(self.bounds, self.counts, strict=True):
            running += count
            rows.append((_number(bound), running))
        rows.append(("+Inf", self.total))
        return rows


GAUGES = {
    "kafka_queued_records": "records in the producer queues awaiting acknowledgement",
    "in_flight_requests": "API requests being handled (health, metrics and docs left out)",
    "workers": "worker processes whose counts this answer adds up",
}


class GatewayMetrics:
    """What ``/metrics`` shows: requests, records, errors and request latency."""

    def __init__(self) -> None:
        self.requests: dict[Labels, int] = defaultdict(int)
        self.records: dict[Labels, int] = defaultdict(int)
        self.errors: dict[Labels, int] = defaultdict(int)
        self.latency: dict[Labels, Histogram] = {}
        self.gauges: dict[str, int] = defaultdict(int)
        self.in_flight = 0  # API requests being handled, kept by the middleware

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(("method", method), ("route", route), ("status", str(status)))] += 1
        key = (("method", method), ("route", route))
        histogram = self.latency.get(key)
        if histogram is None:
            histogram = self.latency[key] = Histogram()
        histogram.observe(seconds)
        if status >= 400:
            self.error("http", str(status))

    def record(self, api: str, outcome: str, count: int = 1) -> None:
        """``api`` kafka|kinesis, ``outcome`` acknowledged|failed."""
        if count:
            self.records[(("api", api), ("outcome", outcome))] += count

    def error(self, kind: str, code: str, count: int = 1) -> None:
        """``kind`` http (status of an answer) | kafka | kinesis (per-record error codes)."""
        self.errors[(("kind", kind), ("code", code))] += count

    def answered(self, api: str, acknowledged: int, failures: Iterable[str]) -> None:
        """The records of one answer: ``acknowledged`` taken, one error code per failed one."""
        failures = list(failures)
        self.record(api, "acknowledged", acknowledged)
        self.record(api, "failed", len(failures))
        for code in failures:
            self.error(api, code)

    def snapshot(self, kafka_queued: int) -> dict[str, Any]:
        """This process's counts and gauges as plain JSON-able data."""
        return {
            "requests": list(self.requests.items()),
            "records": list(self.records.items()),
            "errors": list(self.errors.items()),
            "latency": [(k, h.counts, h.total, h.sum) for k, h in self.latency.items()],
            "gauges": {
                "kafka_queued_records": kafka_queued,
                "in_flight_requests": self.in_flight,
                "workers": 1,
            },
        }

    @classmethod
    def added(cls, snapshots: Iterable[dict[str, Any]]) -> GatewayMetrics:
        """The sum of several snapshots (one per worker)."""
        total = cls()
        for snapshot in snapshots:
            for name in ("requests", "records", "errors"):
                counter = getattr(total, name)
                for labels, value in snapshot[name]:
                    counter[_labels_key(labels)] += value
            for labels, counts, count, seconds in snapshot["latency"]:
                key = _labels_key(labels)
                total.latency.setdefault(key, Histogram()).add(counts, count, seconds)
            for name, value in snapshot["gauges"].items():
                total.gauges[name] += value
        return total

    def render(self) -> str:
        lines: list[str] = []
        _counter(lines, "requests_total", "HTTP requests answered", self.requests)
        _counter(lines, "records_total", "records acknowledged or failed", self.records)
        _counter(lines, "errors_total", "error answers and per-record errors", self.errors)
        name = f"{PREFIX}_request_duration_seconds"
        lines += [f"# HELP {name} time from request to answer", f"# TYPE {name} histogram"]
        for labels, histogram in sorted(self.latency.items()):
            for bound, count in histogram.cumulative():
                lines.append(f"{name}_bucket{_labels(labels + (('le', bound),))} {count}")
            lines.append(f"{name}_sum{_labels(labels)} {histogram.sum!r}")
            lines.append(f"{name}_count{_labels(labels)} {histogram.total}")
        for short, value in sorted(self.gauges.items()):
            gauge = f"{PREFIX}_{short}"
            lines += [f"# HELP {gauge} {GAUGES[short]}", f"# TYPE {gauge} gauge"]
            lines.append(f"{gauge} {value}")
        return "\n".join(lines) + "\n"


def _labels_key(labels: Iterable[Iterable[str]]) -> Labels:
    """Labels as a snapshot carries them (lists, after JSON) back to a dict key."""
    return tuple((name, value) for name, value in labels)


def _counter(lines: list[str], short: str, help_text: str, values: dict[Labels, int]) -> None:
    name = f"{PREFIX}_{short}"
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
    lines += [f"{name}{_labels(labels)} {value}" for labels, value in sorted(values.items())]


def _labels(labels: Labels) -> str:
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return repr(float(value))
