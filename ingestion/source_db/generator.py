"""Deterministic synthetic rows for the three source tables, generated in chunks.

Row ``k`` of each table has key ``k``. A pin belongs to a poster; the poster fixes the person
(``user_data``), the coordinates and country (``geolocation_data``) and the follower count,
so the same person appears under many keys and only the geo timestamp differs between a
poster's pins. Poster attributes are a pure function of ``(seed, poster id)``, and rows are
drawn from one sequential generator, so any chunk size gives the same rows and memory stays
bounded by one chunk.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingestion.errors import BadInput
from ingestion.source_db import shapes as s
from ingestion.source_db.vocab import COUNTRIES, FIRST_NAMES, LAST_NAMES

_MASK64 = (1 << 64) - 1
_CATEGORY_CUMULATIVE = tuple(itertools.accumulate(s.CATEGORY_WEIGHTS))
_POST_START = datetime(s.POST_YEARS[0], 1, 1)
_POST_SPAN = int((datetime(s.POST_YEARS[1] + 1, 1, 1) - _POST_START).total_seconds())
_JOIN_START = datetime(s.JOIN_YEARS[0], 1, 1)
_JOIN_SPAN = int((datetime(s.JOIN_YEARS[1] + 1, 1, 1) - _JOIN_START).total_seconds())
_LN_999 = math.log(999)
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Poster:
    """Who posts: the person, where they are, and how many follow them."""

    first_name: str
    last_name: str
    age: int
    date_joined: datetime
    latitude: float
    longitude: float
    country: str
    poster_name: str
    follower_count: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive rows ``start .. start+len-1`` of the three tables, as column dicts."""

    start: int
    pins: list[dict]
    geos: list[dict]
    users: list[dict]


