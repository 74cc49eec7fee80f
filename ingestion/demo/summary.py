"""The closing screen of ``pinpipe demo``: what went in, what came out, how long it took."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingestion.demo.progress import clock_text
from ingestion.emulator.runner import Tally

PATHS = {"batch": "batch (Kafka)", "stream": "stream (Kinesis)"}


@dataclass
class PathCounts(Tally):
    """One path's records in this run: the emulator's tally, then landed (every record
    queued before landing) and quarantined."""

    landed: int = 0
    quarantined: int = 0


@dataclass
class DemoSummary:
    events: int = 0
    batch_events: int = 0  # events 1..batch_events went to Kafka
    stream_events: int = 0  # the newest stream_events went to Kinesis
    next_batch_events: int = 0  # the rest, to Kafka in the next batch (0: not run)
    dirt: str = "none"  # the dirt rates
    dirt_sent: dict[str, int] = field(default_factory=dict)  # per kind / datetime form
    paths: dict[str, PathCounts] = field(
        default_factory=lambda: {layer: PathCounts() for layer in PATHS}
    )
    quarantined: dict[tuple[str, str], int] = field(default_factory=dict)  # (reason, layer)
    merged_won: dict[str, int] = field(default_factory=dict)  # layer -> merged rows
    merged_won_next: dict[str, int] = field(default_factory=dict)  # after the next batch
    core_rows: dict[str, int] = field(default_factory=dict)  # fct_pin_posts, dim_people
    question_marts: int = 0
    build_seconds: float = 0.0
    build_note: str = ""
    docs_seconds: float = 0.0
    total_seconds: float = 0.0

    def events_line(self) -> str:
        stream_start = self.events - self.stream_events + 1
        text = f"{self.events:,}: 1-{self.batch_events:,} to Kafka"
        if self.stream_events:
            text += f", {stream_start:,}-{self.events:,} to Kinesis"
        if self.next_batch_events:
            text += f", then {self.batch_events + 1:,}-{self.events:,} to Kafka (next batch)"
        return text + "; 3 records each"

    def dirt_line(self) -> str:
        if self.dirt == "none":
            return "none"
        sent = ", ".join(f"{name} {n:,}" for name, n in self.dirt_sent.items())
        return f"{self.dirt}: {sent or 'none drawn'}"

    def reasons_line(self) -> str:
        reasons: dict[str, dict[str, int]] = {}
        for (reason, layer), n in sorted(self.quarantined.items()):
            reasons.setdefault(reason, {})[layer] = n
        parts = [
            f"{reason} {sum(by_layer.values()):,} ("
            + ", ".join(f"{layer} {n:,}" for layer, n in by_layer.items())
            + ")"
            for reason, by_layer in reasons.items()
        ]
        return " · ".join(parts) or "none"

    def render(self) -> list[str]:
        rows = [
            ("records sent", lambda c, layer: f"{c.sent:,}"),
            ("acknowledged", lambda c, layer: f"{c.acknowledged:,}"),
            ("failed / in doubt", lambda c, layer: f"{c.failed:,} / {c.in_doubt:,}"),
            ("landed in bronze", lambda c, layer: f"{c.landed:,}"),
            ("quarantined", lambda c, layer: f"{c.quarantined:,}"),
            ("merged rows won", lambda c, layer: f"{self.merged_won.get(layer, 0):,}"),
        ]
        if self.merged_won_next:
            rows.append(
                ("after next batch", lambda c, layer: f"{self.merged_won_next.get(layer, 0):,}")
            )
        label_width = 20
        widths = [max(len(title), 12) for title in PATHS.values()]
        lines = [
            "Summary",
            f"  events            {self.events_line()}",
            f"  wire dirt         {self.dirt_line()}",
            "  "
            + " " * label_width
            + "  ".join(
                title.rjust(width) for title, width in zip(PATHS.values(), widths, strict=True)
            ),
        ]
        for label, cell in rows:
            cells = [
                cell(self.paths[layer], layer).rjust(width)
                for layer, width in zip(PATHS, widths, strict=True)
            ]
            lines.append("  " + label.ljust(label_width) + "  ".join(cells))
        core = " · ".join(f"{name} {count:,} rows" for name, count in self.core_rows.items())
        lines += [
            f"  quarantined as    {self.reasons_line()}",
            f"  gold marts        {core} · {self.question_marts} question marts",
            f"  dbt build         {self.build_seconds:.1f} s ({self.build_note})",
            f"  dbt docs          {self.docs_seconds:.1f} s",
            f"  total time        {clock_text(self.total_seconds)} ({self.total_seconds:.0f} s)",
        ]
        return lines
