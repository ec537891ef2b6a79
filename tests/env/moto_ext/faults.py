"""Fault injection and call counting, driven over the admin API.

Fault rules (`/aura-env/faults`) match AWS requests by service and/or
operation (as classified by awsproto.classify) and, when they fire, do one of:

- `latency`: wait `delay_ms`, then let the request go on (later rules still apply);
- `throttle`: the service's throttling answer (EC2 503 RequestLimitExceeded,
  IAM/STS/ELB 400 Throttling, EKS 429 TooManyRequestsException, SSM 400
  ThrottlingException, ...), in its protocol's error shape;
- `error`: the service's internal error (EC2 500 InternalError, EKS 500
  ServerException, ...);
- `drop`: close the connection without an answer (FIN), before moto runs;
- `reset`: abort the connection with a TCP RST, before moto runs;
- `drop-after`: let moto do the work, then close the connection without the
  answer (the call happened but the client never learns it: tests of
  idempotency tokens and adoption);
- `respond`: a scripted answer, `status` + `body` (+ `headers`, `content_type`),
  or `code` + `message` rendered as an error of the call's protocol.

Any rule may add `delay_ms` before its action, override `status`/`code`/`message`,
fire only `count` times, skip the first `skip` matches, fire with `probability`
(seeded with `seed` for repeatability).

Calls (`/aura-env/calls`) counts every AWS request by "service:Operation",
including those a fault answered. `GET /aura-env/calls?log=1` adds the log of
calls in order, each `{"t": unix time, "call": "service:Operation",
"access_key": the SigV4 access key id (null: unsigned), "user": the IAM user
name of that key (null: unknown key, a role's session key, unsigned)}`, so a
test can tell who made a call (the operator or a child's controller).
"""

from __future__ import annotations

import collections
import json
import os
import random
import socket
import struct
import threading
import time
from typing import Callable, Optional
from urllib.parse import parse_qs

from .awsproto import Call, canonical_service, error_response, internal_for, throttle_for
from .middleware import AdminResponse, simple_app

ACTIONS = ("latency", "throttle", "error", "drop", "reset", "drop-after", "respond")


class FaultRule:
    def __init__(self, spec: dict, rule_id: str):
        unknown = set(spec) - {"service", "operation", "action", "delay_ms", "count", "skip",
                               "probability", "seed", "status", "code", "message", "body",
                               "headers", "content_type", "region", "comment"}
        if unknown:
            raise ValueError(f"unknown fault rule fields: {sorted(unknown)}")
        self.id = rule_id
        self.spec = dict(spec)
        self.action = spec.get("action", "")
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {self.action!r}")
        self.service = canonical_service(spec["service"]) if spec.get("service") else None
        ops = spec.get("operation")
        self.operations = set([ops] if isinstance(ops, str) else ops) if ops else None
        self.region = spec.get("region")
        self.delay = float(spec.get("delay_ms", 0)) / 1000.0
        if self.action == "latency" and not self.delay:
            raise ValueError("latency needs delay_ms")
        self.count = spec.get("count")
        self.skip = int(spec.get("skip", 0))
        self.probability = float(spec.get("probability", 1.0))
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        self.rng = random.Random(spec.get("seed"))
        if self.action == "respond" and "status" not in spec:
            raise ValueError("respond needs status")
        self.matched = 0
        self.hits = 0

    def matches(self, call: Optional[Call]) -> bool:
        if self.service and (call is None or call.service != self.service):
            return False
        if self.operations and (call is None or call.operation not in self.operations):
            return False
        if self.region and (call is None or call.region != self.region):
            return False
        return True

    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= int(self.count)

    def decide(self) -> bool:
        """Called with the registry lock held, for a matching request."""
        self.matched += 1
        if self.exhausted() or self.matched <= self.skip:
            return False
        if self.probability < 1.0 and self.rng.random() >= self.probability:
            return False
        self.hits += 1
        return True

    def describe(self) -> dict:
        return {"id": self.id, **self.spec, "matched": self.matched, "hits": self.hits,
                "exhausted": self.exhausted()}


