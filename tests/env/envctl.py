#!/usr/bin/env python3
"""envctl: Aura's local test environment on 127.0.0.1 (stdlib only).

    envctl.py up --dir DIR [--no-aws] [--no-controller-manager] [--aws-policy FILE] [--watch-cache]
    envctl.py down --dir DIR
    envctl.py status --dir DIR [--json]
    envctl.py restart {apiserver,controller-manager} --dir DIR [--child NAME]
    envctl.py compact --dir DIR
    envctl.py child up --dir DIR --name NAME [--controller-manager] [--eks-cluster NAME|'*' [--eks-region R]]
    envctl.py child down --dir DIR --name NAME
    envctl.py child lb-controller start --dir DIR --name NAME --cluster-name EKSNAME [--region R]
                                        [--default-tags k=v,...] [--vpc-id VPC]
    envctl.py child lb-controller stop --dir DIR --name NAME

`up` starts etcd, kube-apiserver, kube-controller-manager and moto's server
(authentication on) on free loopback ports and writes into DIR: kubeconfig,
ca.crt, env.sh, env.json and logs/. Every process runs in its own process
group, recorded in env.json, which `down` stops. See docs/test-env.md.

`child up --eks-cluster NAME` binds the child to an EKS cluster of moto: its
DescribeCluster answers the child's endpoint and CA, and the child's
kube-apiserver authenticates EKS bearer tokens through moto's token webhook
(tests/env/moto_ext/authn_webhook.py), mapping callers with the cluster's
access entries.

`child lb-controller start` runs, as a process of that child, a stand-in for the
AWS Load Balancer Controller (tests/env/child_controllers/
aws_load_balancer_controller.py): Services of type LoadBalancer in the child get
a network load balancer, target groups, listeners and a security group in moto,
tagged as LBC tags them, and lose them when deleted. It runs as the moto IAM user
`aws-load-balancer-controller` (made on first start with the admin credentials,
holding child_controllers/aws-load-balancer-controller-policy.json; its key is
kept in env.json under aws.lb_controller). `child down` and `down` stop it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import fcntl
import json
import os
import secrets
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

KUBE_VERSION = "v1.37.2"
ETCD_VERSION = "v3.6.16"
MOTO_VERSION = "5.2.5"
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
KUBE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
AWS_REGION = "us-east-1"
SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/12"
SA_ISSUER = "https://kubernetes.default.svc.cluster.local"

START_TIMEOUT = float(os.environ.get("AURA_ENV_START_TIMEOUT", "120"))
STOP_TIMEOUT = 15.0
POLL = 0.2  # interval between two checks of a condition that has a deadline


class EnvError(Exception):
    pass


# ---------------------------------------------------------------- utilities
def log(msg: str) -> None:
    print(f"envctl: {msg}", flush=True)


def cache_dir() -> Path:
    return Path(os.environ.get("AURA_CACHE_DIR") or Path.home() / ".cache" / "aura")


def kube_bin_dir() -> Path:
    return cache_dir() / "bin" / f"kubernetes-{KUBE_VERSION}"


def etcd_bin() -> Path:
    return cache_dir() / "bin" / f"etcd-{ETCD_VERSION}" / "etcd"


def moto_python() -> Path:
    return cache_dir() / f"venv-moto-{MOTO_VERSION}" / "bin" / "python"


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def free_ports(n: int) -> list[int]:
    """n distinct free ports on 127.0.0.1 (the kernel picks them; all sockets are
    held until all are picked, so they differ). Another process may still take
    one before our server binds it: start() retries on 'address already in use'."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_until(what: str, check: Callable[[], bool], timeout: float,
               proc: Optional["Proc"] = None) -> None:
    """Polls check() until it is true; fails at the deadline or as soon as proc dies."""
    deadline = time.monotonic() + timeout
    last_err = ""
    while True:
        try:
            if check():
                return
        except Exception as e:  # a probe failing is the normal state while starting
            last_err = f" (last error: {type(e).__name__}: {e})"
        if proc is not None and not proc.alive():
            raise EnvError(f"{proc.name} exited while waiting for {what}\n{proc.log_tail()}")
        if time.monotonic() >= deadline:
            tail = f"\n{proc.log_tail()}" if proc else ""
            raise EnvError(f"timed out after {timeout:.0f}s waiting for {what}{last_err}{tail}")
        time.sleep(POLL)


def https_get(url: str, cafile: Path, token: Optional[str] = None, timeout: float = 5) -> tuple[int, bytes]:
    ctx = ssl.create_default_context(cafile=str(cafile))
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def https_json(method: str, url: str, cafile: Path, token: str, body: Optional[dict] = None,
               timeout: float = 10) -> tuple[int, dict]:
    ctx = ssl.create_default_context(cafile=str(cafile))
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def moto_admin(st: "State", method: str, path: str, body: Optional[dict] = None,
               timeout: float = 10) -> tuple[int, dict]:
    """A call to moto's /aura-env/ admin API."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{st.data['aws']['endpoint']}/aura-env/{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def http_json(url: str, body: Optional[dict] = None, timeout: float = 10) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"{}")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


# ---------------------------------------------------------------- processes
def _proc_stat(pid: int) -> Optional[list[str]]:
    """Fields of /proc/PID/stat after the command name, or None if gone.
    [0] is the state, [2] the process group, [19] the start time."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return data[data.rindex(")") + 2:].split()


