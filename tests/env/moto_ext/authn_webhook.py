"""Token authentication webhook for the child kube-apiservers bound to EKS clusters.

A child kube-apiserver started with `--authentication-token-webhook-config-file`
(envctl writes it: a kubeconfig whose server is
`https://127.0.0.1:PORT/aura-env/authn/<child>`, its CA the one made here) POSTs an
authentication.k8s.io/v1 TokenReview for every bearer token its static token
file does not know. The answer is what aws-iam-authenticator (the EKS
authenticator) would answer:

1. the token is `k8s-aws-v1.` + unpadded base64url of a presigned URL, at most
   4096 bytes; the URL is `<sts endpoint>/` where the STS endpoint is moto's
   (scheme and host:port: the only STS here; aws-iam-authenticator wants https
   and an STS host name of the partition), its query parameters are only
   Action, Version, X-Amz-Algorithm, -Credential, -Date, -Expires,
   -Security-Token, -Signature, -SignedHeaders, each once (any case);
   Action=GetCallerIdentity; X-Amz-SignedHeaders includes x-k8s-aws-id;
   X-Amz-Expires an integer in [0, 900]; X-Amz-Date present and no more than 15
   minutes old (the token's real lifetime whatever X-Amz-Expires says);
2. the child must serve an EKS cluster that exists (its binding, eks_children);
3. the URL is fetched (GET, `x-k8s-aws-id: <that cluster's name>`,
   `Accept: application/json`) from moto, which verifies the signature for real
   (sts_presign): a token signed for another cluster name, tampered, expired
   or from an unknown key fails there;
4. the caller's ARN is canonicalised (`arn:aws:sts::A:assumed-role/R/S` ->
   the role's IAM ARN, path included, as the authenticator's IAM lookup gives);
5. the identity comes from the cluster's access configuration:
   - authenticationMode API or API_AND_CONFIG_MAP: the access entry of that
     principal: username (templates {{SessionName}}, {{SessionNameRaw}},
     {{AccountID}}, {{AccessKeyID}}, {{EC2PrivateDNSName}} rendered), groups =
     its kubernetesGroups, plus, for access policies associated with cluster
     scope, a group RBAC binds in the child: AmazonEKSClusterAdminPolicy ->
     `system:masters`; AmazonEKSAdminPolicy -> `aura-env:eks:admin`;
     AmazonEKSEditPolicy -> `aura-env:eks:edit`; AmazonEKSViewPolicy and
     AmazonEKSAdminViewPolicy -> `aura-env:eks:view` (envctl binds each to a
     ClusterRole of that name with the rules of the aggregated admin/edit/view
     roles). Namespace-scoped associations give nothing;
   - CONFIG_MAP: the cluster creator, if bootstrapClusterCreatorAdminPermissions
     (default true), is `kubernetes-admin` in `system:masters`, as EKS maps it;
     the aws-auth ConfigMap is not read;
   - anyone else is not authenticated.
   uid `aws-iam-authenticator:<account>:<userid>` and extra (arn, canonicalArn,
   principalId, sessionName, accessKeyId) as aws-iam-authenticator sets them.

Refusals are `authenticated: false` with the reason in `status.error` (the
apiserver answers 401); a TokenReview that is not one is a 400. The webhook is
served on moto's plain port (`/aura-env/authn/<child>`, for tests) and, over
TLS, on a port of its own (`serve_tls`), the one kube-apiserver calls.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import ssl
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qsl, urlsplit

from .eks_children import CHILDREN, Children, cluster_location
from .middleware import AdminResponse

V1_PREFIX = "k8s-aws-v1."
MAX_TOKEN_BYTES = 4096
CLUSTER_ID_HEADER = "x-k8s-aws-id"
PRESIGNED_URL_EXPIRATION = dt.timedelta(minutes=15)
MAX_EXPIRES = 900
PARAMETER_ALLOWLIST = {"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                       "x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"}
POLICY_GROUPS = {
    "AmazonEKSClusterAdminPolicy": "system:masters",
    "AmazonEKSAdminPolicy": "aura-env:eks:admin",
    "AmazonEKSEditPolicy": "aura-env:eks:edit",
    "AmazonEKSViewPolicy": "aura-env:eks:view",
    "AmazonEKSAdminViewPolicy": "aura-env:eks:view",
}
CREATOR_USERNAME = "kubernetes-admin"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
STS_TIMEOUT = 10.0

_state = {"sts_endpoint": None}


def set_sts_endpoint(endpoint: str) -> None:
    """moto's own URL (http://127.0.0.1:PORT): the STS host tokens must name."""
    _state["sts_endpoint"] = endpoint.rstrip("/")


