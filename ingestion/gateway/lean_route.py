"""A FastAPI route that is documented as usual but served the lean way, and the dispatcher that
serves those routes straight from the gateway's middleware."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, request_response
from starlette.types import Receive, Scope, Send


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


class LeanRoutes:
    """Serves the app's LeanRoutes without the layers between the gateway's middleware and the
    endpoint (Starlette's exception middleware, FastAPI's exit stack, the router, the route's
    wrappers): on a one-record produce those took as much CPU as the endpoint itself.

    The routes are the app's own, tried in the router's order; a request none of them takes
    whole (path and method) goes down the usual stack, which answers it as before (404, 405,
    docs, health). An exception with a handler in the app gets that handler's answer, as the
    exception middleware would give it; any other goes up unhandled, as before."""

    def __init__(self, routes: Sequence[BaseRoute], handlers: Mapping[Any, Any]) -> None:
        self.all_routes = routes  # the router's list: complete once the app serves
        self.handlers = handlers
        self.routes: list[LeanRoute] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Serve the request if a LeanRoute takes it; False if none does."""
        if scope.get("root_path"):
            return False  # served under a prefix: the router knows how to strip it
        if self.routes is None:
            self.routes = [route for route in self.all_routes if isinstance(route, LeanRoute)]
        method, path = scope["method"], scope["path"]
        for route in self.routes:
            match = route.path_regex.match(path)
            if match is None or method not in route.methods:
                continue
            params = match.groupdict()
            scope["path_params"], scope["route"], scope["endpoint"] = params, route, route.endpoint
            request = Request(scope, receive)
            try:
                response = await route.endpoint(request, **params)
            except Exception as exc:
                handler = self._handler(exc)
                if handler is None:
                    raise
                response = await handler(request, exc)
            await response(scope, receive, send)
            return True
        return False

    def _handler(self, exc: Exception) -> Any:
        for cls in type(exc).__mro__:
            if cls in self.handlers:
                return self.handlers[cls]
        return None
