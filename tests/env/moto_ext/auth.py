"""Answers AWS requests that carry no signature with 403, as AWS does.

moto (5.2.5) with authentication on reads the Authorization header without
checking that it is there, so an unsigned request gets a 500 from a KeyError.
This hook turns that into AWS's answer: 403 MissingAuthenticationToken.
Presigned URLs (X-Amz-Signature in the query) and the operations AWS serves
unsigned are let through: presigned STS GetCallerIdentity and
AssumeRoleWithWebIdentity are answered by earlier hooks (sts_presign,
sts_webidentity), the rest by moto (S3 presigned URLs).
"""

from __future__ import annotations

import json
import uuid
from typing import Callable, Optional
from urllib.parse import parse_qs

# Operations AWS serves without a signature (moto keeps its own list for the
# JSON ones, ActionAuthenticatorMixin.PUBLIC_OPERATIONS).
UNSIGNED_QUERY_ACTIONS = {"AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}


def missing_auth_hook(auth_required: Callable[[], bool],
                      public_targets: frozenset[str] = frozenset()):
    """Returns a request hook for AuraEnvMiddleware.add_request_hook."""

    def hook(environ: dict) -> Optional[Callable]:
        path = environ.get("PATH_INFO", "") or ""
        if path.startswith("/moto-api") or path.startswith("/latest/"):
            return None  # moto's own admin API and the instance metadata service
        if environ.get("HTTP_AUTHORIZATION"):
            return None
        query = environ.get("QUERY_STRING", "") or ""
        if "X-Amz-Signature=" in query or "Signature=" in query:
            return None  # presigned URL: moto checks it
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target in public_targets:
            return None
        action = parse_qs(query).get("Action", [None])[0]
        body = environ.get("aura.body") or b""
        if action is None and body:
            try:
                action = parse_qs(body.decode("utf-8")).get("Action", [None])[0]
            except UnicodeDecodeError:
                action = None
        if action in UNSIGNED_QUERY_ACTIONS:
            return None
        if not auth_required():
            return None
        return _forbidden(json_protocol=bool(target))

    return hook


def _forbidden(json_protocol: bool):
    request_id = str(uuid.uuid4())
    message = "Request is missing Authentication Token"
    if json_protocol:
        body = json.dumps({"__type": "MissingAuthenticationTokenException",
                           "message": message}).encode()
        ctype = "application/x-amz-json-1.1"
    else:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            "<Code>MissingAuthenticationToken</Code>"
            f"<Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        ctype = "text/xml"

    def app(environ: dict, start_response: Callable):
        start_response("403 Forbidden", [("Content-Type", ctype),
                                         ("Content-Length", str(len(body))),
                                         ("x-amzn-RequestId", request_id)])
        return [body]

    return app
