"""EKS API that moto (5.2.5) lacks, and fixes to what it has.

moto's EKS knows clusters, node groups and Fargate profiles only; every other
path answers a 404 HTML page. This module answers, statefully and per the EKS
API reference (REST-JSON, botocore's eks service model for paths and shapes):

- add-ons: CreateAddon, DescribeAddon, ListAddons, UpdateAddon, DeleteAddon,
  DescribeAddonVersions, DescribeAddonConfiguration, DescribeUpdate (add-on
  updates, `?addonName=`);
- access entries: CreateAccessEntry, DescribeAccessEntry, ListAccessEntries,
  UpdateAccessEntry, DeleteAccessEntry, and access policies: ListAccessPolicies,
  AssociateAccessPolicy, ListAssociatedAccessPolicies, DisassociateAccessPolicy;
- pod identity associations: Create/Describe/List/Update/DeletePodIdentityAssociation;
- TagResource / UntagResource / ListTagsForResource for those ARNs (and node
  groups); cluster ARNs stay with moto.

Requests are authenticated first with moto's own machinery (mauth.authenticate:
signature and IAM policy for `eks:<Operation>`), errors as EKS sends them
(403 InvalidSignatureException / UnrecognizedClientException /
AccessDeniedException). The cluster must exist in moto's EKS backend
(ResourceNotFoundException), and be ACTIVE for creates (InvalidRequestException,
as moto does for node groups). Duplicates give ResourceInUseException, bad
input InvalidParameterException, a missing item ResourceNotFoundException.
`clientRequestToken` makes creates and updates idempotent: the same token and
the same parameters return the same resource; the same token with other
parameters is an InvalidParameterException (EKS models no
IdempotentParameterMismatch). State is kept on moto's Cluster object, so it
goes with the cluster (DeleteCluster, /aura-env/reset).

Patches to moto's EKS responses (install()):
- CreateCluster gives each cluster an OIDC issuer of its own (moto: one per
  region and process).
- CreateCluster keeps `accessConfig` (authenticationMode, default CONFIG_MAP as
  the API documents; bootstrapClusterCreatorAdminPermissions, default true) and
  returns it in DescribeCluster; with API or API_AND_CONFIG_MAP and bootstrap
  true it creates the creator's access entry with AmazonEKSClusterAdminPolicy,
  as EKS does. CreateCluster with the same clientRequestToken and parameters
  returns the existing cluster instead of ResourceInUseException.
- Describe/Delete of clusters and node groups go through the scripted states
  (states.py): a cluster can stay CREATING for N DescribeCluster calls, or
  DELETING before it is gone. Without a script DeleteCluster answers DELETING
  (moto said ACTIVE) and the cluster is gone at once.
- A cluster bound to a child kube-apiserver of the test environment
  (eks_children.py) answers that child's endpoint and CA in CreateCluster and
  DescribeCluster; the creator's ARN is kept for the token webhook
  (authn_webhook.py), which maps callers with the access entries kept here.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional
from urllib.parse import parse_qs

from .awsproto import Call
from .eks_children import CHILDREN
from .middleware import simple_app
from .states import GONE, REGISTRY

_lock = threading.RLock()

# -- catalogs ---------------------------------------------------------------------

# Kubernetes version -> patch release used in versions of kube-proxy and of the
# EKS optimized AMIs (ssm_seed.py).
K8S_PATCH = {"1.28": 15, "1.29": 15, "1.30": 14, "1.31": 13, "1.32": 9, "1.33": 5, "1.34": 1, "1.35": 0}
K8S_VERSIONS = list(K8S_PATCH)
_COREDNS = {"1.28": "v1.10.1-eksbuild.18", "1.29": "v1.11.1-eksbuild.13", "1.30": "v1.11.4-eksbuild.14",
            "1.31": "v1.11.4-eksbuild.14", "1.32": "v1.11.4-eksbuild.14", "1.33": "v1.12.1-eksbuild.2",
            "1.34": "v1.12.3-eksbuild.1", "1.35": "v1.12.4-eksbuild.1"}


def _per_version(fn: Callable[[str], list]) -> dict:
    return {v: fn(v) for v in K8S_VERSIONS}


ADDONS: dict[str, dict] = {
    "vpc-cni": {"type": "networking", "iam": True,
                "versions": _per_version(lambda v: ["v1.20.4-eksbuild.1", "v1.19.6-eksbuild.7"])},
    "coredns": {"type": "networking", "iam": False,
                "versions": _per_version(lambda v: [_COREDNS[v]])},
    "kube-proxy": {"type": "networking", "iam": False,
                   "versions": _per_version(lambda v: [f"v{v}.{K8S_PATCH[v]}-eksbuild.2",
                                                       f"v{v}.{max(K8S_PATCH[v] - 1, 0)}-eksbuild.5"])},
    "eks-pod-identity-agent": {"type": "security", "iam": False,
                               "versions": _per_version(lambda v: ["v1.3.8-eksbuild.2", "v1.3.7-eksbuild.2"])},
    "aws-ebs-csi-driver": {"type": "storage", "iam": True,
                           "versions": _per_version(lambda v: ["v1.48.0-eksbuild.2", "v1.47.0-eksbuild.1"])},
    "aws-efs-csi-driver": {"type": "storage", "iam": True,
                           "versions": _per_version(lambda v: ["v2.1.11-eksbuild.1"])},
    "aws-mountpoint-s3-csi-driver": {"type": "storage", "iam": True,
                                     "versions": _per_version(lambda v: ["v2.0.0-eksbuild.1"])},
    "snapshot-controller": {"type": "storage", "iam": False,
                            "versions": _per_version(lambda v: ["v8.3.0-eksbuild.1"])},
    "metrics-server": {"type": "observability", "iam": False,
                       "versions": _per_version(lambda v: ["v0.8.0-eksbuild.2"])},
    "amazon-cloudwatch-observability": {"type": "observability", "iam": True, "namespace": "amazon-cloudwatch",
                                        "versions": _per_version(lambda v: ["v4.4.0-eksbuild.1"])},
    "eks-node-monitoring-agent": {"type": "observability", "iam": False,
                                  "versions": _per_version(lambda v: ["v1.4.0-eksbuild.2"])},
}

ACCESS_POLICIES = [
    "AmazonEKSAdminPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy", "AmazonEMRJobPolicy", "AmazonEKSAutoNodePolicy", "AmazonEKSBlockStoragePolicy",
    "AmazonEKSComputePolicy", "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy",
    "AmazonEKSHybridPolicy", "AmazonSagemakerHyperpodClusterPolicy", "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
]
ACCESS_ENTRY_TYPES = ("STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX",
                      "HYPERPOD_LINUX")
AUTH_MODES = ("CONFIG_MAP", "API", "API_AND_CONFIG_MAP")
_PRINCIPAL_RE = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)/([\w+=,.@/-]+)$")
_ROLE_RE = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/([\w+=,.@/-]+)$")
_RESERVED_USER_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")


def policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


# -- errors ---------------------------------------------------------------------------

class EksError(Exception):
    def __init__(self, status: int, code: str, message: str, **fields):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = {k: v for k, v in fields.items() if v is not None}


def not_found(message: str, **f) -> EksError:
    return EksError(404, "ResourceNotFoundException", message, **f)


def in_use(message: str, **f) -> EksError:
    return EksError(409, "ResourceInUseException", message, **f)


def invalid_param(message: str, **f) -> EksError:
    return EksError(400, "InvalidParameterException", message, **f)


def invalid_request(message: str, **f) -> EksError:
    return EksError(400, "InvalidRequestException", message, **f)


# -- state kept on moto's Cluster object --------------------------------------------------

def _now() -> float:
    return time.time()


class Addon:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def to_json(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if not k.startswith("_") and v is not None}
        return out


class ClusterExt:
    def __init__(self):
        self.addons: dict[str, Addon] = {}
        self.entries: dict[str, dict] = {}      # principalArn -> access entry (+ "_policies")
        self.pias: dict[str, dict] = {}         # associationId -> association
        self.tokens: dict[tuple, tuple] = {}    # (operation, token) -> (fingerprint, getter)
        self.updates: dict[str, dict] = {}      # update id -> update (+ "_addon")


def ext_of(cluster) -> ClusterExt:
    ext = getattr(cluster, "_aura_ext", None)
    if ext is None:
        ext = ClusterExt()
        cluster._aura_ext = ext
    return ext


@dataclass
class Ctx:
    environ: dict
    call: Call
    account: str
    region: str
    partition: str
    principal_arn: Optional[str]
    body: dict
    query: dict

    @property
    def backend(self):
        from moto.eks.models import eks_backends

        return eks_backends[self.account][self.region]

    def param(self, name: str):
        return self.call.uri_params.get(name)

    def q(self, name: str, default=None):
        return self.query.get(name, [default])[0]

    def cluster(self, require_active: bool = False):
        name = self.param("name")
        cluster = self.backend.clusters.get(name)
        if cluster is None:
            raise not_found(f"No cluster found for name: {name}.", clusterName=name)
        if require_active and cluster.status != "ACTIVE":
            raise invalid_request(f"Cluster '{name}' is not in ACTIVE status", clusterName=name)
        return cluster


def _fingerprint(body: dict, *extra) -> str:
    b = {k: v for k, v in body.items() if k != "clientRequestToken"}
    return json.dumps([b, list(extra)], sort_keys=True, default=str)


def _idempotent(ctx: Ctx, ext: ClusterExt, op: str, fp: str) -> Optional[dict]:
    """The earlier answer for this clientRequestToken, or None to go on."""
    token = ctx.body.get("clientRequestToken")
    if not token:
        return None
    entry = ext.tokens.get((op, token))
    if entry is None:
        return None
    old_fp, getter = entry
    current = getter()
    if current is None:  # the resource is gone: the token starts afresh
        ext.tokens.pop((op, token), None)
        return None
    if old_fp != fp:
        raise invalid_param("The client request token has already been used with different request "
                            "parameters.")
    return current


def _remember(ctx: Ctx, ext: ClusterExt, op: str, fp: str, getter: Callable[[], Optional[dict]]) -> None:
    token = ctx.body.get("clientRequestToken")
    if token:
        ext.tokens[(op, token)] = (fp, getter)


def _tags(ctx: Ctx) -> dict:
    tags = ctx.body.get("tags") or {}
    if not isinstance(tags, dict):
        raise invalid_param("tags must be a map")
    for k, v in tags.items():
        if not 1 <= len(k) <= 128 or len(str(v)) > 256 or k.lower().startswith("aws:"):
            raise invalid_param(f"Invalid tag {k!r}")
    if len(tags) > 50:
        raise invalid_param("Too many tags (at most 50)")
    return dict(tags)


def _paginate(ctx: Ctx, items: list, lo: int = 1, hi: int = 100) -> tuple[list, Optional[str]]:
    mr = ctx.q("maxResults")
    try:
        max_results = int(mr) if mr is not None else hi
    except ValueError:
        raise invalid_param("maxResults must be an integer") from None
    if not lo <= max_results <= hi:
        raise invalid_param(f"maxResults must be between {lo} and {hi}")
    start = 0
    token = ctx.q("nextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except Exception:
            raise invalid_param("The nextToken is not valid.") from None
    page = items[start:start + max_results]
    nxt = start + max_results
    return page, (base64.urlsafe_b64encode(str(nxt).encode()).decode() if nxt < len(items) else None)


def _role_exists(arn: str) -> bool:
    from moto.iam.models import iam_backends

    m = _ROLE_RE.match(arn or "")
    if not m:
        return False
    try:
        iam_backends[m.group(2)][m.group(1)].get_role_by_arn(arn)
        return True
    except Exception:
        return False


def _check_role_arn(arn: Any, field: str) -> str:
    if not isinstance(arn, str) or not _ROLE_RE.match(arn):
        raise invalid_param(f"The {field} parameter format is not valid: {arn!r} is not an IAM role ARN.")
    if not _role_exists(arn):
        raise invalid_param(f"Role {arn} does not exist.")
    return arn


def _short_uuid() -> str:
    return str(uuid.uuid4())


# -- add-ons -------------------------------------------------------------------------------

def _set_addon_status(addon: Addon, state: str) -> None:
    addon.status = state
    addon.modifiedAt = _now()


def _catalog_versions(name: str, k8s: str) -> list:
    entry = ADDONS[name]
    if k8s in entry["versions"]:
        return entry["versions"][k8s]
    seen = []
    for vs in entry["versions"].values():  # a cluster version outside the catalog: any known version
        seen += [v for v in vs if v not in seen]
    return seen


def _addon_json(addon: Addon) -> dict:
    return addon.to_json()


def _visible_addon(ext: ClusterExt, name: str, describe: bool = False) -> Optional[Addon]:
    addon = ext.addons.get(name)
    if addon is None:
        return None
    if describe:
        state = REGISTRY.on_describe(addon)
        if state == GONE:
            ext.addons.pop(name, None)
            return None
    return addon


def create_addon(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    name = ctx.body.get("addonName")
    if not name:
        raise invalid_param("addonName is required")
    fp = _fingerprint(ctx.body)
    again = _idempotent(ctx, ext, "CreateAddon", fp)
    if again is not None:
        return again
    ctx.cluster(require_active=True)
    if name not in ADDONS:
        raise invalid_param(f"Addon {name} specified is not supported in {cluster.version} kubernetes version",
                            clusterName=cluster.name, addonName=name)
    if name in ext.addons:
        raise in_use("Addon already exists.", clusterName=cluster.name, addonName=name)
    versions = _catalog_versions(name, cluster.version)
    version = ctx.body.get("addonVersion") or versions[0]
    if version not in versions:
        raise invalid_param(f"Addon version specified is not supported", clusterName=cluster.name,
                            addonName=name)
    role = ctx.body.get("serviceAccountRoleArn")
    if role is not None:
        _check_role_arn(role, "serviceAccountRoleArn")
    rc = ctx.body.get("resolveConflicts")
    if rc is not None and rc not in ("OVERWRITE", "NONE", "PRESERVE"):
        raise invalid_param(f"resolveConflicts must be one of OVERWRITE, NONE, PRESERVE")
    cfg = ctx.body.get("configurationValues")
    if cfg:
        _check_configuration_values(cfg)
    tags = _tags(ctx)
    namespace = (ctx.body.get("namespaceConfig") or {}).get("namespace") or ADDONS[name].get("namespace",
                                                                                              "kube-system")
    now = _now()
    addon = Addon(addonName=name, clusterName=cluster.name, status="CREATING", addonVersion=version,
                  health={"issues": []},
                  addonArn=f"arn:{ctx.partition}:eks:{ctx.region}:{ctx.account}:addon/{cluster.name}/{name}/"
                           f"{_short_uuid()}",
                  createdAt=now, modifiedAt=now, serviceAccountRoleArn=role, tags=tags, publisher="eks",
                  owner="aws", configurationValues=cfg, podIdentityAssociations=[],
                  namespaceConfig={"namespace": namespace} if ctx.body.get("namespaceConfig") else None)
    pia_specs = ctx.body.get("podIdentityAssociations") or []
    for spec in pia_specs:
        if not spec.get("serviceAccount") or not spec.get("roleArn"):
            raise invalid_param("podIdentityAssociations need serviceAccount and roleArn")
        _check_role_arn(spec["roleArn"], "roleArn")
        for p in ext.pias.values():
            if p["namespace"] == namespace and p["serviceAccount"] == spec["serviceAccount"]:
                raise in_use(f"Association already exists for service account {namespace}/"
                             f"{spec['serviceAccount']}")
    for spec in pia_specs:
        assoc = _new_pia(ctx, cluster, namespace, spec["serviceAccount"], spec["roleArn"], {}, owner=addon.addonArn)
        ext.pias[assoc["associationId"]] = assoc
        addon.podIdentityAssociations.append(assoc["associationArn"])
    ext.addons[name] = addon
    if REGISTRY.on_event("eks-addon", "create", addon, name, tags, _set_addon_status) is None:
        # By default: CREATING in this answer, ACTIVE from the next DescribeAddon on.
        REGISTRY.bind("eks-addon", addon, name, [], "ACTIVE", _set_addon_status)
        addon.status = "CREATING"
    result = {"addon": _addon_json(addon)}
    _remember(ctx, ext, "CreateAddon", fp,
              lambda: {"addon": _addon_json(ext.addons[name])} if ext.addons.get(name) is addon else None)
    return result


def _check_configuration_values(cfg: Any) -> None:
    if not isinstance(cfg, str):
        raise invalid_param("configurationValues must be a string")
    try:
        json.loads(cfg)
        return
    except ValueError:
        pass
    # YAML is accepted too; a minimal shape check (key: value lines).
    if not all(re.match(r"^\s*(#.*|[\w.\-\"']+\s*:.*|-\s.*|)$", line) for line in cfg.splitlines()):
        raise invalid_param("configurationValues is neither valid JSON nor YAML")


def describe_addon(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    name = ctx.param("addonName")
    addon = _visible_addon(ext_of(cluster), name, describe=True)
    if addon is None:
        raise not_found(f"No addon: {name} found in cluster: {cluster.name}", clusterName=cluster.name,
                        addonName=name)
    return {"addon": _addon_json(addon)}


def list_addons(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    names = sorted(ext_of(cluster).addons)
    page, nxt = _paginate(ctx, names)
    return {"addons": page, "nextToken": nxt}


def delete_addon(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    name = ctx.param("addonName")
    addon = ext.addons.get(name)
    if addon is None:
        raise not_found(f"No addon: {name} found in cluster: {cluster.name}", clusterName=cluster.name,
                        addonName=name)
    preserve = (ctx.q("preserve") or "false").lower() == "true"
    addon._preserve = preserve
    for arn in list(addon.podIdentityAssociations or []):
        for aid, p in list(ext.pias.items()):
            if p["associationArn"] == arn:
                ext.pias.pop(aid)
    script = REGISTRY.script_of(addon)
    if script is not None and script.final == GONE:
        return {"addon": _addon_json(addon)}  # already being deleted
    addon.status = "DELETING"
    addon.modifiedAt = _now()
    answer = {"addon": _addon_json(addon)}
    if REGISTRY.on_event("eks-addon", "delete", addon, name, addon.tags, _set_addon_status) is None:
        ext.addons.pop(name, None)
    return answer


def update_addon(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    name = ctx.param("addonName")
    fp = _fingerprint(ctx.body, name)
    again = _idempotent(ctx, ext, "UpdateAddon", fp)
    if again is not None:
        return again
    addon = ext.addons.get(name)
    if addon is None:
        raise not_found(f"No addon: {name} found in cluster: {cluster.name}", clusterName=cluster.name,
                        addonName=name)
    if addon.status in ("CREATING", "DELETING", "UPDATING"):
        raise in_use(f"Addon {name} is in {addon.status} state", clusterName=cluster.name, addonName=name)
    params = []
    if "addonVersion" in ctx.body:
        version = ctx.body["addonVersion"]
        if version not in _catalog_versions(name, cluster.version):
            raise invalid_param("Addon version specified is not supported", clusterName=cluster.name,
                                addonName=name)
        addon.addonVersion = version
        params.append({"type": "AddonVersion", "value": version})
    if "serviceAccountRoleArn" in ctx.body:
        role = ctx.body["serviceAccountRoleArn"]
        if role:
            _check_role_arn(role, "serviceAccountRoleArn")
        addon.serviceAccountRoleArn = role or None
        params.append({"type": "ServiceAccountRoleArn", "value": role or ""})
    if "resolveConflicts" in ctx.body:
        params.append({"type": "ResolveConflicts", "value": ctx.body["resolveConflicts"]})
    if "configurationValues" in ctx.body:
        cfg = ctx.body["configurationValues"]
        if cfg:
            _check_configuration_values(cfg)
        addon.configurationValues = cfg or None
        params.append({"type": "ConfigurationValues", "value": cfg or ""})
    if "podIdentityAssociations" in ctx.body:
        namespace = (addon.namespaceConfig or {}).get("namespace") or ADDONS[name].get("namespace", "kube-system")
        for arn in list(addon.podIdentityAssociations or []):
            for aid, p in list(ext.pias.items()):
                if p["associationArn"] == arn:
                    ext.pias.pop(aid)
        addon.podIdentityAssociations = []
        for spec in ctx.body["podIdentityAssociations"] or []:
            _check_role_arn(spec.get("roleArn"), "roleArn")
            assoc = _new_pia(ctx, cluster, namespace, spec["serviceAccount"], spec["roleArn"], {},
                             owner=addon.addonArn)
            ext.pias[assoc["associationId"]] = assoc
            addon.podIdentityAssociations.append(assoc["associationArn"])
        params.append({"type": "PodIdentityAssociations", "value": json.dumps(addon.podIdentityAssociations)})
    addon.modifiedAt = _now()
    update = {"id": _short_uuid(), "status": "InProgress", "type": "AddonUpdate", "params": params,
              "createdAt": _now(), "errors": []}
    ext.updates[update["id"]] = dict(update, _addon=name)
    # UPDATING in the answer's world, ACTIVE on the next DescribeAddon.
    REGISTRY.bind("eks-addon", addon, name, [], "ACTIVE", _set_addon_status)
    addon.status = "UPDATING"
    result = {"update": update}
    _remember(ctx, ext, "UpdateAddon", fp, lambda: result if ext.addons.get(name) is addon else None)
    return result


def describe_update(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    uid = ctx.param("updateId")
    addon_name = ctx.q("addonName")
    update = ext.updates.get(uid)
    if update is None or update.get("_addon") != addon_name:
        raise not_found(f"No update found for ID: {uid}", clusterName=cluster.name, addonName=addon_name)
    update["status"] = "Successful"
    return {"update": {k: v for k, v in update.items() if not k.startswith("_")}}


def describe_addon_versions(ctx: Ctx) -> dict:
    k8s = ctx.q("kubernetesVersion")
    name = ctx.q("addonName")
    types = ctx.query.get("types")
    publishers = ctx.query.get("publishers")
    owners = ctx.query.get("owners")
    out = []
    for addon_name, entry in sorted(ADDONS.items()):
        if name and addon_name != name:
            continue
        if types and entry["type"] not in types:
            continue
        if publishers and "eks" not in publishers:
            continue
        if owners and "aws" not in owners:
            continue
        versions: dict[str, list] = {}
        for kv, vs in entry["versions"].items():
            if k8s and kv != k8s:
                continue
            for i, v in enumerate(vs):
                versions.setdefault(v, []).append({"clusterVersion": kv, "platformVersions": ["*"],
                                                   "defaultVersion": i == 0})
        if not versions:
            continue
        out.append({"addonName": addon_name, "type": entry["type"], "publisher": "eks", "owner": "aws",
                    "defaultNamespace": entry.get("namespace", "kube-system"),
                    "addonVersions": [{"addonVersion": v, "architecture": ["amd64", "arm64"],
                                       "computeTypes": ["ec2", "hybrid"], "compatibilities": c,
                                       "requiresConfiguration": False,
                                       "requiresIamPermissions": entry["iam"]}
                                      for v, c in versions.items()]})
    page, nxt = _paginate(ctx, out)
    return {"addons": page, "nextToken": nxt}


def describe_addon_configuration(ctx: Ctx) -> dict:
    name, version = ctx.q("addonName"), ctx.q("addonVersion")
    if not name or not version:
        raise invalid_param("addonName and addonVersion are required")
    if name not in ADDONS or not any(version in vs for vs in ADDONS[name]["versions"].values()):
        raise not_found(f"Addon {name} with version {version} not found", addonName=name)
    return {"addonName": name, "addonVersion": version,
            "configurationSchema": json.dumps({"$schema": "http://json-schema.org/draft-07/schema#",
                                               "type": "object", "additionalProperties": True}),
            "podIdentityConfiguration": []}


# -- access entries and access policies --------------------------------------------------------

def _entry_json(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def _set_entry(ext: ClusterExt, ctx: Ctx, cluster, principal: str, etype: str, groups: list,
               username: Optional[str], tags: dict) -> dict:
    m = _PRINCIPAL_RE.match(principal)
    partition, account, kind, name = m.group(1), m.group(2), m.group(3), m.group(4)
    if not username:
        if etype == "STANDARD":
            username = (f"arn:{partition}:sts::{account}:assumed-role/{name.split('/')[-1]}/{{{{SessionName}}}}"
                        if kind == "role" else principal)
        elif etype in ("FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX"):
            username = "system:node:{{SessionName}}"
        else:
            username = "system:node:{{EC2PrivateDNSName}}"
    if etype != "STANDARD":
        groups = ["system:nodes"] if etype != "EC2" else []
    now = _now()
    entry = {"clusterName": cluster.name, "principalArn": principal, "kubernetesGroups": list(groups),
             "accessEntryArn": f"arn:{ctx.partition}:eks:{ctx.region}:{ctx.account}:access-entry/{cluster.name}/"
                               f"{kind}/{account}/{name.split('/')[-1]}/{_short_uuid()}",
             "createdAt": now, "modifiedAt": now, "tags": tags, "username": username, "type": etype,
             "_policies": {}}
    ext.entries[principal] = entry
    return entry


def _cluster_mode(cluster) -> str:
    return (getattr(cluster, "access_config", None) or {}).get("authenticationMode", "CONFIG_MAP")


def create_access_entry(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    fp = _fingerprint(ctx.body)
    again = _idempotent(ctx, ext, "CreateAccessEntry", fp)
    if again is not None:
        return again
    ctx.cluster(require_active=True)
    if _cluster_mode(cluster) == "CONFIG_MAP":
        raise invalid_request("The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] "
                              "to perform this operation.", clusterName=cluster.name)
    principal = ctx.body.get("principalArn")
    if not isinstance(principal, str) or not _PRINCIPAL_RE.match(principal):
        raise invalid_param("The principalArn parameter format is not valid", clusterName=cluster.name)
    etype = ctx.body.get("type") or "STANDARD"
    if etype not in ACCESS_ENTRY_TYPES:
        raise invalid_param(f"The type {etype} is not valid. Valid types: {', '.join(ACCESS_ENTRY_TYPES)}")
    groups = ctx.body.get("kubernetesGroups") or []
    username = ctx.body.get("username")
    if etype != "STANDARD":
        if ":role/" not in principal:
            raise invalid_param(f"Access entries of type {etype} need an IAM role principal")
        if groups or username:
            raise invalid_param(f"kubernetesGroups and username cannot be specified for access entries of "
                                f"type {etype}")
    if username and username.lower().startswith(_RESERVED_USER_PREFIXES):
        raise invalid_param(f"username cannot start with one of {', '.join(_RESERVED_USER_PREFIXES)}")
    tags = _tags(ctx)
    if principal in ext.entries:
        raise in_use("The specified access entry resource is already in use on this cluster.",
                     clusterName=cluster.name)
    entry = _set_entry(ext, ctx, cluster, principal, etype, groups, username, tags)
    result = {"accessEntry": _entry_json(entry)}
    _remember(ctx, ext, "CreateAccessEntry", fp,
              lambda: {"accessEntry": _entry_json(entry)} if ext.entries.get(principal) is entry else None)
    return result


def _entry(ctx: Ctx, cluster, ext: ClusterExt) -> dict:
    principal = ctx.param("principalArn")
    entry = ext.entries.get(principal)
    if entry is None:
        raise not_found("The specified principalArn could not be found. You can view your available access "
                        "entries with 'list-access-entries'.", clusterName=cluster.name)
    return entry


def describe_access_entry(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    return {"accessEntry": _entry_json(_entry(ctx, cluster, ext_of(cluster)))}


def list_access_entries(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    pol = ctx.q("associatedPolicyArn")
    principals = sorted(p for p, e in ext.entries.items() if not pol or pol in e["_policies"])
    page, nxt = _paginate(ctx, principals)
    return {"accessEntries": page, "nextToken": nxt}


def update_access_entry(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    fp = _fingerprint(ctx.body, ctx.param("principalArn"))
    again = _idempotent(ctx, ext, "UpdateAccessEntry", fp)
    if again is not None:
        return again
    entry = _entry(ctx, cluster, ext)
    if entry["type"] != "STANDARD" and ("kubernetesGroups" in ctx.body or "username" in ctx.body):
        raise invalid_param(f"kubernetesGroups and username cannot be updated for access entries of type "
                            f"{entry['type']}")
    if "kubernetesGroups" in ctx.body:
        entry["kubernetesGroups"] = list(ctx.body["kubernetesGroups"] or [])
    if ctx.body.get("username"):
        username = ctx.body["username"]
        if username.lower().startswith(_RESERVED_USER_PREFIXES):
            raise invalid_param(f"username cannot start with one of {', '.join(_RESERVED_USER_PREFIXES)}")
        entry["username"] = username
    entry["modifiedAt"] = _now()
    principal = entry["principalArn"]
    result = {"accessEntry": _entry_json(entry)}
    _remember(ctx, ext, "UpdateAccessEntry", fp,
              lambda: {"accessEntry": _entry_json(entry)} if ext.entries.get(principal) is entry else None)
    return result


def delete_access_entry(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    entry = _entry(ctx, cluster, ext)
    ext.entries.pop(entry["principalArn"], None)
    return {}


def list_access_policies(ctx: Ctx) -> dict:
    items = [{"name": n, "arn": policy_arn(ctx.partition, n)} for n in ACCESS_POLICIES]
    page, nxt = _paginate(ctx, items)
    return {"accessPolicies": page, "nextToken": nxt}


def _check_scope(scope: Any) -> dict:
    if not isinstance(scope, dict) or scope.get("type") not in ("cluster", "namespace"):
        raise invalid_param("accessScope.type must be cluster or namespace")
    namespaces = scope.get("namespaces") or []
    if scope["type"] == "cluster" and namespaces:
        raise invalid_param("namespaces cannot be specified for an access scope of type cluster")
    if scope["type"] == "namespace" and not namespaces:
        raise invalid_param("At least one namespace is required for an access scope of type namespace")
    for ns in namespaces:
        if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\*?$|^\*$", ns) or len(ns) > 63:
            raise invalid_param(f"Invalid namespace {ns!r}")
    return {"type": scope["type"], "namespaces": list(namespaces)}


def associate_access_policy(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    entry = _entry(ctx, cluster, ext)
    arn = ctx.body.get("policyArn")
    if arn not in {policy_arn(ctx.partition, n) for n in ACCESS_POLICIES}:
        raise invalid_param(f"The specified policyArn {arn} is not valid.", clusterName=cluster.name)
    if entry["type"] != "STANDARD":
        raise invalid_request(f"Access policies cannot be associated with access entries of type {entry['type']}",
                              clusterName=cluster.name)
    scope = _check_scope(ctx.body.get("accessScope"))
    now = _now()
    old = entry["_policies"].get(arn)
    assoc = {"policyArn": arn, "accessScope": scope, "associatedAt": old["associatedAt"] if old else now,
             "modifiedAt": now}
    entry["_policies"][arn] = assoc
    return {"clusterName": cluster.name, "principalArn": entry["principalArn"],
            "associatedAccessPolicy": dict(assoc)}


def list_associated_access_policies(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    entry = _entry(ctx, cluster, ext_of(cluster))
    items = [dict(v) for _, v in sorted(entry["_policies"].items())]
    page, nxt = _paginate(ctx, items)
    return {"clusterName": cluster.name, "principalArn": entry["principalArn"], "nextToken": nxt,
            "associatedAccessPolicies": page}


def disassociate_access_policy(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    entry = _entry(ctx, cluster, ext_of(cluster))
    arn = ctx.param("policyArn")
    if arn not in entry["_policies"]:
        raise not_found(f"The specified policy {arn} is not associated with the access entry.",
                        clusterName=cluster.name)
    del entry["_policies"][arn]
    return {}


def bootstrap_creator_entry(cluster, account: str, region: str, partition: str, principal: str) -> None:
    """What EKS does for bootstrapClusterCreatorAdminPermissions=true."""
    ctx = Ctx(environ={}, call=Call(), account=account, region=region, partition=partition,
              principal_arn=principal, body={}, query={})
    ext = ext_of(cluster)
    entry = _set_entry(ext, ctx, cluster, principal, "STANDARD", [], None, {})
    now = _now()
    arn = policy_arn(partition, "AmazonEKSClusterAdminPolicy")
    entry["_policies"][arn] = {"policyArn": arn, "accessScope": {"type": "cluster", "namespaces": []},
                               "associatedAt": now, "modifiedAt": now}


# -- pod identity associations ---------------------------------------------------------------

def _new_pia(ctx: Ctx, cluster, namespace: str, sa: str, role: str, tags: dict, owner: Optional[str] = None,
             extra: Optional[dict] = None) -> dict:
    aid = "a-" + "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(17))
    now = _now()
    assoc = {"clusterName": cluster.name, "namespace": namespace, "serviceAccount": sa, "roleArn": role,
             "associationArn": f"arn:{ctx.partition}:eks:{ctx.region}:{ctx.account}:podidentityassociation/"
                               f"{cluster.name}/{aid}",
             "associationId": aid, "tags": tags, "createdAt": now, "modifiedAt": now, "ownerArn": owner,
             "disableSessionTags": False}
    assoc.update(extra or {})
    return {k: v for k, v in assoc.items() if v is not None}


def create_pod_identity_association(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    fp = _fingerprint(ctx.body)
    again = _idempotent(ctx, ext, "CreatePodIdentityAssociation", fp)
    if again is not None:
        return again
    ctx.cluster(require_active=True)
    ns, sa = ctx.body.get("namespace"), ctx.body.get("serviceAccount")
    if not ns or not sa:
        raise invalid_param("namespace and serviceAccount are required", clusterName=cluster.name)
    role = _check_role_arn(ctx.body.get("roleArn"), "roleArn")
    extra = {}
    if ctx.body.get("targetRoleArn"):
        extra["targetRoleArn"] = _check_role_arn(ctx.body["targetRoleArn"], "targetRoleArn")
        extra["externalId"] = str(uuid.uuid4())
    if "disableSessionTags" in ctx.body:
        extra["disableSessionTags"] = bool(ctx.body["disableSessionTags"])
    if ctx.body.get("policy"):
        extra["policy"] = ctx.body["policy"]
    tags = _tags(ctx)
    for p in ext.pias.values():
        if p["namespace"] == ns and p["serviceAccount"] == sa:
            raise in_use(f"Association already exists: {p['associationArn']}", clusterName=cluster.name)
    assoc = _new_pia(ctx, cluster, ns, sa, role, tags, extra=extra)
    ext.pias[assoc["associationId"]] = assoc
    aid = assoc["associationId"]
    _remember(ctx, ext, "CreatePodIdentityAssociation", fp,
              lambda: {"association": dict(ext.pias[aid])} if ext.pias.get(aid) is assoc else None)
    return {"association": dict(assoc)}


def _pia(ctx: Ctx, cluster, ext: ClusterExt) -> dict:
    aid = ctx.param("associationId")
    assoc = ext.pias.get(aid)
    if assoc is None:
        raise not_found(f"No Pod Identity Association found with id {aid}", clusterName=cluster.name)
    return assoc


def describe_pod_identity_association(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    return {"association": dict(_pia(ctx, cluster, ext_of(cluster)))}


def list_pod_identity_associations(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ns, sa = ctx.q("namespace"), ctx.q("serviceAccount")
    items = [{k: p[k] for k in ("clusterName", "namespace", "serviceAccount", "associationArn",
                                "associationId", "ownerArn") if k in p}
             for p in sorted(ext_of(cluster).pias.values(), key=lambda p: p["createdAt"])
             if (not ns or p["namespace"] == ns) and (not sa or p["serviceAccount"] == sa)]
    page, nxt = _paginate(ctx, items)
    return {"associations": page, "nextToken": nxt}


def update_pod_identity_association(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    fp = _fingerprint(ctx.body, ctx.param("associationId"))
    again = _idempotent(ctx, ext, "UpdatePodIdentityAssociation", fp)
    if again is not None:
        return again
    assoc = _pia(ctx, cluster, ext)
    if assoc.get("ownerArn"):
        raise invalid_request(f"The Pod Identity Association {assoc['associationId']} is owned by "
                              f"{assoc['ownerArn']} and cannot be updated directly.", clusterName=cluster.name)
    if ctx.body.get("roleArn"):
        assoc["roleArn"] = _check_role_arn(ctx.body["roleArn"], "roleArn")
    if "targetRoleArn" in ctx.body:
        if ctx.body["targetRoleArn"]:
            assoc["targetRoleArn"] = _check_role_arn(ctx.body["targetRoleArn"], "targetRoleArn")
            assoc.setdefault("externalId", str(uuid.uuid4()))
        else:
            assoc.pop("targetRoleArn", None)
            assoc.pop("externalId", None)
    if "disableSessionTags" in ctx.body:
        assoc["disableSessionTags"] = bool(ctx.body["disableSessionTags"])
    if "policy" in ctx.body:
        assoc["policy"] = ctx.body["policy"]
    assoc["modifiedAt"] = _now()
    aid = assoc["associationId"]
    result = {"association": dict(assoc)}
    _remember(ctx, ext, "UpdatePodIdentityAssociation", fp,
              lambda: {"association": dict(ext.pias[aid])} if ext.pias.get(aid) is assoc else None)
    return result


def delete_pod_identity_association(ctx: Ctx) -> dict:
    cluster = ctx.cluster()
    ext = ext_of(cluster)
    assoc = _pia(ctx, cluster, ext)
    if assoc.get("ownerArn"):
        raise invalid_request(f"The Pod Identity Association {assoc['associationId']} is owned by "
                              f"{assoc['ownerArn']} and cannot be deleted directly.", clusterName=cluster.name)
    ext.pias.pop(assoc["associationId"], None)
    return {"association": dict(assoc)}


# -- tags on the extensions' ARNs -----------------------------------------------------------------

_OWN_ARN = re.compile(r"^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:(addon|access-entry|podidentityassociation|nodegroup)/")


def _find_tagged(ctx: Ctx, arn: str):
    """(object, getter, setter) of the tags of a resource by ARN, or None."""
    for cluster in list(ctx.backend.clusters.values()):
        ext = ext_of(cluster)
        for addon in ext.addons.values():
            if addon.addonArn == arn:
                return addon, lambda: addon.tags, lambda t: setattr(addon, "tags", t)
        for entry in ext.entries.values():
            if entry["accessEntryArn"] == arn:
                return entry, lambda: entry["tags"], lambda t: entry.__setitem__("tags", t)
        for assoc in ext.pias.values():
            if assoc["associationArn"] == arn:
                return assoc, lambda: assoc.get("tags", {}), lambda t: assoc.__setitem__("tags", t)
        for ng in cluster.nodegroups.values():
            if ng.arn == arn:
                return ng, lambda: ng.tags, lambda t: setattr(ng, "tags", t)
    return None


def _tag_target(ctx: Ctx):
    arn = ctx.param("resourceArn")
    found = _find_tagged(ctx, arn)
    if found is None:
        raise EksError(404, "NotFoundException", "Resource was not found")
    return found


def tag_resource(ctx: Ctx) -> dict:
    _, get, put = _tag_target(ctx)
    tags = dict(get() or {})
    tags.update(_tags(ctx))
    if len(tags) > 50:
        raise EksError(400, "BadRequestException", "Too many tags (at most 50)")
    put(tags)
    return {}


def untag_resource(ctx: Ctx) -> dict:
    _, get, put = _tag_target(ctx)
    keys = ctx.query.get("tagKeys") or []
    put({k: v for k, v in (get() or {}).items() if k not in keys})
    return {}


def list_tags_for_resource(ctx: Ctx) -> dict:
    _, get, _ = _tag_target(ctx)
    return {"tags": dict(get() or {})}


HANDLERS: dict[str, Callable[[Ctx], dict]] = {
    "CreateAddon": create_addon, "DescribeAddon": describe_addon, "ListAddons": list_addons,
    "DeleteAddon": delete_addon, "UpdateAddon": update_addon, "DescribeUpdate": describe_update,
    "DescribeAddonVersions": describe_addon_versions, "DescribeAddonConfiguration": describe_addon_configuration,
    "CreateAccessEntry": create_access_entry, "DescribeAccessEntry": describe_access_entry,
    "ListAccessEntries": list_access_entries, "UpdateAccessEntry": update_access_entry,
    "DeleteAccessEntry": delete_access_entry, "ListAccessPolicies": list_access_policies,
    "AssociateAccessPolicy": associate_access_policy,
    "ListAssociatedAccessPolicies": list_associated_access_policies,
    "DisassociateAccessPolicy": disassociate_access_policy,
    "CreatePodIdentityAssociation": create_pod_identity_association,
    "DescribePodIdentityAssociation": describe_pod_identity_association,
    "ListPodIdentityAssociations": list_pod_identity_associations,
    "UpdatePodIdentityAssociation": update_pod_identity_association,
    "DeletePodIdentityAssociation": delete_pod_identity_association,
    "TagResource": tag_resource, "UntagResource": untag_resource, "ListTagsForResource": list_tags_for_resource,
}
TAG_OPS = ("TagResource", "UntagResource", "ListTagsForResource")
_AUTH_CODES = {"SignatureDoesNotMatch": "InvalidSignatureException",
               "InvalidClientTokenId": "UnrecognizedClientException",
               "AccessDenied": "AccessDeniedException"}


def _json_response(status: int, payload: dict, headers: Optional[list] = None):
    rid = str(uuid.uuid4())
    body = json.dumps({k: v for k, v in payload.items() if v is not None}).encode()
    hdrs = [("Content-Type", "application/json"), ("x-amzn-RequestId", rid)] + (headers or [])
    return simple_app(status, hdrs, body)


def _error_app(err: EksError):
    return _json_response(err.status, {"message": err.message, **err.fields},
                          [("x-amzn-ErrorType", err.code)])


def eks_hook(environ: dict):
    call: Optional[Call] = environ.get("aura.call")
    if call is None or call.service != "eks" or call.operation not in HANDLERS:
        return None
    query = parse_qs(environ.get("QUERY_STRING", "") or "", keep_blank_values=True)
    if call.operation in TAG_OPS and not _OWN_ARN.match(call.uri_params.get("resourceArn", "")):
        return None  # cluster ARNs: moto's
    if call.operation == "DescribeUpdate" and not query.get("addonName"):
        return None  # cluster and node group updates: moto's

    def app(environ, start_response):
        from .mauth import AuthError, authenticate

        try:
            who = authenticate(environ, "eks", call.operation)
        except AuthError as e:
            return _error_app(EksError(e.status, _AUTH_CODES.get(e.code, e.code), e.message))(environ,
                                                                                               start_response)
        raw = environ.get("aura.body") or b""
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
        except ValueError as e:
            return _error_app(EksError(400, "InvalidParameterException", f"Invalid JSON body: {e}"))(
                environ, start_response)
        from moto.utilities.utils import get_partition

        ctx = Ctx(environ=environ, call=call, account=who["account_id"], region=who["region"],
                  partition=get_partition(who["region"]), principal_arn=who.get("arn"), body=body, query=query)
        try:
            with _lock:
                payload = HANDLERS[call.operation](ctx)
        except EksError as e:
            return _error_app(e)(environ, start_response)
        return _json_response(200, payload)(environ, start_response)

    return app


# -- patches to moto's EKS responses ---------------------------------------------------------------

def _principal_of(response) -> Optional[str]:
    """The IAM principal ARN (user or role) of the caller of a moto response."""
    from moto.iam.access_control import create_access_key
    from moto.iam.models import iam_backends

    try:
        headers = {k: v for k, v in response.headers.items()}
        arn = create_access_key(response.current_account, response.partition, response.get_access_key(),
                                headers).arn
    except Exception:
        return None
    m = re.match(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/", arn)
    if m:
        try:
            return iam_backends[m.group(2)][m.group(1)].get_role(m.group(3)).arn
        except Exception:
            return f"arn:{m.group(1)}:iam::{m.group(2)}:role/{m.group(3)}"
    return arn


def _set_status(obj, state: str) -> None:
    obj.status = state


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.eks import models as eks_models
    from moto.eks.exceptions import InvalidParameterException
    from moto.eks.responses import EKSResponse

    if getattr(EKSResponse, "_aura_patched", False):
        return
    EKSResponse._aura_patched = True
    orig_create_cluster = EKSResponse.create_cluster
    orig_describe_cluster = EKSResponse.describe_cluster
    orig_delete_cluster = EKSResponse.delete_cluster
    orig_create_ng = EKSResponse.create_nodegroup
    orig_describe_ng = EKSResponse.describe_nodegroup
    orig_delete_ng = EKSResponse.delete_nodegroup

    def create_cluster(self):
        with _lock:
            name = self._get_param("name")
            token = self._get_param("clientRequestToken")
            try:
                body = json.loads(self.body or "{}")
            except ValueError:
                body = {}
            fp = _fingerprint(body)
            existing = self.eks_backend.clusters.get(name)
            if existing is not None and token and getattr(existing, "_aura_token", None) == token:
                if getattr(existing, "_aura_fp", None) == fp:
                    CHILDREN.decorate(existing)
                    return ActionResult({"cluster": existing})
                raise InvalidParameterException(
                    clusterName=name, message="The client request token has already been used with "
                                              "different request parameters.")
            access = self._get_param("accessConfig") or {}
            mode = access.get("authenticationMode", "CONFIG_MAP")
            if mode not in AUTH_MODES:
                raise InvalidParameterException(clusterName=name,
                                                message=f"Unsupported authentication mode: {mode}")
            bootstrap = access.get("bootstrapClusterCreatorAdminPermissions", True)
            result = orig_create_cluster(self)
            cluster = self.eks_backend.clusters[name]
            # moto formats one issuer per process for every cluster of a region; EKS gives each
            # cluster its own (32 upper-case hex digits), and IAM OIDC providers are keyed by it.
            cluster.identity = {"oidc": {"issuer": f"https://oidc.eks.{self.region}.amazonaws.com"
                                                   f"/id/{uuid.uuid4().hex.upper()}"}}
            cluster.access_config = {"bootstrapClusterCreatorAdminPermissions": bool(bootstrap),
                                     "authenticationMode": mode}
            cluster._aura_token, cluster._aura_fp = token, fp
            principal = _principal_of(self)
            cluster._aura_creator = principal  # the authn webhook maps it in CONFIG_MAP mode
            if bootstrap and mode != "CONFIG_MAP":
                if principal and _PRINCIPAL_RE.match(principal):
                    bootstrap_creator_entry(cluster, self.current_account, self.region, self.partition, principal)
            REGISTRY.on_event("eks-cluster", "create", cluster, name, cluster.tags, _set_status)
            CHILDREN.on_create(cluster)
            CHILDREN.decorate(cluster)  # result serialises the cluster later: endpoint and CA of a bound child
            return result

    def describe_cluster(self):
        with _lock:
            name = self._get_param("name")
            cluster = self.eks_backend.clusters.get(name)
            if cluster is not None and REGISTRY.on_describe(cluster) == GONE:
                self.eks_backend.clusters.pop(name, None)
                self.eks_backend.cluster_count -= 1
            elif cluster is not None:
                CHILDREN.decorate(cluster)
            return orig_describe_cluster(self)

    def delete_cluster(self):
        with _lock:
            name = self._get_param("name")
            cluster = self.eks_backend.clusters.get(name)
            if cluster is None:
                return orig_delete_cluster(self)
            script = REGISTRY.script_of(cluster)
            if script is not None and script.final == GONE:
                return ActionResult({"cluster": cluster})  # already being deleted
            eks_models.validate_safe_to_delete(cluster)
            if REGISTRY.on_event("eks-cluster", "delete", cluster, name, cluster.tags, _set_status):
                return ActionResult({"cluster": cluster})
            result = orig_delete_cluster(self)
            cluster.status = "DELETING"
            return result

    def create_nodegroup(self):
        with _lock:
            result = orig_create_ng(self)
            cluster = self.eks_backend.clusters.get(self._get_param("name"))
            ng = cluster.nodegroups.get(self._get_param("nodegroupName")) if cluster else None
            if ng is not None:
                REGISTRY.on_event("eks-nodegroup", "create", ng, ng.nodegroup_name, ng.tags, _set_status)
            return result

    def describe_nodegroup(self):
        with _lock:
            cluster = self.eks_backend.clusters.get(self._get_param("name"))
            name = self._get_param("nodegroupName")
            ng = cluster.nodegroups.get(name) if cluster else None
            if ng is not None and REGISTRY.on_describe(ng) == GONE:
                cluster.nodegroups.pop(name, None)
                cluster.nodegroup_count -= 1
            return orig_describe_ng(self)

    def delete_nodegroup(self):
        with _lock:
            cluster = self.eks_backend.clusters.get(self._get_param("name"))
            name = self._get_param("nodegroupName")
            ng = cluster.nodegroups.get(name) if cluster else None
            if ng is None:
                return orig_delete_ng(self)
            script = REGISTRY.script_of(ng)
            if script is not None and script.final == GONE:
                return ActionResult({"nodegroup": ng})
            if REGISTRY.on_event("eks-nodegroup", "delete", ng, name, ng.tags, _set_status):
                return ActionResult({"nodegroup": ng})
            result = orig_delete_ng(self)
            ng.status = "DELETING"
            return result

    EKSResponse.create_cluster = create_cluster
    EKSResponse.describe_cluster = describe_cluster
    EKSResponse.delete_cluster = delete_cluster
    EKSResponse.create_nodegroup = create_nodegroup
    EKSResponse.describe_nodegroup = describe_nodegroup
    EKSResponse.delete_nodegroup = delete_nodegroup

    def find_cluster(rule):
        from moto.eks.models import eks_backends

        out = []
        for account in list(eks_backends.keys()):
            for region, backend in list(eks_backends[account].items()):
                if rule.spec.get("region") and region != rule.spec["region"]:
                    continue
                c = backend.clusters.get(rule.ident)
                if c is not None:
                    out.append((c, rule.ident, _set_status, c.status))
        return out

    def find_in_clusters(rule, pick):
        from moto.eks.models import eks_backends

        out = []
        for account in list(eks_backends.keys()):
            for region, backend in list(eks_backends[account].items()):
                if rule.spec.get("region") and region != rule.spec["region"]:
                    continue
                for c in list(backend.clusters.values()):
                    out += pick(c)
        return out

    REGISTRY.register_finder("eks-cluster", find_cluster)
    REGISTRY.register_finder("eks-nodegroup", lambda rule: find_in_clusters(rule, lambda c: [
        (ng, ng.nodegroup_name, _set_status, ng.status) for ng in c.nodegroups.values()
        if ng.nodegroup_name == rule.ident]))
    REGISTRY.register_finder("eks-addon", lambda rule: find_in_clusters(rule, lambda c: [
        (a, a.addonName, _set_addon_status, a.status) for a in ext_of(c).addons.values()
        if a.addonName == rule.ident]))
