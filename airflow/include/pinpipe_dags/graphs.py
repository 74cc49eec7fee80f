"""The DAGs as Mermaid flowcharts, drawn from the DAG objects themselves, for docs/airflow.md.

``pinpipe airflow --draw`` rewrites the block between the markers in docs/airflow.md; a test
draws the DAGs again and fails when the block is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DAGS = ("pinpipe_kinesis_keeper", "pinpipe_daily_batch", "pinpipe_lambda_merge")
BEGIN, END = "<!-- dag graphs: pinpipe airflow --draw -->", "<!-- end of dag graphs -->"
VERB = re.compile(r"_(model|seed|snapshot)_build$")


def label(task_id: str) -> str:
    """The dbt node's name, or the task's id: what a reader looks for."""
    name = task_id.split(".", 1)[-1].removesuffix("_test")
    return VERB.sub(lambda m: "" if m.group(1) == "model" else f" ({m.group(1)})", name)


def mermaid(dag) -> str:
    """One DAG as a left-to-right flowchart: tasks as boxes, tests over several nodes as
    hexagons, a dbt node's task under the node's name."""
    ids = {task_id: f"t{i}" for i, task_id in enumerate(sorted(dag.task_dict))}
    lines = ["flowchart LR"]
    for task_id, node in ids.items():
        text = label(task_id)
        shape = '{{"%s"}}' if task_id.endswith("_test") else '["%s"]'
        lines.append(f"  {node}{shape % text}")
    for task_id in sorted(dag.task_dict):
        for downstream in sorted(dag.task_dict[task_id].downstream_task_ids):
            lines.append(f"  {ids[task_id]} --> {ids[downstream]}")
    return "\n".join(lines)


def draw(dags_dir: Path) -> str:
    """Every DAG's chart under its id, as the Markdown block docs/airflow.md holds."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_dir))
    if bag.import_errors:
        raise SystemExit(f"the DAGs do not import: {bag.import_errors}")
    parts = [BEGIN]
    for dag_id in DAGS:
        dag = bag.dags[dag_id]
        parts += [
            f"**{dag_id}** ({len(dag.tasks)} tasks)",
            "",
            "```mermaid",
            mermaid(dag),
            "```",
            "",
        ]
    return "\n".join([*parts, END])


def block(text: str) -> str:
    """The drawn block of a document (empty when it has none)."""
    begin, end = text.find(BEGIN), text.find(END)
    return text[begin : end + len(END)] if begin >= 0 and end > begin else ""


def main(doc: str) -> None:
    path = Path(doc)
    text = path.read_text()
    old = block(text)
    if not old:
        raise SystemExit(f"{path} has no block between {BEGIN!r} and {END!r}")
    path.write_text(text.replace(old, draw(path.parents[1] / "airflow" / "dags")))
    print(f"drew {', '.join(DAGS)} into {path}")


if __name__ == "__main__":
    main(sys.argv[1])
