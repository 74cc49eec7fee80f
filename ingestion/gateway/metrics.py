"""Counters and a latency histogram, rendered in the Prometheus text format (version 0.0.4).

Updated only from the event loop thread, so plain dicts suffice. Label values are bounded:
routes are path templates (``/topics/{topic}``), never raw paths.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

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

    def cumulative(self) -> list[tuple[str, int]]:
        running, rows = 0, []
        for bound, count in zip(self.bounds, self.counts, strict=True):
            running += count
            rows.append((_number(bound), running))
        rows.append(("+Inf", self.total))
        return rows


class GatewayMetrics:
    """What ``/metrics`` shows: requests, records, errors and request latency."""

    def __init__(self) -> None:
        self.requests: dict[Labels, int] = defaultdict(int)
        self.records: dict[Labels, int] = defaultdict(int)
        self.errors: dict[Labels, int] = defaultdict(int)
        self.latency: dict[Labels, Histogram] = {}
        self.gauges: dict[str, tuple[str, float]] = {}

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

    def gauge(self, name: str, help_text: str, value: float) -> None:
        self.gauges[name] = (help_text, value)

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
        for short, (help_text, value) in sorted(self.gauges.items()):
            gauge = f"{PREFIX}_{short}"
            lines += [f"# HELP {gauge} {help_text}", f"# TYPE {gauge} gauge", f"{gauge} {value}"]
        return "\n".join(lines) + "\n"


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
