"""``Stack``: start, check, stop, kill and restart the local services as one unit."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable

from ingestion.config import Settings
from ingestion.stack.processes import StackError, Tracked, wait_for
from ingestion.stack.services import Gateway, Kafka, Kinesis, Service, Sql, port_is_free

SERVICES: dict[str, Service] = {s.name: s for s in (Kafka(), Kinesis(), Gateway(), Sql())}
"""The services in start order: the gateway needs Kafka and Kinesis."""


class Stack:
    """The local services of one state dir; every method is safe to call twice."""

    def __init__(self, settings: Settings, *, log=None) -> None:  # noqa: ANN001
        self.settings = settings
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))

    def tracked(self, name: str) -> Tracked:
        return Tracked(name, self.settings.run_dir)

    def names(self, services: Iterable[str] | None) -> list[str]:
        wanted = list(SERVICES) if services is None else list(services)
        unknown = [name for name in wanted if name not in SERVICES]
        if unknown:
            raise StackError(f"unknown service {unknown[0]!r}: choose from {', '.join(SERVICES)}")
        return [name for name in SERVICES if name in wanted]

    def up(self, services: Iterable[str] | None = None) -> list[str]:
        """Start the services that are not running, all at once, then wait until each answers;
        return those started. A service set to an endpoint elsewhere is only checked."""
        starting = []
        for name in self.names(services):
            if SERVICES[name].external(self.settings):
                self.check_external(name)
                continue
            if self.is_running(name):
                SERVICES[name].provision(self.settings)
                continue
            starting.append((name, self.launch(name)))
        for name, begun in starting:
            self.wait_until_up(name, begun)
        return [name for name, _ in starting]

    def check_external(self, name: str) -> None:
        service = SERVICES[name]
        if not service.ready(self.settings):
            raise StackError(
                f"{name} is set to a server elsewhere ({service.address(self.settings)}), "
                "which does not answer; `pinpipe stack` starts only local services"
            )
        self.log(f"{name} at {service.address(self.settings)} (not run by this stack)")

    def down(self, services: Iterable[str] | None = None) -> list[str]:
        """Stop the services this state dir's pid files record, gateway first. Stopping the
        whole stack first stops the other processes tracked there, the landing job the
        Airflow keeper started, so nothing writes to the lake or reads the servers after."""
        stopped = []
        jobs = [] if services is not None else self.jobs()
        for name in jobs + list(reversed(self.names(services))):
            if self.stop(name, timeout=30, leader_first=name in jobs):
                stopped.append(name)
                self.log(f"stopped {name}")
        return stopped

    def jobs(self) -> list[str]:
        """The processes tracked in the run dir that are not services."""
        return sorted(p.stem for p in self.settings.run_dir.glob("*.pid") if p.stem not in SERVICES)

    def kill(self, name: str) -> None:
        """SIGKILL a service (fault injection); ``restart`` brings it back."""
        self.names([name])
        if not self.stop(name, timeout=10, force=True):
            raise StackError(f"{name} is not running")

    def restart(self, name: str) -> None:
        self.names([name])
        self.stop(name, timeout=30)
        self.start(name)

    def stop(
        self, name: str, *, timeout: float, force: bool = False, leader_first: bool = False
    ) -> bool:
        """Stop one service (or job) and wait until its ports are released: the kernel may
        close a killed process's sockets a moment after the process is reaped. True if it ran."""
        if not self.tracked(name).stop(timeout=timeout, force=force, leader_first=leader_first):
            return False
        ports = SERVICES[name].ports(self.settings) if name in SERVICES else []
        wait_for(lambda: all(port_is_free(self.settings.host, p) for p in ports), 10)
        return True

    def is_running(self, name: str) -> bool:
        return self.tracked(name).pid() is not None

    def status(self) -> dict[str, dict[str, object]]:
        report: dict[str, dict[str, object]] = {}
        for name, service in SERVICES.items():
            if service.external(self.settings):
                report[name] = {
                    "running": True,
                    "healthy": service.ready(self.settings),
                    "pid": None,
                    "address": service.address(self.settings),
                    "external": True,
                }
                continue
            tracked = self.tracked(name)
            stale = tracked.is_stale()
            pid = tracked.pid()
            report[name] = {
                "running": pid is not None,
                "healthy": pid is not None and service.ready(self.settings),
                "pid": pid,
                "address": service.address(self.settings),
                "log": str(tracked.log_file),
                **({"stale_pid_file_removed": True} if stale else {}),
            }
        return report

    def start(self, name: str) -> None:
        self.wait_until_up(name, self.launch(name))

    def launch(self, name: str) -> float:
        """Start a service's process (not waiting for it); return when it began."""
        service, tracked = SERVICES[name], self.tracked(name)
        busy = [p for p in service.ports(self.settings) if not port_is_free(self.settings.host, p)]
        if busy:
            raise StackError(
                f"cannot start {name}: port {busy[0]} on {self.settings.host} is in use by "
                f"another process (set PINPIPE_{name.upper()}_PORT; see `pinpipe config`)"
            )
        self.log(f"starting {name} ...")
        begin = time.monotonic()
        service.prepare(self.settings)
        command, extra_env = service.command(self.settings)
        env = {**os.environ, **self.settings.as_env(), **extra_env}
        tracked.start(
            command, env=env, cwd=self.settings.project_dir, marker=service.marker(self.settings)
        )
        return begin

    def wait_until_up(self, name: str, begun: float) -> None:
        """Wait until a launched service answers, then provision it (topics, streams)."""
        service, tracked = SERVICES[name], self.tracked(name)

        def answered() -> bool:
            if tracked.pid() is None:
                raise StackError(
                    f"{name} exited during start-up; the end of {tracked.log_file}:\n"
                    f"{tracked.log_tail()}"
                )
            return service.ready(self.settings)

        if not wait_for(answered, service.start_timeout, interval=0.5):
            tracked.stop(timeout=10)
            raise StackError(
                f"{name} did not answer within {service.start_timeout:.0f} s; "
                f"the end of {tracked.log_file}:\n{tracked.log_tail()}"
            )
        service.provision(self.settings)
        self.log(
            f"{name} up at {service.address(self.settings)} "
            f"(pid {tracked.pid()}, {time.monotonic() - begun:.1f} s)"
        )
