"""The replica keeps every documented shape of the source data (domain.md §1)."""

from __future__ import annotations

import re
import statistics
import uuid
from collections import Counter, defaultdict

import pytest
from sqlalchemy import create_engine, select

from ingestion.source_db import shapes
from ingestion.source_db.generator import ReplicaGenerator
from ingestion.source_db.schema import KEY_COLUMNS, build_metadata, tables
from ingestion.source_db.vocab import COUNTRIES


def read_all(url: str) -> dict[str, list[dict]]:
    engine = create_engine(url)
    by_entity = tables(build_metadata())
    try:
        with engine.connect() as conn:
            return {
                entity: [
                    dict(r)
                    for r in conn.execute(select(t).order_by(t.c[KEY_COLUMNS[entity]])).mappings()
                ]
                for entity, t in by_entity.items()
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def replica(replica_url: str) -> dict[str, list[dict]]:
    return read_all(replica_url)


def rate(rows: list[dict], test) -> float:  # noqa: ANN001
    return sum(1 for r in rows if test(r)) / len(rows)


def test_tables_are_row_aligned_with_the_default_size(replica):
    assert [len(replica[e]) for e in ("pin", "geo", "user")] == [shapes.DEFAULT_ROWS] * 3
    assert [r["index"] for r in replica["pin"]] == list(range(shapes.DEFAULT_ROWS))
    assert [r["ind"] for r in replica["geo"]] == list(range(shapes.DEFAULT_ROWS))
    assert [r["ind"] for r in replica["user"]] == list(range(shapes.DEFAULT_ROWS))


def test_follower_count_has_exactly_four_shapes_at_their_frequencies(replica):
    pins = replica["pin"]
    shape = re.compile(
        r"^(?:(?P<digits>\d+)|(?P<k>[1-9]\d*k)|(?P<M>[1-9]\d*M)|(?P<err>User Info Error))$"
    )
    kinds = Counter()
    for pin in pins:
        match = shape.match(pin["follower_count"])
        assert match, pin["follower_count"]
        kinds[match.lastgroup] += 1
    n = len(pins)
    assert kinds["digits"] / n == pytest.approx(0.17, abs=0.025)
    assert kinds["k"] / n == pytest.approx(0.74, abs=0.03)
    assert kinds["M"] / n == pytest.approx(0.07, abs=0.02)
    assert kinds["err"] / n == pytest.approx(0.015, abs=0.006)
    millions = [int(p["follower_count"][:-1]) for p in pins if p["follower_count"].endswith("M")]
    assert max(millions) <= shapes.MAX_MILLIONS
    assert any(p["follower_count"] == "0" for p in pins)
    # the lost poster comes with a lost name
    for pin in pins:
        if pin["follower_count"] == shapes.USER_INFO_ERROR:
            assert pin["poster_name"] == shapes.USER_INFO_ERROR


def test_every_placeholder_appears_at_a_realistic_rate(replica):
    pins = replica["pin"]
    for column, values in shapes.PLACEHOLDERS.items():
        for value in values:
            share = rate(pins, lambda p, c=column, v=value: p[c] == v)
            assert 0.002 <= share <= 0.06, (column, value, share)
    story = [p for p in pins if p["is_image_or_video"] == shapes.STORY]
    assert 0.02 <= len(story) / len(pins) <= 0.05
    assert {p["downloaded"] for p in story} == {0}
    assert {p["downloaded"] for p in pins if p not in story} == {1}
    # story rows carry several placeholders at once
    many = [
        p for p in story
        if sum(p[c] in v for c, v in shapes.PLACEHOLDERS.items()) >= 3
    ]  # fmt: skip
    assert len(many) / len(story) > 0.7
    assert rate(story, lambda p: p["description"] == shapes.STORY_DESCRIPTION) > 0.7
    kinds = Counter(p["is_image_or_video"] for p in pins)
    assert set(kinds) == {shapes.IMAGE, shapes.VIDEO, shapes.STORY}


def test_pin_columns_keep_their_forms(replica):
    pins = replica["pin"]
    assert {p["category"] for p in pins} == set(shapes.CATEGORIES)
    assert len(shapes.CATEGORIES) == 13
    for pin in pins:
        assert pin["save_location"] == f"Local save in /data/{pin['category']}"
        assert uuid.UUID(pin["unique_id"]).version == 4
        assert pin["tag_list"] == shapes.NO_TAGS or ", " not in pin["tag_list"]
        if pin["image_src"] != shapes.IMAGE_SRC_ERROR:
            assert pin["image_src"].startswith("https://")
    cut = [p["description"] for p in pins if p["description"].endswith("\u2026\u00a0")]
    assert 0.2 < len(cut) / len(pins) < 0.5
    names = [p["poster_name"] for p in pins]
    assert any("|" in n for n in names)
    assert any(n.endswith(" ") for n in names)
    assert any(any(ord(ch) > 0x2000 for ch in n) for n in names)  # emoji


def test_geo_and_user_columns_keep_their_ranges(replica):
    geos, users = replica["geo"], replica["user"]
    assert {g["timestamp"].year for g in geos} == set(range(2017, 2023))
    assert {u["date_joined"].year for u in users} == {2015, 2016, 2017}
    ages = [u["age"] for u in users]
    assert min(ages) >= 20 and max(ages) <= 59 and len(set(ages)) > 30
    countries = {g["country"] for g in geos}
    assert countries <= set(COUNTRIES) and len(countries) > 200
    assert "Antarctica (the territory South of 60 deg S)" in countries
    assert statistics.median(g["latitude"] for g in geos) < -30  # skewed to the far south
    assert all(-90 <= g["latitude"] <= 90 and -180 <= g["longitude"] <= 180 for g in geos)


def test_users_and_geos_belong_to_posters(replica):
    people: dict[tuple, list[int]] = defaultdict(list)
    for user in replica["user"]:
        person = (user["first_name"], user["last_name"], user["age"], user["date_joined"])
        people[person].append(user["ind"])
    assert len(people) < shapes.DEFAULT_ROWS / 2  # the same person under many keys
    assert max(len(keys) for keys in people.values()) >= 20
    geos = replica["geo"]
    for keys in people.values():
        places = {(geos[k]["latitude"], geos[k]["longitude"], geos[k]["country"]) for k in keys}
        assert len(places) == 1
    busiest = max(people.values(), key=len)
    assert len({geos[k]["timestamp"] for k in busiest}) == len(busiest)  # only time differs


def _rows(rows: int, seed: int, chunk: int) -> list[tuple]:
    return [
        (tuple(p.values()), tuple(g.values()), tuple(u.values()))
        for c in ReplicaGenerator(rows, seed).chunks(chunk)
        for p, g, u in zip(c.pins, c.geos, c.users, strict=True)
    ]


def test_generation_is_deterministic_for_a_seed_and_any_chunk_size():
    first = _rows(1_500, 3, 1_000)
    assert first == _rows(1_500, 3, 97)
    assert first != _rows(1_500, 4, 1_000)
