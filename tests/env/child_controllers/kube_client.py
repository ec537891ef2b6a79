"""A small Kubernetes API client for the child controllers (stdlib only): requests with the
bearer token and CA of a kubeconfig, and watch streams.

The kubeconfigs envctl writes are JSON (valid YAML), with a token and
certificate-authority-data; that is all this reads.
"""

from __future__ import annotations

import base64
import json
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Optional


class KubeError(Exception):
    def __init__(self, status: int, body: dict, what: str):
        super().__init__(f"{what}: {status} {body.get('reason', '')} {body.get('message', '')}".strip())
        self.status, self.body = status, body


class KubeClient:
    def __init__(self, kubeconfig: Path):
        config = json.loads(Path(kubeconfig).read_text())
        current = config.get("current-context")
        context = next(c["context"] for c in config["contexts"] if c["name"] == current)
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        self.server = cluster["server"].rstrip("/")
        self.token = user["token"]
        ca = base64.b64decode(cluster["certificate-authority-data"])
        with tempfile.NamedTemporaryFile("wb", suffix=".crt") as f:  # ssl wants a file or a str
            f.write(ca)
            f.flush()
            self.ssl = ssl.create_default_context(cafile=f.name)

    def _open(self, method: str, path: str, body: Optional[dict], content_type: str, timeout: float):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json", "Content-Type": content_type})
        return urllib.request.urlopen(req, context=self.ssl, timeout=timeout)

    def request(self, method: str, path: str, body: Optional[dict] = None,
                content_type: str = "application/json", timeout: float = 30) -> dict:
        """The answer's JSON; KubeError for any status but 2xx."""
        try:
            with self._open(method, path, body, content_type, timeout) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                err = json.loads(e.read() or b"{}")
            except ValueError:
                err = {}
            raise KubeError(e.code, err, f"{method} {path}") from None

    def get(self, path: str) -> Optional[dict]:
        """The object, or None when it does not exist."""
        try:
            return self.request("GET", path)
        except KubeError as e:
            if e.status == 404:
                return None
            raise

    def merge_patch(self, path: str, patch: dict) -> dict:
        return self.request("PATCH", path, patch, "application/merge-patch+json")

    def watch(self, path: str, resource_version: str, timeout_seconds: int = 60) -> Iterator[dict]:
        """The events of a watch from resource_version (bookmarks included), until the server
        ends the stream (after timeout_seconds). KubeError 410 when the version is too old,
        as a status or as an ERROR event."""
        query = (f"?watch=1&allowWatchBookmarks=true&resourceVersion={resource_version}"
                 f"&timeoutSeconds={timeout_seconds}")
        try:
            resp = self._open("GET", path + query, None, "application/json", timeout_seconds + 15)
        except urllib.error.HTTPError as e:
            raise KubeError(e.code, {}, f"watch {path}") from None
        with resp:
            for line in resp:
                if not line.strip():
                    continue
                event = json.loads(line)
                if event.get("type") == "ERROR":
                    status = event.get("object") or {}
                    raise KubeError(int(status.get("code") or 500), status, f"watch {path}")
                yield event