class Refused(Exception):
    """The token does not authenticate (authenticated: false, the message in status.error)."""


# -- 1. the token -------------------------------------------------------------------------

def parse_token(token: str, sts_endpoint: str, now: dt.datetime) -> tuple[str, dict]:
    """Checks the token's form as aws-iam-authenticator's Verify does; returns
    (presigned URL, lower-cased query parameters)."""
    if len(token) > MAX_TOKEN_BYTES:
        raise Refused("input token was not properly formatted: token is too large")
    if not token.startswith(V1_PREFIX):
        raise Refused(f"input token was not properly formatted: token is missing expected {V1_PREFIX!r} prefix")
    b64 = token[len(V1_PREFIX):]
    if "=" in b64 or not re.fullmatch(r"[A-Za-z0-9_-]*", b64):
        raise Refused("input token was not properly formatted: illegal base64 data")
    try:
        url = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise Refused(f"input token was not properly formatted: {e}") from None
    parts = urlsplit(url)
    sts = urlsplit(sts_endpoint)
    if parts.scheme != sts.scheme:
        raise Refused(f"input token was not properly formatted: unexpected scheme {parts.scheme!r} "
                      "in pre-signed URL")
    host, port = parts.hostname, parts.port
    if host not in ("127.0.0.1", "localhost") or port != sts.port:
        raise Refused(f"input token was not properly formatted: unexpected hostname {parts.netloc!r} "
                      "in pre-signed URL")
    if parts.path != "/":
        raise Refused("input token was not properly formatted: unexpected path in pre-signed URL")
    params: dict = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        low = key.lower()
        if low not in PARAMETER_ALLOWLIST:
            raise Refused(f"input token was not properly formatted: non-whitelisted query parameter {key!r}")
        if low in params:
            raise Refused("input token was not properly formatted: query parameter with multiple values "
                          "not supported")
        params[low] = value
    if params.get("action") != "GetCallerIdentity":
        raise Refused("input token was not properly formatted: unexpected action parameter in pre-signed URL")
    signed = [h.lower() for h in params.get("x-amz-signedheaders", "").split(";")]
    if CLUSTER_ID_HEADER not in signed:
        raise Refused(f"input token was not properly formatted: client did not sign the {CLUSTER_ID_HEADER} "
                      "header in the pre-signed URL")
    expires = params.get("x-amz-expires", "")
    if not expires.isdigit() or int(expires) > MAX_EXPIRES:
        raise Refused(f"input token was not properly formatted: invalid X-Amz-Expires parameter in "
                      f"pre-signed URL: {expires!r}")
    date = params.get("x-amz-date")
    if not date:
        raise Refused("input token was not properly formatted: X-Amz-Date parameter must be present in "
                      "pre-signed URL")
    try:
        signed_at = dt.datetime.strptime(date, DATE_FORMAT).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise Refused(f"input token was not properly formatted: error parsing X-Amz-Date parameter {date}") from None
    if now > signed_at + PRESIGNED_URL_EXPIRATION:
        raise Refused("input token was not properly formatted: X-Amz-Date parameter is expired "
                      f"(15 minute expiration) {signed_at:%Y-%m-%d %H:%M:%S} +0000 UTC")
    return url, params


# -- 3. STS --------------------------------------------------------------------------------

def get_caller_identity(url: str, cluster_name: str) -> dict:
    """GET of the presigned URL against moto, as aws-iam-authenticator does it."""
    # X-Aura-Env-Origin (not signed, so not part of the check) keeps this call
    # out of /aura-env/calls; fault rules on sts:GetCallerIdentity still apply.
    req = urllib.request.Request(url, method="GET", headers={CLUSTER_ID_HEADER: cluster_name,
                                                             "Accept": "application/json",
                                                             "X-Aura-Env-Origin": "authn-webhook"})
    try:
        with urllib.request.urlopen(req, timeout=STS_TIMEOUT) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        raise Refused(f"sts getCallerIdentity failed: error during GET: {e}") from None
    if status != 200:
        raise Refused(f"sts getCallerIdentity failed: error from AWS (expected 200, got {status}). "
                      f"Body: {body.decode(errors='replace')}")
    try:
        result = json.loads(body)["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
        return {"arn": result["Arn"], "account": result["Account"], "user_id": result["UserId"]}
    except (ValueError, KeyError, TypeError) as e:
        raise Refused(f"sts getCallerIdentity failed: {e}") from None


# -- 4. canonical ARN ------------------------------------------------------------------------

_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):(iam|sts)::(\d{12}):(.+)$")


