#!/usr/bin/env python3
"""Admission webhook benchmark: Aura's webhook server against a Go net/http peer.

Standard library only. Run through bench/webhooks/run.sh, which builds the three binaries first.
For each server in turn (never both at once), on loopback, with the same self-signed certificate:

  (a) throughput: wrk with keep-alive, POSTing bench/webhooks/admission-review.json (an
      EphemeralCluster CREATE as the kube-apiserver sends it) to /validate-aura-io-v1alpha1;
  (b) latency at half that rate: aura-loadgen (bench/loadgen, C++, one thread; go-loadgen -mode
      rate with --rate-clients), open loop at a constant rate, latency from each request's
      scheduled send time (coordinated omission accounted for); also both servers at one common
      rate (half the lower of the two maxima), so latencies compare at equal load;
  (c) TLS handshakes per second without keep-alive: go-loadgen -mode handshake, a full handshake
      (no resumption), one POST with "Connection: close", per connection; for each key type.

Every measurement records the server's CPU time (so CPU per review), and the CPU used on the
machine by anything else during it (other builds, tests): figures taken while others used the
cores are flagged. Prints a table; writes bench/webhooks/results-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import ssl
import http.client
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = Path(os.environ.get("AURA_CACHE_DIR", Path.home() / ".cache" / "aura")) / "bin" / "bench"
PATH = "/validate-aura-io-v1alpha1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Processes that mean "someone else is using the cores" (for the notes; the CPU figure decides).
BUSY_PATTERN = re.compile(r"(^|/)(ninja|cc1plus|ld|ld\.gold|collect2|ctest|cmake|go|compile|"
                          r"kube-apiserver|etcd|kube-controller-manager|moto_server)$|fuzz")


# ---------------------------------------------------------------------------------------------
# CPU accounting

def total_busy_ticks() -> int:
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    # user nice system idle iowait irq softirq steal guest guest_nice: busy = all - idle - iowait
    return sum(v[:8]) - v[3] - v[4]


def proc_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return 0
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime stime


def children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def busy_processes(exclude: set[int]) -> list[str]:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in exclude or int(d) == os.getpid():
            continue
        try:
            exe = Path(f"/proc/{d}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if exe and BUSY_PATTERN.search(exe):
            out.append(f"{d} {Path(exe).name}")
    return sorted(out)


class Meter:
    """CPU used during one measurement: by the server, by our client, by everything else."""

    def __init__(self, server_pid: int):
        self.pid = server_pid

    def __enter__(self):
        self.t0 = time.monotonic()
        self.busy0 = total_busy_ticks()
        self.srv0 = proc_ticks(self.pid)
        self.child0 = children_cpu_s()
        self.seen = set(busy_processes({self.pid}))
        return self

    def sample(self):
        self.seen.update(busy_processes({self.pid}))

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        self.server_cpu_s = (proc_ticks(self.pid) - self.srv0) / CLK_TCK
        self.client_cpu_s = children_cpu_s() - self.child0
        all_s = (total_busy_ticks() - self.busy0) / CLK_TCK
        # Includes the kernel's softirq time for our own loopback traffic not charged to a
        # process: a small floor even on an idle machine (see "other_cpu_floor" in the results).
        self.other_cpu_s = max(0.0, all_s - self.server_cpu_s - self.client_cpu_s)
        self.seen.update(busy_processes({self.pid}))
        return False

    def figures(self) -> dict:
        return {
            "wall_s": round(self.wall, 2),
            "server_cpu_s": round(self.server_cpu_s, 2),
            "client_cpu_s": round(self.client_cpu_s, 2),
            "other_cpu_s": round(self.other_cpu_s, 2),
            "other_cpu_cores": round(self.other_cpu_s / self.wall, 3) if self.wall else 0,
            "other_processes": sorted(self.seen),
        }


def run_metered(cmd: list[str], meter: Meter, env=None) -> str:
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    while True:
        try:
            out, err = p.communicate(timeout=2)
            break
        except subprocess.TimeoutExpired:
            meter.sample()
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}): {err.strip()[:2000]}")
    return out


def wait_quiet(max_wait: float, exclude: set[int], threshold: float, log) -> dict:
    """Waits until the machine is quiet: other CPU under `threshold` cores over 3 s."""
    start = time.monotonic()
    while True:
        b0 = total_busy_ticks()
        time.sleep(3)
        cores = (total_busy_ticks() - b0) / CLK_TCK / 3
        waited = time.monotonic() - start
        if cores < threshold:
            return {"waited_s": round(waited, 1), "quiet": True, "cpu_cores_before": round(cores, 3)}
        if waited >= max_wait:
            procs = busy_processes(exclude)
            log(f"  not quiet after {waited:.0f}s ({cores:.2f} cores busy: {', '.join(procs) or '?'});"
                " measuring anyway, noted in the results")
            return {"waited_s": round(waited, 1), "quiet": False, "cpu_cores_before": round(cores, 3),
                    "busy_processes": procs}
        if int(waited) % 60 < 3:
            log(f"  waiting for quiet: {cores:.2f} cores busy ({', '.join(busy_processes(exclude)) or '?'})")


# ---------------------------------------------------------------------------------------------
# Servers

def make_certs(d: Path, key_types: list[str]) -> dict[str, tuple[Path, Path]]:
    certs = {}
    for kt in key_types:
        key, crt = d / f"{kt}.key", d / f"{kt}.crt"
        newkey = {"ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                  "rsa": ["-newkey", "rsa:2048"]}[kt]
        subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-keyout", str(key),
                        "-out", str(crt), "-days", "2", "-subj", "/CN=aura-webhook.aura-system.svc",
                        "-addext", "subjectAltName=DNS:aura-webhook.aura-system.svc,IP:127.0.0.1"],
                       check=True, capture_output=True)
        certs[kt] = (crt, key)
    return certs


class Server:
    def __init__(self, name: str, cmd: list[str], logdir: Path, cpus: str | None):
        self.name = name
        if cpus:
            cmd = ["taskset", "-c", cpus, *cmd]
        self.log = open(logdir / f"{name}.log", "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"listening (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"{name} did not start: {line!r} (log: {self.log.name})")
        self.port = int(m.group(1))
        self.banner = line.strip()
        self.url = f"https://127.0.0.1:{self.port}{PATH}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_kib(self) -> dict:
        out = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
        except OSError:
            pass
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def review_answer(url_port: int, body: bytes) -> dict:
    c = http.client.HTTPSConnection("127.0.0.1", url_port, context=ssl._create_unverified_context(),
                                    timeout=10)
    c.request("POST", PATH, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"answer {r.status}: {data[:300]!r}")
    resp = json.loads(data)["response"]
    if isinstance(resp.get("status"), dict):
        resp["status"].pop("metadata", None)  # Go's metav1.Status always writes "metadata": {}
    return resp


# ---------------------------------------------------------------------------------------------
# Load

def parse_wrk(out: str) -> dict:
    def dur_ms(s: str) -> float:
        m = re.match(r"([\d.]+)(us|ms|s|m)", s)
        v, u = float(m.group(1)), m.group(2)
        return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}[u]

    r = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    r["requests"] = int(m.group(1))
    lat = {}
    for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M):
        lat[f"p{p}_ms"] = round(dur_ms(v), 3)
    r["closed_loop_latency"] = lat
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return r


def pinned_client(args, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", args.client_cpus, *cmd] if args.client_cpus else cmd


def wrk(args, url: str, meter: Meter, duration: float, extra: list[str] | None = None) -> dict:
    env = dict(os.environ, WRK_BODY_FILE=str(args.body))
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{max(1, round(duration))}s", "--latency",
           "-s", str(HERE / "post.lua"), *(extra or []), url]
    return parse_wrk(run_metered(pinned_client(args, cmd), meter, env))


def aura_loadgen(args, meter: Meter, url: str, rate: int) -> dict:
    cmd = [str(args.aura_loadgen_bin), "--body", str(args.body), "--url", url, "--rate", str(rate),
           "-c", str(args.connections), "-d", str(args.duration), "--warmup", str(args.warmup)]
    return json.loads(run_metered(pinned_client(args, cmd), meter))


def h2load(args, meter: Meter, url: str, rate: int, work: Path) -> dict:
    """h2load (nghttp2) at a fixed rate: --rps per client, latency from each request's actual
    send (h2load does not charge a late send: no coordinated-omission correction), percentiles
    from its per-request log."""
    log_file = work / "h2load-requests.tsv"
    log_file.unlink(missing_ok=True)
    per_client = rate / args.connections
    cmd = ["h2load", "--h1", "-c", str(args.connections), f"--rps={per_client:.3f}",
           "-D", str(round(args.duration)), f"--warm-up-time={round(args.warmup)}",
           "-H", "Content-Type: application/json", "-d", str(args.body),
           f"--log-file={log_file}", url]
    out = run_metered(pinned_client(args, cmd), meter)
    rows = [l.split("\t") for l in log_file.read_text().splitlines() if l.strip()]
    # h2load logs only the requests of the measured -D window, not the warm-up's.
    ok = sorted(int(r[2]) for r in rows if r[1] == "200")
    ms = lambda us: round(us / 1000, 3)
    pct = {}
    if ok:
        for name, q in (("p50", .5), ("p90", .9), ("p99", .99), ("p999", .999)):
            pct[f"{name}_ms"] = ms(ok[max(0, min(len(ok) - 1, int(q * len(ok) + .5) - 1))])
        pct["max_ms"] = ms(ok[-1])
        pct["mean_ms"] = ms(sum(ok) / len(ok))
    return {"mode": "rate", "target_rate": rate, "completed_measured": len(ok),
            "achieved_rate": len(ok) / args.duration, "errors": len(rows) - sum(1 for r in rows if r[1] == "200"),
            "latency": pct, "dispatch_late_max_ms": None,
            "h2load_summary": [l for l in out.splitlines() if l.startswith(("requests:", "time for request", "finished in"))]}


def loadgen(args, meter: Meter, *params: str) -> dict:
    cmd = [str(args.loadgen_bin), "-body", str(args.body), *params]
    return json.loads(run_metered(pinned_client(args, cmd), meter))


# ---------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="aura,go")
    ap.add_argument("--aura-bin", type=Path,
                    default=ROOT / "build-bench-wh" / "bench" / "aura-webhook-bench-server")
    ap.add_argument("--go-bin", type=Path, default=CACHE / "go-webhook")
    ap.add_argument("--loadgen-bin", type=Path, default=CACHE / "go-loadgen")
    ap.add_argument("--aura-loadgen-bin", type=Path,
                    default=ROOT / "build-bench-wh" / "bench" / "aura-loadgen")
    ap.add_argument("--rate-clients", default="aura-loadgen",
                    help="fixed-rate clients for (b) and (b'), comma-separated: aura-loadgen, "
                         "go-loadgen, h2load (latency from the actual send); the first gives the summary's figures, the others are "
                         "recorded beside them (half_load_go-loadgen, ...)")
    ap.add_argument("--aura-threads", type=int, default=None,
                    help="TlsServerOptions.threads (default: the operator's default)")
    ap.add_argument("--body", type=Path, default=HERE / "admission-review.json")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians reported")
    ap.add_argument("--duration", type=float, default=20, help="seconds per measurement")
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--connections", type=int, default=16, help="keep-alive connections (a), (b)")
    ap.add_argument("--handshake-connections", type=int, default=8)
    ap.add_argument("--key-types", default="ec,rsa", help="certificates for (c); the first one serves (a), (b)")
    ap.add_argument("--curves", default="x25519", help="key exchange offered by go-loadgen")
    ap.add_argument("--pacing", default="per-connection", choices=["per-connection", "shared"],
                    help="go-loadgen's open-loop pacing for (b): each connection wakes itself at "
                         "its requests' due times (as wrk2), or one timer feeds a shared queue")
    ap.add_argument("--server-cpus", default=None, help="taskset -c for the servers (default: not pinned)")
    ap.add_argument("--client-cpus", default=None, help="taskset -c for wrk and go-loadgen")
    ap.add_argument("--max-wait-quiet", type=float, default=600,
                    help="seconds to wait for a quiet machine before the run")
    ap.add_argument("--quiet-wait-each", type=float, default=120,
                    help="seconds to wait for a quiet machine before each measurement")
    ap.add_argument("--retries", type=int, default=2,
                    help="measure again when others used the cores during a measurement")
    ap.add_argument("--contention-threshold", type=float, default=0.1,
                    help="cores used by others during a measurement that make it contended")
    ap.add_argument("--quiet-threshold", type=float, default=0.15, help="cores busy that count as quiet")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    def log(msg: str):
        print(msg, flush=True)

    servers = args.servers.split(",")
    key_types = args.key_types.split(",")
    rate_clients = args.rate_clients.split(",")
    for b in [args.loadgen_bin, args.aura_loadgen_bin] + [{"aura": args.aura_bin, "go": args.go_bin}[s] for s in servers]:
        if not b.exists():
            sys.exit(f"missing {b}: run bench/webhooks/run.sh (it builds it)")
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    body = args.body.read_bytes()

    work = Path(tempfile.mkdtemp(prefix="aura-webhook-bench-"))
    # Copies: a rebuild during the run cannot swap a binary between measurements.
    bins = {}
    for s in servers:
        src = {"aura": args.aura_bin, "go": args.go_bin}[s]
        bins[s] = work / src.name
        shutil.copy2(src, bins[s])
    shutil.copy2(args.loadgen_bin, work / "go-loadgen")
    args.loadgen_bin = work / "go-loadgen"
    shutil.copy2(args.aura_loadgen_bin, work / "aura-loadgen")
    args.aura_loadgen_bin = work / "aura-loadgen"
    certs = make_certs(work, key_types)
    log(f"work dir {work}")

    def start(name: str, kt: str) -> Server:
        crt, key = certs[kt]
        cmd = [str(bins[name]), "--cert", str(crt), "--key", str(key), "--port", "0"]
        if name == "aura" and args.aura_threads:
            cmd += ["--threads", str(args.aura_threads)]
        if name == "go":
            cmd = [cmd[0], "-cert", str(crt), "-key", str(key), "-port", "0"]
        return Server(name, cmd, work, args.server_cpus)

    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                    "cpu_model": next((l.split(":", 1)[1].strip() for l in
                                       Path("/proc/cpuinfo").read_text().splitlines()
                                       if l.startswith("model name")), "?")},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "request_bytes": len(body),
        "binaries": {s: {"path": str({"aura": args.aura_bin, "go": args.go_bin}[s]),
                         "mtime": dt.datetime.fromtimestamp({"aura": args.aura_bin, "go": args.go_bin}[s]
                                                            .stat().st_mtime).isoformat(timespec="seconds")}
                     for s in servers},
        "tools": {"wrk": (lambda p: (p.stdout + p.stderr).strip().splitlines()[0])(
                      subprocess.run(["wrk", "-v"], capture_output=True, text=True)),
                  "openssl": subprocess.run(["openssl", "version"], capture_output=True,
                                            text=True).stdout.strip()},
        "rounds": [],
    }

    # The answers must be the same before anything is measured.
    answers = {}
    for s in servers:
        srv = start(s, key_types[0])
        try:
            answers[s] = review_answer(srv.port, body)
            results.setdefault("server_banner", {})[s] = srv.banner
        finally:
            srv.stop()
    if len(set(json.dumps(a, sort_keys=True) for a in answers.values())) != 1:
        log(f"answers differ: {json.dumps(answers, indent=2)}")
        return 1
    results["answer"] = answers[servers[0]]
    log(f"same answer from {', '.join(servers)}: allowed={results['answer']['allowed']}, "
        f"{len(results['answer'].get('warnings', []))} warning(s)")

    # The floor of "other CPU": kernel time for loopback traffic not charged to any process.
    results["quiet_wait_start"] = wait_quiet(args.max_wait_quiet, set(), args.quiet_threshold, log)

    def measured(label: str, fn) -> dict:
        """Runs one measurement after waiting for a quiet machine; again (up to --retries times)
        when others used more than --contention-threshold cores during it. Keeps the attempt with
        the least CPU used by others, marked "contended" if even that one was over."""
        best = None
        for attempt in range(1 + args.retries):
            q = wait_quiet(args.quiet_wait_each, set(), args.quiet_threshold, log)
            r = fn()
            r["attempt"] = attempt + 1
            r["quiet_wait"] = q
            if best is None or r["other_cpu_cores"] < best["other_cpu_cores"]:
                best = r
            if r["other_cpu_cores"] <= args.contention_threshold:
                break
            log(f"  {label}: others used {r['other_cpu_cores']} cores during it"
                + ("; measuring again" if attempt < args.retries else "; keeping the least contended"))
        best["contended"] = best["other_cpu_cores"] > args.contention_threshold
        return best

    def with_server(name: str, kt: str, body_fn):
        srv = start(name, kt)
        try:
            return body_fn(srv)
        finally:
            srv.stop()

    def throughput(srv: Server) -> dict:
        with Meter(srv.pid) as m:
            wrk(args, srv.url, m, args.warmup)
        with Meter(srv.pid) as m:
            t = wrk(args, srv.url, m, args.duration)
        t.update(m.figures())
        t["server_cpu_us_per_review"] = round(m.server_cpu_s / t["requests"] * 1e6, 1)
        t["rss_kib"] = srv.rss_kib()
        return t

    def at_rate(rate: int, client: str):
        def run(srv: Server) -> dict:
            with Meter(srv.pid) as m:
                wrk(args, srv.url, m, args.warmup)
            with Meter(srv.pid) as m:
                if client == "aura-loadgen":
                    lat = aura_loadgen(args, m, srv.url, rate)
                elif client == "h2load":
                    lat = h2load(args, m, srv.url, rate, work)
                else:
                    lat = loadgen(args, m, "-mode", "rate", "-url", srv.url, "-rate", str(rate),
                                  "-c", str(args.connections), "-d", f"{args.duration}s",
                                  "-warmup", f"{args.warmup}s", "-curves", args.curves,
                                  "-pacing", args.pacing)
                lat["client"] = client
            lat.update(m.figures())
            # The meter spans warm-up and measured time at the same rate.
            lat["server_cpu_us_per_review"] = round(
                m.server_cpu_s / max(1, lat["completed_measured"]) * 1e6 *
                (args.duration / (args.duration + args.warmup)), 1)
            return lat
        return run

    def handshakes(srv: Server) -> dict:
        with Meter(srv.pid) as m:
            hs = loadgen(args, m, "-mode", "handshake", "-url", srv.url, "-c",
                         str(args.handshake_connections), "-d", f"{args.duration / 2}s",
                         "-warmup", "2s", "-curves", args.curves)
        hs.update(m.figures())
        hs["server_cpu_us_per_handshake"] = round(
            m.server_cpu_s / max(1, hs["handshakes"]) * 1e6 *
            ((args.duration / 2) / (args.duration / 2 + 2)), 1)
        return hs

    for rnd in range(args.rounds):
        rres = {"round": rnd + 1, "servers": {s: {} for s in servers}}
        results["rounds"].append(rres)
        order = servers if rnd % 2 == 0 else list(reversed(servers))
        log(f"round {rnd + 1}: {', '.join(order)}")
        for s in order:
            t = rres["servers"][s]["throughput"] = measured(
                f"(a) {s}", lambda: with_server(s, key_types[0], throughput))
            log(f"  (a) {s}: {t['requests_per_s']:,.0f} reviews/s (wrk -t{args.wrk_threads} "
                f"-c{args.connections}), server {t['server_cpu_us_per_review']} us CPU/review, "
                f"others {t['other_cpu_cores']} cores")
        # Both at one rate: half the lower maximum of this round.
        common = round(min(rres["servers"][s]["throughput"]["requests_per_s"] for s in servers) / 2)
        rres["common_rate"] = common
        for ci, client in enumerate(rate_clients):
            suffix = "" if ci == 0 else f"_{client}"
            for s in order:
                rate = round(rres["servers"][s]["throughput"]["requests_per_s"] / 2)
                lat = rres["servers"][s]["half_load" + suffix] = measured(
                    f"(b) {s} {client}", lambda: with_server(s, key_types[0], at_rate(rate, client)))
                log(f"  (b) {s} at {rate:,}/s ({client}): p50 {lat['latency']['p50_ms']} ms, p99 "
                    f"{lat['latency']['p99_ms']} ms (achieved {lat['achieved_rate']:,.0f}/s, "
                    f"errors {lat['errors']}, client late up to {lat['dispatch_late_max_ms']} ms), "
                    f"server {lat['server_cpu_us_per_review']} us CPU/review, "
                    f"others {lat['other_cpu_cores']} cores")
            for s in order:
                lat = rres["servers"][s]["common_rate" + suffix] = measured(
                    f"(b') {s} {client}",
                    lambda: with_server(s, key_types[0], at_rate(common, client)))
                log(f"  (b') {s} at {common:,}/s ({client}): p50 {lat['latency']['p50_ms']} ms, "
                    f"p99 {lat['latency']['p99_ms']} ms, others {lat['other_cpu_cores']} cores")
        for kt in key_types:
            for s in order:
                hs = rres["servers"][s][f"handshakes_{kt}"] = measured(
                    f"(c) {s} {kt}", lambda: with_server(s, kt, handshakes))
                log(f"  (c) {s} {kt}: {hs['handshakes_per_s']:,.0f} handshakes/s, server "
                    f"{hs['server_cpu_us_per_handshake']} us CPU each (resumed {hs['resumed']}, "
                    f"errors {hs['errors']}), others {hs['other_cpu_cores']} cores")

    # Medians over rounds, and the ratios.
    def med(s: str, path: list[str]):
        vals = []
        for r in results["rounds"]:
            v = r["servers"].get(s, {})
            for k in path:
                v = v.get(k, {}) if isinstance(v, dict) else {}
            if isinstance(v, (int, float)):
                vals.append(v)
        return statistics.median(vals) if vals else None

    figures = {
        "reviews_per_s": ["throughput", "requests_per_s"],
        "server_cpu_us_per_review": ["throughput", "server_cpu_us_per_review"],
        "half_load_rate": ["half_load", "target_rate"],
        "half_load_p50_ms": ["half_load", "latency", "p50_ms"],
        "half_load_p99_ms": ["half_load", "latency", "p99_ms"],
        "half_load_p999_ms": ["half_load", "latency", "p999_ms"],
        "common_rate_p50_ms": ["common_rate", "latency", "p50_ms"],
        "common_rate_p99_ms": ["common_rate", "latency", "p99_ms"],
        "common_rate_server_cpu_us_per_review": ["common_rate", "server_cpu_us_per_review"],
        "half_load_server_cpu_us_per_review": ["half_load", "server_cpu_us_per_review"],
        **{f"{fig}_{c}": [part + f"_{c}", *rest] for c in rate_clients[1:]
           for fig, (part, *rest) in {
               "half_load_p50_ms": ["half_load", "latency", "p50_ms"],
               "half_load_p99_ms": ["half_load", "latency", "p99_ms"],
               "common_rate_p99_ms": ["common_rate", "latency", "p99_ms"]}.items()},
        **{f"handshakes_per_s_{kt}": [f"handshakes_{kt}", "handshakes_per_s"] for kt in key_types},
        **{f"server_cpu_us_per_handshake_{kt}": [f"handshakes_{kt}", "server_cpu_us_per_handshake"]
           for kt in key_types},
        "rss_hwm_kib": ["throughput", "rss_kib", "VmHWM"],
    }
    summary = {name: {s: med(s, path) for s in servers} for name, path in figures.items()}
    if "aura" in servers and "go" in servers:
        for name, v in summary.items():
            if v["aura"] is not None and v["go"]:
                v["aura_over_go"] = round(v["aura"] / v["go"], 3)
    summary["common_rate"] = statistics.median(r["common_rate"] for r in results["rounds"])
    results["summary"] = summary
    other = [m.get("other_cpu_cores", 0) for r in results["rounds"] for s in r["servers"].values()
             for m in s.values() if isinstance(m, dict) and "other_cpu_cores" in m]
    results["contention"] = {
        "max_other_cpu_cores": max(other) if other else None,
        "contended_measurements": sum(1 for o in other if o > args.contention_threshold),
        "measurements": len(other),
        "attempts": sum(m.get("attempt", 1) for r in results["rounds"] for s in r["servers"].values()
                        for m in s.values() if isinstance(m, dict) and "attempt" in m),
    }
    if "aura" in summary["reviews_per_s"]:
        a = summary
        results["targets"] = {
            "reviews_per_s_at_least_20000": a["reviews_per_s"]["aura"] >= 20000,
            "p99_under_2ms_at_half_load": a["half_load_p99_ms"]["aura"] < 2.0,
            **({"at_least_1.5x_go_reviews_per_s": a["reviews_per_s"].get("aura_over_go", 0) >= 1.5}
               if "go" in servers else {}),
        }

    log("")
    log(f"{'figure (median of ' + str(args.rounds) + ' rounds)':<44}" +
        "".join(f"{s:>12}" for s in servers) + ("   aura/go" if "aura_over_go" in summary["reviews_per_s"] else ""))
    for name, v in summary.items():
        if not isinstance(v, dict):
            continue
        row = f"{name:<44}" + "".join(f"{v[s]:>12,.2f}" if v[s] is not None else f"{'-':>12}"
                                      for s in servers)
        if "aura_over_go" in v:
            row += f"{v['aura_over_go']:>10.2f}"
        log(row)
    log(f"common rate for both: {summary['common_rate']:,}/s")
    log(f"contention: {results['contention']}")
    if "targets" in results:
        log(f"targets: {results['targets']}")

    out = args.out or HERE / f"results-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {out} (server logs in {work})")
    for b in list(bins.values()) + [args.loadgen_bin, args.aura_loadgen_bin]:
        b.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
