"""Session fixtures for the dbt project: hand-made bronze rows, one `dbt build`, a second
incremental round.

The bronze rows carry the source's real dirty values (shared/domain.md §1) for both layers,
with exact re-sends, a malformed JSON row, contract-breaking rows and records of another
entity on the user topic and stream. dbt builds on the test run's SQL server in schemas of its
own, from a lake of its own, so tests of other areas that land bronze rows in the shared
session state never change these counts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from ingestion.config import Settings
from ingestion.dbt_runner import run_dbt
from ingestion.landing.schemas import bronze_ddl
from ingestion.tests.fixtures_stack import on_warehouse, table_path
from ingestion.warehouse import query

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
PARTIAL_PARSE = "partial_parse.msgpack"


def record(entity: str, ind: int, **overrides: Any) -> dict[str, Any]:
    """A valid record of ``entity`` with key ``ind``, with ``overrides`` set."""
    records = {
        "pin": {
            "index": ind,
            "unique_id": f"00000000-0000-4000-8000-{ind:012d}",
            "title": f"Post {ind}",
            "description": f"About post {ind}",
            "poster_name": f"Poster {ind}",
            "follower_count": "26k",
            "tag_list": "Art,Painting",
            "is_image_or_video": "image",
            "image_src": f"https://i.pinimg.com/{ind}.jpg",
            "downloaded": 1,
            "save_location": "Local save in /data/art",
            "category": "art",
        },
        "geo": {
            "ind": ind,
            "timestamp": "2019-06-01 10:00:00",
            "latitude": -71.6607,
            "longitude": -146.213,
            "country": "Anguilla",
        },
        "user": {
            "ind": ind,
            "first_name": "Person",
            "last_name": f"Number{ind}",
            "age": 30,
            "date_joined": "2016-01-01 00:00:00",
        },
    }
    return {**records[entity], **overrides}


pin = partial(record, "pin")
geo = partial(record, "geo")
user = partial(record, "user")


STORY = {
    "title": "No Title Data Available",
    "description": "No description available Story format",
    "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
    "is_image_or_video": "multi-video(story page format)",
    "image_src": "Image src error.",
    "downloaded": 0,
}
ALEX = {"first_name": "Alex", "last_name": "Young", "age": 22, "date_joined": "2015-10-24 11:23:51"}

# Round 1. Batch: keys 1-8; stream: key 2 (batch wins), keys 9 and 10 (gap since the batch).
ROUND_1: dict[tuple[str, str], list[str]] = {
    ("batch", "pin"): [
        json.dumps(pin(1, follower_count="437", category="travel", poster_name="Kim | Travel ")),
        json.dumps(pin(1, follower_count="437", category="travel", poster_name="Kim | Travel ")),
        json.dumps(pin(2, follower_count="6M", category="christmas", **STORY)),
        json.dumps(pin(3, follower_count="User Info Error", poster_name="User Info Error")),
        json.dumps(
            pin(
                4,
                follower_count="0",
                title="",
                save_location="Local save in /data/quotes",
                category="quotes",
            )
        ),
        json.dumps(pin(5, follower_count="15M", category="travel", poster_name="Top Poster")),
        json.dumps(
            pin(6, follower_count="26k", description="Untitled", image_src="Image src error")
        ),
        json.dumps(pin(7, follower_count="1k", category="education")),
        json.dumps(pin(8, follower_count="2k", category="education")),
        '{"index": 99, "title": "cut off',  # malformed JSON
        json.dumps(pin(98, follower_count="1.5k")),  # breaks the contract
    ],
    ("batch", "geo"): [
        json.dumps(
            geo(
                1,
                timestamp="2018-08-28 03:52:47",
                country="Antarctica (the territory South of 60 deg S)",
            )
        ),
        json.dumps(
            geo(
                1,
                timestamp="2018-08-28 03:52:47",
                country="Antarctica (the territory South of 60 deg S)",
            )
        ),
        json.dumps(geo(2, timestamp="2019-08-28T03:52:47", country="Palestinian Territory")),
        json.dumps(geo(3, timestamp="2020:08:28 03:52:47")),
        json.dumps(geo(4, timestamp="2021-01-01 00:00:00")),
        json.dumps(geo(5, timestamp="2022-05-05 05:05:05")),
        json.dumps(geo(6, timestamp="2022-05-05 05:05:05", country="Cote d'Ivoire")),
        json.dumps(geo(7, timestamp="2019-01-01 00:00:00")),
        json.dumps(geo(8, timestamp="2019-01-01 00:00:00")),
        json.dumps(geo(97, timestamp="yesterday")),  # breaks the contract
    ],
    ("batch", "user"): [
        json.dumps(user(1, **ALEX)),
        json.dumps(user(1, **ALEX)),
        json.dumps(user(2, **ALEX)),  # the same person under another key
        json.dumps(user(3, age=55, date_joined="2017:02:03 04:05:06")),
        json.dumps(user(4, age=40, date_joined="2016-07-07T07:07:07")),
        json.dumps(user(5, age=22, date_joined="2016-03-03 03:03:03")),
        json.dumps(user(6, age=30)),
        json.dumps(user(7, age=30)),
        json.dumps(user(8, age=30)),
        # a geolocation record on the user topic, re-sent: wrong_entity, never a user of key 1
        json.dumps(geo(1, timestamp="2018-08-28 03:52:47")),
        json.dumps(geo(1, timestamp="2018-08-28 03:52:47")),
    ],
    ("stream", "pin"): [
        json.dumps(pin(2, title="stream version of 2", follower_count="7M", category="christmas")),
        json.dumps(pin(9, title="stream nine", follower_count="3M", category="vehicles")),
        json.dumps(pin(9, title="stream nine", follower_count="3M", category="vehicles")),
        json.dumps(pin(10, follower_count="12k", category="finance")),
        "not json at all",  # malformed JSON
    ],
    ("stream", "geo"): [
        json.dumps(geo(2, timestamp="2019-08-28T03:52:47", country="Palestinian Territory")),
        json.dumps(geo(9, timestamp="2020-02-02T02:02:02", country="Chad")),
        json.dumps(geo(10, timestamp="2020:02:02 02:02:02", country="Chad")),
    ],
    ("stream", "user"): [
        json.dumps(user(2, **ALEX)),
        json.dumps(user(9, age=45, date_joined="2017-09-09 09:09:09")),
        json.dumps(user(10, age=19, date_joined="2015-05-05 05:05:05")),
        json.dumps(pin(10, follower_count="12k", category="finance")),  # wrong_entity
    ],
}

# Round 2: a late batch version of stream-only key 9, a stream re-send of batch key 1 with
# new content (must not win), and a new stream-only key 11.
ROUND_2: dict[tuple[str, str], list[str]] = {
    ("batch", "pin"): [
        json.dumps(pin(9, title="batch nine", follower_count="4M", category="vehicles"))
    ],
    ("batch", "geo"): [json.dumps(geo(9, timestamp="2020-02-02 02:02:02", country="Chad"))],
    ("batch", "user"): [json.dumps(user(9, age=46, date_joined="2017-09-09 09:09:09"))],
    ("stream", "pin"): [
        json.dumps(pin(1, title="stream version of 1", follower_count="9M", category="travel")),
        json.dumps(pin(11, follower_count="5k", category="beauty")),
    ],
    ("stream", "geo"): [json.dumps(geo(11, timestamp="2021-11-11 11:11:11", country="Chad"))],
    ("stream", "user"): [json.dumps(user(11, age=27, date_joined="2016-11-11 11:11:11"))],
}


def write_bronze(
    spark, settings: Settings, records: dict[tuple[str, str], list[str]], landed_at: datetime
) -> None:
    """Append rows to the bronze Delta tables by path, as the landing jobs do."""
    for (layer, entity), texts in records.items():
        path = settings.bronze_path(layer, entity)
        start = _next_position(spark, path, layer)
        if layer == "batch":
            rows = [
                (
                    text,
                    settings.topic(entity),
                    0,
                    start + i,
                    landed_at - timedelta(seconds=30),
                    landed_at,
                )
                for i, text in enumerate(texts)
            ]
        else:
            rows = [
                (
                    text,
                    settings.stream(entity),
                    "shardId-000000000000",
                    f"{49650000000000000000000000000000000000000000000000000 + start + i}",
                    "pk",
                    landed_at - timedelta(seconds=5),
                    landed_at,
                )
                for i, text in enumerate(texts)
            ]
        frame = spark.createDataFrame(rows, bronze_ddl(layer))
        frame.write.format("delta").mode("append").save(path)


def _next_position(spark, path: str, layer: str) -> int:
    if not Path(path).exists():
        return 0
    return spark.read.format("delta").load(path).count()


@dataclass(frozen=True)
class DbtProject:
    """The dbt state the tests read: settings (own state dir) and helpers."""

    settings: Settings
    server: Settings  # the SQL server's own settings: where its warehouse is
    logs: Path

    def table_path(self, name: str) -> str:
        return table_path(self.server, self.settings.dbt_schema, name)

    def read(self, spark, name: str) -> list[dict[str, Any]]:
        frame = spark.read.format("delta").load(self.table_path(name))
        return [row.asDict(recursive=True) for row in frame.collect()]

    def dbt(self, name: str, args: list[str], *, check: bool = True):
        target = self.logs / f"target-{name}"
        self._reuse_parsed_project(target)
        return run_dbt(
            self.settings,
            [*args, "--target-path", str(target)],
            target="local",
            log_path=self.logs / f"{name}.log",
            check=check,
        )

    def _reuse_parsed_project(self, target: Path) -> None:
        """Start from the previous run's saved manifest: dbt parses only what changed."""
        saved = sorted(
            self.logs.glob(f"target-*/{PARTIAL_PARSE}"), key=lambda path: path.stat().st_mtime
        )
        if saved and not (target / PARTIAL_PARSE).exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(saved[-1], target / PARTIAL_PARSE)

    def serve(self) -> dict[str, list[dict[str, Any]]]:
        """The serving views' rows, as a query reads them now."""
        schema = self.settings.dbt_schema
        return {view: query(self.settings, f"select * from {schema}.{view}").records()
                for view in SERVING}  # fmt: skip

    def run_results(self, name: str) -> list[dict[str, Any]]:
        path = self.logs / f"target-{name}" / "run_results.json"
        return json.loads(path.read_text())["results"]


