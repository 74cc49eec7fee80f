"""The code the pinpipe DAGs share: their view of the project's settings (``config``), one
dbt layer as Cosmos tasks (``dbt``), the speed layer's keeper (``keeper``) and the drawings
of the DAGs for the docs (``graphs``).

Everything is read from the project's settings (``ingestion.config``, ``PINPIPE_*``) when a
DAG file is parsed, never from the metadata database, so parsing stays fast; connections
hold the credentials.
"""