class FaultRegistry:
    def __init__(self, user_of_key: Optional[Callable[[str], Optional[str]]] = None):
        """user_of_key: the IAM user name of an access key id, or None (for the calls log)."""
        self._user_of_key = user_of_key
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next = 1
        self._calls: dict[str, int] = {}
        self._total = 0
        # When each call came, for `GET /aura-env/calls?log=1` (bench/cluster); bounded.
        self._log: collections.deque = collections.deque(maxlen=500_000)

    # -- admin -----------------------------------------------------------
    def add(self, spec: dict) -> FaultRule:
        with self._lock:
            rule = FaultRule(spec, f"f{self._next}")
            self._next += 1
            self._rules.append(rule)
            return rule

    def clear(self, rule_id: Optional[str] = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def list(self) -> list[dict]:
        with self._lock:
            return [r.describe() for r in self._rules]

    def calls(self) -> dict:
        with self._lock:
            by_service: dict[str, int] = {}
            for key, n in self._calls.items():
                s = key.split(":", 1)[0]
                by_service[s] = by_service.get(s, 0) + n
            return {"total": self._total, "calls": dict(sorted(self._calls.items())),
                    "by_service": dict(sorted(by_service.items()))}

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()
            self._total = 0
            self._log.clear()

    # -- request path ----------------------------------------------------
    def count(self, call: Optional[Call]) -> None:
        key = call.key if call else "?:?"
        access_key = call.access_key if call else None
        user = None
        if access_key and self._user_of_key is not None:
            try:
                user = self._user_of_key(access_key)
            except Exception:  # who called is a note in the log, never a failure of the call
                user = None
        with self._lock:
            self._calls[key] = self._calls.get(key, 0) + 1
            self._total += 1
            self._log.append((time.time(), key, access_key, user))

    def fire(self, call: Optional[Call]) -> list[FaultRule]:
        """The rules that fire for this request, in order, up to the first
        non-latency one."""
        fired = []
        with self._lock:
            for rule in self._rules:
                if rule.matches(call) and rule.decide():
                    fired.append(rule)
                    if rule.action != "latency":
                        break
        return fired

    # -- WSGI hooks -------------------------------------------------------
    def counting_hook(self, environ: dict):
        # The token webhook's own STS calls (authn_webhook.py) are the child
        # cluster's, not the client's under test: not counted (faults still apply).
        if environ.get("HTTP_X_AURA_ENV_ORIGIN") != "authn-webhook":
            self.count(environ.get("aura.call"))
        return None

    def fault_hook(self, environ: dict):
        call = environ.get("aura.call")
        with self._lock:
            if not self._rules:
                return None
        fired = self.fire(call)
        if not fired:
            return None
        for rule in fired:
            if rule.delay:
                time.sleep(rule.delay)  # the fault itself: an answer that is slow
        last = fired[-1]
        if last.action == "latency":
            return None
        return _fault_app(last, call)

    # -- admin routes -----------------------------------------------------
    def faults_route(self, method: str, sub: str, query: str, body: bytes) -> AdminResponse:
        parts = sub.strip("/").split("/")
        if method == "GET":
            return AdminResponse(200, {"rules": self.list()})
        if method == "DELETE":
            n = self.clear(parts[1] if len(parts) > 1 else None)
            return AdminResponse(200, {"deleted": n})
        if method == "POST":
            try:
                doc = json.loads(body or b"{}")
                specs = doc["rules"] if isinstance(doc, dict) and "rules" in doc else (
                    doc if isinstance(doc, list) else [doc])
                rules = [self.add(s) for s in specs]
            except (ValueError, KeyError, TypeError) as e:
                return AdminResponse(400, {"error": str(e)})
            return AdminResponse(200, {"ids": [r.id for r in rules],
                                       "rules": [r.describe() for r in rules]})
        return AdminResponse(405, {"error": "GET, POST or DELETE"})

    def calls_route(self, method: str, sub: str, query: str, body: bytes) -> AdminResponse:
        if method == "GET":
            data = self.calls()
            if parse_qs(query).get("log", ["0"])[0] == "1":
                with self._lock:
                    data["log"] = [{"t": t, "call": k, "access_key": a, "user": u} for t, k, a, u in self._log]
            service = parse_qs(query).get("service", [None])[0]
            if service:
                prefix = canonical_service(service) + ":"
                data["calls"] = {k: v for k, v in data["calls"].items() if k.startswith(prefix)}
                data["total"] = sum(data["calls"].values())
            return AdminResponse(200, data)
        if method == "DELETE":
            self.reset_calls()
            return AdminResponse(200, {"total": 0})
        return AdminResponse(405, {"error": "GET or DELETE"})


class _DroppedConnection(ConnectionAbortedError):
    """Raised after the socket was closed on purpose; werkzeug treats a
    ConnectionError as a client that went away and logs nothing."""


def _close_socket(environ: dict, rst: bool) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is None:
        raise _DroppedConnection("no socket to drop")
    try:
        if rst:
            # Linger 0, then close the connection's last fd: the kernel sends a
            # RST. socket.close() would not close the fd while werkzeug's
            # rfile/wfile hold it, so dup2 a dead socketpair end over it: that
            # closes the connection, and the handler then reads EOF and ends
            # quietly.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            dead, peer = socket.socketpair()
            peer.close()
            os.dup2(dead.fileno(), sock.fileno())
            dead.close()
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    raise _DroppedConnection("connection dropped by fault rule")


def _fault_app(rule: FaultRule, call: Optional[Call]):
    spec = rule.spec
    if rule.action in ("drop", "reset"):
        def drop_app(environ, start_response):
            _close_socket(environ, rst=rule.action == "reset")
        return drop_app
    if rule.action == "drop-after":
        def drop_after_app(environ, start_response):
            downstream = environ["aura.next"]
            result = downstream(environ, lambda *a, **k: (lambda data: None))
            try:
                for _ in result:  # let the whole answer be produced, then lose it
                    pass
            finally:
                if hasattr(result, "close"):
                    result.close()
            _close_socket(environ, rst=False)
        return drop_after_app
    if rule.action == "respond" and "code" not in spec:
        body = spec.get("body", "")
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        headers = list((spec.get("headers") or {}).items())
        if spec.get("content_type"):
            headers.append(("Content-Type", spec["content_type"]))
        return simple_app(int(spec["status"]), headers, data)
    if rule.action == "throttle":
        status, code, message = throttle_for(call)
    elif rule.action == "error":
        status, code, message = internal_for(call)
    else:  # respond with an error code
        status, code, message = int(spec["status"]), spec["code"], spec.get("message", spec["code"])
    status = int(spec.get("status", status))
    code = spec.get("code", code)
    message = spec.get("message", message)
    status, headers, data = error_response(call, status, code, message)
    headers += list((spec.get("headers") or {}).items())
    return simple_app(status, headers, data)
