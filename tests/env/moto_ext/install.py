"""Wires every extension into an AuraEnvMiddleware in front of moto.

Order of the request hooks (each may answer the request; the first that does wins):
1. calls counter      (faults.FaultRegistry.counting_hook)     every AWS request, by service:Operation
2. faults             (faults.FaultRegistry.fault_hook)        latency, throttling, 5xx, drops, scripted answers
3. presigned STS      (sts_presign.presign_hook)               GetCallerIdentity presigned URLs (EKS tokens)
4. other presigned    (presigned.presigned_hook)               verified, then re-signed in the header for moto
5. web identity       (sts_webidentity.web_identity_hook)      unsigned AssumeRoleWithWebIdentity
6. missing auth       (auth.missing_auth_hook)                 unsigned calls: 403 as AWS
7. EKS extensions     (eks_ext.eks_hook)                       add-ons, access entries, pod identity, tags
8. moto               (with the patches of mauth, eks_ext, ec2_ext, elb_ext, ssm_seed)

Admin routes: /aura-env/faults, /aura-env/calls, /aura-env/states,
/aura-env/children (EKS clusters bound to child kube-apiservers, eks_children),
/aura-env/authn/<child> (their TokenReview webhook, authn_webhook; the launcher
also serves it over TLS on a port of its own), plus healthz, and reset, which
the launcher owns and which calls `after_reset`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from . import authn_webhook, ec2_ext, eks_ext, elb_ext, mauth, ssm_seed
from .auth import missing_auth_hook
from .awsproto import classify
from .eks_children import CHILDREN
from .faults import FaultRegistry
from .middleware import AuraEnvMiddleware
from .states import REGISTRY as STATES
from .presigned import presigned_hook
from .sts_presign import presign_hook
from .sts_webidentity import web_identity_hook


@dataclass
class Extensions:
    faults: FaultRegistry
    seed_targets: list  # [(account, region)] seeded at startup and after reset

    def after_reset(self) -> None:
        STATES.reset()
        elb_ext.reset()
        CHILDREN.reset()  # bindings stay, claims of "*" bindings go with the clusters
        for account, region in self.seed_targets:
            ssm_seed.seed(account, region)


def patch_moto() -> None:
    """In-process patches to moto's classes; before the first request."""
    mauth.install()
    eks_ext.install()
    ec2_ext.install()
    elb_ext.install()
    ssm_seed.install()


def install(app: AuraEnvMiddleware, auth_required: Callable[[], bool],
            public_targets: Iterable[str] = (),
            seed_targets: Iterable[tuple] = ()) -> Extensions:
    patch_moto()
    faults = FaultRegistry(mauth.user_of_access_key)
    app.set_classifier(classify)
    app.add_request_hook(faults.counting_hook)
    app.add_request_hook(faults.fault_hook)
    app.add_request_hook(presign_hook)
    app.add_request_hook(presigned_hook)
    app.add_request_hook(web_identity_hook)
    app.add_request_hook(missing_auth_hook(auth_required, frozenset(public_targets)))
    app.add_request_hook(eks_ext.eks_hook)
    app.add_admin_route("faults", faults.faults_route)
    app.add_admin_route("calls", faults.calls_route)
    app.add_admin_route("states", STATES.route)
    app.add_admin_route("children", CHILDREN.route)
    app.add_admin_route("authn", authn_webhook.route)
    ext = Extensions(faults=faults, seed_targets=list(seed_targets))
    return ext
