"""Presigned STS GetCallerIdentity URLs, the core of EKS bearer tokens.

A token is `k8s-aws-v1.` + base64url(presigned URL), where the URL is
    GET https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15
        &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID/DATE/REGION/sts/aws4_request
        &X-Amz-Date=...&X-Amz-Expires=60&X-Amz-SignedHeaders=host;x-k8s-aws-id&X-Amz-Signature=...
and the header `x-k8s-aws-id: <cluster name>` is signed.

moto (5.2.5) has no code for this: with authentication on, such a GET is routed
to S3 (no Authorization header, no service in the path) and fails with a 500.

`verify_presigned_get_caller_identity(url, headers)` checks it as STS does:
- the query carries the SigV4 query-auth parameters (else 400 IncompleteSignature /
  AuthorizationQueryParametersError style answers);
- the access key is known to moto (IAM user key, or STS session key whose
  X-Amz-Security-Token matches), else 403 InvalidClientTokenId; an expired STS
  session gives 403 ExpiredToken;
- the signature, recomputed with botocore's SigV4 signer and the secret moto
  stores for that key, matches, else 403 SignatureDoesNotMatch;
- the request is within STS's validity window: STS serves a presigned
  GetCallerIdentity for 15 minutes after X-Amz-Date whatever X-Amz-Expires says
  (aws/aws-sdk-go#2167; EKS clients put X-Amz-Expires=60 in tokens that are
  valid for 15 minutes), and refuses one dated more than 15 minutes in the
  future; both as 403 SignatureDoesNotMatch "Signature expired: ..." /
  "Signature not yet current: ...". X-Amz-Expires must still be an integer in
  [1, 604800].
It returns a CallerIdentity (Account, Arn, UserId, plus the access key and the
signed headers, which a token webhook checks for x-k8s-aws-id), or a
PresignError (an Exception with status, code, message).

`presign_hook` answers such requests on moto's port as STS does: the
GetCallerIdentityResponse XML, or its JSON form when the client sends
`Accept: application/json` (as aws-iam-authenticator does), and errors in the
same format.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from dataclasses import dataclass, field
from typing import Callable, Optional, Union
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .awsproto import request_id

STS_VERSION = "2011-06-15"
VALIDITY_WINDOW = dt.timedelta(minutes=15)
MAX_EXPIRES = 604800
QUERY_AUTH_PARAMS = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                     "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}
AUTH_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
               "X-Amz-Signature")


@dataclass
class CallerIdentity:
    account: str
    arn: str
    user_id: str
    access_key_id: str
    region: str
    signed_headers: list = field(default_factory=list)
    headers: dict = field(default_factory=dict)  # the signed headers' values, lower-case names
    signed_at: Optional[dt.datetime] = None

    def as_sts(self) -> dict:
        return {"Account": self.account, "Arn": self.arn, "UserId": self.user_id}


class PresignError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass
class _Secret:
    access_key: str
    secret_key: str
    token: Optional[str]
    account: str
    arn: str
    user_id: str
    expiration: Optional[dt.datetime] = None


# A lookup gets (access key id, session token or None, region) and returns a
# _Secret, or raises PresignError. The default looks in moto's backends.
SecretLookup = Callable[[str, Optional[str], str], _Secret]


def moto_secret_lookup(access_key: str, token: Optional[str], region: str) -> _Secret:
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key
    from moto.iam.models import get_account_id_from
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    partition = get_partition(region)
    account = get_account_id_from(access_key)
    if not access_key.startswith("AKIA"):
        # Session keys (ASIA...) live in the STS backend of the account that issued them.
        for acct in list(sts_backends.keys()):
            for role in sts_backends[acct][partition].assumed_roles:
                if role.access_key_id == access_key:
                    account = acct
                    break
    headers = {"X-Amz-Security-Token": token} if token else {}
    try:
        key = create_access_key(account_id=account, partition=partition,
                                access_key_id=access_key, headers=headers)
    except CreateAccessKeyFailure:
        raise PresignError(403, "InvalidClientTokenId",
                           "The security token included in the request is invalid.") from None
    creds = key.create_credentials()
    user_id, arn, acct = sts_backends[account][partition].get_caller_identity(access_key, region)
    expiration = None
    if not access_key.startswith("AKIA"):
        for role in sts_backends[account][partition].assumed_roles:
            if role.access_key_id == access_key:
                expiration = getattr(role, "expiration", None)
    else:
        # An inactive IAM key is refused like an unknown one.
        from moto.iam.models import iam_backends

        for k in iam_backends[account][partition].access_keys.values():
            if getattr(k, "access_key_id", None) == access_key and getattr(k, "status", "Active") != "Active":
                raise PresignError(403, "InvalidClientTokenId",
                                   "The security token included in the request is invalid.")
    return _Secret(access_key, creds.secret_key, creds.token, acct, arn, user_id, expiration)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def verify_presigned_get_caller_identity(
        url: str, headers: Optional[dict] = None, *, method: str = "GET",
        now: Optional[dt.datetime] = None, window: dt.timedelta = VALIDITY_WINDOW,
        lookup: SecretLookup = moto_secret_lookup) -> Union[CallerIdentity, PresignError]:
    """Verifies a presigned STS GetCallerIdentity URL as STS would.

    `headers` are the headers sent with the URL (any case; `host` defaults to
    the URL's netloc). Returns a CallerIdentity, or a PresignError (not raised)."""
    try:
        return _verify(url, headers or {}, method, now or _now(), window, lookup)
    except PresignError as e:
        return e


def _verify(url: str, headers: dict, method: str, now: dt.datetime, window: dt.timedelta,
            lookup: SecretLookup) -> CallerIdentity:
    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query, keep_blank_values=True))
    if q.get("Action") != "GetCallerIdentity":
        raise PresignError(400, "InvalidAction",
                           f"Could not find operation {q.get('Action')} for version {q.get('Version')}")
    if q.get("Version") != STS_VERSION:
        raise PresignError(400, "InvalidAction",
                           f"Could not find operation GetCallerIdentity for version {q.get('Version')}")
    checked = verify_query_auth(url, headers, method, b"", now, lookup, service="sts", window=window,
                                honor_expires=False)
    secret = checked.secret
    return CallerIdentity(account=secret.account, arn=secret.arn, user_id=secret.user_id,
                          access_key_id=secret.access_key, region=checked.region,
                          signed_headers=checked.signed_names, headers=checked.signed,
                          signed_at=checked.signed_at)


