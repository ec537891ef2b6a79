"""Presigned URLs (SigV4 query authentication) of any service.

moto (5.2.5) with authentication on reads the Authorization header of every
request; a presigned URL has none, so an S3 GetObject URL or an EC2 GET with
X-Amz-Signature fails with a 500 (routing presigned requests without a service
in the host to S3 besides). STS GetCallerIdentity URLs are answered by
sts_presign; for every other presigned request this hook:
1. verifies the query signature and expiry for real (sts_presign.verify_query_auth:
   botocore's signer, S3's canonical form for s3, the secret moto stores for
   the key; X-Amz-Expires honoured: 403 AccessDenied "Request has expired");
   a failure is answered in the service's error shape;
2. then turns the request into the same request signed in the Authorization
   header with the same credentials (the auth query parameters removed), so
   that moto routes it to the right service and runs its own checks: the
   principal's IAM policies are evaluated as for any signed call.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional
from urllib.parse import parse_qsl, unquote_plus

from .awsproto import Call, error_response, raw_path
from .middleware import simple_app
from .sts_presign import (QUERY_AUTH_PARAMS, PresignError, QueryAuth, request_headers, request_url,
                          verify_query_auth)

_S3_CODES = {"InvalidClientTokenId": (403, "InvalidAccessKeyId",
                                      "The AWS Access Key Id you provided does not exist in our records."),
             "ExpiredToken": (400, "ExpiredToken", "The provided token has expired.")}


def _error(call: Optional[Call], err: PresignError):
    status, code, message = err.status, err.code, err.message
    if call and call.service == "s3" and code in _S3_CODES:
        status, code, message = _S3_CODES[code]
    if call and call.service == "ec2" and code in ("SignatureDoesNotMatch", "InvalidClientTokenId"):
        status, code, message = 401, "AuthFailure", "AWS was not able to validate the provided access credentials"
    return simple_app(*error_response(call, status, code, message))


def _strip_auth_params(query: str) -> str:
    kept = []
    for pair in query.split("&") if query else []:
        key = unquote_plus(pair.split("=", 1)[0])
        if key not in QUERY_AUTH_PARAMS:
            kept.append(pair)
    return "&".join(kept)


def _resign(environ: dict, checked: QueryAuth) -> None:
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    query = _strip_auth_params(environ.get("QUERY_STRING", "") or "")
    path = raw_path(environ)
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
    s = checked.secret
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"), url=url, headers={"host": host},
                         data=environ.get("aura.body") or b"")
    signer_cls = S3SigV4Auth if checked.service == "s3" else SigV4Auth
    signer_cls(Credentials(s.access_key, s.secret_key, s.token), checked.service, checked.region).add_auth(request)
    for name, value in request.headers.items():
        if name.lower() == "host":
            continue
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    environ["QUERY_STRING"] = query
    uri = path + (f"?{query}" if query else "")
    environ["REQUEST_URI"] = uri
    environ["RAW_URI"] = uri


def presigned_hook(environ: dict):
    if environ.get("HTTP_AUTHORIZATION"):
        return None
    keys = {k for k, _ in parse_qsl(environ.get("QUERY_STRING", "") or "", keep_blank_values=True)}
    if "X-Amz-Signature" not in keys or "X-Amz-Credential" not in keys:
        return None
    call = environ.get("aura.call")
    try:
        checked = verify_query_auth(request_url(environ), request_headers(environ),
                                    environ.get("REQUEST_METHOD", "GET"), environ.get("aura.body") or b"",
                                    dt.datetime.now(dt.timezone.utc))
    except PresignError as e:
        return _error(call, e)
    _resign(environ, checked)
    return None