def _group_members(pgid: int, not_before: int) -> list[int]:
    """Live (non-zombie) processes of group pgid started no earlier than the
    group leader was (so a recycled group id is not mistaken for ours)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = _proc_stat(int(entry))
        if st and int(st[2]) == pgid and st[0] != "Z" and int(st[19]) >= not_before:
            members.append(int(entry))
    return members


@dataclass
class Proc:
    """A process that envctl started, as recorded in env.json."""
    name: str
    cmd: list[str]
    log: str
    pid: int = 0
    start_time: int = 0  # from /proc/PID/stat, guards against pid reuse
    env: dict = field(default_factory=dict)  # extra environment

    def to_json(self) -> dict:
        return {"name": self.name, "cmd": self.cmd, "log": self.log, "pid": self.pid,
                "pgid": self.pid, "start_time": self.start_time, "env": self.env}

    @classmethod
    def from_json(cls, d: dict) -> "Proc":
        return cls(name=d["name"], cmd=d["cmd"], log=d["log"], pid=d["pid"],
                   start_time=d["start_time"], env=d.get("env", {}))

    def start(self) -> None:
        Path(self.log).parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as logf:
            logf.write(f"\n===== envctl: starting {self.name} at {time.strftime('%Y-%m-%dT%H:%M:%S')}: "
                       f"{shlex.join(self.cmd)}\n".encode())
            logf.flush()
            p = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                 start_new_session=True, env={**os.environ, **self.env})
        self._popen = p
        self.pid = p.pid
        st = _proc_stat(p.pid)
        self.start_time = int(st[19]) if st else 0

    def alive(self) -> bool:
        popen = getattr(self, "_popen", None)
        if popen is not None:
            return popen.poll() is None
        return bool(self.members())

    def members(self) -> list[int]:
        if not self.pid:
            return []
        return _group_members(self.pid, self.start_time)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the process group, SIGKILL after the deadline; returns
        when no process of the group is left."""
        if not self.members():
            self._reap()
            return
        self._signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.members() and time.monotonic() < deadline:
            self._reap()
            time.sleep(POLL)
        if self.members():
            log(f"{self.name} (pid {self.pid}) did not stop in {timeout:.0f}s; SIGKILL")
            self._signal(signal.SIGKILL)
            wait_until(f"{self.name} to die after SIGKILL", lambda: (self._reap(), not self.members())[1], 10)
        self._reap()

    def _signal(self, sig: int) -> None:
        for pid in self.members():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _reap(self) -> None:
        popen = getattr(self, "_popen", None)
        if popen is not None:
            popen.poll()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = Path(self.log).read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return f"(no log at {self.log})"
        return f"--- last {min(lines, len(text))} lines of {self.log} ---\n" + "\n".join(text[-lines:])

    def port_in_use_failure(self) -> bool:
        try:
            tail = Path(self.log).read_text(errors="replace")[-20000:]
        except FileNotFoundError:
            return False
        return "address already in use" in tail


# ---------------------------------------------------------------- state
class State:
    """DIR/env.json plus a lock so that two envctl calls on one DIR don't interleave."""

    def __init__(self, directory: Path):
        self.dir = directory.resolve()
        self.path = self.dir / "env.json"
        self.data: dict = {}

    @contextlib.contextmanager
    def locked(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".envctl.lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                self.data = json.loads(self.path.read_text()) if self.path.exists() else {}
                yield self
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=2) + "\n", 0o600)

    def procs(self, scope: Optional[dict] = None) -> dict[str, Proc]:
        scope = self.data if scope is None else scope
        return {k: Proc.from_json(v) for k, v in scope.get("processes", {}).items()}

    def set_proc(self, proc: Proc, scope: Optional[dict] = None) -> None:
        scope = self.data if scope is None else scope
        scope.setdefault("processes", {})[proc.name] = proc.to_json()
        self.save()


# ---------------------------------------------------------------- binaries
def ensure_binaries(need_moto: bool) -> dict:
    kube = kube_bin_dir()
    missing = [b for b in KUBE_BINARIES if not os.access(kube / b, os.X_OK)]
    if missing or not os.access(etcd_bin(), os.X_OK):
        log(f"binaries missing ({', '.join(missing) or 'etcd'}); running tests/env/build-binaries.sh "
            "(about 5 minutes cold)")
        subprocess.run([str(HERE / "build-binaries.sh")], check=True)
    bins = {b: str(kube / b) for b in KUBE_BINARIES}
    bins["etcd"] = str(etcd_bin())
    if need_moto:
        if not os.access(moto_python(), os.X_OK) or not (moto_python().parent.parent / ".aura-complete").exists():
            log("moto venv missing; running tests/env/setup-moto.sh")
            subprocess.run([str(HERE / "setup-moto.sh")], check=True)
        bins["moto-python"] = str(moto_python())
    return bins


# ---------------------------------------------------------------- PKI and files
def gen_sa_keypair(d: Path) -> tuple[Path, Path]:
    key, pub = d / "sa.key", d / "sa.pub"
    if not key.exists():
        d.mkdir(parents=True, exist_ok=True)
        run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", str(key)])
        os.chmod(key, 0o600)
        run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)])
    return key, pub


def write_tokens(d: Path, users: dict[str, tuple[str, list[str]]]) -> dict[str, str]:
    """Static token file for --token-auth-file: users maps user -> (uid, groups).
    Keeps tokens across calls (restart keeps working kubeconfigs)."""
    path = d / "tokens.csv"
    existing = {}
    if path.exists():
        for line in path.read_text().splitlines():
            parts = next(csv.reader([line]))
            existing[parts[1]] = parts[0]
    tokens = {u: existing.get(u) or secrets.token_hex(24) for u in users}
    lines = []
    for user, (uid, groups) in users.items():
        row = f"{tokens[user]},{user},{uid}"
        if groups:
            row += ',"' + ",".join(groups) + '"'
        lines.append(row)
    write_atomic(path, "\n".join(lines) + "\n", 0o600)
    return tokens


def kubeconfig_text(server: str, ca: Path, user: str, token: str, cluster: str) -> str:
    ca_b64 = base64.b64encode(ca.read_bytes()).decode()
    # JSON is valid YAML: no YAML library needed.
    return json.dumps({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": server,
                                                   "certificate-authority-data": ca_b64}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
    }, indent=2) + "\n"


def extract_ca(cert_file: Path) -> str:
    """kube-apiserver --cert-dir writes apiserver.crt as the serving cert
    followed by the self-signed CA that issued it: return the CA (last block)."""
    text = cert_file.read_text()
    blocks = [b + "-----END CERTIFICATE-----\n" for b in text.split("-----END CERTIFICATE-----")
              if "-----BEGIN CERTIFICATE-----" in b]
    if not blocks:
        raise EnvError(f"no certificate in {cert_file}")
    return blocks[-1].lstrip()