@dataclass
class DbtRounds:
    project: DbtProject
    after_build: dict[str, list[dict[str, Any]]]
    after_round_2: dict[str, list[dict[str, Any]]]
    after_rerun: dict[str, list[dict[str, Any]]]
    served_before_merge: dict[str, list[dict[str, Any]]]
    served_after_merge: dict[str, list[dict[str, Any]]]


MERGED = ("int_pins_merged", "int_geolocations_merged", "int_users_merged", "snp_pinterest__users")
BASE = tuple(
    f"base_pinterest__{layer}_{plural}"
    for layer in ("batch", "stream")
    for plural in ("pins", "geolocations", "users")
)
SERVING = ("pins_latest", "geolocations_latest", "users_latest")
MARTS = (
    "stg_pinterest__quarantined_records", "fct_pin_posts", "dim_people", "top_category_by_year",
    "median_followers_by_age_group", "median_followers_by_join_year_and_age_group",
    "most_popular_category_by_country",
)  # fmt: skip


@pytest.fixture(scope="session")
def dbt_project(
    spark, dbt_env: Settings, warehouse: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbtProject]:
    """Round 1 of bronze rows and one full `dbt build`, in schemas and a lake of their own."""
    lake = tmp_path_factory.mktemp("dbt-lake")
    settings = on_warehouse(replace(dbt_env, lake_dir=lake), warehouse, "dbt_build")
    project = DbtProject(settings, warehouse, logs=tmp_path_factory.mktemp("dbt-runs"))
    write_bronze(spark, settings, ROUND_1, T0)
    project.dbt("build", ["build"], check=False)
    yield project


@pytest.fixture(scope="session")
def dbt_rounds(spark, dbt_project: DbtProject) -> DbtRounds:
    """Round 2 of bronze rows, the lambda merge run, and the same run again unchanged."""
    after_build = {name: dbt_project.read(spark, name) for name in (*BASE, *MERGED, *MARTS)}
    write_bronze(spark, dbt_project.settings, ROUND_2, T0 + timedelta(hours=1))
    served_before_merge = dbt_project.serve()  # landed, no dbt run since
    models = ["--resource-type", "model", "--resource-type", "snapshot"]
    stage = ["build", "--selector", "batch_layer", *models]
    merge = ["build", "--selector", "lambda_merge", *models]
    dbt_project.dbt("stage", stage)
    dbt_project.dbt("merge", merge)
    after_round_2 = {name: dbt_project.read(spark, name) for name in (*BASE, *MERGED)}
    served_after_merge = dbt_project.serve()
    dbt_project.dbt("restage", stage)
    dbt_project.dbt("rerun", merge)
    after_rerun = {name: dbt_project.read(spark, name) for name in (*BASE, *MERGED)}
    return DbtRounds(
        dbt_project, after_build, after_round_2, after_rerun, served_before_merge,
        served_after_merge,
    )  # fmt: skip
