"""Subcommands of ``pinpipe``: one module each, discovered by ``ingestion.cli``."""
