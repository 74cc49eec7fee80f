"""The local streaming stack: a Kafka broker, kinesis-local and the gateway as background
processes bound to loopback, with state and logs under the state dir.

``Stack(settings).up()`` starts what is not running and waits until each service answers;
``down()`` stops what it started (by pid file); ``status()`` says what runs.
"""

from ingestion.stack.processes import StackError
from ingestion.stack.stack import SERVICES, Stack

__all__ = ["SERVICES", "Stack", "StackError"]