# ---------------------------------------------------------------- components
def start_with_port_retry(make: Callable[[], Proc], ready: Callable[[Proc], None],
                          reroll: Optional[Callable[[], None]], attempts: int = 3) -> Proc:
    """Starts the process made by make(), waits with ready(proc); if it died
    because a port was taken meanwhile, picks new ports (reroll) and tries again."""
    for attempt in range(attempts):
        proc = make()
        proc.start()
        try:
            ready(proc)
            return proc
        except EnvError:
            died = not proc.alive()
            proc.stop()
            if died and reroll is not None and proc.port_in_use_failure() and attempt + 1 < attempts:
                log(f"{proc.name}: port taken, retrying with other ports")
                reroll()
                continue
            raise
    raise AssertionError("unreachable")


def start_etcd(st: State, bins: dict) -> None:
    d = st.dir
    ports = {}

    def reroll():
        ports["client"], ports["peer"] = free_ports(2)

    def make() -> Proc:
        c, p = ports["client"], ports["peer"]
        return Proc("etcd", [
            bins["etcd"], "--name", "aura", "--data-dir", str(d / "etcd"),
            "--listen-client-urls", f"http://127.0.0.1:{c}",
            "--advertise-client-urls", f"http://127.0.0.1:{c}",
            "--listen-peer-urls", f"http://127.0.0.1:{p}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{p}",
            "--initial-cluster", f"aura=http://127.0.0.1:{p}",
            "--initial-cluster-state", "new",
            # A test env does not need durable writes; this spares a slow disk.
            "--unsafe-no-fsync",
            "--log-level", "warn",
        ], str(d / "logs" / "etcd.log"))

    def ready(proc: Proc) -> None:
        url = f"http://127.0.0.1:{ports['client']}/health"
        wait_until("etcd /health", lambda: http_json(url, timeout=2).get("health") == "true",
                   START_TIMEOUT, proc)

    reroll()
    t0 = time.monotonic()
    proc = start_with_port_retry(make, ready, reroll)
    st.data["etcd"] = {"endpoint": f"http://127.0.0.1:{ports['client']}",
                       "client_port": ports["client"], "peer_port": ports["peer"],
                       "data_dir": str(d / "etcd")}
    st.set_proc(proc)
    log(f"etcd ready on {st.data['etcd']['endpoint']} ({time.monotonic() - t0:.1f}s)")


@dataclass
class Cluster:
    """One Kubernetes control plane: the management cluster, or a child under
    DIR/children/NAME. `scope` is where its state lives in env.json."""
    name: str
    dir: Path
    scope: dict
    etcd_prefix: str

    @property
    def logs(self) -> Path:
        return self.dir / "logs"


def apiserver_cmd(cl: Cluster, bins: dict, etcd_endpoint: str, port: int, watch_cache: bool,
                  no_sa_admission: bool) -> list[str]:
    a = cl.dir / "apiserver"
    cmd = [
        bins["kube-apiserver"],
        "--etcd-servers", etcd_endpoint,
        "--etcd-prefix", cl.etcd_prefix,
        "--bind-address", "127.0.0.1",
        "--advertise-address", "127.0.0.1",
        # Since 1.37 the endpoint reconcilers refuse a loopback advertise
        # address; nothing runs in-cluster here, so the `kubernetes` Service
        # needs no endpoints.
        "--endpoint-reconciler-type", "none",
        "--secure-port", str(port),
        "--cert-dir", str(a / "certs"),
        "--token-auth-file", str(a / "tokens.csv"),
        "--authorization-mode", "RBAC",
        "--service-account-issuer", SA_ISSUER,
        "--service-account-key-file", str(a / "sa.pub"),
        "--service-account-signing-key-file", str(a / "sa.key"),
        "--api-audiences", SA_ISSUER,
        "--service-cluster-ip-range", SERVICE_CLUSTER_IP_RANGE,
        "--allow-privileged=true",
        # Shut the HTTP server down within 2s of SIGTERM (else it waits up to
        # the 60s request timeout for open watch streams), answering 429 with
        # Retry-After meanwhile, as a real apiserver in an HA setup does.
        "--shutdown-send-retry-after=true",
        # No watch cache: every watch is an etcd watch, so `envctl compact`
        # makes a watch or list from an older resourceVersion fail with 410 Gone.
        f"--watch-cache={'true' if watch_cache else 'false'}",
        "--profiling=false",
        "--v=1",
    ]
    eks = cl.scope.get("eks")
    if eks:
        # EKS bearer tokens (k8s-aws-v1.<presigned STS URL>) go to moto's token
        # webhook after the static tokens; no webhook cache by default (the
        # apiserver still keeps a token's success for 10 s, whatever this says).
        cmd += ["--authentication-token-webhook-config-file", eks["webhook_config"],
                "--authentication-token-webhook-version", "v1",
                "--authentication-token-webhook-cache-ttl", eks.get("cache_ttl", "0s")]
    if no_sa_admission:
        # Without kube-controller-manager nobody creates the `default`
        # ServiceAccount, and the ServiceAccount admission plugin would reject pods.
        cmd += ["--disable-admission-plugins", "ServiceAccount"]
    return cmd


