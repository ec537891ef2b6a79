"""What an AWS request is (service, operation, protocol) and how AWS answers
errors in each protocol.

Classification (`classify`) works from the request alone, as AWS's front ends
do: the SigV4 credential scope (Authorization header, or X-Amz-Credential of a
presigned URL) gives the signing name and region; then
- query protocols (EC2, IAM, STS, ELB, ELBv2): `Action` in the query or form body
  (ELB and ELBv2 share the signing name and differ by `Version`);
- JSON protocols (SSM, Resource Groups Tagging): the `X-Amz-Target` header;
- Smithy RPC v2 CBOR (what botocore now uses for Resource Groups Tagging):
  `/service/<Service>/operation/<Operation>`;
- REST protocols (EKS rest-json, S3 rest-xml): method and path matched against
  the operations' `requestUri` templates of the botocore service model.

Needs botocore (moto's venv) only for the REST routing tables, loaded lazily.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import parse_qs, unquote

# SigV4 signing name -> botocore service name (the services Aura calls).
SIGNING_TO_SERVICE = {
    "ec2": "ec2", "iam": "iam", "sts": "sts", "eks": "eks", "ssm": "ssm", "s3": "s3",
    "tagging": "resourcegroupstaggingapi", "elasticloadbalancing": "elbv2",
}
ELB_VERSIONS = {"2012-06-01": "elb", "2015-12-01": "elbv2"}
# Names a fault rule may use for a service (signing names and common short names).
SERVICE_ALIASES = {"tagging": "resourcegroupstaggingapi", "elasticloadbalancing": "elbv2",
                   "elbv1": "elb", "elb-classic": "elb", "resource-groups-tagging": "resourcegroupstaggingapi"}
PROTOCOLS = {
    "ec2": "ec2", "iam": "query", "sts": "query", "elb": "query", "elbv2": "query",
    "eks": "rest-json", "ssm": "json", "s3": "rest-xml", "resourcegroupstaggingapi": "json",
}
XML_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "elb": "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/",
    "elbv2": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    "ec2": "http://ec2.amazonaws.com/doc/2016-11-15/",
}
_HOST_RE = re.compile(r"^([a-z0-9-]+)\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com")
_CBOR_PATH_RE = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")


@dataclass
class Call:
    service: str = ""          # botocore service name ("" when unknown)
    operation: str = ""        # API operation name ("" when unknown)
    protocol: str = ""         # ec2 | query | json | rest-json | rest-xml | smithy-rpc-v2-cbor
    region: str = "us-east-1"
    access_key: Optional[str] = None
    signing_name: str = ""
    presigned: bool = False
    uri_params: dict = field(default_factory=dict)  # REST path labels, percent-decoded

    @property
    def key(self) -> str:
        return f"{self.service or '?'}:{self.operation or '?'}"


def canonical_service(name: str) -> str:
    name = (name or "").lower()
    return SERVICE_ALIASES.get(name, name)


def parse_credential_scope(environ: dict) -> tuple[Optional[str], Optional[str], Optional[str], bool]:
    """(access key, region, signing name, presigned) from Authorization or X-Amz-Credential."""
    auth = environ.get("HTTP_AUTHORIZATION") or ""
    m = re.search(r"Credential=([^,\s]+)", auth)
    presigned = False
    cred = m.group(1) if m else None
    if cred is None:
        q = parse_qs(environ.get("QUERY_STRING", "") or "", keep_blank_values=True)
        if "X-Amz-Credential" in q:
            cred = q["X-Amz-Credential"][0]
            presigned = True
    if not cred:
        return None, None, None, False
    parts = cred.split("/")
    if len(parts) != 5:
        return parts[0], None, None, presigned
    return parts[0], parts[2], parts[3].lower(), presigned


def form_params(environ: dict, body: bytes) -> dict:
    """Query-string parameters plus form-body parameters (first value each)."""
    params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "") or "",
                                           keep_blank_values=True).items()}
    ctype = (environ.get("CONTENT_TYPE") or "").lower()
    if body and (ctype.startswith("application/x-www-form-urlencoded") or not ctype):
        try:
            for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                params.setdefault(k, v[0])
        except UnicodeDecodeError:
            pass
    return params


def classify(environ: dict, body: bytes) -> Call:
    call = Call()
    akid, region, signing, presigned = parse_credential_scope(environ)
    call.access_key, call.presigned = akid, presigned
    if region:
        call.region = region
    path = environ.get("PATH_INFO", "") or "/"
    if path.startswith("/latest/") and not akid:
        call.service, call.protocol = "imds", "imds"  # moto's instance metadata service
        call.operation = f"{environ.get('REQUEST_METHOD', 'GET')} {path}"
        return call
    target = environ.get("HTTP_X_AMZ_TARGET")
    params = None
    if not signing:
        host = (environ.get("HTTP_HOST") or "").lower()
        m = _HOST_RE.match(host)
        if m:
            signing = m.group(1)
            call.region = region or m.group(2)
        elif target:
            signing = {"AmazonSSM": "ssm", "ResourceGroupsTaggingAPI_20170126": "tagging"}.get(
                target.split(".", 1)[0], "")
        else:
            params = form_params(environ, body)
            if params.get("Action") in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML",
                                        "GetCallerIdentity"):
                signing = "sts"
    call.signing_name = signing or ""
    service = SIGNING_TO_SERVICE.get(call.signing_name, call.signing_name)
    if call.signing_name == "elasticloadbalancing":
        params = params if params is not None else form_params(environ, body)
        service = ELB_VERSIONS.get(params.get("Version", ""), "elbv2")
    call.service = service
    cbor = _CBOR_PATH_RE.match(path)
    if target:
        call.protocol = "json"
        call.operation = target.split(".", 1)[-1]
    elif cbor and (environ.get("HTTP_SMITHY_PROTOCOL") or "").lower() == "rpc-v2-cbor":
        call.protocol = "smithy-rpc-v2-cbor"
        call.operation = cbor.group(2)
    else:
        call.protocol = PROTOCOLS.get(service, "")
        if call.protocol in ("ec2", "query") or not call.protocol:
            params = params if params is not None else form_params(environ, body)
            call.operation = params.get("Action", "")
            if call.operation and not call.protocol:
                call.protocol = "query"
        if call.protocol in ("rest-json", "rest-xml"):
            match = route(service, environ.get("REQUEST_METHOD", "GET"), raw_path(environ),
                          environ.get("QUERY_STRING", "") or "")
            if match:
                call.operation, call.uri_params = match
    return call


def raw_path(environ: dict) -> str:
    """The request path as sent, still percent-encoded (werkzeug decodes PATH_INFO)."""
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if uri:
        if "://" in uri:
            uri = "/" + uri.split("://", 1)[1].split("/", 1)[-1]
        return uri.split("?", 1)[0] or "/"
    from urllib.parse import quote

    return quote(environ.get("PATH_INFO", "") or "/", safe="/~")


# -- REST routing from the botocore model --------------------------------------

class _Router:
    def __init__(self, service: str):
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
        self.routes = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http.get("requestUri", "/")
            path_t, _, query_t = uri.partition("?")
            required_query = {}
            for part in filter(None, query_t.split("&")):
                k, _, v = part.partition("=")
                required_query[k] = v if v else None
            regex, literal = "", 0
            for piece in re.split(r"(\{[^}]+\})", path_t):
                if piece.startswith("{"):
                    label = piece[1:-1]
                    greedy = label.endswith("+")
                    label = label.rstrip("+")
                    regex += f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', label)}>{'.+' if greedy else '[^/]+'})"
                else:
                    regex += re.escape(piece)
                    literal += len(piece)
            # S3's "/{Bucket}" also serves "/{Bucket}/": allow a trailing slash.
            regex = "^" + regex.rstrip("/") + "/?$" if regex != "/" else "^/$"
            self.routes.append((http.get("method", "GET").upper(), re.compile(regex), required_query,
                                literal + 10 * len(required_query), name))

    def match(self, method: str, path: str, query: str) -> Optional[tuple[str, dict]]:
        q = parse_qs(query, keep_blank_values=True)
        best = None
        for m, rx, required, score, name in self.routes:
            if m != method:
                continue
            mt = rx.match(path)
            if not mt:
                continue
            if any(k not in q or (v is not None and q[k][0] != v) for k, v in required.items()):
                continue
            if best is None or score > best[0]:
                best = (score, name, {k: unquote(v) for k, v in mt.groupdict().items()})
        return (best[1], best[2]) if best else None


_routers: dict[str, _Router] = {}
_routers_lock = threading.Lock()


def route(service: str, method: str, path: str, query: str) -> Optional[tuple[str, dict]]:
    with _routers_lock:
        r = _routers.get(service)
        if r is None:
            try:
                r = _Router(service)
            except Exception:
                return None
            _routers[service] = r
    return r.match(method.upper(), path, query)


# -- error answers in each protocol ---------------------------------------------

def request_id() -> str:
    return str(uuid.uuid4())


def _esc(s: str) -> str:
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def error_response(call: Optional[Call], status: int, code: str, message: str,
                   sender: Optional[bool] = None) -> tuple[int, list, bytes]:
    """(status, headers, body) of an AWS error in the call's protocol."""
    rid = request_id()
    protocol = call.protocol if call else "query"
    service = call.service if call else ""
    if sender is None:
        sender = status < 500
    headers = [("x-amzn-RequestId", rid)]
    if protocol == "ec2":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                f"<Code>{_esc(code)}</Code><Message>{_esc(message)}</Message></Error></Errors>"
                f"<RequestID>{rid}</RequestID></Response>").encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif protocol == "rest-xml":
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{_esc(code)}</Code><Message>{_esc(message)}</Message>"
                f"<RequestId>{rid}</RequestId><HostId>{rid}</HostId></Error>").encode()
        headers.append(("Content-Type", "application/xml"))
        headers.append(("x-amz-request-id", rid))
    elif protocol == "smithy-rpc-v2-cbor":
        body = cbor_encode({"__type": code, "message": message})
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
    else:  # awsQuery (IAM, STS, ELB, ELBv2)
        ns = XML_NAMESPACES.get(service, "")
        xmlns = f' xmlns="{ns}"' if ns else ""
        body = (f"<ErrorResponse{xmlns}><Error><Type>{'Sender' if sender else 'Receiver'}</Type>"
                f"<Code>{_esc(code)}</Code><Message>{_esc(message)}</Message></Error>"
                f"<RequestId>{rid}</RequestId></ErrorResponse>").encode()
        headers.append(("Content-Type", "text/xml"))
    return status, headers, body


