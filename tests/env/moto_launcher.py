#!/usr/bin/env python3
"""Runs moto's server for Aura's test environment, with request authentication on.

Runs inside the venv made by tests/env/setup-moto.sh. Usually started by
`envctl.py up`; by hand:

    $VENV/bin/python tests/env/moto_launcher.py serve --port 0 \
        --credentials-out /tmp/moto-creds.json [--policy config/iam/aura-operator-policy.json]

What it does:
1. Sets INITIAL_NO_AUTH_ACTION_COUNT (moto.settings reads it at import) to the
   number of calls the bootstrap needs, and MOTO_IAM_LOAD_MANAGED_POLICIES=true
   (so AWS managed policies such as AmazonEKSClusterPolicy can be attached),
   before importing moto.
2. Serves moto's WSGI app (DomainDispatcherApplication) behind
   moto_ext.AuraEnvMiddleware with werkzeug's threaded server on 127.0.0.1.
3. Bootstraps over HTTP with boto3, within those free calls: IAM user
   `aura-operator`, an access key, and a managed policy attached to the user
   (the --policy file, else allow-all). From then on every AWS call must be
   signed by a known key and be allowed by IAM policy. With --operator-policy,
   a second user `aura-operator-scoped` holding only that policy, for the
   operator process (tests set up and inspect AWS as the first).
4. Writes the endpoint and credentials (JSON, mode 0600) to --credentials-out
   and only then answers 200 on /aura-env/healthz.

Admin endpoints (moto_ext): GET /aura-env/healthz, POST /aura-env/reset
(wipes all of moto's state, then installs the same user, key and policy again,
so the credentials written at start stay valid, and seeds the EKS AMI
parameters again), /aura-env/faults, /aura-env/calls, /aura-env/states,
/aura-env/children, /aura-env/authn/<child> (see moto_ext/install.py and
docs/test-env.md).

It also serves the token authentication webhook of child kube-apiservers bound
to EKS clusters (moto_ext/authn_webhook.py) over HTTPS on a second free port,
with a CA and certificate it makes in --authn-dir; credentials.json names both
(`authn_webhook`: url, port, ca_file). moto's own /moto-api/... endpoints
pass through, including POST /moto-api/reset-auth.

The extensions (moto_ext) fill gaps of moto 5.2.5 that Aura meets: presigned
STS GetCallerIdentity (EKS tokens), unsigned AssumeRoleWithWebIdentity, EKS
add-ons / access entries / pod identity associations, ClientToken idempotency
of CreateNatGateway and RunInstances, DescribeNatGateways tag filters, EKS
optimized AMI SSM parameters, signed REST GETs; plus fault injection, scripted
resource states and call counting for tests.

`check` mode verifies that authentication is really on (used by test_env.py):

    $VENV/bin/python tests/env/moto_launcher.py check --credentials FILE
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

USER_NAME = "aura-operator"
POLICY_NAME = "aura-operator"
# The identity the operator process runs as when --operator-policy is given: only that policy
# (config/iam/aura-operator-policy.json), while tests set up and inspect AWS as USER_NAME.
SCOPED_USER_NAME = "aura-operator-scoped"
SCOPED_POLICY_NAME = "aura-operator-scoped"
# CreateUser, CreateAccessKey, CreatePolicy, AttachUserPolicy.
BOOTSTRAP_CALLS = 4
REGION = "us-east-1"

ALLOW_ALL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _set_moto_env() -> None:
    # Must happen before anything imports moto: moto.settings reads these once.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_CALLS)
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    # The server runs in-process; moto must not think it is a client of a remote server.
    os.environ.pop("TEST_SERVER_MODE", None)
    # boto3 in this process talks only to our own server, never to real AWS.
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(var, None)


def _write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def _client(service: str, endpoint: str, key: str, secret: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


def bootstrap_over_http(endpoint: str, policy_document: str) -> dict:
    """Creates the operator identity with the free unauthenticated calls."""
    # Any key will do while calls are free: moto does not check the signature yet.
    iam = _client("iam", endpoint, "AKIABOOTSTRAPBOOTSTR", "bootstrap")
    user = iam.create_user(UserName=USER_NAME)["User"]
    key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
    policy = iam.create_policy(PolicyName=POLICY_NAME, PolicyDocument=policy_document)["Policy"]
    iam.attach_user_policy(UserName=USER_NAME, PolicyArn=policy["Arn"])
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
        "user_arn": user["Arn"],
        "account_id": user["Arn"].split(":")[4],
        "policy_arn": policy["Arn"],
    }


def create_scoped_operator(endpoint: str, creds: dict, policy_document: str) -> dict:
    """The operator's own user, holding only `policy_document`: made with signed calls as the
    main user once authentication is on, so no free call is spent on it."""
    iam = _client("iam", endpoint, creds["aws_access_key_id"], creds["aws_secret_access_key"])
    user = iam.create_user(UserName=SCOPED_USER_NAME)["User"]
    key = iam.create_access_key(UserName=SCOPED_USER_NAME)["AccessKey"]
    policy = iam.create_policy(PolicyName=SCOPED_POLICY_NAME,
                               PolicyDocument=policy_document)["Policy"]
    iam.attach_user_policy(UserName=SCOPED_USER_NAME, PolicyArn=policy["Arn"])
    return {
        "user_name": SCOPED_USER_NAME,
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
        "user_arn": user["Arn"],
        "policy_arn": policy["Arn"],
    }


def _install_user(account_id: str, user_name: str, key_id: str, secret: str, policy_name: str,
                  policy_document: str) -> None:
    """Installs a user with a known key and one managed policy in-process (no free calls
    needed, so no window where unsigned calls pass)."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    backend.create_user(region_name=REGION, user_name=user_name)
    key = backend.create_access_key(user_name)
    backend.access_keys.pop(key.physical_resource_id, None)
    key.access_key_id = key_id
    key.secret_access_key = secret
    backend.access_keys[key.physical_resource_id] = key
    policy = backend.create_policy(
        description="", path="/", policy_document=policy_document,
        policy_name=policy_name, tags=[],
    )
    backend.attach_user_policy(policy.arn, user_name)


