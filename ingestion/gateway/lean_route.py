"""A FastAPI route that is documented as usual but served the way Starlette serves routes."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response


class LeanRoute(APIRoute):
    """OpenAPI comes from the endpoint's signature and ``openapi_extra`` like any APIRoute, but
    a request skips FastAPI's dependency solving and validation: the endpoint is called with
    the request and the path parameters as text, and checks them itself. On the produce path
    that per-request machinery cost more CPU than everything else together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            return await endpoint(request, **request.path_params)

        self.app = request_response(handle)
