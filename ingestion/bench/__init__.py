"""Benchmarks, one module each, run by ``pinpipe bench <name>``.

A module exposes ``register(subparsers)``: it adds its parser and sets
``func(args, settings) -> int``, which prints one JSON object through
``ingestion.commands.bench.emit(name, result)``.
"""
