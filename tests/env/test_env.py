#!/usr/bin/env python3
"""Smoke test of the local test environment (tests/env/envctl.py).

Plain unittest, stdlib only: `python3 tests/env/test_env.py`. Brings an
environment up in a temp dir, checks kubectl over TLS with the CA, moto's
authentication, a child cluster, an apiserver restart, 410 Gone after an etcd
compaction, then `down`, and that no process is left.

Builds the binaries and the moto venv first if they are missing (minutes cold).
Set AURA_ENV_TEST_KEEP=1 to keep the temp dir (logs) after the run.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENVCTL = [sys.executable, str(HERE / "envctl.py")]
CMD_TIMEOUT = 900  # covers a cold build of the binaries on the first `up`


def envctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(ENVCTL + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=CMD_TIMEOUT)
    if check and p.returncode != 0:
        raise AssertionError(f"envctl {' '.join(args)} failed ({p.returncode}):\n{p.stdout}")
    return p


def down_and_remove(directory: Path) -> None:
    """A test's cleanup of its environment: `down`, then the temp dir goes
    (AURA_ENV_TEST_KEEP=1 keeps it, for its logs)."""
    envctl("down", "--dir", str(directory), check=False)
    if os.environ.get("AURA_ENV_TEST_KEEP"):
        print(f"kept {directory}", file=sys.stderr)
    else:
        shutil.rmtree(directory, ignore_errors=True)


def processes_mentioning(text: str) -> list[str]:
    """Live processes whose command line mentions text (the env dir)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(f"{entry}: {cmdline.strip()}")
    return found


class EnvSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="aura-env-test-"))
        cls.addClassCleanup(cls._cleanup)
        envctl("up", "--dir", str(cls.dir))
        cls.env = json.loads((cls.dir / "env.json").read_text())
        cls.kubectl = cls.env["binaries"]["kubectl"]

    @classmethod
    def _cleanup(cls):
        down_and_remove(cls.dir)

    def kubectl_run(self, kubeconfig: Path, *args: str) -> str:
        p = subprocess.run([self.kubectl, "--kubeconfig", str(kubeconfig), *args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout

    def api_get(self, path: str) -> tuple[int, bytes]:
        ctx = ssl.create_default_context(cafile=str(self.dir / "ca.crt"))
        req = urllib.request.Request(self.env["apiserver"]["url"] + path,
                                     headers={"Authorization": f"Bearer {self.env['admin_token']}"})
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    # Tests run in name order; they share one environment.
    def test_01_files(self):
        for f in ("kubeconfig", "ca.crt", "env.sh", "env.json"):
            self.assertTrue((self.dir / f).exists(), f)
        kc = (self.dir / "kubeconfig").read_text()
        self.assertNotIn("insecure-skip-tls-verify", kc)
        self.assertIn("certificate-authority-data", kc)
        envsh = (self.dir / "env.sh").read_text()
        for var in ("KUBECONFIG", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "AWS_REGION", "AWS_DEFAULT_REGION", "AURA_ENV_DIR"):
            self.assertIn(f"export {var}=", envsh)

    def test_02_kubectl_over_tls(self):
        out = self.kubectl_run(self.dir / "kubeconfig", "get", "ns")
        self.assertIn("kube-system", out)
        out = self.kubectl_run(self.dir / "kubeconfig", "version", "-o", "json")
        self.assertEqual(json.loads(out)["serverVersion"]["gitVersion"], "v1.37.2")
        # The controller manager is working: default ServiceAccount exists.
        self.kubectl_run(self.dir / "kubeconfig", "get", "serviceaccount", "default", "-n", "default")

    def test_03_moto_auth(self):
        aws = self.env["aws"]
        req = urllib.request.Request(aws["endpoint"] + "/", method="POST",
                                     data=b"Action=GetCallerIdentity&Version=2011-06-15",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 403)
        # Signed, wrongly signed and unknown-key calls, with botocore in moto's venv.
        p = subprocess.run([self.env["binaries"]["moto-python"], str(HERE / "moto_launcher.py"), "check",
                            "--credentials", aws["credentials_file"]],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("signed call accepted", p.stdout)

    def test_04_child_cluster(self):
        envctl("child", "up", "--dir", str(self.dir), "--name", "child1")
        child = self.dir / "children" / "child1"
        out = self.kubectl_run(child / "kubeconfig", "create", "namespace", "only-in-child")
        self.assertIn("only-in-child", out)
        # Separate storage: the management cluster does not see it.
        out = self.kubectl_run(self.dir / "kubeconfig", "get", "ns", "-o", "name")
        self.assertNotIn("only-in-child", out)
        envctl("child", "down", "--dir", str(self.dir), "--name", "child1")
        self.assertEqual(processes_mentioning(str(child)), [])

    def test_05_restart_apiserver(self):
        before = json.loads((self.dir / "env.json").read_text())["processes"]["kube-apiserver"]["pid"]
        envctl("restart", "apiserver", "--dir", str(self.dir))
        after = json.loads((self.dir / "env.json").read_text())
        self.assertNotEqual(before, after["processes"]["kube-apiserver"]["pid"])
        self.assertEqual(after["apiserver"]["port"], self.env["apiserver"]["port"])
        self.kubectl_run(self.dir / "kubeconfig", "get", "ns")  # same kubeconfig still works

    def test_06_compact_gives_410(self):
        code, body = self.api_get("/api/v1/namespaces/default/configmaps")
        self.assertEqual(code, 200, body)
        old_rv = json.loads(body)["metadata"]["resourceVersion"]
        envctl("compact", "--dir", str(self.dir))
        # A watch from before the compaction ends with an ERROR event carrying 410.
        code, body = self.api_get(f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={old_rv}"
                                  "&timeoutSeconds=5")
        self.assertEqual(code, 200, body)
        event = json.loads(body.splitlines()[0])
        self.assertEqual(event["type"], "ERROR", event)
        self.assertEqual(event["object"]["code"], 410, event)
        # So does a list at exactly that version.
        code, body = self.api_get(f"/api/v1/namespaces/default/configmaps?resourceVersion={old_rv}"
                                  "&resourceVersionMatch=Exact")
        self.assertEqual(code, 410, body)

    def test_07_status(self):
        p = envctl("status", "--dir", str(self.dir), "--json")
        self.assertTrue(json.loads(p.stdout)["ok"], p.stdout)

    def test_99_down_leaves_nothing(self):
        pids = [p["pid"] for p in json.loads((self.dir / "env.json").read_text())["processes"].values()]
        envctl("down", "--dir", str(self.dir))
        self.assertEqual(processes_mentioning(str(self.dir)), [])
        for pid in pids:
            self.assertFalse(Path(f"/proc/{pid}").exists() and
                             Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z",
                             f"pid {pid} still running")
        envctl("down", "--dir", str(self.dir))  # idempotent


if __name__ == "__main__":
    unittest.main(verbosity=2)
