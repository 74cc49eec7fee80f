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
    stream_events: int = 0
    paths: dict[str, PathCounts] = field(
        default_factory=lambda: {layer: PathCounts() for layer in PATHS}
    )
    core_rows: dict[str, int] = field(default_factory=dict)  # fct_pin_posts, dim_people
    question_marts: int = 0
    build_seconds: float = 0.0
    build_note: str = ""
    docs_seconds: float = 0.0
    total_seconds: float = 0.0

    def render(self) -> list[str]:
        rows = [
            ("records sent", "sent"),
            ("acknowledged", "acknowledged"),
            ("failed / in doubt", None),
            ("landed in bronze", "landed"),
            ("quarantined", "quarantined"),
        ]
        label_width = 20
        widths = [max(len(title), 12) for title in PATHS.values()]
        lines = [
            "Summary",
            f"  events sent       {self.events:,} to Kafka, the first {self.stream_events:,} "
            "also to Kinesis (3 records each)",
            "  "
            + " " * label_width
            + "  ".join(
                title.rjust(width) for title, width in zip(PATHS.values(), widths, strict=True)
            ),
        ]
        for label, attribute in rows:
            cells = []
            for layer, width in zip(PATHS, widths, strict=True):
                counts = self.paths[layer]
                value = (
                    f"{counts.failed:,} / {counts.in_doubt:,}"
                    if attribute is None
                    else f"{getattr(counts, attribute):,}"
                )
                cells.append(value.rjust(width))
            lines.append("  " + label.ljust(label_width) + "  ".join(cells))
        core = " · ".join(f"{name} {count:,} rows" for name, count in self.core_rows.items())
        lines += [
            f"  gold marts        {core} · {self.question_marts} question marts",
            f"  dbt build         {self.build_seconds:.1f} s ({self.build_note})",
            f"  dbt docs          {self.docs_seconds:.1f} s",
            f"  total time        {clock_text(self.total_seconds)} ({self.total_seconds:.0f} s)",
        ]
        return lines