def start_apiserver(st: State, cl: Cluster, bins: dict, *, port: Optional[int] = None,
                    watch_cache: bool = False, no_sa_admission: bool = False) -> None:
    """Starts (or restarts, with port given) a cluster's kube-apiserver and
    writes its ca.crt and kubeconfig."""
    a = cl.dir / "apiserver"
    gen_sa_keypair(a)
    tokens = write_tokens(a, {
        "aura-admin": ("aura-admin", ["system:masters"]),
        "system:kube-controller-manager": ("system:kube-controller-manager", []),
        "system:kube-scheduler": ("system:kube-scheduler", []),
    })
    fixed_port = port is not None
    ports = {"port": port or 0}

    def reroll():
        ports["port"] = free_ports(1)[0]

    if not fixed_port:
        reroll()

    def make() -> Proc:
        return Proc("kube-apiserver", apiserver_cmd(cl, bins, st.data["etcd"]["endpoint"], ports["port"],
                                                    watch_cache, no_sa_admission),
                    str(cl.logs / "kube-apiserver.log"))

    cert = a / "certs" / "apiserver.crt"
    ca = cl.dir / "ca.crt"

    def ready(proc: Proc) -> None:
        wait_until(f"{cert} (kube-apiserver serving cert)", cert.exists, START_TIMEOUT, proc)
        write_atomic(ca, extract_ca(cert))
        url = f"https://127.0.0.1:{ports['port']}/readyz"
        wait_until(f"kube-apiserver {url}",
                   lambda: https_get(url, ca, tokens["aura-admin"], timeout=5)[0] == 200,
                   START_TIMEOUT, proc)

    t0 = time.monotonic()
    proc = start_with_port_retry(make, ready, None if fixed_port else reroll)
    server = f"https://127.0.0.1:{ports['port']}"
    write_atomic(cl.dir / "kubeconfig", kubeconfig_text(server, ca, "aura-admin", tokens["aura-admin"], cl.name), 0o600)
    kcm_kc = a / "controller-manager.kubeconfig"
    write_atomic(kcm_kc, kubeconfig_text(server, ca, "system:kube-controller-manager",
                                         tokens["system:kube-controller-manager"], cl.name), 0o600)
    write_atomic(a / "scheduler.kubeconfig", kubeconfig_text(server, ca, "system:kube-scheduler",
                                                             tokens["system:kube-scheduler"], cl.name), 0o600)
    cl.scope["apiserver"] = {"url": server, "port": ports["port"], "etcd_prefix": cl.etcd_prefix,
                             "cert_dir": str(a / "certs"), "watch_cache": watch_cache,
                             "no_sa_admission": no_sa_admission, "service_account_issuer": SA_ISSUER}
    cl.scope["kubeconfig"] = str(cl.dir / "kubeconfig")
    cl.scope["ca_crt"] = str(ca)
    cl.scope["admin_token"] = tokens["aura-admin"]
    st.set_proc(proc, cl.scope)
    log(f"{cl.name}: kube-apiserver ready on {server} ({time.monotonic() - t0:.1f}s)")


