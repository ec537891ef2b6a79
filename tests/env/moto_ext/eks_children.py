"""EKS clusters that lead to a real (local) Kubernetes API server.

moto's DescribeCluster answers an endpoint (`https://xxx.gr7.<region>.eks.amazonaws.com`)
and a certificateAuthority (1400 random characters) that lead nowhere. Here a
"child" kube-apiserver of the test environment (`envctl.py child up --eks-cluster
NAME`) is *bound* to an EKS cluster name; for a bound cluster

- CreateCluster and DescribeCluster answer `endpoint` = the child's https URL and
  `certificateAuthority.data` = base64 of its CA (PEM), as EKS does; while the
  cluster is CREATING (a scripted state) both are absent, as on EKS;
- the child's kube-apiserver authenticates EKS bearer tokens through the token
  webhook of this module (`authn_webhook.py` does the verification), which maps
  the caller to a Kubernetes identity from the cluster's access entries
  (eks_ext keeps them on moto's Cluster object).

Bindings (admin route /aura-env/children, JSON):

    POST   /aura-env/children        {"child": "c1", "eks_cluster": "demo" | "*",
                                      "endpoint": "https://127.0.0.1:PORT", "ca": "<PEM>",
                                      "region": "us-east-1" (optional), "account": "123..." (optional)}
    GET    /aura-env/children        every binding, with the EKS cluster it serves now
    DELETE /aura-env/children/<child>

`eks_cluster: "*"` binds the next EKS cluster created (CreateCluster) that has
no binding of its own; such a claim holds while that cluster exists (then the
child is free for the next CreateCluster) or until a reset. A name binding
holds whether or not the cluster exists yet. Bindings survive /aura-env/reset
(they describe the environment, like fault rules); claims do not (the clusters
are gone).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Optional

from .middleware import AdminResponse

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")  # EKS cluster names
_CHILD_RE = re.compile(r"^[A-Za-z0-9-]{1,63}$")
_ARN_RE = re.compile(r"^arn:[^:]+:eks:([^:]+):(\d{12}):cluster/(.+)$")


def cluster_location(cluster) -> tuple[str, str]:
    """(account, region) of a moto EKS Cluster, from its ARN."""
    m = _ARN_RE.match(getattr(cluster, "arn", "") or "")
    return (m.group(2), m.group(1)) if m else ("", "")


def find_clusters(name: str, region: Optional[str] = None, account: Optional[str] = None) -> list:
    """moto EKS Cluster objects with this name (optionally in one region/account)."""
    from moto.eks.models import eks_backends

    out = []
    for acct in list(eks_backends.keys()):
        if account and acct != account:
            continue
        for reg, backend in list(eks_backends[acct].items()):
            if region and reg != region:
                continue
            c = backend.clusters.get(name)
            if c is not None:
                out.append(c)
    return out


@dataclass
class Binding:
    child: str
    eks_cluster: str               # a cluster name, or "*" (claims the next created cluster)
    endpoint: str                  # https://127.0.0.1:PORT of the child's kube-apiserver
    ca_pem: str                    # the CA that signed its serving certificate
    region: Optional[str] = None   # None: any region
    account: Optional[str] = None  # None: any account
    claim: Optional[tuple] = None  # (account, region, name) a "*" binding serves now
    seq: int = 0

    @property
    def wildcard(self) -> bool:
        return self.eks_cluster == "*"

    def matches(self, account: str, region: str, name: str) -> bool:
        if self.wildcard:
            return self.claim == (account, region, name)
        return (self.eks_cluster == name and (self.region is None or self.region == region)
                and (self.account is None or self.account == account))

    def cluster(self):
        """The moto Cluster this child serves now, or None."""
        if self.wildcard:
            if self.claim is None:
                return None
            account, region, name = self.claim
            found = find_clusters(name, region, account)
        else:
            found = find_clusters(self.eks_cluster, self.region, self.account)
        return found[0] if found else None

    def to_json(self) -> dict:
        c = self.cluster()
        serving = None
        if c is not None:
            account, region = cluster_location(c)
            serving = {"name": c.name, "region": region, "account": account, "arn": c.arn,
                       "status": c.status}
        return {"child": self.child, "eks_cluster": self.eks_cluster, "endpoint": self.endpoint,
                "region": self.region, "account": self.account, "serving": serving,
                "webhook_path": f"/aura-env/authn/{self.child}"}


@dataclass
class Children:
    lock: threading.RLock = field(default_factory=threading.RLock)
    bindings: dict = field(default_factory=dict)  # child -> Binding
    seq: int = 0

    # -- lookups ----------------------------------------------------------------------
    def get(self, child: str) -> Optional[Binding]:
        with self.lock:
            return self.bindings.get(child)

    def for_cluster(self, cluster) -> Optional[Binding]:
        account, region = cluster_location(cluster)
        with self.lock:
            ordered = sorted(self.bindings.values(), key=lambda b: (b.wildcard, b.seq))
            for b in ordered:
                if b.matches(account, region, cluster.name):
                    return b
        return None

    # -- moto hooks (called by eks_ext's CreateCluster / DescribeCluster patches) --------
    def on_create(self, cluster) -> None:
        """A new cluster: a free "*" binding claims it unless a binding serves it already."""
        account, region = cluster_location(cluster)
        with self.lock:
            if self.for_cluster(cluster) is not None:
                return
            for b in sorted(self.bindings.values(), key=lambda b: b.seq):
                if not b.wildcard:
                    continue
                if b.region and b.region != region or b.account and b.account != account:
                    continue
                if b.claim is None or b.cluster() is None:
                    b.claim = (account, region, cluster.name)
                    return

    def decorate(self, cluster) -> None:
        """Sets a bound cluster's endpoint and CA before moto serialises it (and
        puts moto's own values back when the binding went away)."""
        b = self.for_cluster(cluster)
        if b is None:
            orig = getattr(cluster, "_aura_orig_endpoint", None)
            if orig is not None:
                cluster.endpoint, cluster.certificate_authority = orig
                del cluster._aura_orig_endpoint
            return
        if getattr(cluster, "_aura_orig_endpoint", None) is None:
            cluster._aura_orig_endpoint = (cluster.endpoint, cluster.certificate_authority)
        if cluster.status == "CREATING":
            # EKS has neither before the control plane is up.
            cluster.endpoint = None
            cluster.certificate_authority = {}
        else:
            cluster.endpoint = b.endpoint
            cluster.certificate_authority = {"data": base64.b64encode(b.ca_pem.encode()).decode()}

    def reset(self) -> None:
        with self.lock:
            for b in self.bindings.values():
                b.claim = None

    # -- admin route: /aura-env/children ---------------------------------------------------
    def route(self, method: str, sub: str, query: str, body: bytes) -> AdminResponse:
        parts = [p for p in sub.split("/") if p]
        if method == "GET" and len(parts) == 1:
            with self.lock:
                items = [b.to_json() for b in sorted(self.bindings.values(), key=lambda b: b.seq)]
            return AdminResponse(200, {"children": items})
        if method == "GET" and len(parts) == 2:
            b = self.get(parts[1])
            return AdminResponse(200, b.to_json()) if b else AdminResponse(404, {"error": f"no child {parts[1]!r}"})
        if method == "DELETE" and len(parts) == 2:
            with self.lock:
                b = self.bindings.pop(parts[1], None)
            return AdminResponse(200, {"deleted": parts[1]}) if b else AdminResponse(404, {"error": "no such child"})
        if method == "DELETE" and len(parts) == 1:
            with self.lock:
                n = len(self.bindings)
                self.bindings.clear()
            return AdminResponse(200, {"deleted": n})
        if method == "POST" and len(parts) == 1:
            try:
                spec = json.loads(body or b"{}")
                b = self._binding(spec)
            except (ValueError, TypeError, KeyError) as e:
                return AdminResponse(400, {"error": str(e)})
            with self.lock:
                old = self.bindings.get(b.child)
                if old is not None and old.eks_cluster == b.eks_cluster:
                    b.claim, b.seq = old.claim, old.seq  # re-posting the same binding keeps its claim
                else:
                    self.seq += 1
                    b.seq = self.seq
                self.bindings[b.child] = b
                return AdminResponse(200, b.to_json())
        return AdminResponse(405, {"error": "GET, POST /aura-env/children; GET, DELETE /aura-env/children/<child>"})

    @staticmethod
    def _binding(spec: dict) -> Binding:
        if not isinstance(spec, dict):
            raise ValueError("a JSON object is expected")
        child = spec.get("child")
        if not isinstance(child, str) or not _CHILD_RE.match(child):
            raise ValueError(f"child must be letters, digits and '-': {child!r}")
        name = spec.get("eks_cluster")
        if name != "*" and (not isinstance(name, str) or not _NAME_RE.match(name)):
            raise ValueError(f"eks_cluster must be an EKS cluster name or '*': {name!r}")
        endpoint = spec.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith("https://"):
            raise ValueError(f"endpoint must be an https URL: {endpoint!r}")
        ca = spec.get("ca")
        if not isinstance(ca, str) or "-----BEGIN CERTIFICATE-----" not in ca:
            raise ValueError("ca must be a PEM certificate")
        return Binding(child=child, eks_cluster=name, endpoint=endpoint.rstrip("/"), ca_pem=ca,
                       region=spec.get("region") or None, account=spec.get("account") or None)


CHILDREN = Children()