def poster_count(rows: int) -> int:
    return max(1, rows // s.POSTS_PER_POSTER)


def make_poster(seed: int, poster_id: int) -> Poster:
    """The poster ``poster_id`` of the replica with ``seed``: the same inputs, the same poster."""
    rng = random.Random(((seed & _MASK64) << 41) | ((poster_id & ((1 << 40) - 1)) << 1) | 1)
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    # ages 20-59, more young posters than old ones
    age = s.AGES[0] + int((s.AGES[1] - s.AGES[0] + 1) * rng.random() ** 1.6)
    joined = _JOIN_START + timedelta(seconds=rng.randrange(_JOIN_SPAN))
    latitude = float(f"{-90 + 180 * rng.random() ** 3:.6g}")  # heavily skewed to the south
    longitude = float(f"{-180 + 360 * rng.random():.6g}")
    country = rng.choice(COUNTRIES)
    return Poster(
        first_name=first,
        last_name=last,
        age=age,
        date_joined=joined,
        latitude=latitude,
        longitude=longitude,
        country=country,
        poster_name=_poster_name(rng, first, last),
        follower_count=_follower_count(rng, age),
    )


def _poster_name(rng: random.Random, first: str, last: str) -> str:
    roll = rng.random()
    if roll < 0.40:
        name = f"{first} {last}"
    elif roll < 0.70:
        name = f"{rng.choice(FIRST_NAMES)}'s {rng.choice(s.BRAND_WORDS)}"
    elif roll < 0.80:
        name = f"{first} {last} | {rng.choice(s.BRAND_WORDS)} {rng.choice(s.BRAND_WORDS)}"
    elif roll < 0.88:
        name = f"{first} {rng.choice(s.EMOJI)} {rng.choice(s.BRAND_WORDS)}"
    elif roll < 0.95:
        name = f"{last} {rng.choice(s.BRAND_WORDS)} "  # trailing space, as scraped
    else:
        name = f"{first.lower()}{last.lower()}{rng.randrange(100)}"
    return name


def _follower_count(rng: random.Random, age: int) -> str:
    """One of three shapes: ``437``, ``26k``, ``6M`` (``User Info Error`` is set per row)."""
    roll = rng.random()
    youth = (s.AGES[1] - age) / (s.AGES[1] - s.AGES[0])  # 1 for the youngest, 0 for the oldest
    if roll < s.FOLLOWER_SHAPES["digits"]:
        return "0" if rng.random() < 0.06 else str(rng.randrange(1, 1000))
    if roll < s.FOLLOWER_SHAPES["digits"] + s.FOLLOWER_SHAPES["M"]:
        return f"{1 + int(s.MAX_MILLIONS * rng.random() ** 3)}M"
    # thousands: log-uniform over 1k..999k, younger posters reach further
    exponent = rng.random() ** (1.6 - youth)
    return f"{max(1, min(999, int(math.exp(_LN_999 * exponent))))}k"


class ReplicaGenerator:
    """Generates the replica's rows in order; ``chunks(size)`` streams them."""

    def __init__(self, rows: int, seed: int = 0) -> None:
        if rows < 1:
            raise BadInput(f"rows must be at least 1, got {rows}")
        self.rows = rows
        self.seed = seed
        self.posters = poster_count(rows)
        self._cache: dict[int, Poster] = {}  # posters are pure functions of the id: cacheable

    def poster(self, poster_id: int) -> Poster:
        found = self._cache.get(poster_id)
        if found is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[poster_id] = make_poster(self.seed, poster_id)
        return found

    def chunks(self, size: int = 5_000) -> Iterator[Chunk]:
        if size < 1:
            raise BadInput(f"chunk size must be at least 1, got {size}")
        rng = random.Random((self.seed & _MASK64) << 1)
        for start in range(0, self.rows, size):
            pins: list[dict] = []
            geos: list[dict] = []
            users: list[dict] = []
            for key in range(start, min(start + size, self.rows)):
                pin, geo, user = self._row(rng, key)
                pins.append(pin)
                geos.append(geo)
                users.append(user)
            yield Chunk(start, pins, geos, users)

    def _row(self, rng: random.Random, key: int) -> tuple[dict, dict, dict]:
        poster_id = int(self.posters * rng.random() ** 1.8)  # a few posters post a lot
        poster = self.poster(poster_id)
        category = s.CATEGORIES[
            bisect.bisect(_CATEGORY_CUMULATIVE, rng.random() * _CATEGORY_CUMULATIVE[-1])
        ]
        words = s.CATEGORY_WORDS[category]
        media = rng.random()
        story = media < s.STORY_RATE
        if story:
            kind = s.STORY
            rates = s.STORY_PLACEHOLDER_RATE
            title = s.NO_TITLE if rng.random() < rates["title"] else _title(rng, words)
            description = (
                s.STORY_DESCRIPTION
                if rng.random() < rates["description"]
                else _description(rng, words)
            )
            tags = s.NO_TAGS if rng.random() < rates["tag_list"] else _tags(rng, words)
            image = s.IMAGE_SRC_ERROR if rng.random() < rates["image_src"] else _image(rng)
        else:
            kind = s.VIDEO if media < s.STORY_RATE + s.VIDEO_RATE else s.IMAGE
            rates = s.ROW_PLACEHOLDER_RATE
            title = s.NO_TITLE if rng.random() < rates["title"] else _title(rng, words)
            roll = rng.random()
            if roll < rates["no_description"]:
                description = s.NO_DESCRIPTION
            elif roll < rates["no_description"] + rates["untitled"]:
                description = s.UNTITLED
            else:
                description = _description(rng, words)
            tags = s.NO_TAGS if rng.random() < rates["tag_list"] else _tags(rng, words)
            image = s.IMAGE_SRC_ERROR if rng.random() < rates["image_src"] else _image(rng)
        if rng.random() < s.USER_INFO_ERROR_RATE:
            poster_name = follower_count = s.USER_INFO_ERROR
        else:
            poster_name, follower_count = poster.poster_name, poster.follower_count
        pin = {
            "index": key,
            "unique_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "title": title,
            "description": description,
            "poster_name": poster_name,
            "follower_count": follower_count,
            "tag_list": tags,
            "is_image_or_video": kind,
            "image_src": image,
            "downloaded": 0 if story else 1,
            "save_location": f"Local save in /data/{category}",
            "category": category,
        }
        geo = {
            "ind": key,
            "timestamp": _POST_START + timedelta(seconds=rng.randrange(_POST_SPAN)),
            "latitude": poster.latitude,
            "longitude": poster.longitude,
            "country": poster.country,
        }
        user = {
            "ind": key,
            "first_name": poster.first_name,
            "last_name": poster.last_name,
            "age": poster.age,
            "date_joined": poster.date_joined,
        }
        return pin, geo, user


def _title(rng: random.Random, words: tuple[str, ...]) -> str:
    picked = rng.choices(s.FILLER_WORDS, k=rng.randrange(2, 9))
    return f"{rng.choice(words)} {' '.join(picked)} {rng.choice(words)}".capitalize()


def _description(rng: random.Random, words: tuple[str, ...]) -> str:
    long = rng.random() < s.LONG_DESCRIPTION_RATE
    count = rng.randrange(40, 70) if long else rng.randrange(4, 25)
    text = " ".join(rng.choices(words + s.FILLER_WORDS, k=count)).capitalize()
    if len(text) <= s.DESCRIPTION_CUT:
        return text + "."
    cut = text.rfind(" ", 0, s.DESCRIPTION_CUT)
    return text[:cut] + s.ELLIPSIS_CUT


def _tags(rng: random.Random, words: tuple[str, ...]) -> str:
    return ",".join(dict.fromkeys(rng.choices(words, k=rng.randrange(3, 9))))


def _image(rng: random.Random) -> str:
    digest = f"{rng.getrandbits(128):032x}"
    return f"https://i.pinimg.com/originals/{digest[:2]}/{digest[2:4]}/{digest[4:6]}/{digest}.jpg"
