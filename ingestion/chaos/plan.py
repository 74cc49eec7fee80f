"""What a chaos run does: how much it sends, how fast, and which faults it injects when.

Faults run on four tracks at once, each track's steps spread evenly over the sending window:

- kafka: SIGKILL the broker (then start it again), restart the gateway, the other broker kills;
- kafka landing: SIGKILL the Kafka landing job (then start it again);
- kinesis: restart kinesis-local (``graceful``: SIGTERM and wait, or ``kill``: SIGKILL);
- kinesis landing: SIGKILL the Kinesis landing job (then start it again).

A step never starts before the previous step of its track has finished, and a landing job is
killed only once it has committed a batch, so on a slow machine a track may run past the end
of sending; the run waits for every track.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingestion.errors import BadInput

KINESIS_FAULTS = ("graceful", "kill")

KILL_BROKER = "kill kafka broker"
KILL_KAFKA_LANDING = "kill kafka landing job"
RESTART_GATEWAY = "restart gateway"
RESTART_KINESIS = "restart kinesis-local"
KILL_KINESIS = "kill kinesis-local"
KILL_KINESIS_LANDING = "kill kinesis landing job"


@dataclass(frozen=True)
class FaultStep:
    """One fault of a track: what, and when (seconds after sending starts, at the earliest)."""

    track: str
    action: str
    at: float


@dataclass(frozen=True)
class ChaosPlan:
    """Sizes, rates and faults of one run. An event is one source row of each table (a pin,
    a geo and a user record) on a path, as ``pinpipe emulate`` counts them."""

    events: int = 100_000  # batch path (Kafka REST Proxy)
    rate: float = 1_000.0  # batch events per second
    stream_rate: float = 100.0  # stream events per second, over the same window
    broker_kills: int = 3
    kafka_landing_kills: int = 1
    gateway_restarts: int = 1
    kinesis_restarts: int = 1
    kinesis_fault: str = "graceful"
    kinesis_landing_kills: int = 1
    down_seconds: float = 3.0  # how long a killed service stays down before it is started
    retry_seconds: float = 300.0  # how long a record is retried before it counts as failed

    def __post_init__(self) -> None:
        if self.events < 1:
            raise BadInput(f"events must be at least 1, got {self.events}")
        if self.rate <= 0 or self.stream_rate < 0:
            raise BadInput("rate must be above 0 and stream rate 0 or more")
        if self.kinesis_fault not in KINESIS_FAULTS:
            raise BadInput(
                f"kinesis fault must be one of {', '.join(KINESIS_FAULTS)}, "
                f"got {self.kinesis_fault!r}"
            )
        counts = (
            self.broker_kills,
            self.kafka_landing_kills,
            self.gateway_restarts,
            self.kinesis_restarts,
            self.kinesis_landing_kills,
        )
        if min(counts) < 0:
            raise BadInput("fault counts cannot be negative")
        if self.down_seconds < 0 or self.retry_seconds <= 0:
            raise BadInput("down seconds must be 0 or more and retry seconds above 0")

    @property
    def seconds(self) -> float:
        """The sending window: batch events over their rate."""
        return self.events / self.rate

    @property
    def stream_events(self) -> int:
        """Events sent on the stream path: its rate over the same window, at most ``events``."""
        return min(self.events, round(self.seconds * self.stream_rate))

    def schedule(self) -> list[FaultStep]:
        gateway = [RESTART_GATEWAY] * self.gateway_restarts
        brokers = [KILL_BROKER] * self.broker_kills
        kinesis_action = RESTART_KINESIS if self.kinesis_fault == "graceful" else KILL_KINESIS
        tracks = {
            # the gateway restart after the first broker kill, the other kills after it
            "kafka": brokers[:1] + gateway + brokers[1:],
            "kafka landing": [KILL_KAFKA_LANDING] * self.kafka_landing_kills,
            "kinesis": [kinesis_action] * self.kinesis_restarts,
            "kinesis landing": [KILL_KINESIS_LANDING] * self.kinesis_landing_kills,
        }
        steps = []
        for track, actions in tracks.items():
            for index, action in enumerate(actions):
                at = self.seconds * (index + 1) / (len(actions) + 1)
                steps.append(FaultStep(track, action, round(at, 2)))
        return steps
