"""``pinpipe demo``: the main job from a fresh checkout to printed answers.

``run.py`` runs the steps in order; ``progress.py`` numbers and times them and writes each
step's log; ``spark.py`` holds the one Spark session (landing, reading marts);
``landing.py`` lands a source once and counts what landed; ``marts.py`` reads and prints the
gold marts; ``summary.py`` is the closing screen.
"""