def start_controller_manager(st: State, cl: Cluster, bins: dict) -> None:
    a = cl.dir / "apiserver"
    kc = a / "controller-manager.kubeconfig"
    ports = {}

    def reroll():
        ports["port"] = free_ports(1)[0]

    def make() -> Proc:
        return Proc("kube-controller-manager", [
            bins["kube-controller-manager"],
            "--kubeconfig", str(kc),
            "--authentication-kubeconfig", str(kc),
            "--authorization-kubeconfig", str(kc),
            "--bind-address", "127.0.0.1",
            "--secure-port", str(ports["port"]),
            "--cert-dir", str(cl.dir / "controller-manager" / "certs"),
            "--service-account-private-key-file", str(a / "sa.key"),
            "--root-ca-file", str(cl.dir / "ca.crt"),
            "--use-service-account-credentials=true",
            # One instance: leader election would only add a wait at start and
            # make it exit when an apiserver restart outlasts the renew deadline.
            "--leader-elect=false",
            # Tokens only, no client CA: the extension-apiserver-authentication
            # ConfigMap never appears, so don't look it up (endless log noise).
            "--authentication-skip-lookup=true",
            "--cluster-name", cl.name,
            "--v=1",
        ], str(cl.logs / "kube-controller-manager.log"))

    ca = cl.dir / "ca.crt"
    token = cl.scope["admin_token"]
    server = cl.scope["apiserver"]["url"]

    def ready(proc: Proc) -> None:
        # Ready for tests when its controllers act: the ServiceAccount controller
        # creates default/default and the root CA publisher kube-root-ca.crt.
        for what, path in (("ServiceAccount default/default", "/api/v1/namespaces/default/serviceaccounts/default"),
                           ("ConfigMap default/kube-root-ca.crt", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt")):
            wait_until(f"kube-controller-manager to create {what}",
                       lambda: https_get(server + path, ca, token)[0] == 200, START_TIMEOUT, proc)

    reroll()
    t0 = time.monotonic()
    proc = start_with_port_retry(make, ready, reroll)
    cl.scope["controller_manager"] = {"port": ports["port"]}
    st.set_proc(proc, cl.scope)
    log(f"{cl.name}: kube-controller-manager ready ({time.monotonic() - t0:.1f}s)")


# What the operator process may do in AWS: only the policy Aura ships.
OPERATOR_POLICY = REPO / "config" / "iam" / "aura-operator-policy.json"


def start_moto(st: State, bins: dict, policy: Optional[str], operator_policy: Optional[str]) -> None:
    d = st.dir
    creds_file = d / "moto" / "credentials.json"
    with contextlib.suppress(FileNotFoundError):
        creds_file.unlink()
    cmd = [bins["moto-python"], str(HERE / "moto_launcher.py"), "serve",
           "--host", "127.0.0.1", "--port", "0", "--credentials-out", str(creds_file)]
    if policy:
        cmd += ["--policy", str(Path(policy).resolve())]
    if operator_policy:
        cmd += ["--operator-policy", str(Path(operator_policy).resolve())]
    # The launcher binds port 0 itself and reports the port: no race.
    proc = Proc("moto", cmd, str(d / "logs" / "moto.log"), env={"PYTHONUNBUFFERED": "1"})
    t0 = time.monotonic()
    proc.start()
    try:
        wait_until("moto credentials file", creds_file.exists, START_TIMEOUT, proc)
        info = json.loads(creds_file.read_text())
        url = f"{info['endpoint']}/aura-env/healthz"
        wait_until(f"moto {url}", lambda: urllib.request.urlopen(url, timeout=2).status == 200,
                   START_TIMEOUT, proc)
    except BaseException:
        proc.stop()
        raise
    st.data["aws"] = {"endpoint": info["endpoint"], "port": info["port"], "region": AWS_REGION,
                      "access_key_id": info["aws_access_key_id"],
                      "secret_access_key": info["aws_secret_access_key"],
                      "user_arn": info["user_arn"], "account_id": info["account_id"],
                      "policy": str(Path(policy).resolve()) if policy else None,
                      "credentials_file": str(creds_file),
                      "authn_webhook": info.get("authn_webhook")}
    scoped = info.get("operator")
    if scoped:
        st.data["aws"]["operator"] = {"access_key_id": scoped["aws_access_key_id"],
                                      "secret_access_key": scoped["aws_secret_access_key"],
                                      "user_arn": scoped["user_arn"],
                                      "policy": str(Path(operator_policy).resolve())}
    st.set_proc(proc)
    log(f"moto ready on {info['endpoint']} as {info['user_arn']} ({time.monotonic() - t0:.1f}s)")


def write_env_files(st: State) -> None:
    d = st.dir
    env = {"AURA_ENV_DIR": str(d), "KUBECONFIG": str(d / "kubeconfig")}
    aws = st.data.get("aws")
    if aws:
        env.update({"AWS_ENDPOINT_URL": aws["endpoint"], "AWS_ACCESS_KEY_ID": aws["access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": aws["secret_access_key"],
                    "AWS_REGION": AWS_REGION, "AWS_DEFAULT_REGION": AWS_REGION})
        if aws.get("operator"):
            env.update({"AURA_OPERATOR_AWS_ACCESS_KEY_ID": aws["operator"]["access_key_id"],
                        "AURA_OPERATOR_AWS_SECRET_ACCESS_KEY": aws["operator"]["secret_access_key"]})
    st.data["env"] = env
    lines = ["# Source this file: . " + shlex.quote(str(d / "env.sh"))]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    if not aws:
        lines.append("unset AWS_ENDPOINT_URL")
    lines.append(f"export PATH={shlex.quote(str(kube_bin_dir()))}:\"$PATH\"")
    write_atomic(d / "env.sh", "\n".join(lines) + "\n", 0o600)
    st.save()


def mgmt_cluster(st: State) -> Cluster:
    return Cluster("aura-env", st.dir, st.data, "/registry")


def child_cluster(st: State, name: str, create: bool = False) -> Cluster:
    children = st.data.setdefault("children", {})
    if name not in children:
        if not create:
            raise EnvError(f"no child cluster {name!r} in {st.dir}")
        children[name] = {"name": name}
    return Cluster(name, st.dir / "children" / name, children[name], f"/children/{name}")


# ---------------------------------------------------------------- stopping
def stop_scope(st: State, scope: dict, order: list[str]) -> None:
    procs = st.procs(scope)
    names = [n for n in order if n in procs] + [n for n in procs if n not in order]
    for name in names:
        proc = procs[name]
        if proc.members():
            log(f"stopping {name} (pid {proc.pid})")
        proc.stop()
        scope["processes"].pop(name)
        st.save()


# Controllers that talk to a cluster's apiserver go before it.
LB_CONTROLLER = "aws-load-balancer-controller"  # the process's name, and its IAM user's
CLUSTER_STOP_ORDER = [LB_CONTROLLER, "kube-scheduler", "kube-controller-manager", "kube-apiserver"]


def stop_all(st: State) -> None:
    for name in list(st.data.get("children", {})):
        stop_scope(st, st.data["children"][name], CLUSTER_STOP_ORDER)
    stop_scope(st, st.data, CLUSTER_STOP_ORDER + ["moto", "etcd"])


def running(st: State) -> dict[str, bool]:
    out = {f"{n}": p.alive() for n, p in st.procs().items()}
    for cname, c in st.data.get("children", {}).items():
        out.update({f"{cname}/{n}": p.alive() for n, p in st.procs(c).items()})
    return out


# ---------------------------------------------------------------- commands
def cmd_up(args) -> int:
    st = State(Path(args.dir))
    with st.locked():
        alive = running(st)
        if alive and all(alive.values()):
            log(f"already up in {st.dir} ({', '.join(alive)}); `down` first to restart")
            return 0
        if any(alive.values()):
            raise EnvError(f"partly up in {st.dir} ({alive}); run `envctl.py down --dir {st.dir}` first")
        t0 = time.monotonic()
        bins = ensure_binaries(need_moto=not args.no_aws)
        st.data = {"version": 1, "dir": str(st.dir), "kubernetes_version": KUBE_VERSION,
                   "etcd_version": ETCD_VERSION, "binaries": bins, "processes": {}, "children": {}}
        (st.dir / "logs").mkdir(parents=True, exist_ok=True)
        st.save()
        try:
            cl = mgmt_cluster(st)
            start_etcd(st, bins)
            start_apiserver(st, cl, bins, watch_cache=args.watch_cache,
                            no_sa_admission=args.no_controller_manager)
            if not args.no_controller_manager:
                start_controller_manager(st, cl, bins)
            if not args.no_aws:
                start_moto(st, bins, args.aws_policy,
                           None if args.operator_aws_policy == "none" else args.operator_aws_policy)
            write_env_files(st)
        except BaseException:
            log("start failed; stopping what was started")
            stop_all(st)
            raise
        log(f"up in {time.monotonic() - t0:.1f}s: . {st.dir / 'env.sh'}")
        print_summary(st)
    return 0


def print_summary(st: State) -> None:
    d = st.data
    print(f"  kubeconfig  {d['kubeconfig']}  ({d['apiserver']['url']})")
    print(f"  etcd        {d['etcd']['endpoint']}")
    if d.get("aws"):
        print(f"  aws         {d['aws']['endpoint']}  ({d['aws']['user_arn']})")
    print(f"  kubectl     {d['binaries']['kubectl']}")
    print(f"  env         . {st.dir / 'env.sh'}   (details: {st.path})")


def cmd_down(args) -> int:
    st = State(Path(args.dir))
    if not st.path.exists():
        log(f"nothing to stop in {st.dir}")
        return 0
    with st.locked():
        stop_all(st)
        log(f"down: no process left for {st.dir}")
    return 0


def cmd_status(args) -> int:
    st = State(Path(args.dir))
    if not st.path.exists():
        print(f"no environment in {st.dir}")
        return 3
    with st.locked():
        d = st.data
        health = {}
        for name, alive in running(st).items():
            health[name] = "running" if alive else "dead"
        ok = bool(health) and all(v == "running" for v in health.values())
        if d.get("apiserver") and "kube-apiserver" in st.procs():
            code = _safe(lambda: https_get(d["apiserver"]["url"] + "/readyz", Path(d["ca_crt"]), d["admin_token"])[0])
            health["kube-apiserver /readyz"] = str(code)
            ok = ok and code == 200
        if args.json:
            print(json.dumps({"ok": ok, "processes": health, "env": d.get("env", {})}, indent=2))
        else:
            for k, v in health.items():
                print(f"  {k:32} {v}")
            if d.get("apiserver"):
                print(f"  kubeconfig {d.get('kubeconfig')}  server {d['apiserver']['url']}")
            for cname, c in d.get("children", {}).items():
                if c.get("apiserver"):
                    eks = f"  EKS cluster {c['eks']['cluster']!r}" if c.get("eks") else ""
                    print(f"  child {cname}: kubeconfig {c.get('kubeconfig')}  server {c['apiserver']['url']}{eks}")
                lbc = c.get("lb_controller")
                if lbc and LB_CONTROLLER in st.procs(c):
                    print(f"  child {cname}: {LB_CONTROLLER} for EKS cluster {lbc['cluster_name']!r} "
                          f"({lbc['region']}), log {st.procs(c)[LB_CONTROLLER].log}")
            print("ok" if ok else "NOT OK")
    return 0 if ok else 1


def _safe(f):
    try:
        return f()
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def cmd_restart(args) -> int:
    st = State(Path(args.dir))
    with st.locked():
        if not st.data:
            raise EnvError(f"no environment in {st.dir}")
        cl = child_cluster(st, args.child) if args.child else mgmt_cluster(st)
        bins = st.data["binaries"]
        procs = st.procs(cl.scope)
        name = {"apiserver": "kube-apiserver", "controller-manager": "kube-controller-manager"}[args.component]
        if name not in procs:
            raise EnvError(f"{cl.name} has no {name}")
        t0 = time.monotonic()
        log(f"{cl.name}: stopping {name} (pid {procs[name].pid})")
        procs[name].stop()
        if name == "kube-apiserver":
            api = cl.scope["apiserver"]
            start_apiserver(st, cl, bins, port=api["port"], watch_cache=api["watch_cache"],
                            no_sa_admission=api["no_sa_admission"])
        else:
            start_controller_manager(st, cl, bins)
        log(f"{cl.name}: {name} restarted in {time.monotonic() - t0:.1f}s")
    return 0


def cmd_compact(args) -> int:
    st = State(Path(args.dir))
    with st.locked():
        if not st.data.get("etcd"):
            raise EnvError(f"no etcd in {st.dir}")
        ep = st.data["etcd"]["endpoint"]
        # Two writes to a key outside every apiserver's prefix first: a watch
        # from resourceVersion R resumes at R+1, so with the compaction at
        # R+2 or later every resourceVersion seen before this command is too
        # old afterwards, whether or not anything else was written since.
        key = base64.b64encode(b"/aura-env/compact-bump").decode()
        http_json(f"{ep}/v3/kv/put", {"key": key, "value": base64.b64encode(b"1").decode()})
        http_json(f"{ep}/v3/kv/deleterange", {"key": key})
        status = http_json(f"{ep}/v3/maintenance/status", {})
        rev = int(status["header"]["revision"])
        # physical: return only once the compaction is applied, so a watch from
        # an older revision fails right after this command.
        http_json(f"{ep}/v3/kv/compaction", {"revision": str(rev), "physical": True}, timeout=60)
        log(f"etcd compacted at revision {rev}")
        print(rev)
    return 0


# Groups the token webhook gives for cluster-scoped EKS access policies
# (moto_ext/authn_webhook.py: POLICY_GROUPS; AmazonEKSClusterAdminPolicy is
# system:masters, which needs no binding), each bound to a ClusterRole of the
# same name holding the rules of the aggregated view/edit/admin roles: those are
# filled by kube-controller-manager's aggregation controller, which a child may
# not run, so the rules are copied from the system:aggregate-to-* roles.
EKS_POLICY_ROLES = {"aura-env:eks:view": ["view"], "aura-env:eks:edit": ["view", "edit"],
                    "aura-env:eks:admin": ["view", "edit", "admin"]}


def write_webhook_config(st: State, cl: Cluster) -> Path:
    """The kubeconfig-format file of --authentication-token-webhook-config-file:
    moto's TLS webhook port, the path of this child, the webhook's CA."""
    hook = st.data["aws"]["authn_webhook"]
    path = cl.dir / "apiserver" / "authn-webhook.kubeconfig"
    ca_b64 = base64.b64encode(Path(hook["ca_file"]).read_bytes()).decode()
    write_atomic(path, json.dumps({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "aura-env-authn-webhook", "cluster": {
            "server": f"{hook['url']}/aura-env/authn/{cl.name}", "certificate-authority-data": ca_b64}}],
        "users": [{"name": "kube-apiserver", "user": {}}],
        "contexts": [{"name": "webhook", "context": {"cluster": "aura-env-authn-webhook", "user": "kube-apiserver"}}],
        "current-context": "webhook",
    }, indent=2) + "\n", 0o600)
    return path


def bind_eks(st: State, cl: Cluster) -> None:
    """Tells moto which EKS cluster this child plays (endpoint and CA for
    DescribeCluster, the cluster whose access entries the webhook reads), and
    binds the webhook's access-policy groups to ClusterRoles in the child."""
    eks = cl.scope["eks"]
    api = cl.scope["apiserver"]
    code, body = moto_admin(st, "POST", "children", {
        "child": cl.name, "eks_cluster": eks["cluster"], "region": eks.get("region"),
        "endpoint": api["url"], "ca": Path(cl.scope["ca_crt"]).read_text()})
    if code != 200:
        raise EnvError(f"moto refused the binding of child {cl.name} to EKS cluster {eks['cluster']!r}: {code} {body}")
    ca, token = Path(cl.scope["ca_crt"]), cl.scope["admin_token"]
    rbac = f"{api['url']}/apis/rbac.authorization.k8s.io/v1"
    aggregated = {}
    for part in ("view", "edit", "admin"):
        code, body = https_json("GET", f"{rbac}/clusterroles/system:aggregate-to-{part}", ca, token)
        if code != 200:
            raise EnvError(f"reading ClusterRole system:aggregate-to-{part} in child {cl.name}: {code} {body}")
        aggregated[part] = body.get("rules") or []
    labels = {"aura-env/eks-access-policy": "true"}
    for group, parts in EKS_POLICY_ROLES.items():
        objects = [("clusterroles", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": group, "labels": labels},
            "rules": [rule for part in parts for rule in aggregated[part]]}),
            ("clusterrolebindings", {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": group, "labels": labels},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": group},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}]})]
        for resource, obj in objects:
            code, body = https_json("POST", f"{rbac}/{resource}", ca, token, obj)
            if code not in (201, 409):  # 409: there from an earlier `child up` (same etcd prefix)
                raise EnvError(f"creating {obj['kind']} {group} in child {cl.name}: {code} {body}")


