"""The dbt project on the local Spark target: one `dbt build` on hand-made bronze rows with
the source's dirty values, then a second incremental round (fixtures in fixtures_dbt.py).
Results are read from the built Delta tables by path and from run_results.json.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest

from ingestion.dbt_runner import read_manifest
from ingestion.tests.fixtures_dbt import DbtProject, DbtRounds

pytestmark = [pytest.mark.spark, pytest.mark.dbt]


def by_ind(rows: list[dict]) -> dict[int, dict]:
    keyed = {row["ind"]: row for row in rows}
    assert len(keyed) == len(rows), "more than one row per ind"
    return keyed


def test_build_runs_every_node_and_all_pass(dbt_project: DbtProject) -> None:
    results = [
        r for r in dbt_project.run_results("build") if not r["unique_id"].startswith("exposure.")
    ]
    statuses = Counter(result["status"] for result in results)
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert not failed, f"not successful: {failed}"
    kinds = Counter(result["unique_id"].split(".")[0] for result in results)
    assert kinds["unit_test"] >= 8, kinds
    assert kinds["model"] >= 25 and kinds["snapshot"] == 1 and kinds["seed"] == 4, kinds
    assert statuses["pass"] >= 100


def test_rejected_rows_are_quarantined_with_their_reason(spark, dbt_project: DbtProject) -> None:
    rows = dbt_project.read(spark, "stg_pinterest__quarantined_records")
    found = sorted((r["source_layer"], r["entity"], r["reject_reason"]) for r in rows)
    assert found == [
        ("batch", "geo", "invalid_timestamp"),
        ("batch", "pin", "invalid_follower_count"),
        ("batch", "pin", "malformed_json"),
        ("batch", "user", "wrong_entity"),
        ("batch", "user", "wrong_entity"),
        ("stream", "pin", "malformed_json"),
        ("stream", "user", "wrong_entity"),
    ]
    raw = {r["reject_reason"]: r["raw_text"] for r in rows if r["source_layer"] == "batch"}
    assert raw["malformed_json"] == '{"index": 99, "title": "cut off'
    assert '"1.5k"' in raw["invalid_follower_count"]
    assert '"latitude"' in raw["wrong_entity"]  # the geolocation record on the user topic
    assert all(r["record_id"] for r in rows)


def test_records_of_another_entity_are_never_merged(spark, dbt_project: DbtProject) -> None:
    users = by_ind(dbt_project.read(spark, "int_users_merged"))
    # the geolocation record re-sent on the user topic (key 1) did not replace the user
    assert users[1]["user_name"] == "Alex Young" and users[1]["source_layer"] == "batch"
    # the pin record on the user stream (key 10) did not replace the stream user
    assert users[10]["age"] == 19 and users[10]["user_name"] == "Person Number10"
    assert all(u["user_name"] or u["age"] is not None or u["date_joined"] for u in users.values())


def test_cleaning_rules_on_the_merged_pins(spark, dbt_project: DbtProject) -> None:
    pins = by_ind(dbt_project.read(spark, "int_pins_merged"))
    assert sorted(pins) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert pins[1]["follower_count"] == 437 and pins[1]["poster_name"] == "Kim | Travel "
    assert pins[2]["follower_count"] == 6_000_000
    story = pins[2]
    assert story["title"] is None and story["description"] is None
    assert story["tag_list"] is None and story["image_src"] is None
    assert story["is_image_or_video"] == "multi-video(story page format)"
    assert pins[3]["follower_count"] is None and pins[3]["poster_name"] is None
    assert pins[4]["title"] is None and pins[4]["follower_count"] == 0
    assert pins[4]["save_location"] == "/data/quotes"
    assert pins[5]["follower_count"] == 15_000_000
    assert pins[6]["follower_count"] == 26_000 and pins[6]["description"] is None
    assert pins[6]["image_src"] == "Image src error"  # not the placeholder: no period
    columns = list(dbt_project.read(spark, "int_pins_merged")[0])
    assert columns[:11] == [
        "ind", "unique_id", "title", "description", "follower_count", "poster_name",
        "tag_list", "is_image_or_video", "image_src", "save_location", "category",
    ]  # fmt: skip


def test_geo_and_user_parsing(spark, dbt_project: DbtProject) -> None:
    geos = by_ind(dbt_project.read(spark, "int_geolocations_merged"))
    assert geos[1]["timestamp"] == datetime(2018, 8, 28, 3, 52, 47)
    assert geos[2]["timestamp"] == datetime(2019, 8, 28, 3, 52, 47)
    assert geos[3]["timestamp"] == datetime(2020, 8, 28, 3, 52, 47)
    assert geos[1]["coordinates"] == [-71.6607, -146.213]
    assert list(geos[1])[:4] == ["ind", "country", "coordinates", "timestamp"]
    users = by_ind(dbt_project.read(spark, "int_users_merged"))
    assert users[1]["user_name"] == "Alex Young" and users[1]["age"] == 22
    assert users[3]["date_joined"] == datetime(2017, 2, 3, 4, 5, 6)
    assert users[4]["date_joined"] == datetime(2016, 7, 7, 7, 7, 7)
    assert list(users[1])[:4] == ["ind", "user_name", "age", "date_joined"]


def test_lambda_merge_first_build(spark, dbt_project: DbtProject) -> None:
    pins = by_ind(dbt_project.read(spark, "int_pins_merged"))
    assert pins[2]["source_layer"] == "batch"  # the stream version of 2 arrived later, loses
    assert pins[2]["follower_count"] == 6_000_000
    assert pins[9]["source_layer"] == "stream" and pins[9]["title"] == "stream nine"
    assert pins[10]["source_layer"] == "stream"


def test_marts_answer_the_questions(spark, dbt_project: DbtProject) -> None:
    read = lambda name: dbt_project.read(spark, name)  # noqa: E731
    expected_columns = {
        "most_popular_category_by_country": ["country", "category", "category_count"],
        "posts_per_category_by_year": ["post_year", "category", "category_count"],
        "top_category_by_year": ["post_year", "category", "category_count"],
        "most_followed_user_by_country": ["country", "poster_name", "follower_count"],
        "country_with_most_followed_user": ["country", "follower_count"],
        "most_popular_category_by_age_group": ["age_group", "category", "category_count"],
        "median_followers_by_age_group": ["age_group", "median_follower_count"],
        "users_joined_by_year": ["post_year", "number_users_joined"],
        "median_followers_by_join_year": ["post_year", "median_follower_count"],
        "median_followers_by_join_year_and_age_group": [
            "age_group", "post_year", "median_follower_count",
        ],
    }  # fmt: skip
    tables = {name: read(name) for name in expected_columns}
    for name, columns in expected_columns.items():
        assert tables[name], f"{name} is empty"
        assert list(tables[name][0]) == columns, name

    assert tables["country_with_most_followed_user"] == [
        {"country": "Anguilla", "follower_count": 15_000_000}
    ]
    by_country = Counter(r["country"] for r in tables["most_popular_category_by_country"])
    assert by_country["Chad"] == 2  # a tie is kept
    top_2020 = {r["category"] for r in tables["top_category_by_year"] if r["post_year"] == 2020}
    assert top_2020 == {"vehicles", "art", "finance"}
    # Alex Young (keys 1 and 2) is one person: 9 people, 2 joined in 2015
    assert len(read("dim_people")) == 9
    joined = {r["post_year"]: r["number_users_joined"] for r in tables["users_joined_by_year"]}
    assert joined == {2015: 2, 2016: 5, 2017: 2}
    medians = {
        r["age_group"]: r["median_follower_count"] for r in tables["median_followers_by_age_group"]
    }
    # 18-24: 12k, 6M, 15M -> 6M; 25-35: 1k, 2k, 26k -> 2k; 36-50: 0, 3M -> 1.5M (exact)
    assert medians == {"18-24": 6_000_000.0, "25-35": 2_000.0, "36-50": 1_500_000.0}


def test_docs_catalog_has_every_tables_column_types_and_row_count(
    spark, dbt_project: DbtProject
) -> None:
    dbt_project.dbt("docs", ["docs", "generate", "--no-compile"])  # the build's nodes
    catalog = json.loads((dbt_project.logs / "target-docs" / "catalog.json").read_text())["nodes"]
    built = [
        unique_id
        for unique_id, node in read_manifest(dbt_project.logs / "target-build")["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
    ]
    assert [unique_id for unique_id in built if not catalog.get(unique_id, {}).get("columns")] == []
    posts = catalog["model.pinpipe.fct_pin_posts"]
    assert posts["columns"]["follower_count"]["type"] == "bigint"
    assert posts["stats"]["rows"]["value"] == len(dbt_project.read(spark, "fct_pin_posts"))


def sorted_rows(rows: list[dict]) -> list[str]:
    return sorted(repr(sorted(r.items())) for r in rows)


def test_incremental_lambda_merge_round_2(dbt_rounds: DbtRounds) -> None:
    pins = by_ind(dbt_rounds.after_round_2["int_pins_merged"])
    assert sorted(pins) == list(range(1, 12))
    assert pins[9]["source_layer"] == "batch" and pins[9]["title"] == "batch nine"
    assert pins[9]["follower_count"] == 4_000_000
    assert pins[11]["source_layer"] == "stream" and pins[11]["follower_count"] == 5_000
    # a later stream version never replaces a batch version
    assert pins[1]["source_layer"] == "batch" and pins[1]["title"] == "Post 1"
    before = by_ind(dbt_rounds.after_build["int_pins_merged"])
    for ind in (2, 3, 4, 5, 6, 7, 8, 10):
        assert pins[ind] == before[ind]
    users = by_ind(dbt_rounds.after_round_2["int_users_merged"])
    assert users[9]["age"] == 46 and users[9]["source_layer"] == "batch"


def test_users_snapshot_keeps_history(dbt_rounds: DbtRounds) -> None:
    versions = [r for r in dbt_rounds.after_round_2["snp_pinterest__users"] if r["ind"] == 9]
    assert sorted(r["age"] for r in versions) == [45, 46]
    current = [r for r in versions if r["dbt_valid_to"] is None]
    assert [r["age"] for r in current] == [46]
    assert len(dbt_rounds.after_build["snp_pinterest__users"]) == 10
    assert len(dbt_rounds.after_round_2["snp_pinterest__users"]) == 12  # +key 9 v2, +key 11


def test_running_the_merge_twice_gives_the_same_tables(dbt_rounds: DbtRounds) -> None:
    for name, rows in dbt_rounds.after_round_2.items():
        assert sorted_rows(dbt_rounds.after_rerun[name]) == sorted_rows(rows), name


def test_an_incremental_merge_reads_and_rewrites_only_the_new_versions(
    spark, dbt_rounds: DbtRounds
) -> None:
    """Round 1 landed as one micro-batch: the watermark is its landed_at, and round 2's merge
    reads none of its rows again; the version it replaces is marked, not its file rewritten."""
    path = dbt_rounds.project.table_path("int_pins_merged")
    merges = [
        row["operationMetrics"]
        for row in spark.sql(f"describe history delta.`{path}`").orderBy("version").collect()
        if row["operation"] == "MERGE"
    ]
    round_2, *rerun = merges
    assert int(round_2["numSourceRows"]) == 2  # batch key 9 and stream key 11; key 1 is batch's
    assert int(round_2["numTargetRowsUpdated"]) == 1 and int(round_2["numTargetRowsInserted"]) == 1
    assert int(round_2["numTargetRowsCopied"]) == 0
    assert int(round_2["numTargetDeletionVectorsAdded"]) >= 1
    assert all(int(m["numSourceRows"]) == 0 for m in rerun)  # nothing landed since


def test_serving_views_show_landed_stream_rows_before_the_merge(dbt_rounds: DbtRounds) -> None:
    before = by_ind(dbt_rounds.served_before_merge["pins_latest"])
    after = by_ind(dbt_rounds.served_after_merge["pins_latest"])
    # key 11 landed on the stream after the build: served with no dbt run in between
    assert before[11]["source_layer"] == "stream" and before[11]["category"] == "beauty"
    assert by_ind(dbt_rounds.served_before_merge["users_latest"])[11]["age"] == 27
    assert by_ind(dbt_rounds.served_before_merge["geolocations_latest"])[11]["country"] == "Chad"
    # key 9's batch version landed too; batch rows reach the view through the merge
    assert before[9]["title"] == "stream nine" and before[9]["source_layer"] == "stream"
    assert after[9]["title"] == "batch nine" and after[9]["source_layer"] == "batch"
    # a stream re-send of batch key 1 is never served over the batch version
    assert before[1]["source_layer"] == after[1]["source_layer"] == "batch"
    assert before[1]["title"] == "Post 1"
    # right after a merge, each view serves what its merged table holds
    for view, table in (("pins_latest", "int_pins_merged"),
                        ("geolocations_latest", "int_geolocations_merged"),
                        ("users_latest", "int_users_merged")):  # fmt: skip
        served = sorted((r["ind"], r["source_layer"], r["record_id"])
                        for r in dbt_rounds.served_after_merge[view])  # fmt: skip
        merged = sorted((r["ind"], r["source_layer"], r["record_id"])
                        for r in dbt_rounds.after_round_2[table])  # fmt: skip
        assert served == merged, view
