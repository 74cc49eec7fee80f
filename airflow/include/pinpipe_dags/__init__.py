"""Shared configuration of the pinpipe DAGs: where the dbt project and its manifest are, which
dbt target and profile to use, how Cosmos runs dbt, and the commands the DAGs start.

Everything is read from ``PINPIPE_*`` environment variables when a DAG file is parsed (never
from the metadata database, so parsing stays fast); connections hold the credentials.
"""