def cmd_child_up(args) -> int:
    st = State(Path(args.dir))
    with st.locked():
        if not st.data.get("etcd") or "etcd" not in st.procs():
            raise EnvError(f"no environment up in {st.dir}: run `envctl.py up --dir {st.dir}` first")
        name = args.name
        if not name.replace("-", "").isalnum():
            raise EnvError(f"child name must be letters, digits and '-': {name!r}")
        if args.eks_cluster:
            aws = st.data.get("aws") or {}
            if "moto" not in st.procs() or not aws.get("authn_webhook"):
                raise EnvError("--eks-cluster needs moto and its token webhook (`up` without --no-aws)")
        elif args.eks_region:
            raise EnvError("--eks-region goes with --eks-cluster")
        existing = st.data.get("children", {}).get(name)
        if existing:
            alive = {n: p.alive() for n, p in st.procs(existing).items()}
            if alive and all(alive.values()):
                bound = (existing.get("eks") or {}).get("cluster")
                if bound != args.eks_cluster:
                    raise EnvError(f"child {name} is up with --eks-cluster {bound!r}; `child down` it first")
                log(f"child {name} already up: {existing.get('kubeconfig')}")
                return 0
            stop_scope(st, existing, CLUSTER_STOP_ORDER)
        bins = st.data["binaries"]
        cl = child_cluster(st, name, create=True)
        cl.scope.pop("eks", None)
        if args.eks_cluster:
            cl.scope["eks"] = {"cluster": args.eks_cluster, "region": args.eks_region,
                               "cache_ttl": args.authn_cache_ttl,
                               "webhook_config": str(write_webhook_config(st, cl))}
        t0 = time.monotonic()
        try:
            start_apiserver(st, cl, bins, no_sa_admission=not args.controller_manager)
            if args.controller_manager:
                start_controller_manager(st, cl, bins)
            if args.eks_cluster:
                bind_eks(st, cl)
        except BaseException:
            stop_scope(st, cl.scope, CLUSTER_STOP_ORDER)
            raise
        cl.scope["env"] = {"KUBECONFIG": str(cl.dir / "kubeconfig")}
        write_atomic(cl.dir / "env.json", json.dumps(cl.scope, indent=2) + "\n", 0o600)
        st.save()
        bound = f", EKS cluster {args.eks_cluster!r}" if args.eks_cluster else ""
        log(f"child {name} up in {time.monotonic() - t0:.1f}s: kubeconfig {cl.dir / 'kubeconfig'}{bound}")
    return 0


