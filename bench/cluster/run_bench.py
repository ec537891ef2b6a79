#!/usr/bin/env python3
"""An EphemeralCluster's life against the emulator, and many at once (stdlib only).

On a fresh local environment (tests/env/envctl.py: kube-apiserver, etcd, moto with
authentication on) the operator runs as aura-operator-scoped, the IAM user holding only
config/iam/aura-operator-policy.json. moto's scripted states stand in for AWS's delays, scaled
down: an EKS cluster is CREATING (and DELETING) for one describe, a NAT gateway pending (and
deleting) for one describe, so every wait of the reconciler is exercised once.

One life (create, Ready, rest, delete) of a cluster with a NAT gateway, two zones, an access
entry and an add-on:
  calls by operation   every AWS request moto answered, by service:Operation, split into the
                       create and the delete; mutating calls against resources created
  at rest              AWS calls while the Ready cluster rests (a window of --rest-seconds), and
                       the calls of one re-verification pass (what the operator makes every
                       110-130 min), hence calls per hour at rest
  ready -> next create for each scripted wait that ends (NAT gateway available, EKS cluster
                       ACTIVE), the time from the describe that first showed it ready to the
                       operator's next mutating call
Many at once (--clusters, default 50): applied together, time until all are Ready, until all
are gone after deletion, the operator's peak RSS (VmHWM), and the leak check: every resource
in moto carrying Aura's tags or names after the last one is gone.

    python3 bench/cluster/run_bench.py [--clusters 50] [--out bench/cluster/results-DATE.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENVCTL = REPO / "tests" / "env" / "envctl.py"
OPERATOR = REPO / "build" / "operator" / "aura-operator"
NS = "bench"
MUTATING_PREFIXES = ("Create", "Delete", "Modify", "Associate", "Disassociate", "Attach", "Detach",
                     "Allocate", "Release", "Authorize", "Revoke", "Tag", "Untag", "Put", "Update",
                     "Add", "Remove", "Run", "Terminate", "Replace")


def log(msg: str) -> None:
    print(f"[{dt.datetime.now().strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def mutating(call: str) -> bool:
    return call.split(":", 1)[1].startswith(MUTATING_PREFIXES)


class Env:
    def __init__(self, directory: Path):
        self.dir = directory
        subprocess.run([sys.executable, str(ENVCTL), "down", "--dir", str(directory)],
                       capture_output=True)
        subprocess.run(["rm", "-rf", str(directory)], check=True)
        log(f"starting the environment in {directory}")
        subprocess.run([sys.executable, str(ENVCTL), "up", "--dir", str(directory)], check=True,
                       stdout=subprocess.DEVNULL)
        self.info = json.loads((directory / "env.json").read_text())
        self.aws = self.info["aws"]
        self.kubectl_bin = self.info["binaries"]["kubectl"]
        self.kubectl("apply", "--server-side", "-f", str(REPO / "crds"))
        self.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                     "crd/ephemeralclusters.aura.io")
        self.kubectl("create", "namespace", NS)

    def down(self) -> None:
        subprocess.run([sys.executable, str(ENVCTL), "down", "--dir", str(self.dir)],
                       capture_output=True)

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        r = subprocess.run([self.kubectl_bin, "--kubeconfig", str(self.dir / "kubeconfig"), *args],
                           input=stdin, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def admin(self, method: str, path: str, body: object = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.aws["endpoint"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            text = resp.read()
            return json.loads(text) if text else {}

    def clusters(self) -> dict[str, dict]:
        out = json.loads(self.kubectl("get", "ephemeralclusters", "-n", NS, "-o", "json"))
        return {o["metadata"]["name"]: o for o in out["items"]}

    def leftovers(self) -> list[str]:
        """Everything in moto that carries Aura's tags or names (run with moto's own boto3)."""
        script = r'''
import boto3, json, sys
e, k, s = sys.argv[1:4]
kw = dict(endpoint_url=e, region_name="us-east-1", aws_access_key_id=k, aws_secret_access_key=s)
ec2, iam, eks = (boto3.client(n, **kw) for n in ("ec2", "iam", "eks"))
f = [{"Name": "tag-key", "Values": ["aura.io/cluster-uid"]}]
out = []
for v in ec2.describe_vpcs(Filters=f)["Vpcs"]: out.append("vpc " + v["VpcId"])
for x in ec2.describe_subnets(Filters=f)["Subnets"]: out.append("subnet " + x["SubnetId"])
for x in ec2.describe_internet_gateways(Filters=f)["InternetGateways"]: out.append("igw " + x["InternetGatewayId"])
for x in ec2.describe_route_tables(Filters=f)["RouteTables"]: out.append("rtb " + x["RouteTableId"])
for x in ec2.describe_security_groups(Filters=f)["SecurityGroups"]: out.append("sg " + x["GroupId"])
for x in ec2.describe_addresses()["Addresses"]: out.append("eip " + x["AllocationId"])
for x in ec2.describe_nat_gateways()["NatGateways"]:
    if x["State"] not in ("deleted",): out.append("nat " + x["NatGatewayId"] + " " + x["State"])
for x in ec2.describe_network_interfaces()["NetworkInterfaces"]: out.append("eni " + x["NetworkInterfaceId"])
for x in iam.list_roles(PathPrefix="/aura/")["Roles"]: out.append("role " + x["RoleName"])
for x in iam.list_instance_profiles(PathPrefix="/aura/")["InstanceProfiles"]: out.append("profile " + x["InstanceProfileName"])
for x in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]: out.append("oidc " + x["Arn"])
for x in eks.list_clusters()["clusters"]:
    if x.startswith("aura-"): out.append("eks " + x)
print(json.dumps(out))
'''
        r = subprocess.run([self.info["binaries"]["moto-python"], "-c", script, self.aws["endpoint"],
                            self.aws["access_key_id"], self.aws["secret_access_key"]],
                           capture_output=True, text=True, check=True)
        return json.loads(r.stdout)


class Operator:
    def __init__(self, env: Env, tag: str):
        self.env = env
        self.log_path = env.dir / f"operator-{tag}.log"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        op = env.aws["operator"]
        child_env = dict(os.environ, AWS_ENDPOINT_URL=env.aws["endpoint"],
                         AWS_ACCESS_KEY_ID=op["access_key_id"],
                         AWS_SECRET_ACCESS_KEY=op["secret_access_key"], AWS_REGION="us-east-1",
                         AWS_DEFAULT_REGION="us-east-1", AWS_SESSION_TOKEN="", AWS_PROFILE="",
                         AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                         AWS_EC2_METADATA_DISABLED="true", GNUTLS_NO_IMPLICIT_INIT="1")
        self.proc = subprocess.Popen(
            [str(OPERATOR), f"--kubeconfig={env.dir / 'kubeconfig'}", f"--watch-namespace={NS}",
             f"--lease-namespace={NS}", f"--lease-name=bench-{tag}", "--probe-address=127.0.0.1",
             f"--probe-port={self.port}", "--log-format=json"],
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"), env=child_env)

    def status(self) -> dict[str, int]:
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0])
        return out

    def passes(self, name: str) -> int:
        text = self.log_path.read_text()
        return sum(1 for line in text.splitlines()
                   if '"cluster provisioning pass"' in line and f'/{name}"' in line)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def wait_for(what: str, cond, timeout: float, poll: float = 0.25) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return time.monotonic() - t0
        time.sleep(poll)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")


def ready(obj: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in obj.get("status", {}).get("conditions", []))


def cluster_yaml(name: str, cidr: str, nat: str, extra: str = "") -> str:
    return (f"apiVersion: aura.io/v1alpha1\nkind: EphemeralCluster\nmetadata: {{name: {name}, "
            f"namespace: {NS}}}\nspec:\n  region: us-east-1\n  kubernetesVersion: \"1.31\"\n"
            f"  network: {{vpcCIDR: {cidr}, zones: [us-east-1a, us-east-1b], natGateways: {nat}}}\n"
            + extra)


def scripted_delays(env: Env) -> None:
    env.admin("DELETE", "/aura-env/states")
    for rule in ({"kind": "eks-cluster", "phase": "create", "state": "CREATING", "describes": 1,
                  "times": None},
                 {"kind": "eks-cluster", "phase": "delete", "state": "DELETING", "describes": 1,
                  "times": None},
                 {"kind": "nat-gateway", "phase": "create", "state": "pending", "describes": 1,
                  "times": None},
                 {"kind": "nat-gateway", "phase": "delete", "state": "deleting", "describes": 1,
                  "times": None}):
        env.admin("POST", "/aura-env/states", rule)


def split_calls(log_entries: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in log_entries:
        out[e["call"]] = out.get(e["call"], 0) + 1
    return dict(sorted(out.items()))


def ready_to_next_create(env: Env, calls: list[dict]) -> list[dict]:
    finished = env.admin("GET", "/aura-env/states")["finished"]
    out = []
    for f in finished:
        if f["state"] not in ("ACTIVE", "available"):
            continue
        after = [c for c in calls if c["t"] > f["t"] and mutating(c["call"])]
        if after:
            out.append({"kind": f["kind"], "ready": f["state"], "next_call": after[0]["call"],
                        "seconds": round(after[0]["t"] - f["t"], 4)})
    return out


def one_life(env: Env) -> dict:
    log("one life: NAT gateway, two zones, an access entry and an add-on")
    scripted_delays(env)
    env.admin("DELETE", "/aura-env/calls")
    op = Operator(env, "life")
    account = env.aws["account_id"]
    extra = (f"  accessEntries:\n  - principalARN: arn:aws:iam::{account}:role/ml-admins\n"
             "    accessPolicies:\n"
             "    - policyARN: arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy\n"
             "  addons:\n  - name: vpc-cni\n")
    t0 = time.monotonic()
    env.kubectl("apply", "-f", "-", stdin=cluster_yaml("life", "10.10.0.0/16", "Single", extra))
    wait_for("Ready", lambda: ready(env.clusters().get("life", {})), 600)
    create_s = time.monotonic() - t0
    create_log = env.admin("GET", "/aura-env/calls?log=1")["log"]
    latencies = ready_to_next_create(env, create_log)
    log(f"Ready after {create_s:.1f} s, {len(create_log)} AWS calls")

    env.admin("DELETE", "/aura-env/calls")
    rest_s = ARGS.rest_seconds
    log(f"resting {rest_s} s")
    time.sleep(rest_s)  # the measurement window itself, not a synchronisation
    at_rest = env.admin("GET", "/aura-env/calls")["total"]
    # One re-verification: a restarted operator verifies each Ready cluster once, as the running
    # one does every 110-130 minutes.
    op.stop()
    env.admin("DELETE", "/aura-env/calls")
    op = Operator(env, "verify")
    wait_for("a verification pass", lambda: op.passes("life") >= 1, 120)
    verify = env.admin("GET", "/aura-env/calls")
    log(f"at rest: {at_rest} calls in {rest_s} s; one verification pass: {verify['total']} calls")

    env.admin("DELETE", "/aura-env/calls")
    t0 = time.monotonic()
    env.kubectl("delete", "ephemeralcluster", "-n", NS, "life", "--wait=false")
    wait_for("deleted", lambda: "life" not in env.clusters(), 600)
    delete_s = time.monotonic() - t0
    delete_log = env.admin("GET", "/aura-env/calls?log=1")["log"]
    op.stop()
    leftovers = env.leftovers()
    create_calls = split_calls(create_log)
    delete_calls = split_calls(delete_log)
    return {
        "create_seconds": round(create_s, 1), "delete_seconds": round(delete_s, 1),
        "create_calls_total": len(create_log),
        "create_mutating": {k: v for k, v in create_calls.items() if mutating(k)},
        "create_reads": {k: v for k, v in create_calls.items() if not mutating(k)},
        "delete_calls_total": len(delete_log),
        "delete_mutating": {k: v for k, v in delete_calls.items() if mutating(k)},
        "delete_reads": {k: v for k, v in delete_calls.items() if not mutating(k)},
        "rest_window_seconds": rest_s, "calls_at_rest": at_rest,
        "verify_pass_calls": verify["total"], "verify_pass_by_operation": verify["calls"],
        # One verification per 110-130 min (7200 s on average).
        "calls_per_hour_at_rest": round(verify["total"] * 3600 / 7200 + at_rest * 3600 / rest_s, 1),
        "ready_to_next_create": latencies,
        "leftovers": leftovers,
    }


def many(env: Env, n: int) -> dict:
    log(f"{n} clusters at once")
    scripted_delays(env)
    env.admin("DELETE", "/aura-env/calls")
    op = Operator(env, "many")
    names = [f"c{i:02d}" for i in range(n)]
    docs = "---\n".join(cluster_yaml(name, f"10.{100 + i}.0.0/16", "Single")
                        for i, name in enumerate(names))
    t0 = time.monotonic()
    env.kubectl("apply", "-f", "-", stdin=docs)
    wait_for(f"{n} Ready", lambda: sum(ready(o) for o in env.clusters().values()) == n, 1800, 1)
    ready_s = time.monotonic() - t0
    create_calls = env.admin("GET", "/aura-env/calls")
    log(f"all {n} Ready after {ready_s:.1f} s; deleting")
    t0 = time.monotonic()
    env.kubectl("delete", "ephemeralclusters", "-n", NS, "--all", "--wait=false")
    wait_for(f"{n} deleted", lambda: not env.clusters(), 1800, 1)
    gone_s = time.monotonic() - t0
    st = op.status()
    op.stop()
    leftovers = env.leftovers()
    log(f"all gone after {gone_s:.1f} s; peak RSS {st.get('VmHWM')} kB; leftovers {len(leftovers)}")
    return {"clusters": n, "all_ready_seconds": round(ready_s, 1),
            "all_gone_seconds": round(gone_s, 1), "peak_rss_kb": st.get("VmHWM"),
            "create_calls_total": create_calls["total"], "leftovers": leftovers}


def main() -> int:
    global ARGS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clusters", type=int, default=50)
    p.add_argument("--rest-seconds", type=int, default=60)
    p.add_argument("--env-dir", default="/tmp/aura-bench-cluster")
    p.add_argument("--out")
    ARGS = p.parse_args()
    if not OPERATOR.exists():
        print(f"build the operator first: {OPERATOR}", file=sys.stderr)
        return 2
    env = Env(Path(ARGS.env_dir))
    try:
        result = {"date": dt.date.today().isoformat(), "life": one_life(env)}
        if ARGS.clusters > 0:
            result["many"] = many(env, ARGS.clusters)
    finally:
        env.down()
    text = json.dumps(result, indent=2)
    print(text)
    if ARGS.out:
        Path(ARGS.out).write_text(text + "\n")
    return 0


ARGS: argparse.Namespace

if __name__ == "__main__":
    sys.exit(main())