# Throttling and internal-error answers per service, as AWS sends them.
THROTTLE = {
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "eks": (429, "TooManyRequestsException", "Rate exceeded"),
    "ssm": (400, "ThrottlingException", "Rate exceeded"),
    "resourcegroupstaggingapi": (400, "ThrottledException", "Rate exceeded"),
    "s3": (503, "SlowDown", "Please reduce your request rate."),
}
THROTTLE_DEFAULT = {"query": (400, "Throttling", "Rate exceeded"),
                    "json": (400, "ThrottlingException", "Rate exceeded"),
                    "rest-json": (429, "TooManyRequestsException", "Rate exceeded"),
                    "smithy-rpc-v2-cbor": (400, "ThrottlingException", "Rate exceeded")}
INTERNAL = {
    "ec2": (500, "InternalError", "An internal error has occurred."),
    "s3": (500, "InternalError", "We encountered an internal error. Please try again."),
    "eks": (500, "ServerException", "An internal error has occurred."),
    "ssm": (500, "InternalServerError", "An internal error has occurred."),
    "resourcegroupstaggingapi": (500, "InternalServiceException", "An internal error has occurred."),
    "iam": (500, "ServiceFailure", "Request processing has failed due to some unknown error, "
                                   "exception or failure."),
}
INTERNAL_DEFAULT = (500, "InternalFailure", "The request processing has failed because of an "
                                            "unknown error, exception or failure.")


def throttle_for(call: Optional[Call]) -> tuple[int, str, str]:
    if call and call.service in THROTTLE and not (call.protocol == "smithy-rpc-v2-cbor"):
        return THROTTLE[call.service]
    return THROTTLE_DEFAULT.get(call.protocol if call else "query", THROTTLE_DEFAULT["query"])


def internal_for(call: Optional[Call]) -> tuple[int, str, str]:
    if call and call.service in INTERNAL:
        return INTERNAL[call.service]
    return INTERNAL_DEFAULT


# -- a minimal CBOR encoder (maps, text, ints, bools, null, lists) for rpc-v2-cbor errors

def cbor_encode(value) -> bytes:
    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError("integer too large")

    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, str):
        data = value.encode()
        return head(3, len(data)) + data
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, (list, tuple)):
        return head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    raise TypeError(f"cannot CBOR-encode {type(value).__name__}")