@dataclass
class QueryAuth:
    """A verified SigV4 query-string (presigned) request."""
    secret: _Secret
    region: str
    service: str
    signed_at: dt.datetime
    signed_names: list
    signed: dict
    params: list  # the query without the X-Amz-* auth parameters


def verify_query_auth(url: str, headers: dict, method: str, body: bytes, now: dt.datetime,
                      lookup: SecretLookup = moto_secret_lookup, service: Optional[str] = None,
                      window: dt.timedelta = VALIDITY_WINDOW, honor_expires: bool = True) -> QueryAuth:
    """Checks the SigV4 query authentication of a presigned request (any
    service; S3's canonical form for s3) with botocore's signer. Raises
    PresignError. With honor_expires, the request expires X-Amz-Expires after
    X-Amz-Date (S3 and most services); without, `window` after it (STS)."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    q: dict[str, str] = {}
    for k, v in pairs:
        if k in q and k.startswith("X-Amz-"):
            raise PresignError(400, "AuthorizationQueryParametersError", f"Duplicate query parameter {k}")
        q.setdefault(k, v)
    missing = [p for p in AUTH_PARAMS if not q.get(p)]
    if missing:
        raise PresignError(400, "IncompleteSignature",
                           "AWS query-string parameters must include " + ", ".join(AUTH_PARAMS)
                           + ". Re-examine the query-string parameters. Missing: " + ", ".join(missing))
    if q["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise PresignError(400, "IncompleteSignature",
                           f"Unsupported AWS 'algorithm': '{q['X-Amz-Algorithm']}'")
    cred = q["X-Amz-Credential"].split("/")
    if len(cred) != 5 or cred[4] != "aws4_request":
        raise PresignError(400, "IncompleteSignature",
                           f"Credential should be scoped to a valid region, not '{q['X-Amz-Credential']}'.")
    access_key, scope_date, region, scope_service = cred[0], cred[1], cred[2], cred[3]
    if service is not None and scope_service != service:
        raise PresignError(403, "SignatureDoesNotMatch",
                           f"Credential should be scoped to correct service: '{service}'. ")
    try:
        signed_at = dt.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise PresignError(400, "IncompleteSignature",
                           f"Date must be in ISO-8601 'basic format'. Got '{q['X-Amz-Date']}'.") from None
    if scope_date != q["X-Amz-Date"][:8]:
        raise PresignError(403, "SignatureDoesNotMatch",
                           f"Credential should be scoped to a valid date, not '{scope_date}'.")
    expires = q.get("X-Amz-Expires")
    if expires is not None and (not expires.isdigit() or not 1 <= int(expires) <= MAX_EXPIRES):
        raise PresignError(400, "AuthorizationQueryParametersError",
                           "X-Amz-Expires must be an integer between 1 and 604800 (seven days)")
    if honor_expires and expires is None:
        raise PresignError(400, "AuthorizationQueryParametersError",
                           "Query-string authentication version 4 requires the X-Amz-Expires parameter")
    fmt = "%Y%m%dT%H%M%SZ"
    if honor_expires:
        if now > signed_at + dt.timedelta(seconds=int(expires)):
            raise PresignError(403, "AccessDenied", "Request has expired")
        if signed_at > now + window:
            raise PresignError(403, "AccessDenied", "Request is not valid yet")
    else:
        if now > signed_at + window:
            raise PresignError(403, "SignatureDoesNotMatch",
                               f"Signature expired: {signed_at.strftime(fmt)} is now earlier than "
                               f"{(now - window).strftime(fmt)} ({now.strftime(fmt)} - "
                               f"{int(window.total_seconds() // 60)} min.)")
        if signed_at > now + window:
            raise PresignError(403, "SignatureDoesNotMatch",
                               f"Signature not yet current: {signed_at.strftime(fmt)} is still later than "
                               f"{(now + window).strftime(fmt)} ({now.strftime(fmt)} + "
                               f"{int(window.total_seconds() // 60)} min.)")

    secret = lookup(access_key, q.get("X-Amz-Security-Token"), region)
    if secret.expiration is not None:
        exp = secret.expiration
        if exp.tzinfo is None:
            exp = exp.replace(tzinfo=dt.timezone.utc)
        if now > exp:
            raise PresignError(403, "ExpiredToken", "The security token included in the request is expired")

    hdrs = {k.lower(): v for k, v in headers.items()}
    hdrs.setdefault("host", parts.netloc)
    signed_names = q["X-Amz-SignedHeaders"].lower().split(";")
    if "host" not in signed_names:
        raise PresignError(403, "SignatureDoesNotMatch",
                           "Host header must be signed. The request signature we calculated does not "
                           "match the signature you provided.")
    signed = {}
    for name in signed_names:
        if name not in hdrs:
            raise PresignError(403, "SignatureDoesNotMatch",
                               "The request signature we calculated does not match the signature you "
                               f"provided. Signed header {name!r} was not sent.")
        signed[name] = hdrs[name]

    params = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
    s3 = scope_service == "s3"
    request = AWSRequest(method=method.upper(),
                         url=urlunsplit((parts.scheme or "https", parts.netloc, parts.path or "/", "", "")),
                         headers=signed, params=params, data=body or b"")
    request.context["timestamp"] = q["X-Amz-Date"]
    creds = Credentials(access_key, secret.secret_key, secret.token)
    auth = (S3SigV4Auth if s3 else SigV4Auth)(creds, scope_service, region)
    canonical = auth.canonical_request(request)
    if s3:  # S3 presigned URLs do not sign the payload
        canonical = canonical.rsplit("\n", 1)[0] + "\n" + q.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, q["X-Amz-Signature"]):
        raise PresignError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you provided. "
                           "Check your AWS Secret Access Key and signing method. Consult the service "
                           "documentation for details.")
    return QueryAuth(secret=secret, region=region, service=scope_service, signed_at=signed_at,
                     signed_names=signed_names, signed=signed,
                     params=[(k, v) for k, v in pairs if k not in QUERY_AUTH_PARAMS])


# -- answering on moto's port ----------------------------------------------------

def render(result: Union[CallerIdentity, PresignError], as_json: bool) -> tuple[int, list, bytes]:
    rid = request_id()
    if isinstance(result, CallerIdentity):
        if as_json:
            body = json.dumps({"GetCallerIdentityResponse": {
                "GetCallerIdentityResult": result.as_sts(),
                "ResponseMetadata": {"RequestId": rid}}}).encode()
            return 200, [("Content-Type", "application/json"), ("x-amzn-RequestId", rid)], body
        body = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
                "  <GetCallerIdentityResult>\n"
                f"    <Arn>{result.arn}</Arn>\n    <UserId>{result.user_id}</UserId>\n"
                f"    <Account>{result.account}</Account>\n"
                "  </GetCallerIdentityResult>\n"
                f"  <ResponseMetadata>\n    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n"
                "</GetCallerIdentityResponse>\n").encode()
        return 200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body
    err = result
    sender = err.status < 500
    if as_json:
        body = json.dumps({"Error": {"Code": err.code, "Message": err.message,
                                     "Type": "Sender" if sender else "Receiver"},
                           "RequestId": rid}).encode()
        return err.status, [("Content-Type", "application/json"), ("x-amzn-RequestId", rid)], body
    from .awsproto import _esc

    body = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
            f"  <Error>\n    <Type>{'Sender' if sender else 'Receiver'}</Type>\n"
            f"    <Code>{_esc(err.code)}</Code>\n    <Message>{_esc(err.message)}</Message>\n  </Error>\n"
            f"  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n").encode()
    return err.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body


def is_presigned_get_caller_identity(environ: dict) -> bool:
    if environ.get("HTTP_AUTHORIZATION"):
        return False
    q = dict(parse_qsl(environ.get("QUERY_STRING", "") or "", keep_blank_values=True))
    return q.get("Action") == "GetCallerIdentity" and ("X-Amz-Signature" in q or "X-Amz-Credential" in q)


def request_url(environ: dict) -> str:
    from .awsproto import raw_path

    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    query = environ.get("QUERY_STRING", "")
    return f"{scheme}://{host}{raw_path(environ)}" + (f"?{query}" if query else "")


def request_headers(environ: dict) -> dict:
    headers = {}
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            headers[k[5:].replace("_", "-").lower()] = v
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    return headers


def presign_hook(environ: dict):
    if not is_presigned_get_caller_identity(environ):
        return None
    result = verify_presigned_get_caller_identity(
        request_url(environ), request_headers(environ), method=environ.get("REQUEST_METHOD", "GET"))
    as_json = "application/json" in (environ.get("HTTP_ACCEPT") or "").lower()
    status, headers, body = render(result, as_json)
    from .middleware import simple_app

    return simple_app(status, headers, body)