def canonicalize(arn: str) -> str:
    m = _ARN.match(arn)
    if not m:
        raise Refused(f"arn {arn!r} is invalid")
    partition, service, account, resource = m.groups()
    parts = resource.split("/")
    if service == "sts":
        if parts[0] == "federated-user":
            return arn
        if parts[0] == "assumed-role":
            if len(parts) < 3:
                raise Refused(f"assumed-role arn {arn!r} does not have a role")
            name = "/".join(parts[1:-1])
            try:
                from moto.iam.models import iam_backends

                return iam_backends[account][partition].get_role(name).arn
            except Exception:  # role gone: the path-less form, as older authenticators give
                return f"arn:{partition}:iam::{account}:role/{name}"
        raise Refused(f"unrecognized resource {resource} for service sts")
    if parts[0] in ("role", "user", "root"):
        return arn
    raise Refused(f"unrecognized resource {resource} for service iam")


def _pathless(arn: str) -> str:
    m = re.match(r"^(arn:[^:]+:iam::\d{12}:(?:role|user))/(?:.*/)?([^/]+)$", arn)
    return f"{m.group(1)}/{m.group(2)}" if m else arn


# -- 5. identity -------------------------------------------------------------------------------

def _render(template: str, ident: dict, cluster) -> str:
    session = ident.get("session_name", "")
    if "{{SessionName}}" in template or "{{SessionNameRaw}}" in template:
        if not session:
            raise Refused(f"username template {template!r} needs a session name, and the caller has none")
        template = template.replace("{{SessionName}}", session.replace("@", "-"))
        template = template.replace("{{SessionNameRaw}}", session)
    template = template.replace("{{AccountID}}", ident["account"]).replace("{{AccessKeyID}}", ident["access_key"])
    if "{{EC2PrivateDNSName}}" in template:
        template = template.replace("{{EC2PrivateDNSName}}", _private_dns_name(session, cluster))
    return template


def _private_dns_name(instance_id: str, cluster) -> str:
    try:
        from moto.ec2.models import ec2_backends

        account, region = cluster_location(cluster)
        inst = ec2_backends[account][region].get_instance(instance_id)
        return inst.private_dns_name
    except Exception:
        raise Refused(f"failed to find the private DNS name of EC2 instance {instance_id!r}") from None


def map_identity(cluster, ident: dict) -> tuple[str, list]:
    """(username, groups) of a verified caller for this cluster, or Refused."""
    from . import eks_ext

    access = getattr(cluster, "access_config", None) or {}
    mode = access.get("authenticationMode", "CONFIG_MAP")
    canonical = ident["canonical_arn"]
    with eks_ext._lock:
        if mode in ("API", "API_AND_CONFIG_MAP"):
            entries = eks_ext.ext_of(cluster).entries
            entry = entries.get(canonical) or entries.get(_pathless(canonical))
            if entry is None:
                for principal, e in entries.items():
                    if _pathless(principal) == _pathless(canonical):
                        entry = e
                        break
            if entry is not None:
                username = _render(entry["username"], ident, cluster)
                groups = [_render(g, ident, cluster) for g in entry.get("kubernetesGroups", [])]
                for policy in entry.get("_policies", {}).values():
                    if policy.get("accessScope", {}).get("type") != "cluster":
                        continue
                    group = POLICY_GROUPS.get(policy["policyArn"].rsplit("/", 1)[-1])
                    if group and group not in groups:
                        groups.append(group)
                return username, groups
        if mode == "CONFIG_MAP" and access.get("bootstrapClusterCreatorAdminPermissions", True):
            creator = getattr(cluster, "_aura_creator", None)
            if creator and _pathless(creator) == _pathless(canonical):
                return CREATOR_USERNAME, ["system:masters"]
    raise Refused(f"ARN is not mapped: {canonical} has no access entry in EKS cluster {cluster.name!r} "
                  f"(authenticationMode {mode})")


