"""Subcommands of ``pinpipe``: one module each, discovered by ``ingestion.cli``."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

Options = TypeVar("Options")


class HelpFormatter(argparse.HelpFormatter):
    """Wraps the prose of a description or epilog to the terminal, and its ``- `` items with
    their indented continuation lines; keeps other indented lines (steps, examples) as written.
    Every ``pinpipe`` parser formats its help with it."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines: list[str] = []
        words: list[str] = []  # the paragraph or item being gathered
        item = False

        def flush() -> None:
            if words:
                more = indent + ("  " if item else "")
                lines.append(textwrap.fill(" ".join(words), width, break_on_hyphens=False,
                                           initial_indent=indent,
                                           subsequent_indent=more))  # fmt: skip
                words.clear()

        for line in text.splitlines():
            if line.startswith("- ") or (line.strip() and not line.startswith(" ") and item):
                flush()
                item = line.startswith("- ")
                words.append(line.strip())
            elif line.strip() and (not line.startswith(" ") or item):
                words.append(line.strip())
            else:
                flush()
                item = False
                lines.append(indent + line)
        flush()
        return "\n".join(lines)


def use_formatter(parser: argparse.ArgumentParser) -> None:
    """Give ``parser`` and every parser below it the ``HelpFormatter``."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                use_formatter(child)


def register_modules(package: ModuleType, subparsers: argparse._SubParsersAction) -> None:
    """Call ``register(subparsers)`` of every module of ``package``, in name order."""
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        importlib.import_module(f"{package.__name__}.{module.name}").register(subparsers)


def from_args(
    make: Callable[..., Options], args: argparse.Namespace, *positional: Any, **values: Any
) -> Options:
    """``make`` (an options dataclass, or any class or function) called with ``positional`` and,
    for each of its parameters, the parsed argument of the same name; ``values`` override them,
    and parameters without an argument keep their defaults."""
    names = inspect.signature(make).parameters
    given = {name: getattr(args, name) for name in names if hasattr(args, name)}
    return make(*positional, **{**given, **values})
