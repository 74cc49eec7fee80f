"""dbt's ``var()`` for sqlfluff's Jinja templater, with the project's real vars.

sqlfluff's stand-in for ``var()`` returns a placeholder string, but the models loop over the
entity contract (``var('contract')``). ``.sqlfluff`` names this package as its
``library_path``, so its ``var`` replaces the stand-in and the linted SQL is the SQL dbt
compiles.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ingestion.contract import dbt_vars

_MISSING = object()
_project_vars = cache(dbt_vars)  # read once per lint process


def var(name: str, default: Any = _MISSING) -> Any:
    """The value of ``vars.<name>`` in dbt_project.yml (unrendered), else ``default``."""
    value = _project_vars().get(name, default)
    if value is _MISSING:
        raise KeyError(f"dbt_project.yml has no var {name!r}")
    return value
