"""AssumeRoleWithWebIdentity (IRSA), which AWS serves unsigned.

moto (5.2.5) routes the unsigned call to STS but then runs its signature check
on it (no Authorization header: KeyError, 500). This hook:
- checks the request as STS does before it reaches the identity provider:
  RoleArn, RoleSessionName and WebIdentityToken present; the token JWT-shaped
  (three base64url parts, header and payload JSON objects), else 400
  InvalidIdentityToken; the role exists in moto's IAM, else 403 AccessDenied
  ("Not authorized to perform sts:AssumeRoleWithWebIdentity");
- then lets moto's STS backend answer with authentication skipped for that one
  request (mauth.skip_auth), so the returned session credentials are real moto
  credentials that later signed calls can use (with the role's policies).

Not emulated: the token's signature, issuer, audience and expiry are not
verified against the OIDC provider, and the role's trust policy is not
evaluated (moto has no OIDC verification). Tests of Aura need a token that
looks right, not one an IdP signed.
"""

from __future__ import annotations

import base64
import json
import re

from .awsproto import error_response, form_params
from .middleware import simple_app

_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _b64url_json(part: str):
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()).decode("utf-8"))


def jwt_shaped(token: str) -> bool:
    parts = (token or "").split(".")
    if len(parts) != 3 or not all(_B64URL.match(p) for p in parts[:2]) or (
            parts[2] and not _B64URL.match(parts[2])):
        return False
    try:
        header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and isinstance(payload, dict)


def web_identity_hook(environ: dict):
    if environ.get("HTTP_AUTHORIZATION"):
        return None
    params = form_params(environ, environ.get("aura.body") or b"")
    if params.get("Action") != "AssumeRoleWithWebIdentity":
        return None
    call = environ.get("aura.call")
    for name in ("RoleArn", "RoleSessionName", "WebIdentityToken"):
        if not params.get(name):
            return simple_app(*error_response(
                call, 400, "ValidationError",
                f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' "
                "failed to satisfy constraint: Member must not be null"))
    if not jwt_shaped(params["WebIdentityToken"]):
        return simple_app(*error_response(
            call, 400, "InvalidIdentityToken",
            "The web identity token that was passed could not be validated by AWS. "
            "Get a new identity token from the identity provider and then retry the request."))
    role_arn = params["RoleArn"]
    if not _role_exists(role_arn):
        return simple_app(*error_response(
            call, 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"))

    def app(environ, start_response):
        from .mauth import skip_auth

        downstream = environ["aura.next"]
        with skip_auth():
            result = downstream(environ, start_response)
            return list(result)  # produce the whole answer while auth is skipped

    return app


def _role_exists(role_arn: str) -> bool:
    from moto.iam.models import iam_backends

    m = re.match(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/.+", role_arn)
    if not m:
        return False
    try:
        iam_backends[m.group(2)][m.group(1)].get_role_by_arn(role_arn)
        return True
    except Exception:
        return False
