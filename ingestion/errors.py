"""The errors a ``pinpipe`` command can end with, and the exit code of each kind.

Every error meant for the user derives from :class:`PinpipeError`; ``ingestion.cli.main``
prints it as ``pinpipe <command>: <message>`` and exits with its ``exit_code`` (the README's
"Exit codes" lists them). Errors that never leave their module (a full queue, a throttled
read, a gateway's HTTP error answer) are not among them.
"""

from __future__ import annotations

INTERRUPTED = 130  # Ctrl-C
BROKEN_PIPE = 141  # the reader of the output went away (`pinpipe config | head`), as SIGPIPE


class PinpipeError(Exception):
    """A step, a run or a service failed."""

    exit_code = 1


class BadInput(PinpipeError, ValueError):
    """An option, a setting, the source database or the setup is wrong: fix it and rerun."""

    exit_code = 2


class Unreachable(PinpipeError):
    """A service the command needs does not answer."""

    exit_code = 3
