"""Reuse of moto's own request authentication (moto.core.authorization +
moto.iam.access_control), for requests that the extensions answer themselves,
and two fixes to it.

How moto's IAM auth works (5.2.5): every `BaseResponse.call_action` first calls
`_authenticate_and_authorize_normal_action(resource)`. Once
`ActionAuthenticatorMixin.request_count` has reached
`settings.INITIAL_NO_AUTH_ACTION_COUNT`, that builds an
`access_control.IAMRequest` from the request (credential scope of the
Authorization header -> access key -> IAM user key or STS assumed-role key of
the account), recomputes the SigV4 signature with botocore's signer and the
secret moto stored (`check_signature`), then evaluates the principal's IAM
policies for `<signing name>:<Action>` (`check_action_permitted`). Errors are
moto HTTPExceptions (SignatureDoesNotMatch, InvalidClientTokenId, AccessDenied;
AuthFailure for EC2).

Fixes installed by `install()`:
0. Auth errors in the service's protocol: moto renders them as IAM-style XML
   whatever the service; for JSON and REST-JSON services (EKS, SSM, tagging)
   they become JSON errors with EKS/SSM's codes (InvalidSignatureException,
   UnrecognizedClientException, AccessDeniedException), and EC2 policy denials
   are 403 UnauthorizedOperation, as EC2 sends them.
1. moto recomputes the signature over `body or data`: for a body-less request
   (every REST GET, e.g. EKS DescribeCluster/ListClusters) `data` is the parsed
   query, or even the request headers, so the payload hash is wrong and every
   signed EKS GET fails with SignatureDoesNotMatch. The fix hashes the bytes
   that were actually sent (buffered by the middleware as environ["aura.body"];
   empty for a GET), as AWS does.
3. Policy statements whose resource or condition moto cannot know. moto
   evaluates a statement against the request's resource ARN only for IAM, STS,
   S3 and SQS; for every other call (EC2, EKS, ELB, ...) it passes "*", which a
   statement scoped to ARNs (`arn:aws:eks:*:*:cluster/aura-*`) never matches,
   so the call is denied although AWS would allow it. And it fills no condition
   keys (aws:RequestTag, ec2:ResourceTag, ...), so an Allow with a Condition is
   not skipped but turned into an explicit deny. With the fix, a statement is
   judged on its actions alone when moto does not know the resource, and its
   conditions are not evaluated when moto supplies no condition values: the
   policy Aura ships is proven action by action here, and its resource and
   condition scoping by tests/unit/config/iam_policy_test.cpp.
2. `skip_auth()`: a thread-local switch that makes moto skip authentication for
   the request handled by the current thread (werkzeug serves each request on
   its own thread). Used for operations AWS serves unsigned
   (AssumeRoleWithWebIdentity).
"""

from __future__ import annotations

import contextlib
import io
import threading
from typing import Optional

_local = threading.local()
_installed = False


