#!/usr/bin/env python3
"""A child kube-apiserver playing an EKS cluster, with EKS token authentication.

Run with moto's venv python (botocore makes the tokens, as `aws eks get-token` does):

    ~/.cache/aura/venv-moto-5.2.5/bin/python tests/env/test_child_authn.py

Brings an environment up in a temp dir (`envctl.py up --no-controller-manager`),
binds a child to an EKS cluster name (`child up --eks-cluster`), creates that
cluster in moto as the aura-operator user, then talks to the child at the
endpoint and CA DescribeCluster gives, with `k8s-aws-v1.` bearer tokens that the
child's kube-apiserver sends to moto's token webhook. Ends with `down` and
checks that no process is left. AURA_ENV_TEST_KEEP=1 keeps the temp dir.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
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
from botocore.config import Config

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_env import down_and_remove, envctl, processes_mentioning  # noqa: E402

REGION = "us-east-1"
EKS_NAME = "aura-demo"
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def eks_token(session: boto3.Session, endpoint: str, cluster: str, when: dt.datetime | None = None) -> str:
    """What `aws eks get-token` makes: a presigned STS GetCallerIdentity URL
    (GET, 60 s X-Amz-Expires) signing `x-k8s-aws-id: <cluster>`."""
    sts = session.client("sts", endpoint_url=endpoint, region_name=REGION, config=NO_RETRY)
    sts.meta.events.register("before-sign.sts.GetCallerIdentity",
                             lambda request, **kw: request.headers.add_header("x-k8s-aws-id", cluster))
    if when is None:
        url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
            url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


class ChildAuthnTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="authn-env-test-"))
        cls.addClassCleanup(cls._cleanup)
        cls.timings = {}
        t0 = time.monotonic()
        envctl("up", "--dir", str(cls.dir), "--no-controller-manager")
        cls.timings["up"] = time.monotonic() - t0
        t0 = time.monotonic()
        envctl("child", "up", "--dir", str(cls.dir), "--name", "c1", "--eks-cluster", EKS_NAME)
        cls.timings["child up --eks-cluster"] = time.monotonic() - t0
        cls.env = json.loads((cls.dir / "env.json").read_text())
        cls.kubectl = cls.env["binaries"]["kubectl"]
        aws = cls.env["aws"]
        cls.endpoint = aws["endpoint"]
        cls.operator = boto3.Session(aws_access_key_id=aws["access_key_id"],
                                     aws_secret_access_key=aws["secret_access_key"], region_name=REGION)
        cls.eks = cls.client(cls.operator, "eks")
        cls.iam = cls.client(cls.operator, "iam")
        role = cls.iam.create_role(RoleName="eks-cluster-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        cls.created = cls.eks.create_cluster(name=EKS_NAME, roleArn=role, version="1.31",
                                             resourcesVpcConfig={"subnetIds": []},
                                             accessConfig={"authenticationMode": "API"})["cluster"]
        # What Aura does next: endpoint and CA from DescribeCluster.
        described = cls.eks.describe_cluster(name=EKS_NAME)["cluster"]
        cls.server = described["endpoint"]
        cls.ca_file = cls.dir / "eks-ca.crt"
        cls.ca_file.write_bytes(base64.b64decode(described["certificateAuthority"]["data"]))

    @classmethod
    def _cleanup(cls):
        down_and_remove(cls.dir)
        if getattr(cls, "timings", None):
            print("\ntimings: " + ", ".join(f"{k} {v:.1f}s" for k, v in cls.timings.items()), file=sys.stderr)

    @classmethod
    def client(cls, session: boto3.Session, service: str):
        return session.client(service, endpoint_url=cls.endpoint, region_name=REGION, config=NO_RETRY)

    # -- helpers -----------------------------------------------------------------------------
    used_dates: set = set()

    def token(self, session: boto3.Session | None = None, cluster: str = EKS_NAME, when=None) -> str:
        """A token never used before: kube-apiserver caches a successful token
        authentication for 10 s (a fixed cache in front of all token
        authenticators), so after an access entry change only a new token (Aura
        refreshes its own) shows the new mapping at once. X-Amz-Date has 1 s
        resolution: each token gets a second of its own, the latest not used yet."""
        if when is None:
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            when = next(now - dt.timedelta(seconds=k) for k in range(3600)
                        if now - dt.timedelta(seconds=k) not in self.used_dates)
        self.used_dates.add(when)
        return eks_token(session or self.operator, self.endpoint, cluster, when=when)

    def api(self, path: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
        """A request to the child at DescribeCluster's endpoint, verified with its CA."""
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        req = urllib.request.Request(self.server + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def whoami(self, token: str) -> dict:
        """`kubectl auth whoami` with a kubeconfig made of DescribeCluster's answer and the token."""
        kc = self.dir / "eks-user.kubeconfig"
        kc.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": EKS_NAME, "cluster": {
                "server": self.server,
                "certificate-authority-data": base64.b64encode(self.ca_file.read_bytes()).decode()}}],
            "users": [{"name": "eks", "user": {"token": token}}],
            "contexts": [{"name": EKS_NAME, "context": {"cluster": EKS_NAME, "user": "eks"}}],
            "current-context": EKS_NAME}))
        p = subprocess.run([self.kubectl, "--kubeconfig", str(kc), "auth", "whoami", "-o", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        return json.loads(p.stdout)["status"]["userInfo"]

    def new_user(self, name: str) -> tuple[str, boto3.Session]:
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return arn, boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                                  region_name=REGION)

    @staticmethod
    def wait_for(check, what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.1)  # polling interval of a wait with a deadline

    def admin_kubectl(self, *args: str) -> str:
        p = subprocess.run([self.kubectl, "--kubeconfig", str(self.dir / "children" / "c1" / "kubeconfig"), *args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout

    # -- tests (name order; one environment) ------------------------------------------------------
    def test_01_describe_cluster_leads_to_the_child(self):
        child = self.env["children"]["c1"]
        self.assertEqual(self.created["endpoint"], child["apiserver"]["url"])
        self.assertEqual(self.server, child["apiserver"]["url"])
        self.assertEqual(self.ca_file.read_text(), Path(child["ca_crt"]).read_text())
        # The static token still works (test harness access): the child's own kubeconfig.
        self.assertIn("kube-system", self.admin_kubectl("get", "ns", "-o", "name"))

    def test_02_operator_is_the_cluster_creator_with_admin(self):
        t0 = time.monotonic()
        user = self.whoami(self.token())
        self.timings["kubectl auth whoami (EKS token)"] = time.monotonic() - t0
        self.assertEqual(user["username"], self.env["aws"]["user_arn"])
        self.assertEqual(sorted(user["groups"]), ["system:authenticated", "system:masters"])
        self.assertEqual(user["extra"]["arn"], [self.env["aws"]["user_arn"]])
        self.assertEqual(user["extra"]["accessKeyId"], [self.env["aws"]["access_key_id"]])
        # RBAC-protected requests: a Secret written and read back, as the kubeconfig Secret flow would.
        token = self.token()
        code, body = self.api("/api/v1/namespaces/default/secrets", token, "POST", {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "probe"}, "stringData": {"k": "v"}})
        self.assertEqual(code, 201, body)
        code, body = self.api("/api/v1/namespaces/kube-system/secrets", token)
        self.assertEqual(code, 200, body)
        code, body = self.api("/api/v1/namespaces/default/secrets/probe", token, "DELETE")
        self.assertEqual(code, 200, body)

    def test_03_refused_tokens_get_401(self):
        now = dt.datetime.now(dt.timezone.utc)
        good = self.token()
        tampered_url = base64.urlsafe_b64decode(good[len("k8s-aws-v1."):] + "==").decode()
        tampered_url = tampered_url[:-1] + ("0" if tampered_url[-1] != "0" else "1")
        _, stranger = self.new_user("stranger")
        cases = {
            "signed for another cluster name": self.token(cluster="someone-else"),
            "expired (X-Amz-Date 16 min ago)": self.token(when=now - dt.timedelta(minutes=16)),
            "tampered signature": "k8s-aws-v1." + base64.urlsafe_b64encode(tampered_url.encode()).decode().rstrip("="),
            "unknown principal (no access entry)": self.token(stranger),
            "not an EKS token": "k8s-aws-v1.bm90IGEgdXJs",
        }
        for what, token in cases.items():
            with self.subTest(what):
                code, body = self.api("/api/v1/namespaces", token)
                self.assertEqual(code, 401, f"{what}: {body}")
        # A token made 14 minutes ago is still good (15-minute window whatever X-Amz-Expires says).
        self.assertEqual(self.api("/api/v1/namespaces", self.token(when=now - dt.timedelta(minutes=14)))[0], 200)

    def test_04_access_entries_change_the_mapping(self):
        dev_arn, dev = self.new_user("dev")
        self.assertEqual(self.api("/api/v1/namespaces", self.token(dev))[0], 401)
        self.eks.create_access_entry(clusterName=EKS_NAME, principalArn=dev_arn, kubernetesGroups=["aura-devs"],
                                     username="dev-user")
        user = self.whoami(self.token(dev))
        self.assertEqual(user["username"], "dev-user")
        self.assertEqual(sorted(user["groups"]), ["aura-devs", "system:authenticated"])
        # Authenticated, but RBAC binds nothing to its group yet: 403.
        self.assertEqual(self.api("/api/v1/namespaces/default/pods", self.token(dev))[0], 403)
        self.admin_kubectl("create", "clusterrole", "pod-reader", "--verb=get,list,watch", "--resource=pods")
        self.admin_kubectl("create", "clusterrolebinding", "aura-devs-pods", "--clusterrole=pod-reader",
                           "--group=aura-devs")
        # RBAC sees the new binding through its informer: poll (with a deadline), don't sleep.
        self.wait_for(lambda: self.api("/api/v1/namespaces/default/pods", self.token(dev))[0] == 200,
                      "the view binding to take effect")
        self.assertEqual(self.api("/api/v1/namespaces/kube-system/secrets", self.token(dev))[0], 403)
        # The cluster admin access policy (cluster scope): system:masters.
        self.eks.associate_access_policy(clusterName=EKS_NAME, principalArn=dev_arn, policyArn=ADMIN_POLICY,
                                         accessScope={"type": "cluster"})
        self.assertIn("system:masters", self.whoami(self.token(dev))["groups"])
        self.assertEqual(self.api("/api/v1/namespaces/kube-system/secrets", self.token(dev))[0], 200)
        # AmazonEKSEditPolicy instead: the edit ClusterRole (envctl binds aura-env:eks:edit).
        self.eks.disassociate_access_policy(clusterName=EKS_NAME, principalArn=dev_arn, policyArn=ADMIN_POLICY)
        self.eks.associate_access_policy(
            clusterName=EKS_NAME, principalArn=dev_arn,
            policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", accessScope={"type": "cluster"})
        code, body = self.api("/api/v1/namespaces/default/configmaps", self.token(dev), "POST", {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "by-dev"}})
        self.assertEqual(code, 201, body)
        self.assertEqual(self.api("/api/v1/namespaces", self.token(dev), "POST", {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "by-dev"}})[0], 403)
        # Deleted: refused again.
        self.eks.delete_access_entry(clusterName=EKS_NAME, principalArn=dev_arn)
        self.assertEqual(self.api("/api/v1/namespaces", self.token(dev))[0], 401)

    def test_05_restart_keeps_the_webhook(self):
        envctl("restart", "apiserver", "--dir", str(self.dir), "--child", "c1")
        self.assertEqual(self.api("/api/v1/namespaces", self.token())[0], 200)

    def test_06_child_down_unbinds(self):
        child_dir = self.dir / "children" / "c1"
        envctl("child", "down", "--dir", str(self.dir), "--name", "c1")
        self.assertEqual(processes_mentioning(str(child_dir)), [])
        with urllib.request.urlopen(self.endpoint + "/aura-env/children", timeout=10) as r:
            self.assertEqual(json.loads(r.read())["children"], [])
        self.assertIn("eks.amazonaws.com", self.eks.describe_cluster(name=EKS_NAME)["cluster"]["endpoint"])

    def test_99_down_leaves_nothing(self):
        envctl("down", "--dir", str(self.dir))
        self.assertEqual(processes_mentioning(str(self.dir)), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
