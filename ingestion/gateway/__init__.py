"""The ingestion gateway: a Kafka REST Proxy v2 and the API Gateway Kinesis proxy in one app.

``create_app(settings)`` builds the FastAPI app; ``pinpipe gateway`` serves it with uvicorn.
"""

from ingestion.gateway.app import create_app

__all__ = ["create_app"]