def reinstall_identity(creds: dict, policy_document: str, scoped: dict | None,
                       scoped_policy: str | None) -> None:
    """After a full moto reset, installs the same users, keys and policies again."""
    _install_user(creds["account_id"], USER_NAME, creds["aws_access_key_id"],
                  creds["aws_secret_access_key"], POLICY_NAME, policy_document)
    if scoped and scoped_policy:
        _install_user(creds["account_id"], SCOPED_USER_NAME, scoped["aws_access_key_id"],
                      scoped["aws_secret_access_key"], SCOPED_POLICY_NAME, scoped_policy)


def auth_is_on() -> bool:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def serve(args: argparse.Namespace) -> int:
    _set_moto_env()
    policy_document = (
        Path(args.policy).read_text() if args.policy else json.dumps(ALLOW_ALL_POLICY)
    )
    json.loads(policy_document)  # fail early on a malformed file
    scoped_policy = Path(args.operator_policy).read_text() if args.operator_policy else None
    if scoped_policy:
        json.loads(scoped_policy)

    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from moto_ext import AdminResponse, AuraEnvMiddleware
    from moto_ext.install import install as install_extensions
    from moto.core.authorization import ActionAuthenticatorMixin

    app = AuraEnvMiddleware(DomainDispatcherApplication(create_backend_app))
    extensions = install_extensions(app, auth_is_on, ActionAuthenticatorMixin.PUBLIC_OPERATIONS)
    server = make_server(args.host, args.port, app, threaded=True,
                         request_handler=MotoRequestHandler)
    port = server.server_address[1]
    endpoint = f"http://{args.host}:{port}"
    # moto builds some URLs (S3, SQS queue URLs) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()

    # The token authentication webhook of child kube-apiservers, over TLS on a
    # port of its own (a CA and serving certificate made here).
    from moto_ext import authn_webhook

    authn_webhook.set_sts_endpoint(endpoint)
    if args.authn_dir:
        authn_dir = Path(args.authn_dir)
    elif args.credentials_out:
        authn_dir = Path(args.credentials_out).resolve().parent / "authn-webhook"
    else:
        import tempfile

        authn_dir = Path(tempfile.mkdtemp(prefix="aura-authn-webhook-"))
    authn_server, authn_port, authn_ca = authn_webhook.serve_tls(app, args.host, authn_dir)

    t0 = time.monotonic()
    creds = bootstrap_over_http(endpoint, policy_document)
    if not auth_is_on():
        print("moto_launcher: bootstrap left free unauthenticated calls; "
              "INITIAL_NO_AUTH_ACTION_COUNT does not match the bootstrap", file=sys.stderr)
        server.shutdown()
        return 1

    scoped = create_scoped_operator(endpoint, creds, scoped_policy) if scoped_policy else None

    extensions.seed_targets.append((creds["account_id"], REGION))
    extensions.after_reset()  # seeds the EKS AMI parameters and images now
    reset_lock = threading.Lock()

    def reset(method: str, sub: str, query: str, body: bytes) -> AdminResponse:
        if method != "POST":
            return AdminResponse(405, {"error": "POST to reset"})
        from moto.moto_api import _internal  # noqa: F401  (registers moto_api_backend)
        from moto.moto_api._internal.models import moto_api_backend

        with reset_lock:
            moto_api_backend.reset()
            reinstall_identity(creds, policy_document, scoped, scoped_policy)
            extensions.after_reset()
        return AdminResponse(200, {"status": "ok"})

    app.add_admin_route("reset", reset)

    info = {
        "endpoint": endpoint,
        "host": args.host,
        "port": port,
        "region": REGION,
        "user_name": USER_NAME,
        "pid": os.getpid(),
        **creds,
        "operator": scoped,
        "authn_webhook": {"url": f"https://{args.host}:{authn_port}", "port": authn_port,
                          "ca_file": str(authn_ca), "path": "/aura-env/authn/<child>"},
    }
    if args.credentials_out:
        _write_json_atomic(Path(args.credentials_out), info)
    app.set_ready()
    print(f"moto_launcher: ready on {endpoint} as {creds['user_arn']} "
          f"(bootstrap {time.monotonic() - t0:.1f}s, auth on)", flush=True)

    stop.wait()
    print("moto_launcher: stopping", flush=True)
    authn_server.shutdown()
    server.shutdown()
    thread.join(timeout=10)
    return 0