@contextlib.contextmanager
def skip_auth():
    prev = getattr(_local, "skip", False)
    _local.skip = True
    try:
        yield
    finally:
        _local.skip = prev


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from botocore.awsrequest import AWSRequest
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import AccessDeniedError, JsonRESTError, _RESTError
    from moto.iam.access_control import IAMRequest, IAMRequestBase

    class UnauthorizedOperation(_RESTError):
        code = 403

        def __init__(self, message: str):
            super().__init__("UnauthorizedOperation", message)

    orig_auth = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def _authenticate_and_authorize_action(self, iam_request_cls, resource="*"):
        if getattr(_local, "skip", False):
            return None
        return orig_auth(self, iam_request_cls, resource)

    def _authenticate_and_authorize_action_json(self, iam_request_cls, resource="*"):
        try:
            return _authenticate_and_authorize_action(self, iam_request_cls, resource)
        except _RESTError as e:
            if _json_protocol(getattr(self, "service_name", "")) and not isinstance(e, JsonRESTError):
                err = JsonRESTError(JSON_AUTH_CODES.get(e.error_type, e.error_type), e.message)
                err.code = e.code
                raise err from None
            raise

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action_json

    def _raise_access_denied(self) -> None:
        if self._service == "ec2":
            action = self._action
            raise UnauthorizedOperation(
                f"You are not authorized to perform this operation. User: {self._access_key.arn} is not "
                f"authorized to perform: {action} because no identity-based policy allows the {action} action")
        raise AccessDeniedError(user_arn=self._access_key.arn, action=self._action)

    IAMRequest._raise_access_denied = _raise_access_denied

    def _create_aws_request(self) -> AWSRequest:
        signed_headers = self._get_string_between(
            "SignedHeaders=", ",", self._headers["Authorization"]).split(";")
        headers = self._create_headers_for_aws_request(signed_headers, self._headers)
        environ = getattr(self._headers, "environ", None) or {}
        body = environ.get("aura.body")  # the bytes on the wire, buffered by the middleware
        if body is None:
            body = self._body or self._data  # moto's own choice
        request = AWSRequest(method=self._method, url=self._path, data=body, headers=headers)
        request.context["timestamp"] = headers["X-Amz-Date"]
        return request

    IAMRequestBase._create_aws_request = _create_aws_request

    from moto.iam.access_control import IAMPolicyStatement

    orig_permitted = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None,
                            incoming_condition_values=None):
        statement = self._statement
        unknown_resource = resource == "*" and ("Resource" in statement or "NotResource" in statement)
        unknown_conditions = "Condition" in statement and not incoming_condition_values
        if not (unknown_resource or unknown_conditions):
            return orig_permitted(self, action, resource, principal, incoming_condition_values)
        judged = dict(statement)
        if unknown_resource:
            judged.pop("NotResource", None)
            judged["Resource"] = "*"
        if unknown_conditions:
            judged.pop("Condition")
        return orig_permitted(IAMPolicyStatement(judged), action, resource, principal,
                              incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


JSON_AUTH_CODES = {"SignatureDoesNotMatch": "InvalidSignatureException",
                   "InvalidClientTokenId": "UnrecognizedClientException",
                   "AccessDenied": "AccessDeniedException"}


def _json_protocol(service_name: str) -> bool:
    from .awsproto import PROTOCOLS

    proto = PROTOCOLS.get(service_name)
    if proto is None:
        try:
            import botocore.session

            proto = botocore.session.get_session().get_service_model(service_name).metadata.get("protocol")
        except Exception:
            proto = ""
    return proto in ("json", "rest-json")


def user_of_access_key(access_key: str) -> Optional[str]:
    """The IAM user whose access key this is, or None (unknown key, or a role session's)."""
    from moto.iam.models import PARTITION_NAMES, iam_backends

    for account in list(iam_backends.values()):  # as moto's own get_account_id_from looks
        for partition in PARTITION_NAMES:
            key = account[partition].access_keys.get(access_key)
            if key is not None:
                return None if getattr(key, "role_arn", None) else key.user_name
    return None


def auth_is_on() -> bool:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def authenticate(environ: dict, service_name: str, action: str, resource: str = "*") -> Optional[dict]:
    """Runs moto's signature check and IAM policy evaluation for this request as
    operation `action` of `service_name` (a moto/botocore service name whose
    signing name is the credential scope's). Returns {"account_id", "access_key",
    "region", "arn"} or raises AuthError (moto's error code and message)."""
    from werkzeug.exceptions import HTTPException

    from moto.core.request import Request
    from moto.core.responses import BaseResponse

    class _Probe(BaseResponse):
        def _get_action(self) -> str:  # the operation is known already
            return action

    body = environ.get("aura.body")
    if body is not None and environ.get("CONTENT_LENGTH"):
        environ["wsgi.input"] = io.BytesIO(body)
    probe = _Probe(service_name=service_name)
    probe.setup_class(Request(environ))
    if body is not None and environ.get("CONTENT_LENGTH"):
        environ["wsgi.input"] = io.BytesIO(body)
    try:
        probe._authenticate_and_authorize_normal_action(resource)
    except HTTPException as e:
        code = getattr(e, "error_type", None) or type(e).__name__
        message = getattr(e, "message", None) or str(e.description)
        raise AuthError(int(e.code or 403), code, message) from None
    arn = None
    try:
        from moto.iam.access_control import create_access_key
        from moto.utilities.utils import get_partition

        headers = {k: v for k, v in probe.headers.items()}
        arn = create_access_key(probe.current_account, get_partition(probe.region),
                                probe.get_access_key(), headers).arn
    except Exception:
        pass
    return {"account_id": probe.current_account, "access_key": probe.get_access_key(),
            "region": probe.region, "arn": arn}
