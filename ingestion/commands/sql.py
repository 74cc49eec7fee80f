"""``pinpipe sql``: SQL on the warehouse, from the command line or an interactive prompt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ingestion.config import Settings

PROMPT, MORE = "pinpipe> ", "     ... "


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sql",
        help="run SQL on the warehouse (the stack's SQL server), or open a SQL prompt",
        description=(
            "Runs Spark SQL on the SQL server that dbt builds into (locally the stack's `sql` "
            "service; PINPIPE_SQL_HOST / PINPIPE_SQL_PORT name another), in the dbt schema "
            "(PINPIPE_DBT_SCHEMA), and prints each result as an aligned table. Without -e or "
            "-f it opens an interactive prompt: end a statement with `;`, leave with `quit` or "
            "Ctrl-D. Any HiveServer2 client (beeline, DBeaver) reaches the same server: see "
            "docs/sql.md."
        ),
        epilog=(
            "examples:\n"
            '  pinpipe sql -e "select * from top_category_by_year"\n'
            '  pinpipe sql -e "show tables" -e "describe fct_pin_posts"\n'
            "  pinpipe sql -f analyses/my_question.sql\n"
            "  pinpipe sql                      an interactive prompt"
        ),
    )
    parser.add_argument(
        "-e", "--execute", action="append", metavar="SQL",
        help="statements to run (several may be separated by ';'; the option may repeat)",
    )  # fmt: skip
    parser.add_argument(
        "-f", "--file", type=Path, action="append", help="a file of statements to run"
    )
    parser.add_argument(
        "--schema", help="the schema names resolve in (default: PINPIPE_DBT_SCHEMA)"
    )
    parser.add_argument(
        "--max-width", type=int, default=60, metavar="N",
        help="cut longer text cells to N columns (default 60)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ingestion.warehouse import WarehouseError, connect

    scripts = list(args.execute or []) + [path.read_text() for path in args.file or []]
    schema = args.schema or settings.dbt_schema
    with connect(settings) as connection:
        shell = Shell(settings, connection.cursor(), args.max_width)
        try:
            shell.use(schema)
        except WarehouseError:
            print(
                f"pinpipe sql: schema {schema} does not exist yet (`pinpipe dbt build` "
                "creates it); names resolve in `default`",
                file=sys.stderr,
            )
        if scripts:
            return shell.run_all(statements(";".join(scripts)))
        return shell.interact()


class Shell:
    def __init__(self, settings: Settings, cursor: Any, max_width: int) -> None:
        self.settings = settings
        self.cursor = cursor
        self.max_width = max_width

    def use(self, schema: str) -> None:
        from ingestion.warehouse import run

        run(self.cursor, f"use `{schema}`", self.settings)

    def execute(self, statement: str) -> None:
        from ingestion.text_table import aligned
        from ingestion.warehouse import run

        result = run(self.cursor, statement, self.settings)
        if result.columns:
            for line in aligned(result.columns, result.rows, indent="", max_cell=self.max_width):
                print(line)
            print(f"({len(result.rows)} row{'' if len(result.rows) == 1 else 's'})")
        else:
            print("OK")

    def run_all(self, script: list[str]) -> int:
        """Run statements in order; the first error ends the run (a WarehouseError)."""
        for statement in script:
            self.execute(statement)
        return 0

    def interact(self) -> int:
        """Read statements until `quit` or end of input; an error is printed, not fatal."""
        from ingestion.warehouse import WarehouseError

        history = self.settings.state_dir / "sql_history"  # type: ignore[operator]
        readline = _readline(history)
        host, port = self.settings.sql_server
        print(f"pinpipe sql on {host}:{port}; end statements with ';', leave with quit or Ctrl-D")
        buffer: list[str] = []
        while True:
            try:
                line = input(MORE if buffer else PROMPT)
            except EOFError:
                print()
                break
            except KeyboardInterrupt:
                print()
                buffer = []
                continue
            if not buffer and line.strip().rstrip(";").lower() in ("quit", "exit", r"\q"):
                break
            buffer.append(line)
            text = "\n".join(buffer)
            if not text.strip():
                buffer = []
                continue
            complete, script = split_complete(text)
            for statement in script:
                try:
                    self.execute(statement)
                except WarehouseError as exc:
                    print(f"error: {exc}")
            buffer = [complete] if complete.strip() else []
        if readline is not None:
            readline.write_history_file(history)
        return 0


def statements(text: str) -> list[str]:
    """The statements of a script: split at `;` outside quotes and comments."""
    _, script = split_complete(text + ";")
    return script


def split_complete(text: str) -> tuple[str, list[str]]:
    """The complete statements of ``text`` (each ended by `;` outside quotes and comments)
    and what is left after the last one."""
    script: list[str] = []
    start, quote, i = 0, "", 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote != "`":
                i += 1
        elif char in "'\"`":
            quote = char
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif char == ";":
            statement = text[start:i].strip()
            if strip_comments(statement):
                script.append(statement)
            start = i + 1
        i += 1
    return text[start:], script


def strip_comments(statement: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in statement.splitlines()).strip()


def _readline(history: Path) -> Any:
    """Line editing and a history file, where the platform has readline."""
    try:
        import readline
    except ImportError:
        return None
    try:
        readline.read_history_file(history)
    except OSError:
        history.parent.mkdir(parents=True, exist_ok=True)
    return readline