def check(args: argparse.Namespace) -> int:
    """Exits 0 when unsigned and wrongly signed calls are rejected and a call
    signed with the bootstrap key passes; prints what it found."""
    import urllib.error
    import urllib.request

    from botocore.exceptions import ClientError

    info = json.loads(Path(args.credentials).read_text())
    endpoint = info["endpoint"]
    failures = []

    # 1. Unsigned request (no Authorization header at all).
    req = urllib.request.Request(
        endpoint + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            failures.append(f"unsigned GetCallerIdentity was accepted ({r.status})")
    except urllib.error.HTTPError as e:
        print(f"unsigned call rejected: HTTP {e.code}")
        if e.code != 403:
            failures.append(f"unsigned call answered {e.code}, expected 403")

    # 2. Right key id, wrong secret.
    bad = _client("sts", endpoint, info["aws_access_key_id"], "wrong" + info["aws_secret_access_key"][5:])
    try:
        bad.get_caller_identity()
        failures.append("call signed with a wrong secret was accepted")
    except ClientError as e:
        print(f"wrong-secret call rejected: {e.response['Error']['Code']}")

    # 3. Unknown key id.
    unknown = _client("ec2", endpoint, "AKIAUNKNOWNUNKNOWN00", "x" * 40)
    try:
        unknown.describe_vpcs()
        failures.append("call signed with an unknown key was accepted")
    except ClientError as e:
        print(f"unknown-key call rejected: {e.response['Error']['Code']}")

    # 4. Properly signed calls pass.
    good_sts = _client("sts", endpoint, info["aws_access_key_id"], info["aws_secret_access_key"])
    arn = good_sts.get_caller_identity()["Arn"]
    print(f"signed call accepted: caller {arn}")
    if arn != info["user_arn"]:
        failures.append(f"caller is {arn}, expected {info['user_arn']}")
    good_ec2 = _client("ec2", endpoint, info["aws_access_key_id"], info["aws_secret_access_key"])
    good_ec2.describe_vpcs()
    print("signed ec2 DescribeVpcs accepted")

    # 5. moto's own reset-auth still works (0 free calls keeps auth on).
    # (a form Content-Type, urllib's default, makes Flask eat the body: send text/plain)
    req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as r:
        print(f"/moto-api/reset-auth: {json.loads(r.read())}")
    try:
        bad.get_caller_identity()
        failures.append("after reset-auth 0, a wrongly signed call was accepted")
    except ClientError:
        pass

    # 6. Optionally: a full reset keeps the credentials valid.
    if args.with_reset:
        vpc = good_ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        req = urllib.request.Request(endpoint + "/aura-env/reset", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            print(f"/aura-env/reset: {r.status}")
        vpcs = [v["VpcId"] for v in good_ec2.describe_vpcs()["Vpcs"]]
        if vpc in vpcs:
            failures.append("VPC survived /aura-env/reset")
        if good_sts.get_caller_identity()["Arn"] != info["user_arn"]:
            failures.append("identity changed across /aura-env/reset")
        try:
            bad.get_caller_identity()
            failures.append("after /aura-env/reset, a wrongly signed call was accepted")
        except ClientError:
            pass
        print("credentials still valid after /aura-env/reset")

    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run moto's server with authentication on")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port")
    s.add_argument("--policy", help="IAM policy JSON to attach to aura-operator (default: allow all)")
    s.add_argument("--operator-policy",
                   help="IAM policy JSON of a second user, aura-operator-scoped, for the operator "
                        "process (credentials.json: operator)")
    s.add_argument("--credentials-out", help="write endpoint and credentials JSON here")
    s.add_argument("--authn-dir", help="where the token webhook's CA and TLS certificate go "
                                       "(default: authn-webhook/ beside --credentials-out)")
    c = sub.add_parser("check", help="verify that authentication is on")
    c.add_argument("--credentials", required=True, help="file written by serve --credentials-out")
    c.add_argument("--with-reset", action="store_true",
                   help="also check that POST /aura-env/reset keeps the credentials (wipes moto's state)")
    args = p.parse_args(argv)
    return serve(args) if args.cmd == "serve" else check(args)


if __name__ == "__main__":
    sys.exit(main())
