#!/usr/bin/env python3
"""The AWS Load Balancer Controller stand-in of a child cluster, against moto.

Run with moto's venv python (boto3):

    ~/.cache/aura/venv-moto-5.2.5/bin/python tests/env/test_lb_controller.py

Brings an environment up in a temp dir (`envctl.py up --no-controller-manager`), makes a
VPC in moto with public subnets (kubernetes.io/role/elb) and private ones
(kubernetes.io/role/internal-elb) in two zones, tagged for the EKS cluster, then `child up`
and `child lb-controller start`. Services of type LoadBalancer made with kubectl get their
load balancer, target groups, listeners, security group and the load balancer's network
interfaces in moto, tagged as LBC tags them; deleted, they lose all of it, and the calls log
shows the controller's key on those calls. With the controller stopped a Service is not
served, and one it served stays Terminating with its finalizer until it comes back.
Ends with `down` and checks that no process is left. AURA_ENV_TEST_KEEP=1 keeps the temp dir.
Never sleeps to synchronise: waits poll a condition with a deadline.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "child_controllers"))
from kube_client import KubeClient  # noqa: E402
from test_env import down_and_remove, envctl, processes_mentioning  # noqa: E402

REGION = "us-east-1"
EKS_NAME = "lbc-demo"
LBC_USER = "aws-load-balancer-controller"
DEFAULT_TAGS = {"team": "ml", "aura.io/cost-center": "42"}
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)
TIMEOUT = 60.0


def wait_for(what: str, check, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)  # polling interval of a wait with a deadline


def tag_dict(tags: list) -> dict:
    return {t["Key"]: t["Value"] for t in tags or []}


class LbControllerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="lbc-env-test-"))
        cls.addClassCleanup(cls._cleanup)
        envctl("up", "--dir", str(cls.dir), "--no-controller-manager")
        cls.env = json.loads((cls.dir / "env.json").read_text())
        aws = cls.env["aws"]
        session = boto3.Session(aws_access_key_id=aws["access_key_id"],
                                aws_secret_access_key=aws["secret_access_key"], region_name=REGION)
        cls.endpoint = aws["endpoint"]
        cls.ec2 = session.client("ec2", endpoint_url=cls.endpoint, config=NO_RETRY)
        cls.elb = session.client("elbv2", endpoint_url=cls.endpoint, config=NO_RETRY)
        cls.vpc = cls.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        cls.public, cls.private = [], []
        for i, zone in enumerate(("a", "b")):
            for role, out, base in (("kubernetes.io/role/elb", cls.public, 0),
                                    ("kubernetes.io/role/internal-elb", cls.private, 10)):
                out.append(cls.ec2.create_subnet(
                    VpcId=cls.vpc, CidrBlock=f"10.20.{base + i}.0/24", AvailabilityZone=f"{REGION}{zone}",
                    TagSpecifications=[{"ResourceType": "subnet", "Tags": [
                        {"Key": role, "Value": "1"},
                        {"Key": f"kubernetes.io/cluster/{EKS_NAME}", "Value": "shared" if i else "owned"}]}])[
                    "Subnet"]["SubnetId"])
        # A public subnet of another cluster in zone a: never picked.
        cls.ec2.create_subnet(VpcId=cls.vpc, CidrBlock="10.20.99.0/24", AvailabilityZone=f"{REGION}a",
                              TagSpecifications=[{"ResourceType": "subnet", "Tags": [
                                  {"Key": "kubernetes.io/role/elb", "Value": "1"},
                                  {"Key": "kubernetes.io/cluster/someone-else", "Value": "owned"}]}])
        envctl("child", "up", "--dir", str(cls.dir), "--name", "c1")
        cls.kubeconfig = cls.dir / "children" / "c1" / "kubeconfig"
        cls.kube = KubeClient(cls.kubeconfig)
        cls.start_controller()
        cls.lbc_key = json.loads((cls.dir / "env.json").read_text())["aws"]["lb_controller"]["access_key_id"]

    @classmethod
    def start_controller(cls):
        envctl("child", "lb-controller", "start", "--dir", str(cls.dir), "--name", "c1", "--cluster-name", EKS_NAME,
               "--default-tags", ",".join(f"{k}={v}" for k, v in DEFAULT_TAGS.items()))

    @classmethod
    def _cleanup(cls):
        down_and_remove(cls.dir)

    # -- helpers -----------------------------------------------------------------------------
    def kubectl(self, *args: str, stdin: str | None = None) -> str:
        p = subprocess.run([self.env["binaries"]["kubectl"], "--kubeconfig", str(self.kubeconfig), *args],
                           input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=90)
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout

    def service(self, name: str) -> dict | None:
        return self.kube.get(f"/api/v1/namespaces/default/services/{name}")

    def hostname(self, name: str) -> str:
        def check():
            ingress = ((self.service(name) or {}).get("status", {}).get("loadBalancer") or {}).get("ingress")
            return ingress and ingress[0].get("hostname")
        return wait_for(f"Service {name}'s load balancer hostname", check)

    def stack(self, name: str) -> dict:
        """What moto holds for Service default/<name>, found by LBC's tags (as admin)."""
        out = {"lbs": [], "tgs": [], "sgs": []}
        for kind, items, arn in (("lbs", self.elb.describe_load_balancers()["LoadBalancers"], "LoadBalancerArn"),
                                 ("tgs", self.elb.describe_target_groups()["TargetGroups"], "TargetGroupArn")):
            for item in items:
                tags = tag_dict(self.elb.describe_tags(ResourceArns=[item[arn]])["TagDescriptions"][0]["Tags"])
                if tags.get("service.k8s.aws/stack") == f"default/{name}":
                    out[kind].append((item, tags))
        out["sgs"] = [(g, tag_dict(g.get("Tags"))) for g in self.ec2.describe_security_groups(Filters=[
            {"Name": "tag:service.k8s.aws/stack", "Values": [f"default/{name}"]}])["SecurityGroups"]]
        return out

    def interfaces_of(self, lb_arn: str) -> list:
        kind, name, lb_id = lb_arn.split(":loadbalancer/", 1)[1].split("/")
        return self.ec2.describe_network_interfaces(Filters=[
            {"Name": "description", "Values": [f"ELB {kind}/{name}/{lb_id}"]}])["NetworkInterfaces"]

    def assertLbcTags(self, tags: dict, name: str, resource: str):
        self.assertEqual(tags, {**DEFAULT_TAGS, "elbv2.k8s.aws/cluster": EKS_NAME,
                                "service.k8s.aws/stack": f"default/{name}",
                                "service.k8s.aws/resource": resource})

    # -- tests (name order; one environment) --------------------------------------------------
    def test_01_service_gets_a_network_load_balancer(self):
        status = envctl("status", "--dir", str(self.dir)).stdout
        self.assertRegex(status, r"c1/aws-load-balancer-controller\s+running")
        self.kubectl("create", "service", "loadbalancer", "web", "--tcp=80:8080,443:8443")
        host = self.hostname("web")
        svc = self.service("web")
        self.assertIn("service.k8s.aws/resources", svc["metadata"]["finalizers"])
        node_ports = {p["port"]: p["nodePort"] for p in svc["spec"]["ports"]}

        got = self.stack("web")
        self.assertEqual(len(got["lbs"]), 1, got)
        lb, tags = got["lbs"][0]
        self.assertEqual(lb["DNSName"], host)
        self.assertRegex(lb["LoadBalancerName"], r"^k8s-default-web-[0-9a-f]{10}$")
        self.assertEqual((lb["Type"], lb["Scheme"], lb["VpcId"]), ("network", "internet-facing", self.vpc))
        self.assertEqual(sorted(z["SubnetId"] for z in lb["AvailabilityZones"]), sorted(self.public))
        self.assertLbcTags(tags, "web", "LoadBalancer")

        self.assertEqual(len(got["sgs"]), 1, got)
        sg, sg_tags = got["sgs"][0]
        self.assertEqual(lb["SecurityGroups"], [sg["GroupId"]])
        self.assertEqual(sg["VpcId"], self.vpc)
        self.assertLbcTags(sg_tags, "web", "ManagedLBSecurityGroup")
        self.assertEqual(sorted(r["FromPort"] for r in sg["IpPermissions"]), [80, 443])

        tgs = {t["service.k8s.aws/resource"]: (tg, t) for tg, t in got["tgs"]}
        self.assertEqual(sorted(tgs), ["default/web:443", "default/web:80"])
        for port in (80, 443):
            tg, tg_tags = tgs[f"default/web:{port}"]
            self.assertLbcTags(tg_tags, "web", f"default/web:{port}")
            self.assertEqual((tg["Protocol"], tg["Port"], tg["TargetType"]), ("TCP", node_ports[port], "instance"))
        listeners = {x["Port"]: x for x in self.elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])[
            "Listeners"]}
        self.assertEqual(sorted(listeners), [80, 443])
        for port, listener in listeners.items():
            self.assertEqual(listener["DefaultActions"][0]["TargetGroupArn"],
                             tgs[f"default/web:{port}"][0]["TargetGroupArn"])

        enis = self.interfaces_of(lb["LoadBalancerArn"])
        self.assertEqual(sorted(e["SubnetId"] for e in enis), sorted(self.public))
        for e in enis:
            self.assertTrue(e["RequesterManaged"])
            self.assertEqual(e["Status"], "in-use")
            self.assertEqual([g["GroupId"] for g in e["Groups"]], [sg["GroupId"]])
            self.assertEqual(e.get("TagSet", []), [])

    def test_02_internal_scheme_uses_the_private_subnets(self):
        self.kubectl("apply", "-f", "-", stdin=json.dumps({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "api", "namespace": "default",
                         "annotations": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}},
            "spec": {"type": "LoadBalancer", "selector": {"app": "api"},
                     "ports": [{"port": 8080, "targetPort": 8080, "protocol": "TCP"}]}}))
        host = self.hostname("api")
        lbs = self.stack("api")["lbs"]
        self.assertEqual([(lb["DNSName"], lb["Scheme"]) for lb, _ in lbs], [(host, "internal")])
        self.assertEqual(sorted(z["SubnetId"] for z in lbs[0][0]["AvailabilityZones"]), sorted(self.private))
        # The scheme cannot change in place: back to internet-facing is a new load balancer.
        self.kubectl("annotate", "--overwrite", "service", "api",
                     "service.beta.kubernetes.io/aws-load-balancer-scheme=internet-facing")
        wait_for("Service api's internet-facing load balancer",
                 lambda: [lb["Scheme"] for lb, _ in self.stack("api")["lbs"]] == ["internet-facing"])
        wait_for("Service api's new hostname", lambda: self.hostname("api") != host)
        # No longer of type LoadBalancer: cleaned up as if deleted, the Service stays.
        self.kubectl("patch", "service", "api", "--type=merge", "-p", '{"spec": {"type": "ClusterIP"}}')
        wait_for("Service api's finalizer to go",
                 lambda: "service.k8s.aws/resources" not in (self.service("api")["metadata"].get("finalizers") or []))
        self.assertEqual(self.stack("api"), {"lbs": [], "tgs": [], "sgs": []})
        self.assertFalse(self.service("api")["status"].get("loadBalancer", {}).get("ingress"))
        self.kubectl("delete", "service", "api", "--timeout=60s")

    def test_03_deleted_service_loses_everything(self):
        lb = self.stack("web")["lbs"][0][0]
        with urllib.request.urlopen(urllib.request.Request(self.endpoint + "/aura-env/calls", method="DELETE")):
            pass
        self.kubectl("delete", "service", "web", "--timeout=60s")  # waits until it is gone
        self.assertIsNone(self.service("web"))
        self.assertEqual(self.stack("web"), {"lbs": [], "tgs": [], "sgs": []})
        self.assertEqual(self.interfaces_of(lb["LoadBalancerArn"]), [])
        with urllib.request.urlopen(self.endpoint + "/aura-env/calls?log=1") as r:
            log = json.loads(r.read())["log"]
        by_call = {}
        for entry in log:
            by_call.setdefault(entry["call"], set()).add((entry["access_key"], entry["user"]))
        for call in ("elbv2:DeleteListener", "elbv2:DeleteLoadBalancer", "elbv2:DeleteTargetGroup",
                     "ec2:DeleteSecurityGroup"):
            self.assertEqual(by_call.get(call), {(self.lbc_key, LBC_USER)}, f"{call}: {by_call.get(call)}")

    def test_04_without_the_controller(self):
        self.kubectl("create", "service", "loadbalancer", "kept", "--tcp=80:80")
        self.hostname("kept")
        envctl("child", "lb-controller", "stop", "--dir", str(self.dir), "--name", "c1")
        self.assertEqual(processes_mentioning("aws_load_balancer_controller.py --kubeconfig " + str(self.kubeconfig)),
                         [])
        self.assertNotRegex(envctl("status", "--dir", str(self.dir)).stdout, "aws-load-balancer-controller")
        # Not served: no finalizer, no hostname, nothing in AWS; deleted, it goes at once.
        self.kubectl("create", "service", "loadbalancer", "unserved", "--tcp=80:80")
        svc = self.service("unserved")
        self.assertNotIn("service.k8s.aws/resources", svc["metadata"].get("finalizers") or [])
        self.assertFalse(svc.get("status", {}).get("loadBalancer"))
        self.assertEqual(self.stack("unserved"), {"lbs": [], "tgs": [], "sgs": []})
        self.kubectl("delete", "service", "unserved", "--timeout=60s")
        # Served before: deleted, it stays Terminating with the finalizer, its AWS resources kept
        # (the operator, deleting the cluster, must clean them itself).
        self.kubectl("delete", "service", "kept", "--wait=false")
        svc = self.service("kept")
        self.assertIsNotNone(svc["metadata"].get("deletionTimestamp"))
        self.assertEqual(svc["metadata"]["finalizers"], ["service.k8s.aws/resources"])
        got = self.stack("kept")
        self.assertEqual((len(got["lbs"]), len(got["tgs"]), len(got["sgs"])), (1, 1, 1))

    def test_05_restarted_it_finishes_the_delete(self):
        self.start_controller()
        wait_for("Service kept to be gone", lambda: self.service("kept") is None)
        self.assertEqual(self.stack("kept"), {"lbs": [], "tgs": [], "sgs": []})
        # and adopts what it made before a restart instead of making it twice
        self.kubectl("create", "service", "loadbalancer", "again", "--tcp=80:80")
        host = self.hostname("again")
        self.start_controller_fresh()
        wait_for("the restarted controller to see Service again",
                 lambda: "default/again: deployed" in self.controller_log_since_last_start())
        got = self.stack("again")
        self.assertEqual((len(got["lbs"]), len(got["tgs"]), len(got["sgs"])), (1, 1, 1))
        self.assertEqual(got["lbs"][0][0]["DNSName"], host)
        self.kubectl("delete", "service", "again", "--timeout=60s")
        self.assertEqual(self.stack("again"), {"lbs": [], "tgs": [], "sgs": []})

    def start_controller_fresh(self):
        envctl("child", "lb-controller", "stop", "--dir", str(self.dir), "--name", "c1")
        self.start_controller()

    def controller_log_since_last_start(self) -> str:
        text = (self.dir / "children" / "c1" / "logs" / "aws-load-balancer-controller.log").read_text()
        return text.rsplit("===== envctl: starting", 1)[-1]

    def test_99_down_leaves_nothing(self):
        envctl("down", "--dir", str(self.dir))
        self.assertEqual(processes_mentioning(str(self.dir)), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
