"""WSGI middleware in front of moto: admin endpoints under /aura-env/ and a
chain of request hooks (fault injection, emulator extensions).

Stdlib only (it runs in moto's venv, but needs nothing from moto), so it can be
tested on its own with any WSGI app behind it.

Requests to moto's own API (/moto-api/...) go straight to moto. For every
other non-admin request the middleware, before any hook runs:
- buffers the body (when the request has a Content-Length) into
  `environ["aura.body"]` and rewinds `wsgi.input`, so hooks and moto can all
  read it;
- classifies the call when a classifier is set (`set_classifier`), into
  `environ["aura.call"]` (service, operation, protocol, region, ...);
- sets `environ["aura.next"]`, a WSGI app that runs the rest of the chain
  (later hooks, then moto). A hook's replacement app may call it to wrap the
  downstream answer (to drop it, delay it, or run it with a thread-local flag).
"""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

ADMIN_PREFIX = "/aura-env/"
PASSTHROUGH_PREFIXES = ("/moto-api", "/favicon.ico")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


@dataclass
class AdminResponse:
    status: int = 200
    body: Any = field(default_factory=dict)  # JSON-serialisable, or bytes/str as is
    headers: list = field(default_factory=list)

    def encode(self) -> tuple[str, list, bytes]:
        if isinstance(self.body, bytes):
            data, ctype = self.body, "application/octet-stream"
        elif isinstance(self.body, str):
            data, ctype = self.body.encode(), "text/plain; charset=utf-8"
        else:
            data, ctype = json.dumps(self.body, indent=1, default=str).encode(), "application/json"
        headers = [("Content-Type", ctype), ("Content-Length", str(len(data)))]
        headers += self.headers
        return f"{self.status} {_REASONS.get(self.status, 'Status')}", headers, data


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


def reason(status: int) -> str:
    return _REASONS.get(status, "Status")


# An admin handler gets (method, sub-path after /aura-env/, query string, body bytes).
AdminHandler = Callable[[str, str, str, bytes], AdminResponse]
# A request hook gets the WSGI environ of an AWS request (before moto sees it)
# and returns None to let it through, or a WSGI app to answer it instead (for
# example one that sleeps, throttles or drops the connection). The app may call
# environ["aura.next"] to get the answer of the rest of the chain.
RequestHook = Callable[[dict], Optional[WSGIApp]]
# A classifier gets (environ, body bytes) and returns an object stored as environ["aura.call"].
Classifier = Callable[[dict, bytes], Any]


class AuraEnvMiddleware:
    """Wraps moto's WSGI app.

    - `/aura-env/healthz`: 200 once `set_ready()` was called (the launcher
      calls it after the IAM bootstrap), 503 before.
    - further admin routes are registered with `add_admin_route(name, handler)`
      and answer `/aura-env/<name>` and `/aura-env/<name>/...`.
    - request hooks (`add_request_hook`) run in order for every non-admin
      request; the first that returns an app answers the request.
    """

    def __init__(self, app: WSGIApp):
        self._app = app
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._routes: dict[str, AdminHandler] = {}
        self._hooks: list[RequestHook] = []
        self._classifier: Optional[Classifier] = None
        self.add_admin_route("healthz", self._healthz)

    # -- configuration ---------------------------------------------------
    def set_ready(self, ready: bool = True) -> None:
        if ready:
            self._ready.set()
        else:
            self._ready.clear()

    def add_admin_route(self, name: str, handler: AdminHandler) -> None:
        if "/" in name or not name:
            raise ValueError(f"admin route name must be one path segment: {name!r}")
        with self._lock:
            self._routes[name] = handler

    def add_request_hook(self, hook: RequestHook) -> None:
        with self._lock:
            self._hooks.append(hook)

    def set_classifier(self, classifier: Optional[Classifier]) -> None:
        self._classifier = classifier

    # -- WSGI ------------------------------------------------------------
    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        if path.startswith(ADMIN_PREFIX) or path == ADMIN_PREFIX.rstrip("/"):
            return self._admin(environ, start_response, path[len(ADMIN_PREFIX):])
        if path.startswith(PASSTHROUGH_PREFIXES):
            return self._app(environ, start_response)  # moto's own admin API: no hooks
        body = buffer_body(environ)
        if self._classifier is not None:
            try:
                environ["aura.call"] = self._classifier(environ, body)
            except Exception:  # classification is best effort, never fatal
                environ["aura.call"] = None
        with self._lock:
            hooks = list(self._hooks)
        return self._chain(hooks, 0, environ, start_response)

    def _chain(self, hooks: list, i: int, environ: dict, start_response: StartResponse):
        while i < len(hooks):
            hook = hooks[i]
            i += 1
            replacement = hook(environ)
            if replacement is not None:
                nxt = i
                environ["aura.next"] = lambda env, sr: self._chain(hooks, nxt, env, sr)
                return replacement(environ, start_response)
        rewind_body(environ)
        return self._app(environ, start_response)

    def _admin(self, environ: dict, start_response: StartResponse, sub: str) -> Iterable[bytes]:
        name = sub.split("/", 1)[0]
        with self._lock:
            handler = self._routes.get(name)
        if handler is None:
            resp = AdminResponse(404, {"error": f"no admin route {name!r}",
                                       "routes": sorted(self._routes)})
        else:
            method = environ.get("REQUEST_METHOD", "GET")
            body = _read_body(environ)
            try:
                resp = handler(method, sub, environ.get("QUERY_STRING", ""), body)
            except Exception as e:  # an admin call must never kill the server
                resp = AdminResponse(500, {"error": f"{type(e).__name__}: {e}"})
        status, headers, data = resp.encode()
        start_response(status, headers)
        return [data]

    def _healthz(self, method: str, sub: str, query: str, body: bytes) -> AdminResponse:
        if self._ready.is_set():
            return AdminResponse(200, {"status": "ok"})
        return AdminResponse(503, {"status": "starting"})


def buffer_body(environ: dict) -> bytes:
    """Reads the request body once into environ["aura.body"] (when the request
    has a Content-Length; a chunked body is left to moto) and rewinds wsgi.input."""
    if "aura.body" in environ:
        rewind_body(environ)
        return environ["aura.body"]
    if not environ.get("CONTENT_LENGTH"):
        if "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower():
            return b""  # a chunked body stays in wsgi.input for moto
        environ["aura.body"] = b""
        return b""
    body = _read_body(environ)
    environ["aura.body"] = body
    rewind_body(environ)
    return body


def rewind_body(environ: dict) -> None:
    body = environ.get("aura.body")
    if body is not None and environ.get("CONTENT_LENGTH"):
        environ["wsgi.input"] = io.BytesIO(body)


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    return environ["wsgi.input"].read(length)


def simple_app(status: int, headers: list, body: bytes) -> WSGIApp:
    """A WSGI app answering a fixed response."""

    def app(environ: dict, start_response: StartResponse):
        hdrs = [(k, v) for k, v in headers if k.lower() != "content-length"]
        hdrs.append(("Content-Length", str(len(body))))
        start_response(f"{status} {reason(status)}", hdrs)
        return [body]

    return app