def authenticate(token: str, child: str, children: Children = CHILDREN,
                 now: Optional[dt.datetime] = None) -> dict:
    """TokenReview status for a token presented to a child's kube-apiserver."""
    sts = _state["sts_endpoint"]
    if not sts:
        raise Refused("the webhook does not know moto's endpoint yet")
    now = now or dt.datetime.now(dt.timezone.utc)
    url, params = parse_token(token, sts, now)
    binding = children.get(child)
    if binding is None:
        raise Refused(f"child {child!r} is bound to no EKS cluster")
    with children.lock:
        cluster = binding.cluster()
    if cluster is None:
        raise Refused(f"child {child!r} serves no existing EKS cluster (binding {binding.eks_cluster!r})")
    caller = get_caller_identity(url, cluster.name)
    user_id = caller["user_id"]
    principal_id, _, session = user_id.partition(":")
    if user_id.count(":") > 1:
        raise Refused(f"sts getCallerIdentity failed: malformed UserID {user_id!r}")
    ident = {"arn": caller["arn"], "account": caller["account"], "canonical_arn": canonicalize(caller["arn"]),
             "principal_id": principal_id, "session_name": session,
             "access_key": params.get("x-amz-credential", "").split("/")[0]}
    username, groups = map_identity(cluster, ident)
    return {"authenticated": True, "user": {
        "username": username,
        "uid": f"aws-iam-authenticator:{ident['account']}:{principal_id}",
        "groups": groups,
        "extra": {"arn": [ident["arn"]], "canonicalArn": [ident["canonical_arn"]],
                  "principalId": [principal_id], "sessionName": [session],
                  "accessKeyId": [ident["access_key"]]}}}


# -- the TokenReview endpoint --------------------------------------------------------------------

_log_lock = threading.Lock()


def _log(msg: str) -> None:
    with _log_lock:
        print(f"authn-webhook: {msg}", flush=True)


def route(method: str, sub: str, query: str, body: bytes) -> AdminResponse:
    """Admin route /aura-env/authn/<child>: POST a TokenReview."""
    parts = [p for p in sub.split("/") if p]
    if method != "POST" or len(parts) != 2:
        return AdminResponse(405, {"error": "POST a TokenReview to /aura-env/authn/<child>"})
    child = parts[1]
    try:
        review = json.loads(body or b"{}")
        if not isinstance(review, dict) or review.get("kind") != "TokenReview":
            raise ValueError("not a TokenReview")
        api_version = review.get("apiVersion", "authentication.k8s.io/v1")
        if api_version not in ("authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"):
            raise ValueError(f"unsupported apiVersion {api_version}")
        token = (review.get("spec") or {}).get("token")
        if not isinstance(token, str) or not token:
            raise ValueError("spec.token is required")
    except ValueError as e:
        return AdminResponse(400, {"error": f"bad TokenReview: {e}"})
    try:
        status = authenticate(token, child)
        user = status["user"]
        _log(f"{child}: authenticated {user['username']} groups={user['groups']} "
             f"({user['extra']['arn'][0]})")
    except Refused as e:
        status = {"authenticated": False, "error": str(e)}
        _log(f"{child}: refused: {e}")
    except Exception as e:  # never a 500: the apiserver would retry with backoff
        status = {"authenticated": False, "error": f"webhook error: {type(e).__name__}: {e}"}
        _log(f"{child}: error: {type(e).__name__}: {e}")
    return AdminResponse(200, {"apiVersion": api_version, "kind": "TokenReview",
                               "metadata": {"creationTimestamp": None}, "spec": {}, "status": status})


# -- TLS listener --------------------------------------------------------------------------------

TLS_PATHS = ("/aura-env/authn/", "/aura-env/healthz")


def make_certs(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a serving certificate for 127.0.0.1/localhost signed by it
    (ECDSA P-256, valid one year). Returns (ca.crt, tls.crt, tls.key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    not_before, not_after = now - dt.timedelta(minutes=5), now + dt.timedelta(days=365)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aura-env authn webhook CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(not_before).not_valid_after(not_after)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aura-env-authn-webhook")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = directory / "ca.crt", directory / "tls.crt", directory / "tls.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.touch(mode=0o600)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_file, cert_file, key_file


def tls_app(app):
    """Only the webhook (and healthz) on the TLS port."""

    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "") or ""
        if path.startswith(TLS_PATHS):
            return app(environ, start_response)
        body = b'{"error": "only /aura-env/authn/<child> is served on this port"}'
        start_response("404 Not Found", [("Content-Type", "application/json"),
                                         ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def serve_tls(app, host: str, directory: Path):
    """Starts a threaded HTTPS server for the webhook on a free port; returns
    (server, port, ca file). The caller stops it with server.shutdown()."""
    from werkzeug.serving import make_server

    ca_file, cert_file, key_file = make_certs(directory)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cert_file), str(key_file))
    server = make_server(host, 0, tls_app(app), threaded=True, ssl_context=ctx)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="authn-webhook", daemon=True).start()
    return server, port, ca_file