def cmd_child_down(args) -> int:
    st = State(Path(args.dir))
    if not st.path.exists():
        return 0
    with st.locked():
        c = st.data.get("children", {}).get(args.name)
        if c is None:
            log(f"no child {args.name}")
            return 0
        stop_scope(st, c, CLUSTER_STOP_ORDER)
        if c.get("eks") and "moto" in st.procs() and st.procs()["moto"].alive():
            with contextlib.suppress(OSError, ValueError):
                moto_admin(st, "DELETE", f"children/{args.name}")
        st.data["children"].pop(args.name)
        st.save()
        log(f"child {args.name} down")
    return 0


# ---------------------------------------------------------------- child controllers
LB_CONTROLLER_DIR = HERE / "child_controllers"
LB_CONTROLLER_POLICY = LB_CONTROLLER_DIR / "aws-load-balancer-controller-policy.json"


def lb_controller_identity(st: State) -> dict:
    """The IAM user the stand-in LBC runs as: made on first start, as the admin user, by
    child_controllers/iam_user.py (boto3 signs; envctl itself is stdlib only), then kept in
    env.json (aws.lb_controller) for every child of this environment."""
    aws = st.data["aws"]
    if aws.get("lb_controller"):
        return aws["lb_controller"]
    p = subprocess.run(
        [st.data["binaries"]["moto-python"], str(LB_CONTROLLER_DIR / "iam_user.py"), "--endpoint", aws["endpoint"],
         "--region", aws["region"], "--user", LB_CONTROLLER, "--policy", str(LB_CONTROLLER_POLICY)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120,
        env={**os.environ, "AWS_ACCESS_KEY_ID": aws["access_key_id"],
             "AWS_SECRET_ACCESS_KEY": aws["secret_access_key"]})
    if p.returncode != 0:
        raise EnvError(f"making IAM user {LB_CONTROLLER} failed ({p.returncode}):\n{p.stderr}")
    ident = json.loads(p.stdout)
    ident["policy"] = str(LB_CONTROLLER_POLICY)
    aws["lb_controller"] = ident
    st.save()
    log(f"IAM user {ident['user_arn']} made for {LB_CONTROLLER}")
    return ident


def cmd_child_lb_controller_start(args) -> int:
    st = State(Path(args.dir))
    with st.locked():
        cl = child_cluster(st, args.name)
        procs = st.procs(cl.scope)
        if "kube-apiserver" not in procs or not procs["kube-apiserver"].alive():
            raise EnvError(f"child {args.name} is not up: `child up --name {args.name}` first")
        if "moto" not in st.procs() or not st.procs()["moto"].alive():
            raise EnvError("the lb-controller needs moto (`up` without --no-aws)")
        aws = st.data["aws"]
        region = args.region or aws["region"]
        ident = lb_controller_identity(st)
        ready = cl.dir / f"{LB_CONTROLLER}.ready"
        cmd = [st.data["binaries"]["moto-python"], str(LB_CONTROLLER_DIR / "aws_load_balancer_controller.py"),
               "--kubeconfig", cl.scope["kubeconfig"], "--aws-endpoint", aws["endpoint"], "--region", region,
               "--cluster-name", args.cluster_name, "--ready-file", str(ready)]
        if args.default_tags:
            cmd += ["--default-tags", args.default_tags]
        if args.vpc_id:
            cmd += ["--vpc-id", args.vpc_id]
        existing = procs.get(LB_CONTROLLER)
        if existing is not None and existing.alive():
            if existing.cmd == cmd:
                log(f"child {args.name}: {LB_CONTROLLER} already running (pid {existing.pid})")
                return 0
            log(f"child {args.name}: restarting {LB_CONTROLLER} with other settings")
        if existing is not None:
            existing.stop()
        proc = Proc(LB_CONTROLLER, cmd, str(cl.logs / f"{LB_CONTROLLER}.log"), env={
            "PYTHONUNBUFFERED": "1", "AWS_ACCESS_KEY_ID": ident["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": ident["secret_access_key"], "AWS_REGION": region})
        ready.unlink(missing_ok=True)
        t0 = time.monotonic()
        proc.start()
        try:
            wait_until(f"{LB_CONTROLLER} of child {args.name} to be ready ({ready})", ready.exists,
                       START_TIMEOUT, proc)
        except BaseException:
            proc.stop()
            raise
        cl.scope["lb_controller"] = {"cluster_name": args.cluster_name, "region": region,
                                     "default_tags": args.default_tags or "", "vpc_id": args.vpc_id,
                                     "user_arn": ident["user_arn"], "access_key_id": ident["access_key_id"]}
        st.set_proc(proc, cl.scope)
        log(f"child {args.name}: {LB_CONTROLLER} running for EKS cluster {args.cluster_name!r} "
            f"({time.monotonic() - t0:.1f}s), log {proc.log}")
    return 0


def cmd_child_lb_controller_stop(args) -> int:
    st = State(Path(args.dir))
    if not st.path.exists():
        return 0
    with st.locked():
        c = st.data.get("children", {}).get(args.name)
        proc = st.procs(c).get(LB_CONTROLLER) if c else None
        if proc is None:
            log(f"child {args.name}: no {LB_CONTROLLER}")
            return 0
        proc.stop()
        c["processes"].pop(LB_CONTROLLER)
        c.pop("lb_controller", None)
        st.save()
        log(f"child {args.name}: {LB_CONTROLLER} stopped")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="envctl.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def with_dir(sp):
        sp.add_argument("--dir", required=True, help="environment directory")
        return sp

    up = with_dir(sub.add_parser("up", help="start the environment"))
    up.add_argument("--no-aws", action="store_true", help="do not start moto")
    up.add_argument("--no-controller-manager", action="store_true")
    up.add_argument("--aws-policy", help="IAM policy JSON for the aura-operator user (default allow-all)")
    up.add_argument("--operator-aws-policy", default=str(OPERATOR_POLICY),
                    help="IAM policy JSON of aura-operator-scoped, the user the operator process runs as "
                         "(default config/iam/aura-operator-policy.json; 'none': no such user)")
    up.add_argument("--watch-cache", action="store_true",
                    help="keep kube-apiserver's watch cache (default off, so that compaction yields 410)")
    up.set_defaults(func=cmd_up)
    with_dir(sub.add_parser("down", help="stop everything the environment started")).set_defaults(func=cmd_down)
    s = with_dir(sub.add_parser("status", help="show processes and health"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    r = with_dir(sub.add_parser("restart", help="restart a component on the same port"))
    r.add_argument("component", choices=["apiserver", "controller-manager"])
    r.add_argument("--child", help="restart it in this child cluster")
    r.set_defaults(func=cmd_restart)
    with_dir(sub.add_parser("compact", help="compact etcd at its current revision")).set_defaults(func=cmd_compact)
    ch = sub.add_parser("child", help="child clusters (a second kube-apiserver on the same etcd)")
    chs = ch.add_subparsers(dest="child_cmd", required=True)
    cu = with_dir(chs.add_parser("up"))
    cu.add_argument("--name", required=True)
    cu.add_argument("--controller-manager", action="store_true",
                    help="also run a kube-controller-manager for the child")
    cu.add_argument("--eks-cluster", metavar="NAME",
                    help="play this EKS cluster of moto ('*': the next one created): DescribeCluster answers "
                         "this child's endpoint and CA, EKS bearer tokens authenticate via moto's webhook")
    cu.add_argument("--eks-region", help="only the EKS cluster of this region (default: any)")
    cu.add_argument("--authn-cache-ttl", default="0s",
                    help="kube-apiserver's --authentication-token-webhook-cache-ttl (default 0s: no cache)")
    cu.set_defaults(func=cmd_child_up)
    cd = with_dir(chs.add_parser("down"))
    cd.add_argument("--name", required=True)
    cd.set_defaults(func=cmd_child_down)
    lbc = chs.add_parser("lb-controller", help="the AWS Load Balancer Controller stand-in of a child")
    lbcs = lbc.add_subparsers(dest="lbc_cmd", required=True)
    ls = with_dir(lbcs.add_parser("start", help="start it; returns once it is running"))
    ls.add_argument("--name", required=True, help="the child")
    ls.add_argument("--cluster-name", required=True, help="the EKS cluster name (LBC's --cluster-name)")
    ls.add_argument("--region", help="default: the environment's")
    ls.add_argument("--default-tags", help="k=v,... added to every AWS resource it makes (LBC's --default-tags)")
    ls.add_argument("--vpc-id", help="only subnets of this VPC (LBC's --aws-vpc-id)")
    ls.set_defaults(func=cmd_child_lb_controller_start)
    lt = with_dir(lbcs.add_parser("stop"))
    lt.add_argument("--name", required=True, help="the child")
    lt.set_defaults(func=cmd_child_lb_controller_stop)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except EnvError as e:
        print(f"envctl: error: {e}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        print(f"envctl: error: {shlex.join(map(str, e.cmd))} failed ({e.returncode})\n{out}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
