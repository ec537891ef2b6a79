#!/usr/bin/env python3
"""Tests of the moto extensions (tests/env/moto_ext), one or more per gap.

Run with moto's venv python (boto3, botocore, moto):

    ~/.cache/aura/venv-moto-5.2.5/bin/python tests/env/test_moto_ext.py

Starts `moto_launcher.py serve` itself on a free port (authentication on) and
stops it at the end. AURA_MOTO_EXT_TEST_KEEP=1 keeps its temp dir (log).
Never sleeps to synchronise: waits poll a condition with a deadline.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import boto3
import botocore
import botocore.auth
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from moto_ext import sts_presign  # noqa: E402
from moto_ext.ssm_seed import AL2_VERSIONS, VERSIONS  # noqa: E402

REGION = "us-east-1"
START_TIMEOUT = float(os.environ.get("AURA_ENV_START_TIMEOUT", "120"))
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)


def wait_until(what: str, predicate, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 (retry until the deadline)
            last = e
        time.sleep(interval)  # polling interval of a condition wait, not a synchronisation sleep
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


def jwt(claims: dict) -> str:
    def enc(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
    return f"{enc({'alg': 'RS256', 'kid': 'k1'})}.{enc(claims)}.c2lnbmF0dXJl"


class MotoExtTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="aura-moto-ext-"))
        creds = cls.dir / "credentials.json"
        cls.log = open(cls.dir / "moto.log", "w")
        t0 = time.monotonic()
        cls.proc = subprocess.Popen(
            [sys.executable, str(HERE / "moto_launcher.py"), "serve", "--port", "0",
             "--credentials-out", str(creds)],
            stdout=cls.log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        cls.addClassCleanup(cls._stop)

        def ready():
            if cls.proc.poll() is not None:
                raise AssertionError(f"launcher exited {cls.proc.returncode}: "
                                     f"{(cls.dir / 'moto.log').read_text()[-2000:]}")
            if not creds.exists():
                return False
            info = json.loads(creds.read_text())
            with urllib.request.urlopen(info["endpoint"] + "/aura-env/healthz", timeout=2) as r:
                return info if r.status == 200 else False

        cls.info = wait_until("moto launcher ready", ready, START_TIMEOUT)
        cls.startup_seconds = time.monotonic() - t0
        cls.endpoint = cls.info["endpoint"]
        cls.key, cls.secret = cls.info["aws_access_key_id"], cls.info["aws_secret_access_key"]
        cls.account = cls.info["account_id"]

    @classmethod
    def _stop(cls):
        if cls.proc.poll() is None:
            os.killpg(cls.proc.pid, signal.SIGTERM)
            try:
                cls.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(cls.proc.pid, signal.SIGKILL)
                cls.proc.wait(timeout=10)
        cls.log.close()
        if os.environ.get("AURA_MOTO_EXT_TEST_KEEP"):
            print(f"kept {cls.dir}", file=sys.stderr)
        else:
            shutil.rmtree(cls.dir, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------
    def client(self, service: str, key: str | None = None, secret: str | None = None,
               token: str | None = None, config: Config = NO_RETRY):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=key or self.key, aws_secret_access_key=secret or self.secret,
                            aws_session_token=token, config=config)

    def admin(self, method: str, path: str, body=None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + "/aura-env/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def fault(self, **rule) -> str:
        code, body = self.admin("POST", "faults", rule)
        self.assertEqual(code, 200, body)
        self.addCleanup(self.admin, "DELETE", f"faults/{body['ids'][0]}")
        return body["ids"][0]

    def state(self, **rule) -> str:
        code, body = self.admin("POST", "states", rule)
        self.assertEqual(code, 200, body)
        return body["ids"][0]

    def error(self, fn, *args, **kwargs) -> dict:
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        return cm.exception.response

    def assertAwsError(self, code: str, fn, *args, status: int | None = None, **kwargs) -> dict:
        resp = self.error(fn, *args, **kwargs)
        self.assertEqual(resp["Error"]["Code"], code, resp)
        if status is not None:
            self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], status, resp)
        return resp

    def role(self, name: str, service: str = "eks.amazonaws.com") -> str:
        iam = self.client("iam")
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"]

    def cluster(self, name: str, **kwargs) -> dict:
        eks = self.client("eks")
        role = self.role(f"{name}-role")
        return eks.create_cluster(name=name, roleArn=role, version=kwargs.pop("version", "1.31"),
                                  resourcesVpcConfig={"subnetIds": []}, **kwargs)["cluster"]

    def network(self):
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        return ec2, vpc, subnet

    def presign(self, key: str, secret: str, token: str | None = None, cluster: str = "c1",
                when: dt.datetime | None = None, host_url: str | None = None) -> str:
        """A presigned GET GetCallerIdentity URL signing x-k8s-aws-id, as EKS token generators make it."""
        req = AWSRequest(method="GET", url=(host_url or self.endpoint) + "/",
                         params={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
                         headers={"x-k8s-aws-id": cluster})
        signer = SigV4QueryAuth(Credentials(key, secret, token), "sts", REGION, expires=60)
        if when is None:
            signer.add_auth(req)
        else:
            with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
                signer.add_auth(req)
        return req.url

    def http_get(self, url: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        req = urllib.request.Request(url, headers=headers or {}, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    # -- 0. signed REST GETs (moto hashed the wrong payload) ---------------------------
    def test_00_signed_rest_get(self):
        eks = self.client("eks")
        self.assertIn("clusters", eks.list_clusters(maxResults=5))
        self.assertIn("clusters", eks.list_clusters())
        bad = self.client("eks", secret="x" * 40)
        self.assertEqual(self.error(bad.list_clusters)["ResponseMetadata"]["HTTPStatusCode"], 403)

    # -- 1. presigned STS GetCallerIdentity -----------------------------------------
    def test_01_presigned_get_caller_identity(self):
        url = self.presign(self.key, self.secret, cluster="tok-cluster")
        self.assertIn("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id", url)
        status, body, _ = self.http_get(url, {"x-k8s-aws-id": "tok-cluster"})
        self.assertEqual(status, 200, body)
        self.assertIn(f"<Arn>{self.info['user_arn']}</Arn>", body.decode())
        self.assertIn(f"<Account>{self.account}</Account>", body.decode())
        user_id = self.client("sts").get_caller_identity()["UserId"]
        self.assertIn(f"<UserId>{user_id}</UserId>", body.decode())
        # JSON, as aws-iam-authenticator asks for it.
        status, body, headers = self.http_get(url, {"x-k8s-aws-id": "tok-cluster", "Accept": "application/json"})
        self.assertEqual(status, 200, body)
        result = json.loads(body)["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
        self.assertEqual(result["Arn"], self.info["user_arn"])
        self.assertEqual(result["Account"], self.account)
        # The signed header missing or different: SignatureDoesNotMatch.
        for hdrs in ({}, {"x-k8s-aws-id": "other-cluster"}):
            status, body, _ = self.http_get(url, hdrs)
            self.assertEqual(status, 403, body)
            self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        # A tampered signature, a wrong secret, an unknown key.
        tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
        self.assertIn(b"SignatureDoesNotMatch", self.http_get(tampered, {"x-k8s-aws-id": "tok-cluster"})[1])
        wrong = self.presign(self.key, "x" * 40, cluster="tok-cluster")
        self.assertIn(b"SignatureDoesNotMatch", self.http_get(wrong, {"x-k8s-aws-id": "tok-cluster"})[1])
        unknown = self.presign("AKIAUNKNOWNUNKNOWN00", "x" * 40, cluster="tok-cluster")
        status, body, _ = self.http_get(unknown, {"x-k8s-aws-id": "tok-cluster"})
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>InvalidClientTokenId</Code>", body)
        # Expired: STS accepts a presigned GetCallerIdentity for 15 minutes, whatever X-Amz-Expires says.
        now = dt.datetime.now(dt.timezone.utc)
        fresh = self.presign(self.key, self.secret, cluster="tok-cluster", when=now - dt.timedelta(minutes=14))
        self.assertEqual(self.http_get(fresh, {"x-k8s-aws-id": "tok-cluster"})[0], 200)
        old = self.presign(self.key, self.secret, cluster="tok-cluster", when=now - dt.timedelta(minutes=16))
        status, body, _ = self.http_get(old, {"x-k8s-aws-id": "tok-cluster"})
        self.assertEqual(status, 403, body)
        self.assertIn(b"Signature expired", body)
        future = self.presign(self.key, self.secret, cluster="tok-cluster", when=now + dt.timedelta(minutes=20))
        self.assertIn(b"Signature not yet current", self.http_get(future, {"x-k8s-aws-id": "tok-cluster"})[1])
        # boto3's own presigner (what `aws eks get-token` does: GET + x-k8s-aws-id added before signing).
        sts = self.client("sts")
        sts.meta.events.register("before-sign.sts.GetCallerIdentity",
                                 lambda request, **kw: request.headers.add_header("x-k8s-aws-id", "c9"))
        url2 = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
        self.assertEqual(self.http_get(url2, {"x-k8s-aws-id": "c9"})[0], 200)

    def test_01b_presigned_with_session_credentials(self):
        role_arn = self.role("presign-role", service="ec2.amazonaws.com")
        iam = self.client("iam")
        iam.update_assume_role_policy(RoleName="presign-role", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": self.info["user_arn"]},
                                                    "Action": "sts:AssumeRole"}]}))
        c = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="sess1")["Credentials"]
        url = self.presign(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], cluster="c2")
        status, body, _ = self.http_get(url, {"x-k8s-aws-id": "c2", "Accept": "application/json"})
        self.assertEqual(status, 200, body)
        arn = json.loads(body)["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Arn"]
        self.assertEqual(arn, f"arn:aws:sts::{self.account}:assumed-role/presign-role/sess1")
        # Same key, wrong session token.
        bad = self.presign(c["AccessKeyId"], c["SecretAccessKey"], "WRONGTOKEN", cluster="c2")
        self.assertIn(b"InvalidClientTokenId", self.http_get(bad, {"x-k8s-aws-id": "c2"})[1])

    def test_01c_verify_function(self):
        """The importable verifier, with its own secret lookup (what a token webhook can use)."""
        def lookup(key, token, region):
            if key != "AKIATESTTESTTESTTEST":
                raise sts_presign.PresignError(403, "InvalidClientTokenId", "unknown")
            return sts_presign._Secret(key, "s3cr3t", None, "111122223333",
                                       "arn:aws:iam::111122223333:user/u", "AIDAEXAMPLE")

        when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
        url = self.presign("AKIATESTTESTTESTTEST", "s3cr3t", cluster="wh",
                           when=when, host_url="https://sts.us-east-1.amazonaws.com")
        ok = sts_presign.verify_presigned_get_caller_identity(
            url, {"x-k8s-aws-id": "wh"}, now=when + dt.timedelta(minutes=1), lookup=lookup)
        self.assertIsInstance(ok, sts_presign.CallerIdentity, ok)
        self.assertEqual(ok.arn, "arn:aws:iam::111122223333:user/u")
        self.assertEqual(ok.signed_headers, ["host", "x-k8s-aws-id"])
        self.assertEqual(ok.headers["x-k8s-aws-id"], "wh")
        late = sts_presign.verify_presigned_get_caller_identity(
            url, {"x-k8s-aws-id": "wh"}, now=when + dt.timedelta(minutes=16), lookup=lookup)
        self.assertIsInstance(late, sts_presign.PresignError)
        self.assertEqual((late.status, late.code), (403, "SignatureDoesNotMatch"))
        bad_host = sts_presign.verify_presigned_get_caller_identity(
            url.replace("sts.us-east-1", "sts.us-west-2"), {"x-k8s-aws-id": "wh"},
            now=when, lookup=lookup)
        self.assertEqual(bad_host.code, "SignatureDoesNotMatch")
        no_sig = sts_presign.verify_presigned_get_caller_identity(
            url.split("&X-Amz-Signature")[0], {"x-k8s-aws-id": "wh"}, now=when, lookup=lookup)
        self.assertEqual(no_sig.code, "IncompleteSignature")

    def test_01d_presigned_other_services(self):
        """Presigned URLs of other services: verified, then served by moto with IAM policy evaluated."""
        s3 = self.client("s3", config=Config(signature_version="s3v4", retries={"total_max_attempts": 1}))
        s3.create_bucket(Bucket="presigned-bucket")
        s3.put_object(Bucket="presigned-bucket", Key="dir/a b.txt", Body=b"hello")
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned-bucket", "Key": "dir/a b.txt"},
                                        ExpiresIn=60)
        status, body, _ = self.http_get(url)
        self.assertEqual((status, body), (200, b"hello"))
        status, body, _ = self.http_get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        # X-Amz-Expires is honoured (S3: AccessDenied "Request has expired").
        req = AWSRequest(method="GET", url=f"{self.endpoint}/presigned-bucket/dir/a%20b.txt")
        signer = botocore.auth.S3SigV4QueryAuth(Credentials(self.key, self.secret), "s3", REGION, expires=60)
        with mock.patch("botocore.auth.get_current_datetime",
                        return_value=dt.datetime.utcnow() - dt.timedelta(minutes=2)):
            signer.add_auth(req)
        status, body, _ = self.http_get(req.url)
        self.assertEqual(status, 403, body)
        self.assertIn(b"Request has expired", body)
        # EC2 GET presigned, and the signer's IAM policy still applies.
        ec2 = self.client("ec2")
        status, body, _ = self.http_get(ec2.generate_presigned_url("describe_vpcs", ExpiresIn=60, HttpMethod="GET"))
        self.assertEqual(status, 200, body)
        self.assertIn(b"<DescribeVpcsResponse", body)
        iam = self.client("iam")
        iam.create_user(UserName="presign-reader")
        iam.put_user_policy(UserName="presign-reader", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs",
                                                    "Resource": "*"}]}))
        k = iam.create_access_key(UserName="presign-reader")["AccessKey"]
        reader = self.client("ec2", k["AccessKeyId"], k["SecretAccessKey"])
        self.assertEqual(self.http_get(reader.generate_presigned_url("describe_vpcs", HttpMethod="GET"))[0], 200)
        status, body, _ = self.http_get(reader.generate_presigned_url("describe_subnets", HttpMethod="GET"))
        self.assertEqual(status, 403, body)
        self.assertIn(b"UnauthorizedOperation", body)

    # -- 2. AssumeRoleWithWebIdentity, unsigned -----------------------------------------
    def test_02_assume_role_with_web_identity(self):
        role_arn = self.role("irsa-role", service="ec2.amazonaws.com")
        self.client("iam").put_role_policy(RoleName="irsa-role", PolicyName="ec2-read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}))
        anon = boto3.client("sts", endpoint_url=self.endpoint, region_name=REGION,
                            config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}))
        token = jwt({"iss": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "sub": "system:serviceaccount:a:b",
                     "aud": "sts.amazonaws.com", "exp": int(time.time()) + 3600})
        resp = anon.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="irsa-session",
                                                  WebIdentityToken=token)
        c = resp["Credentials"]
        self.assertTrue(c["AccessKeyId"].startswith("ASIA"), c)
        self.assertEqual(resp["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/irsa-role/irsa-session")
        # The credentials are real: signed calls work, with the role's policies.
        sts = self.client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        self.assertEqual(sts.get_caller_identity()["Arn"], resp["AssumedRoleUser"]["Arn"])
        ec2 = self.client("ec2", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        ec2.describe_vpcs()
        self.assertAwsError("UnauthorizedOperation", ec2.create_vpc, CidrBlock="10.1.0.0/16")
        # Not JWT-shaped; unknown role.
        self.assertAwsError("InvalidIdentityToken", anon.assume_role_with_web_identity, RoleArn=role_arn,
                            RoleSessionName="s2", WebIdentityToken="not-a-jwt", status=400)
        self.assertAwsError("AccessDenied", anon.assume_role_with_web_identity,
                            RoleArn=f"arn:aws:iam::{self.account}:role/nope", RoleSessionName="s3",
                            WebIdentityToken=token, status=403)
        # Other unsigned STS calls are still refused.
        self.assertEqual(self.error(anon.get_caller_identity)["ResponseMetadata"]["HTTPStatusCode"], 403)

    # -- 3. EKS add-ons -------------------------------------------------------------------
    def test_03_eks_addons(self):
        eks = self.client("eks")
        self.cluster("addons")
        self.assertAwsError("ResourceNotFoundException", eks.create_addon, clusterName="nope", addonName="vpc-cni",
                            status=404)
        created = eks.create_addon(clusterName="addons", addonName="vpc-cni", clientRequestToken="tok-1",
                                   tags={"aura.io/cluster": "ns/addons"})["addon"]
        self.assertEqual(created["status"], "CREATING")
        self.assertTrue(created["addonArn"].startswith(f"arn:aws:eks:{REGION}:{self.account}:addon/addons/vpc-cni/"))
        self.assertEqual(created["addonVersion"], "v1.20.4-eksbuild.1")
        # Idempotent retry: same token and parameters -> same add-on; other parameters -> error.
        again = eks.create_addon(clusterName="addons", addonName="vpc-cni", clientRequestToken="tok-1",
                                 tags={"aura.io/cluster": "ns/addons"})["addon"]
        self.assertEqual(again["addonArn"], created["addonArn"])
        self.assertAwsError("InvalidParameterException", eks.create_addon, clusterName="addons",
                            addonName="vpc-cni", clientRequestToken="tok-1", addonVersion="v1.19.6-eksbuild.7")
        self.assertAwsError("ResourceInUseException", eks.create_addon, clusterName="addons", addonName="vpc-cni",
                            status=409)
        described = eks.describe_addon(clusterName="addons", addonName="vpc-cni")["addon"]
        self.assertEqual(described["status"], "ACTIVE")
        self.assertEqual(described["tags"], {"aura.io/cluster": "ns/addons"})
        self.assertAwsError("InvalidParameterException", eks.create_addon, clusterName="addons",
                            addonName="not-an-addon")
        self.assertAwsError("InvalidParameterException", eks.create_addon, clusterName="addons",
                            addonName="coredns", addonVersion="v0.0.1")
        role = self.role("ebs-csi-role", service="pods.eks.amazonaws.com")
        eks.create_addon(clusterName="addons", addonName="aws-ebs-csi-driver",
                         podIdentityAssociations=[{"serviceAccount": "ebs-csi-controller-sa", "roleArn": role}])
        self.assertEqual(sorted(eks.list_addons(clusterName="addons")["addons"]), ["aws-ebs-csi-driver", "vpc-cni"])
        page = eks.list_addons(clusterName="addons", maxResults=1)
        self.assertEqual(len(page["addons"]), 1)
        self.assertEqual(len(eks.list_addons(clusterName="addons", maxResults=1, nextToken=page["nextToken"])
                             ["addons"]), 1)
        pias = eks.list_pod_identity_associations(clusterName="addons")["associations"]
        self.assertEqual(len(pias), 1)
        self.assertTrue(pias[0]["ownerArn"].startswith(f"arn:aws:eks:{REGION}:{self.account}:addon/addons/"))
        self.assertAwsError("InvalidRequestException", eks.delete_pod_identity_association, clusterName="addons",
                            associationId=pias[0]["associationId"])
        # Update and its DescribeUpdate.
        update = eks.update_addon(clusterName="addons", addonName="vpc-cni", addonVersion="v1.19.6-eksbuild.7",
                                  resolveConflicts="OVERWRITE")["update"]
        self.assertEqual((update["type"], update["status"]), ("AddonUpdate", "InProgress"))
        self.assertEqual(eks.describe_update(name="addons", updateId=update["id"], addonName="vpc-cni")
                         ["update"]["status"], "Successful")
        self.assertEqual(eks.describe_addon(clusterName="addons", addonName="vpc-cni")["addon"]["addonVersion"],
                         "v1.19.6-eksbuild.7")
        # Tags on the add-on ARN.
        eks.tag_resource(resourceArn=created["addonArn"], tags={"extra": "1"})
        self.assertEqual(eks.list_tags_for_resource(resourceArn=created["addonArn"])["tags"],
                         {"aura.io/cluster": "ns/addons", "extra": "1"})
        eks.untag_resource(resourceArn=created["addonArn"], tagKeys=["extra"])
        self.assertEqual(eks.list_tags_for_resource(resourceArn=created["addonArn"])["tags"],
                         {"aura.io/cluster": "ns/addons"})
        # Versions catalogue.
        versions = eks.describe_addon_versions(kubernetesVersion="1.31", addonName="kube-proxy")["addons"]
        self.assertEqual(versions[0]["addonVersions"][0]["addonVersion"], "v1.31.13-eksbuild.2")
        self.assertTrue(versions[0]["addonVersions"][0]["compatibilities"][0]["defaultVersion"])
        # Delete: DELETING in the answer, gone after; owned pod identity associations go with it.
        deleted = eks.delete_addon(clusterName="addons", addonName="aws-ebs-csi-driver")["addon"]
        self.assertEqual(deleted["status"], "DELETING")
        self.assertAwsError("ResourceNotFoundException", eks.describe_addon, clusterName="addons",
                            addonName="aws-ebs-csi-driver")
        self.assertEqual(eks.list_pod_identity_associations(clusterName="addons")["associations"], [])
        self.assertAwsError("ResourceNotFoundException", eks.delete_addon, clusterName="addons",
                            addonName="aws-ebs-csi-driver")
        # The state goes with the cluster.
        eks.delete_cluster(name="addons")
        self.cluster("addons-2")
        self.assertEqual(eks.list_addons(clusterName="addons-2")["addons"], [])

    def test_03a_eks_oidc_issuer_per_cluster(self):
        eks = self.client("eks")
        issuers = set()
        for name in ("issuer-a", "issuer-b"):
            self.cluster(name)
            issuer = eks.describe_cluster(name=name)["cluster"]["identity"]["oidc"]["issuer"]
            self.assertRegex(issuer, rf"^https://oidc\.eks\.{REGION}\.amazonaws\.com/id/[0-9A-F]{{32}}$")
            issuers.add(issuer)
        self.assertEqual(len(issuers), 2, "each cluster has an issuer of its own")

    def test_03b_eks_extension_auth(self):
        eks = self.client("eks")
        self.cluster("authc")
        # Wrong secret, unknown key, unsigned: refused like EKS does.
        bad = self.client("eks", secret="y" * 40)
        self.assertAwsError("InvalidSignatureException", bad.list_addons, clusterName="authc", status=403)
        unknown = self.client("eks", key="AKIAUNKNOWNUNKNOWN01", secret="y" * 40)
        self.assertAwsError("UnrecognizedClientException", unknown.list_addons, clusterName="authc", status=403)
        req = urllib.request.Request(f"{self.endpoint}/clusters/authc/addons",
                                     headers={"Host": f"eks.{REGION}.amazonaws.com"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 403)
        # IAM policy is evaluated for eks:<Operation>.
        iam = self.client("iam")
        iam.create_user(UserName="eks-reader")
        iam.put_user_policy(UserName="eks-reader", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["eks:List*", "eks:Describe*"],
                                                    "Resource": "*"}]}))
        k = iam.create_access_key(UserName="eks-reader")["AccessKey"]
        reader = self.client("eks", k["AccessKeyId"], k["SecretAccessKey"])
        self.assertEqual(reader.list_addons(clusterName="authc")["addons"], [])
        resp = self.assertAwsError("AccessDeniedException", reader.create_addon, clusterName="authc",
                                   addonName="coredns", status=403)
        self.assertIn("eks:CreateAddon", resp["Error"]["Message"])
        eks.describe_cluster(name="authc")

    # -- 3c. access entries and access policies ------------------------------------------------
    def test_03c_eks_access_entries(self):
        eks = self.client("eks")
        c = self.cluster("access", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
        self.assertEqual(c["accessConfig"], {"bootstrapClusterCreatorAdminPermissions": True,
                                             "authenticationMode": "API_AND_CONFIG_MAP"})
        self.assertEqual(eks.describe_cluster(name="access")["cluster"]["accessConfig"]["authenticationMode"],
                         "API_AND_CONFIG_MAP")
        # The creator got its admin entry, as EKS does with bootstrapClusterCreatorAdminPermissions.
        self.assertEqual(eks.list_access_entries(clusterName="access")["accessEntries"], [self.info["user_arn"]])
        admin_policy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        pols = eks.list_associated_access_policies(clusterName="access", principalArn=self.info["user_arn"])
        self.assertEqual([p["policyArn"] for p in pols["associatedAccessPolicies"]], [admin_policy])
        role = self.role("team-role", service="ec2.amazonaws.com")
        entry = eks.create_access_entry(clusterName="access", principalArn=role, kubernetesGroups=["team"],
                                        clientRequestToken="ae-1", tags={"k": "v"})["accessEntry"]
        self.assertEqual(entry["type"], "STANDARD")
        self.assertEqual(entry["username"], f"arn:aws:sts::{self.account}:assumed-role/team-role/{{{{SessionName}}}}")
        self.assertEqual(eks.create_access_entry(clusterName="access", principalArn=role, kubernetesGroups=["team"],
                                                 clientRequestToken="ae-1", tags={"k": "v"})
                         ["accessEntry"]["accessEntryArn"], entry["accessEntryArn"])
        self.assertAwsError("ResourceInUseException", eks.create_access_entry, clusterName="access",
                            principalArn=role, status=409)
        self.assertAwsError("InvalidParameterException", eks.create_access_entry, clusterName="access",
                            principalArn=f"arn:aws:sts::{self.account}:assumed-role/team-role/s")
        self.assertAwsError("InvalidParameterException", eks.create_access_entry, clusterName="access",
                            principalArn=role.replace("team-role", "other"), type="EC2_LINUX",
                            kubernetesGroups=["x"])
        node_role = self.role("node-role", service="ec2.amazonaws.com")
        node = eks.create_access_entry(clusterName="access", principalArn=node_role, type="EC2_LINUX")["accessEntry"]
        self.assertEqual(node["username"], "system:node:{{EC2PrivateDNSName}}")
        self.assertAwsError("InvalidRequestException", eks.associate_access_policy, clusterName="access",
                            principalArn=node_role, policyArn=admin_policy, accessScope={"type": "cluster"})
        described = eks.describe_access_entry(clusterName="access", principalArn=role)["accessEntry"]
        self.assertEqual(described["kubernetesGroups"], ["team"])
        eks.update_access_entry(clusterName="access", principalArn=role, kubernetesGroups=["team", "ops"])
        self.assertEqual(eks.describe_access_entry(clusterName="access", principalArn=role)
                         ["accessEntry"]["kubernetesGroups"], ["team", "ops"])
        # Access policies.
        view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        names = [p["name"] for p in eks.list_access_policies()["accessPolicies"]]
        self.assertIn("AmazonEKSClusterAdminPolicy", names)
        assoc = eks.associate_access_policy(clusterName="access", principalArn=role, policyArn=view,
                                            accessScope={"type": "namespace", "namespaces": ["a", "b"]})
        self.assertEqual(assoc["associatedAccessPolicy"]["accessScope"], {"type": "namespace",
                                                                          "namespaces": ["a", "b"]})
        self.assertAwsError("InvalidParameterException", eks.associate_access_policy, clusterName="access",
                            principalArn=role, policyArn=view, accessScope={"type": "namespace"})
        self.assertAwsError("InvalidParameterException", eks.associate_access_policy, clusterName="access",
                            principalArn=role, policyArn="arn:aws:eks::aws:cluster-access-policy/Nope",
                            accessScope={"type": "cluster"})
        listed = eks.list_associated_access_policies(clusterName="access", principalArn=role)
        self.assertEqual([p["policyArn"] for p in listed["associatedAccessPolicies"]], [view])
        self.assertEqual(eks.list_access_entries(clusterName="access", associatedPolicyArn=view)["accessEntries"],
                         [role])
        eks.disassociate_access_policy(clusterName="access", principalArn=role, policyArn=view)
        self.assertAwsError("ResourceNotFoundException", eks.disassociate_access_policy, clusterName="access",
                            principalArn=role, policyArn=view)
        eks.delete_access_entry(clusterName="access", principalArn=role)
        self.assertAwsError("ResourceNotFoundException", eks.describe_access_entry, clusterName="access",
                            principalArn=role, status=404)
        # CONFIG_MAP (the API's default) refuses access entries.
        self.cluster("cfgmap")
        self.assertEqual(eks.describe_cluster(name="cfgmap")["cluster"]["accessConfig"]["authenticationMode"],
                         "CONFIG_MAP")
        self.assertAwsError("InvalidRequestException", eks.create_access_entry, clusterName="cfgmap",
                            principalArn=role)

    # -- 3d. pod identity associations -----------------------------------------------------------
    def test_03d_eks_pod_identity(self):
        eks = self.client("eks")
        self.cluster("pia")
        role = self.role("pod-identity-role", service="pods.eks.amazonaws.com")
        a = eks.create_pod_identity_association(clusterName="pia", namespace="kube-system", serviceAccount="aura",
                                                roleArn=role, clientRequestToken="p-1",
                                                tags={"t": "1"})["association"]
        self.assertRegex(a["associationId"], r"^a-[a-z0-9]{17}$")
        self.assertEqual(a["associationArn"],
                         f"arn:aws:eks:{REGION}:{self.account}:podidentityassociation/pia/{a['associationId']}")
        self.assertEqual(eks.create_pod_identity_association(
            clusterName="pia", namespace="kube-system", serviceAccount="aura", roleArn=role,
            clientRequestToken="p-1", tags={"t": "1"})["association"]["associationId"], a["associationId"])
        self.assertAwsError("ResourceInUseException", eks.create_pod_identity_association, clusterName="pia",
                            namespace="kube-system", serviceAccount="aura", roleArn=role)
        self.assertAwsError("InvalidParameterException", eks.create_pod_identity_association, clusterName="pia",
                            namespace="x", serviceAccount="y", roleArn=f"arn:aws:iam::{self.account}:role/missing")
        eks.create_pod_identity_association(clusterName="pia", namespace="other", serviceAccount="aura", roleArn=role)
        self.assertEqual(len(eks.list_pod_identity_associations(clusterName="pia")["associations"]), 2)
        only = eks.list_pod_identity_associations(clusterName="pia", namespace="kube-system")["associations"]
        self.assertEqual([x["associationId"] for x in only], [a["associationId"]])
        role2 = self.role("pia-role-2", service="pods.eks.amazonaws.com")
        updated = eks.update_pod_identity_association(clusterName="pia", associationId=a["associationId"],
                                                      roleArn=role2)["association"]
        self.assertEqual(updated["roleArn"], role2)
        self.assertEqual(eks.describe_pod_identity_association(clusterName="pia", associationId=a["associationId"])
                         ["association"]["roleArn"], role2)
        self.assertEqual(eks.list_tags_for_resource(resourceArn=a["associationArn"])["tags"], {"t": "1"})
        eks.delete_pod_identity_association(clusterName="pia", associationId=a["associationId"])
        self.assertAwsError("ResourceNotFoundException", eks.describe_pod_identity_association, clusterName="pia",
                            associationId=a["associationId"])

    # -- 4. ClientToken idempotency -------------------------------------------------------------
    def test_04_nat_gateway_client_token(self):
        ec2, vpc, subnet = self.network()
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        spec = dict(SubnetId=subnet, AllocationId=eip, ClientToken="nat-tok-1",
                    TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "a", "Value": "b"}]}])
        first = ec2.create_nat_gateway(**spec)
        self.assertEqual(first["ClientToken"], "nat-tok-1")
        second = ec2.create_nat_gateway(**spec)
        self.assertEqual(second["NatGateway"]["NatGatewayId"], first["NatGateway"]["NatGatewayId"])
        self.assertEqual(len(ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
                             ["NatGateways"]), 1)
        self.assertAwsError("IdempotentParameterMismatch", ec2.create_nat_gateway,
                            **dict(spec, TagSpecifications=[]), status=400)
        # A lost answer (the call happened, the connection dropped) then a retry: still one NAT gateway.
        eip2 = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.fault(service="ec2", operation="CreateNatGateway", action="drop-after", count=1)
        with self.assertRaises(botocore.exceptions.ConnectionClosedError):
            ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip2, ClientToken="nat-tok-2")
        retry = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip2, ClientToken="nat-tok-2")
        self.assertEqual(len(ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
                             ["NatGateways"]), 2)
        self.assertNotEqual(retry["NatGateway"]["NatGatewayId"], first["NatGateway"]["NatGatewayId"])

    def test_04b_run_instances_client_token(self):
        ec2, _, subnet = self.network()
        image = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*"]}],
                                    MaxResults=5)["Images"][0]["ImageId"]
        spec = dict(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro", SubnetId=subnet,
                    ClientToken="run-tok-1")
        first = ec2.run_instances(**spec)
        again = ec2.run_instances(**spec)
        ids = sorted(i["InstanceId"] for i in first["Instances"])
        self.assertEqual(sorted(i["InstanceId"] for i in again["Instances"]), ids)
        self.assertEqual(again["ReservationId"], first["ReservationId"])
        self.assertAwsError("IdempotentParameterMismatch", ec2.run_instances, **dict(spec, InstanceType="t3.small"))
        found = ec2.describe_instances(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["Reservations"]
        self.assertEqual(sum(len(r["Instances"]) for r in found), 2)
        # Launch templates (moto answered AlreadyExists to the retry).
        lt = dict(LaunchTemplateName="lt-idem", ClientToken="lt-tok-1",
                  LaunchTemplateData={"ImageId": image, "InstanceType": "m5.large"})
        first_lt = ec2.create_launch_template(**lt)["LaunchTemplate"]
        self.assertEqual(ec2.create_launch_template(**lt)["LaunchTemplate"]["LaunchTemplateId"],
                         first_lt["LaunchTemplateId"])
        self.assertAwsError("IdempotentParameterMismatch", ec2.create_launch_template,
                            **dict(lt, LaunchTemplateData={"ImageId": image, "InstanceType": "m5.xlarge"}))
        self.assertAwsError("InvalidLaunchTemplateName.AlreadyExistsException", ec2.create_launch_template,
                            **dict(lt, ClientToken="lt-tok-2"))

    # -- 5. DescribeNatGateways tag filters -----------------------------------------------------------
    def test_05_nat_gateway_filters(self):
        ec2, vpc, subnet = self.network()
        nats = {}
        for name, cluster in (("n1", "ns/one"), ("n2", "ns/two")):
            eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nats[name] = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip, TagSpecifications=[{
                "ResourceType": "natgateway", "Tags": [{"Key": "aura.io/cluster", "Value": cluster},
                                                       {"Key": f"only-{name}", "Value": "x"}]}])["NatGateway"]["NatGatewayId"]

        def ids(filters):
            return sorted(n["NatGatewayId"] for n in ec2.describe_nat_gateways(Filters=filters)["NatGateways"])

        self.assertEqual(ids([{"Name": "tag:aura.io/cluster", "Values": ["ns/one"]}]), [nats["n1"]])
        self.assertEqual(ids([{"Name": "tag:aura.io/cluster", "Values": ["ns/*"]},
                              {"Name": "vpc-id", "Values": [vpc]}]), sorted(nats.values()))
        self.assertEqual(ids([{"Name": "tag-key", "Values": ["only-n2"]}]), [nats["n2"]])
        self.assertEqual(ids([{"Name": "tag:aura.io/cluster", "Values": ["ns/none"]}]), [])
        self.assertEqual(ids([{"Name": "tag:aura.io/cluster", "Values": ["ns/two"]},
                              {"Name": "state", "Values": ["available"]}]), [nats["n2"]])
        self.assertEqual(ids([{"Name": "subnet-id", "Values": [subnet]}]), sorted(nats.values()))
        self.assertAwsError("InvalidParameterValue", ec2.describe_nat_gateways,
                            Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
        self.assertAwsError("NatGatewayNotFound", ec2.describe_nat_gateways, NatGatewayIds=["nat-0123456789abcdef0"])
        self.assertAwsError("NatGatewayNotFound", ec2.delete_nat_gateway, NatGatewayId="nat-0123456789abcdef0")

    def test_05b_deleted_nat_gateway_gives_up_its_interface(self):
        ec2, _, subnet = self.network()
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]

        def interfaces():
            return ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])[
                "NetworkInterfaces"]

        self.assertEqual(len(interfaces()), 1)
        self.assertIn("AssociationId", ec2.describe_addresses(AllocationIds=[eip])["Addresses"][0])
        ec2.delete_nat_gateway(NatGatewayId=nat)
        self.assertEqual(interfaces(), [])
        address = ec2.describe_addresses(AllocationIds=[eip])["Addresses"][0]
        self.assertNotIn("AssociationId", address)  # disassociated, not released
        ec2.release_address(AllocationId=eip)

    # -- 6. SSM EKS optimized AMI parameters ---------------------------------------------------------
    def test_06_ssm_eks_ami_parameters(self):
        ssm, ec2 = self.client("ssm"), self.client("ec2")
        base = "/aws/service/eks/optimized-ami"
        wanted = {}
        for v in VERSIONS:
            for arch in ("x86_64", "arm64"):
                for variant in ("standard", "nvidia"):
                    wanted[f"{base}/{v}/amazon-linux-2023/{arch}/{variant}/recommended/image_id"] = arch
        for v in ("1.31", "1.32"):
            self.assertIn(v, AL2_VERSIONS)
            wanted[f"{base}/{v}/amazon-linux-2/recommended/image_id"] = "x86_64"
            wanted[f"{base}/{v}/amazon-linux-2-arm64/recommended/image_id"] = "arm64"
            wanted[f"{base}/{v}/amazon-linux-2-gpu/recommended/image_id"] = "x86_64"
        values = {}
        names = list(wanted)
        for i in range(0, len(names), 10):
            resp = ssm.get_parameters(Names=names[i:i + 10])
            self.assertEqual(resp["InvalidParameters"], [])
            values.update({p["Name"]: p["Value"] for p in resp["Parameters"]})
        self.assertEqual(set(values), set(wanted))
        images = {i["ImageId"]: i for i in ec2.describe_images(ImageIds=sorted(set(values.values())))["Images"]}
        for name, image_id in values.items():
            self.assertIn(image_id, images, name)
            self.assertEqual(images[image_id]["Architecture"], wanted[name], name)
            self.assertEqual(images[image_id]["OwnerId"], "602401143452")
        p = ssm.get_parameter(Name=f"{base}/1.31/amazon-linux-2023/x86_64/standard/recommended")["Parameter"]
        rec = json.loads(p["Value"])
        self.assertEqual(rec["image_id"], values[f"{base}/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id"])
        self.assertEqual(rec["release_version"], "1.31.13-20251103")
        self.assertEqual(images[rec["image_id"]]["Name"], rec["image_name"])
        by_path = ssm.get_parameters_by_path(Path=f"{base}/1.33/amazon-linux-2023/arm64/standard/recommended")
        self.assertEqual(sorted(x["Name"].rsplit("/", 1)[1] for x in by_path["Parameters"]),
                         ["image_id", "image_name", "release_version"])
        self.assertAwsError("ParameterNotFound", ssm.get_parameter,
                            Name=f"{base}/1.33/amazon-linux-2/recommended/image_id")
        # Instances start from them.
        _, _, subnet = self.network()
        run = ec2.run_instances(ImageId=rec["image_id"], MinCount=1, MaxCount=1, SubnetId=subnet)
        self.assertEqual(run["Instances"][0]["ImageId"], rec["image_id"])
        # Other regions get their own.
        ssm_w = boto3.client("ssm", endpoint_url=self.endpoint, region_name="eu-west-1", aws_access_key_id=self.key,
                             aws_secret_access_key=self.secret, config=NO_RETRY)
        west = ssm_w.get_parameter(Name=f"{base}/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id")
        self.assertTrue(west["Parameter"]["Value"].startswith("ami-"))

    # -- 7. faults ----------------------------------------------------------------------------------
    def test_07_throttling_shapes(self):
        eks = self.client("eks")
        cases = [
            ("ec2", lambda: self.client("ec2").describe_vpcs(), "RequestLimitExceeded", 503),
            ("iam", lambda: self.client("iam").list_users(), "Throttling", 400),
            ("sts", lambda: self.client("sts").get_caller_identity(), "Throttling", 400),
            ("eks", lambda: eks.list_clusters(), "TooManyRequestsException", 429),
            ("ssm", lambda: self.client("ssm").describe_parameters(), "ThrottlingException", 400),
            ("elbv2", lambda: self.client("elbv2").describe_load_balancers(), "Throttling", 400),
            ("elb", lambda: self.client("elb").describe_load_balancers(), "Throttling", 400),
        ]
        for service, call, code, status in cases:
            with self.subTest(service=service):
                fid = self.fault(service=service, action="throttle", count=1)
                resp = self.assertAwsError(code, call, status=status)
                self.assertTrue(resp["Error"]["Message"])
                call()  # count=1: the next call goes through
                rules = {r["id"]: r for r in self.admin("GET", "faults")[1]["rules"]}
                self.assertEqual(rules[fid]["hits"], 1)
                self.assertTrue(rules[fid]["exhausted"])
        # The retrying client sees them as throttles and retries through them.
        self.fault(service="ec2", operation="DescribeVpcs", action="throttle", count=2)
        retrying = self.client("ec2", config=Config(retries={"total_max_attempts": 5, "mode": "standard"}))
        resp = retrying.describe_vpcs()
        self.assertEqual(resp["ResponseMetadata"]["RetryAttempts"], 2)

    def test_07b_errors_drops_latency_scripted(self):
        ec2 = self.client("ec2")
        self.fault(service="ec2", operation="DescribeVpcs", action="error", count=1)
        self.assertAwsError("InternalError", ec2.describe_vpcs, status=500)
        self.fault(service="eks", operation="ListClusters", action="error", count=1)
        self.assertAwsError("ServerException", self.client("eks").list_clusters, status=500)
        self.fault(service="iam", action="error", count=1, code="InternalError", message="boom")
        resp = self.assertAwsError("InternalError", self.client("iam").list_roles, status=500)
        self.assertEqual(resp["Error"]["Message"], "boom")
        # Dropped and reset connections.
        self.fault(service="ec2", operation="DescribeSubnets", action="drop", count=1)
        with self.assertRaises((botocore.exceptions.ConnectionClosedError,
                                botocore.exceptions.EndpointConnectionError)):
            ec2.describe_subnets()
        ec2.describe_subnets()
        self.fault(service="ec2", operation="DescribeSubnets", action="reset", count=1)
        with self.assertRaises((botocore.exceptions.ConnectionClosedError,
                                botocore.exceptions.EndpointConnectionError)):
            ec2.describe_subnets()
        # Latency: the answer comes no sooner than the delay.
        self.fault(service="ec2", operation="DescribeRegions", action="latency", delay_ms=300, count=1)
        t0 = time.monotonic()
        ec2.describe_regions()
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        # Scripted answer, status and body as given.
        self.fault(service="sts", operation="GetCallerIdentity", action="respond", status=400, count=1,
                   content_type="text/xml",
                   body="<ErrorResponse><Error><Type>Sender</Type><Code>RegionDisabledException</Code>"
                        "<Message>off</Message></Error><RequestId>r</RequestId></ErrorResponse>")
        self.assertAwsError("RegionDisabledException", self.client("sts").get_caller_identity, status=400)
        self.fault(service="eks", operation="DescribeCluster", action="respond", status=404, count=1,
                   code="ResourceNotFoundException", message="scripted")
        resp = self.assertAwsError("ResourceNotFoundException", self.client("eks").describe_cluster, name="x")
        self.assertEqual(resp["Error"]["Message"], "scripted")
        # skip and probability (seeded): deterministic.
        self.fault(service="ec2", operation="DescribeKeyPairs", action="throttle", skip=2, count=1)
        ec2.describe_key_pairs()
        ec2.describe_key_pairs()
        self.assertAwsError("RequestLimitExceeded", ec2.describe_key_pairs)
        ec2.describe_key_pairs()
        fid = self.fault(service="ec2", operation="DescribeAvailabilityZones", action="throttle",
                         probability=0.5, seed=7)
        outcomes = []
        for _ in range(20):
            try:
                ec2.describe_availability_zones()
                outcomes.append(True)
            except ClientError:
                outcomes.append(False)
        rule = {r["id"]: r for r in self.admin("GET", "faults")[1]["rules"]}[fid]
        self.assertEqual(rule["matched"], 20)
        self.assertEqual(rule["hits"], outcomes.count(False))
        self.assertTrue(0 < rule["hits"] < 20, outcomes)
        # Bad rules are refused.
        self.assertEqual(self.admin("POST", "faults", {"action": "explode"})[0], 400)
        self.assertEqual(self.admin("POST", "faults", {"action": "latency"})[0], 400)

    def test_07c_call_counting(self):
        ec2, eks = self.client("ec2"), self.client("eks")
        self.assertEqual(self.admin("DELETE", "calls")[0], 200)
        for _ in range(3):
            ec2.describe_vpcs()
        eks.list_clusters()
        self.client("ssm").describe_parameters()
        code, calls = self.admin("GET", "calls")
        self.assertEqual(code, 200)
        self.assertEqual(calls["calls"].get("ec2:DescribeVpcs"), 3, calls)
        self.assertEqual(calls["calls"].get("eks:ListClusters"), 1, calls)
        self.assertEqual(calls["calls"].get("ssm:DescribeParameters"), 1, calls)
        self.assertEqual(calls["total"], 5, calls)
        self.assertEqual(calls["by_service"]["ec2"], 3)
        self.assertEqual(self.admin("GET", "calls?service=eks")[1]["total"], 1)
        self.admin("DELETE", "calls")
        self.assertEqual(self.admin("GET", "calls")[1]["total"], 0)

    def test_07d_scripted_cluster_states(self):
        eks = self.client("eks")
        self.state(kind="eks-cluster", id="slow", phase="create", state="CREATING", describes=3)
        self.assertEqual(self.cluster("slow")["status"], "CREATING")
        seen = [eks.describe_cluster(name="slow")["cluster"]["status"] for _ in range(4)]
        self.assertEqual(seen, ["CREATING", "CREATING", "CREATING", "ACTIVE"])
        self.state(kind="eks-cluster", id="slow", phase="delete", describes=2)
        self.assertEqual(eks.delete_cluster(name="slow")["cluster"]["status"], "DELETING")
        self.assertEqual([eks.describe_cluster(name="slow")["cluster"]["status"] for _ in range(2)],
                         ["DELETING", "DELETING"])
        self.assertAwsError("ResourceNotFoundException", eks.describe_cluster, name="slow")
        # While CREATING, dependents are refused as by EKS.
        self.state(kind="eks-cluster", id="slow2", describes=5)
        self.cluster("slow2")
        self.assertAwsError("InvalidRequestException", eks.create_addon, clusterName="slow2", addonName="coredns")
        # A failing create, as steps.
        self.state(kind="eks-cluster", id="bad", steps=[{"state": "CREATING", "describes": 1}], then="FAILED")
        self.cluster("bad")
        self.assertEqual([eks.describe_cluster(name="bad")["cluster"]["status"] for _ in range(3)],
                         ["CREATING", "FAILED", "FAILED"])
        # Phase now on an existing cluster, and clearing: scripts jump to their end.
        self.cluster("now")
        self.state(kind="eks-cluster", id="now", phase="now", state="UPDATING", describes=10)
        self.assertEqual(eks.describe_cluster(name="now")["cluster"]["status"], "UPDATING")
        listing = self.admin("GET", "states")[1]
        self.assertTrue(any(s["id"] == "now" for s in listing["scripts"]), listing)
        self.admin("DELETE", "states")
        self.assertEqual(eks.describe_cluster(name="now")["cluster"]["status"], "ACTIVE")
        self.assertEqual(eks.describe_cluster(name="slow2")["cluster"]["status"], "ACTIVE")
        self.assertEqual(self.admin("POST", "states", {"kind": "eks-cluster", "id": "nope", "phase": "now"})[0], 404)
        # Node groups: the cluster cannot be deleted while one is still DELETING.
        self.state(kind="eks-nodegroup", id="ng1", describes=1)
        self.state(kind="eks-nodegroup", id="ng1", phase="delete", describes=1)
        ng = eks.create_nodegroup(clusterName="now", nodegroupName="ng1", nodeRole=self.role("ng-role"),
                                  subnets=["subnet-12345678"])["nodegroup"]
        self.assertEqual(ng["status"], "CREATING")
        self.assertEqual([eks.describe_nodegroup(clusterName="now", nodegroupName="ng1")["nodegroup"]["status"]
                          for _ in range(2)], ["CREATING", "ACTIVE"])
        self.assertEqual(eks.delete_nodegroup(clusterName="now", nodegroupName="ng1")["nodegroup"]["status"],
                         "DELETING")
        self.assertAwsError("ResourceInUseException", eks.delete_cluster, name="now")
        eks.describe_nodegroup(clusterName="now", nodegroupName="ng1")
        self.assertAwsError("ResourceNotFoundException", eks.describe_nodegroup, clusterName="now",
                            nodegroupName="ng1")
        self.assertEqual(eks.delete_cluster(name="now")["cluster"]["status"], "DELETING")

    def test_07e_scripted_nat_states(self):
        ec2, vpc, subnet = self.network()
        self.state(kind="nat-gateway", tags={"aura.io/cluster": "ns/slow-nat"}, phase="create", describes=2)
        self.state(kind="nat-gateway", tags={"aura.io/cluster": "ns/slow-nat"}, phase="delete", describes=3)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip, TagSpecifications=[{
            "ResourceType": "natgateway", "Tags": [{"Key": "aura.io/cluster", "Value": "ns/slow-nat"}]}])["NatGateway"]
        self.assertEqual(nat["State"], "pending")

        def states(n):
            return [ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"]
                    for _ in range(n)]

        self.assertEqual(states(3), ["pending", "pending", "available"])
        # A waiter-style filter on state sees it once it is there.
        ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
        self.assertEqual(states(4), ["deleting", "deleting", "deleting", "deleted"])
        # Its interface went when it reached deleted, not before.
        self.assertEqual(ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])[
            "NetworkInterfaces"], [])
        # Untagged NAT gateways are not scripted.
        eip2 = ec2.allocate_address(Domain="vpc")["AllocationId"]
        self.assertEqual(ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip2)["NatGateway"]["State"],
                         "available")

    # -- 7f. load balancers' network interfaces, and what they block ----------------------------------
    def lb_network(self):
        """A VPC with subnets in two zones and a security group."""
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
        sg = ec2.create_security_group(GroupName=f"lb-{vpc}", Description="lb", VpcId=vpc)["GroupId"]
        return ec2, vpc, subnets, sg

    def lb_interfaces(self, ec2, lb_arn: str) -> list:
        name, lb_id = lb_arn.rsplit("/", 2)[1:]
        return [e for e in ec2.describe_network_interfaces()["NetworkInterfaces"]
                if e["Description"].endswith(f"/{name}/{lb_id}")]

    def test_07f_load_balancer_interfaces(self):
        ec2, vpc, subnets, sg = self.lb_network()
        elb = self.client("elbv2")
        lb = elb.create_load_balancer(Name="nlb-7f", Type="network", Scheme="internet-facing", Subnets=subnets,
                                      SecurityGroups=[sg])["LoadBalancers"][0]
        self.assertIn(":loadbalancer/net/nlb-7f/", lb["LoadBalancerArn"])
        lb_id = lb["LoadBalancerArn"].rsplit("/", 1)[1]
        enis = self.lb_interfaces(ec2, lb["LoadBalancerArn"])
        self.assertEqual(sorted(e["SubnetId"] for e in enis), sorted(subnets))
        for e in enis:
            self.assertEqual(e["Description"], f"ELB net/nlb-7f/{lb_id}")
            self.assertTrue(e["RequesterManaged"])
            self.assertEqual(e["Status"], "in-use")
            self.assertEqual(e["InterfaceType"], "network_load_balancer")
            self.assertEqual([g["GroupId"] for g in e["Groups"]], [sg])
            self.assertEqual(e.get("TagSet", []), [])
        self.assertEqual(elb.describe_load_balancers(Names=["nlb-7f"])["LoadBalancers"][0]["LoadBalancerArn"],
                         lb["LoadBalancerArn"])
        # The interfaces hold the group and the subnets, and cannot be deleted by their user.
        self.assertAwsError("DependencyViolation", ec2.delete_security_group, GroupId=sg)
        self.assertAwsError("DependencyViolation", ec2.delete_subnet, SubnetId=subnets[0])
        self.assertAwsError("InvalidParameterValue", ec2.delete_network_interface,
                            NetworkInterfaceId=enis[0]["NetworkInterfaceId"])
        # Deleted: the interfaces stay a while (a state rule scripts how long), then go.
        self.state(kind="elb-interfaces", id="nlb-7f", phase="delete", describes=2)
        elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        self.assertAwsError("DependencyViolation", ec2.delete_security_group, GroupId=sg)
        self.assertEqual(len(self.lb_interfaces(ec2, lb["LoadBalancerArn"])), 2)
        self.assertEqual(len(self.lb_interfaces(ec2, lb["LoadBalancerArn"])), 2)
        self.assertEqual(self.lb_interfaces(ec2, lb["LoadBalancerArn"]), [])
        ec2.delete_security_group(GroupId=sg)
        for subnet in subnets:
            ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_vpc(VpcId=vpc)

    def test_07g_load_balancer_interfaces_released_after_a_delay(self):
        ec2, _, subnets, sg = self.lb_network()
        elb = self.client("elbv2")
        # An application load balancer; by default its interfaces go a couple of seconds after the delete.
        lb = elb.create_load_balancer(Name="alb-7g", Subnets=subnets, SecurityGroups=[sg])["LoadBalancers"][0]
        self.assertIn(":loadbalancer/app/alb-7g/", lb["LoadBalancerArn"])
        enis = self.lb_interfaces(ec2, lb["LoadBalancerArn"])
        self.assertEqual({e["Description"] for e in enis},
                         {"ELB app/alb-7g/" + lb["LoadBalancerArn"].rsplit("/", 1)[1]})
        self.assertEqual({e["InterfaceType"] for e in enis}, {"interface"})
        t0 = time.monotonic()
        elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        self.assertAwsError("DependencyViolation", ec2.delete_security_group, GroupId=sg)

        def deleted():
            try:
                ec2.delete_security_group(GroupId=sg)
                return True
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "DependencyViolation")
                return False

        wait_until("the security group to be deletable", deleted, 30)
        self.assertGreaterEqual(time.monotonic() - t0, 1.5)
        # A timed rule of 0 seconds: released with the delete.
        sg2 = ec2.create_security_group(GroupName="lb-7g-2", Description="lb",
                                        VpcId=ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"])[
            "GroupId"]
        lb2 = elb.create_load_balancer(Name="nlb-7g", Type="network", Subnets=subnets,
                                       SecurityGroups=[sg2])["LoadBalancers"][0]
        self.state(kind="elb-interfaces", id="nlb-7g", phase="delete", seconds=0)
        elb.delete_load_balancer(LoadBalancerArn=lb2["LoadBalancerArn"])
        ec2.delete_security_group(GroupId=sg2)
        self.assertEqual(self.lb_interfaces(ec2, lb2["LoadBalancerArn"]), [])

    def test_07h_calls_log_names_the_caller(self):
        iam = self.client("iam")
        iam.create_user(UserName="log-caller")
        iam.attach_user_policy(UserName="log-caller", PolicyArn=iam.list_policies(Scope="Local")["Policies"][0]["Arn"])
        key = iam.create_access_key(UserName="log-caller")["AccessKey"]
        self.admin("DELETE", "calls")
        self.client("ec2", key["AccessKeyId"], key["SecretAccessKey"]).describe_vpcs()
        self.client("ec2").describe_subnets()
        log = self.admin("GET", "calls?log=1")[1]["log"]
        self.assertEqual([(e["call"], e["access_key"], e["user"]) for e in log],
                         [("ec2:DescribeVpcs", key["AccessKeyId"], "log-caller"),
                          ("ec2:DescribeSubnets", self.key, "aura-operator")])
        self.assertIsInstance(log[0]["t"], float)

    # -- 8. child clusters bound to EKS clusters, and their token webhook ------------------------------
    @staticmethod
    def eks_token(url: str) -> str:
        return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")

    def review(self, child: str, token: str, tls: bool = False) -> dict:
        """POSTs a TokenReview to the webhook as kube-apiserver does; returns its status."""
        body = json.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                           "spec": {"token": token}}).encode()
        hook = self.info["authn_webhook"]
        base, ctx = (hook["url"], ssl.create_default_context(cafile=hook["ca_file"])) if tls else (self.endpoint, None)
        req = urllib.request.Request(f"{base}/aura-env/authn/{child}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            review = json.loads(r.read())
        self.assertEqual((review["kind"], review["apiVersion"]), ("TokenReview", "authentication.k8s.io/v1"))
        return review["status"]

    def assertRefused(self, status: dict, reason: str):
        self.assertFalse(status["authenticated"], status)
        self.assertIn(reason, status.get("error", ""), status)

    def bind(self, child: str, eks_cluster: str, endpoint: str = "https://127.0.0.1:1", **kw) -> dict:
        ca = Path(self.info["authn_webhook"]["ca_file"]).read_text()  # any PEM CA will do here
        code, body = self.admin("POST", "children", {"child": child, "eks_cluster": eks_cluster,
                                                     "endpoint": endpoint, "ca": ca, **kw})
        self.assertEqual(code, 200, body)
        self.addCleanup(self.admin, "DELETE", f"children/{child}")
        return body

    def test_08_child_binding_endpoint_and_ca(self):
        eks = self.client("eks")
        ca = Path(self.info["authn_webhook"]["ca_file"]).read_text()
        self.bind("w0", "bound-c", endpoint="https://127.0.0.1:6443")
        created = self.cluster("bound-c")
        self.assertEqual(created["endpoint"], "https://127.0.0.1:6443")
        described = eks.describe_cluster(name="bound-c")["cluster"]
        self.assertEqual(described["endpoint"], "https://127.0.0.1:6443")
        self.assertEqual(base64.b64decode(described["certificateAuthority"]["data"]).decode(), ca)
        listing = self.admin("GET", "children")[1]["children"]
        self.assertEqual([(c["child"], c["serving"]["name"]) for c in listing], [("w0", "bound-c")])
        # Unbound clusters keep moto's answer; unbinding gives it back.
        self.assertIn("eks.amazonaws.com", self.cluster("unbound-c")["endpoint"])
        self.admin("DELETE", "children/w0")
        self.assertIn("eks.amazonaws.com", eks.describe_cluster(name="bound-c")["cluster"]["endpoint"])
        # "*": the next cluster created claims the child; while CREATING, no endpoint nor CA (as EKS).
        self.bind("w0b", "*", endpoint="https://127.0.0.1:7443")
        self.state(kind="eks-cluster", id="claimed-c", phase="create", state="CREATING", describes=1)
        created = self.cluster("claimed-c")
        self.assertEqual(created["status"], "CREATING")
        self.assertNotIn("endpoint", created)
        self.assertFalse(created.get("certificateAuthority", {}).get("data"), created)
        self.assertNotIn("endpoint", eks.describe_cluster(name="claimed-c")["cluster"])
        self.assertEqual(eks.describe_cluster(name="claimed-c")["cluster"]["endpoint"], "https://127.0.0.1:7443")
        self.assertIn("eks.amazonaws.com", self.cluster("after-claim-c")["endpoint"])  # the child is taken
        self.assertEqual(self.admin("GET", "children/w0b")[1]["serving"]["name"], "claimed-c")
        eks.delete_cluster(name="claimed-c")  # gone: the child is free for the next cluster
        self.assertEqual(self.cluster("next-claim-c")["endpoint"], "https://127.0.0.1:7443")
        for bad in ({"child": "x y", "eks_cluster": "c", "endpoint": "https://a", "ca": ca},
                    {"child": "x", "eks_cluster": "c", "endpoint": "http://a", "ca": ca},
                    {"child": "x", "eks_cluster": "c", "endpoint": "https://a", "ca": "nope"}):
            self.assertEqual(self.admin("POST", "children", bad)[0], 400, bad)

    def test_08b_token_webhook(self):
        """The webhook verifies EKS tokens as aws-iam-authenticator does and maps access entries."""
        eks, iam = self.client("eks"), self.client("iam")
        self.bind("w1", "authn-c")
        self.cluster("authn-c", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
        sts = self.client("sts")
        sts.meta.events.register("before-sign.sts.GetCallerIdentity",
                                 lambda request, **kw: request.headers.add_header("x-k8s-aws-id", "authn-c"))
        token = self.eks_token(sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET"))
        # The creator (bootstrapClusterCreatorAdminPermissions: its entry with the cluster admin policy).
        for tls in (False, True):
            st = self.review("w1", token, tls=tls)
            self.assertTrue(st["authenticated"], st)
            self.assertEqual(st["user"]["username"], self.info["user_arn"])
            self.assertEqual(st["user"]["groups"], ["system:masters"])
            self.assertEqual(st["user"]["extra"]["accessKeyId"], [self.key])
            self.assertTrue(st["user"]["uid"].startswith(f"aws-iam-authenticator:{self.account}:"), st)
        # Refusals: signed for another cluster, expired, tampered, unknown key, unmapped principal.
        now = dt.datetime.now(dt.timezone.utc)
        self.assertRefused(self.review("w1", self.eks_token(self.presign(self.key, self.secret, cluster="other"))),
                           "SignatureDoesNotMatch")
        self.assertRefused(self.review("w1", self.eks_token(self.presign(
            self.key, self.secret, cluster="authn-c", when=now - dt.timedelta(minutes=16)))), "expired")
        self.assertTrue(self.review("w1", self.eks_token(self.presign(
            self.key, self.secret, cluster="authn-c", when=now - dt.timedelta(minutes=14))))["authenticated"])
        url = self.presign(self.key, self.secret, cluster="authn-c")
        tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
        self.assertRefused(self.review("w1", self.eks_token(tampered)), "SignatureDoesNotMatch")
        self.assertRefused(self.review("w1", self.eks_token(self.presign("AKIAUNKNOWNUNKNOWN00", "x" * 40,
                                                                         cluster="authn-c"))),
                           "InvalidClientTokenId")
        iam.create_user(UserName="stranger")
        k = iam.create_access_key(UserName="stranger")["AccessKey"]
        stranger = self.eks_token(self.presign(k["AccessKeyId"], k["SecretAccessKey"], cluster="authn-c"))
        self.assertRefused(self.review("w1", stranger), "ARN is not mapped")
        # Token form, as aws-iam-authenticator checks it before calling STS.
        self.assertRefused(self.review("w1", "k8s-aws-v2.abc"), "prefix")
        self.assertRefused(self.review("w1", token + "=="), "base64")
        self.assertRefused(self.review("w1", self.eks_token(self.presign(
            self.key, self.secret, cluster="authn-c", host_url="https://sts.amazonaws.com"))), "scheme")
        self.assertRefused(self.review("w1", self.eks_token(self.presign(
            self.key, self.secret, cluster="authn-c", host_url=self.endpoint.replace("127.0.0.1", "10.1.2.3")))),
            "unexpected hostname")
        no_header = AWSRequest(method="GET", url=self.endpoint + "/",
                               params={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
        SigV4QueryAuth(Credentials(self.key, self.secret), "sts", REGION, expires=60).add_auth(no_header)
        self.assertRefused(self.review("w1", self.eks_token(no_header.url)), "x-k8s-aws-id")
        self.assertRefused(self.review("w1", self.eks_token(url.replace("X-Amz-Expires=60", "X-Amz-Expires=901"))),
                           "X-Amz-Expires")
        self.assertRefused(self.review("w1", self.eks_token(url + "&Extra=1")), "non-whitelisted")
        self.assertRefused(self.review("nobody", token), "bound to no EKS cluster")
        # STS unavailable (a fault on GetCallerIdentity): refused, as EKS would be.
        self.fault(service="sts", operation="GetCallerIdentity", action="throttle", count=1)
        self.assertRefused(self.review("w1", token), "Throttling")
        self.admin("DELETE", "calls")
        self.assertTrue(self.review("w1", token)["authenticated"])
        self.assertEqual(self.admin("GET", "calls")[1]["total"], 0)  # the webhook's STS calls are not counted
        # Access entries change the mapping: a role, assumed with a session name, with groups.
        role_arn = iam.create_role(RoleName="ci-role", Path="/team/", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": self.info["user_arn"]},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        c = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="alice@example.com")["Credentials"]
        role_token = self.eks_token(self.presign(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"],
                                                 cluster="authn-c"))
        self.assertRefused(self.review("w1", role_token), "ARN is not mapped")
        eks.create_access_entry(clusterName="authn-c", principalArn=role_arn, kubernetesGroups=["ci", "readers"])
        st = self.review("w1", role_token)
        self.assertTrue(st["authenticated"], st)
        self.assertEqual(st["user"]["username"], f"arn:aws:sts::{self.account}:assumed-role/ci-role/alice-example.com")
        self.assertEqual(st["user"]["groups"], ["ci", "readers"])
        self.assertEqual(st["user"]["extra"]["canonicalArn"], [role_arn])
        self.assertEqual(st["user"]["extra"]["sessionName"], ["alice@example.com"])
        eks.associate_access_policy(clusterName="authn-c", principalArn=role_arn,
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                                    accessScope={"type": "cluster"})
        eks.associate_access_policy(clusterName="authn-c", principalArn=role_arn,
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                                    accessScope={"type": "namespace", "namespaces": ["ci"]})
        eks.update_access_entry(clusterName="authn-c", principalArn=role_arn, username="ci:{{SessionNameRaw}}")
        st = self.review("w1", role_token)
        self.assertEqual((st["user"]["username"], st["user"]["groups"]),
                         ("ci:alice@example.com", ["ci", "readers", "aura-env:eks:view"]))
        eks.delete_access_entry(clusterName="authn-c", principalArn=role_arn)
        self.assertRefused(self.review("w1", role_token), "ARN is not mapped")
        # A node (EC2_LINUX entry): the instance role's session is the instance id.
        ec2, _, subnet = self.network()
        image = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*"]}],
                                    MaxResults=5)["Images"][0]["ImageId"]
        inst = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                 SubnetId=subnet)["Instances"][0]
        node_role = iam.create_role(RoleName="authn-node-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": self.info["user_arn"]},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        eks.create_access_entry(clusterName="authn-c", principalArn=node_role, type="EC2_LINUX")
        c = self.client("sts").assume_role(RoleArn=node_role, RoleSessionName=inst["InstanceId"])["Credentials"]
        st = self.review("w1", self.eks_token(self.presign(c["AccessKeyId"], c["SecretAccessKey"],
                                                           c["SessionToken"], cluster="authn-c")))
        self.assertEqual((st["user"]["username"], st["user"]["groups"]),
                         (f"system:node:{inst['PrivateDnsName']}", ["system:nodes"]))
        # The creator's entry is an ordinary one: deleted, the creator is out (API modes).
        eks.delete_access_entry(clusterName="authn-c", principalArn=self.info["user_arn"])
        self.assertRefused(self.review("w1", token), "ARN is not mapped")
        # CONFIG_MAP: the creator is kubernetes-admin in system:masters unless bootstrap is off.
        self.bind("w2", "authn-cm")
        self.cluster("authn-cm")
        cm_token = self.eks_token(self.presign(self.key, self.secret, cluster="authn-cm"))
        st = self.review("w2", cm_token)
        self.assertEqual((st["user"]["username"], st["user"]["groups"]), ("kubernetes-admin", ["system:masters"]))
        self.assertRefused(self.review("w2", token), "SignatureDoesNotMatch")  # signed for authn-c
        self.bind("w3", "authn-nob")
        self.cluster("authn-nob", accessConfig={"authenticationMode": "API",
                                                "bootstrapClusterCreatorAdminPermissions": False})
        self.assertRefused(self.review("w3", self.eks_token(self.presign(self.key, self.secret, cluster="authn-nob"))),
                           "ARN is not mapped")
        # The cluster gone: refused.
        eks.delete_cluster(name="authn-cm")
        self.assertRefused(self.review("w2", cm_token), "serves no existing EKS cluster")
        # Not a TokenReview: 400.
        req = urllib.request.Request(f"{self.endpoint}/aura-env/authn/w1", data=b'{"kind": "Pod"}', method="POST")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 400)
        # The TLS port serves the webhook only.
        hook = self.info["authn_webhook"]
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(hook["url"] + "/aura-env/faults", timeout=10,
                                   context=ssl.create_default_context(cafile=hook["ca_file"]))
        self.assertEqual(cm.exception.code, 404)

    # -- reset ---------------------------------------------------------------------------------------
    def test_99_reset(self):
        eks = self.client("eks")
        self.cluster("before-reset")
        eks.create_addon(clusterName="before-reset", addonName="coredns")
        self.assertEqual(self.admin("POST", "reset")[0], 200)
        self.assertAwsError("ResourceNotFoundException", eks.list_addons, clusterName="before-reset")
        self.cluster("before-reset")
        self.assertEqual(eks.list_addons(clusterName="before-reset")["addons"], [])
        ssm = self.client("ssm")
        image = ssm.get_parameter(Name="/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/arm64/"
                                       "standard/recommended/image_id")["Parameter"]["Value"]
        self.assertEqual(len(self.client("ec2").describe_images(ImageIds=[image])["Images"]), 1)
        print(f"\nlauncher startup: {self.startup_seconds:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
