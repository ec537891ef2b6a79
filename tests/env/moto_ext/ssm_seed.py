"""EKS optimized AMIs: SSM public parameters and the images they name.

moto (5.2.5) has the `/aws/service/ami-amazon-linux-latest/...` and ECS
parameters but none under `/aws/service/eks/optimized-ami/`, which is where
EKS node AMIs are looked up (Karpenter, self-managed nodes, launch templates):

    /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<x86_64|arm64>/<standard|nvidia>/recommended/image_id
    /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/x86_64/neuron/recommended/image_id
    /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2[-arm64|-gpu]/recommended/image_id   (AL2: up to 1.32)

each with siblings `image_name`, `release_version` and the JSON parameter
`.../recommended` itself, for Kubernetes 1.30 to 1.34 (`VERSIONS`).

The images are registered in moto's EC2 backend of every region as it is
created (AmiBackend._load_amis, where moto loads its own default AMIs), owned
by Amazon's EKS AMI account 602401143452 with EKS names
(amazon-eks-node-al2023-x86_64-standard-1.31-v20251103, ...), so
DescribeImages and RunInstances accept the IDs. The parameters are loaded the
way moto loads its own public parameters: lazily, per account and region, on
the first SSM call that touches /aws/service/eks (ParameterDict._check_loading_status).
Both live in moto's backends, so /aura-env/reset (and moto's reset) rebuilds
them; `seed(account, region)` forces them at startup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

VERSIONS = ["1.30", "1.31", "1.32", "1.33", "1.34"]
AL2_VERSIONS = ["1.30", "1.31", "1.32"]  # no Amazon Linux 2 EKS AMIs from 1.33 on
BUILD_DATE = "20251103"
EKS_AMI_OWNER = "602401143452"
PREFIX = "/aws/service/eks/optimized-ami"


def _patch(version: str) -> int:
    from .eks_ext import K8S_PATCH

    return K8S_PATCH.get(version, 0)


def images(version: str) -> list[dict]:
    """[{path, name, arch, description}] of the EKS AMIs of one Kubernetes version."""
    out = []
    for arch in ("x86_64", "arm64"):
        for variant in ("standard", "nvidia") + (("neuron",) if arch == "x86_64" else ()):
            out.append({"path": f"{PREFIX}/{version}/amazon-linux-2023/{arch}/{variant}/recommended",
                        "name": f"amazon-eks-node-al2023-{arch}-{variant}-{version}-v{BUILD_DATE}",
                        "arch": arch,
                        "description": f"EKS-optimized Kubernetes node based on Amazon Linux 2023, "
                                       f"({variant}, k8s: {version}.{_patch(version)})"})
    if version in AL2_VERSIONS:
        for suffix, name, arch in (("", f"amazon-eks-node-{version}-v{BUILD_DATE}", "x86_64"),
                                   ("-arm64", f"amazon-eks-arm64-node-{version}-v{BUILD_DATE}", "arm64"),
                                   ("-gpu", f"amazon-eks-gpu-node-{version}-v{BUILD_DATE}", "x86_64")):
            out.append({"path": f"{PREFIX}/{version}/amazon-linux-2{suffix}/recommended", "name": name,
                        "arch": arch,
                        "description": f"EKS Kubernetes Worker AMI with AmazonLinux2 image, "
                                       f"(k8s: {version}.{_patch(version)})"})
    return out


def all_images() -> list[dict]:
    return [dict(img, version=v) for v in VERSIONS for img in images(v)]


def ami_id(region: str, name: str) -> str:
    return "ami-" + hashlib.sha256(f"{region}/{name}".encode()).hexdigest()[:17]


def release_version(version: str) -> str:
    return f"{version}.{_patch(version)}-{BUILD_DATE}"


def _register_images(backend) -> None:
    from moto.ec2.models.amis import Ami

    created = dt.datetime(int(BUILD_DATE[:4]), int(BUILD_DATE[4:6]), int(BUILD_DATE[6:]), 12, 0, 0)
    for img in all_images():
        image_id = ami_id(backend.region_name, img["name"])
        if image_id in backend.amis:
            continue
        backend.amis[image_id] = Ami(
            backend, image_id, name=img["name"], description=img["description"], owner_id=EKS_AMI_OWNER,
            owner_alias="amazon", public=True, virtualization_type="hvm", architecture=img["arch"],
            creation_date=created, image_location=f"amazon/{img['name']}", hypervisor="xen",
            root_device_type="ebs", root_device_name="/dev/xvda", boot_mode="uefi-preferred")


def parameters(region: str) -> list[tuple[str, str]]:
    out = []
    for img in all_images():
        image_id = ami_id(region, img["name"])
        rel = release_version(img["version"])
        out += [(f"{img['path']}/image_id", image_id), (f"{img['path']}/image_name", img["name"]),
                (f"{img['path']}/release_version", rel),
                (img["path"], json.dumps({"schema_version": "2", "image_id": image_id, "image_name": img["name"],
                                          "release_version": rel}))]
    return out


def _load_parameters(pdict) -> None:
    from moto.ssm.models import Parameter

    modified = dt.datetime(int(BUILD_DATE[:4]), int(BUILD_DATE[4:6]), int(BUILD_DATE[6:]), 12, 0, 0,
                           tzinfo=dt.timezone.utc)
    for name, value in parameters(pdict.region_name):
        versions = dict.__getitem__(pdict, name) if dict.__contains__(pdict, name) else None
        if versions:
            continue
        dict.__setitem__(pdict, name, [Parameter(
            account_id=pdict.account_id, name=name, value=value, parameter_type="String", description=None,
            allowed_pattern=None, keyid=None, last_modified_date=modified, version=1, data_type="text")])


def install() -> None:
    from moto.ec2.models.amis import AmiBackend
    from moto.ssm.models import ParameterDict

    if getattr(AmiBackend, "_aura_patched", False):
        return
    AmiBackend._aura_patched = True
    orig_load = AmiBackend._load_amis

    def _load_amis(self) -> None:
        orig_load(self)
        _register_images(self)

    AmiBackend._load_amis = _load_amis

    orig_check = ParameterDict._check_loading_status

    def _check_loading_status(self, key: str) -> None:
        orig_check(self, key)
        k = str(key or "")
        if not getattr(self, "_aura_eks_loaded", False) and (
                k.startswith("/aws/service/eks") or "/aws/service/eks/".startswith(k.rstrip("/") + "/")):
            self._aura_eks_loaded = True
            _load_parameters(self)

    ParameterDict._check_loading_status = _check_loading_status


def seed(account: str, region: str) -> None:
    """Loads both now (the launcher calls it at startup and after a reset)."""
    from moto.ec2.models import ec2_backends
    from moto.ssm.models import ssm_backends

    _ = ec2_backends[account][region].amis  # creating the backend registers the images
    ssm_backends[account][region]._parameters._check_loading_status(PREFIX)
