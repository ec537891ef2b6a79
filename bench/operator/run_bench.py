#!/usr/bin/env python3
"""Benchmark of Aura's operator runtime against a controller-runtime peer (stdlib only).

For each object count N and each operator (aura, go-peer), on the same local control plane
(tests/env/envctl.py) and from identical state (a fresh namespace holding N freshly created
objects without finalizers or status):

  sync        seconds from process start until the operator says its caches have synced
  reconciled  seconds from process start until every object has its finalizer and
              status.observedGeneration == metadata.generation (followed with a watch)
  obj/s       N / reconciled, and N / (reconciled - sync) ("throughput")
  writes      aura.io writes (POST, PUT, PATCH, DELETE, APPLY) the operator made until then,
              from kube-apiserver's own apiserver_request_total
  idle w/min  the same counter over an idle window (default 60 s) once everything is reconciled
  peak RSS    VmHWM of the operator at the end of the run
  RSS         VmRSS at the end of the idle window (settled)
  CPU         user+system CPU seconds the operator used in the whole run

plus the RSS of each operator with no objects at all, ~10 s after its caches synced.

See bench/README.md for how to run it and what the figures mean.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Callable, Optional

REPO = Path(__file__).resolve().parents[2]
ENVCTL = REPO / "tests" / "env" / "envctl.py"
CACHE_DIR = Path(os.environ.get("AURA_CACHE_DIR", Path.home() / ".cache" / "aura"))
GROUP, VERSION = "aura.io", "v1alpha1"
KINDS = {  # plural -> (kind, finalizer)
    "ephemeralclusters": ("EphemeralCluster", "aura.io/ephemeral-cluster"),
    "nodepools": ("NodePool", "aura.io/node-pool"),
    "aijobs": ("AIJob", "aura.io/ai-job"),
}
MUTATING = {"POST", "PUT", "PATCH", "DELETE", "APPLY", "DELETECOLLECTION"}
HEAVY = re.compile(r"(^|/)(ninja|cc1plus|ld|go build|cmake --build|kube-apiserver|etcd)( |$)")
MY_PIDS: set[int] = set()  # this run's control plane, which is not "other work"


def log(msg: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the API server
class Api:
    """A small HTTPS client for the kube-apiserver: token and CA from the kubeconfig, one
    keep-alive connection per thread."""

    def __init__(self, kubeconfig: Path):
        kc = json.loads(kubeconfig.read_text())  # envctl writes JSON, which is valid YAML
        ctx_name = kc["current-context"]
        ctx = next(c["context"] for c in kc["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in kc["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in kc["users"] if u["name"] == ctx["user"])
        self.server = cluster["server"]
        u = urllib.parse.urlsplit(self.server)
        self.host, self.port = u.hostname, u.port or 443
        self.token = user["token"]
        self.ssl = ssl.create_default_context(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        self.local = threading.local()

    def _conn(self, fresh: bool = False, timeout: float = 300) -> http.client.HTTPSConnection:
        c = getattr(self.local, "conn", None)
        if c is None or fresh:
            if c is not None:
                c.close()
            c = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=timeout)
            self.local.conn = c
        return c

    def request(self, method: str, path: str, body=None, content_type: str = "application/json",
                ok=(200, 201, 202), retries: int = 5) -> tuple[int, dict | bytes]:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in range(retries):
            try:
                c = self._conn(fresh=attempt > 0)
                c.request(method, path, body=data, headers=headers)
                r = c.getresponse()
                raw = r.read()
            except (OSError, http.client.HTTPException):
                if attempt == retries - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status == 429 or r.status >= 500:
                time.sleep(0.2 * (attempt + 1))
                continue
            if ok and r.status not in ok:
                raise RuntimeError(f"{method} {path}: {r.status} {raw[:300]!r}")
            try:
                return r.status, json.loads(raw) if raw and raw[:1] in b"{[" else raw
            except ValueError:
                return r.status, raw
        raise RuntimeError(f"{method} {path}: still failing after {retries} attempts")

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)[1]

    def stream(self, path: str, timeout: float):
        """A fresh connection for a watch; returns (connection, response)."""
        c = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=timeout)
        c.request("GET", path, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"})
        return c, c.getresponse()

    def write_counts(self) -> dict[str, float]:
        """apiserver_request_total for group aura.io and mutating verbs, by verb and resource."""
        text = self.request("GET", "/metrics", ok=(200,))[1]
        text = text.decode() if isinstance(text, bytes) else json.dumps(text)
        counts: dict[str, float] = {}
        for line in text.splitlines():
            if not line.startswith("apiserver_request_total{"):
                continue
            labels_s, _, value = line.rpartition("} ")
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels_s))
            if labels.get("group") != GROUP or labels.get("verb") not in MUTATING:
                continue
            key = f"{labels['verb']} {labels.get('resource', '')}/{labels.get('subresource', '')}".rstrip("/")
            counts[key] = counts.get(key, 0.0) + float(value)
        return counts


def diff_counts(after: dict[str, float], before: dict[str, float]) -> dict[str, int]:
    d = {k: int(round(v - before.get(k, 0.0))) for k, v in after.items()}
    return {k: v for k, v in sorted(d.items()) if v}


def obj_path(ns: str, plural: str, name: str = "") -> str:
    p = f"/apis/{GROUP}/{VERSION}/namespaces/{ns}/{plural}"
    return f"{p}/{name}" if name else p


# ------------------------------------------------------------------ the objects
def make_objects(n: int) -> list[tuple[str, dict]]:
    """A third of each kind: cluster i, NodePool i and AIJob i using cluster i. Every 20th
    NodePool and AIJob names a cluster that does not exist (the ClusterNotFound path). Specs are
    the size of the samples in config/samples."""
    objs: list[tuple[str, dict]] = []
    k = n // 3
    counts = {"ephemeralclusters": k, "nodepools": k, "aijobs": n - 2 * k}
    api_version = f"{GROUP}/{VERSION}"
    for i in range(counts["ephemeralclusters"]):
        objs.append(("ephemeralclusters", {
            "apiVersion": api_version, "kind": "EphemeralCluster",
            "metadata": {"name": f"ec-{i:05d}", "labels": {"team": "ml-platform", "bench": "true"}},
            "spec": {
                "region": "us-east-1", "kubernetesVersion": "1.31",
                "network": {"vpcCIDR": f"10.{i % 200}.0.0/16",
                            "zones": ["us-east-1a", "us-east-1b", "us-east-1c"], "natGateways": "Single"},
                "endpointAccess": {"public": True, "private": True, "publicAccessCIDRs": ["203.0.113.0/24"]},
                "controlPlaneLogging": ["api", "audit", "authenticator"],
                "accessEntries": [
                    {"principalARN": "arn:aws:iam::123456789012:role/ml-platform-admin",
                     "accessPolicies": [{"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                                         "accessScope": {"type": "cluster"}}]},
                    {"principalARN": "arn:aws:iam::123456789012:role/ml-researcher",
                     "accessPolicies": [{"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                                         "accessScope": {"type": "namespace", "namespaces": ["training"]}}]}],
                "addons": [{"name": "vpc-cni"}, {"name": "coredns"}, {"name": "kube-proxy"},
                           {"name": "eks-pod-identity-agent"}],
                "lifecycle": {"maxLifetime": "72h", "ttlSecondsAfterIdle": 7200, "deletionPolicy": "Delete"},
                "tags": {"cost-center": "ml-research", "owner": "ml-platform"},
            }}))
    for i in range(counts["nodepools"]):
        cluster = f"ec-{i:05d}" if i % 20 != 19 else f"missing-{i:05d}"
        objs.append(("nodepools", {
            "apiVersion": api_version, "kind": "NodePool",
            "metadata": {"name": f"np-{i:05d}", "labels": {"bench": "true"}},
            "spec": {
                "clusterRef": {"name": cluster}, "mode": "Karpenter", "capacityType": "spot",
                "architecture": "amd64",
                "gpu": {"count": 1, "manufacturer": "nvidia", "names": ["a10g", "l4"]},
                "requirements": [
                    {"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g5", "g6"], "minValues": 2},
                    {"key": "karpenter.k8s.aws/instance-size", "operator": "NotIn", "values": ["metal"]}],
                "labels": {"workload": "gpu-training"},
                "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                "disk": {"sizeGiB": 200, "type": "gp3"}, "amiFamily": "AL2023",
                "disruption": {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m", "expireAfter": "168h"},
                "limits": {"cpu": "256", "memory": "1024Gi", "gpu": 16},
            }}))
    for i in range(counts["aijobs"]):
        cluster = f"ec-{i % max(k, 1):05d}" if i % 20 != 19 else f"missing-{i:05d}"
        objs.append(("aijobs", {
            "apiVersion": api_version, "kind": "AIJob",
            "metadata": {"name": f"job-{i:05d}", "labels": {"bench": "true"}},
            "spec": {
                "clusterRef": {"name": cluster}, "nodePoolRef": {"name": f"np-{i:05d}"},
                "template": {
                    "metadata": {"labels": {"app": f"job-{i:05d}"}},
                    "spec": {"restartPolicy": "Never", "containers": [{
                        "name": "trainer", "image": "ghcr.io/example/llm-finetune:1.4.0",
                        "command": ["torchrun", "--nproc_per_node=1", "train.py"],
                        "args": ["--base-model=meta-llama/Meta-Llama-3-8B",
                                 "--dataset=s3://ml-team-datasets/support-tickets/v3/",
                                 "--lora-rank=16", "--epochs=3"],
                        "env": [{"name": "HF_HOME", "value": "/cache/huggingface"}],
                        "resources": {"requests": {"cpu": "6", "memory": "24Gi", "nvidia.com/gpu": 1},
                                      "limits": {"nvidia.com/gpu": 1}},
                        "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]}],
                        "volumes": [{"name": "cache", "emptyDir": {"sizeLimit": "100Gi"}}]}},
                "parallelism": 1, "completions": 1, "backoffLimit": 2,
                "activeDeadlineSeconds": 21600, "ttlSecondsAfterFinished": 86400,
                "output": {"s3": {"bucket": "ml-team-aura-runs", "prefix": f"finetune/job-{i:05d}/"},
                           "configMap": {"tailLines": 200}},
            }}))
    return objs


def parallel(fn: Callable, items: list, threads: int) -> None:
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        for f in concurrent.futures.as_completed([ex.submit(fn, it) for it in items]):
            f.result()


def create_objects(api: Api, ns: str, objs: list[tuple[str, dict]], threads: int) -> float:
    t0 = time.monotonic()
    parallel(lambda o: api.request("POST", obj_path(ns, o[0]), o[1], ok=(201,)), objs, threads)
    return time.monotonic() - t0


def list_all(api: Api, ns: str, plural: str, limit: int = 500):
    cont = ""
    while True:
        q = {"limit": str(limit)}
        if cont:
            q["continue"] = cont
        page = api.get(obj_path(ns, plural) + "?" + urllib.parse.urlencode(q))
        yield from page.get("items", [])
        cont = page.get("metadata", {}).get("continue", "")
        if not cont:
            return


def reconciled(obj: dict, finalizer: str) -> bool:
    meta = obj.get("metadata", {})
    return (finalizer in (meta.get("finalizers") or [])
            and (obj.get("status") or {}).get("observedGeneration") == meta.get("generation"))


def cleanup_namespace(api: Api, ns: str, threads: int, timeout: float) -> None:
    """Strips finalizers (the operator is stopped), deletes every object, then the namespace."""
    t0 = time.monotonic()
    for plural in KINDS:
        names = [o["metadata"]["name"] for o in list_all(api, ns, plural) if o["metadata"].get("finalizers")]
        parallel(lambda name: api.request(
            "PATCH", obj_path(ns, plural, name), {"metadata": {"finalizers": None}},
            content_type="application/merge-patch+json", ok=(200, 404)), names, threads)
        api.request("DELETE", obj_path(ns, plural), ok=(200, 404))
    api.request("DELETE", f"/api/v1/namespaces/{ns}", ok=(200, 202, 404))
    while time.monotonic() - t0 < timeout:
        if api.request("GET", f"/api/v1/namespaces/{ns}", ok=(200, 404))[0] == 404:
            log(f"namespace {ns} deleted ({time.monotonic() - t0:.1f}s)")
            return
        time.sleep(1)
    log(f"WARNING: namespace {ns} still terminating after {timeout:.0f}s (its objects are gone)")


# ------------------------------------------------------------------ following reconciliation
class Tracker:
    """Watches the three kinds in a namespace and counts objects that are reconciled."""

    def __init__(self, api: Api, ns: str, names: dict[str, set[str]]):
        self.api, self.ns = api, ns
        self.pending = {p: set(s) for p, s in names.items()}
        self.total = sum(len(s) for s in names.values())
        self.lock = threading.Lock()
        self.done_at: Optional[float] = None
        self.first_at: Optional[float] = None  # the first object reconciled
        self.half_at: Optional[float] = None  # half of them
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.events = 0
        self.threads: list[threading.Thread] = []
        self.conns: list[http.client.HTTPSConnection] = []

    def close(self) -> None:
        self.stop.set()
        for c in self.conns:
            try:
                c.sock and c.sock.shutdown(2)
            except OSError:
                pass
        for t in self.threads:
            t.join(5)

    def remaining(self) -> int:
        with self.lock:
            return sum(len(s) for s in self.pending.values())

    def start(self) -> None:
        for plural in KINDS:
            rv = self.api.get(obj_path(self.ns, plural) + "?limit=1")["metadata"]["resourceVersion"]
            t = threading.Thread(target=self._watch, args=(plural, rv), daemon=True)
            t.start()
            self.threads.append(t)

    def _watch(self, plural: str, rv: str) -> None:
        finalizer = KINDS[plural][1]
        while not self.stop.is_set():
            q = urllib.parse.urlencode({"watch": "1", "resourceVersion": rv, "timeoutSeconds": "3600",
                                        "allowWatchBookmarks": "true"})
            try:
                conn, resp = self.api.stream(obj_path(self.ns, plural) + "?" + q, timeout=3700)
                self.conns.append(conn)
                if resp.status != 200:
                    raise RuntimeError(f"watch {plural}: {resp.status} {resp.read()[:200]!r}")
                while not self.stop.is_set():
                    line = resp.readline()
                    if not line:
                        break
                    ev = json.loads(line)
                    obj = ev.get("object", {})
                    if ev.get("type") == "ERROR":
                        if obj.get("code") == 410:  # expired: re-list to catch up
                            rv = self._relist(plural, finalizer)
                        break
                    rv = obj.get("metadata", {}).get("resourceVersion", rv)
                    if ev.get("type") in ("ADDED", "MODIFIED") and reconciled(obj, finalizer):
                        self._done(plural, obj["metadata"]["name"])
                    self.events += 1
                conn.close()
            except Exception as e:  # noqa: BLE001 - keep following; note it
                if self.stop.is_set():
                    return
                self.errors.append(f"{plural}: {e}")
                time.sleep(1)

    def _relist(self, plural: str, finalizer: str) -> str:
        for obj in list_all(self.api, self.ns, plural):
            if reconciled(obj, finalizer):
                self._done(plural, obj["metadata"]["name"])
        page = self.api.get(obj_path(self.ns, plural) + "?limit=1")
        return page["metadata"]["resourceVersion"]

    def _done(self, plural: str, name: str) -> None:
        with self.lock:
            s = self.pending[plural]
            if name in s:
                s.discard(name)
                left = sum(len(x) for x in self.pending.values())
                if self.first_at is None:
                    self.first_at = time.monotonic()
                if self.half_at is None and left <= self.total // 2:
                    self.half_at = time.monotonic()
                if self.done_at is None and not any(self.pending.values()):
                    self.done_at = time.monotonic()

    def verify(self) -> dict[str, int]:
        """A full, paginated list: how many objects of each kind are not reconciled."""
        return {p: sum(1 for o in list_all(self.api, self.ns, p) if not reconciled(o, KINDS[p][1]))
                for p in KINDS}


# ------------------------------------------------------------------ the operators
def proc_status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "Threads"):
                out[k] = int(v.split()[0])  # kB, or a count
    except OSError:
        pass
    return out


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return float("nan")


class Operator:
    """One operator process: started, its JSON log followed for the sync line and errors."""

    def __init__(self, name: str, argv: list[str], log_path: Path, synced_when: Callable[[dict, set], bool],
                 env: Optional[dict] = None):
        self.name, self.argv, self.log_path, self.env = name, argv, log_path, env
        self.synced_when = synced_when
        self.proc: Optional[subprocess.Popen] = None
        self.t_start = 0.0
        self.t_synced: Optional[float] = None
        self.seen: set = set()
        self.errors: list[str] = []
        self.n_errors = 0
        self.lines = 0

    def start(self) -> None:
        self.log_file = open(self.log_path, "w")
        self.t_start = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True, env=self.env)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc and self.proc.stderr
        for raw in self.proc.stderr:
            now = time.monotonic()
            line = raw.decode(errors="replace")
            self.log_file.write(line)
            self.lines += 1
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            if rec.get("level") in ("error", "warn", "warning", "fatal", "panic"):
                self.n_errors += 1
                if len(self.errors) < 10:
                    self.errors.append(line.strip()[:400])
            if self.t_synced is None and self.synced_when(rec, self.seen):
                self.t_synced = now
        self.log_file.flush()

    def wait_synced(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while self.t_synced is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: caches not synced after {timeout:.0f}s; see {self.log_path}")
            time.sleep(0.02)
        return self.t_synced - self.t_start

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if not self.proc or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            log(f"{self.name} did not stop on SIGTERM in 15s: SIGKILL")
            self.proc.kill()
            self.proc.wait(5)
        self.reader.join(5)
        self.log_file.close()


def aura_synced(rec: dict, seen: set) -> bool:
    if rec.get("msg") == "cache synced":
        seen.add(rec.get("resource"))
    return len(seen) >= 3


def go_synced(rec: dict, seen: set) -> bool:
    return rec.get("msg") == "caches synced"


LIVE: list[Operator] = []


def make_operator(name: str, args, env: dict, log_path: Path) -> Operator:
    kc = env["kubeconfig"]
    if name == "aura":
        argv = [str(args.aura_bin), f"--kubeconfig={kc}", "--leader-elect=false", "--probe-port=0",
                "--log-format=json", f"--workers={args.workers}", f"--kube-qps={args.kube_qps:g}",
                f"--kube-burst={args.kube_burst}"]
        return Operator(name, argv, log_path, aura_synced, env_with(args.aura_env))
    argv = [str(args.go_bin), f"--kubeconfig={kc}", "--metrics-bind-address=127.0.0.1:0",
            f"--workers={args.workers}", f"--kube-qps={args.kube_qps:g}", f"--kube-burst={args.kube_burst}"]
    return Operator(name, argv + args.go_peer_args.split(), log_path, go_synced, env_with(args.go_peer_env))


def env_with(assignments: list[str]) -> Optional[dict]:
    if not assignments:
        return None
    env = dict(os.environ)
    for a in assignments:
        k, _, v = a.partition("=")
        env[k] = v
    return env


# ------------------------------------------------------------------ the machine
def other_heavy_processes() -> list[str]:
    me = os.getpid()
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == me or int(d.name) in MY_PIDS:
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if HEAVY.search(cmd) and "run_bench" not in cmd:
            out.append(f"{d.name} {cmd[:80]}")
    return out


def wait_for_quiet(max_wait: float) -> list[str]:
    """Waits (up to max_wait) until no build runs on the machine; returns what still runs."""
    deadline = time.monotonic() + max_wait
    busy = other_heavy_processes()
    if busy:
        log(f"a build is running ({busy[0]} ...): waiting up to {max_wait:.0f}s for it to finish")
    while busy and time.monotonic() < deadline:
        time.sleep(5)
        busy = other_heavy_processes()
    if busy:
        log(f"WARNING: measuring while other work runs: {busy[:3]}")
    return busy


# ------------------------------------------------------------------ one measurement
def idle_rss(name: str, args, env: dict, api: Api, logs: Path) -> dict:
    busy = wait_for_quiet(args.max_wait_quiet)
    op = make_operator(name, args, env, logs / f"{name}-empty.log")
    LIVE.append(op)
    op.start()
    try:
        sync = op.wait_synced(60)
        time.sleep(args.empty_settle)
        st = proc_status(op.pid)
        return {"operator": name, "sync_s": round(sync, 3), "rss_kb": st.get("VmRSS"),
                "peak_rss_kb": st.get("VmHWM"), "threads": st.get("Threads"),
                "log_errors": op.n_errors, "log_error_samples": op.errors[:3], "contention": busy}
    finally:
        op.stop()
        LIVE.remove(op)


def run_one(name: str, n: int, args, env: dict, api: Api, logs: Path, stamp: str) -> dict:
    ns = f"bench-{n}-{name}-{stamp}".lower()
    api.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": ns}}, ok=(201,))
    objs = make_objects(n)
    log(f"[{name} N={n}] creating {len(objs)} objects in {ns}")
    created_s = create_objects(api, ns, objs, args.create_threads)
    log(f"[{name} N={n}] created in {created_s:.1f}s ({len(objs) / created_s:.0f}/s)")
    names: dict[str, set[str]] = {p: set() for p in KINDS}
    for plural, o in objs:
        names[plural].add(o["metadata"]["name"])
    del objs
    res: dict = {"operator": name, "n": n, "namespace": ns, "create_s": round(created_s, 1)}
    try:
        time.sleep(2)  # let the apiserver settle after the burst of creates
        res["contention"] = wait_for_quiet(args.max_wait_quiet)
        tracker = Tracker(api, ns, names)
        tracker.start()
        time.sleep(0.5)
        w0 = api.write_counts()
        op = make_operator(name, args, env, logs / f"{name}-{n}.log")
        LIVE.append(op)
        op.start()
        try:
            res["sync_s"] = round(op.wait_synced(args.sync_timeout), 3)
            log(f"[{name} N={n}] caches synced after {res['sync_s']:.2f}s")
            timeout = args.reconcile_timeout or (120 + n * 0.12)
            last_report = last_sample = time.monotonic()
            while tracker.done_at is None:
                now = time.monotonic()
                if op.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {op.proc.returncode}; see {op.log_path}")
                if now - op.t_start > timeout:
                    break
                if now - last_sample > 10:  # did a build start during the measurement?
                    last_sample = now
                    busy = other_heavy_processes()
                    res["max_loadavg_1m"] = max(res.get("max_loadavg_1m", 0.0), os.getloadavg()[0])
                    if busy:
                        res.setdefault("contention_during", []).append(busy[0])
                if now - last_report > 30:
                    log(f"[{name} N={n}] {tracker.total - tracker.remaining()}/{tracker.total} reconciled "
                        f"after {now - op.t_start:.0f}s (RSS {proc_status(op.pid).get('VmRSS', 0) / 1024:.0f} MB)")
                    last_report = now
                time.sleep(0.05)
            if tracker.done_at is None:
                res["stuck"] = tracker.remaining()
                res["stuck_examples"] = {p: sorted(s)[:5] for p, s in tracker.pending.items() if s}
                log(f"[{name} N={n}] TIMEOUT: {res['stuck']} objects not reconciled after {timeout:.0f}s")
            else:
                t = tracker.done_at - op.t_start
                res["reconciled_s"] = round(t, 3)
                res["objects_per_s"] = round(n / t, 1)
                res["throughput_per_s"] = round(n / max(t - res["sync_s"], 1e-3), 1)
                log(f"[{name} N={n}] all {n} reconciled after {t:.1f}s ({n / t:.0f} objects/s)")
            for key, at in (("first_reconciled_s", tracker.first_at), ("half_reconciled_s", tracker.half_at)):
                if at is not None:
                    res[key] = round(at - op.t_start, 3)
            w1 = api.write_counts()
            res["writes_until_reconciled"] = diff_counts(w1, w0)
            res["writes_until_reconciled_total"] = sum(res["writes_until_reconciled"].values())
            # Let the queues drain (last status events, no-op passes), then the idle window.
            time.sleep(args.drain)
            w2 = api.write_counts()
            cpu2 = proc_cpu(op.pid)
            log(f"[{name} N={n}] idle window of {args.idle_seconds:.0f}s")
            time.sleep(args.idle_seconds)
            w3 = api.write_counts()
            idle = diff_counts(w3, w2)
            res["idle_writes"] = idle
            res["idle_writes_per_min"] = round(sum(idle.values()) * 60 / args.idle_seconds, 2)
            res["idle_cpu_s"] = round(proc_cpu(op.pid) - cpu2, 2)
            st = proc_status(op.pid)
            res["rss_kb"], res["peak_rss_kb"], res["threads"] = st.get("VmRSS"), st.get("VmHWM"), st.get("Threads")
            res["cpu_s"] = round(proc_cpu(op.pid), 2)
            res["watch_events"] = tracker.events
            res["watch_errors"] = tracker.errors[:5]
        finally:
            op.stop()
            LIVE.remove(op)
            tracker.close()
        res["not_reconciled_by_list"] = tracker.verify()
        res["log_errors"] = op.n_errors
        res["log_error_samples"] = op.errors[:5]
        res["log_lines"] = op.lines
        res["log"] = str(op.log_path)
    finally:
        log(f"[{name} N={n}] cleaning up {ns}")
        cleanup_namespace(api, ns, args.create_threads, timeout=300)
    return res


# ------------------------------------------------------------------ the report
FIGURES = [  # key, label, unit, better ("lower"/"higher"), scale
    ("sync_s", "time to first full sync", "s", "lower", 1),
    ("first_reconciled_s", "time until the first object is reconciled", "s", "lower", 1),
    ("half_reconciled_s", "time until half are reconciled", "s", "lower", 1),
    ("reconciled_s", "time until all reconciled", "s", "lower", 1),
    ("objects_per_s", "objects reconciled per s (N / time above)", "/s", "higher", 1),
    ("throughput_per_s", "objects per s after sync", "/s", "higher", 1),
    ("writes_until_reconciled_total", "aura.io writes until reconciled", "", "lower", 1),
    ("peak_rss_kb", "peak RSS (VmHWM)", "MB", "lower", 1 / 1024),
    ("rss_kb", "RSS settled (VmRSS after idle)", "MB", "lower", 1 / 1024),
    ("cpu_s", "CPU used (user+sys)", "s", "lower", 1),
    ("idle_writes_per_min", "idle writes per minute", "/min", "lower", 1),
]


def ratio(a, b) -> Optional[float]:
    if a is None or b is None:
        return None
    if b == 0:
        return None if a else 1.0
    return round(a / b, 3)


def fmt(v, scale=1) -> str:
    if v is None:
        return "-"
    v = v * scale
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def summarize(results: dict) -> tuple[str, list]:
    rows, comparisons = [], []
    emp = {e["operator"]: e for e in results["empty"]}
    if "aura" in emp and "go-peer" in emp:
        a, g = emp["aura"].get("rss_kb"), emp["go-peer"].get("rss_kb")
        comparisons.append({"n": 0, "figure": "idle RSS, no objects", "unit": "MB", "aura": a and a / 1024,
                            "go-peer": g and g / 1024, "ratio_aura_go": ratio(a, g), "better": "lower"})
        rows.append(("0", "idle RSS, no objects (MB)", fmt(a, 1 / 1024), fmt(g, 1 / 1024), fmt(ratio(a, g))))
        a, g = emp["aura"].get("sync_s"), emp["go-peer"].get("sync_s")
        comparisons.append({"n": 0, "figure": "time to first sync, no objects", "unit": "s", "aura": a,
                            "go-peer": g, "ratio_aura_go": ratio(a, g), "better": "lower"})
        rows.append(("0", "time to first sync, no objects (s)", fmt(a), fmt(g), fmt(ratio(a, g))))
    by = {(r["operator"], r["n"]): r for r in results["runs"]}
    for n in sorted({r["n"] for r in results["runs"]}):
        a_run, g_run = by.get(("aura", n), {}), by.get(("go-peer", n), {})
        for key, label, unit, better, scale in FIGURES:
            a, g = a_run.get(key), g_run.get(key)
            r = ratio(a, g)
            comparisons.append({"n": n, "figure": label, "unit": unit,
                                "aura": None if a is None else a * scale,
                                "go-peer": None if g is None else g * scale,
                                "ratio_aura_go": r, "better": better})
            rows.append((str(n), f"{label}" + (f" ({unit})" if unit else ""), fmt(a, scale), fmt(g, scale), fmt(r)))
    w = [max(len(r[i]) for r in rows + [("N", "figure", "aura", "go-peer", "aura/go")]) for i in range(5)]
    lines = []
    for r in [("N", "figure", "aura", "go-peer", "aura/go")] + rows:
        lines.append("  ".join(c.ljust(w[i]) if i < 2 else c.rjust(w[i]) for i, c in enumerate(r)))
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines), comparisons


# ------------------------------------------------------------------ the environment
def envctl(*argv: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ENVCTL), *argv], capture_output=True, text=True, timeout=timeout)


def apply_crds(env: dict, tmp: Path) -> None:
    kubectl = env["binaries"]["kubectl"]
    base = [kubectl, f"--kubeconfig={env['kubeconfig']}"]
    r = subprocess.run(base + ["apply", "--server-side", "--force-conflicts", "-f", str(REPO / "crds")],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0 and "metadata is implicitly specified" in r.stderr:
        # Newer kube-apiservers refuse a description on the root schema's metadata.
        log("WARNING: crds/ rejected (description on metadata); applying a copy without it")
        fixed = tmp / "crds"
        fixed.mkdir(exist_ok=True)
        for f in sorted((REPO / "crds").glob("*.yaml")):
            text = re.sub(r"(\n(\s+)metadata:\n)\2  description: [^\n]*\n(\2  type: object\n)", r"\1\3", f.read_text())
            (fixed / f.name).write_text(text)
        r = subprocess.run(base + ["apply", "--server-side", "--force-conflicts", "-f", str(fixed)],
                           capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"kubectl apply crds: {r.stderr.strip()}")
    r = subprocess.run(base + ["wait", "--for=condition=Established", "--timeout=60s"]
                       + [f"crd/{p}.{GROUP}" for p in KINDS], capture_output=True, text=True, timeout=90)
    if r.returncode != 0:
        raise RuntimeError(f"CRDs not established: {r.stderr.strip()}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000", help="object counts, comma-separated")
    p.add_argument("--operators", default="aura,go-peer")
    p.add_argument("--aura-bin", type=Path, default=REPO / "build" / "operator" / "aura-operator")
    p.add_argument("--go-bin", type=Path, default=CACHE_DIR / "bin" / "bench" / "go-controller")
    p.add_argument("--go-peer-args", default="",
                   help="extra flags for the Go peer, e.g. --strip-managed-fields=false")
    p.add_argument("--aura-env", action="append", default=[], metavar="KEY=VALUE",
                   help="environment variable for the Aura process, e.g. MALLOC_ARENA_MAX=2 (repeatable)")
    p.add_argument("--go-peer-env", action="append", default=[], metavar="KEY=VALUE",
                   help="environment variable for the Go peer, e.g. GOMEMLIMIT=100MiB (repeatable)")
    p.add_argument("--env-dir", type=Path,
                   help="control plane directory (default: a new one under the run's temporary directory)")
    p.add_argument("--reuse-env", action="store_true", help="use the environment in --env-dir if it is up")
    p.add_argument("--keep-env", action="store_true", help="leave the environment up at the end")
    p.add_argument("--kube-qps", type=float, default=50.0)
    p.add_argument("--kube-burst", type=int, default=100)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--create-threads", type=int, default=8)
    p.add_argument("--idle-seconds", type=float, default=60.0)
    p.add_argument("--drain", type=float, default=5.0, help="seconds between all-reconciled and the idle window")
    p.add_argument("--empty-settle", type=float, default=10.0, help="seconds after sync before reading empty RSS")
    p.add_argument("--sync-timeout", type=float, default=300.0)
    p.add_argument("--reconcile-timeout", type=float, default=0.0, help="default 120 s + 0.12 s per object")
    p.add_argument("--max-wait-quiet", type=float, default=1200.0,
                   help="how long to wait for other builds on the machine to finish before each measurement")
    p.add_argument("--out", type=Path, help="JSON results (default bench/operator/results-<date>.json)")
    p.add_argument("--no-empty", action="store_true", help="skip the no-object idle RSS measurement")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    operators = [o for o in args.operators.split(",") if o]
    for o in operators:
        if o not in ("aura", "go-peer"):
            p.error(f"unknown operator {o}")
    if "aura" in operators and not os.access(args.aura_bin, os.X_OK):
        p.error(f"{args.aura_bin} missing: cmake --build build --target aura-operator")
    if "go-peer" in operators and not os.access(args.go_bin, os.X_OK):
        log("building the Go peer")
        subprocess.run([str(REPO / "bench" / "peers" / "go-controller" / "build.sh")], check=True, timeout=1800)

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or REPO / "bench" / "operator" / f"results-{dt.date.today():%Y-%m-%d}.json"
    tmp = Path(tempfile.mkdtemp(prefix="aura-bench-"))
    if args.env_dir is None:
        if args.reuse_env:
            p.error("--reuse-env needs --env-dir")
        args.env_dir = tmp / "env"
    logs = tmp / "logs"
    logs.mkdir()
    started_env = False
    # Run copies: a rebuild during the run must not swap a binary between measurements.
    bins = tmp / "bin"
    bins.mkdir()
    for attr in ("aura_bin", "go_bin"):
        src = getattr(args, attr)
        if src.exists():
            dst = bins / src.name
            shutil.copy2(src, dst)
            setattr(args, attr, dst)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    try:
        envfile = args.env_dir / "env.json"
        if not (args.reuse_env and envfile.exists() and envctl("status", "--dir", str(args.env_dir)).returncode == 0):
            log(f"starting the control plane in {args.env_dir}")
            for attempt in range(3):
                r = envctl("up", "--dir", str(args.env_dir), "--no-aws", "--watch-cache")
                if r.returncode == 0:
                    break
                log(f"envctl up failed (attempt {attempt + 1}): {r.stderr.strip()[-600:]}")
                envctl("down", "--dir", str(args.env_dir))
                time.sleep(30)
            else:
                return 2
            started_env = True
        env = json.loads(envfile.read_text())
        MY_PIDS.update(int(p["pid"]) for p in env.get("processes", {}).values() if p.get("pid"))
        env.setdefault("kubeconfig", str(args.env_dir / "kubeconfig"))
        api = Api(Path(env["kubeconfig"]))
        apply_crds(env, tmp)
        # A CRD just established has its watch cache still initializing (429 to watches and
        # lists): wait until it serves, so neither operator's first sync pays for it.
        for plural in KINDS:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if api.request("GET", f"/apis/{GROUP}/{VERSION}/{plural}?resourceVersion=0&limit=1",
                                   ok=(), retries=1)[0] == 200:
                        break
                except RuntimeError:
                    pass
                time.sleep(0.5)
        time.sleep(5)

        results: dict = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                        "mem_total_kb": int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])},
            "settings": {"kube_qps": args.kube_qps, "kube_burst": args.kube_burst, "workers": args.workers,
                         "git_head": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                                    capture_output=True, text=True).stdout.strip(),
                         "go_peer_args": args.go_peer_args, "aura_env": args.aura_env,
                         "go_peer_env": args.go_peer_env,
                         "idle_seconds": args.idle_seconds, "sizes": sizes, "operators": operators,
                         "apiserver_watch_cache": True, "binaries": {
                             b.name: {"bytes": b.stat().st_size,
                                      "mtime": dt.datetime.fromtimestamp(b.stat().st_mtime).isoformat(timespec="seconds")}
                             for b in (args.aura_bin, args.go_bin) if b.exists()},
                         "mix": "1/3 EphemeralCluster, 1/3 NodePool, 1/3 AIJob; 1 in 20 NodePools/AIJobs "
                                "name a missing cluster"},
            "empty": [], "runs": [], "logs": str(logs),
        }
        if not args.no_empty:
            for name in operators:
                log(f"[{name}] RSS with no objects")
                e = idle_rss(name, args, env, api, logs)
                log(f"[{name}] empty: synced {e['sync_s']:.2f}s, RSS {e['rss_kb'] / 1024:.1f} MB")
                results["empty"].append(e)
        for n in sizes:
            for name in operators:
                results["runs"].append(run_one(name, n, args, env, api, logs, stamp))
                out.write_text(json.dumps(results, indent=2) + "\n")
        table, comparisons = summarize(results)
        results["comparison"] = comparisons
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nkube client limits: qps {args.kube_qps:g}, burst {args.kube_burst}; workers {args.workers} "
              f"per controller; idle window {args.idle_seconds:.0f}s\n")
        print(table)
        for r in results["runs"]:
            notes = []
            if r.get("stuck"):
                notes.append(f"{r['stuck']} objects not reconciled: {r.get('stuck_examples')}")
            if any(r.get("not_reconciled_by_list", {}).values()):
                notes.append(f"not reconciled by final list: {r['not_reconciled_by_list']}")
            if r.get("log_errors"):
                notes.append(f"{r['log_errors']} warn/error log lines, e.g. {r['log_error_samples'][:1]}")
            if r.get("idle_writes"):
                notes.append(f"idle writes: {r['idle_writes']}")
            if r.get("contention") or r.get("contention_during"):
                notes.append(f"measured while other work ran: {(r.get('contention') or r['contention_during'])[:2]}")
            for note in notes:
                print(f"  note [{r['operator']} N={r['n']}]: {note}")
        print(f"\nresults: {out}\nlogs: {logs}")
        return 0
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        return 130
    finally:
        for op in list(LIVE):
            op.stop()
        if started_env and not args.keep_env:
            envctl("down", "--dir", str(args.env_dir))
        shutil.rmtree(bins, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
