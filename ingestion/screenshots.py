"""What a person sees, as PNGs in docs/images: the dbt docs lineage graph and the Airflow graph
view of each DAG, taken with headless Chromium (``pinpipe screenshots``, ``make screenshots``).

The dbt pictures need a state dir where the project has been built (``pinpipe demo``): the
docs site is generated from its warehouse. Airflow runs only its DAG processor and API server,
in a home of its own under ``<state>/screenshots`` on a free port, with every user an admin and
no scheduler: the DAGs are drawn and nothing runs.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from ingestion.browser import Browser, chromium_path
from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt, target_dir
from ingestion.errors import BadInput, PinpipeError
from ingestion.stack.processes import wait_for
from ingestion.stack.services import free_port
from ingestion.stack.stack import Stack

IMAGES = Path("docs") / "images"
MART = "most_popular_category_by_country"
EXPOSURE = "pinterest_insights_report"
DBT_VIEWS = {
    # everything the report's marts are built from: bronze -> staging -> lambda merge -> marts
    "dbt-lineage.png": f"#!/overview?g_v=1&g_i={quote('+exposure:' + EXPOSURE)}",
    # one mart and its upstream
    "dbt-lineage-mart.png": f"#!/model/model.pinpipe.{MART}?g_v=1&g_i={quote('+' + MART)}",
}
DAGS = ("pinpipe_kinesis_keeper", "pinpipe_daily_batch", "pinpipe_lambda_merge")
AIRFLOW_COMPONENTS = (("dag-processor",), ("api-server",))
GRAPH_DRAWN = "window.graph && window.graph.nodes().length > 0"
DAG_DRAWN = "document.querySelectorAll('.react-flow__node').length > 0"


def image_name(dag_id: str) -> str:
    """``pinpipe_lambda_merge`` -> ``airflow-lambda-merge.png``."""
    return "airflow-" + dag_id.removeprefix("pinpipe_").replace("_", "-") + ".png"


def take(settings: Settings, out: Path, *, dbt: bool = True, airflow: bool = True,
         say: Callable[[str], None] = print) -> list[Path]:  # fmt: skip
    """Take the pictures into ``out``; return their paths."""
    if dbt and not built(settings):
        raise not_built(settings)
    chromium_path()  # before anything starts: says how to install it
    taken: list[Path] = []
    if dbt:
        with Browser(width=1600, height=720, scale=1.25) as browser:
            taken += dbt_lineage(settings, browser, out, say)
    if airflow:
        with Browser(width=1800, height=900, scale=1.25) as browser:
            taken += airflow_graphs(settings, browser, out, say)
    return taken


def logs(settings: Settings) -> Path:
    path = settings.state_dir / "logs" / "screenshots"  # type: ignore[operator]
    path.mkdir(parents=True, exist_ok=True)
    return path


# dbt docs


def built(settings: Settings) -> bool:
    """The state dir holds a warehouse (the SQL server's metastore)."""
    return (settings.spark_dir / "metastore_db").is_dir()


def not_built(settings: Settings, what: str = "nothing is built") -> BadInput:
    return BadInput(
        f"{what} in {settings.state_dir}: run `pinpipe demo` (or `pinpipe dbt build`) with this "
        "PINPIPE_STATE_DIR first"
    )


def dbt_lineage(
    settings: Settings, browser: Browser, out: Path, say: Callable[[str], None]
) -> list[Path]:
    log = logs(settings) / "dbt-docs.log"
    say(f"dbt docs generate (log: {log})")
    stack = Stack(settings, log=say)
    started = stack.up(["sql"])
    try:
        run_dbt(settings, ["docs", "generate"], log_path=log)
    finally:
        if started:
            stack.down(started)
    site = target_dir(settings)
    catalog = json.loads((site / "catalog.json").read_text())
    if f"model.pinpipe.{MART}" not in catalog.get("nodes", {}):
        raise not_built(settings, f"the warehouse has no {MART}")
    taken = []
    with serve(site, settings.host) as url:
        for name, fragment in DBT_VIEWS.items():
            browser.open(f"{url}/{fragment}")
            browser.wait_for(GRAPH_DRAWN, "the lineage graph")
            taken.append(shot(browser, out / name, say))
    return taken


@contextmanager
def serve(folder: Path, host: str) -> Iterator[str]:
    """Serve a folder over HTTP on a free port, in a thread; yield its URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer((host, free_port(host)), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Airflow


def airflow_graphs(
    settings: Settings, browser: Browser, out: Path, say: Callable[[str], None]
) -> list[Path]:
    from ingestion.commands.airflow import airflow_env, prepare, start, stop

    own = dataclasses.replace(
        settings,
        state_dir=settings.state_dir / "screenshots",  # type: ignore[operator]
        airflow_port=free_port(settings.host),
    )
    env = airflow_env(own)
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
    env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "True"
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    log = logs(settings) / "airflow.log"
    url = f"http://{own.host}:{own.airflow_port}"
    say(f"Airflow DAG processor and API server on {url} (home {home}, log: {log})")
    prepare(own, env)
    processes = start(env, AIRFLOW_COMPONENTS, log=log)
    try:
        wait_until(lambda: serialized(home / "airflow.db") >= set(DAGS), "the DAGs parsed",
                   processes, log)  # fmt: skip
        wait_until(lambda: answers(f"{url}/api/v2/monitor/health"), "the API server",
                   processes, log)  # fmt: skip
        browser.open(url)
        browser.wait_for("document.readyState === 'complete'", "Airflow's UI")
        # the DAG page shows the grid or the graph, as the browser last chose
        browser.evaluate("localStorage.setItem('default_dag_view', JSON.stringify('graph'))")
        taken = []
        for dag_id in DAGS:
            browser.open(f"{url}/dags/{dag_id}")
            browser.wait_for(DAG_DRAWN, f"the graph of {dag_id}")
            # every task shown, the graph across the whole width
            browser.click("Expand all task groups")
            browser.click("Collapse Details Panel")
            time.sleep(3)
            browser.click("Fit View")
            time.sleep(2)
            taken.append(shot(browser, out / image_name(dag_id), say))
        return taken
    finally:
        stop(processes)


def serialized(database: Path) -> set[str]:
    """The DAGs the DAG processor has stored."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            return {row[0] for row in db.execute("select dag_id from serialized_dag")}
    except sqlite3.Error:
        return set()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], what: str, processes: list, log: Path,
               timeout: float = 300) -> None:  # fmt: skip
    def settled() -> bool:
        exited = [p for p in processes if p.poll() is not None]
        if exited:
            raise PinpipeError(f"`airflow {exited[0].args[1]}` exited while waiting for {what}; "
                               f"log: {log}")  # fmt: skip
        return ready()

    if not wait_for(settled, timeout, interval=1):
        raise PinpipeError(f"no {what} after {timeout:.0f} s; log: {log}")


def shot(browser: Browser, path: Path, say: Callable[[str], None]) -> Path:
    size = browser.screenshot(path)
    say(f"  {path} ({size / 1000:.0f} kB)")
    return path
