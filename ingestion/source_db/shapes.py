"""The documented shapes of the source data: placeholders, categories, frequencies.

Every constant here is a fact from the domain description (``domain.md`` §1) or a rate
chosen to match it; the closed value sets (categories, placeholders, media types) come from
the entity contract. The generator draws from these, and the tests check the replica against
the same numbers.
"""

from __future__ import annotations

from ingestion.contract import CONTRACT

DEFAULT_ROWS = 11_153
"""Rows per table in the original database."""

CATEGORIES: tuple[str, ...] = CONTRACT.categories
CATEGORY_WEIGHTS: tuple[float, ...] = (
    8.0, 7.0, 10.0, 8.5, 9.0, 7.5, 7.0, 8.0, 7.0, 7.5, 7.5, 8.0, 5.0,
)  # fmt: skip

# placeholders, exactly as they appear in the source (the contract lists them per field)
PLACEHOLDERS: dict[str, tuple[str, ...]] = CONTRACT.placeholders
(NO_TITLE,) = PLACEHOLDERS["title"]
STORY_DESCRIPTION, NO_DESCRIPTION, UNTITLED = PLACEHOLDERS["description"]
(USER_INFO_ERROR,) = PLACEHOLDERS["poster_name"]
(NO_TAGS,) = PLACEHOLDERS["tag_list"]
(IMAGE_SRC_ERROR,) = PLACEHOLDERS["image_src"]

IMAGE, VIDEO, STORY = CONTRACT.media_types

# per-row rates
STORY_RATE = 0.035
VIDEO_RATE = 0.16
USER_INFO_ERROR_RATE = 0.015  # poster_name and follower_count both lost
# on story rows, each placeholder appears with this chance
STORY_PLACEHOLDER_RATE = {
    "title": 0.8,
    "description": 0.85,
    "tag_list": 0.8,
    "image_src": 0.85,
}
# on ordinary rows
ROW_PLACEHOLDER_RATE = {
    "title": 0.006,
    "no_description": 0.01,
    "untitled": 0.004,
    "tag_list": 0.008,
    "image_src": 0.004,
}
LONG_DESCRIPTION_RATE = 0.35
DESCRIPTION_CUT = 220
ELLIPSIS_CUT = "\u2026\u00a0"
"""What a cut description ends in: an ellipsis and a no-break space."""

# follower_count shapes per poster (the row-level ``User Info Error`` adds ~1.5 %)
FOLLOWER_SHAPES = {"digits": 0.175, "k": 0.754, "M": 0.071}
MAX_MILLIONS = 15

POST_YEARS = (2017, 2022)
JOIN_YEARS = (2015, 2017)
AGES = (20, 59)
POSTS_PER_POSTER = 3
"""Average pins per poster: the replica has ``rows // 3`` posters, drawn with a skew."""

DATETIME_FORMATS = {
    "space": "%Y-%m-%d %H:%M:%S",
    "T": "%Y-%m-%dT%H:%M:%S",
    "colon": "%Y:%m:%d %H:%M:%S",
}
"""The three text forms datetimes reach the wire in."""

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "art": ("painting", "watercolor", "sketch", "acrylic", "portrait", "abstract", "canvas",
            "illustration", "drawing", "gallery", "mural", "ink"),
    "beauty": ("makeup", "skincare", "nails", "hair", "lipstick", "eyeliner", "glow",
               "routine", "serum", "braids", "manicure", "contour"),
    "christmas": ("christmas", "tree", "ornaments", "wreath", "gifts", "stocking", "holiday",
                  "santa", "lights", "cookies", "xmas", "advent"),
    "diy-and-crafts": ("diy", "crafts", "handmade", "sewing", "knitting", "upcycle",
                       "crochet", "paper", "glue", "beads", "tutorial", "project"),
    "education": ("learning", "classroom", "teacher", "math", "reading", "science",
                  "worksheet", "homeschool", "students", "printable", "lesson", "study"),
    "event-planning": ("wedding", "party", "birthday", "decor", "invitation", "venue",
                       "shower", "theme", "balloons", "centerpiece", "planner", "bridal"),
    "finance": ("budget", "saving", "money", "debt", "investing", "frugal", "income",
                "retirement", "credit", "stocks", "spending", "finance"),
    "home-decor": ("livingroom", "bedroom", "interior", "farmhouse", "kitchen", "rustic",
                   "cozy", "shelves", "minimalist", "boho", "rug", "lighting"),
    "mens-fashion": ("menswear", "suit", "streetwear", "sneakers", "style", "casual",
                     "watch", "denim", "outfit", "beard", "blazer", "boots"),
    "quotes": ("quotes", "inspiration", "motivation", "life", "love", "wisdom", "positive",
               "happiness", "words", "mindset", "success", "faith"),
    "tattoos": ("tattoo", "ink", "sleeve", "linework", "floral", "minimal", "blackwork",
                "forearm", "design", "dotwork", "small", "script"),
    "travel": ("travel", "beach", "wanderlust", "adventure", "itinerary", "mountains",
               "europe", "roadtrip", "island", "backpacking", "city", "hotel"),
    "vehicles": ("cars", "truck", "motorcycle", "classic", "engine", "jeep", "offroad",
                 "custom", "racing", "vintage", "wheels", "garage"),
}  # fmt: skip

FILLER_WORDS: tuple[str, ...] = (
    "the", "best", "easy", "ideas", "for", "your", "with", "and", "this", "how", "to", "make",
    "beautiful", "simple", "new", "amazing", "perfect", "you", "will", "love", "our", "great",
    "tips", "guide", "a", "of", "in", "on", "every", "day", "home", "more", "free", "little",
    "diy", "modern", "cute", "top", "favorite", "quick", "ways", "that", "can", "it", "is",
)  # fmt: skip

BRAND_WORDS: tuple[str, ...] = (
    "Studio", "Designs", "Home", "Style", "Crafts", "Life", "Blog", "Daily", "Boutique",
    "Creative", "Living", "Co.", "Magazine", "Shop", "Academy", "Collective",
)  # fmt: skip

EMOJI: tuple[str, ...] = (
    "\u2728",
    "\U0001f338",
    "\U0001f33f",
    "\U0001f497",
    "\u2615",
    "\U0001f3a8",
)
