"""The ingestion gateway: a Kafka REST Proxy v2 and the API Gateway Kinesis proxy in one app.

``ingestion.gateway.app.create_app(settings)`` builds the FastAPI app; ``pinpipe gateway``
serves it with uvicorn (``ingestion.gateway.server``). The package itself imports nothing, so a
worker process starts answering its supervisor before the app's libraries are loaded.
"""
